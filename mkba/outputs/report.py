"""The council-ready report of a run: ``report.md``, a self-contained ``report.html`` (images embedded
as data URIs, no external resources), the charts (PNG + SVG) and ``summary.xlsx``.

The report is built once as a list of blocks (heading, paragraph, table, figure) and rendered twice
(Markdown and HTML), so both files always carry the same numbers. Everything is computed from the
result Dataset; the study file, when it is still available and unchanged (same content hash), adds
the tornado (one-way sensitivity) and the side-by-side what-if scenarios.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from .. import __version__
from ..simulator.domain import ACTOR_LABELS
from ..simulator.results import atomic_write
from .escape import md_cell, md_text
from .formatting import (
    Lang,
    format_money,
    format_money_ends,
    format_money_range,
    format_number,
    format_percent,
    format_probability,
    format_probability_claim,
    format_ratio,
    format_ratio_range,
    format_source,
)
from .lines import line_labels, line_order
from .summary import RATIOS, summarise

if TYPE_CHECKING:
    from ..simulator.study import Study

__all__ = ["write_report", "open_results", "ReportInputError", "build_report", "resolve_language", "load_study_for", "scenario_comparison",
           "input_table", "SCENARIO_DRAWS"]

SCENARIO_DRAWS = 5_000  # draws per scenario in the side-by-side comparison (common random numbers)

_T: dict[str, dict[str, str]] = {
    "nl": {
        "title": "MKBA", "headline": "Met 90 % waarschijnlijkheid ligt het saldo tussen {lo} en {hi}; "
        "P(B/K > 1) {p}.", "base_sentence": "In het basisgeval (de gepubliceerde puntschatting) is het saldo {saldo} "
        "en de maatschappelijke B/K-verhouding {bc}.",
        "results": "Kosten en baten", "line": "Post", "base": "Basisgeval", "median": "Mediaan",
        "mean": "Gemiddelde", "range": "90 %-interval (P5–P95)", "p_gt": "P(> 1)", "costs": "Totaal kosten",
        "benefits": "Totaal baten", "saldo": "Saldo", "bc_social": "B/K maatschappelijk",
        "bc_financial": "B/K financieel", "bc_municipal": "B/K gemeente", "ratio_note":
        "B/K-verhoudingen zijn afgerond op 0,05, zoals in de MKBA-tool; de bestanden (NetCDF, CSV, Excel) "
        "bevatten de volledige precisie. Bedragen zijn contante waarden.",
        "distributions": "Verdeling van saldo en B/K-verhoudingen", "dist_caption": "Histogram en cumulatieve "
        "kans van {what}, met P5, P50, P95 en de break-even-lijn.",
        "actors": "Verdeling over actoren", "actor": "Actor", "p_net": "P(netto > 0)",
        "actor_caption": "Netto resultaat (baten − kosten, contante waarde) per actor met 90 %-interval.",
        "time": "Tijdprofiel", "year": "Jaar", "time_caption": "Netto kasstroom per jaar (onverdisconteerd): "
        "90 %- en 50 %-interval, mediaan en basisgeval.",
        "cb_caption": "Kosten en baten per post (gemiddelde over de trekkingen) met het 90 %-interval van het totaal.",
        "drivers": "Belangrijkste drivers", "tornado_caption": "Tornado: het saldo wanneer één invoer naar zijn P5 "
        "of P95 gaat en alle andere op hun basiswaarde blijven (grootste effect bovenaan).",
        "input": "Invoer", "low": "Saldo bij P5", "high": "Saldo bij P95", "swing": "Bereik",
        "scenarios": "Wat-als-scenario's", "scenario": "Scenario", "delta": "Δ saldo t.o.v. basis (P5–P95)",
        "p_bc": "P(B/K > 1)", "base_scenario": "basis",
        "assumptions": "Aannames", "uncertain": "Onzekere invoer", "fixed": "Vaste invoer", "group": "Groep",
        "dist": "Verdeling", "p5p95": "P5–P95", "unit": "Eenheid", "source": "Bron", "name": "Invoer",
        "value": "Waarde",
        "unsourced": "Invoer zonder bron ({n}; de studie geeft de waarde, maar niet waar die vandaan komt): "
        "{names}.", "all_sourced": "Alle invoer heeft een bron: de studie of een standaardwaarde van mkba.",
        "method": "Methode", "provenance": "Herkomst", "convergence": "Convergentie",
        "conv_caption": "Lopende P5/P50/P95 van het saldo tegen het aantal trekkingen.",
        "lean_note": "Deze run is 'lean' opgeslagen (meer dan 200.000 trekkingen): de kasstromen per jaar zijn "
        "niet per trekking bewaard. Het tijdprofiel toont daarom alleen het basisgeval.",
        "no_study": "{why}; dit rapport is alleen uit de resultaten gemaakt, zonder tornado en zonder "
        "scenariovergelijking.",
        "study_missing": "Het studiebestand {file} is niet gevonden",
        "study_changed": "Het studiebestand {file} is gewijzigd sinds de berekening",
        "study_invalid": "Het studiebestand {file} is niet meer geldig",
        "no_scenarios": "De studie heeft geen benoemde scenario's.",
        "no_tornado": "De tornado is niet beschikbaar ({why}).",
        "dep_intro": "Deze studie bevat {n} rangcorrelaties tussen invoer. De tornado en globale methoden met een "
        "eigen ontwerp (Sobol', Morris, FAST) behandelen de invoer als onafhankelijk en negeren die samenhang. "
        "De rangorde hieronder komt uit de {draws} trekkingen van deze run zelf, mét de correlaties: δ (Borgonovo; "
        "hoeveel de verdeling van het saldo verschuift als de invoer bekend is) en S1 (het deel van de variantie "
        "dat de invoer alleen verklaart, met wat hij via correlaties meeneemt).",
        "dep_none": "Deze studie bevat {n} rangcorrelaties tussen invoer; de tornado en globale methoden met een eigen "
        "ontwerp (Sobol', Morris, FAST) behandelen de invoer als onafhankelijk. Een rangorde mét de correlaties "
        "vraagt de trekkingen per invoer (opslag 'full') of `mkba sensitivity --method shapley`.",
        "independent_sa": "Let op: deze methode behandelt de invoer als onafhankelijk; de {n} rangcorrelaties van de "
        "studie zijn hier genegeerd.",
        "inert_col": "Te onderscheiden van inerte invoer",
        "yes": "ja", "no": "nee",
        "saved_sa": "Globale gevoeligheidsanalyse uit {file} (mkba sensitivity, methode {method}, doel {target}, "
        "{n} modelberekeningen), belangrijkste invoer:",
        "mkba_title": "Monte Carlo-onzekerheidsanalyse van de MKBA",
        "undefined_all": "{what}: n.v.t. — de noemer (de kosten) is in elke trekking 0, dus de verhouding "
        "bestaat niet.",
        "undefined_some": "{what}: in {share} van de trekkingen n.v.t. (kosten 0); mediaan, interval en kans "
        "gaan over de andere trekkingen.",
    },
    "en": {
        "title": "SCBA", "headline": "With 90 % probability the saldo lies between {lo} and {hi}; "
        "P(B/C > 1) {p}.", "base_sentence": "In the base case (the published point estimate) the saldo is {saldo} "
        "and the social B/C ratio {bc}.",
        "results": "Costs and benefits", "line": "Line", "base": "Base case", "median": "Median", "mean": "Mean",
        "range": "90% interval (P5–P95)", "p_gt": "P(> 1)", "costs": "Total costs", "benefits": "Total benefits",
        "saldo": "Saldo (net benefit)", "bc_social": "B/C social", "bc_financial": "B/C financial",
        "bc_municipal": "B/C municipal", "ratio_note": "B/C ratios are rounded to the nearest 0.05, as in the "
        "MKBA tool; the files (NetCDF, CSV, Excel) keep full precision. Amounts are present values.",
        "distributions": "Distribution of saldo and B/C ratios", "dist_caption": "Histogram and cumulative "
        "probability of {what}, with P5, P50, P95 and the break-even line.",
        "actors": "Split over actors", "actor": "Actor", "p_net": "P(net > 0)",
        "actor_caption": "Net result (benefits − costs, present value) per actor with 90% interval.",
        "time": "Time profile", "year": "Year", "time_caption": "Net cash flow per year (undiscounted): 90% and "
        "50% intervals, median and base case.",
        "cb_caption": "Costs and benefits per line (mean over the draws) with the 90% interval of the total.",
        "drivers": "Main drivers", "tornado_caption": "Tornado: the saldo when one input moves to its P5 or P95 "
        "while all others stay at their base value (largest effect on top).",
        "input": "Input", "low": "Saldo at P5", "high": "Saldo at P95", "swing": "Swing",
        "scenarios": "What-if scenarios", "scenario": "Scenario", "delta": "Δ saldo vs base (P5–P95)",
        "p_bc": "P(B/C > 1)", "base_scenario": "base",
        "assumptions": "Assumptions", "uncertain": "Uncertain inputs", "fixed": "Fixed inputs", "group": "Group",
        "dist": "Distribution", "p5p95": "P5–P95", "unit": "Unit", "source": "Source", "name": "Input",
        "value": "Value",
        "unsourced": "Inputs without a source ({n}; the study gives the value but not where it comes from): "
        "{names}.", "all_sourced": "Every input has a source: the study or an mkba default.",
        "method": "Method", "provenance": "Provenance", "convergence": "Convergence",
        "conv_caption": "Running P5/P50/P95 of the saldo against the number of draws.",
        "lean_note": "This run was stored 'lean' (more than 200,000 draws): the cash flows per year were not "
        "kept per draw. The time profile therefore shows the base case only.",
        "no_study": "{why}; this report was made from the results alone, without the tornado and without the "
        "scenario comparison.",
        "study_missing": "The study file {file} was not found",
        "study_changed": "The study file {file} has changed since the run",
        "study_invalid": "The study file {file} is no longer valid",
        "no_scenarios": "The study has no named scenarios.",
        "no_tornado": "The tornado is not available ({why}).",
        "dep_intro": "This study has {n} rank correlations between inputs. The tornado and the global methods with "
        "their own design (Sobol', Morris, FAST) treat the inputs as independent and ignore them. The ranking "
        "below comes from the {draws} draws of this run itself, with the correlations: δ (Borgonovo; how much the "
        "distribution of the saldo shifts when the input is known) and S1 (the share of variance the input "
        "explains alone, including what it carries through its correlations).",
        "dep_none": "This study has {n} rank correlations between inputs; the tornado and the global methods with "
        "their own design (Sobol', Morris, FAST) treat the inputs as independent. A ranking with the correlations "
        "needs the draws per input (store 'full') or `mkba sensitivity --method shapley`.",
        "independent_sa": "Note: this method treats the inputs as independent; the study's {n} rank correlations "
        "are ignored here.",
        "inert_col": "Distinguishable from an inert input",
        "yes": "yes", "no": "no",
        "saved_sa": "Global sensitivity analysis from {file} (mkba sensitivity, method {method}, target {target}, "
        "{n} model evaluations), most important inputs:",
        "mkba_title": "Monte Carlo uncertainty analysis of the SCBA",
        "undefined_all": "{what}: n/a — its denominator (the costs) is 0 in every draw, so the ratio does not "
        "exist.",
        "undefined_some": "{what}: n/a in {share} of the draws (costs 0); median, interval and probability refer "
        "to the other draws.",
    },
}


def _label(table: Mapping[str, tuple[str, str]], key: str, lang: Lang) -> str:
    nl, en = table.get(key, (key, key))
    return nl if lang == "nl" else en


class ReportInputError(ValueError):
    """A results file that cannot be reported on (missing, unreadable, not mkba results)."""


REQUIRED = ("costs", "benefits", "saldo", *RATIOS, "line", "base_npv", "base_cashflow", "base_saldo")


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
        from ..simulator.results import data_checksum

        if str(expected) != data_checksum(ds):
            raise ReportInputError(f"{path}: the data do not match the checksum written with them (the file was "
                                   "changed or damaged after mkba wrote it); run mkba run again")
    return ds


_INT_ATTRS = ("draws", "seed", "block_size")
_JSON_ATTRS = ("parameters", "design")


def _check_attrs(path: str | Path, ds: xr.Dataset) -> None:
    """The provenance attrs a report reads must be what mkba writes: a file whose attrs were edited into
    something else is refused with the attr's name (never a traceback half-way through the report)."""
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
    from ..simulator.study import Study, StudyError, bundled_studies

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


