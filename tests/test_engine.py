"""The engine: seeded blocks give bit-identical numbers for any chunk size or thread count."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from mkba import ParameterSet, Study, run, simulate
from mkba.distributions import Uniform
from mkba.simulator.engine import BLOCK, uniforms


def ishigami(x):
    a, b = 7.0, 0.1
    x1, x2, x3 = x["x1"], x["x2"], x["x3"]
    return {"y": np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)}


ISHIGAMI = ParameterSet.from_dists({f"x{i}": Uniform(-math.pi, math.pi) for i in (1, 2, 3)})


class TestReproducibility:
    @pytest.fixture(scope="class")
    @classmethod
    def study(cls, forward_path):
        return Study.from_toml(forward_path)

    def test_chunk_sizes_give_identical_arrays(self, study):
        n = BLOCK + 4_321  # spans two seeded blocks
        runs = [simulate(study, draws=n, seed=11, chunk_size=c, workers=1, store="full") for c in (1_000, 65_536, n)]
        for other in runs[1:]:
            for var in ("npv", "cashflow", "saldo", "bc_social", "bc_municipal", "inputs", "cashflow_band"):
                assert_array_equal(runs[0][var].values, other[var].values)
        # the lean store (the default): the same per-draw numbers and the same streamed bands
        lean = [simulate(study, draws=n, seed=11, chunk_size=c, workers=1) for c in (1_000, n)]
        for var in ("saldo", "line", "actor_costs", "cashflow_band"):
            assert_array_equal(lean[0][var].values, lean[1][var].values)
        assert_array_equal(lean[0]["cashflow_band"].values, runs[0]["cashflow_band"].values)

    def test_threads_give_identical_arrays(self, study):
        one = simulate(study, draws=20_000, seed=3, chunk_size=3_000, workers=1, store="full")
        two = simulate(study, draws=20_000, seed=3, chunk_size=3_000, workers=2, store="full")
        assert_array_equal(one["npv"].values, two["npv"].values)

    def test_other_seed_differs(self, study):
        a = simulate(study, draws=2_000, seed=1)
        b = simulate(study, draws=2_000, seed=2)
        assert not np.array_equal(a["saldo"].values, b["saldo"].values)

    def test_prefix_property(self, study):
        # the first 500 draws of a 5,000-draw run are the 500-draw run
        a = simulate(study, draws=500, seed=5)
        b = simulate(study, draws=5_000, seed=5)
        assert_array_equal(a["saldo"].values, b["saldo"].values[:500])

    def test_lean_store_keeps_the_same_totals(self, study):
        full = simulate(study, draws=3_000, seed=9, store="full")
        lean = simulate(study, draws=3_000, seed=9, store="lean")
        assert_array_equal(full["saldo"].values, lean["saldo"].values)
        assert "npv" not in lean and "inputs" not in lean
        np.testing.assert_allclose(lean["line"].values, full["line"].values, rtol=1e-6)


class TestGenericModels:
    def test_ishigami_mean_and_variance(self):
        res = run(ishigami, ISHIGAMI, draws=200_000, seed=1)
        y = res.outputs["y"]
        # analytic: E = a/2 = 3.5; V = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2
        a, b = 7.0, 0.1
        v = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
        assert abs(y.mean() - 3.5) < 0.03
        assert abs(y.var() - v) / v < 0.02
        assert set(res.inputs) == {"x1", "x2", "x3"}

    def test_lhs_stratifies_each_block(self):
        u = uniforms(["x"], 0, BLOCK, seed=4, sampler="lhs")["x"]
        counts = np.bincount((u * BLOCK).astype(int), minlength=BLOCK)
        assert counts.max() == 1 and counts.min() == 1

    def test_common_random_numbers_per_parameter(self):
        # a parameter's uniforms do not depend on which other parameters are uncertain
        a = uniforms(["x1", "x2"], 0, 100, seed=8)
        b = uniforms(["x2"], 0, 100, seed=8)
        assert_array_equal(a["x2"], b["x2"])

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="draws must be >= 1"):
            run(ishigami, ISHIGAMI, draws=0, seed=1)


def test_any_draw_range_can_be_computed_alone():
    whole = run(ishigami, ISHIGAMI, draws=BLOCK + 500, seed=21, chunk_size=7_000).outputs["y"]
    part = run(ishigami, ISHIGAMI, draws=1_000, start=BLOCK - 500, seed=21).outputs["y"]
    assert_array_equal(part, whole[BLOCK - 500 : BLOCK + 500])
