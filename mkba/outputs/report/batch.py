"""The report of a batch result (``mkba batch`` → ``results.zarr`` or ``results.nc``; ``mkba report`` on it).

One document, rendered like a run's report (Markdown, self-contained HTML, Word): the scenario
comparison of every study × scenario case (with the batch's scenario chart), the budget view of the
municipality per case side by side, and one section per case built by the run report's own sections
(headline, costs and benefits per line, who pays who gains), so a case reads as its own run would.

Memory: one case is loaded at a time from a lazily opened Zarr store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ...simulator.labels import input_label
from ...simulator.results import atomic_write
from ..formatting import (
    Lang,
    format_money,
    format_money_range,
    format_number,
    format_probability,
    format_ratio,
    format_ratio_range,
    format_thousands,
    format_thousands_range,
)
from ..summary import summarise
from . import budget, overview
from .build import ReportInputError
from .context import Context
from .document import Block, Document, Figure, Heading, Paragraph, Table
from .render_docx import render_docx
from .render_html import render_html
from .render_md import render_markdown
from .text import text

__all__ = ["batch_report_language", "is_batch_path", "is_batch_results", "open_batch_results", "case_dataset", "build_batch_document", "write_batch_report"]

BATCH_DIMS = {"study", "scenario", "draw"}

_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Batch",
        "intro": "{cases} gevallen (studie × scenario) van {studies}, elk met {draws} trekkingen ({sampler}, seed "
                 "{seed}). Per geval de verdeling van het saldo en de B/K-verhoudingen; de scenario's van een studie "
                 "gebruiken dezelfde toevalsgetallen, dus Δ saldo is het effect van het scenario per trekking, geen "
                 "steekproefruis.",
        "comparison": "Scenariovergelijking",
        "case": "Geval", "p_saldo": "Kans saldo > 0", "bc_median": "B/K maatschappelijk (mediaan)",
        "delta": "Δ saldo t.o.v. basis (mediaan; 90 %-interval)",
        "chart": "Saldo per geval: basisgeval en 90 %-interval van de trekkingen.",
        "budget": "Wie betaalt, wie wint: de gemeente per geval",
        "budget_intro": "Saldo van de gemeente als geheel (baten − kosten, contante waarde, alle gemeentelijke "
                        "domeinen samen) en de B/K-verhouding gemeente (alleen financiële baten) per geval; bedragen "
                        "× € 1.000, zoals in de tabel per geval. De verdeling over alle partijen staat bij elk "
                        "geval hieronder.",
        "muni_base": "Saldo gemeente (basisgeval)", "muni_median": "Saldo gemeente (mediaan)",
        "muni_range": "Saldo gemeente 90 %-interval", "muni_p": "Kans saldo gemeente > 0",
        "bc_muni": "B/K gemeente (mediaan; 90 %-interval)",
        "base_scenario": "basis",
        "method": "Methode en herkomst",
        "method_text": "Elk geval is een Monte Carlo-run van de studie met de aanpassingen van het scenario. De "
                       "scenario's van één studie delen hun trekkingen; verschillende studies trekken onafhankelijk "
                       "van elkaar (tenzij het batchbestand gedeelde trekkingen vraagt), zodat de lokale aannames "
                       "van twee gemeenten niet toevallig volledig samenhangen. Bedragen zijn contante waarden; "
                       "B/K-verhoudingen zijn afgerond op 0,05, zoals in de MKBA-tool.",
        "batch": "Batch", "studies": "Studies", "hash": "Inhoudshash", "version": "mkba-versie", "created": "Gemaakt",
        "no_cases": "Deze batch bevat geen berekende gevallen.",
    },
    "en": {
        "title": "Batch",
        "intro": "{cases} cases (study × scenario) of {studies}, each with {draws} draws ({sampler}, seed {seed}). "
                 "Per case the distribution of the balance and the B/C ratios; a study's scenarios share their random "
                 "numbers, so Δ balance is the scenario's effect per draw, not sampling noise.",
        "comparison": "Scenario comparison",
        "case": "Case", "p_saldo": "P(balance > 0)", "bc_median": "Social B/C (median)",
        "delta": "Δ balance vs base (median; 90% interval)",
        "chart": "Balance per case: base case and 90% interval of the draws.",
        "budget": "Who pays, who gains: the municipality per case",
        "budget_intro": "Balance of the municipality as a whole (benefits − costs, present value, all municipal "
                        "domains together) and the municipal B/C ratio (financial benefits only) per case; amounts "
                        "in € thousand, as in each case's table. The split over every party is given with each "
                        "case below.",
        "muni_base": "Municipal balance (base case)", "muni_median": "Municipal balance (median)",
        "muni_range": "Municipal balance 90% interval", "muni_p": "P(municipal balance > 0)",
        "bc_muni": "Municipal B/C (median; 90% interval)",
        "base_scenario": "base",
        "method": "Method and provenance",
        "method_text": "Each case is a Monte Carlo run of the study with the scenario's changes. The scenarios "
                       "of one study share their draws; different studies draw independently (unless the batch "
                       "file asks for shared draws), so two municipalities' local assumptions are not fully "
                       "dependent by accident. Amounts are present values; B/C ratios are rounded to 0.05, as "
                       "in the MKBA tool.",
        "batch": "Batch", "studies": "Studies", "hash": "Content hash", "version": "mkba version", "created": "Created",
        "no_cases": "This batch holds no computed cases.",
    },
}


def _t(lang: Lang, key: str, **fields: object) -> str:
    return _TEXT[lang][key].format(**fields) if fields else _TEXT[lang][key]


def is_batch_results(ds: xr.Dataset) -> bool:
    """Whether ``ds`` is a combined batch result (dims study × scenario × draw), not one run's."""
    return BATCH_DIMS <= set(ds.dims) and "present" in ds


