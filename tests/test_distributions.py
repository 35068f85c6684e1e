"""Distributions: ppf against scipy.stats, validation messages, base values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from mkba.distributions import (
    Beta,
    Discrete,
    DistributionError,
    Empirical,
    Fixed,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    from_spec,
)

U = np.linspace(0.0005, 0.9995, 2001)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def min_mode_max(draw):
    a = draw(finite)
    width = draw(st.floats(1e-3, 1e6))
    f = draw(st.floats(0.0, 1.0))
    return a, a + f * width, a + width


class TestAgainstScipy:
    @given(min_mode_max())
    @settings(max_examples=40, deadline=None)
    def test_pert_matches_scaled_beta(self, mmm):
        a, m, b = mmm
        d = Pert(a, m, b)
        alpha = 1 + 4 * (m - a) / (b - a)
        beta = 1 + 4 * (b - m) / (b - a)
        ref = stats.beta(alpha, beta, loc=a, scale=b - a).ppf(U)
        # tabulated inverse: error well below 1e-6 of the range
        assert_allclose(d.ppf(U), ref, rtol=0, atol=1e-6 * (b - a))
        assert math.isclose(d.mean, stats.beta(alpha, beta, loc=a, scale=b - a).mean(), rel_tol=1e-9, abs_tol=1e-9)

    @given(min_mode_max())
    @settings(max_examples=40, deadline=None)
    def test_triangular(self, mmm):
        a, m, b = mmm
        ref = stats.triang((m - a) / (b - a), loc=a, scale=b - a)
        assert_allclose(Triangular(a, m, b).ppf(U), ref.ppf(U), rtol=1e-9, atol=1e-9 * (b - a))

    @given(st.floats(0.2, 20), st.floats(0.2, 20))
    @settings(max_examples=40, deadline=None)
    def test_beta_any_shape(self, alpha, beta):
        d = Beta(alpha, beta, 10.0, 30.0)
        assert_allclose(d.ppf(U), d.ppf_exact(U), atol=2e-6 * 20)

    def test_beta_from_mean_sd(self):
        d = Beta.from_mean_sd(0.3, 0.1)
        assert math.isclose(d.mean, 0.3)
        assert math.isclose(stats.beta(d.alpha, d.beta).std(), 0.1, rel_tol=1e-9)

    @given(finite, st.floats(1e-3, 1e4))
    @settings(max_examples=30, deadline=None)
    def test_normal_and_truncated(self, mu, sd):
        assert_allclose(Normal(mu, sd).ppf(U), stats.norm(mu, sd).ppf(U), rtol=1e-9, atol=1e-9 * sd)
        lo, hi = mu - sd, mu + 2 * sd
        ref = stats.truncnorm(-1, 2, loc=mu, scale=sd)
        d = Normal(mu, sd, lo, hi)
        assert_allclose(d.ppf(U), ref.ppf(U), rtol=1e-7, atol=1e-7 * sd)
        assert math.isclose(d.mean, ref.mean(), rel_tol=1e-9, abs_tol=1e-9 * sd)

    @given(st.floats(-3, 3), st.floats(0.05, 1.5))
    @settings(max_examples=30, deadline=None)
    def test_lognormal(self, mu, sigma):
        ref = stats.lognorm(sigma, scale=math.exp(mu))
        d = LogNormal(mu, sigma)
        assert_allclose(d.ppf(U), ref.ppf(U), rtol=1e-9)
        assert math.isclose(d.mean, ref.mean(), rel_tol=1e-9)
        lo, hi = ref.ppf(0.1), ref.ppf(0.8)
        tr = LogNormal(mu, sigma, lo, hi)
        x = tr.ppf(U)
        assert x.min() >= lo and x.max() <= hi
        # truncated mean by numerical integration of the scipy density
        grid = np.linspace(lo, hi, 200_001)
        pdf = ref.pdf(grid)
        assert math.isclose(tr.mean, np.trapezoid(grid * pdf, grid) / np.trapezoid(pdf, grid), rel_tol=1e-6)

    def test_uniform(self):
        assert_allclose(Uniform(2, 5).ppf(U), stats.uniform(2, 3).ppf(U))

    def test_discrete_frequencies(self):
        d = Discrete((20_000, 50_000, 100_000), (0.25, 0.5, 0.25))
        x = d.ppf(np.random.default_rng(1).random(200_000))
        freq = [np.mean(x == v) for v in (20_000, 50_000, 100_000)]
        assert_allclose(freq, [0.25, 0.5, 0.25], atol=0.005)
        assert d.base == 50_000 and math.isclose(d.mean, 55_000)

    def test_empirical_is_resampling(self):
        d = Empirical((3.0, 1.0, 2.0, 10.0))
        assert set(np.unique(d.ppf(U))) == {1.0, 2.0, 3.0, 10.0}
        assert d.base == 2.5 and d.support == (1.0, 10.0)


class TestProperties:
    @given(min_mode_max(), st.lists(st.floats(0, 1), min_size=2, max_size=50))
    @settings(max_examples=50, deadline=None)
    def test_ppf_monotone_within_support(self, mmm, us):
        for d in (Pert(*mmm), Triangular(*mmm), Uniform(mmm[0], mmm[2])):
            u = np.sort(np.asarray(us))
            x = d.ppf(u)
            assert np.all(np.diff(x) >= -1e-9 * (mmm[2] - mmm[0] + 1))
            lo, hi = d.support
            assert np.all(x >= lo - 1e-9 * abs(lo)) and np.all(x <= hi + 1e-9 * abs(hi))

    def test_base_defaults(self):
        assert Pert(0, 0.3, 1).base == 0.3  # the mode
        assert Triangular(0, 0.3, 1).base == 0.3
        assert math.isclose(Normal(5, 1, 4, 100).base, stats.truncnorm(-1, 95, loc=5).median())  # median
        assert Pert(0, 0.3, 1, base_value=0.5).base == 0.5  # documented point value wins
        assert Fixed(7).base == 7


class TestSpecs:
    def test_shorthand_90_range(self):
        d = from_spec({"p5": 1.1e6, "p95": 1.5e6})
        assert isinstance(d, LogNormal)
        assert_allclose(d.ppf([0.05, 0.95]), [1.1e6, 1.5e6], rtol=1e-9)
        n = from_spec({"p5": -10, "p95": 30})
        assert isinstance(n, Normal)
        assert_allclose(n.ppf([0.05, 0.95]), [-10, 30], rtol=1e-9)

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            ({"dist": "pert", "min": 0.1, "mode": 0.3, "max": 0.2}, "max (0.2) < mode (0.3)"),
            ({"dist": "uniform", "min": 2, "max": 1}, "max (1) < min (2)"),
            ({"dist": "triangular", "min": 0.5, "mode": 0.3, "max": 1}, "mode (0.3) < min (0.5)"),
            ({"dist": "normal", "mean": 0, "sd": -1}, "sd must be > 0"),
            ({"dist": "beta", "mean": 0.5, "sd": 0.9}, "sd (0.9) must be > 0 and <"),
            ({"dist": "pert", "min": 0, "max": 1}, "pert needs mode"),
            ({"dist": "pert", "min": 0, "mode": 0.5, "max": 1, "mdoe": 1}, "unknown key(s) for pert: mdoe"),
            ({"dist": "gamma", "k": 1}, "unknown dist 'gamma'"),
            ({"dist": "uniform", "min": "a", "max": 1}, "min must be a number"),
            ({"dist": "discrete", "values": [1, 2], "weights": [1]}, "weights has 1 entries"),
            ("12", "expected a number or a distribution table"),
            (float("nan"), "must be finite"),
            ({"p5": 5, "p95": 1}, "p95 (1) must be > p5 (5)"),
            ({"dist": "pert", "min": 0, "mode": 0.5, "max": 1, "base": 2}, "base (2) outside the support"),
        ],
    )
    def test_precise_messages(self, spec, message):
        with pytest.raises(DistributionError) as exc:
            from_spec(spec)
        assert message in str(exc.value)
