"""Build the report document from a run and write it in every format.

Order of the document: headline and the costs and benefits (the first page, with the budget view), who
pays and who gains, the charts of the distributions, the time profile, the drivers, the what-if scenarios,
the assumptions, the method and the provenance. Each section is one module; this one only puts them in
order, computes what they share once (summary, tornado, scenarios, inputs, charts) and writes the files.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xarray as xr

from ...simulator.results import atomic_write
from ..charts import draw_tornado
from ..formatting import Lang
from ..inputs import input_table, own_labels
from ..plan import plan_view
from ..plan_charts import draw_plan_budget
from ..scenarios import SCENARIO_DRAWS, scenario_comparison
from ..summary import summarise
from . import assumptions, budget, decision, drivers, figures, overview, provenance, scenarios, timeline
from .context import TORNADO_TOP, Context
from .document import Document
from .render_docx import render_docx
from .render_html import render_html
from .render_md import render_markdown
from .text import text

if TYPE_CHECKING:
    from ...simulator.study import Study
    from ..chart_worker import ChartWorker

__all__ = ["build_document", "build_report", "dependent_drivers", "report_context", "start_report", "write_report",
           "ReportStart", "resolve_language", "load_study_for", "locate_study", "StudyLookup",
           "open_results",
           "ReportInputError", "saved_sensitivity", "REQUIRED"]

SECTIONS: tuple[Callable[[Context], list[Any]], ...] = (
    overview.headline, overview.costs_benefits, budget.section, figures.section, timeline.section,
    drivers.section, decision.section, scenarios.section, assumptions.section, provenance.method,
    provenance.provenance,
)


class ReportInputError(ValueError):
    """A results file that cannot be reported on (missing, unreadable, not mkba results)."""


REQUIRED = ("costs", "benefits", "saldo", "bc_social", "bc_financial", "bc_municipal", "line", "base_npv",
            "base_cashflow", "base_saldo")


def open_results(path: str | Path) -> xr.Dataset:
    """Load a ``results.nc`` fully into memory (the file is closed again), checking it is mkba's."""
    p = Path(path)
    if not p.is_file():
        raise ReportInputError(f"{path}: no such file")
    try:
        with xr.open_dataset(p, engine="h5netcdf") as f:
            ds = f.load()
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
        raise ReportInputError(f"{path}: not a readable NetCDF file ({type(exc).__name__})") from None
    missing = [v for v in REQUIRED if v not in ds]
    if missing or "draw" not in ds.dims:
        raise ReportInputError(f"{path}: not an mkba results file (missing {', '.join(missing) or 'draw'})")
    _check_attrs(path, ds)
    expected = ds.attrs.get("data_sha256")
    if expected is not None:
        from ...simulator.results import data_checksum

        if str(expected) != data_checksum(ds):
            raise ReportInputError(f"{path}: the data do not match the checksum written with them (the file was "
                                   "changed or damaged after mkba wrote it); run mkba run again")
    return ds


_INT_ATTRS = ("draws", "seed", "block_size")
_JSON_ATTRS = ("parameters", "design")


def _check_attrs(path: str | Path, ds: xr.Dataset) -> None:
    """The provenance attrs a report reads must be what mkba writes: a file whose attrs were edited into
    something else is refused with the attr's name (never a traceback half-way through the report)."""
    import json

    import numpy as np

    a = ds.attrs
    for k in _INT_ATTRS:
        if k in a:
            v = a[k]
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) and not (
                    isinstance(v, str) and v.strip().lstrip("-").isdigit()):
                raise ReportInputError(f"{path}: attribute {k} is {v!r}, not a whole number (was the file edited?)")
    for k in _JSON_ATTRS:
        if k in a:
            try:
                parsed = json.loads(str(a[k]))
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise ReportInputError(f"{path}: attribute {k} is not the JSON table mkba writes (was the file edited?)")
    for k in ("study", "scenario", "language", "title", "municipality", "study_file", "study_hash", "run_id"):
        if k in a and not isinstance(a[k], str):
            ds.attrs[k] = str(a[k])  # text attrs: any value reads as text


def resolve_language(ds: xr.Dataset, lang: str | None = None) -> Lang:
    """``lang`` if given, else the study's language (Dutch for Dutch studies); anything else → English."""
    chosen = lang or str(ds.attrs.get("language", "nl"))
    return "nl" if chosen == "nl" else "en"


