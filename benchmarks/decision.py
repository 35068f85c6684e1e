"""Decision-analysis benchmark (issue 12): EVPPI for every input of the forward look on 50,000 draws.

    python benchmarks/decision.py [--draws N] [--repeats R] [--json]

Measures, on one run of the bundled forward look stored in full (the simulation itself is not timed):
(a) EVPPI of saldo for every uncertain input, one regression each (target ≤ 5 s at 50,000 draws);
(b) the same for saldo and every actor at once (shared regressions);
(c) the whole ``decision.analyse`` (inputs, groups, actors, acceptability over 31 QALY values, PRIM);
(d) (a) again with BLAS on all its threads (why the regressions run BLAS on one thread).
Every figure is the best (minimum wall time) of ``--repeats`` runs; the load average is printed beside.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

TARGET_S = 5.0


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = ap.parse_args(argv)

    import numpy as np

    import mkba
    from threadpoolctl import threadpool_limits

    from mkba.decision import DEFAULT_GRID, analyse, evppi, spline_basis
    from mkba.decision.evppi import fit
    from mkba.decision.targets import actor_targets, target_values

    study = mkba.Study.from_toml(mkba.default_study_path())
    ds = mkba.simulate(study, draws=args.draws, seed=1, store="full")
    x = np.asarray(ds["inputs"].values)
    y = target_values(ds, "saldo")
    every = np.column_stack([y] + [target_values(ds, t) for t in actor_targets(ds)])

    def inputs(nb: np.ndarray) -> None:
        for i in range(x.shape[1]):
            evppi(nb, basis=spline_basis(x[:, i]))

    def inputs_threaded(nb: np.ndarray) -> None:
        with threadpool_limits(os.cpu_count(), user_api="blas"):
            for i in range(x.shape[1]):
                fit(nb[:, None], spline_basis(x[:, i]), True)

    res = {
        "draws": args.draws,
        "inputs": int(x.shape[1]),
        "actor_targets": int(every.shape[1] - 1),
        "evppi_inputs_s": best_of(args.repeats, lambda: inputs(y)),
        "evppi_inputs_all_actors_s": best_of(args.repeats, lambda: inputs(every)),
        "analyse_s": best_of(args.repeats, lambda: analyse(ds, grid=DEFAULT_GRID)),
        "evppi_inputs_blas_threads_s": best_of(args.repeats, lambda: inputs_threaded(y)),
        "target_s": TARGET_S,
        "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(),
    }
    res["met"] = res["evppi_inputs_s"] <= TARGET_S
    if args.json:
        print(json.dumps(res))
    else:
        print(f"forward look, {args.draws:,} draws, {res['inputs']} uncertain inputs (best of {args.repeats}; "
              f"load {', '.join(f'{v:.2f}' for v in res['load_average'])} on {res['cpus']} CPUs)")
        print(f"(a) EVPPI of saldo, every input:            {res['evppi_inputs_s']:.3f} s "
              f"(target ≤ {TARGET_S:g} s: {'met' if res['met'] else 'NOT met'})")
        print(f"(b) ... saldo and {res['actor_targets']} actor targets at once: {res['evppi_inputs_all_actors_s']:.3f} s")
        print(f"(c) whole decision analysis:                {res['analyse_s']:.3f} s")
        print(f"(d) (a) with BLAS on {res['cpus']} threads:              {res['evppi_inputs_blas_threads_s']:.3f} s")
    return 0 if res["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
