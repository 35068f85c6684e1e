"""Ratio definitions (issue 10 item 6): the municipal ratio is financial, a ratio with no costs is
undefined (NaN → "n.v.t."/"n/a"/null), and a probability from a finite sample is never a certainty."""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from mkba import Study, simulate
from mkba.cli import main
from mkba.simulator.domain import MUNICIPAL_ACTORS
from mkba.simulator.study import read_toml


def _study(path, change) -> Study:
    raw = copy.deepcopy(read_toml(path))
    change(raw)
    return Study.from_dict(raw, source=str(path))


def _nuisance(actor: str):
    def change(raw):
        raw.setdefault("effects", {})["nuisance"] = {"households": {"dist": "pert", "min": 5, "mode": 10, "max": 20},
                                                     "actor": actor}
        raw["prices"]["nuisance_per_household"] = 2_000
    return change


def _zvw_only(raw):
    """A team funded entirely outside the municipality, with no extra municipal care either."""
    raw["costs"]["funding"] = {"zvw": 1.0}
    raw["costs"]["extra_care"]["new_cases"] = 0.0
    raw["costs"]["extra_care"]["existing_cases"] = 0.0


class TestMunicipalRatioIsFinancial:
    def test_immaterial_line_booked_to_a_municipal_actor_does_not_count(self, forward_path):
        households = simulate(_study(forward_path, _nuisance("households")), draws=3000, seed=5, store="full")
        wi = simulate(_study(forward_path, _nuisance("wi")), draws=3000, seed=5, store="full")
        # the nuisance line is real (it changes W&I's own net result) ...
        assert float(wi["npv"].sel(item="nuisance", actor="wi").mean()) > 10_000
        # ... but the municipal ratio is financial: bit for bit the same
        assert_array_equal(wi["bc_municipal"].values, households["bc_municipal"].values)
        assert float(wi["base_bc_municipal"]) == float(households["base_bc_municipal"])

    def test_municipal_ratio_is_financial_benefits_over_costs(self, forward_path):
        ds = simulate(_study(forward_path, _nuisance("wi")), draws=2000, seed=3, store="full")
        npv = ds["npv"].sel(actor=list(MUNICIPAL_ACTORS)).sum("actor")
        kind = ds["kind"]
        fin = npv.where(kind == "financial", 0.0).sum("item")
        cost = npv.where(kind == "cost", 0.0).sum("item")
        np.testing.assert_allclose(ds["bc_municipal"].values, (fin / cost).values, rtol=1e-12)


class TestUndefinedRatio:
    def test_no_municipal_costs_gives_nan_not_inf(self, forward_path):
        ds = simulate(_study(forward_path, _zvw_only), draws=1000, seed=1)
        assert np.isnan(ds["bc_municipal"].values).all()
        assert np.isnan(float(ds["base_bc_municipal"]))
        assert np.isfinite(ds["bc_social"].values).all()

    def test_cli_report_and_json_null(self, forward_path, tmp_path, capsys):
        text = forward_path.read_text(encoding="utf-8")
        for old, new in ((r"^funding = \{ welzijn = 1\.0\b.*$", "funding = { zvw = 1.0 }"),
                         (r'^new_cases = \{ dist = "pert", min = 0\.0, mode = 0\.0, max = 0\.02\b.*$', "new_cases = 0.0"),
                         (r'^existing_cases = \{ dist = "pert", min = 0\.0, mode = 0\.0, max = 0\.02\b.*$',
                          "existing_cases = 0.0")):
            text, n = re.subn(old, new, text, flags=re.M)
            assert n == 1, old
        path = tmp_path / "zvw.toml"
        path.write_text(text, encoding="utf-8")
        assert main(["run", str(path), "--draws", "1500", "--out", str(tmp_path / "a"), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)  # strict JSON: no NaN
        assert result["base"]["bc_municipal"] is None
        assert result["summary"]["bc_municipal"] == {"mean": None, "p5": None, "p50": None, "p95": None}
        assert result["probabilities"]["bc_municipal_gt_1"] is None
        assert result["undefined"]["bc_municipal"] == 1.0 and result["undefined"]["bc_social"] == 0.0
        report = (tmp_path / "a" / "steenwijkerland-doorkijk" / "report.md").read_text(encoding="utf-8")
        assert "| B/K gemeente | n.v.t. | n.v.t. | n.v.t. | n.v.t. |" in report
        assert "B/K gemeente: n.v.t." in report
        assert "nan" not in report.lower().replace("financ", "")
        # the console table: n/a and a one-line note, exit 0
        assert main(["run", str(path), "--draws", "1500", "--out", str(tmp_path / "b"), "--no-report"]) == 0
        out = capsys.readouterr().out
        assert "Kans B/K gemeente > 1 n.v.t." in out
        assert "let op: B/K gemeente is in 100,0 % van de trekkingen niet gedefinieerd (n.v.t.)" in out

    def test_probability_is_never_printed_as_certainty(self, forward_path, tmp_path, capsys):
        # every draw of the forward look has bc_social > 1; the console must not say 1.000
        assert main(["run", str(forward_path), "--draws", "2000", "--out", str(tmp_path), "--no-report"]) == 0
        out = capsys.readouterr().out
        line = next(x for x in out.splitlines() if x.startswith("Kans B/K maatschappelijk > 1"))
        assert line.startswith("Kans B/K maatschappelijk > 1 > 0,999") and "1,000" not in line