def is_batch_path(path: str | Path) -> bool:
    """Whether ``path`` holds a batch result: a Zarr folder, or a NetCDF file with dims study × scenario."""
    p = Path(path)
    if p.is_dir():
        return True  # a run's results are one .nc file; a folder can only be a batch's Zarr store
    if not p.is_file():
        return False
    try:
        with xr.open_dataset(p, engine="h5netcdf") as f:  # lazy: reads the metadata only
            return is_batch_results(f)
    except Exception:  # noqa: BLE001 - not readable: the run report's reader says why
        return False


def open_batch_results(path: str | Path) -> xr.Dataset:
    """Open a batch result lazily: a Zarr folder (``results.zarr``) or a NetCDF file (``results.nc``)."""
    p = Path(path)
    if not p.exists():
        raise ReportInputError(f"{path}: no such file or folder")
    try:
        if p.is_dir():
            ds = xr.open_zarr(p)
        else:
            ds = xr.open_dataset(p, engine="h5netcdf", chunks={})
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input
        kind = "Zarr folder" if p.is_dir() else "NetCDF file"
        raise ReportInputError(f"{path}: not a readable {kind} ({type(exc).__name__})") from None
    if not is_batch_results(ds):
        raise ReportInputError(f"{path}: not an mkba batch result (needs dims study, scenario, draw and 'present')")
    return ds


def _json_attr(ds: xr.Dataset, key: str, default: Any) -> Any:
    try:
        return json.loads(ds.attrs.get(key, ""))
    except (TypeError, ValueError):
        return default


def case_dataset(ds: xr.Dataset, study: str, scenario: str) -> xr.Dataset:
    """One case of a batch result as a run's Dataset (dims draw, item, actor, year), loaded in memory,
    with the attrs a run's report reads (study, scenario, title, language, draws, seed, sampler)."""
    case = ds.sel(study=study, scenario=scenario).drop_vars(["present", "case_title"], errors="ignore").load()
    meta = _json_attr(ds, "studies", {}).get(study, {})
    case = case.drop_vars(["study", "scenario"], errors="ignore")
    case.attrs = {
        "study": study, "scenario": scenario, "title": meta.get("title") or study,
        "municipality": meta.get("municipality", ""), "language": meta.get("language", "nl"),
        "study_file": meta.get("file", ""), "study_hash": meta.get("hash", ""),
        **{k: ds.attrs[k] for k in ("seed", "draws", "sampler", "block_size", "store", "design", "mkba_version",
                                    "created") if k in ds.attrs},
    }
    return case