@dataclass(frozen=True)
class StudyLookup:
    """Where the study of a result was looked for and what was found there."""

    study: Study | None
    status: str  # "found", "missing" (no such file), "changed" (another hash) or "invalid" (no longer valid)
    path: str  # the file found (or, when none exists, the file the results name)


def locate_study(ds: xr.Dataset, study_file: str | Path | None = None,
                 results_file: str | Path | None = None) -> StudyLookup:
    """The study that produced ``ds``: its file with the same content hash as recorded in the results.

    Looked for, in order: ``study_file`` if given; the absolute path results record; for results of
    older versions that recorded a relative path, that path from the current folder and from the
    folders above ``results_file``; and a bundled study of the same file name (results made on another
    machine). Only a file whose content hash matches counts; the status says why none did."""
    from ...simulator.study import Study, StudyError, bundled_studies

    recorded = str(ds.attrs.get("study_file", "") or "")
    want = ds.attrs.get("study_hash")
    candidates: list[Path] = []
    if study_file:
        candidates.append(Path(study_file))
    elif recorded and not recorded.startswith("<"):
        rec = Path(recorded)
        candidates.append(rec)
        if not rec.is_absolute() and results_file is not None:
            candidates += [parent / rec for parent in Path(results_file).resolve().parents[:4]]
        candidates += [p for p in bundled_studies() if p.name == rec.name]
    status, where = "missing", str(study_file or recorded)
    for path in candidates:
        if not path.is_file():
            continue
        try:
            study = Study.from_toml(path)
        except StudyError:
            if status == "missing":
                status, where = "invalid", str(path)
            continue
        if study.content_hash == want:
            return StudyLookup(study, "found", str(path.resolve()))
        if status != "changed":
            status, where = "changed", str(path.resolve())
    return StudyLookup(None, status, where)


def load_study_for(ds: xr.Dataset, study_file: str | Path | None = None) -> Study | None:
    """The study that produced ``ds`` if its file still exists with the same content hash, else None."""
    return locate_study(ds, study_file).study


def saved_sensitivity(folder: Path, ds: xr.Dataset) -> list[tuple[str, xr.Dataset]]:
    """Global sensitivity results of this study that ``mkba sensitivity`` wrote: its folders
    ``<study>.sensitivity-*/`` beside ``folder`` (and ``sensitivity-*.nc`` in ``folder`` itself). Of each
    kind (method, grouped or not, target) the newest by run id; a result of another study, or of a
    changed study file (its content hash differs), is skipped, as is anything unreadable (optional
    report content). Each comes with the label the report cites: its file and run id."""
    folder = Path(folder)
    study = str(ds.attrs.get("study", ""))
    paths = sorted(folder.glob("sensitivity-*.nc"))
    if study:
        paths += sorted(folder.parent.glob(f"{glob_escape(study)}.sensitivity-*/sensitivity-*.nc"))
    newest: dict[tuple[str, str, str], tuple[str, str, xr.Dataset]] = {}
    for path in paths:
        try:
            with xr.open_dataset(path, engine="h5netcdf") as f:
                sa = f.load()
        except Exception:  # noqa: BLE001 - optional content; a broken file must not stop the report
            continue
        a = sa.attrs
        if not {"value", "parameter", "index"} <= set(sa.variables) or a.get("method") == "oneway":
            continue
        if a.get("study", study) != study:
            continue
        if a.get("study_hash") and ds.attrs.get("study_hash") and a["study_hash"] != ds.attrs["study_hash"]:
            continue
        key = (str(a.get("method")), str(a.get("groups", 0)), str(a.get("target")))
        run_id = str(a.get("run_id", ""))
        rel = path.name if path.parent == folder else f"{path.parent.name}/{path.name}"
        label = f"{rel}, run {run_id}" if run_id else rel
        if key not in newest or run_id > newest[key][0]:
            newest[key] = (run_id, label, sa)
    return [(label, sa) for _, label, sa in newest.values()]


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def build_document(ctx: Context) -> Document:
    """The report of ``ctx`` as one document (every renderer reads this)."""
    a = ctx.ds.attrs
    title = str(a.get("title") or a.get("study", ""))
    scen = str(a.get("scenario", "base"))
    if scen != "base":
        title += " — " + (ctx.study.scenario_title(scen) if ctx.study is not None and scen in ctx.study.scenarios
                          else scen)
    doc = Document(lang=ctx.lang, title=f"{ctx.t('mkba_title')}: {title}")
    for section in SECTIONS:
        doc.add(*section(ctx))
    return doc


