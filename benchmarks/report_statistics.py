"""The report's statistics inside a fresh `mkba run` (issue 13 item 9): the decision section, the drivers'
δ/S1 and the scenario comparison, each timed where the report computes it, cold (a new process per round).

    python benchmarks/report_statistics.py [--rounds 5] [--draws 20000] [--baseline DIR] [--json]

Every round runs `mkba run --draws N --seed 1` of the default study in a new interpreter whose report
functions are wrapped with timers (wall and the main thread's CPU time); nothing else changes, so the
chart helper runs as in any `mkba run`. Beside the scenario comparison it times the comparison from
scenario draws computed beforehand (``scenario_rows``: what is left in the run's process once the chart
helper runs ``scenario_draws`` during the simulation; checkouts without it are measured without). mkba's modules are byte-compiled first, as an installed package
has them. The figure is the best round of each; the load average is printed before and after.
``--baseline DIR``: another checkout of mkba (e.g. a worktree of an older commit) measured the same way,
round by round interleaved with this one, so the same load hits both.

It also prints what the report's 10 bootstrap resamples of δ (20 before) do to the default study's
drivers table at these draws: the largest change of a δ, how many of the shown values (3 decimals) change,
and whether the ranking and the inert flags stay.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.15  # all three together, cold, at 20,000 draws (issue 13 item 9)

RUNNER = r"""
import json, sys, time
import mkba.outputs.report.build as b
times = {}
def timed(owner, name, key):
    f = getattr(owner, name)
    def wrapper(*args, **kwargs):
        w, c = time.perf_counter(), time.thread_time()
        try:
            return f(*args, **kwargs)
        finally:
            times[key] = (time.perf_counter() - w, time.thread_time() - c)
    setattr(owner, name, wrapper)
timed(b.decision, "analyse", "decision")
timed(b, "dependent_drivers", "drivers")
timed(b, "scenario_comparison", "scenarios")
# beside it, what the comparison costs here once a helper has run the scenarios (scenario_draws, untimed)
from mkba.outputs import scenarios as sc
inner = b.scenario_comparison
def with_rows(study, ds, draws=sc.SCENARIO_DRAWS):
    rows = inner(study, ds, draws)  # timed above, cold, as the report computes it
    a = sc._of_run(study, ds, draws)
    pre = sc.scenario_draws(study, int(ds.attrs.get("draws", ds.sizes["draw"])), a["seed"], a["sampler"], a["own"],
                            limit=draws)
    w, c = time.perf_counter(), time.thread_time()
    assert sc.scenario_comparison(study, ds, draws, runs=pre) == rows
    times["scenario_rows"] = (time.perf_counter() - w, time.thread_time() - c)
    return rows
if hasattr(sc, "scenario_draws"):
    b.scenario_comparison = with_rows
from mkba.cli import main
try:
    main(["run", "--draws", sys.argv[1], "--seed", "1", "--out", sys.argv[2], "--overwrite", "--json"])
except SystemExit:
    pass
import mkba
times["mkba"] = mkba.__file__
print(json.dumps(times), file=sys.stderr)
"""


def one_round(root: Path, draws: int, out: str) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # run from the checkout itself: "python -c" puts the current folder first on sys.path
    p = subprocess.run([sys.executable, "-c", RUNNER, str(draws), out], capture_output=True, text=True, env=env, cwd=root,
                       check=True)
    times = json.loads(p.stderr.strip().splitlines()[-1])
    if not Path(times.pop("mkba")).resolve().is_relative_to(root.resolve()):
        raise RuntimeError(f"the round for {root} imported mkba from elsewhere")
    return times


KEYS = ("decision", "drivers", "scenarios")


def resample_effect(draws: int, before: int = 20) -> dict[str, object]:
    """The report's δ table of the default study with DRIVER_RESAMPLES against ``before`` resamples."""
    sys.path.insert(0, str(ROOT))
    from mkba import Study, default_study_path, simulate
    from mkba.outputs.report.build import DRIVER_RESAMPLES
    from mkba.outputs.report.context import TORNADO_TOP
    from mkba.sensitivity import given_data
    from mkba.simulator.results import with_inputs

    study = Study.from_toml(default_study_path())
    ds = with_inputs(simulate(study, draws=draws, seed=1), study)
    now, old = (given_data(ds, method="delta", target="saldo", num_resamples=b, seed=1) for b in (DRIVER_RESAMPLES, before))
    names = list(old["parameter"].values)
    d_now, d_old = (r["value"].sel(index="delta", parameter=names).values for r in (now, old))
    shown = names[:TORNADO_TOP]
    changed = sum(f"{float(now['value'].sel(index='delta', parameter=p)):.3f}"
                  != f"{float(old['value'].sel(index='delta', parameter=p)):.3f}" for p in shown)
    return {"resamples": DRIVER_RESAMPLES, "before": before, "max_abs_change": float(abs(d_now - d_old).max()),
            "shown": len(shown), "shown_changed_3_decimals": int(changed),
            "same_ranking_shown": list(now["parameter"].values[:TORNADO_TOP]) == shown,
            "same_inert": bool((now["inert"].sel(parameter=names).values == old["inert"].values).all())}


