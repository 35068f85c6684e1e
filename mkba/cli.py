"""The ``mkba`` command. It only parses arguments and calls the public API.

Exit codes: 0 success, 2 bad input (study file or arguments), 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .simulator.study import Study, StudyError, default_study_path

__all__ = ["main"]


class UsageError(Exception):
    """A command-line problem reported as one line with exit code 2."""


def _load(path: str | None) -> Study:
    return Study.from_toml(path if path else default_study_path())


def _positive_int(text: str) -> int:
    try:
        v = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {v}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {v}")
    return v


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="draw", unit_scale=True, file=sys.stderr, leave=False)
    return bar, bar.update


def _fmt(v: float, ratio: bool) -> str:
    if v != v:  # NaN
        return "—"
    return f"{v:,.2f}" if ratio else f"{v:,.0f}"


def _print_table(result: dict[str, Any]) -> None:
    from .outputs.summary import summary_rows

    rows = summary_rows(result)
    print(f"{result['study']} ({result['scenario']}): {result['draws']:,} draws, seed {result['seed']}, "
          f"sampler {result['sampler']}")
    head = f"{'line':<22}{'base':>14}{'mean':>14}{'P5':>14}{'P50':>14}{'P95':>14}"
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r["kind"] == "ratio"
        if r["kind"] in ("total", "ratio") and r["name"] in ("costs", "bc_social"):
            print("-" * len(head))
        print(f"{r['name']:<22}" + "".join(f"{_fmt(r[k], ratio):>14}" for k in ("base", "mean", "p5", "p50", "p95")))
    p = result["probabilities"]
    print("-" * len(head))
    print(f"P(bc_social > 1) = {p['bc_social_gt_1']:.3f}   P(bc_financial > 1) = {p['bc_financial_gt_1']:.3f}   "
          f"P(bc_municipal > 1) = {p['bc_municipal_gt_1']:.3f}   P(saldo > 0) = {p['saldo_gt_0']:.3f}")


def cmd_validate(args: argparse.Namespace) -> int:
    study = _load(args.study)
    params = study.parameters
    print(f"{study.source}: ok — study {study.name!r}, {len(params)} inputs ({len(params.uncertain)} uncertain), "
          f"scenarios: {', '.join(study.scenarios) or 'none'}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .outputs.summary import summarise, to_csv_text
    from .simulator.results import atomic_write, simulate, write_netcdf

    study = _load(args.study).scenario(args.scenario)
    draws = args.draws or study.spec.simulation.draws
    bar, update = _progress(draws, not args.json)
    try:
        ds = simulate(study, draws=args.draws, seed=args.seed, sampler=args.sampler, chunk_size=args.chunk_size,
                      store=args.store, progress=update)
    finally:
        if bar is not None:
            bar.close()
    result = summarise(ds)
    name = study.name if args.scenario == "base" else f"{study.name}--{args.scenario}"
    out = Path(args.out) / name
    write_netcdf(ds, out / "results.nc")
    atomic_write(out / "summary.csv", lambda p: p.write_text(to_csv_text(result), encoding="utf-8"))
    result["outputs"] = {"dir": str(out), "results": str(out / "results.nc"), "summary": str(out / "summary.csv")}
    if args.json:
        print(json.dumps(result))
    else:
        _print_table(result)
        print(f"written: {out / 'results.nc'}, {out / 'summary.csv'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="mkba", description="Monte Carlo MKBA of social neighbourhood teams.")
    parser.add_argument("--version", action="version", version=f"mkba {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a study (default: the bundled Steenwijkerland forward look)")
    p.add_argument("study", nargs="?", help="study file (TOML); default: the bundled default study")
    p.add_argument("--draws", type=_positive_int, help="number of draws (default: the study's)")
    p.add_argument("--seed", type=_seed, help="random seed (default: the study's)")
    p.add_argument("--sampler", choices=("mc", "lhs"), help="plain Monte Carlo or Latin hypercube")
    p.add_argument("--chunk-size", type=_positive_int, help="draws evaluated at once (memory vs speed)")
    p.add_argument("--scenario", default="base", help="named scenario of the study (default: base)")
    p.add_argument("--store", choices=("auto", "full", "lean"), default="auto",
                   help="full keeps npv per draw × line × actor and the inputs; lean keeps per-draw lines "
                        "and totals only (auto: full up to 200,000 draws)")
    p.add_argument("--out", default="outputs", help="output folder (default: outputs/)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a study file and list every problem")
    p.add_argument("study", help="study file (TOML)")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except StudyError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
