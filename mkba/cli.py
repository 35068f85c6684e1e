"""The ``mkba`` command. It only parses arguments and calls the public API.

Exit codes: 0 success, 2 bad input (study file or arguments), 1 unexpected failure.

Only the standard library is imported at the top: ``mkba --help`` and argument errors answer at
once, and each command imports what it needs (``validate`` the schema, ``run`` xarray, ``batch`` Dask).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:  # pragma: no cover
    from .simulator.study import Study

__all__ = ["main"]


class UsageError(Exception):
    """A command-line problem reported as one line with exit code 2."""


def _load(path: str | None, raw: dict[str, Any] | None = None) -> Study:
    """The study at ``path`` (default: the bundled default study); ``raw``: its tables, when already read."""
    from .simulator.study import Study, default_study_path

    if path and raw is None:
        raw = _read(path)
    if path and raw is not None and "batch" in raw:
        raise UsageError(f"{path} is a batch file (it has a [batch] table), not a study: run it with "
                         f"`mkba batch {path}`")
    # the file is parsed once (an unreadable one again by from_toml, which says why)
    study = Study.from_dict(raw, source=str(path)) if path and raw is not None else \
        Study.from_toml(path if path else default_study_path())
    for w in study.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return study


def _whole(minimum: int, note: str = "", below: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum`` (and < ``below``; "1_000_000" allowed), else a
    one-line error."""

    def parse(text: str) -> int:
        if len(text) > 40:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:20]!r}... ({len(text)} characters)")
        try:
            v = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}{note}, got {v}")
        if below is not None and v >= below:
            raise argparse.ArgumentTypeError(f"must be < {below:,}, got {v:,}")
        return v

    return parse


_positive_int = _whole(1)
_seed = _whole(0, below=2**63)
_workers = _whole(0, " (0 = in this process, no Dask)")


def _positive_float(text: str) -> float:
    try:
        v = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return v


def _quantile_range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH (e.g. 0.005,0.995), got {text!r}") from None
    if not 0.0 <= lo < hi <= 1.0:
        raise argparse.ArgumentTypeError(f"need 0 <= LOW < HIGH <= 1, got {text}")
    return lo, hi


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="draw", unit_scale=True, file=sys.stderr, leave=False)
    return bar, bar.update


def _read(path: str) -> dict[str, Any] | None:
    """The tables of a TOML file, or None when it cannot be read or parsed (the loader reports why)."""
    from .simulator.study import StudyError, read_toml

    try:
        return read_toml(path)
    except StudyError:
        return None


def _file_kind(path: str, raw: dict[str, Any] | None = None) -> str:
    """"batch" (a [batch] table), "study" (a [study] table) or "" (neither, or unreadable: the loader
    reports why)."""
    raw = _read(path) if raw is None else raw
    if raw is None:
        return ""
    return "batch" if "batch" in raw else "study" if "study" in raw else ""


def cmd_validate(args: argparse.Namespace) -> int:
    raw = _read(args.study)
    if _file_kind(args.study, raw) == "batch":  # a batch file ([batch] table): validate it and its studies
        from .simulator.batch import Batch

        batch = Batch.from_toml(args.study)
        print(f"{batch.source}: ok — batch {batch.name!r}, {len(batch.studies)} studies, {len(batch.cases)} "
              f"cases: {', '.join(f'{c.study} × {c.scenario}' for c in batch.cases)}")
        return 0
    study = _load(args.study, raw)
    params = study.parameters
    print(f"{study.source}: ok — study {study.name!r}, {len(params)} inputs ({len(params.uncertain)} uncertain, "
          f"{len(params.correlations)} rank correlations), scenarios: {', '.join(study.scenarios) or 'none'}")
    return 0


def cmd_studies(args: argparse.Namespace) -> int:
    from .simulator.study_format import study_rows

    rows = study_rows()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    wn = max(len("name"), *(len(r["name"]) for r in rows))
    wm = max(len("municipality"), *(len(r["municipality"]) for r in rows))
    print(f"{'name':<{wn}}  {'municipality':<{wm}}  title")
    for r in rows:
        print(f"{r['name']:<{wn}}  {r['municipality']:<{wm}}  {r['title']}")
    print("copy one: mkba new NAME --from STUDY; an empty commented study: mkba new NAME")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    import re
    import tomllib

    from .simulator.results import atomic_write
    from .simulator.schema import NAME_MAX, NAME_PATTERN
    from .simulator.study import Study
    from .simulator.study_format import new_study

    if not re.match(NAME_PATTERN, args.name) or len(args.name) > NAME_MAX:
        raise UsageError(f"NAME {args.name!r}: use letters, digits, '_', '.' and '-' (at most {NAME_MAX} "
                         "characters), starting with a letter or digit")
    path = Path(args.out) / f"{args.name}.toml"
    if path.exists():
        raise UsageError(f"{path} exists; choose another NAME or --out folder (mkba never overwrites a study)")
    try:
        text = new_study(args.name, args.from_)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    Study.from_dict(tomllib.loads(text), source=str(path))  # what we write validates (StudyError otherwise)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    what = f"a copy of {args.from_}" if args.from_ else "every block and key, commented"
    print(f"written: {path} ({what}); check it with `mkba validate {path}`, run it with `mkba run {path}`")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .simulator.study_format import json_schema

    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


def _default_max_draws() -> int:
    from .simulator.convergence import DEFAULT_MAX_DRAWS

    return DEFAULT_MAX_DRAWS


