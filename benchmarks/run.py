"""mkba performance harness (issues 6 and 14): every figure measured in one run on the same machine.

    python benchmarks/run.py [--quick] [--json] [--output PATH] [--with-100m]

(a) vectorised draws/s (engine + study model, no file writing); (b) the same model one scenario at a time
in a plain Python loop (length-1 arrays through the same formulas); (c) EMA Workbench's
SequentialEvaluator on that scalar model; (d) ``mkba run --draws 1000000`` end to end (wall, peak RSS);
(e) 10,000,000 draws (peak RSS); (f) ``mkba sensitivity --method sobol --n 4096`` if the command exists;
(g) ``mkba run --draws 2000`` cold start. Issue 14 adds: the floor (``benchmarks/floor.py``: seeded
uniforms + the study's inverse CDFs + hand-written numpy saldo, 1 M draws, one thread) and every end-to-end
figure as a ratio to it; ``mkba --help`` beside ``python -c pass`` and ``mkba validate`` beside ``python -c
"import numpy, pydantic"`` and its two floors (a pydantic model; pydantic validating the study schema alone),
interleaved, with mkba's bytecode compiled first as an installed package has it; ``mkba batch`` with
``--workers 2`` beside ``--workers 0``; ``mkba sensitivity`` end to end beside its analysis in process, the
same analysis in a fresh interpreter and the imports it needs alone (interleaved, best of 3; mkba compiled to
.pyc first; in ``--quick`` at N = 256); and, with ``--with-100m``, a 100 M-draw run.
Issue 13: ``mkba run`` of the default study (20,000 draws) with its report beside ``--no-report``, interleaved
(and, outside ``--quick``, the report with its chart helper forced on and off in the same rounds).
Ratios and targets (pass/fail) are printed and written to ``benchmarks/results.json`` (atomically), with
``uptime`` before and after. ``--quick`` uses tiny sizes (< 30 s; the test suite runs it): its figures
check that the harness works, they are not the benchmark.

Timing policy: the machine is shared and noisy, so every figure is the best (minimum wall time) of a few
repeats (the loop: the best of 4 slices of 500 scenarios), and the ratios compare rates measured in this
same run. Peak RSS is the largest of the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

import floor  # benchmarks/floor.py (this script's folder is on sys.path)

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results.json"
SEED = 1
OUTCOMES = ("saldo", "bc_social")

# Sizes: (full, quick). Loop and EMA run a fixed number of scenarios and are converted to per-draw rates.
SIZES = {
    "vectorised_draws": (262_144, 65_536),  # whole blocks (engine.BLOCK = 65,536)
    "vectorised_repeats": (3, 1),
    "loop_scenarios": (2_000, 200),
    "loop_slices": (4, 1),
    "ema_scenarios": (500, 50),
    "ema_repeats": (2, 1),
    "run_draws": (1_000_000, 0),  # quick: skipped, (g) runs the same command path
    "run_repeats": (3, 1),
    "big_draws": (10_000_000, 0),  # 0: skipped in --quick
    "sobol_n": (4_096, 256),  # quick: the command path and the ratio, at a size that is not the target's
    "sobol_repeats": (3, 1),
    "cold_draws": (2_000, 2_000),
    "cold_repeats": (3, 1),
    "report_draws": (20_000, 2_000),  # the default study's own draws; quick: the same path, small
    "report_repeats": (3, 1),
    "floor_draws": (1_000_000, 65_536),
    "floor_repeats": (3, 1),
    "startup_repeats": (7, 2),  # each round runs the six commands once, interleaved
    "batch_draws": (1_000_000, 0),  # 0: skipped in --quick (LocalCluster start-up alone is seconds)
    "huge_draws": (100_000_000, 0),  # only with --with-100m
}

# The targets of issue 6; (key, description, unit, comparison, bound).
TARGETS = (
    ("vectorised_over_loop", "vectorised ≥ 100× the Python loop", "×", ">=", 100.0),
    ("vectorised_over_ema", "vectorised ≥ 300× EMA Workbench", "×", ">=", 300.0),
    ("run_1m_wall_s", "1 M draws end to end ≤ 3 s", "s", "<=", 3.0),
    ("run_10m_peak_rss_mb", "10 M draws ≤ 1.5 GB peak RSS", "MB", "<=", 1536.0),
    ("sobol_4096_wall_s", "Sobol N = 4,096 ≤ 20 s", "s", "<=", 20.0),
    ("cold_start_wall_s", "mkba run --draws 2000 cold start ≤ 2 s", "s", "<=", 2.0),
    # issue 14: ratios measured side by side in this run
    ("run_1m_over_floor", "mkba run 1 M ≤ 3× the floor", "×", "<=", 3.0),
    ("help_over_python", "mkba --help ≤ 4× python -c pass", "×", "<=", 4.0),
    ("validate_over_imports", "mkba validate ≤ 1.5× import numpy, pydantic", "×", "<=", 1.5),
    ("run_10m_rss_over_1m", "peak RSS 10 M ≤ 1.3× 1 M", "×", "<=", 1.3),
    ("batch_1m_workers2_over_0", "batch 1 M: --workers 2 < --workers 0", "×", "<", 1.0),
    ("batch_default_workers2_over_0", "batch default: --workers 2 ≤ 1.1× --workers 0", "×", "<=", 1.1),
    ("sensitivity_over_analysis", "mkba sensitivity ≤ 2× its analysis", "×", "<=", 2.0),
    ("run_100m_completes", "100 M draws complete (1 = yes)", "", ">=", 1.0),
    # issue 13: the report's cost on the default run, side by side
    ("report_over_no_report", "mkba run with the report ≤ 1.5× --no-report (20,000 draws)", "×", "<=", 1.5),
)


def uptime() -> str:
    """``uptime`` as printed (time, up, users, load averages): how busy the shared machine was."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Minimum wall time over ``repeats`` calls (noise only ever adds time) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


