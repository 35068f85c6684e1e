"""The benchmark harness runs (``--quick``) and reports every figure, so it never rots. Speed is not
asserted here: the full run (``python benchmarks/run.py``) stays out of CI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # ~15 s: one subprocess run of the harness at --quick sizes

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("vectorised", "loop", "ema", "run_1m", "run_10m", "sobol", "cold_start", "floor", "startup",
           "batch_default", "batch_1m", "run_100m", "report")
TARGETS = ("vectorised_over_loop", "vectorised_over_ema", "run_1m_wall_s", "run_10m_peak_rss_mb",
           "sobol_4096_wall_s", "cold_start_wall_s", "run_1m_over_floor", "help_over_python",
           "validate_over_imports", "run_10m_rss_over_1m", "batch_1m_workers2_over_0",
           "batch_default_workers2_over_0", "sensitivity_over_analysis", "run_100m_completes",
           "report_over_no_report")


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    pytest.importorskip("ema_workbench")
    out = tmp_path_factory.mktemp("bench") / "results.json"  # never clobber benchmarks/results.json
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", "--output", str(out)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout), out  # stdout is exactly one JSON object


class TestQuickRun:
    def test_every_figure_present(self, quick: tuple[dict, Path]) -> None:
        res, _ = quick
        assert res["quick"] is True
        assert set(FIGURES) <= set(res["figures"])
        assert [t["name"] for t in res["targets"]] == list(TARGETS)
        assert res["uncertain_inputs"] > 0

    def test_rates_positive_and_ratios_consistent(self, quick: tuple[dict, Path]) -> None:
        res, _ = quick
        f, r = res["figures"], res["ratios"]
        v, loop, ema = f["vectorised"]["draws_per_s"], f["loop"]["draws_per_s"], f["ema"]["draws_per_s"]
        for rate in (v, loop, ema, f["vectorised"]["draws_per_s_threads"]):
            assert rate > 0 and rate == rate
        assert r["vectorised_over_loop"] == pytest.approx(v / loop, rel=1e-9)
        assert r["vectorised_over_ema"] == pytest.approx(v / ema, rel=1e-9)
        assert r["vectorised_threads_over_loop"] == pytest.approx(f["vectorised"]["draws_per_s_threads"] / loop, rel=1e-9)
        # The rates are per draw from the sizes and times actually measured.
        assert loop == pytest.approx(f["loop"]["scenarios"] / f["loop"]["seconds"], rel=1e-9)
        assert ema == pytest.approx(f["ema"]["scenarios"] / f["ema"]["seconds"], rel=1e-9)
        # Vectorising must win even on tiny sizes, or something is badly wrong.
        assert r["vectorised_over_loop"] > 1 and r["vectorised_over_ema"] > 1

    def test_loop_is_the_same_model(self, quick: tuple[dict, Path]) -> None:
        assert quick[0]["figures"]["loop"]["max_rel_diff_vs_vectorised"] < 1e-9

    def test_subprocess_figures(self, quick: tuple[dict, Path]) -> None:
        f = quick[0]["figures"]
        cold = f["cold_start"]
        assert cold["status"] == "ok", cold
        assert cold["wall_s"] > 0 and cold["cpu_s"] > 0
        assert cold["peak_rss_mb"] > 10  # a Python process with numpy is > 10 MB
        for key in ("run_1m", "run_10m"):
            assert f[key]["status"].startswith("skipped")
        # the sensitivity pair runs in --quick too (N = 256): the command path and the ratio, not judged
        assert f["sobol"]["status"] == "ok" and f["sobol"]["n"] == 256, f["sobol"]
        assert f["sensitivity_analysis"]["n_evaluations"] == 256 * (quick[0]["uncertain_inputs"] + 2)
        t = {x["name"]: x for x in quick[0]["targets"]}
        ratio = f["sobol"]["wall_s"] / f["sensitivity_analysis"]["seconds"]
        assert t["sensitivity_over_analysis"]["measured"] == ratio and t["sensitivity_over_analysis"]["met"] is None
        # beside it, the same analysis in a fresh interpreter and the imports it cannot avoid (same rounds)
        sf, r = f["sensitivity_fresh"], quick[0]["ratios"]
        assert sf["analysis"]["status"] == "ok" and sf["imports"]["status"] == "ok", sf
        assert sf["analysis"]["repeats"] == sf["imports"]["repeats"] == f["sobol"]["repeats"]
        assert r["sensitivity_over_fresh_analysis"] == f["sobol"]["wall_s"] / sf["analysis"]["wall_s"]
        assert r["sensitivity_floor_over_analysis"] == pytest.approx(
            (sf["imports"]["wall_s"] + f["sensitivity_analysis"]["seconds"]) / f["sensitivity_analysis"]["seconds"])

    def test_targets_judged(self, quick: tuple[dict, Path]) -> None:
        t = {x["name"]: x for x in quick[0]["targets"]}
        assert t["vectorised_over_loop"]["met"] == (t["vectorised_over_loop"]["measured"] >= 100)
        assert t["cold_start_wall_s"]["met"] == (t["cold_start_wall_s"]["measured"] <= 2)
        assert t["run_1m_wall_s"]["met"] is None  # quick sizes are not the target sizes

    def test_floor_is_the_same_saldo(self, quick: tuple[dict, Path]) -> None:
        fl = quick[0]["figures"]["floor"]
        assert fl["max_rel_diff_vs_model"] < 1e-12  # the hand-written saldo is the model's saldo
        assert fl["draws"] == 65_536 and fl["seconds"] > 0 and fl["cpu_s"] > 0

    def test_ratios_to_floor_and_side_by_side(self, quick: tuple[dict, Path]) -> None:
        res, _ = quick
        f, r = res["figures"], res["ratios"]
        per_draw = f["floor"]["seconds"] / f["floor"]["draws"]
        assert r["cold_start_over_floor"] == pytest.approx(f["cold_start"]["wall_s"] / (per_draw * 2000), rel=1e-9)
        st = f["startup"]
        assert all(st[k]["status"] == "ok" for k in ("python_pass", "mkba_help", "python_numpy_pydantic",
                                                    "mkba_validate"))
        assert r["help_over_python"] == pytest.approx(st["mkba_help"]["wall_s"] / st["python_pass"]["wall_s"])
        assert r["validate_over_imports"] == pytest.approx(
            st["mkba_validate"]["wall_s"] / st["python_numpy_pydantic"]["wall_s"])
        assert r["run_1m_over_floor"] is None and r["batch_1m_workers2_over_0"] is None  # not measured
        t = {x["name"]: x for x in res["targets"]}
        # start-up ratios do not depend on the sizes: judged even in --quick
        assert t["help_over_python"]["met"] == (r["help_over_python"] <= 4)
        assert t["validate_over_imports"]["met"] == (r["validate_over_imports"] <= 1.5)
        assert t["run_100m_completes"]["met"] is None
        assert "load average" in res["machine"]["uptime_before"]

    def test_report_side_by_side(self, quick: tuple[dict, Path]) -> None:
        res, _ = quick
        rep, r = res["figures"]["report"], res["ratios"]
        assert rep["draws"] == 2_000  # quick: the harness path at a small size, not the target's 20,000
        assert rep["with_report"]["status"] == "ok" and rep["no_report"]["status"] == "ok"
        assert "--no-report" in rep["no_report"]["command"] and "--no-report" not in rep["with_report"]["command"]
        assert r["report_over_no_report"] == pytest.approx(rep["with_report"]["wall_s"] / rep["no_report"]["wall_s"])
        assert r["report_over_no_report"] > 1  # writing a report costs something
        t = {x["name"]: x for x in res["targets"]}
        assert t["report_over_no_report"]["measured"] == r["report_over_no_report"]
        assert t["report_over_no_report"]["met"] is None  # judged at 20,000 draws only
        assert len(rep["load_avg_1min"]) == 2

    def test_results_file_matches_stdout(self, quick: tuple[dict, Path]) -> None:
        res, path = quick
        assert json.loads(path.read_text(encoding="utf-8")) == res
        assert not list(path.parent.glob(".*.tmp"))  # atomic write left no temporary file
