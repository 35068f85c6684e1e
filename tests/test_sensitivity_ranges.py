"""Design-based methods on meaningful ranges (issue 10 item 2): Morris on a quantile range, FAST's
default n growing with the number of inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mkba
from mkba import sensitivity as sa
from mkba.cli import main
from mkba.distributions import LogNormal, Normal, Pert, Uniform
from mkba.sensitivity._result import ranking
from mkba.sensitivity.designs import FAST_M, default_fast_n, evaluate_design, sample
from mkba.simulator.parameters import ParameterSet


class TestMorrisRange:
    PARAMS = ParameterSet.from_dists({"f": LogNormal(0.0, 0.2), "p": Pert(0.0, 0.3, 1.0), "n": Normal(5.0, 1.0)})

    def test_grid_is_mapped_onto_p05_p995(self):
        d = sample(self.PARAMS, "morris", 20, seed=1)
        assert json.loads(d.attrs["quantile_range"]) == [0.005, 0.995]
        seen: dict[str, list[float]] = {}

        def spy(x):
            for k, v in x.items():
                seen.setdefault(k, []).extend(np.asarray(v).tolist())
            return {"y": x["f"] + x["p"] + x["n"]}

        evaluate_design(spy, self.PARAMS, d, target="y")
        f = np.array(seen["f"])
        # a lognormal(σ = 0.2) factor: P0.5–P99.5 = 0.597–1.674, not 0.245–4.08 (its 1e-12 quantiles)
        assert f.min() == pytest.approx(np.exp(-0.2 * 2.5758293), rel=1e-6)
        assert f.max() == pytest.approx(np.exp(0.2 * 2.5758293), rel=1e-6)
        assert min(seen["n"]) == pytest.approx(5.0 - 2.5758293, rel=1e-6)
        # (0, 1) is SALib's plain grid, down to the clipped 1e-12 quantiles
        plain = sample(self.PARAMS, "morris", 20, seed=1, quantile_range=(0.0, 1.0))
        seen.clear()
        evaluate_design(spy, self.PARAMS, plain, target="y")
        assert min(seen["f"]) < 0.26

    def test_forward_look_top3_as_sobol_total_order(self):
        study = mkba.Study.from_toml(mkba.default_study_path())
        morris = sa.analyse_study(study, method="morris", target="saldo")
        sobol = sa.analyse_study(study, method="sobol", target="saldo", n=1024, num_resamples=10)
        assert set(ranking(morris)[:3]) == set(ranking(sobol)[:3])
        # the lognormal price factor no longer dominates: μ* of the first is not twice the second
        mu = morris["value"].sel(index="mu_star").values
        assert mu[0] < 1.5 * mu[1]
        assert json.loads(morris.attrs["quantile_range"]) == [0.005, 0.995]
        assert any("P0.5–P99.5" in note for note in sa.method_notes(morris))

    def test_cli_console_and_json(self, tmp_path, capsys):
        argv = ["sensitivity", "--method", "morris", "--n", "10", "--out", str(tmp_path)]
        assert main(argv) == 0
        assert "note: the Morris grid is mapped onto each input's P0.5–P99.5 range" in capsys.readouterr().out
        assert main([*argv, "--quantile-range", "0.01,0.99", "--json"]) == 0
        res = json.loads(capsys.readouterr().out)
        assert res["quantile_range"] == [0.01, 0.99]
        with pytest.raises(SystemExit) as exc:  # argparse: one line, exit 2
            main([*argv, "--quantile-range", "0.9,0.1"])
        assert exc.value.code == 2


class TestFastDefault:
    K = 24

    @staticmethod
    def additive_model(k: int):
        rng = np.random.default_rng(0)
        coef = rng.uniform(0.5, 2.0, k)
        pool = [Uniform(0, 1), Pert(0, 0.3, 1), LogNormal(0, 0.3), Normal(0, 1)]
        params = ParameterSet.from_dists({f"x{i}": pool[i % 4] for i in range(k)})

        def f(x):
            return {"y": sum(coef[i] * x[f"x{i}"] for i in range(k))}

        return f, params

    def test_rule(self):
        assert default_fast_n(24) == 4 * FAST_M**2 * 23 + 1 == 3313
        _, params = self.additive_model(self.K)
        assert sa.default_n("fast", params) == 3313

    def test_sum_of_first_order_of_an_additive_model(self):
        f, params = self.additive_model(self.K)
        res = sa.analyse(f, params, method="fast", target="y", num_resamples=5)
        assert res.attrs["n_evaluations"] == 3313 * self.K
        assert float(res["value"].sel(index="S1").sum()) >= 0.95
        # the old default (n = 512, M = 4) aliases the frequencies of 24 inputs: far from 1
        old = sa.analyse(f, params, method="fast", target="y", n=512, num_resamples=5)
        assert float(old["value"].sel(index="S1").sum()) < 0.95