# --- (a)–(c): in-process rates ------------------------------------------------------------------------


def _keep_outcomes(out: Any) -> dict[str, np.ndarray]:
    # Keep what the loop and EMA keep; everything else is dropped per chunk (no per-draw cube in memory).
    return {k: out[k] for k in OUTCOMES}


def bench_vectorised(study: Any, draws: int, repeats: int) -> dict[str, Any]:
    from mkba.simulator import engine

    model, params = study.model, study.parameters
    out: dict[str, Any] = {"draws": draws, "repeats": repeats}
    for label, workers in (("1_thread", 1), ("threads", None)):
        secs, _ = best_of(repeats, lambda: engine.run(model, params, draws=draws, seed=SEED, reduce=_keep_outcomes,
                                                      keep_inputs=False, workers=workers))
        out[f"seconds_{label}"] = secs
        out[f"draws_per_s_{label}"] = draws / secs
    out["threads"] = os.cpu_count() or 1
    # The headline rate is one thread: the loop and EMA use one core too (apples to apples).
    out["draws_per_s"] = out["draws_per_s_1_thread"]
    return out


def _scalar_inputs(study: Any, n: int) -> tuple[list[str], dict[str, np.ndarray]]:
    from mkba.simulator import engine

    names = study.parameters.uncertain
    return names, engine.uniforms(names, 0, n, seed=SEED)


def bench_loop(study: Any, scenarios: int, slices: int) -> dict[str, Any]:
    """One scenario at a time: ppf of length-1 arrays, then ``study.model`` on them (the same formulas)."""
    from mkba.simulator import engine

    model, params = study.model, study.parameters
    names, u = _scalar_inputs(study, scenarios)  # uniforms drawn up front: not charged to the loop

    res = {k: np.empty(scenarios) for k in OUTCOMES}

    def loop(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            x = params.inputs_from_uniforms({n: u[n][i : i + 1] for n in names}, 1)
            y = model(x)
            for k in OUTCOMES:
                res[k][i] = y[k][0]

    # Timed in slices, best slice rate: a load spike from other jobs then spoils one slice, not the figure.
    edges = np.linspace(0, scenarios, slices + 1).astype(int)
    rate = max((hi - lo) / best_of(1, lambda: loop(lo, hi))[0] for lo, hi in zip(edges[:-1], edges[1:]))
    # The scalar path must agree with the vectorised one draw for draw, else we would time a different model.
    ref = engine.run(model, params, draws=scenarios, seed=SEED, reduce=_keep_outcomes, keep_inputs=False, workers=1)
    max_rel = max(float(np.max(np.abs(res[k] - ref.outputs[k]) / np.maximum(np.abs(ref.outputs[k]), 1e-300)))
                  for k in OUTCOMES)
    return {"scenarios": scenarios, "slices": slices, "draws_per_s": rate, "seconds": scenarios / rate,
            "max_rel_diff_vs_vectorised": max_rel}


def bench_ema(study: Any, scenarios: int, repeats: int) -> dict[str, Any]:
    """EMA Workbench, SequentialEvaluator: uncertainties are U(0, 1) per mkba input (named as in mkba),
    mapped through mkba's ppf inside the model function, so EMA samples exactly mkba's distributions."""
    with warnings.catch_warnings():  # EMA warns about optional back ends (ipyparallel) on import
        warnings.simplefilter("ignore")
        import ema_workbench
        from ema_workbench import Model, RealParameter, ScalarOutcome, SequentialEvaluator

    model, params = study.model, study.parameters
    names = params.uncertain

    def scalar_model(**kw: float) -> dict[str, float]:
        x = params.inputs_from_uniforms({n: np.array([kw[n]]) for n in names}, 1)
        y = model(x)
        return {k: float(y[k][0]) for k in OUTCOMES}

    ema_model = Model("mkba", function=scalar_model)
    ema_model.uncertainties = [RealParameter(n, 0.0, 1.0) for n in names]
    ema_model.outcomes = [ScalarOutcome(k) for k in OUTCOMES]

    def go() -> Any:
        with SequentialEvaluator(ema_model) as evaluator:
            return evaluator.perform_experiments(scenarios=scenarios)  # EMA's default LHS sampler

    secs, (_, outcomes) = best_of(repeats, go)
    if not np.all(np.isfinite(outcomes["saldo"])):
        raise RuntimeError("EMA run produced non-finite saldo")
    return {"scenarios": scenarios, "repeats": repeats, "seconds": secs, "draws_per_s": scenarios / secs,
            "ema_workbench_version": ema_workbench.__version__,
            "parametrisation": "RealParameter(name, 0, 1) per uncertain input → mkba ppf inside the function"}


# --- (d)–(g): subprocesses ---------------------------------------------------------------------------

# A fresh wrapper process per measurement, so RUSAGE_CHILDREN holds exactly one child: the command.
_WRAPPER = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "peak_rss_mb": ru.ru_maxrss / 1024,
                  "stderr": p.stderr[-2000:]}))
