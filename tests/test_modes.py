"""Every mode and switch of the model end to end through `mkba run` (issue 9 item 1).

Each case writes a small study, runs it through the command line and checks the printed JSON against the
line computed by hand from the study's inputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mkba.cli import main

STUDY = """
[study]
name = "modes"
[simulation]
draws = 400
seed = 3
[finance]
discount_rate_real = 0.025
risk_premium = 0.03
{finance}
[reach]
n_households = 1000
share_newly_found = 0.2
share_type = {{ families = 0.3, elderly = 0.4, other = 0.3 }}
[reach.share_severity]
families = {{ ev = 0.4, mv_zr = 0.3, mv_nzr = 0.2, top = 0.1 }}
elderly = {{ ev = 0.8, mv_zr = 0.1, mv_nzr = 0.1, top = 0.0 }}
other = {{ ev = 0.4, mv_zr = 0.3, mv_nzr = 0.3, top = 0.0 }}
[costs]
team_fte = 10
cost_per_fte = {{ dist = "pert", min = 70000, mode = 74000, max = 78000 }}
additional_share = 0.2
{costs}
[effects.tailored]
{tailored}
[effects.school]
p_dropout_reduction = 0.02
{school}
[effects.escalation]
rate = {{ families = 0.01, elderly = 0.0, other = 0.01 }}
[prices]
average_trajectory = {{ dist = "pert", min = 3000, mode = 4000, max = 5000 }}
[prices.trajectory]
social_work = 400
youth_parenting = 6000
"""

PRICE = 'mode = "price"\neligible_trajectories = 750\ncost_reduction = 0.10\nmix = { youth_parenting = 1.0 }'
QUANTITY = 'mode = "quantity"\nnew_cases = 0.06\nexisting_cases = 0.06\nmix = { social_work = 1.0 }'


def run_json(tmp_path: Path, capsys, **blocks: str) -> dict:
    text = STUDY.format(finance=blocks.get("finance", ""), costs=blocks.get("costs", ""),
                        tailored=blocks.get("tailored", QUANTITY), school=blocks.get("school", ""))
    path = tmp_path / "modes.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--json", "--no-report"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


class TestModesEndToEnd:
    def test_price_mode_runs(self, tmp_path, capsys):
        r = run_json(tmp_path, capsys, tailored=PRICE)
        # 750 trajectories × 10 % × € 4,000 (base of the average price), in year 0
        assert r["base"]["tailored"] == pytest.approx(750 * 0.10 * 4000)
        s = r["summary"]["tailored"]
        assert 750 * 0.10 * 3000 <= s["p5"] < s["p95"] <= 750 * 0.10 * 5000
        # escalation (which read the household shares the old loop overwrote) is still computed
        assert r["base"]["escalation"] > 0

    def test_quantity_mode(self, tmp_path, capsys):
        r = run_json(tmp_path, capsys, tailored=QUANTITY)
        assert r["base"]["tailored"] == pytest.approx(1000 * 0.06 * 400)

    @pytest.mark.parametrize("friction", [True, False])
    def test_additional_is_friction(self, tmp_path, capsys, friction):
        r = run_json(tmp_path, capsys, costs=f"additional_is_friction = {str(friction).lower()}")
        team = 10 * 74000
        b = r["base"]
        assert b["null_situation"] == pytest.approx(0.8 * team)
        assert b["costs"] == pytest.approx(team + b["extra_care"])  # the additional 20 % is a cost either way
        if friction:
            assert b["friction"] == pytest.approx(0.2 * team) and b["additional"] == 0
        else:
            assert b["additional"] == pytest.approx(0.2 * team) and b["friction"] == 0

    def test_multiplicative_discounting(self, tmp_path, capsys):
        add = run_json(tmp_path, capsys)
        mul = run_json(tmp_path, capsys, finance='combination = "multiplicative"')
        youths = 1000 * 0.3 * 1.6 * 0.02
        r_add, r_mul = 0.055, 1.025 * 1.03 - 1
        assert add["base"]["children"] == pytest.approx(youths * 70_000 / (1 + r_add) ** 9)
        assert mul["base"]["children"] == pytest.approx(youths * 70_000 / (1 + r_mul) ** 9)
        # year-0 lines do not depend on the rate
        assert mul["base"]["null_situation"] == pytest.approx(add["base"]["null_situation"])

    def test_rediscount_off(self, tmp_path, capsys):
        r = run_json(tmp_path, capsys, school="rediscount = false")
        # the € 70,000 is already a lifetime NPV: counted at face value
        assert r["base"]["children"] == pytest.approx(1000 * 0.3 * 1.6 * 0.02 * 70_000)
