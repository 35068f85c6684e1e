"""The bundled West Betuwe 2020 and Woerden 2013 studies (issue 9 item 7): entered as their documents state
them, they validate, run, report and go through every sensitivity method; their base lines follow by hand
from the documented inputs."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mkba import Study, base_case
from mkba.cli import main
from mkba.simulator.domain import ACTORS
from mkba.simulator.study import bundled_studies

from conftest import STUDIES

WB = STUDIES / "west-betuwe-2020.toml"
WOERDEN = STUDIES / "woerden-2013.toml"
DF = 1.055 ** -np.arange(10.0)


def lines(study: Study) -> dict[str, float]:
    b = base_case(study)
    return {it: float(b["npv"][0, i].sum()) for i, it in enumerate(study.model.items)}


class TestWestBetuwe:
    @pytest.fixture(scope="class")
    @classmethod
    def study(cls):
        return Study.from_toml(WB)

    def test_counts_appear_verbatim(self):
        text = WB.read_text(encoding="utf-8")
        for needle in ('n_households = { value = 2000', 'trajectories = { value = 220', 'trajectories = { value = 250',
                       'trajectories = { value = 500', 'persons = { value = 4', 'households = { value = 5',
                       'youths = { value = 3', 'families = { value = 5', 'other = { value = 5',
                       'fte = { value = 25', 'fte = { value = 1,', 'assistance_saving = { value = 16800'):
            assert needle in text, needle
        # every judgement says so, and nothing in it is calibrated to West Betuwe's own results
        assert text.count("JUDGEMENT") >= 15
        assert not re.search(r"CALIBRATED (so|to) .*West Betuwe", text)

    def test_base_case_by_hand(self, study):
        got = lines(study)
        team = 25 * 74_000 + 100_000  # consultants + team leader (mode)
        assert got["null_situation"] == pytest.approx(team) and got["new_for_old"] == pytest.approx(team)
        assert got["substitution"] == pytest.approx(220 * (0.5 * 300 + 0.25 * 647 + 0.25 * 499))
        assert got["tailored"] == pytest.approx(250 * 0.10 * 5714 + 500 * 0.10 * 2630)
        assert got["effectiveness"] == pytest.approx(4 * 16_800 * DF[1:4].sum())  # 3 years from year 1
        assert got["children"] == pytest.approx(3 * 70_000 * DF[9])
        # 5 families and 5 other households one class up, over the classes below top (severity means)
        fam = 5 * (0.40 * 8200 + 0.41 * 8300 + 0.16 * 35500) / 0.97
        oth = 5 * (0.40 * 9200 + 0.36226 * 1300 + 0.18113 * 12100) / (0.40 + 0.36226 + 0.18113)
        assert got["escalation"] == pytest.approx((fam + oth) * (DF[1] + 0.5 * DF[2]), rel=1e-4)
        assert got["extra_care"] == 0 and got["friction"] == 0
        b = base_case(study)
        row = b["npv"][0, study.model.items.index("tailored")]
        assert row[ACTORS.index("jeugd")] == pytest.approx(250 * 0.10 * 5714)
        assert row[ACTORS.index("wmo")] == pytest.approx(500 * 0.10 * 2630)

    def test_scenarios(self, study):
        base = lines(study)
        more = lines(study.scenario("regie-overige-beschikkingen"))
        assert more["tailored"] - base["tailored"] == pytest.approx(850 * 0.10 * 2630)
        plan = study.scenario("meerjarenplan")
        got = lines(plan)
        df5 = DF[:5]
        assert got["investment"] == pytest.approx(np.dot([1.2e6, 0.975e6, 0.75e6, 0.525e6, 0.3e6], df5))
        assert got["null_situation"] == pytest.approx(base["null_situation"] * df5.sum())
        assert got["substitution"] == pytest.approx(base["substitution"] * np.dot([0.5, 0.75, 1, 1, 1], df5))


class TestWoerden:
    def test_the_earn_back_line(self):
        s = Study.from_toml(WOERDEN)
        got = lines(s)
        assert got["samenwerkingsrendement"] == pytest.approx(300 * 70_000 * 0.25 * 1.0)
        assert got["additional"] == pytest.approx(135_000)
        assert lines(s.scenario("begroting-2-mln"))["samenwerkingsrendement"] == pytest.approx(300 * 6667 * 0.25)
        assert lines(s.scenario("pilot"))["samenwerkingsrendement"] == pytest.approx(15 * 70_000 * 0.25)
        text = WOERDEN.read_text(encoding="utf-8")
        assert "[[lines]]" in text and "JUDGEMENT" in text


@pytest.mark.parametrize("path", [WB, WOERDEN], ids=["west-betuwe", "woerden"])
class TestEndToEnd:
    def test_bundled(self, path):
        assert path.name in [p.name for p in bundled_studies()]

    def test_validate_run_report(self, path, tmp_path, capsys):
        assert main(["validate", str(path)]) == 0
        capsys.readouterr()
        assert main(["run", str(path), "--draws", "2000", "--out", str(tmp_path), "--json"]) == 0
        res = json.loads(capsys.readouterr().out)
        folder = tmp_path / res["study"]
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert res["summary"]["saldo"]["p5"] < res["summary"]["saldo"]["p95"]
        assert not re.search(r"[0-9a-f]{16}\.txt|model-spec", html)
        assert res["sources"] and all("model-spec" not in v for v in res["sources"].values())

    @pytest.mark.parametrize("method, n", [("sobol", 64), ("morris", 4), ("fast", 145), ("rbd-fast", 64),
                                           ("delta", 1000), ("pawn", 1000), ("oneway", None)])
    def test_every_sensitivity_method(self, path, method, n, tmp_path, capsys):
        args = ["sensitivity", str(path), "--method", method, "--out", str(tmp_path), "--json"]
        if n is not None:
            args += ["--n", str(n)]
        assert main(args) == 0, capsys.readouterr().err
        out = json.loads(capsys.readouterr().out)
        assert out  # a ranking of the inputs