"""


def mkba_cmd() -> list[str]:
    exe = shutil.which("mkba")
    return [exe] if exe else [sys.executable, "-m", "mkba.cli"]


def cli_options() -> dict[str, set[str]]:
    """Sub-command → its option strings, read from this checkout's parser (no 2-s ``mkba --help`` runs).
    Other engineers add ``--no-report`` and ``mkba sensitivity``; the harness adapts to what exists."""
    from mkba.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {name: set(p._option_string_actions) for name, p in sub.choices.items()}


def measure(cmd: list[str], repeats: int, timeout: float) -> dict[str, Any]:
    """Best wall time and largest peak RSS of ``repeats`` runs of ``cmd`` (each in a fresh wrapper)."""
    walls, cpus, rss = [], [], []
    for _ in range(repeats):
        try:
            p = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"status": f"timeout after {timeout:.0f} s", "command": " ".join(cmd)}
        r = json.loads(p.stdout)
        if r["rc"] != 0:
            return {"status": f"failed (exit {r['rc']})", "command": " ".join(cmd), "stderr": r["stderr"]}
        walls.append(r["wall_s"])
        cpus.append(r["cpu_s"])
        rss.append(r["peak_rss_mb"])
    return {"status": "ok", "command": " ".join(cmd), "repeats": repeats, "wall_s": min(walls),
            "wall_s_all": walls, "cpu_s": min(cpus), "peak_rss_mb": max(rss)}


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure from single runs of a command: the best wall time, the largest peak RSS (or the failure)."""
    bad = next((r for r in runs if r["status"] != "ok"), None)
    return bad or {"status": "ok", "command": runs[0]["command"], "repeats": len(runs),
                   "wall_s": min(r["wall_s"] for r in runs), "wall_s_all": [r["wall_s"] for r in runs],
                   "cpu_s": min(r["cpu_s"] for r in runs), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


def side_by_side(cmds: dict[str, list[str]], repeats: int, timeout: float) -> dict[str, dict[str, Any]]:
    """Each command once per round, round after round, so load from other jobs hits all of them alike;
    per command the best wall time (and largest peak RSS) over the rounds."""
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in cmds}
    for _ in range(repeats):
        for label, cmd in cmds.items():
            runs[label].append(measure(cmd, 1, timeout))
    return {label: _best(rs) for label, rs in runs.items()}


# The floors of `mkba validate` (issue 14 item 1), each a fresh interpreter doing the least it can as the
# command does it (numpy's BLAS with one thread, no garbage collection, the heap frozen at exit, pydantic's
# plugin loader replaced by one with no plugins, as `mkba.cli` does): a pydantic model (numpy, then pydantic.main and pydantic.fields,
# which defining any model imports and `import pydantic` alone does not; one model built and used), and
# pydantic with the study schema (the file read by tomllib, mkba's schema classes and value types created,
# the validator built, the study validated once), without mkba's own checks, scenarios or command line.
_ONE_BLAS_THREAD = ("import os\nfor name in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):\n"
                    "    os.environ.setdefault(name, '1')\n")
_LEAST = _ONE_BLAS_THREAD + ("import gc, sys, types\ngc.disable()\nloader = types.ModuleType('pydantic.plugin._loader')\n"
                             "loader.get_plugins = lambda: ()\nsys.modules['pydantic.plugin._loader'] = loader\n")
_PYDANTIC_MODEL = _LEAST + ("import numpy\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int = 0\n"
                            "M(x=1)\ngc.freeze()")
_SCHEMA_VALIDATION = _LEAST + ("import tomllib\nfrom mkba.simulator.schema import StudyModel\n"
                               "with open(sys.argv[1], 'rb') as f:\n    StudyModel.model_validate(tomllib.load(f))\n"
                               "gc.freeze()")


def bench_startup(repeats: int, study_path: Path) -> dict[str, Any]:
    py = [sys.executable, "-c"]
    return side_by_side({"python_pass": [*py, "pass"], "mkba_help": [*mkba_cmd(), "--help"],
                         "python_numpy_pydantic": [*py, "import numpy, pydantic"],
                         "mkba_validate": [*mkba_cmd(), "validate", str(study_path)],
                         "floor_pydantic_model": [*py, _PYDANTIC_MODEL],
                         "floor_schema_validation": [*py, _SCHEMA_VALIDATION, str(study_path)],
                         # the target's import line as validate loads numpy (one BLAS thread): the ratio to it
                         # says how much of the target's ratio that setting accounts for
                         "python_numpy_pydantic_one_blas_thread": [*py, _ONE_BLAS_THREAD + "import numpy, pydantic"]},
                        repeats, 120)