def _check_size(study: Study, draws: int, store: str, out: str, flag: str, *, memory: bool = True) -> None:
    """Refuse up front what memory or disk cannot hold, with the estimate (not a MemoryError later).
    ``memory``: whether the draws pass through memory as a whole (``--precision`` keeps them, the report
    reads per-draw series); a streamed ``--no-report`` run needs only the disk."""
    from .simulator.results import store_mode
    from .simulator.sizes import SizeError, check_run_size, per_draw_bytes

    mode = store_mode(store)
    try:
        # memory: the stored draws; disk: results.nc holds about the same bytes
        hint = "use fewer draws" + (", --store lean" if mode == "full" else "") + ", or mkba batch, which keeps " \
            "its tasks on disk"
        check_run_size(draws, per_draw_bytes(study, mode), out=out, hint=hint, memory=memory)
    except SizeError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _run_into(folder: Path, run_id: str, study: Study, draws: int | None,
              args: argparse.Namespace, started: list[Any] | None = None) -> tuple[dict[str, Any], Any]:
    """Simulate and write results.nc, summary.csv and the report into ``folder`` (a staging folder); the
    report's chart worker, if one is started, is appended to ``started`` (the caller closes it)."""
    from concurrent.futures import ThreadPoolExecutor

    from .outputs.summary import Summary, summarise, to_csv_text
    from .simulator.results import atomic_write, simulate_to_netcdf, write_netcdf

    worker = started[0] if started else None  # the report's helper, forked by cmd_run
    report = None
    if not args.no_report:
        from .outputs.report import start_report

        # what the report needs of the study alone (the tornado) begins now: the helper draws it meanwhile
        report = start_report(study, folder, lang=args.lang, svg=args.svg, worker=worker)
    bar, update = _progress(draws, not args.json)
    conv = None
    results = folder / "results.nc"
    summ: list[Summary] = []

    def observe(skeleton: Any) -> Callable[[Any], None]:
        summ.append(Summary(skeleton))
        return summ[0].add

    try:
        if args.precision is not None:
            from .simulator.convergence import DEFAULT_MAX_DRAWS, converge

            ds, conv = converge(study, precision=args.precision, max_draws=args.max_draws or DEFAULT_MAX_DRAWS,
                                seed=args.seed, sampler=args.sampler, chunk_size=args.chunk_size, store=args.store,
                                progress=update, watch=_watch_list(args), prob_precision=args.prob_precision)
        else:
            # Streamed: each block goes to results.nc and into the summary as it is computed, so
            # memory stays flat at any number of draws.
            simulate_to_netcdf(study, results, draws=args.draws, seed=args.seed, sampler=args.sampler,
                               chunk_size=args.chunk_size, store=args.store, progress=update, observe=observe,
                               attrs={"run_id": run_id})
    finally:
        if bar is not None:
            bar.close()
    if conv is not None:
        ds.attrs["run_id"] = run_id
        # Writing results.nc is mostly I/O outside the GIL: overlap it with the summary statistics.
        with ThreadPoolExecutor(1) as pool:
            written = pool.submit(write_netcdf, ds, results)
            result = summarise(ds)
            written.result()
    if report is not None:
        report.results_written(results)  # the helper draws the charts from it while this process goes on
    if conv is None:
        result = summ[0].result(lambda: _blocks_from(results))
        if "plan" in result and "investment" not in result["plan"]:
            import xarray as xr

            from .outputs.plan import plan_flows

            with xr.open_dataset(results, engine="h5netcdf") as written:  # the bands streamed with the draws
                result["plan"].update(plan_flows(written) or {})
    result["run_id"] = run_id
    if conv is not None:
        result["convergence"] = conv.to_dict()
    atomic_write(folder / "summary.csv", lambda p: p.write_text(to_csv_text(result), encoding="utf-8"))
    result["outputs"] = {"dir": str(folder), "results": str(folder / "results.nc"),
                         "summary": str(folder / "summary.csv")}
    if not args.no_report:
        from .outputs.report import write_report

        # the report reuses the run's summary: one set of numbers, computed once
        opts = {"lang": args.lang, "study": study, "svg": args.svg, "excel_draws": args.excel_draws,
                "progress": not args.json, "summary": result, "worker": worker, "results_file": results,
                "start": report}
        if conv is not None:
            result["outputs"].update(write_report(ds, folder, **opts))
        else:
            import xarray as xr

            with xr.open_dataset(results, engine="h5netcdf") as ds:  # read as the report needs it
                result["outputs"].update(write_report(ds, folder, **opts))
    return result, conv


def _blocks_from(path: Path) -> Any:
    """The draws of a results file, block by block (a summary's rare second pass)."""
    import xarray as xr

    from .outputs.summary import blocks_of

    with xr.open_dataset(path, engine="h5netcdf") as ds:
        yield from blocks_of(ds)


def _watch_list(args: argparse.Namespace) -> tuple[str, ...]:
    from .simulator.convergence import DEFAULT_WATCH

    if not args.watch:
        return DEFAULT_WATCH
    return tuple(dict.fromkeys(t.strip() for w in args.watch for t in w.split(",") if t.strip()))


def _chart_worker(args: argparse.Namespace) -> Any:
    """The report's chart process (None with --no-report, or where it cannot help), forked as soon as numpy
    and xarray are loaded (both processes need them): it imports matplotlib and python-docx on the other
    core while this process loads the study and simulates (at 20,000 draws the simulation itself takes a
    few hundredths of a second: the start-up is the time there is to overlap). ``MKBA_CHART_WORKER=0``:
    never (draw in this process); ``=1``: also when no core looks idle."""
    import os

    choice = os.environ.get("MKBA_CHART_WORKER", "")
    if args.no_report or choice == "0":
        return None
    from .outputs.chart_worker import ChartWorker

    return ChartWorker.start(idle_core=choice != "1")


def cmd_run(args: argparse.Namespace) -> int:
    started: list[Any] = []  # the report's chart worker, if one is started
    try:
        return _cmd_run(args, started)
    finally:
        for worker in started:
            worker.close()