def _cases(ds: xr.Dataset) -> list[tuple[str, str]]:
    present = np.asarray(ds["present"].values, dtype=bool)
    studies, scenarios = ds["study"].values.tolist(), ds["scenario"].values.tolist()
    return [(studies[i], scenarios[j]) for i in range(len(studies)) for j in range(len(scenarios)) if present[i, j]]


def _case_title(ds: xr.Dataset, study: str, scenario: str, lang: Lang) -> str:
    """The case's title (inputs of grid titles by their labels); with several studies the study's title first."""
    from ..batch_summary import case_title

    meta = _json_attr(ds, "studies", {}).get(study, {})
    title = case_title(ds, study, scenario, lang)
    if len({s for s, _ in _cases(ds)}) == 1:  # one study: its title heads the report already
        return title[:1].upper() + title[1:]
    return f"{meta.get('title') or study} — {title}"


def _comparison(rows: list[Mapping[str, Any]], titles: Mapping[tuple[str, str], str], lang: Lang) -> Table:
    header = [_t(lang, "case"), text(lang, "base"), text(lang, "median"), text(lang, "range"), _t(lang, "p_saldo"),
              _t(lang, "bc_median"), _t(lang, "delta")]
    out = []
    for r in rows:
        s, d = r["summary"]["saldo"], r.get("delta_saldo")
        delta = "—" if d is None or r["scenario"] == "base" else (
            f"{format_money(d['p50'], lang=lang)}; {format_money_range(d['p5'], d['p95'], lang=lang)}")
        out.append([titles[(r["study"], r["scenario"])], format_money(r["base"]["saldo"], lang=lang),
                    format_money(s["p50"], lang=lang), format_money_range(s["p5"], s["p95"], lang=lang),
                    format_probability(r["probabilities"]["saldo_gt_0"], lang=lang),
                    format_ratio(r["summary"]["bc_social"]["p50"], lang=lang), delta])
    return Table(header, out, name="batch_comparison")


def _budget_row(title: str, res: Mapping[str, Any], lang: Lang) -> list[str]:
    m = res["municipality"]
    bal, bc = m["balance"], m["bc"]
    return [title, format_thousands(bal["base"], lang=lang), format_thousands(bal["p50"], lang=lang),
            format_thousands_range(bal["p5"], bal["p95"], lang=lang), format_probability(m["p_balance_gt_0"], lang=lang),
            f"{format_ratio(bc['p50'], lang=lang)}; {format_ratio_range(bc['p5'], bc['p95'], lang=lang)}"]


def _demoted(blocks: list[Block]) -> list[Block]:
    """A run report's section inside a case: its headings one level down."""
    return [Heading(b.text, min(b.level + 1, 4)) if isinstance(b, Heading) else b for b in blocks]