def bench_batch(draws: int | None, out_dir: str, repeats: int, timeout: float) -> dict[str, Any]:
    """The bundled batch with ``--workers 2`` and ``--workers 0`` (interleaved), at ``draws`` or its default."""
    from mkba.simulator.study import default_study_path

    batch = default_study_path().parent / "steenwijkerland-doorkijk-batch.toml"
    runs: dict[str, list[dict[str, Any]]] = {"workers_2": [], "workers_0": []}
    for rnd in range(repeats):
        for workers in (2, 0):
            out = Path(out_dir) / f"batch-{draws or 'default'}-w{workers}-{rnd}"  # a batch refuses an old folder
            cmd = [*mkba_cmd(), "batch", str(batch), "--workers", str(workers), "--seed", str(SEED), "--out", str(out)]
            runs[f"workers_{workers}"].append(measure(cmd + (["--draws", str(draws)] if draws else []), 1, timeout))
            shutil.rmtree(out, ignore_errors=True)
    return {"draws": draws or "default", **{label: _best(rs) for label, rs in runs.items()}}


# What `mkba run --no-report` imports anyway, and what the report adds (charts, Word, Excel): the report's
# imports alone are a floor under its cost (Dask hidden as `mkba` hides it).
_RUN_IMPORTS = "import mkba.cli; mkba.cli._hide_dask(); import numpy, pydantic, xarray, h5netcdf"
_REPORT_IMPORTS = "import matplotlib.figure, matplotlib.backends.backend_agg, PIL.Image, docx, openpyxl"


def bench_report(draws: int, out_dir: str, repeats: int, timeout: float, helper_rows: bool = True) -> dict[str, Any]:
    """Issue 13: `mkba run` of the default study with the report against `--no-report`, interleaved round by
    round (the same load hits both); the ratio is the report's cost on the run. ``helper_rows``: also the
    report with its chart helper forced on (``MKBA_CHART_WORKER=1``: what a machine with an idle core gets;
    the default run leaves the helper out when the other cores are busy) and off (``=0``: everything in
    the run's process), in the same rounds."""
    base = [*mkba_cmd(), "run", "--draws", str(draws), "--seed", str(SEED)]
    cmds = {"with_report": [*base, "--out", str(Path(out_dir) / "report-yes"), "--overwrite"],
            "no_report": [*base, "--out", str(Path(out_dir) / "report-no"), "--overwrite", "--no-report"]}
    if helper_rows and shutil.which("env"):
        for key, value in (("with_report_helper", "1"), ("with_report_in_process", "0")):
            cmds[key] = ["env", f"MKBA_CHART_WORKER={value}", *base, "--out", str(Path(out_dir) / key), "--overwrite"]
    if helper_rows:
        # the libraries only the report needs, imported in a fresh interpreter beside those the run has anyway
        py = [sys.executable, "-c"]
        cmds["imports_run"] = [*py, _RUN_IMPORTS]
        cmds["imports_run_and_report"] = [*py, _RUN_IMPORTS + "; " + _REPORT_IMPORTS]
    load_before = os.getloadavg()[0]
    runs = side_by_side(cmds, repeats, timeout)
    return {"draws": draws, **runs, "load_avg_1min": [load_before, os.getloadavg()[0]]}


def run_cmd(draws: int, out_dir: str, no_report: bool) -> list[str]:
    cmd = [*mkba_cmd(), "run", "--draws", str(draws), "--seed", str(SEED), "--out", out_dir]
    return [*cmd, "--no-report"] if no_report else cmd


# The analysis alone in a fresh interpreter: interpreter start, imports, the study and ``analyse_study``;
# Dask hidden as ``mkba`` hides it (``mkba.cli.main``), so both sides import the same libraries.
_FRESH_ANALYSIS = ("import mkba.cli; mkba.cli._hide_dask(); import mkba; from mkba import sensitivity as sa; "
                   "sa.analyse_study(mkba.Study.from_toml(mkba.default_study_path()), method='sobol', n={n}, seed={seed})")
# What any fresh process running this analysis must import: numpy, pydantic (the study), xarray (the
# result), scipy.stats.qmc (the Sobol' sequence, issue 14 item 5) and SALib's Sobol' estimators; with the
# garbage collector off, as ``mkba sensitivity`` runs, so that this floor is the least such imports cost.
_ANALYSIS_IMPORTS = ("import gc; gc.disable(); import mkba.cli; mkba.cli._hide_dask(); import numpy, pydantic, "
                     "xarray; from scipy.stats import qmc; import SALib.analyze.sobol")


def compile_bytecode() -> str:
    """Compile mkba's modules to .pyc first, as an installed package has them (this shell may set
    PYTHONDONTWRITEBYTECODE, and an editable checkout would otherwise compile every module at every start)."""
    import compileall

    import mkba

    ok = compileall.compile_dir(str(Path(mkba.__file__).parent), quiet=2)
    return "mkba compiled to .pyc before timing" if ok else "compileall failed: mkba timed from source"


