"""Shapley effects and the independence flag of design-based methods (issue 10 item 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mkba
from mkba import sensitivity as sa
from mkba.cli import main
from mkba.distributions import Normal, Uniform
from mkba.sensitivity.shapley import analyse_shapley
from mkba.simulator.parameters import Parameter, ParameterSet, spearman_to_pearson

BETA = np.array([1.0, 1.0, 1.0])
SD = np.array([1.0, 1.0, 2.0])


def linear(x):
    return {"y": BETA[0] * x["x1"] + BETA[1] * x["x2"] + BETA[2] * x["x3"]}


def closed_form(rho: float) -> np.ndarray:
    """Iooss & Prieur (2019, §3.1): Y = Σ β_i X_i, X Gaussian, X1 independent, corr(X2, X3) = ρ."""
    b, s = BETA, SD
    v = (b * s) @ (b * s) + 2 * rho * b[1] * b[2] * s[1] * s[2]
    cross = rho * b[1] * b[2] * s[1] * s[2]
    sh2 = (b[1] ** 2 * s[1] ** 2 * (1 - rho**2 / 2) + cross + b[2] ** 2 * s[2] ** 2 * rho**2 / 2) / v
    sh3 = (b[2] ** 2 * s[2] ** 2 * (1 - rho**2 / 2) + cross + b[1] ** 2 * s[1] ** 2 * rho**2 / 2) / v
    return np.array([b[0] ** 2 * s[0] ** 2 / v, sh2, sh3])


def params(rank: float) -> ParameterSet:
    return ParameterSet([Parameter("x1", Normal(0, SD[0])), Parameter("x2", Normal(0, SD[1])),
                         Parameter("x3", Normal(5, SD[2]))], correlations=[("x2", "x3", rank)] if rank else [])


class TestShapley:
    @pytest.mark.parametrize("rank", [0.0, 0.6, -0.8])
    def test_linear_gaussian_closed_form(self, rank):
        rho = spearman_to_pearson(rank)
        res = analyse_shapley(linear, params(rank), target="y", n=30_000, seed=1)
        sh = res["value"].sel(index="shapley", parameter=["x1", "x2", "x3"]).values
        np.testing.assert_allclose(sh, closed_form(rho), atol=0.02)
        conf = res["conf"].sel(index="shapley").values
        assert (conf > 0).all() and (conf < 0.02).all()
        # they sum to 1 within their CI (here exactly: the permutation estimator telescopes)
        assert abs(sh.sum() - 1.0) <= np.sqrt((conf**2).sum())
        if rank == 0:  # independent inputs: Shapley = first order = total order = β²σ²/V
            np.testing.assert_allclose(sh, (BETA * SD) ** 2 / ((BETA * SD) ** 2).sum(), atol=0.02)

    def test_correlation_shares_variance(self):
        # x2 has no effect of its own but is correlated with x3: Shapley gives it a share, Sobol' none
        p = ParameterSet([Parameter("x1", Uniform(0, 1)), Parameter("x2", Uniform(0, 1)),
                          Parameter("x3", Uniform(0, 1))], correlations=[("x2", "x3", 0.9)])
        res = analyse_shapley(lambda x: {"y": x["x1"] + 2 * x["x3"]}, p, target="y", n=5_000, seed=2)
        assert float(res["value"].sel(parameter="x2", index="shapley")) > 0.15
        assert res.attrs["inputs_treated_as_independent"] == 0


class TestIndependenceFlag:
    def test_design_methods_say_they_ignore_correlations(self):
        dep = params(0.6)
        for method, n in (("sobol", 64), ("morris", 10), ("rbd-fast", 128), ("oneway", None)):
            ds = sa.analyse(linear, dep, method=method, target="y", n=n, num_resamples=5)
            assert ds.attrs["inputs_treated_as_independent"] == 1, method
            assert json.loads(ds.attrs["correlations_ignored"]) == [["x2", "x3", 0.6]]
            assert sa.to_json(ds)["inputs_treated_as_independent"] is True
            assert any("treats the inputs as independent" in t for t in sa.method_notes(ds))
        free = sa.analyse(linear, params(0.0), method="sobol", target="y", n=64, num_resamples=5)
        assert free.attrs["inputs_treated_as_independent"] == 0 and not sa.method_notes(free)

    def test_cli_shapley_and_flag(self, tmp_path, capsys):
        assert main(["sensitivity", "--method", "morris", "--n", "10", "--out", str(tmp_path / "m")]) == 0
        assert "morris treats the inputs as independent: the study's 4 rank correlation(s)" in capsys.readouterr().out
        assert main(["sensitivity", "--method", "shapley", "--n", "100", "--json", "--out", str(tmp_path / "s")]) == 0
        res = json.loads(capsys.readouterr().out)
        assert res["method"] == "shapley" and res["inputs_treated_as_independent"] is False
        study = mkba.Study.from_toml(mkba.default_study_path())
        assert set(res["indices"]) == set(study.parameters.uncertain)
        assert res["n_evaluations"] == 10_000 + 100 * (len(study.parameters.uncertain) - 1) * 3
