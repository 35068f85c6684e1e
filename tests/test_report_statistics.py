"""The report's statistics computed for speed (issue 13 item 9): the scenario draws that a helper process
can compute from the study and the seed alone give the same table as the report's own run of them."""

from __future__ import annotations

import numpy as np
import pytest

from mkba import Study, simulate
from mkba.outputs.scenarios import scenario_comparison, scenario_draws


@pytest.fixture(scope="module")
def study(forward_path) -> Study:
    return Study.from_toml(forward_path)


@pytest.fixture(scope="module")
def run(study):
    return simulate(study, draws=1_500, seed=5, sampler="lhs", store="lean")


def test_scenario_draws_are_the_scenarios_simulated_on_the_same_draws(study, run):
    got = scenario_draws(study, 1_500, 5, "lhs", limit=1_000)
    assert got["draws"] == 1_000 and set(got["runs"]) == set(study.scenarios)  # the base is the run itself
    for name, r in got["runs"].items():
        ref = simulate(study.scenario(name), draws=1_000, seed=5, sampler="lhs", store="lean")
        assert r["saldo"].tobytes() == ref["saldo"].values.tobytes()
        assert r["bc_social"].tobytes() == ref["bc_social"].values.tobytes()
        assert r["base_saldo"] == float(ref["base_saldo"])


def test_precomputed_draws_give_the_same_rows(study, run):
    here = scenario_comparison(study, run, 1_000)
    assert scenario_comparison(study, run, 1_000, runs=scenario_draws(study, 1_500, 5, "lhs", limit=1_000)) == here
    # draws of another seed (or sampler) are not those of this run: not used, the rows stay right
    assert scenario_comparison(study, run, 1_000, runs=scenario_draws(study, 1_500, 6, "lhs", limit=1_000)) == here
    assert scenario_comparison(study, run, 1_000, runs=scenario_draws(study, 1_500, 5, "mc", limit=1_000)) == here
    base = next(r for r in here if r["name"] == "base")
    assert base["draws"] == 1_500 and base["saldo_p50"] == pytest.approx(float(np.quantile(run["saldo"].values, 0.5)))