def bench_sensitivity(study: Any, n: int, out_dir: str, timeout: float, options: dict[str, set[str]],
                      repeats: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """``mkba sensitivity --method sobol --n N`` end to end; ``analyse_study`` in this process (warm:
    design, model evaluations and indices, imports already done); the same analysis in a fresh
    interpreter (imports and study included); and the imports alone that such a process cannot avoid
    (``_ANALYSIS_IMPORTS``). Interleaved round by round so that load from other jobs hits all alike; the
    best of ``repeats`` rounds of each. Returns (analysis figure, command figure, fresh-process figures)."""
    from mkba import sensitivity as sa

    analysis: list[float] = []
    runs: list[dict[str, Any]] = []
    fresh: dict[str, list[dict[str, Any]]] = {"analysis": [], "imports": []}
    ds: Any = None
    cmd: list[str] | None = None
    bytecode = compile_bytecode()  # done at the harness's start too; here for a caller of this function alone
    if "sensitivity" in options:
        help_text = options["sensitivity"]
        cmd = [*mkba_cmd(), "sensitivity", "--method", "sobol", "--n", str(n)]
        for flag, extra in (("--seed", [str(SEED)]), ("--out", [out_dir]), ("--overwrite", []), ("--no-report", [])):
            if flag in help_text:
                cmd += [flag, *extra]
    py = [sys.executable, "-c"]
    sa.analyse_study(study, method="sobol", n=n, seed=SEED)  # warm: the in-process figure excludes imports
    load_before = os.getloadavg()[0]
    for _ in range(repeats):
        if cmd is not None:
            runs.append(measure(cmd, 1, timeout))
        fresh["analysis"].append(measure([*py, _FRESH_ANALYSIS.format(n=n, seed=SEED)], 1, timeout))
        fresh["imports"].append(measure([*py, _ANALYSIS_IMPORTS], 1, timeout))
        secs, ds = best_of(1, lambda: sa.analyse_study(study, method="sobol", n=n, seed=SEED))
        analysis.append(secs)
    fig_a = {"n": n, "seconds": min(analysis), "seconds_all": analysis, "repeats": repeats,
             "n_evaluations": int(ds.attrs["n_evaluations"])}
    fig_s = {"n": n, **_best(runs)} if runs else {"status": "not available yet", "n": n}
    fig_f = {"n": n, "bytecode": bytecode, "load_avg_1min": [load_before, os.getloadavg()[0]],
             "analysis": _best(fresh["analysis"]), "imports": _best(fresh["imports"])}
    return fig_a, fig_s, fig_f


# --- report ------------------------------------------------------------------------------------------


def _wall(d: dict[str, Any] | None) -> float | None:
    return d["wall_s"] if d and d.get("status") == "ok" else None


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def compute_ratios(figures: dict[str, Any], uncertain: int) -> dict[str, Any]:
    """Every ratio of the run: rates of (a)–(c), each end-to-end figure ÷ the floor for the same number of
    model evaluations, and the side-by-side pairs of issue 14 (None where a figure was not measured)."""
    f, v = figures, figures["vectorised"]
    ratios: dict[str, Any] = {
        "vectorised_over_loop": v["draws_per_s_1_thread"] / f["loop"]["draws_per_s"],
        "vectorised_over_ema": v["draws_per_s_1_thread"] / f["ema"]["draws_per_s"],
        "vectorised_threads_over_loop": v["draws_per_s_threads"] / f["loop"]["draws_per_s"],
        "vectorised_threads_over_ema": v["draws_per_s_threads"] / f["ema"]["draws_per_s"],
        "loop_over_ema": f["loop"]["draws_per_s"] / f["ema"]["draws_per_s"],
    }
    floor_per_draw = f["floor"]["seconds"] / f["floor"]["draws"]
    ratios["vectorised_1_thread_over_floor"] = 1.0 / v["draws_per_s_1_thread"] / floor_per_draw
    sobol_evals = f.get("sensitivity_analysis", {}).get("n_evaluations") or f["sobol"].get("n", 0) * (uncertain + 2)
    for key, evaluations in (("run_1m", f["run_1m"].get("draws")), ("run_10m", f["run_10m"].get("draws")),
                             ("run_100m", f["run_100m"].get("draws")), ("cold_start", f["cold_start"].get("draws")),
                             ("sobol", sobol_evals)):
        ratios[f"{key}_over_floor"] = _div(_wall(f[key]), floor_per_draw * (evaluations or 0))
    st = f["startup"]
    ratios["help_over_python"] = _div(_wall(st["mkba_help"]), _wall(st["python_pass"]))
    ratios["validate_over_imports"] = _div(_wall(st["mkba_validate"]), _wall(st["python_numpy_pydantic"]))
    # the floors of that target: what pydantic itself costs beside the same import line, and the command
    # beside pydantic's part of it (informative; the target stays validate ÷ imports)
    ratios["pydantic_model_over_imports"] = _div(_wall(st.get("floor_pydantic_model")), _wall(st["python_numpy_pydantic"]))
    ratios["schema_validation_over_imports"] = _div(_wall(st.get("floor_schema_validation")),
                                                    _wall(st["python_numpy_pydantic"]))
    ratios["validate_over_schema_validation"] = _div(_wall(st["mkba_validate"]), _wall(st.get("floor_schema_validation")))
    ratios["validate_over_imports_one_blas_thread"] = _div(_wall(st["mkba_validate"]),
                                                           _wall(st.get("python_numpy_pydantic_one_blas_thread")))
    rss = {k: f[k].get("peak_rss_mb") if f[k].get("status") == "ok" else None for k in ("run_1m", "run_10m")}
    ratios["run_10m_rss_over_1m"] = _div(rss["run_10m"], rss["run_1m"])
    for key in ("batch_1m", "batch_default"):
        b = f[key]
        ratios[f"{key}_workers2_over_0"] = _div(_wall(b.get("workers_2")), _wall(b.get("workers_0")))
    # The target compares the command with the warm in-process analysis; the imports that any fresh
    # process needs for it exceed that analysis, so the same run also gives the command against the
    # analysis in a fresh interpreter, and the least a fresh process could take (imports + warm analysis).
    warm = f.get("sensitivity_analysis", {}).get("seconds")
    sf = f.get("sensitivity_fresh", {})
    ratios["sensitivity_over_analysis"] = _div(_wall(f["sobol"]), warm)
    ratios["sensitivity_over_fresh_analysis"] = _div(_wall(f["sobol"]), _wall(sf.get("analysis")))
    ratios["fresh_analysis_over_analysis"] = _div(_wall(sf.get("analysis")), warm)
    imports = _wall(sf.get("imports"))
    ratios["sensitivity_floor_over_analysis"] = _div(None if imports is None or warm is None else imports + warm, warm)
    rep = f.get("report", {})
    ratios["report_over_no_report"] = _div(_wall(rep.get("with_report")), _wall(rep.get("no_report")))
    ratios["report_helper_over_no_report"] = _div(_wall(rep.get("with_report_helper")), _wall(rep.get("no_report")))
    ratios["report_in_process_over_no_report"] = _div(_wall(rep.get("with_report_in_process")),
                                                      _wall(rep.get("no_report")))
    both, run_only = _wall(rep.get("imports_run_and_report")), _wall(rep.get("imports_run"))
    # the report's library imports alone, added to --no-report: what a report done in one process cannot beat
    ratios["report_imports_floor_over_no_report"] = _div(
        None if both is None or run_only is None or _wall(rep.get("no_report")) is None
        else _wall(rep.get("no_report")) + both - run_only, _wall(rep.get("no_report")))
    ratios["run_100m_completes"] = (None if f["run_100m"]["status"].startswith("skipped")
                                    else float(f["run_100m"]["status"] == "ok"))
    return ratios


def check_targets(res: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    fig, ratios = res["figures"], res["ratios"]
    measured = {
        **ratios,
        "run_1m_wall_s": fig["run_1m"].get("wall_s"),
        "run_10m_peak_rss_mb": fig["run_10m"].get("peak_rss_mb"),
        "sobol_4096_wall_s": fig["sobol"].get("wall_s"),
        "cold_start_wall_s": fig["cold_start"].get("wall_s"),
    }
    # In --quick the run/Sobol/batch sizes are not the target sizes, so those targets are not judged.
    size_bound = {"run_1m_wall_s", "run_10m_peak_rss_mb", "sobol_4096_wall_s", "run_1m_over_floor",
                  "run_10m_rss_over_1m", "batch_1m_workers2_over_0", "batch_default_workers2_over_0",
                  "sensitivity_over_analysis", "run_100m_completes", "report_over_no_report"}
    compare = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}
    out = []
    for key, text, unit, op, bound in TARGETS:
        v = measured[key]
        met = None if v is None or (quick and key in size_bound) else bool(compare[op](v, bound))
        out.append({"name": key, "target": text, "unit": unit, "bound": bound, "measured": v, "met": met})
    return out


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}×"


