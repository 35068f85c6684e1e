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
from mkba.simulator.convergence import PROB_TOL, converge
from mkba.simulator.engine import BLOCK

GENEROUS = 1e9  # euros: any two blocks agree, so the run stops after the second block


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
    def test_generous_precision_stops_after_two_blocks(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=GENEROUS, seed=3)
        assert conv.converged and conv.draws == 2 * BLOCK == ds.sizes["draw"]
        assert [s.draws for s in conv.history] == [BLOCK, 2 * BLOCK]

    def test_cap_reached_with_partial_last_block(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=1e-9, max_draws=BLOCK + 1_000, seed=3)
        assert not conv.converged
        assert conv.draws == BLOCK + 1_000 == ds.sizes["draw"] == ds.attrs["draws"]

    def test_one_block_cannot_converge(self, study: mkba.Study) -> None:
        _, conv = converge(study, precision=GENEROUS, max_draws=500, seed=3)
        assert not conv.converged and conv.draws == 500 and len(conv.history) == 1

    def test_history_matches_the_final_draws(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=GENEROUS, seed=4)
        last = conv.history[-1]
        p5, p95 = np.quantile(ds["saldo"].values, [0.05, 0.95])
        assert last.p5 == pytest.approx(p5, rel=1e-12) and last.p95 == pytest.approx(p95, rel=1e-12)
        assert last.p_bc_social_gt_1 == float((ds["bc_social"] > 1).mean())
        assert last.p_bc_municipal_gt_1 == float((ds["bc_municipal"] > 1).mean())

    def test_settled_rule(self) -> None:
        a = convergence.Step(1, 100.0, 200.0, 0.5, 0.5, 0.5)
        assert convergence._settled(a, convergence.Step(2, 109.0, 191.0, 0.504, 0.496, 0.5), 10.0)
        assert not convergence._settled(a, convergence.Step(2, 111.0, 200.0, 0.5, 0.5, 0.5), 10.0)
        assert not convergence._settled(a, convergence.Step(2, 100.0, 200.0, 0.5, 0.5 + 2 * PROB_TOL, 0.5), 10.0)
        assert not convergence._settled(a, convergence.Step(2, 100.0, 200.0, 0.5, 0.5, float("nan")), 10.0)

    def test_rejects_bad_precision(self, study: mkba.Study) -> None:
        with pytest.raises(ValueError, match="precision"):
            converge(study, precision=0.0)


class TestBitIdentical:
    def test_full_store(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=GENEROUS, seed=5)
        assert ds.attrs["store"] == "full"
        assert_same_data(ds, mkba.simulate(study, draws=conv.draws, seed=5))

    def test_partial_block(self, study: mkba.Study) -> None:
        ds, conv = converge(study, precision=1e-9, max_draws=BLOCK + 777, seed=6)
        assert_same_data(ds, mkba.simulate(study, draws=conv.draws, seed=6))

    @pytest.mark.parametrize("sampler", ["lhs", "sobol"])
    def test_stratified_samplers_are_refused(self, study: mkba.Study, sampler: str) -> None:
        with pytest.raises(ValueError, match="independent draws"):
            converge(study, precision=1e4, sampler=sampler)

    def test_auto_store_switches_to_lean(self, study: mkba.Study, monkeypatch: pytest.MonkeyPatch) -> None:
        # A small FULL_LIMIT exercises the full → lean switch without simulating 200,000 draws.
        monkeypatch.setattr(results, "FULL_LIMIT", 70_000)
        monkeypatch.setattr(convergence, "FULL_LIMIT", 70_000)
        ds, conv = converge(study, precision=1e-9, max_draws=2 * BLOCK + 5, seed=7)
        assert conv.draws == 2 * BLOCK + 5 and ds.attrs["store"] == "lean"
        assert_same_data(ds, mkba.simulate(study, draws=conv.draws, seed=7))


class TestCommandLine:
    def test_json_reports_draws_and_convergence(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", "--precision", "1e9", "--seed", "2", "--json", "--no-report", "--out", str(tmp_path)]) == 0
        res = json.loads(capsys.readouterr().out)
        c = res["convergence"]
        assert c["converged"] and c["precision"] == 1e9 and c["draws"] == res["draws"] == 2 * BLOCK
        assert len(c["history"]) == 2 and c["max_draws"] == convergence.DEFAULT_MAX_DRAWS
        assert main(["run", "--draws", str(res["draws"]), "--seed", "2", "--json", "--no-report", "--out", str(tmp_path)]) == 0
        same = json.loads(capsys.readouterr().out)
        assert same["summary"] == res["summary"] and same["probabilities"] == res["probabilities"]

    def test_console_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["run", "--precision", "1", "--max-draws", "1000", "--no-report", "--out", str(tmp_path)]) == 0
        assert "NOT converged (cap 1,000 draws reached) after 1,000 draws" in capsys.readouterr().out

    @pytest.mark.parametrize("argv", [["--precision", "100", "--draws", "1000"], ["--max-draws", "1000"],
                                      ["--precision", "0"], ["--precision", "abc"]])
    def test_bad_arguments_exit_2(self, argv: list[str], tmp_path: Path) -> None:
        try:
            code = main(["run", *argv, "--out", str(tmp_path)])
        except SystemExit as exc:  # argparse reports its own errors with exit code 2
            code = exc.code
        assert code == 2
        assert not any(tmp_path.iterdir())
