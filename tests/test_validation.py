"""Strict, complete validation (issue 11 item 1): every reproduction of the fault probe is a test.

Each case builds a study from a bundled one with one change and asserts a located error (file, field
path, message) or, where the input is valid, the right result."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomlw

from mkba.cli import main
from mkba.simulator.batch import Batch
from mkba.simulator.results import base_case
from mkba.simulator.study import Study, StudyError, apply_overrides, flatten_overrides, read_toml

ROOT = Path(__file__).resolve().parents[1]
FORWARD = ROOT / "studies" / "steenwijkerland-doorkijk.toml"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return tomllib.loads(FORWARD.read_text(encoding="utf-8"))


def problems(raw: dict[str, Any]) -> list[str]:
    try:
        Study.from_dict(raw, source="x.toml")
    except StudyError as exc:
        return [str(p) for p in exc.problems]
    return []


def changed(raw: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    node = out
    keys = path.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value
    return out


def one(raw: dict[str, Any], path: str, value: Any) -> str:
    found = problems(changed(raw, path, value))
    assert found, f"{path} = {value!r} was accepted"
    return "\n".join(found)


class TestStrictTypes:
    @pytest.mark.parametrize(("path", "value", "where"), [
        ("simulation.draws", "100", "simulation.draws"),
        ("simulation.draws", True, "simulation.draws"),
        ("simulation.draws", 100.0, "simulation.draws"),
        ("costs.additional_is_friction", "no", "costs.additional_is_friction"),
        ("costs.additional_is_friction", 1, "costs.additional_is_friction"),
        ("reach.share_type", {"families": "0.45", "elderly": 0.15, "other": 0.40}, "reach.share_type.families"),
        ("reach.n_households", "420", "reach.n_households"),
        ("study.year", "2019", "study.year"),
        ("effects.school.rediscount", "true", "effects.school.rediscount"),
    ])
    def test_no_coercion(self, raw, path, value, where):
        assert f"x.toml: {where}:" in one(raw, path, value)

    def test_int_for_float_is_fine(self, raw):
        assert problems(changed(raw, "costs.team_fte", 19)) == []


class TestOverrides:
    def test_unquoted_equals_quoted(self, raw):
        """`effects.escalation.rate = {...}` unquoted (nested tables in TOML) used to replace the whole
        effects block with defaults; it must give the same study as the quoted key."""
        text = FORWARD.read_text(encoding="utf-8")
        quoted = '"effects.escalation.rate" = { families = 0.0, elderly = 0.0, other = 0.0 }'
        assert quoted in text
        unquoted = text.replace(quoted, quoted.replace('"effects.escalation.rate"', "effects.escalation.rate"))
        a = Study.from_dict(tomllib.loads(text)).scenario("geen-escalatie")
        b = Study.from_dict(tomllib.loads(unquoted)).scenario("geen-escalatie")
        assert a.spec == b.spec
        sa, sb = base_case(a)["saldo"][0], base_case(b)["saldo"][0]
        assert sa == sb
        assert base_case(Study.from_dict(tomllib.loads(text)))["saldo"][0] - sa > 50_000  # escalation mattered

    def test_nested_table_overrides_only_named_keys(self, raw):
        r = copy.deepcopy(raw)
        r["scenarios"] = [{"name": "half", "set": {"effects": {"escalation": {"rate": {"families": 0.005}}}}}]
        s = Study.from_dict(r).scenario("half")
        assert s.spec.effects.escalation.rate.families.value == 0.005
        base = Study.from_dict(r)
        assert s.spec.effects.escalation.rate.elderly == base.spec.effects.escalation.rate.elderly
        assert s.spec.effects.substitution == base.spec.effects.substitution
        assert s.spec.effects.escalation.duration_years == base.spec.effects.escalation.duration_years

    def test_flatten_forms_agree(self):
        forms = [
            {"effects.escalation.rate.families": 0.0},
            {"effects": {"escalation": {"rate": {"families": 0.0}}}},
            {"effects.escalation": {"rate.families": 0.0}},
            {"effects.escalation.rate": {"families": 0.0}},
        ]
        assert all(flatten_overrides(f) == {"effects.escalation.rate.families": 0.0} for f in forms)
        dist = {"dist": "pert", "min": 1, "mode": 2, "max": 3}
        assert flatten_overrides({"prices": {"qaly_value": dist}}) == {"prices.qaly_value": dist}

    def test_inside_a_value_is_rejected_with_how_to(self, raw):
        r = copy.deepcopy(raw)
        r["scenarios"] = [{"name": "bad", "set": {"prices.qaly_value.max": 80_000}}]
        msg = "\n".join(problems(r))
        assert "prices.qaly_value.max" in msg and "sets it whole" in msg and '"prices.qaly_value" =' in msg

    def test_empty_table_is_rejected(self, raw):
        r = copy.deepcopy(raw)
        r["scenarios"] = [{"name": "bad", "set": {"effects": {}}}]
        assert "an empty table sets nothing" in "\n".join(problems(r))

    def test_unknown_override_is_located(self, raw):
        r = copy.deepcopy(raw)
        r["scenarios"] = [{"name": "bad", "set": {"effects": {"escalation": {"rat": 0.1}}}}]
        assert "scenarios[0].set (bad): effects.escalation.rat: unknown key" in "\n".join(problems(r))

    def test_apply_keeps_the_study(self, raw):
        out = apply_overrides(raw, {"effects": {"escalation": {"rate": {"families": 0.0}}}})
        assert out["effects"]["substitution"] == raw["effects"]["substitution"]
        assert "scenarios" not in out

    def test_base_is_reserved(self, raw):
        r = copy.deepcopy(raw)
        r["scenarios"] = [{"name": "base", "set": {"prices.qaly_value": 1}}]
        assert "x.toml: scenarios[0].name: 'base' is reserved" in "\n".join(problems(r))

    def test_batch_unquoted_grid_and_scenario(self, tmp_path):
        (tmp_path / "s.toml").write_text(FORWARD.read_text(encoding="utf-8"), encoding="utf-8")
        quoted = ('[batch]\nname = "b"\ndraws = 10\n[[studies]]\nfile = "s.toml"\nscenarios = ["base"]\n'
                  '[[scenarios]]\nname = "no-esc"\n[scenarios.set]\n"effects.escalation.rate.families" = 0.0\n'
                  '[[grids]]\nname = "q"\n[grids.vary]\n"prices.qaly_value" = [20000, 50000]\n')
        unquoted = (quoted.replace('"effects.escalation.rate.families"', "effects.escalation.rate.families")
                    .replace('"prices.qaly_value"', "prices.qaly_value"))
        (tmp_path / "a.toml").write_text(quoted, encoding="utf-8")
        (tmp_path / "b.toml").write_text(unquoted, encoding="utf-8")
        a, b = Batch.from_toml(tmp_path / "a.toml"), Batch.from_toml(tmp_path / "b.toml")
        assert [c.raw for c in a.cases] == [c.raw for c in b.cases]
        assert [c.scenario for c in a.cases] == ["base", "no-esc", "q-20000", "q-50000"]
        assert a.cases[1].raw["effects"]["substitution"] == a.cases[0].raw["effects"]["substitution"]


class TestDistributions:
    @pytest.mark.parametrize(("value", "needle"), [
        ({"dist": "lognormal", "median": 1.0, "sigma": 0.2, "mean": 1.0, "sd": 0.2}, "not both"),
        ({"dist": "lognormal", "mean": 1.0, "sigma": 0.2}, "not both"),
        ({"dist": "discrete", "values": [0.5, 1.5], "weights": [1e308, 1e308]}, "beyond"),
        ({"dist": "pert", "min": 0.5, "mode": 1.0, "max": 1e308}, "beyond"),
        ({"dist": "pert", "min": 0.5, "mode": 1.0, "max": 1.5, "lambda": "4"}, "lambda must be a number"),
        ({"dist": ["pert"]}, "dist must be a name"),
        ({"dist": {}}, "dist must be a name"),
        ({"dist": "lognormal", "median": 1.0, "sigma": 500.0}, "overflow"),
        (10**400, "too large"),
    ])
    def test_rejected(self, raw, value, needle):
        msg = one(raw, "prices.care_profile_factor", value)
        assert "x.toml: prices.care_profile_factor:" in msg and needle in msg

    def test_money_beyond_plausible(self, raw):
        msg = one(raw, "costs.cost_per_fte", {"dist": "uniform", "min": 0, "max": 1e13})
        assert "x.toml: costs.cost_per_fte:" in msg and "plausible" in msg

    def test_money_in_tail_of_lognormal(self, raw):
        msg = one(raw, "prices.qaly_value", {"dist": "lognormal", "median": 5e4, "sigma": 5.0})
        assert "prices.qaly_value" in msg and "plausible" in msg

    def test_line_beyond_plausible(self, raw):
        # each input plausible, their product not: 1e9 households × € 1e6 per household
        r = changed(raw, "reach.n_households", 1e9)
        r = changed(r, "prices.nuisance_per_household", 1e6)
        r = changed(r, "effects.nuisance", {"households": 1e9})
        msg = "\n".join(problems(r))
        assert "model line 'nuisance'" in msg and "plausible" in msg

    def test_negative_care_profile(self, raw):
        row = [0, 0, -100, 0, 0, 0]
        profile = {t: {s: row for s in ("ev", "mv_zr", "mv_nzr", "top")} for t in ("families", "elderly", "other")}
        msg = one(raw, "prices.care_profile", profile)
        assert "x.toml: prices.care_profile: families.ev: amounts must lie in [0, 1e+12]" in msg


class TestRanges:
    def test_seed_limit(self, raw):
        assert "simulation.seed" in one(raw, "simulation.seed", 2**63)
        assert problems(changed(raw, "simulation.seed", 2**63 - 1)) == []

    def test_name_length(self, raw):
        assert "study.name" in one(raw, "study.name", "x" * 101)
        r = copy.deepcopy(raw)
        r["scenarios"][0]["name"] = "y" * 101
        assert "scenarios[0].name" in "\n".join(problems(r))

    def test_timing_weights_sum(self, raw):
        msg = one(raw, "timing", {"null_situation": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]})
        assert "x.toml: timing.null_situation: the weights sum to 4, not 1" in msg
        ok = changed(raw, "timing", {"null_situation": {"weights": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], "total": 4}})
        assert problems(ok) == []
        base = Study.from_dict(raw)
        four = Study.from_dict(ok)
        assert base_case(four)["line"][0][0] > 3.5 * base_case(base)["line"][0][0]
        assert "timing.debt" in one(raw, "timing", {"debt": {"weights": [0, 1] + [0] * 8, "total": 2}})


class TestFiles:
    def write(self, tmp_path: Path, data: bytes) -> Path:
        p = tmp_path / "s.toml"
        p.write_bytes(data)
        return p

    def error(self, path: Path) -> str:
        with pytest.raises(StudyError) as exc:
            read_toml(path)
        return str(exc.value)

    def test_bom_accepted(self, tmp_path):
        p = self.write(tmp_path, b"\xef\xbb\xbf" + FORWARD.read_bytes())
        assert Study.from_toml(p).name == "steenwijkerland-doorkijk"

    def test_utf16(self, tmp_path):
        p = self.write(tmp_path, FORWARD.read_text(encoding="utf-8").encode("utf-16"))
        assert "the file is not UTF-8 text (saved as UTF-16?)" in self.error(p)
        p = self.write(tmp_path, FORWARD.read_text(encoding="utf-8").encode("utf-16-le"))
        assert "UTF-16" in self.error(p)

    def test_cp1252(self, tmp_path):
        p = self.write(tmp_path, FORWARD.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
        msg = self.error(p)
        assert "not UTF-8 text" in msg and ": line " in msg

    def test_binary_and_known_formats(self, tmp_path):
        assert "binary" in self.error(self.write(tmp_path, b"name = 1\n\x00\x01\x02"))
        assert "NetCDF/HDF5" in self.error(self.write(tmp_path, b"\x89HDF\r\n\x1a\n" + b"\x00" * 100))
        assert "ZIP" in self.error(self.write(tmp_path, b"PK\x03\x04" + b"\x00" * 100))

    def test_oversized_refused_before_reading(self, tmp_path):
        p = tmp_path / "big.toml"
        with open(p, "wb") as f:
            f.truncate(50_000_000)  # sparse: no time, no disk
        assert "MB" in self.error(p)

    def test_parser_limits_located(self, tmp_path):
        msg = self.error(self.write(tmp_path, b"[study]\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n"))
        assert "s.toml: line 2: tables or arrays nested more than" in msg
        msg = self.error(self.write(tmp_path, b"[study]\n\nx = " + b"9" * 5000 + b"\n"))
        assert "s.toml: line 3: a number with thousands of digits" in msg

    def test_folder(self, tmp_path):
        assert "folder" in self.error(tmp_path)


class TestCli:
    def test_validate_exit_2_one_line_each(self, tmp_path, raw, capsys):
        bad = changed(raw, "simulation.draws", "100")
        bad = changed(bad, "costs.additional_is_friction", "no")
        p = tmp_path / "bad.toml"
        p.write_text(tomlw.dumps(bad), encoding="utf-8")
        assert main(["validate", str(p)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 2 and all(line.startswith(f"error: {p}: ") for line in err)

    def test_every_bundled_scenario_validates(self):
        for p in sorted((ROOT / "studies").glob("*.toml")):
            if p.name.endswith("-batch.toml"):
                Batch.from_toml(p)
                continue
            s = Study.from_toml(p)
            for name in ["base", *s.scenarios]:
                assert np.isfinite(base_case(s.scenario(name))["saldo"][0])