def render(res: dict[str, Any]) -> str:
    f, r = res["figures"], res["ratios"]
    v = f["vectorised"]

    def sub(name: str, d: dict[str, Any]) -> str:
        if d.get("status") != "ok":
            return f"{name:<34}{d.get('status')}"
        return (f"{name:<34}{d['wall_s']:8.2f} s wall {d['cpu_s']:8.2f} s CPU {d['peak_rss_mb']:8.0f} MB peak RSS   "
                f"({' '.join(d['command'].split()[1:])})")

    lines = [
        f"mkba {res['mkba_version']} benchmarks{' (QUICK: harness check, not the benchmark)' if res['quick'] else ''}"
        f" — {res['machine']['cpus']} CPUs, Python {res['machine']['python']}, {res['created']}, load average "
        f"{res['machine']['load_avg_1min_before']:.1f} → {res['machine']['load_avg_1min_after']:.1f}",
        f"study {res['study']} ({res['uncertain_inputs']} uncertain inputs), seed {SEED}; {res.get('bytecode', '')}",
        "",
        f"(a) vectorised, 1 thread   {v['draws_per_s_1_thread']:>14,.0f} draws/s  ({v['draws']:,} draws, best of {v['repeats']})",
        f"    vectorised, {v['threads']} threads  {v['draws_per_s_threads']:>14,.0f} draws/s",
        f"(b) Python loop            {f['loop']['draws_per_s']:>14,.0f} draws/s  ({f['loop']['scenarios']:,} scenarios, best of "
        f"{f['loop']['slices']} slices; "
        f"max rel. diff vs vectorised {f['loop']['max_rel_diff_vs_vectorised']:.1e})",
        f"(c) EMA Workbench          {f['ema']['draws_per_s']:>14,.0f} draws/s  ({f['ema']['scenarios']:,} scenarios, "
        f"best of {f['ema']['repeats']}, "
        f"SequentialEvaluator, ema_workbench {f['ema']['ema_workbench_version']})",
        f"    ratios (1 thread):   vectorised ÷ loop {r['vectorised_over_loop']:,.0f}×   "
        f"vectorised ÷ EMA {r['vectorised_over_ema']:,.0f}×",
        f"    ratios ({v['threads']} threads):   vectorised ÷ loop {r['vectorised_threads_over_loop']:,.0f}×   "
        f"vectorised ÷ EMA {r['vectorised_threads_over_ema']:,.0f}×",
        f"    per draw: vectorised {1e6 / v['draws_per_s']:.2f} µs, loop {1e6 / f['loop']['draws_per_s']:.0f} µs, "
        f"EMA {1e6 / f['ema']['draws_per_s']:.0f} µs",
        sub(f"(d) mkba run {f['run_1m'].get('draws', 0):,} draws", f["run_1m"]),
        sub(f"(e) mkba run {f['run_10m'].get('draws', 0):,} draws", f["run_10m"]),
        sub(f"(f) Sobol N = {f['sobol'].get('n', 0):,}", f["sobol"]),
        sub(f"(g) cold start, {f['cold_start'].get('draws', 0):,} draws", f["cold_start"]),
        sub(f"    mkba run {f['run_100m'].get('draws', 0):,} draws", f["run_100m"]),
        "",
        f"floor ({f['floor']['what']}): {f['floor']['seconds']:.3f} s wall, {f['floor']['cpu_s']:.3f} s CPU for "
        f"{f['floor']['draws']:,} draws (saldo agrees with the model to {f['floor']['max_rel_diff_vs_model']:.1e})",
        "    ÷ floor (same number of model evaluations): "
        + ", ".join(f"{k} {r[f'{k}_over_floor']:.1f}×" for k in ("run_1m", "run_10m", "run_100m", "cold_start", "sobol")
                    if r[f"{k}_over_floor"] is not None)
        + f", engine 1 thread {r['vectorised_1_thread_over_floor']:.1f}×",
        "start-up, side by side (best of {} rounds):".format(f["startup"]["python_pass"].get("repeats", 0)),
        *(sub(f"    {k}", f["startup"][k]) for k in ("python_pass", "mkba_help", "python_numpy_pydantic", "mkba_validate")
          if k in f["startup"]),
        *(sub(f"    {k}", f["startup"][k]) + f"  ({r[ratio]:.2f}× the imports)" for k, ratio in
          (("floor_pydantic_model", "pydantic_model_over_imports"),
           ("floor_schema_validation", "schema_validation_over_imports"))
          if k in f["startup"] and r.get(ratio) is not None),
        *(sub("    python_numpy_pydantic_1_blas", f["startup"][k])
          + f"  (validate ÷ this {r['validate_over_imports_one_blas_thread']:.2f}×)"
          for k in ("python_numpy_pydantic_one_blas_thread",)
          if k in f["startup"] and r.get("validate_over_imports_one_blas_thread") is not None),
        f"    ({res.get('bytecode', 'bytecode: not recorded')}, as an installed package has it)",
    ]
    for key in ("batch_default", "batch_1m"):
        if "workers_2" in f[key]:
            lines += [sub(f"{key} --workers {w}", f[key][f"workers_{w}"]) for w in (2, 0)]
        else:
            lines.append(sub(key, f[key]))
    rep = f["report"]
    if "with_report" in rep:
        lines += [sub(f"report, {rep['draws']:,} draws: with", rep["with_report"]),
                  sub("                     --no-report", rep["no_report"])]
        if "with_report_helper" in rep:
            lines += [sub("     helper forced on (=1)", rep["with_report_helper"]),
                      sub("     all in one process (=0)", rep["with_report_in_process"]),
                      f"    ÷ --no-report: default {_fmt(r['report_over_no_report'])}, helper on "
                      f"{_fmt(r['report_helper_over_no_report'])}, one process {_fmt(r['report_in_process_over_no_report'])}"]
        if "imports_run" in rep:
            lines += [sub("     imports of the run", rep["imports_run"]),
                      sub("     … and of the report", rep["imports_run_and_report"]),
                      f"    --no-report + the report's imports alone ÷ --no-report: "
                      f"{_fmt(r['report_imports_floor_over_no_report'])}"]
        lines.append(f"    (interleaved, best of {rep['with_report'].get('repeats', 0)}; load average "
                     f"{rep['load_avg_1min'][0]:.1f} → {rep['load_avg_1min'][1]:.1f})")
    else:
        lines.append(sub("report", rep))
    if "sensitivity_analysis" in f:
        a = f["sensitivity_analysis"]
        lines.append(f"Sobol N = {a['n']:,} analysis in process (warm): {a['seconds']:.2f} s "
                     f"({a['n_evaluations']:,} evaluations)")
    if "sensitivity_fresh" in f:
        sf = f["sensitivity_fresh"]
        lines += [sub("    the same in a fresh interpreter", sf["analysis"]),
                  sub("    its imports alone", sf["imports"]),
                  f"    mkba sensitivity ÷ warm analysis {_fmt(r['sensitivity_over_analysis'])}, ÷ fresh analysis "
                  f"{_fmt(r['sensitivity_over_fresh_analysis'])}; least possible for a fresh process (imports + warm "
                  f"analysis) ÷ warm analysis {_fmt(r['sensitivity_floor_over_analysis'])} ({sf['bytecode']}; "
                  f"interleaved, best of {sf['analysis'].get('repeats', 0)}; load average "
                  f"{sf['load_avg_1min'][0]:.1f} → {sf['load_avg_1min'][1]:.1f})"]
    lines += ["", f"load: {res['machine']['uptime_before']}  →  {res['machine']['uptime_after']}", "", "targets:"]
    for t in res["targets"]:
        mark = {True: "met", False: "NOT MET", None: "not judged"}[t["met"]]
        val = "—" if t["measured"] is None else f"{t['measured']:,.2f} {t['unit']}"
        lines.append(f"  {t['target']:<52}{val:>16}   {mark}")
    return "\n".join(lines)


