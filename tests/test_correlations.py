"""Rank correlations between inputs (Gaussian copula on the uniforms, model-spec §7.4.2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import stats

import mkba
from mkba.cli import main
from mkba.distributions import LogNormal, Pert, Uniform
from mkba.simulator.engine import run
from mkba.simulator.parameters import Parameter, ParameterSet
from mkba.simulator.study import Study, StudyError, read_toml

SUBST = ("effects.substitution.new_cases", "effects.substitution.existing_cases")


def identity(x):
    return {k: np.asarray(v) for k, v in x.items()}


class TestCopula:
    PARAMS = ParameterSet(
        [Parameter("a", Pert(0, 1, 4)), Parameter("b", LogNormal(0, 0.5)), Parameter("c", Uniform(-1, 1))],
        correlations=[("a", "b", 0.6), ("a", "c", -0.3)],
    )

    def test_rank_correlation_and_marginals(self):
        out = run(identity, self.PARAMS, draws=100_000, seed=3, keep_inputs=False).outputs
        assert stats.spearmanr(out["a"], out["b"])[0] == pytest.approx(0.6, abs=0.01)
        assert stats.spearmanr(out["a"], out["c"])[0] == pytest.approx(-0.3, abs=0.01)
        # marginals are unchanged: each input still follows its own distribution
        assert stats.kstest(out["b"], stats.lognorm(0.5).cdf).pvalue > 0.001
        assert stats.kstest(out["c"], stats.uniform(-1, 2).cdf).pvalue > 0.001

    def test_chunking_stays_bit_identical(self):
        a = run(identity, self.PARAMS, draws=70_000, seed=5, chunk_size=1_000).outputs
        b = run(identity, self.PARAMS, draws=70_000, seed=5).outputs
        for k in "abc":
            assert_array_equal(a[k], b[k])

    def test_independent_when_asked(self):
        rng = np.random.default_rng(1)
        u = {k: rng.random(50_000) for k in "abc"}
        free = self.PARAMS.inputs_from_uniforms(u, 50_000, correlate=False)
        coupled = self.PARAMS.inputs_from_uniforms(u, 50_000)
        assert abs(stats.spearmanr(free["a"], free["b"])[0]) < 0.02
        assert stats.spearmanr(coupled["a"], coupled["b"])[0] == pytest.approx(0.6, abs=0.02)
        assert_array_equal(free["a"], coupled["a"])  # the first input of the copula keeps its draws

    @pytest.mark.parametrize(
        ("pairs", "message"),
        [
            ([("a", "a", 0.5)], "cannot be correlated with itself"),
            ([("a", "zz", 0.5)], "unknown input 'zz'"),
            ([("a", "b", 0.9), ("a", "c", 0.9), ("b", "c", -0.9)], "contradict each other"),
            ([("a", "b", 0.2), ("b", "a", 0.3)], "given twice"),
        ],
    )
    def test_impossible_correlations(self, pairs, message):
        with pytest.raises(ValueError, match=message):
            ParameterSet(self.PARAMS.values(), pairs)

    def test_spearman_to_pearson(self):
        from mkba.simulator.parameters import spearman_to_pearson

        assert spearman_to_pearson(1.0) == pytest.approx(1.0)
        assert spearman_to_pearson(0.5) == pytest.approx(2 * math.sin(math.pi / 12))


class TestStudyFile:
    def _raw(self, forward_path, correlations):
        raw = read_toml(forward_path)
        raw["correlations"] = correlations
        return raw

    def test_correlated_study_run(self, forward_path):
        study = Study.from_dict(self._raw(forward_path, [{"inputs": list(SUBST), "rank": 0.6}]))
        ds = mkba.simulate(study, draws=20_000, seed=1, store="full")
        a, b = (ds.inputs.sel(input=n).values for n in SUBST)
        assert stats.spearmanr(a, b)[0] == pytest.approx(0.6, abs=0.02)
        # the base case (published point values) does not depend on correlations
        assert mkba.base_case(study)["saldo"][0] == mkba.base_case(Study.from_toml(forward_path))["saldo"][0]

    def test_located_errors(self, forward_path, tmp_path, capsys):
        bad = [{"inputs": ["reach.n_households", SUBST[0]], "rank": 0.5}, {"inputs": list(SUBST), "rank": 1.5}]
        with pytest.raises(StudyError) as exc:
            Study.from_dict(self._raw(forward_path, bad), source="x.toml")
        text = str(exc.value)
        assert "x.toml: correlations[1].rank" in text

        unknown = [{"inputs": ["reach.n_houshold", SUBST[0]], "rank": 0.5}]
        with pytest.raises(StudyError, match=r"x.toml: correlations\[0\].inputs: unknown input 'reach.n_houshold'"):
            Study.from_dict(self._raw(forward_path, unknown), source="x.toml")
        contradiction = [{"inputs": list(SUBST), "rank": 0.9}, {"inputs": [SUBST[0], "prices.qaly_value"], "rank": 0.9},
                         {"inputs": [SUBST[1], "prices.qaly_value"], "rank": -0.9}]
        with pytest.raises(StudyError, match=r"x.toml: correlations: these rank correlations contradict each other"):
            Study.from_dict(self._raw(forward_path, contradiction), source="x.toml")
        # a pair with a fixed input has no effect (a constant has no correlation)
        fixed = Study.from_dict(self._raw(forward_path, [{"inputs": ["reach.n_households", SUBST[0]], "rank": 0.5}]))
        assert fixed.parameters.correlations == ()

    def test_scenario_that_fixes_a_correlated_input_drops_the_pair(self, forward_path):
        study = Study.from_toml(forward_path)
        assert len(study.parameters.correlations) == 4
        no_esc = study.scenario("geen-escalatie")  # fixes the three escalation rates at 0
        assert no_esc.parameters.correlations == (SUBST + (0.6,),)
        ds = mkba.simulate(no_esc, draws=5_000, seed=2, store="full")
        a, b = (ds.inputs.sel(input=n).values for n in SUBST)
        assert stats.spearmanr(a, b)[0] == pytest.approx(0.6, abs=0.04)
