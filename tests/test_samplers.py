"""Samplers (issue 10 items 1 and 7): a Latin hypercube for any n, scrambled Sobol' QMC, independent
streams per study in a batch, and collision-checked stream keys."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import stats

from mkba.cli import main
from mkba.distributions import LogNormal, Normal, Pert, Uniform
from mkba.simulator.batch import Batch, compute_task
from mkba.simulator.engine import BLOCK, check_stream_keys, lhs_permutation, run, uniforms
from mkba.simulator.parameters import Parameter, ParameterSet
from mkba.simulator.study import Study


def identity(x):
    return {k: np.asarray(v) for k, v in x.items()}


def linear(x):
    return {"y": 3.0 * x["a"] - 2.0 * x["b"] + 0.5 * x["c"]}


UNIT = ParameterSet.from_dists({k: Uniform(0.0, 1.0) for k in ("u1", "u2", "u3")})
SKEWED = ParameterSet.from_dists({"a": LogNormal(0.0, 0.5), "b": Pert(0.0, 0.2, 1.0), "c": Normal(10.0, 3.0)})


def strata_filled(u: np.ndarray) -> bool:
    n = len(u)
    counts = np.bincount(np.floor(u * n).astype(np.int64), minlength=n)
    return counts.size == n and bool((counts == 1).all())


class TestLatinHypercube:
    @pytest.mark.parametrize("n", [1_000, 20_000, 100_001])
    def test_one_draw_in_each_of_n_strata(self, n):
        res = run(identity, UNIT, draws=n, seed=7, sampler="lhs", keep_inputs=False)
        for k in ("u1", "u2", "u3"):
            assert strata_filled(res.outputs[k]), k

    def test_permutation_is_a_bijection_for_any_n(self):
        for n in (1, 2, 3, 5, 64, 65, 1000, 65_537):
            assert_array_equal(np.sort(lhs_permutation(np.arange(n), n, 987_654_321)), np.arange(n))

    def test_same_arrays_for_any_chunk_size_and_threads(self):
        n = 100_001
        one = run(linear, SKEWED, draws=n, seed=3, sampler="lhs", chunk_size=n, workers=1).outputs["y"]
        for chunk, workers in ((1_000, 2), (BLOCK, 2), (BLOCK, 1)):
            y = run(linear, SKEWED, draws=n, seed=3, sampler="lhs", chunk_size=chunk, workers=workers).outputs["y"]
            assert_array_equal(y, one)
        # any range alone, as a batch task computes it
        part = run(linear, SKEWED, draws=5_000, start=60_000, seed=3, sampler="lhs", design_draws=n).outputs["y"]
        assert_array_equal(part, one[60_000:65_000])

    def test_mean_of_a_linear_function_is_100x_more_precise_than_mc(self):
        n, seeds = 20_000, range(30)
        mc = [run(linear, SKEWED, draws=n, seed=s).outputs["y"].mean() for s in seeds]
        lhs = [run(linear, SKEWED, draws=n, seed=s, sampler="lhs").outputs["y"].mean() for s in seeds]
        exact = 3 * np.exp(0.125) - 2 * Pert(0.0, 0.2, 1.0).mean + 0.5 * 10.0
        assert np.mean(lhs) == pytest.approx(exact, abs=1e-3)
        assert np.var(mc, ddof=1) >= 100 * np.var(lhs, ddof=1)

    def test_inputs_stay_independent(self):
        u = run(identity, UNIT, draws=20_000, seed=11, sampler="lhs").outputs
        assert abs(stats.spearmanr(u["u1"], u["u2"])[0]) < 0.03

    def test_under_the_copula(self):
        params = ParameterSet([Parameter("a", Uniform(0, 1)), Parameter("b", Uniform(0, 1)),
                               Parameter("c", Uniform(0, 1))], correlations=[("a", "b", 0.6)])
        out = run(identity, params, draws=50_000, seed=5, sampler="lhs").outputs
        assert stats.spearmanr(out["a"], out["b"])[0] == pytest.approx(0.6, abs=0.01)
        # the first input of a correlated set and the uncorrelated ones keep exact strata
        assert strata_filled(out["a"]) and strata_filled(out["c"])
        # the coupled input is still uniform (its normal score is a mix of stratified scores)
        assert stats.kstest(out["b"], "uniform").pvalue > 0.001
        again = run(identity, params, draws=50_000, seed=5, sampler="lhs", chunk_size=777).outputs
        assert_array_equal(again["b"], out["b"])


class TestSobol:
    def test_reproducible_for_any_chunking_and_balanced(self):
        n = 1 << 14
        one = run(identity, UNIT, draws=n, seed=2, sampler="sobol", chunk_size=n, workers=1).outputs
        many = run(identity, UNIT, draws=n, seed=2, sampler="sobol", chunk_size=1_000, workers=2).outputs
        for k in one:
            assert_array_equal(one[k], many[k])
            assert strata_filled(one[k])  # a (t, m, s)-net: each 1-D projection is stratified too
        assert not np.array_equal(one["u1"], one["u2"])

    def test_more_precise_than_mc(self):
        n = 1 << 12
        mc = [run(linear, SKEWED, draws=n, seed=s).outputs["y"].mean() for s in range(20)]
        qmc = [run(linear, SKEWED, draws=n, seed=s, sampler="sobol").outputs["y"].mean() for s in range(20)]
        assert np.var(mc, ddof=1) >= 20 * np.var(qmc, ddof=1)

    def test_fixing_an_input_keeps_the_other_columns(self):
        a = ParameterSet.from_dists({"x": Uniform(0, 1), "y": Uniform(0, 1), "z": Uniform(0, 1)})
        b = a.with_dists({"y": Uniform(0.5, 0.5)})
        ua = run(identity, a, draws=1024, seed=4, sampler="sobol").outputs
        ub = run(identity, b, draws=1024, seed=4, sampler="sobol").outputs
        assert_array_equal(ua["z"], ub["z"])

    def test_power_of_two_is_required(self, forward_path, tmp_path, capsys):
        with pytest.raises(ValueError, match="power of 2"):
            run(identity, UNIT, draws=1000, seed=1, sampler="sobol")
        assert main(["run", str(forward_path), "--sampler", "sobol", "--draws", "1000", "--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert "power of 2" in err and "512 or 1,024" in err and not list(tmp_path.iterdir())

    def test_cli_run(self, forward_path, tmp_path, capsys):
        assert main(["run", str(forward_path), "--sampler", "sobol", "--draws", "4096", "--out", str(tmp_path),
                     "--no-report"]) == 0
        assert "4.096 trekkingen, startgetal 20190225, Sobol'-reeks" in capsys.readouterr().out


class TestStreamKeys:
    def test_collision_is_a_clear_error(self):
        # "plumless" and "buckeroo" have the same crc32
        with pytest.raises(ValueError, match="'plumless' and 'buckeroo' have the same random-stream key"):
            check_stream_keys(["plumless", "x", "buckeroo"])
        params = ParameterSet.from_dists({"plumless": Uniform(0, 1), "buckeroo": Uniform(0, 1)})
        with pytest.raises(ValueError, match="rename one"):
            run(identity, params, draws=10, seed=1)

    def test_bundled_studies_have_no_collisions(self, forward_path, retro_path):
        for path in (forward_path, retro_path):
            check_stream_keys(list(Study.from_toml(path).parameters))

    def test_single_study_draws_are_unchanged(self):
        # the single-study key is (crc32(name), block), as before streams existed: same numbers
        import zlib

        seq = np.random.SeedSequence(9, spawn_key=(zlib.crc32(b"u1"), 0))
        assert_array_equal(uniforms(["u1"], 0, 100, seed=9)["u1"],
                           np.random.Generator(np.random.PCG64(seq)).random(BLOCK)[:100])


class TestBatchStreams:
    SHARED = "prices.qaly_value"

    def batch(self, tmp_path, forward_path, retro_path, shared: bool) -> Batch:
        p = tmp_path / ("shared.toml" if shared else "own.toml")
        p.write_text(f"""
