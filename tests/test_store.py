"""The stores (issue 14 item 3): `--store auto` is lean at any number of draws, the lean store keeps
everything the report reads (the streamed bands, the budget view; the inputs are recomputed bit for bit),
so the report of a lean store is the report of a full store."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mkba.outputs.report import build_document, render_markdown, report_context
from mkba.outputs.summary import cashflow_bands
from mkba.simulator.engine import run
from mkba.simulator.results import BANDS, sampled_inputs, simulate, simulate_to_netcdf, with_inputs
from mkba.simulator.study import Study, bundled_studies, default_study_path


@pytest.fixture(scope="module")
def forward() -> Study:
    return Study.from_toml(default_study_path())


@pytest.fixture(scope="module")
def west_betuwe() -> Study:
    return Study.from_toml(next(p for p in bundled_studies() if p.stem == "west-betuwe-2020"))


def _report(ds: xr.Dataset, study: Study, lang: str) -> str:
    ds = with_inputs(ds, study)  # as write_report does: a lean store's inputs from the study and seed
    return render_markdown(build_document(report_context(ds, lang=lang, study=study, with_decision=True)))


@pytest.mark.parametrize("which, scenario, lang", [("forward", "base", "nl"), ("west_betuwe", "meerjarenplan", "en")])
def test_lean_report_equals_full_report(request, which, scenario, lang):
    root = request.getfixturevalue(which)
    study = root.scenario(scenario)
    full = simulate(study, draws=4_000, seed=7, store="full")
    lean = simulate(study, draws=4_000, seed=7)  # auto
    assert lean.attrs["store"] == "lean" and "npv" not in lean and "inputs" not in lean and "cashflow" not in lean
    # the two runs differ only in when (and as which run) they were made: the report prints both
    lean.attrs.update({k: full.attrs[k] for k in ("created", "run_id") if k in full.attrs})
    a, b = _report(full, root, lang), _report(lean, root, lang)
    assert a == b
    # and nothing in it is a lean-store stand-in: the time profile has its ranges, the decision section ran
    note = "niet per trekking bewaard" if lang == "nl" else "not kept per draw"
    assert note not in b
    assert ("Besluit en onzekerheid" if lang == "nl" else "Decision and uncertainty") in b


def test_bands_are_numpys_quantiles_in_every_store(forward):
    full = simulate(forward, draws=30_000, seed=2, store="full", chunk_size=7_000)
    # the model's per-draw net cash flow, which the bands summarise: numpy's quantiles of it, bit for bit
    per_draw = run(forward.model, forward.parameters, draws=30_000, seed=2, keep_inputs=False,
                   reduce=lambda out: {"net_cashflow": out["net_cashflow"]}).outputs["net_cashflow"]
    assert full["cashflow_band"].values.tolist() == np.quantile(per_draw, BANDS, axis=0).tolist()
    # ... which is the full store's cash flows per line and year, signed and summed over the lines
    cf = (full["cashflow"] * xr.where(full["kind"] == "cost", -1.0, 1.0)).sum("item").values  # (draw, year)
    np.testing.assert_allclose(per_draw, cf, rtol=1e-12, atol=1e-6)
    lean = simulate(forward, draws=30_000, seed=2, chunk_size=65_536)
    assert np.array_equal(lean["cashflow_band"].values, full["cashflow_band"].values)
    np.testing.assert_allclose(cashflow_bands(lean, (0.05, 0.5, 0.95)), np.quantile(cf, (0.05, 0.5, 0.95), axis=0),
                               rtol=1e-12)
    # the years differ: a real profile, not one number repeated
    assert np.ptp(lean["cashflow_band"].sel(band=0.5).values) > 0


def test_streamed_bands_equal_in_memory_bands(tmp_path, west_betuwe):
    study = west_betuwe.scenario("meerjarenplan")
    ref = simulate(study, draws=9_000, seed=4, store="full")
    sk = simulate_to_netcdf(study, tmp_path / "r.nc", draws=9_000, seed=4, chunk_size=2_500)
    with xr.open_dataset(tmp_path / "r.nc") as got:
        for var in ("cashflow_band", "plan_investment_band", "plan_savings_band", "plan_municipal_band"):
            assert got[var].dims == ("band", "plan_year" if var.startswith("plan") else "year")
            assert np.array_equal(got[var].values, sk[var].values)
            if var != "plan_municipal_band":  # (float32 per draw in the lean store, float64 in the full)
                assert np.array_equal(got[var].values, ref[var].values), var
        # the savings are uncertain, so their band is a band
        sav = got["plan_savings_band"].values
        assert np.all(sav[0] <= sav[2]) and np.any(sav[4] > sav[0])


@pytest.mark.parametrize("sampler, n", [("mc", 5_000), ("lhs", 5_000), ("sobol", 4_096)])
def test_inputs_recomputed_bit_for_bit(forward, sampler, n):
    full = simulate(forward, draws=n, seed=5, sampler=sampler, store="full", chunk_size=1_500)
    lean = simulate(forward, draws=n, seed=5, sampler=sampler)
    got = sampled_inputs(lean, forward)
    assert got is not None and got.identical(full["inputs"])
    # another study (other inputs) gives none rather than wrong numbers
    other = Study.from_toml(next(p for p in bundled_studies() if p.stem == "woerden-2013"))
    assert sampled_inputs(lean, other) is None
    assert "inputs" not in with_inputs(lean, other)


def test_results_of_older_versions_without_bands(forward):
    """A file written before the bands: its time profile from the per-draw cash flows (full store), or the
    base case with the note (lean store), as those versions showed it."""
    full = simulate(forward, draws=3_000, seed=9, store="full")
    old_full = full.drop_vars("cashflow_band")
    assert np.allclose(cashflow_bands(old_full), full["cashflow_band"].values, rtol=1e-12)
    old_lean = simulate(forward, draws=3_000, seed=9).drop_vars("cashflow_band")
    assert cashflow_bands(old_lean) is None
    md = render_markdown(build_document(report_context(old_lean, lang="en", study=forward)))
    assert "are not kept per draw" in md