# bootstrap resamples of the report's δ (bias reduction, inert reference): the Monte Carlo error they add
# is σ*/√B (σ* ≈ δ's standard error), so 10 instead of 20 makes δ's total error √(1.1/1.05) − 1 ≈ 2 % larger
# for half the cost (README, "Given-data estimators")
DRIVER_RESAMPLES = 10


def dependent_drivers(ds: xr.Dataset, study: Study | None) -> xr.Dataset | None:
    """δ and S1 of saldo from the run's own draws (which carry the study's correlations), when the study
    has correlations and the run kept its inputs; else None. Design-based methods would ignore them."""
    if study is None or not study.parameters.correlations or "inputs" not in ds:
        return None
    try:
        from ...sensitivity.given_data import given_data

        return given_data(ds, method="delta", target="saldo", num_resamples=DRIVER_RESAMPLES,
                          seed=int(ds.attrs.get("seed", 0)))
    except (ImportError, ValueError):  # e.g. too few draws, or a constant saldo
        return None


def _oneway(s: Study) -> xr.Dataset:
    from ...sensitivity.oneway import oneway

    return oneway(s.model, s.parameters, target="saldo", low=0.05, high=0.95)


class _Jobs:
    """Work of the report done here at once, or queued on a :class:`~mkba.outputs.chart_worker.ChartWorker`
    (done in its process while this one goes on). If the worker is lost, done here after all."""

    def __init__(self, worker: ChartWorker | None) -> None:
        self.worker = worker
        self.charts: list[tuple[str | None, Callable[[], Any]]] = []

    def run(self, local: Callable[[], Any], remote: tuple[Callable[..., Any], tuple[Any, ...]] | None = None,
            ) -> Callable[[], Any]:
        """``local()``, or ``remote`` (a module-level function and its arguments) on the worker; returns a
        function that gives the result (waiting for the worker)."""
        from ..chart_worker import WorkerLost

        if self.worker is not None and remote is not None:
            try:
                wait = self.worker.submit(remote[0], *remote[1])
            except WorkerLost:
                self.worker = None
            else:
                def result() -> Any:
                    try:
                        return wait()
                    except WorkerLost:
                        self.worker = None
                        return local()

                return result
        done = local()
        return lambda: done

    def chart(self, name: str | None, local: Callable[[], Any],
              remote: tuple[Callable[..., Any], tuple[Any, ...]] | None = None) -> None:
        """Chart ``name`` (None: ``local`` returns paths by chart name), collected by :meth:`charts_drawn`."""
        self.charts.append((name, self.run(local, remote)))

    def charts_drawn(self) -> dict[str, dict[str, Path]]:
        out: dict[str, dict[str, Path]] = {}
        for name, result in self.charts:
            got = result()
            out.update(got if name is None else {name: got})
        return out


