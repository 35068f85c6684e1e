"""`mkba.net`: each actor's signed net result (benefits − costs), right by construction (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import mkba
from mkba.simulator.domain import ACTORS, ITEM_KIND, ITEMS
from mkba.simulator.study import Study

DRAWS = 20_000


@pytest.fixture(scope="module")
def runs(forward_path) -> tuple[xr.Dataset, xr.Dataset]:
    # the forward look: non-uniform inputs (PERT, triangular, lognormal) with rank correlations
    study = Study.from_toml(forward_path)
    return (mkba.simulate(study, draws=DRAWS, seed=3, store="full"),
            mkba.simulate(study, draws=DRAWS, seed=3, store="lean"))


def test_sums_to_saldo_per_draw(runs):
    full, _ = runs
    n = mkba.net(full)
    assert n.dims == ("draw", "actor") and n.sizes["actor"] == len(ACTORS)
    # the actors' net results add up to the whole saldo, in every draw
    np.testing.assert_allclose(n.sum("actor"), full["saldo"], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(float(mkba.net(full, base=True).sum()), float(full["base_saldo"]), rtol=1e-12)


def test_matches_the_npv_cube_with_costs_subtracted(runs):
    full, _ = runs
    npv = full["npv"].values  # cost lines are stored as positive amounts
    cost = np.array([ITEM_KIND[i] == "cost" for i in ITEMS])
    for actor in ("jeugd", "welzijn", "zvw", "households"):
        a = ACTORS.index(actor)
        by_hand = npv[:, ~cost, a].sum(axis=1) - npv[:, cost, a].sum(axis=1)
        np.testing.assert_allclose(mkba.net(full, actor).values, by_hand, rtol=1e-12, atol=1e-6)
    # the README's old example summed npv over lines: that adds welzijn's team costs instead of subtracting
    # them (€ 3.1 mln instead of a net of about € 22,000), off by exactly twice its costs
    wrong = full["npv"].sel(actor="welzijn").sum("item")
    np.testing.assert_allclose(wrong - mkba.net(full, "welzijn"), 2 * full["actor_costs"].sel(actor="welzijn"),
                               rtol=1e-12)
    assert float(full["actor_costs"].sel(actor="welzijn").mean()) > 1e6 > abs(float(mkba.net(full, "welzijn").mean()))


def test_same_in_the_lean_store_and_from_older_files(runs):
    full, lean = runs
    assert "npv" not in lean
    # lean keeps per-actor amounts as float32: equal within float32 rounding of € millions
    np.testing.assert_allclose(mkba.net(lean), mkba.net(full), rtol=0, atol=0.5)
    older = full.drop_vars(["actor_costs", "actor_benefits", "base_actor_costs", "base_actor_benefits"])
    np.testing.assert_allclose(mkba.net(older), mkba.net(full), rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(mkba.net(older, base=True), mkba.net(full, base=True), rtol=1e-12, atol=1e-6)


def test_batch_dims_and_errors(runs):
    full, _ = runs
    batch = xr.concat([full, full], dim=xr.DataArray(["a", "b"], dims="study", name="study"))
    assert mkba.net(batch, "jeugd").dims == ("study", "draw")
    with pytest.raises(ValueError, match="unknown actor 'youth'; choose one of: wi, "):
        mkba.net(full, "youth")
    with pytest.raises(ValueError, match="no per-actor amounts"):
        mkba.net(full[["saldo"]])
