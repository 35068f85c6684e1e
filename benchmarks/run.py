"""mkba performance harness (issue 6): every figure measured in one run on the same machine.

    python benchmarks/run.py [--quick] [--json] [--output PATH]

(a) vectorised draws/s (engine + study model, no file writing); (b) the same model one scenario at a time
in a plain Python loop (length-1 arrays through the same formulas); (c) EMA Workbench's
SequentialEvaluator on that scalar model; (d) ``mkba run --draws 1000000`` end to end (wall, peak RSS);
(e) 10,000,000 draws (peak RSS); (f) ``mkba sensitivity --method sobol --n 4096`` if the command exists;
(g) ``mkba run --draws 2000`` cold start. Ratios and targets are printed and written to
``benchmarks/results.json`` (atomically). ``--quick`` uses tiny sizes (< 30 s; the test suite runs it):
its figures check that the harness works, they are not the benchmark.

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
    "sobol_n": (4_096, 0),
    "cold_draws": (2_000, 2_000),
    "cold_repeats": (3, 1),
}

# The targets of issue 6; (key, description, unit, comparison, bound).
TARGETS = (
    ("vectorised_over_loop", "vectorised ≥ 100× the Python loop", "×", ">=", 100.0),
    ("vectorised_over_ema", "vectorised ≥ 300× EMA Workbench", "×", ">=", 300.0),
    ("run_1m_wall_s", "1 M draws end to end ≤ 3 s", "s", "<=", 3.0),
    ("run_10m_peak_rss_mb", "10 M draws ≤ 1.5 GB peak RSS", "MB", "<=", 1536.0),
    ("sobol_4096_wall_s", "Sobol N = 4,096 ≤ 20 s", "s", "<=", 20.0),
    ("cold_start_wall_s", "mkba run --draws 2000 cold start ≤ 2 s", "s", "<=", 2.0),
)


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


def run_cmd(draws: int, out_dir: str, no_report: bool) -> list[str]:
    cmd = [*mkba_cmd(), "run", "--draws", str(draws), "--seed", str(SEED), "--out", out_dir]
    return [*cmd, "--no-report"] if no_report else cmd


def bench_sobol(n: int, out_dir: str, timeout: float, options: dict[str, set[str]]) -> dict[str, Any]:
    if "sensitivity" not in options:
        return {"status": "not available yet", "n": n}
    help_text = options["sensitivity"]
    cmd = [*mkba_cmd(), "sensitivity", "--method", "sobol", "--n", str(n)]
    if "--seed" in help_text:
        cmd += ["--seed", str(SEED)]
    if "--out" in help_text:
        cmd += ["--out", out_dir]
    if "--no-report" in help_text:
        cmd += ["--no-report"]
    return {"n": n, **measure(cmd, 1, timeout)}


# --- report ------------------------------------------------------------------------------------------


def check_targets(res: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    fig, ratios = res["figures"], res["ratios"]
    measured = {
        "vectorised_over_loop": ratios["vectorised_over_loop"],
        "vectorised_over_ema": ratios["vectorised_over_ema"],
        "run_1m_wall_s": fig["run_1m"].get("wall_s"),
        "run_10m_peak_rss_mb": fig["run_10m"].get("peak_rss_mb"),
        "sobol_4096_wall_s": fig["sobol"].get("wall_s"),
        "cold_start_wall_s": fig["cold_start"].get("wall_s"),
    }
    # In --quick the run/Sobol sizes are not the target sizes, so those targets are not judged.
    size_bound = {"run_1m_wall_s", "run_10m_peak_rss_mb", "sobol_4096_wall_s"}
    out = []
    for key, text, unit, op, bound in TARGETS:
        v = measured[key]
        if v is None or (quick and key in size_bound):
            met = None
        else:
            met = bool(v >= bound) if op == ">=" else bool(v <= bound)
        out.append({"name": key, "target": text, "unit": unit, "bound": bound, "measured": v, "met": met})
    return out


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
        f"study {res['study']} ({res['uncertain_inputs']} uncertain inputs), seed {SEED}",
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
        "",
        "targets:",
    ]
    for t in res["targets"]:
        mark = {True: "met", False: "NOT MET", None: "not judged"}[t["met"]]
        val = "—" if t["measured"] is None else f"{t['measured']:,.2f} {t['unit']}"
        lines.append(f"  {t['target']:<44}{val:>16}   {mark}")
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
    args = ap.parse_args(argv)
    q = 1 if args.quick else 0
    size = {k: v[q] for k, v in SIZES.items()}

    load_before = os.getloadavg()  # other jobs on the machine slow every figure; record how busy it was
    import mkba

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
        if size["sobol_n"]:
            log(f"(f) Sobol N = {size['sobol_n']:,} …")
            figures["sobol"] = bench_sobol(size["sobol_n"], tmp, 1800, options)
        else:
            figures["sobol"] = {"n": 4_096, "available": "sensitivity" in options, "status": "skipped (--quick)"}
        log(f"(g) cold start, mkba run --draws {size['cold_draws']:,} …")
        figures["cold_start"] = {"draws": size["cold_draws"],
                                 **measure(run_cmd(size["cold_draws"], tmp, no_report), size["cold_repeats"], 300)}

    v = figures["vectorised"]
    ratios = {
        "vectorised_over_loop": v["draws_per_s_1_thread"] / figures["loop"]["draws_per_s"],
        "vectorised_over_ema": v["draws_per_s_1_thread"] / figures["ema"]["draws_per_s"],
        "vectorised_threads_over_loop": v["draws_per_s_threads"] / figures["loop"]["draws_per_s"],
        "vectorised_threads_over_ema": v["draws_per_s_threads"] / figures["ema"]["draws_per_s"],
        "loop_over_ema": figures["loop"]["draws_per_s"] / figures["ema"]["draws_per_s"],
    }
    res: dict[str, Any] = {
        "mkba_version": mkba.__version__,
        "quick": bool(args.quick),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "numpy": np.__version__, "load_avg_1min_before": load_before[0],
                    "load_avg_1min_after": os.getloadavg()[0]},
        "study": path.name,
        "uncertain_inputs": len(study.parameters.uncertain),
        "seed": SEED,
        "no_report_flag": no_report,
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