[batch]
name = "two"
seed = 3
draws = 20000
{"shared_draws = true" if shared else ""}
[[studies]]
file = "{forward_path}"
scenarios = ["base", "geen-escalatie"]
[[studies]]
file = "{retro_path}"
scenarios = ["base"]
""", encoding="utf-8")
        return Batch.from_toml(p)

    def test_independent_studies_by_default_shared_on_request(self, tmp_path, forward_path, retro_path):
        for shared in (False, True):
            b = self.batch(tmp_path, forward_path, retro_path, shared)
            first = {}
            for t in b.tasks():
                if t.start == 0 and t.case.scenario == "base":
                    first[t.case.study] = uniforms([self.SHARED], 0, b.draws, seed=t.seed, stream=t.stream)[self.SHARED]
            a, c = first.values()
            r = np.corrcoef(a, c)[0, 1]
            if shared:
                assert r == 1.0 and np.array_equal(a, c)
            else:
                assert abs(r) < 0.02
        assert b.identity()["shared_draws"] is True

    def test_scenarios_of_one_study_share_draws_and_saldo_is_independent(self, tmp_path, forward_path, retro_path):
        b = self.batch(tmp_path, forward_path, retro_path, False)
        out = {(t.case.study, t.case.scenario): compute_task(t) for t in b.tasks()}
        fwd, fwd_no_esc = out[("steenwijkerland-doorkijk", "base")], out[("steenwijkerland-doorkijk", "geen-escalatie")]
        retro = out[("steenwijkerland-2018", "base")]
        # common random numbers within a study: the what-if moves saldo, it does not reshuffle it
        assert np.corrcoef(fwd["saldo"], fwd_no_esc["saldo"])[0, 1] > 0.5
        assert abs(np.corrcoef(fwd["saldo"], retro["saldo"])[0, 1]) < 0.05