class _Progress:
    """One line on stderr while the report is written ("rapport: grafieken (3/9)"), when it is a terminal."""

    def __init__(self, enabled: bool, lang: Lang) -> None:
        self.on = enabled and sys.stderr.isatty()
        self.word = "rapport" if lang == "nl" else "report"

    def __call__(self, step: str) -> None:
        if self.on:
            print(f"\r\033[K{self.word}: {step}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.on:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


@dataclass
class ReportStart:
    """The report's work that needs the study alone, begun before the simulation (:func:`start_report`)."""

    study: Study
    lang: Lang
    formats: tuple[str, ...]
    jobs: _Jobs
    tornado: xr.Dataset | None
    tornado_why: str
    chart_dir: Path
    results: str | None = None  # the results file whose charts are queued on the helper

    def results_written(self, results_file: str | Path) -> None:
        """``results_file`` is complete: the helper may draw its charts now, while this process summarises,
        writes summary.csv and opens the file itself. (Without a helper they are drawn in
        :func:`write_report`.) If the helper is lost, this process draws them from the file."""
        if self.jobs.worker is None or self.results is not None:
            return
        from ..charts import draw_report_charts

        job = (str(results_file), self.chart_dir, self.lang, self.formats)
        self.jobs.chart(None, lambda: draw_report_charts(*job), (draw_report_charts, job))
        self.results = str(results_file)


def _chart_formats(svg: bool) -> tuple[str, ...]:
    return ("png", "svg") if svg else ("png",)


def _tornado_of(study: Study, lang: Lang) -> tuple[xr.Dataset | None, str]:
    """The report's one-way analysis of the run's own scenario ``study``, or None and why not."""
    if not study.parameters.uncertain:
        return None, text(lang, "no_uncertain")
    try:
        return _oneway(study), ""
    except ImportError as exc:  # the sensitivity package is optional for a report
        return None, str(exc)


def start_report(study: Study, folder: str | Path, *, lang: str | None = None, svg: bool = False,
                 worker: ChartWorker | None = None) -> ReportStart:
    """Begin the report of a run of ``study`` (the run's own scenario) before the simulation: the tornado
    is a one-way analysis of the study alone (a few ms here), and its chart is queued on ``worker`` at once,
    so the helper draws it while this process simulates. Pass the result to :func:`write_report`."""
    chosen = lang or study.spec.study.language
    language: Lang = "nl" if chosen == "nl" else "en"
    formats = _chart_formats(svg)
    chart_dir = Path(folder) / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    jobs = _Jobs(worker)
    tornado, why = _tornado_of(study, language)
    if tornado is not None:
        job = (tornado, chart_dir, language, formats, TORNADO_TOP)
        jobs.chart("tornado", lambda: draw_tornado(*job), (draw_tornado, job))
    return ReportStart(study, language, formats, jobs, tornado, why, chart_dir)


def write_report(
    ds: xr.Dataset,
    folder: str | Path,
    *,
    lang: str | None = None,
    study: Study | None = None,
    find_study: bool = True,
    scenario_draws: int = SCENARIO_DRAWS,
    excel: bool = True,
    excel_draws: int | None = None,
    docx: bool = True,
    svg: bool = False,
    sensitivity_dir: str | Path | None = None,
    study_status: str = "missing",
    progress: bool = False,
    summary: Mapping[str, Any] | None = None,
    worker: ChartWorker | None = None,
    results_file: str | Path | None = None,
    start: ReportStart | None = None,
) -> dict[str, str]:
    """Write report.md, report.html, report.docx, summary.xlsx and charts/ into ``folder``; returns the
    paths by kind.

    ``study``: the study that produced ``ds``; if None and ``find_study``, the study file named in the
    Dataset attrs is used when it still exists with the same content hash. Charts are drawn once, as
    PNG (embedded in the HTML and Word files), plus SVG with ``svg=True``. ``excel_draws``: draws in the
    workbook's draws sheet (default 1,000; 0 leaves the sheet out). Results of ``mkba sensitivity``
    (``sensitivity-<method>.nc``) found in ``sensitivity_dir`` (default ``folder``) are listed in the
    drivers section. ``summary``: the run's :func:`~mkba.outputs.summary.summarise` result, if already
    computed (the report then shows exactly those numbers). ``worker`` and ``results_file`` (the file
    ``ds`` was read from): the charts are drawn by that helper process from that file, while this
    process computes the rest (``mkba run``); otherwise here. ``start``: what :func:`start_report` began
    for this run (the tornado; its ``study``, language and chart formats are then this report's)."""
    from ..charts import draw_acceptability, draw_report_charts, render_charts

    folder = Path(folder)
    if start is not None:
        study, lang, svg = start.study, start.lang, "svg" in start.formats
    language = resolve_language(ds, lang)
    say = _Progress(progress, language)
    if study is None and find_study:
        lookup = locate_study(ds, results_file=sensitivity_dir and Path(sensitivity_dir) / "results.nc")
        study, study_status = lookup.study, lookup.status
    if study is not None:
        from ...simulator.results import with_inputs

        ds = with_inputs(ds, study)  # a lean store's inputs, recomputed from the study and seed
    if study is not None and study.scenario_name != "base":
        # a scenario's Study has no scenarios of its own: compare from the study as written
        from ...simulator.study import Study

        study = Study.from_dict(study.raw, source=study.source)
    formats = _chart_formats(svg)
    chart_dir = folder / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    jobs = start.jobs if start is not None else _Jobs(worker if results_file is not None else None)
    if results_file is None:
        jobs.worker = None  # the helper draws from a results file; without one, everything is drawn here
    if start is None or start.results is None or start.results != str(results_file):  # else queued already
        jobs.chart(None, lambda: render_charts(ds, chart_dir, lang=language, formats=formats, progress=say),
                   (draw_report_charts, (str(results_file), chart_dir, language, formats)))

    say(text(language, "results").lower())
    res = summarise(ds) if summary is None else summary  # the run's own summary when the caller has it
    per_year = plan_view(ds, res)  # None without a [plan]
    tornado, why = None, ""
    if start is not None:
        tornado, why = start.tornado, start.tornado_why  # its chart is queued already
    elif study is not None:
        tornado, why = _tornado_of(study.scenario(str(ds.attrs.get("scenario", "base"))), language)
        if tornado is not None:
            job = (tornado, chart_dir, language, formats, TORNADO_TOP)
            jobs.chart("tornado", lambda: draw_tornado(*job), (draw_tornado, job))
    if per_year is not None:
        job = (per_year, chart_dir, language, formats)
        jobs.chart("plan_budget", lambda: draw_plan_budget(*job), (draw_plan_budget, job))
    say(text(language, "decision_progress"))
    decision_blocks, acc = decision.analyse(ds, language, study)
    if acc is not None:
        job = (acc, chart_dir, language, formats)
        jobs.chart("acceptability", lambda: draw_acceptability(*job), (draw_acceptability, job))
    scen = scenario_comparison(study, ds, scenario_draws) if study is not None and study.scenarios else None
    inputs = input_table(ds, study, lang=language)
    dependent = dependent_drivers(ds, study)
    sensitivity = saved_sensitivity(Path(sensitivity_dir) if sensitivity_dir else folder, ds)
    out = {"report_md": str(folder / "report.md"), "report_html": str(folder / "report.html"),
           "charts": str(chart_dir)}
    if excel:  # the workbook needs no chart: written while the helper (if any) still draws
        say("Excel")
        from ..excel import write_excel

        write_excel(ds, folder / "summary.xlsx", lang=language, inputs=inputs, scenarios=scen, summary=res,
                    draws=excel_draws)
        out["excel"] = str(folder / "summary.xlsx")
    say("grafieken" if language == "nl" else "charts")
    written = jobs.charts_drawn()

    ctx = Context(ds=ds, lang=language, res=res, study=study, tornado=tornado, tornado_why=why, scenarios=scen,
                  inputs=inputs, charts=frozenset(written), sensitivity=sensitivity,
                  own=own_labels(ds, study), study_status=study_status, decision=decision_blocks,
                  dependent=dependent, plan=per_year)
    doc = build_document(ctx)
    images = {name: paths["png"].read_bytes() for name, paths in written.items()}
    # the Word file on the worker (if any) while this process writes the others
    word = jobs.run(lambda: render_docx(doc, images), (render_docx, (doc, images))) if docx else None
    say("Markdown, HTML")
    md, page = render_markdown(doc), render_html(doc, images)
    atomic_write(folder / "report.md", lambda p: p.write_text(md, encoding="utf-8"))
    atomic_write(folder / "report.html", lambda p: p.write_text(page, encoding="utf-8"))
    if word is not None:
        say("Word")
        data = word()
        atomic_write(folder / "report.docx", lambda p: p.write_bytes(data))
        out["report_docx"] = str(folder / "report.docx")
    say.done()
    return out


def report_context(ds: xr.Dataset, *, lang: Lang, study: Study | None = None, tornado: xr.Dataset | None = None,
                   scenarios: Sequence[Mapping[str, Any]] | None = None, charts: Sequence[str] = (),
                   with_decision: bool = False) -> Context:
    """A context for :func:`build_document` without writing anything (tests, notebooks);
    ``with_decision`` adds the decision section's blocks (its chart is not drawn)."""
    blocks: list[tuple[str, Any]] = []
    if with_decision:
        from ...decision.section import report_section

        own = study.scenario(str(ds.attrs.get("scenario", "base"))) if study is not None else None
        blocks = list(report_section(ds, lang, study=own)[0])
    res = summarise(ds)
    return Context(ds=ds, lang=lang, res=res, study=study, tornado=tornado, scenarios=scenarios,
                   inputs=input_table(ds, study, lang=lang), charts=frozenset(charts), own=own_labels(ds, study),
                   decision=blocks, plan=plan_view(ds, res))


def build_report(ds: xr.Dataset, *, lang: Lang, study: Study | None = None, tornado: xr.Dataset | None = None,
                 scenarios: Sequence[Mapping[str, Any]] | None = None, charts: Sequence[str] = (),
                 decision: Sequence[tuple[str, Any]] = (), sensitivity: Sequence[tuple[str, xr.Dataset]] = (),
                 study_status: str = "missing", dependent: xr.Dataset | None = None) -> Document:
    """The document of a run from its parts (no files written): what :func:`write_report` renders."""
    ctx = report_context(ds, lang=lang, study=study, tornado=tornado, scenarios=scenarios, charts=charts)
    ctx.decision, ctx.sensitivity, ctx.study_status = list(decision), list(sensitivity), study_status
    ctx.dependent = dependent
    return build_document(ctx)
