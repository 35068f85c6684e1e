"""Validation messages for the common mistakes (issue 9 item 9): did you mean …, a Dutch decimal comma, a
90 % range that fits its key, a price left at 0 while its line is used, a study and a batch file swapped."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from mkba.distributions import Beta, LogNormal
from mkba.simulator.study import Study, StudyError
from cli_run import run_cli

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "studies" / "steenwijkerland-doorkijk-batch.toml"


_run = run_cli


@pytest.fixture(scope="module")
def raw(forward_path) -> dict:
    return tomllib.loads(forward_path.read_text(encoding="utf-8"))


def problems(raw: dict) -> list[str]:
    with pytest.raises(StudyError) as exc:
        Study.from_dict(raw, source="x.toml")
    return [str(p) for p in exc.value.problems]


class TestDidYouMean:
    @pytest.mark.parametrize("path, expected", [
        (("costs", "team_ftee"), "x.toml: costs.team_ftee: unknown key (not part of the study schema; did you "
                                 "mean 'team_fte'?)"),
        (("effects", "work", "p_to_wrok"), "did you mean 'p_to_work'?"),
        (("simulaton",), "did you mean 'simulation'?"),
        (("effects", "escalaton"), "did you mean 'escalation'?"),
    ])
    def test_misspelt_key(self, raw, path, expected):
        r = copy.deepcopy(raw)
        node = r
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = 1
        assert any(expected in p for p in problems(r)), problems(r)

    def test_misspelt_key_of_a_named_role(self, raw):
        r = copy.deepcopy(raw)
        del r["costs"]["team_fte"], r["costs"]["cost_per_fte"]
        r["costs"]["team"] = {"consultants": {"fte": 25, "cost_per_fte": 74000, "ftee": 1}}
        assert "x.toml: costs.team.consultants.ftee: unknown key (not part of the study schema; did you mean " \
               "'fte'?)" in problems(r)

    def test_nothing_close_says_check_the_spelling(self, raw):
        r = copy.deepcopy(raw)
        r["reach"]["xyzzy"] = 1
        assert problems(r) == ["x.toml: reach.xyzzy: unknown key (not part of the study schema; check the "
                               "spelling)"]

    @pytest.mark.parametrize("value, expected", [
        ({"dist": "pert", "min": 1, "mode": 2, "max": 3, "lamda": 4}, "did you mean 'lamda' → 'lambda'?"),
        ({"dist": "pret", "min": 1, "mode": 2, "max": 3}, "unknown dist 'pret'; did you mean 'pert'?"),
        ({"p5": 70000, "p95": 90000, "famly": "normal"}, "did you mean 'famly' → 'family'?"),
    ])
    def test_misspelt_distribution_key(self, raw, value, expected):
        r = copy.deepcopy(raw)
        r["costs"]["cost_per_fte"] = value
        (msg,) = problems(r)
        assert msg.startswith("x.toml: costs.cost_per_fte: ") and expected in msg


class TestDecimalComma:
    def test_dutch_decimal_comma_is_named(self, tmp_path, forward_path):
        text = forward_path.read_text(encoding="utf-8")
        text, n = re.subn(r"^team_fte = .*$", "team_fte = 18,95", text, flags=re.M)
        assert n == 1
        line = text[: text.index("team_fte = 18,95")].count("\n") + 1
        (tmp_path / "x.toml").write_text(text, encoding="utf-8")
        code, out, err = _run(["validate", str(tmp_path / "x.toml")])
        assert code == 2 and out == ""
        assert err.startswith(f"error: {tmp_path / 'x.toml'}: line {line}: 18,95 looks like a Dutch decimal comma: "
                              "TOML writes decimals with a point (18.95)")
        assert err.count("\n") == 1

    def test_in_an_inline_table(self, tmp_path):
        (tmp_path / "x.toml").write_text('[costs]\ncost_per_fte = { dist = "pert", min = 0,1, mode = 0,2 }\n')
        with pytest.raises(StudyError, match=r"line 2: 0,1 looks like a Dutch decimal comma.*\(0\.1\)"):
            Study.from_toml(tmp_path / "x.toml")

    @pytest.mark.parametrize("text", ["a = [1,5\n", "a = 1\nb = = 2\n", 'a = "0,3" x\n'])
    def test_other_syntax_errors_are_not_called_commas(self, tmp_path, text):
        (tmp_path / "x.toml").write_text(text)
        with pytest.raises(StudyError) as exc:
            Study.from_toml(tmp_path / "x.toml")
        assert "decimal comma" not in str(exc.value) and "TOML syntax error" in str(exc.value)


class TestRangeFamily:
    def _dist(self, raw, block, key, value):
        r = copy.deepcopy(raw)
        r[block][key] = value
        return Study.from_dict(r, source="x.toml").parameters[f"{block}.{key}"].dist

    def test_count_range_is_lognormal_and_hits_its_percentiles(self, raw):
        d = self._dist(raw, "reach", "n_households", {"p5": 300, "p95": 540})
        assert isinstance(d, LogNormal) and d.support[0] >= 0
        np.testing.assert_allclose(d.ppf([0.05, 0.95]), [300, 540], rtol=1e-9)

    def test_share_range_is_beta_within_0_and_1(self, raw):
        d = self._dist(raw, "reach", "share_newly_found", {"p5": 0.05, "p95": 0.4})
        assert isinstance(d, Beta) and d.support == (0.0, 1.0)
        np.testing.assert_allclose(d.ppf([0.05, 0.95]), [0.05, 0.4], atol=1e-6)
        # the old rule (lognormal when p5 > 0) had draws above 1 here, which the share's bound refuses
        sigma = (np.log(0.4) - np.log(0.05)) / (2 * 1.6448536269514722)
        from scipy.stats import lognorm
        assert lognorm(sigma, scale=np.sqrt(0.05 * 0.4)).sf(1.0) > 5e-4

    def test_count_range_from_zero_says_what_to_write(self, raw):
        r = copy.deepcopy(raw)
        r["costs"]["team_fte"] = {"p5": 0, "p95": 20}
        (msg,) = problems(r)
        assert "costs.team_fte: a 90 % range on a count or amount (never below 0) is fitted to a lognormal" in msg
        assert 'dist = "pert", min = 0' in msg

    def test_share_range_outside_0_1(self, raw):
        r = copy.deepcopy(raw)
        r["reach"]["share_newly_found"] = {"p5": 0.2, "p95": 1.3}
        (msg,) = problems(r)
        assert "needs 0 < p5 < p95 < 1" in msg

    def test_explicit_family_is_kept(self, raw):
        d = self._dist(raw, "costs", "cost_per_fte", {"p5": 70000, "p95": 90000, "family": "lognormal"})
        assert d.kind == "lognormal"
        r = copy.deepcopy(raw)
        r["costs"]["team_fte"] = {"p5": 15, "p95": 20, "family": "normal"}  # reaches below 0 fte
        assert problems(r) == ["x.toml: costs.team_fte: must be >= 0; the smallest possible value is -inf"]


class TestPriceWarning:
    def test_default_zero_price_of_a_used_line(self, raw):
        r = copy.deepcopy(raw)
        r["effects"]["substitution"]["mix"] = {"social_work": 0.5, "reintegration": 0.5}
        r["effects"]["consults"] = {"change": -0.1, "base_volume": 500}
        warnings = [str(w) for w in Study.from_dict(r, source="x.toml").warnings]
        assert len(warnings) == 2
        assert warnings[0].startswith("x.toml: prices.trajectory.reintegration: stays at its default 0 while "
                                      "effects.substitution.new_cases is used, so the line 'substitution' is worth € 0")
        assert warnings[1].startswith("x.toml: prices.first_line_consult: stays at its default 0 while "
                                      "effects.consults.change is used")

    def test_no_warning_when_the_study_sets_the_price_or_the_line_is_off(self, raw, forward_path):
        assert Study.from_toml(forward_path).warnings == []
        r = copy.deepcopy(raw)
        r["effects"]["substitution"]["mix"] = {"social_work": 0.5, "reintegration": 0.5}
        r["prices"]["trajectory"]["reintegration"] = {"value": 0, "note": "niet geprijsd"}
        assert Study.from_dict(r, source="x.toml").warnings == []
        r = copy.deepcopy(raw)
        r["effects"]["consults"] = {"change": -0.1, "base_volume": 0}  # no volume: the line is not used
        assert Study.from_dict(r, source="x.toml").warnings == []

    def test_cli_prints_it_and_still_succeeds(self, tmp_path, forward_path):
        text = forward_path.read_text(encoding="utf-8").replace(
            "[effects.work]\n", "[effects.work]\n", 1)
        text = re.sub(r"^\[effects\.quality_of_life\]\n", "[effects.nuisance]\nhouseholds = 3\n\n"
                      "[effects.quality_of_life]\n", text, count=1, flags=re.M)
        (tmp_path / "x.toml").write_text(text, encoding="utf-8")
        code, out, err = _run(["validate", str(tmp_path / "x.toml")])
        assert code == 0 and ": ok" in out
        assert err == (f"warning: {tmp_path / 'x.toml'}: prices.nuisance_per_household: stays at its default 0 "
                       "while effects.nuisance.households is used, so the line 'nuisance' is worth € 0; give the "
                       "price (with its source), or set it to 0 with a note if that is meant\n")


class TestWrongCommand:
    def test_study_passed_to_batch(self, tmp_path, forward_path):
        code, out, err = _run(["batch", str(forward_path), "--out", str(tmp_path)])
        assert code == 2 and out == "" and list(tmp_path.iterdir()) == []
        assert err == (f"error: {forward_path} is a study file (it has a [study] table), not a batch file: run it "
                       f"with `mkba run {forward_path}`, or list it under [[studies]] in a batch file\n")

    @pytest.mark.parametrize("command", ["run", "sensitivity"])
    def test_batch_passed_to_a_study_command(self, tmp_path, command):
        code, out, err = _run([command, str(BATCH), "--out", str(tmp_path)])
        assert code == 2 and out == "" and list(tmp_path.iterdir()) == []
        assert err == (f"error: {BATCH} is a batch file (it has a [batch] table), not a study: run it with "
                       f"`mkba batch {BATCH}`\n")