# --- document model --------------------------------------------------------------------------
@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    align: str = ""  # one letter per column: l or r (default: first left, rest right)


@dataclass
class Figure:
    name: str  # chart file stem inside charts/
    caption: str


@dataclass
class Report:
    lang: Lang
    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def h(self, text: str) -> None:
        self.blocks.append(("h2", text))

    def h3(self, text: str) -> None:
        self.blocks.append(("h3", text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, t: Table) -> None:
        self.blocks.append(("table", t))

    def fig(self, f: Figure) -> None:
        self.blocks.append(("fig", f))


def _md_cell(text: str) -> str:
    return md_cell(text)


def render_markdown(rep: Report, chart_dir: str = "charts") -> str:
    """Markdown of the report; every text is escaped (study text is data: no HTML, links or images)."""
    out = [f"# {md_text(rep.title)}", ""]
    for kind, b in rep.blocks:
        if kind == "h2":
            out += [f"## {md_text(b)}", ""]
        elif kind == "h3":
            out += [f"### {md_text(b)}", ""]
        elif kind == "p":
            out += [md_text(b), ""]
        elif kind == "table":
            align = b.align or "l" + "r" * (len(b.header) - 1)
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif kind == "fig":
            out += [f"![{_md_cell(b.caption)}]({chart_dir}/{b.name}.png)", "", f"*{md_text(b.caption)}*", ""]
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body{font-family:"Segoe UI",Calibri,Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;
line-height:1.45}
h1{font-size:1.6rem;border-bottom:2px solid #111;padding-bottom:.3rem}h2{font-size:1.25rem;margin-top:2rem}
h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}th,td{border:1px solid #999;padding:.25rem .5rem;
vertical-align:top}th{background:#e8e8e8;text-align:left}td.r{text-align:right;white-space:nowrap}
figure{margin:1rem 0}figure img{max-width:100%;width:46rem;height:auto;border:1px solid #ddd}
figcaption{font-size:.85rem;font-style:italic}p.headline{font-size:1.15rem;font-weight:600;border-left:4px solid #111;
padding-left:.6rem}
@media print{body{max-width:none}figure{page-break-inside:avoid}}
"""


def render_html(rep: Report, images: Mapping[str, bytes]) -> str:
    """Self-contained HTML: CSS inline, every image a base64 ``data:`` URI."""
    e = html.escape
    out = ["<!DOCTYPE html>", f'<html lang="{rep.lang}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(rep.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>", f"<h1>{e(rep.title)}</h1>"]
    first_p = True
    for kind, b in rep.blocks:
        if kind in ("h2", "h3"):
            out.append(f"<{kind}>{e(b)}</{kind}>")
        elif kind == "p":
            out.append(f'<p class="headline">{e(b)}</p>' if first_p else f"<p>{e(b)}</p>")
            first_p = False
        elif kind == "table":
            align = b.align or "l" + "r" * (len(b.header) - 1)
            out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in b.header) + "</tr></thead><tbody>")
            for row in b.rows:
                out.append("<tr>" + "".join(f'<td class="{a}">{e(c)}</td>' for a, c in zip(align, row)) + "</tr>")
            out.append("</tbody></table>")
        elif kind == "fig":
            data = base64.b64encode(images[b.name]).decode("ascii")
            out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(b.caption)}">'
                       f"<figcaption>{e(b.caption)}</figcaption></figure>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# --- content ---------------------------------------------------------------------------------
def _q(v: np.ndarray) -> tuple[float, float, float]:
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan,) * 3
    a, b, c = np.quantile(v, (0.05, 0.5, 0.95))
    return float(a), float(b), float(c)


def _num(v: float, lang: Lang) -> str:
    """A plain input value with about four significant figures."""
    if not math.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    return format_number(v, max(0, 3 - mag), lang=lang).rstrip("0").rstrip(",.") if mag < 3 else \
        format_number(v, 0, lang=lang)


def _dist_text(spec: Any, lang: Lang) -> str:
    if not isinstance(spec, dict):
        return "vast" if lang == "nl" else "fixed"
    kind = spec.get("dist", "?")
    args = []
    for k, v in spec.items():
        if k == "dist":
            continue
        if isinstance(v, list):
            args.append(f"{k}=[{'; '.join(_num(float(x), lang) for x in v[:6])}{'; …' if len(v) > 6 else ''}]")
        else:
            args.append(f"{k}={_num(float(v), lang)}")
    sep = "; " if lang == "nl" else ", "  # Dutch decimal commas would blur ", " between arguments
    return f"{kind}({sep.join(args)})"


def _dist_from_spec(spec: Any) -> Any:
    """Rebuild a distribution from the Dataset's stored spec (when the study file is gone)."""
    from .. import distributions as d

    classes = {"uniform": d.Uniform, "triangular": d.Triangular, "pert": d.Pert, "normal": d.Normal,
               "lognormal": d.LogNormal, "beta": d.Beta, "discrete": d.Discrete, "empirical": d.Empirical}
    if not isinstance(spec, dict) or spec.get("dist") not in classes:
        return None
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in spec.items() if k != "dist"}
    try:
        return classes[spec["dist"]](**kw)
    except Exception:  # noqa: BLE001 - a spec we cannot rebuild just gets no P5–P95 column
        return None


def input_table(ds: xr.Dataset, study: Study | None = None) -> list[dict[str, Any]]:
    """Every input with group, unit, distribution spec, base, P5 and P95 and source (plain data, used by
    the report and the Excel workbook). P5/P95 come from the distribution itself (study or stored
    spec), else from the sampled inputs, else are NaN."""
    params = json.loads(ds.attrs.get("parameters", "{}"))
    live = study.scenario(str(ds.attrs.get("scenario", "base"))).parameters if study is not None else None
    rows = []
    for name, p in params.items():
        spec = p.get("dist")
        uncertain = isinstance(spec, dict)
        p5 = p95 = float(p["base"])
        if uncertain:
            dist = live[name].dist if live is not None and name in live else _dist_from_spec(spec)
            if dist is not None:
                p5, p95 = (float(x) for x in dist.ppf([0.05, 0.95]))
            elif "inputs" in ds and name in ds["input"].values:
                p5, _, p95 = _q(ds["inputs"].sel(input=name).values)
            else:
                p5 = p95 = math.nan
        rows.append({"name": name, "group": p.get("group", ""), "unit": p.get("unit", ""), "spec": spec,
                     "uncertain": uncertain, "base": float(p["base"]), "p5": p5, "p95": p95,
                     "source": p.get("source", ""), "note": p.get("note", ""), "origin": p.get("origin", "")})
    return rows


def scenario_comparison(study: Study, ds: xr.Dataset, draws: int = SCENARIO_DRAWS) -> list[dict[str, Any]]:
    """Every named scenario (and the base) at ``draws`` draws with the run's seed and sampler.

    Scenarios share their uniforms (common random numbers), so the paired difference per draw is the
    scenario's effect, not sampling noise."""
    from ..simulator.results import simulate

    n = int(min(draws, int(ds.attrs.get("draws", draws))))
    seed, sampler = int(ds.attrs.get("seed", 0)), str(ds.attrs.get("sampler", "mc"))
    names = ["base", *study.scenarios]
    runs = {name: simulate(study.scenario(name), draws=n, seed=seed, sampler=sampler, store="lean")
            for name in names}
    ref = runs["base"]["saldo"].values
    rows = []
    for name in names:
        r = runs[name]
        s5, s50, s95 = _q(r["saldo"].values)
        b5, b50, b95 = _q(r["bc_social"].values)
        d5, d50, d95 = _q(r["saldo"].values - ref)
        rows.append({"name": name, "title": study.scenario_title(name) if name != "base" else "",
                     "draws": n, "base_saldo": float(r["base_saldo"]), "saldo_p5": s5, "saldo_p50": s50,
                     "saldo_p95": s95, "bc_p5": b5, "bc_p50": b50, "bc_p95": b95,
                     "base_bc_social": float(r["base_bc_social"]),
                     "p_bc_gt_1": float((r["bc_social"] > 1).mean()), "delta_p5": d5, "delta_p50": d50,
                     "delta_p95": d95})
    return rows


def _actor_rows(ds: xr.Dataset, lang: Lang) -> tuple[list[str], list[list[str]]]:
    from .charts import actor_net, is_lean

    base = actor_net(ds, base=True)
    t = _T[lang]
    if is_lean(ds):
        header = [t["actor"], t["base"]]
        rows = [[_label(ACTOR_LABELS, str(a), lang), format_money(float(base.sel(actor=a)), lang=lang)]
                for a in ds["actor"].values]
        return header, rows
    net = actor_net(ds)
    header = [t["actor"], t["base"], t["median"], t["range"], t["p_net"]]
    rows = []
    for a in ds["actor"].values:
        v = net.sel(actor=a).values
        lo, mid, hi = _q(v)
        involved = bool(np.any(v != 0)) or float(base.sel(actor=a)) != 0
        rows.append([_label(ACTOR_LABELS, str(a), lang), format_money(float(base.sel(actor=a)), lang=lang),
                     format_money(mid, lang=lang), format_money_range(lo, hi, lang=lang),
                     format_probability(float((v > 0).mean()), lang=lang) if involved else "—"])
    return header, rows


def _time_rows(ds: xr.Dataset, lang: Lang) -> tuple[list[str], list[list[str]]]:
    from .charts import is_lean, net_cashflow

    t = _T[lang]
    base = net_cashflow(ds, base=True).values
    years = [str(int(y)) for y in ds["year"].values]
    if is_lean(ds):
        return [t["year"], t["base"]], [[y, format_money(float(b), lang=lang)] for y, b in zip(years, base)]
    cf = net_cashflow(ds).values
    rows = []
    for j, y in enumerate(years):
        lo, mid, hi = _q(cf[:, j])
        rows.append([y, format_money(float(base[j]), lang=lang), format_money(mid, lang=lang),
                     format_money_range(lo, hi, lang=lang)])
    return [t["year"], t["base"], t["median"], t["range"]], rows


def build_report(
    ds: xr.Dataset,
    *,
    lang: Lang,
    study: Study | None,
    tornado: xr.Dataset | None = None,
    tornado_why: str = "",
    scenarios: Sequence[Mapping[str, Any]] | None = None,
    charts: Sequence[str] = (),
    sensitivity: Sequence[tuple[str, xr.Dataset]] = (),
    decision: Sequence[tuple[str, Any]] = (),
    study_status: str = "missing",
    dependent: xr.Dataset | None = None,
) -> Report:
    """The report's content as blocks; ``charts`` names the chart files that exist. ``dependent``: the
    given-data drivers (δ, S1) of this run's own draws, shown when the study has correlations."""
    t = _T[lang]
    res = summarise(ds)
    summ, base, prob = res["summary"], res["base"], res["probabilities"]
    a = ds.attrs
    title = a.get("title") or a.get("study", "")
    scen = str(a.get("scenario", "base"))
    rep = Report(lang=lang, title=f"{t['mkba_title']}: {title}" + ("" if scen == "base" else f" — {scen}"))

    lo, hi = format_money_ends(summ["saldo"]["p5"], summ["saldo"]["p95"], lang=lang)
    rep.p(t["headline"].format(lo=lo, hi=hi, p=format_probability_claim(prob["bc_social_gt_1"], lang=lang)))
    rep.p(t["base_sentence"].format(saldo=format_money(base["saldo"], lang=lang),
                                    bc=format_ratio(base["bc_social"], lang=lang)))
    if study is None:  # the file's name only: a council document shows no paths of the analyst's machine
        name = Path(str(a.get("study_file", "") or "?")).name
        why = t.get(f"study_{study_status}", t["study_missing"]).format(file=name)
        rep.p(t["no_study"].format(why=why))

    # costs and benefits
    rep.h(t["results"])
    header = [t["line"], t["base"], t["median"], t["range"], t["p_gt"]]
    rows = []
    items, labels = line_order(ds), line_labels(ds)
    for name in (*items, "costs", "benefits", "saldo", *RATIOS):
        s = summ[name]
        if name in RATIOS:
            rows.append([t[name], format_ratio(base[name], lang=lang), format_ratio(s["p50"], lang=lang),
                         format_ratio_range(s["p5"], s["p95"], lang=lang),
                         format_probability(prob[f"{name}_gt_1"], lang=lang)])
            continue
        if name in items and base[name] == 0 and s["p5"] == 0 and s["p95"] == 0:
            continue  # a line this study does not use
        label = _label(labels, name, lang) if name in items else t[name]
        last = f"P(> 0) {format_probability_claim(prob['saldo_gt_0'], lang=lang)}" if name == "saldo" else ""
        rows.append([label, format_money(base[name], lang=lang), format_money(s["p50"], lang=lang),
                     format_money_range(s["p5"], s["p95"], lang=lang), last])
    rep.table(Table(header, rows))
    rep.p(t["ratio_note"])
    for name in RATIOS:  # one line per ratio that is undefined in some draws (a denominator of 0)
        share = res["undefined"][name]
        if share >= 1.0:
            rep.p(t["undefined_all"].format(what=t[name]))
        elif share > 0.0:
            rep.p(t["undefined_some"].format(what=t[name], share=format_percent(share, 1, lang=lang)))

    # who pays, who gains (output part B)
    from .budget import BUDGET_TITLE, budget_ratio_sentence, budget_table

    if "actors" in res:
        rep.h(BUDGET_TITLE[lang])
        h, r, indent = budget_table(res, lang)
        rep.table(Table(h, [[("\u00a0\u00a0" * k) + row[0], *row[1:]] for row, k in zip(r, indent)]))
        rep.p(budget_ratio_sentence(res, lang))
        if "actors" in charts:
            rep.fig(Figure("actors", t["actor_caption"]))

    if "costs_benefits" in charts:
        rep.fig(Figure("costs_benefits", t["cb_caption"]))

    rep.h(t["distributions"])
    for var in ("saldo", *RATIOS):
        if var in charts:
            rep.fig(Figure(var, t["dist_caption"].format(what=t[var])))

    from .charts import is_lean

    lean = is_lean(ds)
    if "actors" not in res:  # results written before the per-actor totals were kept
        rep.h(t["actors"])
        h, r = _actor_rows(ds, lang)
        rep.table(Table(h, r))

    rep.h(t["time"])
    if lean:
        rep.p(t["lean_note"])
    h, r = _time_rows(ds, lang)
    rep.table(Table(h, r))
    if "cashflow" in charts:
        rep.fig(Figure("cashflow", t["time_caption"]))

    rep.h(t["drivers"])
    n_corr = len(study.parameters.correlations) if study is not None else 0
    if n_corr and dependent is not None:
        rep.p(t["dep_intro"].format(n=n_corr, draws=format_number(int(dependent.attrs.get("draws", 0)), lang=lang)))
        inert = dependent["inert"].values if "inert" in dependent else None
        rows = []
        for i, p in enumerate(dependent["parameter"].values[:10]):
            row = [str(p)] + [format_number(float(dependent["value"].sel(parameter=p, index=k)), 3, lang=lang)
                              for k in ("delta", "S1")]
            if inert is not None:
                row.append(t["no"] if bool(inert[i]) else t["yes"])
            rows.append(row)
        rep.table(Table([t["input"], "δ", "S1", *([t["inert_col"]] if inert is not None else [])], rows))
    elif n_corr:
        rep.p(t["dep_none"].format(n=n_corr))
    if tornado is not None:
        if "tornado" in charts:
            rep.fig(Figure("tornado", t["tornado_caption"]))
        rows = []
        for i in range(min(10, tornado.sizes["parameter"])):
            row = tornado.isel(parameter=i)
            rows.append([str(row["parameter"].values), format_money(float(row["target_low"]), lang=lang),
                         format_money(float(row["target_high"]), lang=lang), format_money(float(row["swing"]), lang=lang)])
        rep.table(Table([t["input"], t["low"], t["high"], t["swing"]], rows))
    else:
        rep.p(t["no_tornado"].format(why=tornado_why))
    for fname, sa in sensitivity:
        rep.p(t["saved_sa"].format(file=fname, method=sa.attrs.get("method", "?"), target=sa.attrs.get("target", "?"),
                                   n=format_number(int(sa.attrs.get("n_evaluations", 0)), lang=lang)))
        idx = [str(i) for i in sa["index"].values]
        def cell(v: float) -> str:  # Sobol indices are fractions, Morris μ* is in euros
            return format_number(v, 0 if abs(v) >= 100 else 3, lang=lang)

        rows = [[str(p)] + [cell(float(sa["value"].sel(parameter=p, index=i))) for i in idx]
                for p in sa["parameter"].values[:8]]
        rep.table(Table([t["input"], *idx], rows))
        if int(sa.attrs.get("inputs_treated_as_independent", 0)):
            rep.p(t["independent_sa"].format(n=len(json.loads(sa.attrs.get("correlations_ignored", "[]")))))

    for kind, b in decision:  # "Besluit en onzekerheid": plain blocks from mkba.decision.section
        if kind == "table":
            rep.table(Table(b["header"], b["rows"], b.get("align", "")))
        elif kind == "figure":
            if b["name"] in charts:
                rep.fig(Figure(b["name"], b["caption"]))
        else:
            rep.blocks.append((kind, b))

    if study is not None:
        rep.h(t["scenarios"])
        if scenarios and len(scenarios) > 1:
            rows = []
            for s in scenarios:
                label = t["base_scenario"] if s["name"] == "base" else f"{s['name']}: {s['title']}"
                delta = "—" if s["name"] == "base" else \
                    f"{format_money(s['delta_p50'], lang=lang)} ({format_money_range(s['delta_p5'], s['delta_p95'], lang=lang)})"
                rows.append([label, format_money(s["base_saldo"], lang=lang),
                             format_money_range(s["saldo_p5"], s["saldo_p95"], lang=lang),
                             format_ratio_range(s["bc_p5"], s["bc_p95"], lang=lang),
                             format_probability(s["p_bc_gt_1"], lang=lang), delta])
            rep.table(Table([t["scenario"], f"{t['saldo']}: {t['base'].lower()}", f"{t['saldo']}: {t['range']}",
                             f"{t['bc_social']}: {t['range']}", t["p_bc"], t["delta"]], rows))
        else:
            rep.p(t["no_scenarios"])

    # assumptions
    rep.h(t["assumptions"])
    inputs = input_table(ds, study)
    unc = [r for r in inputs if r["uncertain"]]
    fixed = [r for r in inputs if not r["uncertain"]]
    rep.h3(f"{t['uncertain']} ({len(unc)})")
    rep.table(Table([t["name"], t["dist"], t["base"], t["p5p95"], t["unit"], t["source"]],
                    [[r["name"], _dist_text(r["spec"], lang), _num(r["base"], lang),
                      f"{_num(r['p5'], lang)} – {_num(r['p95'], lang)}", r["unit"],
                      format_source(r["source"], r["note"], lang)] for r in unc],
                    align="llrrll"))
    rep.h3(f"{t['fixed']} ({len(fixed)})")
    rep.table(Table([t["name"], t["value"], t["unit"], t["source"]],
                    [[r["name"], _num(r["base"], lang), r["unit"], format_source(r["source"], r["note"], lang)]
                     for r in fixed], align="lrll"))
    unsourced = [r["name"] for r in inputs if not r["source"]]
    rep.p(t["unsourced"].format(n=len(unsourced), names=", ".join(unsourced)) if unsourced else t["all_sourced"])

    rep.h(t["method"])
    rep.p(_method_note(ds, lang, scenarios, tornado))
    if "convergence" in charts:
        rep.fig(Figure("convergence", t["conv_caption"]))

    rep.h(t["provenance"])
    prov = [("study", a.get("study", "")), ("scenario", scen), ("study_file", Path(str(a.get("study_file", ""))).name),
            ("study_hash", a.get("study_hash", "")), ("mkba_version (run)", a.get("mkba_version", "")),
            ("created (run)", a.get("created", "")), ("mkba_version (report)", __version__)]
    rep.table(Table(["", ""], [[k, str(v)] for k, v in prov], align="ll"))
    return rep


def _method_note(ds: xr.Dataset, lang: Lang, scenarios: Sequence[Mapping[str, Any]] | None,
                 tornado: xr.Dataset | None) -> str:
    a = ds.attrs
    draws = format_number(int(a.get("draws", ds.sizes["draw"])), lang=lang)
    sampler = {"mc": ("Monte Carlo", "Monte Carlo"), "lhs": ("Latin hypercube", "Latin hypercube")}.get(
        str(a.get("sampler", "mc")), (str(a.get("sampler")),) * 2)[0 if lang == "nl" else 1]
    rate = format_percent(float(a.get("discount_rate", math.nan)), 1, lang=lang)
    n_sc = format_number(scenarios[0]["draws"], lang=lang) if scenarios else ""
    if lang == "nl":
        text = (f"{draws} trekkingen ({sampler}), seed {a.get('seed')}, alle onzekere invoer tegelijk getrokken; "
                f"disconteringsvoet {rate} (reëel + risico-opslag). Opslag: {a.get('store', 'full')}. "
                "Ranges zijn 90 %-intervallen (P5–P95) over de trekkingen; het basisgeval is het model met elke "
                "invoer op zijn basiswaarde.")
        if tornado is not None:
            text += " De tornado is een één-voor-één-analyse: elke invoer op zijn P5 en P95, de rest op basis."
        if scenarios:
            text += (f" De scenariovergelijking gebruikt {n_sc} trekkingen per scenario (minder dan de hoofdrun, "
                     "om het rapport snel te houden) met dezelfde seed; scenario's delen hun toevalsgetallen "
                     "(common random numbers), dus Δ saldo is het effect van het scenario per trekking, "
                     "geen steekproefruis.")
        return text
    text = (f"{draws} draws ({sampler}), seed {a.get('seed')}, all uncertain inputs sampled together; discount "
            f"rate {rate} (real + risk premium). Storage: {a.get('store', 'full')}. Ranges are 90% intervals "
            "(P5–P95) over the draws; the base case is the model with every input at its base value.")
    if tornado is not None:
        text += " The tornado is a one-way analysis: each input at its P5 and P95, all others at base."
    if scenarios:
        text += (f" The scenario comparison uses {n_sc} draws per scenario (fewer than the main run, to keep the "
                 "report fast) with the same seed; scenarios share their random numbers (common random "
                 "numbers), so Δ saldo is the scenario's effect per draw, not sampling noise.")
    return text


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


DRIVER_RESAMPLES = 20  # bootstrap resamples of the report's δ (bias reduction, inert reference): ~1 s


def dependent_drivers(ds: xr.Dataset, study: Study | None) -> xr.Dataset | None:
    """δ and S1 of saldo from the run's own draws (which carry the study's correlations), when the study
    has correlations and the run kept its inputs; else None. Design-based methods would ignore them."""
    if study is None or not study.parameters.correlations or "inputs" not in ds:
        return None
    try:
        from ..sensitivity.given_data import given_data

        return given_data(ds, method="delta", target="saldo", num_resamples=DRIVER_RESAMPLES,
                          seed=int(ds.attrs.get("seed", 0)))
    except (ImportError, ValueError):  # e.g. too few draws, or a constant saldo
        return None


def _tornado(study: Study, ds: xr.Dataset) -> xr.Dataset:
    from ..sensitivity.oneway import oneway

    s = study.scenario(str(ds.attrs.get("scenario", "base")))
    return oneway(s.model, s.parameters, target="saldo", low=0.05, high=0.95)


def _decision_section(ds: xr.Dataset, lang: Lang, study: Study | None, chart_dir: Path) -> tuple[list, dict]:
    """The blocks of "Besluit en onzekerheid" and its acceptability chart (issue 12)."""
    from ..decision.section import report_section
    from .charts import save_figure
    from .decision_charts import plot_acceptability

    if study is not None:  # the run's own scenario (its own lines and correlations)
        study = study.scenario(str(ds.attrs.get("scenario", "base")))
    blocks, a = report_section(ds, lang, study=study)
    written = {}
    if a is not None and a.acceptability is not None:
        written["acceptability"] = save_figure(plot_acceptability(a.acceptability, lang=lang).figure,
                                               chart_dir / "acceptability")
    return blocks, written


def write_report(
    ds: xr.Dataset,
    folder: str | Path,
    *,
    lang: str | None = None,
    study: Study | None = None,
    find_study: bool = True,
    scenario_draws: int = SCENARIO_DRAWS,
    excel: bool = True,
    sensitivity_dir: str | Path | None = None,
    study_status: str = "missing",
) -> dict[str, str]:
    """Write report.md, report.html, summary.xlsx and charts/ into ``folder``; returns the paths.

    ``study``: the study that produced ``ds``; if None and ``find_study``, the study file named in the
    Dataset attrs is used when it still exists with the same content hash. Results of ``mkba
    sensitivity`` (``sensitivity-<method>.nc``) found in ``sensitivity_dir`` (default ``folder``) are
    listed in the drivers section."""
    from .charts import ChartJob, new_axes, save_figure

    folder = Path(folder)
    language = resolve_language(ds, lang)
    if study is None and find_study:
        lookup = locate_study(ds, results_file=sensitivity_dir and Path(sensitivity_dir) / "results.nc")
        study, study_status = lookup.study, lookup.status
    if study is not None and study.scenario_name != "base":
        # a scenario's Study has no scenarios of its own: compare from the study as written
        from ..simulator.study import Study

        study = Study.from_dict(study.raw, source=study.source)
    chart_dir = folder / "charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    job = ChartJob(ds, chart_dir, lang=language)  # drawn in worker processes while we do the rest here
    try:
        tornado, why, tornado_paths = None, "", None
        if study is not None and not study.scenario(str(ds.attrs.get("scenario", "base"))).parameters.uncertain:
            why = "geen onzekere invoer" if language == "nl" else "no uncertain inputs"
        elif study is not None:
            try:
                from .sensitivity_charts import plot_tornado

                tornado = _tornado(study, ds)
                top = min(12, tornado.sizes["parameter"])
                height = 1.2 + 0.32 * top
                # input names are long: a wide left margin (the chart has no layout engine)
                ax = new_axes((7.2, height), left=0.40, right=0.97, bottom=0.6 / height + 0.05)
                plot_tornado(tornado, ax=ax, lang=language, top=top)
                tornado_paths = save_figure(ax.figure, chart_dir / "tornado")
            except ImportError as exc:  # the sensitivity package is optional for a report
                tornado, why = None, str(exc)
        else:
            why = "studiebestand niet beschikbaar" if language == "nl" else "study file not available"

        scenarios = scenario_comparison(study, ds, scenario_draws) if study is not None and study.scenarios else None
        inputs = input_table(ds, study)
        out = {"report_md": str(folder / "report.md"), "report_html": str(folder / "report.html"),
               "charts": str(chart_dir)}
        if excel:
            from .excel import write_excel

            write_excel(ds, folder / "summary.xlsx", lang=language, inputs=inputs, scenarios=scenarios)
            out["excel"] = str(folder / "summary.xlsx")
        decision, written_decision = _decision_section(ds, language, study, chart_dir)
    finally:
        written = job.result()
    if tornado_paths is not None:
        written["tornado"] = tornado_paths

    sensitivity = saved_sensitivity(Path(sensitivity_dir) if sensitivity_dir else folder, ds)
    written.update(written_decision)
    rep = build_report(ds, lang=language, study=study, tornado=tornado, tornado_why=why, scenarios=scenarios,
                       charts=list(written), sensitivity=sensitivity, study_status=study_status, decision=decision,
                       dependent=dependent_drivers(ds, study))
    images = {name: paths["png"].read_bytes() for name, paths in written.items()}
    md, page = render_markdown(rep), render_html(rep, images)
    atomic_write(folder / "report.md", lambda p: p.write_text(md, encoding="utf-8"))
    atomic_write(folder / "report.html", lambda p: p.write_text(page, encoding="utf-8"))
    return out