def build_batch_document(ds: xr.Dataset, *, lang: Lang, rows: list[Mapping[str, Any]] | None = None,
                         charts: frozenset[str] = frozenset()) -> Document:
    """The batch report as one document (``rows``: :func:`~mkba.outputs.batch_summary.summarise_batch`)."""
    from ..batch_summary import summarise_batch

    rows = summarise_batch(ds, lang) if rows is None else rows
    a = ds.attrs
    doc = Document(lang=lang, title=f"{text(lang, 'mkba_title')}: {a.get('title') or a.get('batch', '')}")
    cases = _cases(ds)
    if not cases:
        doc.add(Paragraph(_t(lang, "no_cases"), "note"))
        return doc
    titles = {c: _case_title(ds, *c, lang) for c in cases}
    studies = _json_attr(ds, "studies", {})
    names = ", ".join(str(studies.get(s, {}).get("title") or s) for s in dict.fromkeys(s for s, _ in cases))
    sampler = {"mc": "Monte Carlo", "lhs": "Latin hypercube", "sobol": "Sobol' QMC"}.get(str(a.get("sampler")),
                                                                                         str(a.get("sampler")))
    doc.add(Paragraph(_t(lang, "intro", cases=len(cases), studies=names, sampler=sampler,
                         draws=format_number(int(a.get("draws", ds.sizes["draw"])), lang=lang),
                         seed=a.get("seed", "?")), "headline"))

    doc.add(Heading(_t(lang, "comparison")), _comparison(rows, titles, lang))
    if "scenarios" in charts:
        doc.add(Figure("scenarios", _t(lang, "chart")))

    per_case = []
    for study, scenario in cases:  # one case in memory at a time
        case = case_dataset(ds, study, scenario)
        per_case.append((study, scenario, case, summarise(case)))
    if all("municipality" in res for *_, res in per_case):
        header = [_t(lang, "case"), _t(lang, "muni_base"), _t(lang, "muni_median"), _t(lang, "muni_range"),
                  _t(lang, "muni_p"), _t(lang, "bc_muni")]
        doc.add(Heading(_t(lang, "budget")), Paragraph(_t(lang, "budget_intro")),
                Table(header, [_budget_row(titles[(s, c)], res, lang) for s, c, _, res in per_case],
                      name="batch_budget"))

    for study, scenario, case, res in per_case:
        # the study is not re-read: a case section has no tornado or scenario runs of its own (the batch
        # compares the scenarios above), so the run report's "study not found" note does not apply
        ctx = Context(ds=case, lang=lang, res=res, study_status="found")
        doc.add(Heading(titles[(study, scenario)]))
        head = [b for b in overview.headline(ctx) if not (isinstance(b, Paragraph) and b.style == "note")]
        doc.add(*head, *_demoted(overview.costs_benefits(ctx)), *_demoted(budget.section(ctx)))

    doc.add(Heading(_t(lang, "method")), Paragraph(_t(lang, "method_text")))
    prov = [[_t(lang, "batch"), str(a.get("batch", ""))],
            [_t(lang, "studies"), names],
            [_t(lang, "hash"), str(a.get("batch_hash", ""))],
            [_t(lang, "version"), str(a.get("mkba_version", ""))],
            [_t(lang, "created"), str(a.get("created", ""))]]
    doc.add(Table(["", ""], prov, align="ll", name="batch_provenance"))
    return doc


def batch_report_language(ds: xr.Dataset, lang: str | None) -> Lang:
    """``lang`` if given, else the batch's language (:func:`~mkba.outputs.batch_summary.batch_language`)."""
    from ..batch_summary import batch_language

    if lang:
        return "nl" if lang == "nl" else "en"
    return batch_language(ds)


def write_batch_report(ds: xr.Dataset, folder: str | Path, *, lang: str | None = None,
                       docx: bool = True) -> dict[str, str]:
    """Write report.md, report.html (self-contained) and report.docx of a batch result into ``folder``
    (with charts/scenarios.png); returns the paths by kind."""
    from ..batch_summary import summarise_batch, write_batch_chart

    folder = Path(folder)
    language = batch_report_language(ds, lang)
    rows = summarise_batch(ds, language)
    chart_dir = folder / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    charts = write_batch_chart(rows, chart_dir, lang=language) if rows else []
    images = {"scenarios": charts[0].read_bytes()} if charts else {}
    doc = build_batch_document(ds, lang=language, rows=rows, charts=frozenset(images))
    md, page = render_markdown(doc), render_html(doc, images)
    atomic_write(folder / "report.md", lambda p: p.write_text(md, encoding="utf-8"))
    atomic_write(folder / "report.html", lambda p: p.write_text(page, encoding="utf-8"))
    out = {"report_md": str(folder / "report.md"), "report_html": str(folder / "report.html"),
           "charts": str(chart_dir)}
    if docx:
        data = render_docx(doc, images)
        atomic_write(folder / "report.docx", lambda p: p.write_bytes(data))
        out["report_docx"] = str(folder / "report.docx")
    return out
