"""Auto-convergence (``mkba run --precision``): stops when the answer settles, is capped, and returns
exactly what ``mkba run --draws <draws used>`` returns with the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import mkba
from mkba.cli import main
from mkba.simulator import convergence, results
from mkba.simulator.convergence import converge
from mkba.simulator.engine import BLOCK

GENEROUS = 1e9  # euros: any interval is narrower, so the run stops after the first block


@pytest.fixture(scope="module")
def study() -> mkba.Study:
    return mkba.Study.from_toml(mkba.default_study_path())


def assert_same_data(a: xr.Dataset, b: xr.Dataset) -> None:
    """Bit-identical variables and coordinates; attrs may differ only in the creation time."""
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.variables:
        assert a[v].dtype == b[v].dtype, v
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v, strict=True)
    assert {k: v for k, v in a.attrs.items() if k != "created"} == {k: v for k, v in b.attrs.items() if k != "created"}


class TestStopping:
    def test_generous_precision_stops_after_one_block(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=GENEROUS, prob_precision=0.49, seed=3)
        assert conv.converged and conv.draws == BLOCK == ds.sizes["draw"]
        assert [s.draws for s in conv.history] == [BLOCK]

    def test_cap_reached_with_partial_last_block(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=1e-9, max_draws=BLOCK + 1_000, seed=3)
        assert not conv.converged
        assert conv.draws == BLOCK + 1_000 == ds.sizes["draw"] == ds.attrs["draws"]

    def test_history_matches_the_final_draws(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=GENEROUS, seed=4)
        last = conv.history[-1]
        p5, p50, p95 = np.quantile(ds["saldo"].values, [0.05, 0.5, 0.95])
        assert last.estimates["saldo.p5"] == pytest.approx(p5, rel=1e-12)
        assert last.estimates["saldo.p50"] == pytest.approx(p50, rel=1e-12)
        assert last.estimates["saldo.p95"] == pytest.approx(p95, rel=1e-12)
        assert last.estimates["bc_social.p_gt_1"] == float((ds["bc_social"] > 1).mean())
        # the order-statistic interval of P95: the draws of rank n q ∓ 1.96 √(n q (1 − q))
        x = np.sort(ds["saldo"].values)
        n = len(x)
        spread = 1.959963984540054 * np.sqrt(n * 0.95 * 0.05)
        lo, hi = x[int(np.floor(n * 0.95 - spread)) - 1], x[int(np.ceil(n * 0.95 + spread)) - 1]
        assert last.half_widths["saldo.p95"] == pytest.approx((hi - lo) / 2, rel=1e-12)
        assert conv.to_dict()["half_widths"] == dict(last.half_widths)

    def test_wilson_interval(self) -> None:
        from scipy import stats

        # the Wilson (1927) score interval as scipy computes it; all 100 above → half-width > 0
        for k, n in ((45, 100), (3, 1000), (100, 100)):
            ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            assert convergence.wilson_half_width(k, n) == pytest.approx((ci.high - ci.low) / 2, rel=1e-9)
        assert 0 < convergence.wilson_half_width(100, 100) < 0.02

    def test_settled_rule(self) -> None:
        w = convergence.Watcher(["saldo", "bc_social"], 10.0, 0.005, lambda out, t: out[t])
        ok = convergence.Step(1, {}, {"saldo.p5": 9.0, "saldo.p50": 3.0, "saldo.p95": 10.0, "bc_social.p_gt_1": 0.004})
        assert w.settled(ok)
        assert not w.settled(convergence.Step(1, {}, {**ok.half_widths, "saldo.p95": 10.5}))
        assert not w.settled(convergence.Step(1, {}, {**ok.half_widths, "bc_social.p_gt_1": 0.006}))
        assert not w.settled(convergence.Step(1, {}, {**ok.half_widths, "saldo.p5": float("nan")}))

    def test_watch_a_line_and_an_actor(self, study: mkba.Study) -> None:
        _, conv = converge(study, precision=GENEROUS, seed=4, watch=("escalation", "actor:jeugd"))
        assert set(conv.half_widths) == {f"{t}.{q}" for t in ("escalation", "actor:jeugd") for q in ("p5", "p50", "p95")}
        with pytest.raises(ValueError, match="cannot watch 'escalaton'"):
            converge(study, precision=GENEROUS, watch=("escalaton",))

    def test_rejects_bad_precision(self, study: mkba.Study) -> None:
        with pytest.raises(ValueError, match="precision"):
            converge(study, precision=0.0)


class TestCoverage:
    """The stated precision holds: over 100 seeds, each watched quantile lies within ± precision of the
    true value in >= 90 % of the runs (a lognormal amount whose quantiles are known exactly), and
    P(ratio > 1) within ± prob_precision of the truth."""

    def test_stated_precision_holds_over_seeds(self) -> None:
        from scipy import stats

        from mkba.distributions import Normal
        from mkba.simulator.engine import run

        params = mkba.ParameterSet.from_dists({"z": Normal(0.0, 1.0), "w": Normal(0.2, 1.0)})

        def model(x):
            return {"amount": 1000.0 * np.exp(x["z"]), "bc_test": np.exp(x["w"])}

        true = {f"amount.{k}": 1000.0 * np.exp(stats.norm.ppf(q)) for k, q in convergence.QUANTILES.items()}
        true["bc_test.p_gt_1"] = float(stats.norm.cdf(0.2))
        precision, prob_precision, block = 100.0, 0.01, 4096
        hits = {k: 0 for k in true}
        seeds = range(100)
        for seed in seeds:
            w = convergence.Watcher(["amount", "bc_test"], precision, prob_precision, lambda out, t: out[t])
            start = 0
            while True:  # the loop of converge(): add a block, stop once every half-width is small enough
                step = w.add(run(model, params, draws=block, start=start, seed=seed, keep_inputs=False).outputs)
                start += block
                if w.settled(step):
                    break
            for k, v in true.items():
                hits[k] += abs(step.estimates[k] - v) <= (prob_precision if k.endswith("p_gt_1") else precision)
        for k, h in hits.items():
            assert h / len(seeds) >= 0.9, (k, h)


class TestBitIdentical:
    def test_full_store(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=GENEROUS, seed=5, store="full")
        assert ds.attrs["store"] == "full"
        assert_same_data(ds, mkba.simulate(study, draws=conv.draws, seed=5, store="full"))

    def test_partial_block(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=1e-9, max_draws=BLOCK + 777, seed=6)
        assert_same_data(ds, mkba.simulate(study, draws=conv.draws, seed=6))

    @pytest.mark.parametrize("sampler", ["lhs", "sobol"])
    def test_stratified_samplers_are_refused(self, study: mkba.Study, sampler: str) -> None:
        with pytest.raises(ValueError, match="independent draws"):
            converge(study, precision=1e4, sampler=sampler)

    def test_auto_store_is_lean(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=1e-9, max_draws=2 * BLOCK + 5, seed=7)
        assert conv.draws == 2 * BLOCK + 5 and ds.attrs["store"] == "lean"
        assert_same_data(ds, mkba.simulate(study, draws=conv.draws, seed=7))


class TestCommandLine:
    def test_json_reports_draws_and_convergence(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", "--precision", "1e9", "--seed", "2", "--json", "--no-report", "--out", str(tmp_path)]) == 0
        res = json.loads(capsys.readouterr().out)
        c = res["convergence"]
        assert c["converged"] and c["precision"] == 1e9 and c["draws"] == res["draws"] == BLOCK
        assert len(c["history"]) == 1 and c["max_draws"] == convergence.DEFAULT_MAX_DRAWS
        assert c["confidence"] == 0.95 and c["watch"] == ["saldo", "bc_social", "bc_financial", "bc_municipal"]
        assert set(c["half_widths"]) == {"saldo.p5", "saldo.p50", "saldo.p95", "bc_social.p_gt_1",
                                         "bc_financial.p_gt_1", "bc_municipal.p_gt_1"}
        assert all(0 < h <= c["prob_precision"] for k, h in c["half_widths"].items() if k.endswith("p_gt_1"))
        assert main(["run", "--draws", str(res["draws"]), "--seed", "2", "--json", "--no-report", "--out", str(tmp_path)]) == 0
        same = json.loads(capsys.readouterr().out)
        assert same["summary"] == res["summary"] and same["probabilities"] == res["probabilities"]

    def test_console_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", "--precision", "1", "--max-draws", "1000", "--no-report", "--out", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        assert "95 % betrouwbaarheid: NIET bereikt (maximum 1.000 trekkingen) na 1.000 trekkingen" in out
        assert "  Saldo: P5 " in out and "Kans B/K maatschappelijk > 1 > 0,9999 ± " in out

    @pytest.mark.parametrize("argv", [["--precision", "100", "--draws", "1000"], ["--max-draws", "1000"],
                                      ["--precision", "0"], ["--precision", "abc"], ["--watch", "saldo"],
                                      ["--precision", "100", "--watch", "nope"],
                                      ["--precision", "100", "--sampler", "lhs"],
                                      ["--precision", "100", "--prob-precision", "0.7"]])
    def test_bad_arguments_exit_2(self, argv: list[str], tmp_path: Path) -> None:
        try:
            code = main(["run", *argv, "--out", str(tmp_path)])
        except SystemExit as exc:  # argparse reports its own errors with exit code 2
            code = exc.code
        assert code == 2
        assert not any(tmp_path.iterdir())