HELPED = ("decision", "drivers", "scenario_rows")  # with the scenarios' draws from the helper


def summary(rounds: list[dict[str, tuple[float, float]]]) -> dict[str, object]:
    keys = [k for k in (*KEYS, "scenario_rows") if all(k in r for r in rounds)]
    best = {k: {"wall_s": min(r[k][0] for r in rounds), "cpu_s": min(r[k][1] for r in rounds)} for k in keys}
    out: dict[str, object] = {"best": best}
    for name, group in (("total_best_round", KEYS), ("total_with_helper_scenarios_best_round", HELPED)):
        if all(k in keys for k in group):
            out[name] = {"wall_s": min(sum(r[k][0] for k in group) for r in rounds),
                         "cpu_s": min(sum(r[k][1] for k in group) for r in rounds)}
    return {**out, "all": rounds}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--draws", type=int, default=20_000)
    ap.add_argument("--baseline", type=Path, default=None, help="another mkba checkout, measured interleaved")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    trees = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    for root in trees.values():
        compileall.compile_dir(str(root / "mkba"), quiet=1)
    load = [os.getloadavg()[0]]
    rounds: dict[str, list[dict[str, tuple[float, float]]]] = {k: [] for k in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name, root in trees.items():
                rounds[name].append(one_round(root, args.draws, tmp))
    load.append(os.getloadavg()[0])
    result = {"draws": args.draws, "rounds": args.rounds, "target_s": TARGET_S, "load_avg_1min": load,
              **{name: {"root": str(root), **summary(rounds[name])} for name, root in trees.items()},
              "delta_resamples": resample_effect(args.draws)}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for name in trees:
        res = result[name]
        print(f"{name} ({res['root']}):")
        for k, b in res["best"].items():
            print(f"  {k:13s} {b['wall_s']:.3f} s wall, {b['cpu_s']:.3f} s CPU (best of {args.rounds})")
        t = res["total_best_round"]
        print(f"  {'together':13s} {t['wall_s']:.3f} s wall, {t['cpu_s']:.3f} s CPU (best round); target ≤ {TARGET_S} s")
        if "total_with_helper_scenarios_best_round" in res:
            t = res["total_with_helper_scenarios_best_round"]
            print(f"  {'with helper':13s} {t['wall_s']:.3f} s wall, {t['cpu_s']:.3f} s CPU (best round): decision + "
                  "drivers + the scenario rows from draws the helper computed")
    print(f"load average {load[0]:.2f} → {load[1]:.2f}")
    e = result["delta_resamples"]
    print(f"δ with {e['resamples']} resamples instead of {e['before']} (default study, {args.draws} draws): largest "
          f"change {e['max_abs_change']:.4f}; {e['shown_changed_3_decimals']} of the {e['shown']} values shown change "
          f"in the 3rd decimal; ranking shown {'the same' if e['same_ranking_shown'] else 'CHANGED'}, inert flags "
          f"{'the same' if e['same_inert'] else 'CHANGED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