def _cmd_run(args: argparse.Namespace, started: list[Any]) -> int:
    from .outputs.console import lang_of, written_line  # numpy and xarray: the chart worker inherits them

    worker = _chart_worker(args)  # before any thread runs (the progress bar and the engine start some)
    if worker is not None:
        started.append(worker)

    if args.max_draws is not None and args.precision is None:
        raise UsageError("--max-draws needs --precision")
    if (args.watch or args.prob_precision is not None) and args.precision is None:
        raise UsageError("--watch and --prob-precision need --precision")
    root = _load(args.study)
    study = root.scenario(args.scenario)
    if args.precision is not None:
        from .simulator.convergence import PROB_PRECISION, check_watch

        if (args.sampler or study.spec.simulation.sampler) != "mc":
            raise UsageError("--precision needs --sampler mc: a Latin hypercube or Sobol' design has a fixed "
                             "number of draws and cannot grow until a confidence interval is narrow enough")
        args.prob_precision = PROB_PRECISION if args.prob_precision is None else args.prob_precision
        if not 0 < args.prob_precision < 0.5:
            raise UsageError(f"--prob-precision must lie strictly between 0 and 0.5, got {args.prob_precision:g}")
        try:
            check_watch(study, _watch_list(args))
        except ValueError as exc:
            raise UsageError(f"--watch: {exc}") from None
    draws = None if args.precision is not None else args.draws or study.spec.simulation.draws
    if draws is not None:
        from .simulator.engine import check_design_size

        try:
            check_design_size(args.sampler or study.spec.simulation.sampler, draws)
        except ValueError as exc:
            raise UsageError(f"--draws: {exc}") from None
    _check_size(study, draws or args.max_draws or _default_max_draws(), args.store, args.out,
                "--draws" if draws else "--max-draws", memory=draws is None or not args.no_report)
    name = study.name if args.scenario == "base" else f"{study.name}--{args.scenario}"
    from .outputs.folder import FolderBusy, output_folder

    try:
        with output_folder(Path(args.out), name, overwrite=args.overwrite) as stage:
            result, conv = _run_into(stage.path, stage.run_id, study, draws, args, started)
    except FolderBusy as exc:
        raise UsageError(f"{Path(args.out) / name}: {exc} is writing this output folder; wait for it to finish "
                         "or choose another --out") from None
    out = stage.final
    result["outputs"] = {k: v.replace(str(stage.path), str(out)) if isinstance(v, str) else v
                         for k, v in result["outputs"].items()}
    if args.json:
        from .outputs.summary import json_ready

        print(json.dumps(json_ready(result)))  # an undefined ratio is null, never NaN
    else:
        _print_run(result, conv, root, study, args.lang)
        print(written_line([out / "results.nc", out / "summary.csv", *([] if args.no_report else [
            out / "report.html", out / "report.md", out / "report.docx", out / "summary.xlsx"])],
            lang_of(args.lang, study.spec.study.language)))
    return 0


def _print_run(result: dict[str, Any], conv: Any, root: Study, study: Study, lang: str | None) -> None:
    """The console view of a run in the report language: lines, budget view, plan, convergence."""
    from .outputs.console import budget_lines, convergence_lines, lang_of, plan_lines, run_lines

    language = lang_of(lang, study.spec.study.language)
    title = root.spec.study.title or root.name
    if study.scenario_name != "base":
        title += " — " + root.scenario_title(study.scenario_name)
    own = study.options.item_labels
    lines = run_lines(result, language, title=title, own=own) + budget_lines(result, language)
    lines += plan_lines(result, language)  # the base-case investments and savings are in the summary
    if conv is not None:
        lines += convergence_lines(conv, language, own)
    print("\n".join(lines))