def write_json_atomic(path: Path, obj: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (< 30 s): checks the harness, not the speed")
    ap.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"results file (default: {DEFAULT_OUTPUT})")
    ap.add_argument("--with-100m", action="store_true", help="also run 100,000,000 draws (long; not in --quick)")
    args = ap.parse_args(argv)
    q = 1 if args.quick else 0
    size = {k: v[q] for k, v in SIZES.items()}

    load_before = os.getloadavg()  # other jobs on the machine slow every figure; record how busy it was
    uptime_before = uptime()
    bytecode = compile_bytecode()
    log(bytecode)
    import mkba

    bytecode = compile_bytecode()  # every subprocess below starts from .pyc, as an installed mkba does
    log(bytecode)

    path = mkba.default_study_path()
    study = mkba.Study.from_toml(path)
    options = cli_options()
    no_report = "--no-report" in options["run"]
    figures: dict[str, Any] = {}

    log(f"(a) vectorised, {size['vectorised_draws']:,} draws …")
    figures["vectorised"] = bench_vectorised(study, size["vectorised_draws"], size["vectorised_repeats"])
    log(f"(b) Python loop, {size['loop_scenarios']:,} scenarios …")
    figures["loop"] = bench_loop(study, size["loop_scenarios"], size["loop_slices"])
    log(f"(c) EMA Workbench, {size['ema_scenarios']:,} scenarios …")
    figures["ema"] = bench_ema(study, size["ema_scenarios"], size["ema_repeats"])
    log(f"floor, {size['floor_draws']:,} draws …")
    figures["floor"] = floor.measure(study, size["floor_draws"], SEED, size["floor_repeats"])

    with tempfile.TemporaryDirectory(prefix="mkba-bench-") as tmp:
        if size["run_draws"]:
            log(f"(d) mkba run --draws {size['run_draws']:,} …")
            figures["run_1m"] = {"draws": size["run_draws"],
                                 **measure(run_cmd(size["run_draws"], tmp, no_report), size["run_repeats"], 900)}
        else:
            figures["run_1m"] = {"draws": 1_000_000, "status": "skipped (--quick)"}
        if size["big_draws"]:
            log(f"(e) mkba run --draws {size['big_draws']:,} (takes a while) …")
            figures["run_10m"] = {"draws": size["big_draws"], **measure(run_cmd(size["big_draws"], tmp, no_report), 1, 3600)}
        else:
            figures["run_10m"] = {"draws": 10_000_000, "status": "skipped (--quick)"}
        log(f"(f) Sobol N = {size['sobol_n']:,}: mkba sensitivity beside its analysis in process and in a fresh "
            f"interpreter, {size['sobol_repeats']} rounds …")
        figures["sensitivity_analysis"], figures["sobol"], figures["sensitivity_fresh"] = bench_sensitivity(
            study, size["sobol_n"], tmp, 1800, options, size["sobol_repeats"])
        log(f"(g) cold start, mkba run --draws {size['cold_draws']:,} …")
        figures["cold_start"] = {"draws": size["cold_draws"],
                                 **measure(run_cmd(size["cold_draws"], tmp, no_report), size["cold_repeats"], 300)}
        log(f"report vs --no-report, {size['report_draws']:,} draws, {size['report_repeats']} rounds …")
        figures["report"] = bench_report(size["report_draws"], tmp, size["report_repeats"], 600,
                                         helper_rows=not args.quick)
        log(f"start-up side by side, {size['startup_repeats']} rounds …")
        figures["startup"] = bench_startup(size["startup_repeats"], path)
        if size["batch_draws"] and "batch" in options:
            log("batch --workers 2 vs --workers 0, default draws and 1,000,000 draws …")
            figures["batch_default"] = bench_batch(None, tmp, 2, 900)
            figures["batch_1m"] = bench_batch(size["batch_draws"], tmp, 1, 1800)
        else:
            figures["batch_default"] = {"draws": "default", "status": "skipped (--quick)"}
            figures["batch_1m"] = {"draws": 1_000_000, "status": "skipped (--quick)"}
        if args.with_100m and size["huge_draws"]:
            log(f"mkba run --draws {size['huge_draws']:,} (long) …")
            figures["run_100m"] = {"draws": size["huge_draws"],
                                   **measure(run_cmd(size["huge_draws"], tmp, True), 1, 4 * 3600)}
        else:
            figures["run_100m"] = {"draws": 100_000_000, "status": "skipped (needs --with-100m)"}

    ratios = compute_ratios(figures, len(study.parameters.uncertain))
    res: dict[str, Any] = {
        "mkba_version": mkba.__version__,
        "quick": bool(args.quick),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "numpy": np.__version__, "load_avg_1min_before": load_before[0],
                    "load_avg_1min_after": os.getloadavg()[0], "uptime_before": uptime_before,
                    "uptime_after": uptime()},
        "study": path.name,
        "uncertain_inputs": len(study.parameters.uncertain),
        "seed": SEED,
        "no_report_flag": no_report,
        "bytecode": bytecode,
        "figures": figures,
        "ratios": ratios,
    }
    res["targets"] = check_targets(res, args.quick)
    write_json_atomic(args.output, res)
    if args.json:
        print(json.dumps(res))
    else:
        print(render(res))
        print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