def _batch_report(args: argparse.Namespace) -> int:
    from .outputs.folder import FolderBusy, staged_files
    from .outputs.report import ReportInputError
    from .outputs.report.batch import open_batch_results, write_batch_report

    if args.study:
        raise UsageError("--study: a batch result names its studies itself; --study is for one run's results.nc")
    try:
        ds = open_batch_results(args.results)
    except ReportInputError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out) if args.out else Path(args.results).parent
    try:
        with staged_files(out, "report") as tmp:
            written = write_batch_report(ds, tmp, lang=args.lang)
    except FolderBusy as exc:
        raise UsageError(f"{out}: {exc} is writing a report into this folder; wait for it to finish") from None
    written = {k: v.replace(str(tmp), str(out)) for k, v in written.items()}
    from .outputs.console import written_line
    from .outputs.report.batch import batch_report_language

    print(written_line([written[k] for k in ("report_html", "report_md", "report_docx", "charts") if k in written],
                       batch_report_language(ds, args.lang)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .outputs.report import ReportInputError, locate_study, open_results, write_report
    from .outputs.report.batch import is_batch_path

    if is_batch_path(args.results):  # a batch's results.zarr (or results.nc): one report of every case
        return _batch_report(args)

    try:
        ds = open_results(args.results)
    except ReportInputError as exc:
        raise UsageError(str(exc)) from None
    if args.study and not Path(args.study).is_file():
        raise UsageError(f"--study: no such file: {args.study}")
    lookup = locate_study(ds, args.study, results_file=args.results)
    if lookup.study is None:  # say so here too: the report's note is easy to miss
        what = {"changed": "has changed since the run (its content hash differs from the one in the results)",
                "invalid": "is no longer a valid study", "missing": "was not found"}[lookup.status]
        print(f"note: the study file {lookup.path} {what}; the report is made from the results alone, without "
              "the tornado and the scenario comparison (give the original file with --study FILE)", file=sys.stderr)
    from .outputs.folder import FolderBusy, staged_files

    out = Path(args.out) if args.out else Path(args.results).parent
    try:  # all or nothing: the report's files move into `out` only once every one is written
        with staged_files(out, "report") as tmp:
            written = write_report(ds, tmp, lang=args.lang, study=lookup.study, find_study=False,
                                   study_status=lookup.status, sensitivity_dir=Path(args.results).parent,
                                   svg=args.svg, excel_draws=args.excel_draws, progress=True)
    except FolderBusy as exc:
        raise UsageError(f"{out}: {exc} is writing a report into this folder; wait for it to finish") from None
    written = {k: v.replace(str(tmp), str(out)) for k, v in written.items()}
    from .outputs.console import written_line
    from .outputs.report import resolve_language

    print(written_line([written[k] for k in ("report_html", "report_md", "report_docx", "excel", "charts")],
                       resolve_language(ds, args.lang)))
    return 0


def _scheduler_address(text: str) -> bool:
    import re

    return re.fullmatch(r"((tcp|tls|ucx|ws|wss|inproc)://)?[A-Za-z0-9_.\-\[\]:]+:\d{1,5}/?", text) is not None


def cmd_batch(args: argparse.Namespace) -> int:
    from .outputs.batch_summary import (batch_csv_text, batch_language, format_batch_table, summarise_batch,
                                        write_batch_chart)
    from .simulator.batch import Batch
    from .simulator.cluster import run_batch
    from .simulator.results import atomic_write

    if _file_kind(args.batch) == "study":
        raise UsageError(f"{args.batch} is a study file (it has a [study] table), not a batch file: run it with "
                         f"`mkba run {args.batch}`, or list it under [[studies]] in a batch file")
    if args.scheduler is not None and not _scheduler_address(args.scheduler):
        raise UsageError(f"--scheduler: {args.scheduler!r} is not a scheduler address; write it as "
                         "tcp://host:8786 (or tls://host:8786, host:8786)")
    batch = Batch.from_toml(args.batch).with_options(draws=args.draws, seed=args.seed, sampler=args.sampler,
                                                     store=args.store, task_size=args.task_size)
    from .simulator.engine import check_design_size

    try:
        check_design_size(batch.sampler, batch.draws)
    except ValueError as exc:
        raise UsageError(f"--draws: {exc}") from None
    from .simulator.sizes import SizeError, check_run_size, per_draw_bytes

    try:  # task files and the combined result each hold every draw of every case: disk, not memory
        check_run_size(batch.draws * len(batch.cases), per_draw_bytes(batch.studies[0][1], batch.mode),
                       out=args.out, memory=False, disk_factor=2.0, what="draws (all cases)")
    except SizeError as exc:
        raise UsageError(f"--draws: {exc}") from None
    bar: Any = None

    def on_start(total: int, done: int) -> None:
        nonlocal bar
        if done and args.resume:
            print(f"resuming {batch.name}: {done} of {total} tasks already done, computing {total - done}",
                  file=sys.stderr)
        if not args.json and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=batch.draws * len(batch.cases), unit="draw", unit_scale=True, file=sys.stderr,
                       leave=False, desc=batch.name)

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        res = run_batch(batch, args.out, workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                        fmt=args.format, progress=progress, on_start=on_start, keep_tasks=args.keep_tasks,
                        warn=lambda message: print(f"warning: {message}", file=sys.stderr), dashboard=args.dashboard)
    finally:
        if bar is not None:
            bar.close()
    with res.open() as ds:
        lang = args.lang or batch_language(ds)
        rows = summarise_batch(ds, lang)
    csv_path = res.root / "summary.csv"
    atomic_write(csv_path, lambda p: p.write_text(batch_csv_text(rows), encoding="utf-8"))
    charts = [] if args.no_chart else write_batch_chart(rows, res.root, lang=lang)
    outputs = {"dir": str(res.root), "results": str(res.results), "manifest": str(res.manifest),
               "summary": str(csv_path), "charts": [str(c) for c in charts]}
    if args.json:
        from .outputs.summary import json_ready

        print(json.dumps(json_ready({"batch": batch.name, "batch_file": batch.source, "draws": batch.draws, "seed": batch.seed,
                          "sampler": batch.sampler, "store": batch.mode, "task_size": batch.task_size,
                          "executor": res.executor, "seconds": round(res.seconds, 3),
                          "tasks": {"total": res.total, "computed": res.computed, "reused": res.reused},
                          "cases": rows, "outputs": outputs})))
    else:
        from .outputs.console import batch_head, written_line

        print(batch_head(batch.spec.batch.title or batch.name, len(batch.cases), batch.draws, batch.seed, batch.sampler,
                         res.computed, res.reused, res.seconds, lang))
        print(format_batch_table(rows, lang), end="")
        print(written_line([res.results, csv_path, *charts], lang))
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from . import sensitivity as sa
    from .outputs.sensitivity_report import SensitivityCharts, ranking_table, write_sensitivity

    study = _load(args.study)
    where = f"sensitivity --method {args.method}"
    try:  # the target first: a typo should not cost a whole design's worth of model runs
        sa.extract(study.model(study.parameters.base_inputs()), args.target)
    except ValueError as exc:
        raise UsageError(f"--target: {exc}") from None
    if args.groups and args.method not in ("sobol", "morris"):
        raise UsageError(f"--groups: {args.method} has no grouped indices; use --method sobol or morris")
    if args.n is not None:  # a design of n (2k + 2) evaluations at most (Saltelli with second order)
        from .simulator.sizes import SizeError, check_run_size, per_draw_bytes

        k = len(study.parameters.uncertain)
        try:
            check_run_size(args.n * (2 * k + 2), per_draw_bytes(study, "full") + 8 * k, out=None,
                           what="model evaluations", hint="use a smaller --n")
        except SizeError as exc:
            raise UsageError(f"--n: {exc}") from None
    lang = study.spec.study.language
    own = study.options.item_labels.get(args.target) if args.target in study.model.items else None
    title = list(own) if own else None
    # A forked helper draws every chart while the analysis runs here; for a global method it also
    # computes the one-way values (2k + 1 model rows and the spider's), so this process does only the
    # analysis. --method oneway: the one-way values are the analysis (and the switching values too).
    with SensitivityCharts(lang=lang, svg=args.svg, study=study) as charts:
        try:
            if args.method == "oneway":
                ow = sa.oneway_study(study, target=args.target)
                sp = sa.spider(study.model, study.parameters, target=args.target)
                sw = sa.switching_values(study.model, study.parameters, target=args.target)
                for d in (ow, sp, sw) if own else ():  # an own line: the charts name it by its title
                    d.attrs["target_title"] = json.dumps(title)
                charts.oneway(ow, sp)
                ds = sa.flag_independence(sa.oneway_indices(ow), study.parameters)
                base_target = float(ow.attrs["base_target"])
            else:
                charts.oneway_of(args.target, title)
                sw = None
                extra = {"quantile_range": args.quantile_range} if args.method == "morris" else {}
                ds = sa.analyse_study(study, method=args.method, target=args.target, n=args.n, seed=args.seed,
                                      groups=args.groups, **extra)
                base_target = charts.base_target()
        except ValueError as exc:
            raise UsageError(f"{where}{f' --n {args.n}' if args.n else ''}: {exc}") from None
        charts.indices(ds.assign_attrs(target_title=json.dumps(title)) if own else ds)
        from .outputs.folder import FolderBusy, output_folder
        from .outputs.sensitivity_report import sensitivity_stem

        # its own all-or-nothing folder, named by method, grouping and target: results never overwrite others
        stem = sensitivity_stem(args.method, args.groups, args.target)
        name = f"{study.name}.{stem}"
        try:
            with output_folder(Path(args.out), name, overwrite=args.overwrite) as stage:
                ds.attrs.update(run_id=stage.run_id, study_hash=study.content_hash, groups=int(bool(args.groups)))
                if own:
                    ds.attrs["target_title"] = json.dumps(list(own))
                written = write_sensitivity(stage.path, ds, switching=sw, lang=lang, stem=stem, charts=charts)
        except FolderBusy as exc:
            raise UsageError(f"{Path(args.out) / name}: {exc} is writing this output folder; wait for it to finish "
                             "or choose another --out") from None
    written = [stage.final_of(p) for p in written]
    if args.json:
        print(json.dumps(sa.to_json(ds)))
        return 0
    print(f"{study.name}: {args.method} sensitivity of {args.target}, {int(ds.attrs['n_evaluations']):,} model "
          f"evaluations, ranked by {ds.attrs['rank_by']} (base {args.target} = "
          f"{base_target:,.{3 if args.target.startswith('bc_') else 0}f})")
    for note in sa.method_notes(ds):
        print(f"note: {note}")
    print(ranking_table(ds, switching=sw if args.method == "oneway" else None), end="")
    print("written: " + ", ".join(map(str, written)))
    return 0


def _finite_json(v: Any) -> Any:
    """NaN and infinities as null: the printed object is strict JSON."""
    if isinstance(v, float):
        return v if v == v and abs(v) != float("inf") else None
    if isinstance(v, dict):
        return {k: _finite_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite_json(x) for x in v]
    return v


def _alternative_studies(study: Study, names: list[str]) -> dict[str, Study]:
    """Each alternative: ``base``, a scenario of ``study``, or another study file (all checked before the
    first draw; they are simulated with the same seed, so on the same draws)."""
    studies: dict[str, Study] = {}
    for name in names:
        if name in ("base", *study.scenarios):
            studies[name] = study.scenario(name)
        elif name.endswith(".toml") and Path(name).is_file():
            other = _load(name)
            label = other.name if other.name not in studies and other.name not in study.scenarios else name
            studies[label] = other  # named by its study name (a path is no label for a report)
        else:
            raise UsageError(f"--alternatives: {name!r} is not a scenario of {study.source} "
                             f"(available: {', '.join(['base', *study.scenarios])}) nor a study file")
    if len(studies) < 2:
        raise UsageError("--alternatives: give at least two different alternatives")
    return studies


def _print_decision(a: Any, lang: str, title: str, titles: dict[str, str] | None = None) -> None:
    """The decision in the report's words and tables (the section "Besluit en onzekerheid"), in ``lang``."""
    from .decision.analysis import CORRELATION_NOTE
    from .decision.section import section_blocks, target_label
    from .outputs.console import blocks_lines, decision_head

    language = "nl" if lang == "nl" else "en"
    print(decision_head(title, target_label(a.target, language), a.draws, a.seed, language))
    print("\n".join(blocks_lines(section_blocks(a, language, titles))))
    for note in a.notes:
        if note != CORRELATION_NOTE:  # the section says it in the reader's language
            print(("let op: " if language == "nl" else "note: ") + note)


def cmd_decide(args: argparse.Namespace) -> int:
    from .decision import TargetError, analyse, parse_grid
    from .decision.acceptability import GridError, value_lines
    from .decision.analysis import QALY_VALUE
    from .decision.targets import check_target
    from .simulator.results import FULL_LIMIT, atomic_write, simulate, write_netcdf

    # every argument is checked before the first draw, and nothing is written before all is computed
    try:
        grid = parse_grid(args.qaly_values)
    except GridError as exc:
        raise UsageError(f"--qaly-values: {exc}") from None
    root = _load(args.study)
    study = root.scenario(args.scenario)
    try:
        check_target(args.target, study.options.items)
    except TargetError as exc:
        raise UsageError(f"--target: {exc}") from None
    draws = args.draws or study.spec.simulation.draws
    if draws > FULL_LIMIT:
        raise UsageError(f"--draws: decide keeps every draw's inputs and actor split; at most {FULL_LIMIT:,}, "
                         f"got {draws:,}")
    alt_names = [n.strip() for n in args.alternatives.split(",") if n.strip()] if args.alternatives else []
    if args.alternatives is not None and not alt_names:
        raise UsageError("--alternatives: the list is empty")
    alt_studies = _alternative_studies(root, alt_names) if alt_names else {}
    seed = study.spec.simulation.seed if args.seed is None else args.seed
    runs = {k: simulate(s, draws=draws, seed=seed, store="full") for k, s in alt_studies.items()} or None
    ds = simulate(study, draws=draws, seed=args.seed, store="full")
    a = analyse(ds, target=args.target, grid=grid, alternatives=runs, correlated=bool(study.parameters.correlations),
                qaly_lines=value_lines(QALY_VALUE, study.options.own_lines),
                alternative_lines={k: value_lines(QALY_VALUE, s.options.own_lines) for k, s in alt_studies.items()})
    lang = args.lang or ("nl" if study.spec.study.language == "nl" else "en")
    result = _finite_json(a.to_json())

    from .outputs.charts import save_figure
    from .outputs.decision_charts import plot_acceptability, plot_frontier

    from .outputs.folder import FolderBusy, output_folder

    # its own all-or-nothing folder, named by scenario and target: a result never overwrites another
    name = study.name + ("" if args.scenario == "base" else f"--{args.scenario}") + ".decision" + (
        "" if args.target == "saldo" else "-" + "".join(c if c.isalnum() or c in "_." else "-" for c in args.target))
    text = json.dumps(result, ensure_ascii=False, indent=1)
    try:
        with output_folder(Path(args.out), name, overwrite=args.overwrite) as stage:
            nc = a.to_dataset()
            nc.attrs["run_id"] = stage.run_id
            write_netcdf(nc, stage.path / "decision.nc")
            atomic_write(stage.path / "decision.json", lambda p: p.write_text(text + "\n", encoding="utf-8"))
            written = [stage.path / "decision.nc", stage.path / "decision.json"]
            if a.acceptability is not None:
                ax = plot_acceptability(a.acceptability, lang=lang)  # type: ignore[arg-type]
                written += list(save_figure(ax.figure, stage.path / "charts" / "acceptability").values())
            if a.alternatives is not None and a.alternatives.frontier is not None:
                ax = plot_frontier(a.alternatives, lang=lang)  # type: ignore[arg-type]
                written += list(save_figure(ax.figure, stage.path / "charts" / "frontier").values())
    except FolderBusy as exc:
        raise UsageError(f"{Path(args.out) / name}: {exc} is writing this output folder; wait for it to finish "
                         "or choose another --out") from None
    written = [stage.final_of(p) for p in written]
    if args.json:
        print(json.dumps(result))
        return 0
    from .outputs.console import written_line

    title = root.spec.study.title or root.name
    if args.scenario != "base":
        title += " — " + root.scenario_title(args.scenario)
    titles = {k: (root.scenario_title(k) if k in root.scenarios else s.spec.study.title or k)
              for k, s in alt_studies.items() if k != "base"}
    titles["base"] = "basis" if lang == "nl" else "base"
    _print_decision(a, lang, title, titles)
    print(written_line(written, "nl" if lang == "nl" else "en"))
    return 0


class _Retry(Exception):
    """An argument error met by the parser of one command: parse again with the whole parser."""


class _OneCommandParser(argparse.ArgumentParser):
    """A parser with only the command being run (``build_parser(only=...)``); its argument errors are
    reported by the whole parser instead, so they read exactly as they always do."""

    def error(self, message: str) -> NoReturn:
        raise _Retry(message)


class _OnlyOne:
    """The sub-command action, building the parser of ``name`` only: a stand-in takes the other commands'
    arguments (~70 of them, each with argparse's formatter and translation look-ups: a few ms of every
    start)."""

    def __init__(self, sub: Any, name: str) -> None:
        self._sub, self._name = sub, name

    def add_parser(self, name: str, **kw: Any) -> Any:
        if name != self._name:
            return _Ignored()
        kw.setdefault("formatter_class", _Formatter)
        return self._sub.add_parser(name, **kw)


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter at the width it takes by itself, found without importing ``shutil`` (with
    bz2, lzma and zlib: ~1 ms of a start; argparse builds a formatter for every argument it adds), by the
    rule of ``shutil.get_terminal_size``: $COLUMNS, else the terminal of stdout, else 80 columns."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            import os

            try:
                width = int(os.environ["COLUMNS"])
            except (KeyError, ValueError):
                width = 0
            if width <= 0:
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
                except (AttributeError, ValueError, OSError):
                    width = 80
            width -= 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Ignored:
    def __getattr__(self, attr: str) -> Any:
        return lambda *args, **kw: self


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; ``only``: with that command's parser only (the whole one if there is no
    such command)."""
    from . import __version__

    parser = (_OneCommandParser if only else argparse.ArgumentParser)(
        prog="mkba", description="Monte Carlo MKBA of social neighbourhood teams.",
        formatter_class=_Formatter if only else argparse.HelpFormatter)
    parser.add_argument("--version", action="version", version=f"mkba {__version__}")
    sub: Any = parser.add_subparsers(dest="command", required=True)
    if only:
        sub = _OnlyOne(sub, only)

    p = sub.add_parser("run", help="run a study (default: the bundled Steenwijkerland forward look)")
    p.add_argument("study", nargs="?", help="study file (TOML); default: the bundled default study")
    how_many = p.add_mutually_exclusive_group()
    how_many.add_argument("--draws", type=_positive_int, help="number of draws (default: the study's)")
    how_many.add_argument("--precision", type=_positive_float, metavar="EUROS",
                          help="draw blocks of 65,536 until, with 95 %% confidence, the P5, P50 and P95 of each "
                               "watched amount lie within ± EUROS and each watched P(ratio > 1) within "
                               "± --prob-precision (reports the draws used and the half-widths reached)")
    p.add_argument("--watch", action="append", metavar="TARGETS",
                   help="--precision: comma-separated targets (default saldo,bc_social,bc_financial,bc_municipal; "
                        "any total, ratio, line or actor:NAME)")
    p.add_argument("--prob-precision", type=_positive_float, metavar="P",
                   help="--precision: half-width for each P(ratio > 1) (default 0.005)")
    p.add_argument("--max-draws", type=_positive_int,
                   help="cap for --precision (default: 10,000,000)")
    p.add_argument("--seed", type=_seed, help="random seed (default: the study's)")
    p.add_argument("--sampler", choices=("mc", "lhs", "sobol"),
                   help="plain Monte Carlo, Latin hypercube (stratified for any draws) or scrambled Sobol' "
                        "quasi-Monte Carlo (a power of 2 draws)")
    p.add_argument("--chunk-size", type=_positive_int, help="draws evaluated at once (memory vs speed)")
    p.add_argument("--scenario", default="base", help="named scenario of the study (default: base)")
    p.add_argument("--store", choices=("auto", "full", "lean"), default="auto",
                   help="lean (auto, any number of draws): per draw the totals, ratios, lines and each actor's "
                        "costs and benefits, with the cash-flow bands; full adds per draw the npv per line × "
                        "actor, the cash flows per line × year and the sampled inputs")
    p.add_argument("--out", default="outputs",
                   help="output folder (default: outputs/); writes DIR/<study>[--<scenario>]/, or <name>-2, -3, … "
                        "when that folder exists")
    p.add_argument("--overwrite", action="store_true",
                   help="replace DIR/<study>[--<scenario>]/ if it exists (in one swap at the end)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--no-report", action="store_true",
                   help="skip report.md, report.html, report.docx, summary.xlsx and the charts")
    p.add_argument("--lang", choices=("nl", "en"), help="report language (default: the study's language)")
    p.add_argument("--svg", action="store_true", help="also write the charts as SVG (default: PNG only)")
    p.add_argument("--excel-draws", type=_whole(0, " (0 = no draws sheet)"), default=1_000, metavar="N",
                   help="draws in the workbook's draws sheet (default 1,000; 0 = none)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("report", help="(re)write the report of saved results (report.md/.html, summary.xlsx, charts)")
    p.add_argument("results", help="results.nc written by mkba run, or a batch result (results.zarr or results.nc of mkba batch)")
    p.add_argument("--lang", choices=("nl", "en"), help="report language (default: the study's language)")
    p.add_argument("--svg", action="store_true", help="also write the charts as SVG (default: PNG only)")
    p.add_argument("--excel-draws", type=_whole(0, " (0 = no draws sheet)"), default=1_000, metavar="N",
                   help="draws in the workbook's draws sheet (default 1,000; 0 = none)")
    p.add_argument("--out", help="output folder (default: the folder of RESULTS)")
    p.add_argument("--study", help="the study file, if it moved (default: the file the results record, if it "
                                   "is unchanged)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("batch", help="run a batch of studies × scenarios on Dask (resumable)")
    p.add_argument("batch", help="batch file (TOML): studies, scenarios and grids")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers,
                       help="LocalCluster of N worker processes (default: one per core; 0 = in this process)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--draws", type=_positive_int, help="draws per study × scenario (default: the batch file's)")
    p.add_argument("--seed", type=_seed, help="random seed (default: the batch file's)")
    p.add_argument("--sampler", choices=("mc", "lhs", "sobol"),
                   help="plain Monte Carlo, Latin hypercube (stratified for any draws) or scrambled Sobol' "
                        "quasi-Monte Carlo (a power of 2 draws)")
    p.add_argument("--store", choices=("auto", "full", "lean"),
                   help="full also keeps npv per draw × line × actor and a plan's flows per actor; lean "
                        "(auto, the default) per-draw totals, lines and actor totals")
    p.add_argument("--task-size", type=_positive_int,
                   help="draws per task (default 65,536; does not change the numbers)")
    p.add_argument("--out", default="outputs", help="output folder (default: outputs/); writes DIR/<batch>/")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run: compute only missing tasks")
    p.add_argument("--dashboard", action="store_true",
                   help="serve the Dask dashboard of the local cluster (on 127.0.0.1, a free port; default: none)")
    p.add_argument("--keep-tasks", action="store_true",
                   help="keep the task files after the combined result is written (default: removed)")
    p.add_argument("--format", choices=("zarr", "netcdf"), default="zarr", help="combined result (default zarr)")
    p.add_argument("--no-chart", action="store_true", help="skip the PNG/SVG scenario chart")
    p.add_argument("--lang", choices=("nl", "en"),
                   help="language of the console table, the case titles and the chart (default: Dutch when every study is)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("sensitivity", help="which inputs drive a result: Sobol, Morris, FAST, δ, PAWN, one-way")
    p.add_argument("study", nargs="?", help="study file (TOML); default: the bundled default study")
    p.add_argument("--method", choices=("sobol", "morris", "fast", "rbd-fast", "delta", "pawn", "shapley", "oneway"),
                   default="sobol", help="method (default: sobol; shapley, delta and pawn keep the study's "
                                         "correlations, the others treat inputs as independent)")
    p.add_argument("--target", default="saldo",
                   help="saldo, costs, benefits, bc_social, bc_financial, bc_municipal, a line (e.g. escalation) "
                        "or an actor's net result (e.g. actor:jeugd); default saldo")
    p.add_argument("--n", type=_positive_int,
                   help="base sample: sobol 2048 (power of 2), morris 100 trajectories, fast 144 (k − 1) + 1 "
                        "runs per input for k inputs, rbd-fast 2048, delta/pawn 20000 draws, shapley 2000 "
                        "permutations (the defaults)")
    p.add_argument("--groups", action="store_true", help="grouped indices by input group (sobol, morris)")
    p.add_argument("--quantile-range", type=_quantile_range, default=(0.005, 0.995), metavar="LOW,HIGH",
                   help="morris: evaluate inputs with an unbounded support (normal, lognormal) on this quantile "
                        "range instead of the grid's 0 and 1 (default 0.005,0.995 = P0.5–P99.5)")
    p.add_argument("--seed", type=_seed, help="random seed (default: the study's)")
    p.add_argument("--out", default="outputs",
                   help="output folder (default: outputs/); writes DIR/<study>.sensitivity-<method>[-grouped]"
                        "[-<target>]/ (or <name>-2, … when it exists)")
    p.add_argument("--overwrite", action="store_true", help="replace that folder if it exists")
    p.add_argument("--svg", action="store_true", help="also write the tornado chart as SVG (default: PNG only)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("decide", help="decision analysis: risk of the wrong choice, EVPI, what to measure first "
                                      "(EVPPI), per actor, QALY value, alternatives, where it fails")
    p.add_argument("study", nargs="?", help="study file (TOML); default: the bundled default study")
    p.add_argument("--draws", type=_positive_int, help="number of draws (default: the study's; at most 200,000)")
    p.add_argument("--seed", type=_seed, help="random seed (default: the study's)")
    p.add_argument("--target", default="saldo",
                   help="the net benefit that decides: saldo (default), actor:NAME (e.g. actor:jeugd, "
                        "actor:municipality) or a line (e.g. escalation)")
    p.add_argument("--scenario", default="base", help="named scenario of the study (default: base)")
    p.add_argument("--alternatives", metavar="A,B,…",
                   help="compare scenarios (base, a scenario name) or other study files on the same draws")
    p.add_argument("--qaly-values", default="0:150000:5000", metavar="START:STOP:STEP",
                   help="QALY values of the acceptability curve (start:stop:step or a comma list; "
                        "default 0:150000:5000)")
    p.add_argument("--out", default="outputs",
                   help="output folder (default: outputs/); writes DIR/<study>[--<scenario>].decision[-<target>]/, "
                        "or <name>-2, -3, … when that folder exists")
    p.add_argument("--overwrite", action="store_true", help="replace that folder if it exists")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--lang", choices=("nl", "en"), help="language of the text (default: the study's)")
    p.set_defaults(func=cmd_decide)

    p = sub.add_parser("validate", help="check a study or batch file and list every problem")
    p.add_argument("study", help="study or batch file (TOML)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("studies", help="list the bundled studies (name, municipality, title)")
    p.add_argument("--json", action="store_true", help="print a JSON list (name, title, municipality, year, file)")
    p.set_defaults(func=cmd_studies)

    p = sub.add_parser("new", help="write a new study file: every key commented, or a copy of a bundled study")
    p.add_argument("name", help="study name; writes DIR/NAME.toml")
    p.add_argument("--from", dest="from_", metavar="STUDY",
                   help="copy this bundled study (see `mkba studies`) or study file instead of the template")
    p.add_argument("--out", default=".", help="folder to write to (default: the current folder)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("schema", help="print the JSON Schema (draft 2020-12) of the study format, for editors")
    p.set_defaults(func=cmd_schema)
    if only and only not in parser._subparsers._group_actions[0].choices:  # type: ignore[union-attr]
        return build_parser()
    return parser


def _hide_dask() -> None:
    """Make Dask look absent in this process (``sys.modules[name] = None`` makes ``import name`` fail).

    With the ``[cluster]`` extra installed, xarray imports ``dask.array`` for every new variable and
    ``distributed`` in ``to_netcdf`` (~0.9 s of start-up) although only ``mkba batch`` uses them. Done
    only when ``main`` runs as the program: xarray caches what it found, so a host process that calls
    ``main([...])`` (tests, notebooks) keeps its Dask.
    """
    for name in ("dask", "distributed"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _one_blas_thread() -> None:
    """Load numpy's BLAS with one thread (unless the user set its thread count). Checking a study multiplies
    matrices of a few dozen numbers (the correlations, the model probe); with a thread pool OpenBLAS starts
    its threads when numpy is imported and spins them on the first call, which cost `mkba validate` ~40 ms of
    CPU and, on a busy machine, as much wall time (measured side by side). numpy is not loaded yet here: the
    variables are read when it is."""
    import os

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _without_pydantic_plugins() -> None:
    """Run this process without pydantic plugins (``PYDANTIC_DISABLE_PLUGINS=__all__``, pydantic's own
    switch), unless the user set that variable. Plugins only observe validation (tracing, logging of
    validated data); mkba's models and results never depend on them, and pydantic's loader would scan every
    installed package's entry points before the first validation. Only when ``main`` runs as the program: a
    host process keeps its plugins."""
    import os

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _is_study_error(exc: Exception) -> bool:
    # The study module is imported only by commands that load a study; before that, no StudyError.
    study = sys.modules.get("mkba.simulator.study")
    return study is not None and isinstance(exc, study.StudyError)


def _freeze_heap() -> None:
    """The program ends now: move every object into the garbage collector's permanent generation, so the
    collection at interpreter exit does not traverse the whole heap of numpy/scipy/xarray/pydantic objects
    (measured on the 2-core VM: 0.06 → 0.01 s of exit for `mkba validate`, ~0.3 → 0.05 s for `mkba run` and
    `mkba sensitivity`). Every file is closed by then; only when ``main`` runs as the program."""
    import gc

    gc.freeze()


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, parsed by the parser of the command alone when it comes first (as it does, but for
    ``mkba --version`` and ``mkba -h``); any argument error is reported by the whole parser."""
    words = sys.argv[1:] if argv is None else list(argv)
    if words and not words[0].startswith("-"):
        try:
            return build_parser(only=words[0]).parse_args(argv)
        except _Retry:
            pass
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if argv is None and args.command in ("validate", "sensitivity"):
        # Collections over the imports' objects, which live until the program ends anyway: a few ms in
        # validate; in sensitivity (scipy.stats, SALib, xarray, pandas: about a million long-lived objects,
        # then arrays, not reference cycles) ~0.15 s of CPU that freed ~1,700 objects, for every method.
        # Only as the program: a host process calling main([...]) keeps its collector (the chart helper
        # collects in any case).
        import gc

        gc.disable()
    if argv is None and args.command == "validate":
        _one_blas_thread()
    if argv is None:
        _without_pydantic_plugins()
    if argv is None and args.command != "batch":
        _hide_dask()
    try:
        return _dispatch(args)
    finally:
        if argv is None:  # a host process calling main([...]) (tests, notebooks) keeps collecting its objects
            _freeze_heap()


def _dispatch(args: argparse.Namespace) -> int:
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # here, not at interpreter exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:
        # `mkba run | head -1`: the reader has what it wanted. Point stdout at /dev/null so the final
        # flush at exit cannot fail again, and end quietly like any Unix filter.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if _is_study_error(exc):
            for problem in exc.problems:  # type: ignore[attr-defined]
                print(f"error: {problem}", file=sys.stderr)
            return 2
        if isinstance(exc, OSError):  # e.g. an output folder that is a file, a full disk, no permission
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
