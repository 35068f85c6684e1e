"""Summary of a batch: one row per study × scenario (base case, P5/P50/P95 of saldo and the ratios,
P(ratio > 1), and the paired change of saldo against the study's base scenario; the NPV of each line
beyond the template's — own lines, a plan's investments — and with a [plan] the municipal budget per
year), as a console table, CSV and JSON, and a chart comparing scenarios.

Memory: statistics are computed one case at a time, so a lazily opened Zarr result is never loaded
whole. The chart is greyscale (markers and line styles carry the meaning) with a lazy matplotlib import.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..simulator.domain import ITEMS
from ..simulator.labels import input_label
from .formatting import Lang, format_number, format_probability, format_ratio
from .summary import QUANTILES, RATIOS, prob_above

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["summarise_batch", "format_batch_table", "batch_csv_text", "plot_batch", "write_batch_chart",
           "MEASURES", "batch_language", "case_title"]

MEASURES = ("saldo", *RATIOS)
_T: dict[str, dict[str, str]] = {
    "nl": {"saldo": "Saldo (€; kans > 0)", "bc_social": "B/K maatschappelijk", "bc_financial": "B/K financieel",
           "bc_municipal": "B/K gemeente", "delta_saldo": "Δ saldo t.o.v. basis (€)", "case": "Geval",
           "measure": "Grootheid", "base": "Basisgeval", "p": "Kans > 1", "study": "Studie",
           "municipal": "Gemeente {year} (€, niet verdisconteerd)", "base_scenario": "basis",
           "chart_saldo": "Saldo (× € 1.000)", "chart_bc": "B/K maatschappelijk", "interval": "90 %-interval (P5–P95)",
           "median": "mediaan", "base_case": "basisgeval", "title": "Scenario's vergeleken"},
    "en": {"saldo": "Balance (€; P > 0)", "bc_social": "Social B/C", "bc_financial": "Financial B/C",
           "bc_municipal": "Municipal B/C", "delta_saldo": "Δ balance vs base (€)", "case": "Case",
           "measure": "Measure", "base": "Base case", "p": "P(> 1)", "study": "Study",
           "municipal": "Municipality {year} (€, undiscounted)", "base_scenario": "base",
           "chart_saldo": "Balance (€ thousand)", "chart_bc": "Social B/C", "interval": "90% interval (P5–P95)",
           "median": "median", "base_case": "base case", "title": "Scenarios compared"},
}


def batch_language(ds: xr.Dataset) -> Lang:
    """The language of a batch's outputs: Dutch when all its studies are Dutch, else English (a batch of
    studies in several languages is read by people who share English)."""
    try:
        studies = json.loads(ds.attrs.get("studies", "{}") or "{}")
    except ValueError:
        studies = {}
    langs = {m.get("language", "nl") for m in studies.values() if isinstance(m, dict)} or {"nl"}
    return "nl" if langs == {"nl"} else "en"


def case_title(ds: xr.Dataset, study: str, scenario: str, lang: Lang) -> str:
    """A case's title as a reader sees it: the study's scenario title, or for a grid point the grid's
    title with each input by its label and its value in the language's notation ("Waarde van een QALY =
    20.000", not "prices.qaly_value = 20000"); the base scenario is "basis" / "base"."""
    from ..simulator.batch import _show
    from .inputs import format_value

    title = str(ds["case_title"].sel(study=study, scenario=scenario).values) if "case_title" in ds else scenario
    if scenario == "base" and title in ("", "base"):
        return _T[lang]["base_scenario"]
    try:
        cases = json.loads(ds.attrs.get("cases", "[]") or "[]")
    except ValueError:
        cases = []
    for case in cases:
        if case.get("study") == study and case.get("scenario") == scenario:
            for path, value in case.get("overrides", {}).items():
                name = input_label(path, lang)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    title = title.replace(f"{path} = {_show(value)}", f"{name} = {format_value(float(value), lang)}")
                title = title.replace(path, name)
    return title


def _quantiles(v: np.ndarray) -> dict[str, float]:
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": float("nan"), "p5": float("nan"), "p50": float("nan"), "p95": float("nan")}
    q = np.quantile(v, QUANTILES)
    return {"mean": float(v.mean()), "p5": float(q[0]), "p50": float(q[1]), "p95": float(q[2])}


def summarise_batch(ds: xr.Dataset, lang: Lang | None = None) -> list[dict[str, Any]]:
    """One JSON-ready dict per present study × scenario, in the Dataset's order; ``title`` is the case's
    title in ``lang`` (default :func:`batch_language`; :func:`case_title`).

    ``delta_saldo`` is the per-draw difference to the study's ``base`` scenario: the scenarios share
    their uniforms (common random numbers), so this is the scenario's effect, not sampling noise."""
    rows = []
    lang = batch_language(ds) if lang is None else lang
    try:
        meta = json.loads(ds.attrs.get("studies", "{}") or "{}")
    except ValueError:
        meta = {}
    present = ds["present"].values
    for i, study in enumerate(ds["study"].values.tolist()):
        base_saldo = None
        if "base" in ds["scenario"].values and present[i, list(ds["scenario"].values).index("base")]:
            base_saldo = ds["saldo"].sel(study=study, scenario="base").values
        for j, scenario in enumerate(ds["scenario"].values.tolist()):
            if not present[i, j]:
                continue
            case = ds.isel(study=i, scenario=j)
            values = {m: np.asarray(case[m].values, dtype=np.float64) for m in MEASURES}
            row: dict[str, Any] = {
                "study": study,
                "scenario": scenario,
                "title": case_title(ds, study, scenario, lang),
                "study_title": str((meta.get(study) or {}).get("title") or study),
                "base": {k: float(case[f"base_{k}"]) for k in ("costs", "benefits", *MEASURES)},
                "summary": {m: _quantiles(values[m]) for m in MEASURES},
                "probabilities": {
                    "bc_social_gt_1": prob_above(values["bc_social"], 1.0),
                    "bc_financial_gt_1": prob_above(values["bc_financial"], 1.0),
                    "bc_municipal_gt_1": prob_above(values["bc_municipal"], 1.0),
                    "saldo_gt_0": prob_above(values["saldo"], 0.0),
                },
            }
            if base_saldo is not None:
                base_row = float(ds["base_saldo"].sel(study=study, scenario="base"))
                row["delta_saldo"] = {"base": row["base"]["saldo"] - base_row,
                                      **_quantiles(values["saldo"] - base_saldo)}
            lines = _own_lines(ds, case)
            if lines:
                row["lines"] = lines
            plan = _plan(case)
            if plan:
                row["plan"] = plan
            rows.append(row)
    return rows


def _own_lines(ds: xr.Dataset, case: xr.Dataset) -> dict[str, dict[str, Any]]:
    """The lines of this case beyond the template's (own lines, a plan's investments): NPV per draw.
    A line of another study is NaN in this case (not part of its MKBA) and is left out."""
    out: dict[str, dict[str, Any]] = {}
    extra = [i for i in ds["item"].values.tolist() if i not in ITEMS]
    if not extra:
        return out
    base = case["base_npv"].sel(item=extra).sum("actor", skipna=False).values
    for name, b in zip(extra, base, strict=True):
        if not np.isfinite(b):
            continue
        item = ds["item"] == name
        title = (ds["item_title"].where(item, drop=True).values.tolist() if "item_title" in ds.coords else [name])[0]
        title_en = (ds["item_title_en"].where(item, drop=True).values.tolist()
                    if "item_title_en" in ds.coords else [title])[0]
        out[name] = {"title": str(title), "title_en": str(title_en), "kind": str(case["kind"].sel(item=name).values),
                     "base": float(b), **_quantiles(np.asarray(case["line"].sel(item=name).values, dtype=np.float64))}
    return out


def _plan(case: xr.Dataset) -> dict[str, Any] | None:
    """The case's municipal budget per plan year (benefits − costs of the municipal actors, undiscounted
    cash flows), as ``mkba run`` reports it; only the years of this case's own plan."""
    if "base_plan_municipal" not in case:
        return None
    base = case["base_plan_municipal"].values
    keep = np.isfinite(base)
    if not keep.any():
        return None
    years = case["plan_year"].values[keep]
    draws = np.asarray(case["plan_municipal"].values, dtype=np.float64)[:, keep]
    per_year = [_quantiles(draws[:, k]) for k in range(len(years))]
    return {"years": [int(y) for y in years], "municipal": {
        "base": [float(x) for x in base[keep]], **{k: [p[k] for p in per_year] for k in ("mean", "p5", "p50", "p95")}}}


def _num(v: float, ratio: bool, lang: Lang) -> str:
    if v != v:
        return "—"
    return format_ratio(v, lang=lang) if ratio else format_number(v, 0, lang=lang)


def format_batch_table(rows: list[dict[str, Any]], lang: Lang = "nl") -> str:
    """A compact console table in ``lang``: per study, per case its title and one line for each measure
    (base case, P5, P50, P95, P(> 1) or, for the balance, P(> 0))."""
    from .console import text_table

    t = _T[lang]
    out: list[str] = []
    for study in dict.fromkeys(r["study"] for r in rows):
        body: list[list[str]] = []
        for r in (r for r in rows if r["study"] == study):
            body.append([r["title"][:1].upper() + r["title"][1:], "", "", "", "", ""])
            for m in MEASURES:
                ratio = m != "saldo"
                s = r["summary"][m]
                p = r["probabilities"][f"{m}_gt_1"] if ratio else r["probabilities"]["saldo_gt_0"]
                body.append(["  " + t[m], *(_num(v, ratio, lang) for v in (r["base"][m], s["p5"], s["p50"], s["p95"])),
                             format_probability(p, lang=lang, decimals=3)])
            if "delta_saldo" in r and r["scenario"] != "base":
                d = r["delta_saldo"]
                body.append(["  " + t["delta_saldo"], *(_num(d[q], False, lang) for q in ("base", "p5", "p50", "p95")),
                             ""])
            for line in r.get("lines", {}).values():  # own lines (NPV, €)
                title = line["title"] if lang == "nl" else line.get("title_en") or line["title"]
                body.append([f"  {title} (€)", *(_num(line[q], False, lang) for q in ("base", "p5", "p50", "p95")), ""])
            if "plan" in r:  # the municipal budget per plan year (cash flows, not discounted)
                m = r["plan"]["municipal"]
                for k, year in enumerate(r["plan"]["years"]):
                    body.append(["  " + t["municipal"].format(year=year),
                                 *(_num(m[q][k], False, lang) for q in ("base", "p5", "p50", "p95")), ""])
        name = rows[[r["study"] for r in rows].index(study)].get("study_title") or study
        out += [f"{t['study']}: {name}", *text_table([t["case"], t["base"], "P5", "P50", "P95", t["p"]], body), ""]
    return "\n".join(out).rstrip() + "\n"


def batch_csv_text(rows: list[dict[str, Any]]) -> str:
    """One CSV row per study × scenario, full precision."""
    fields = ["study", "scenario", "title"]
    for m in ("costs", "benefits", *MEASURES):
        fields.append(f"base_{m}")
    for m in MEASURES:
        fields += [f"{m}_{q}" for q in ("mean", "p5", "p50", "p95")]
    fields += ["p_bc_social_gt_1", "p_bc_financial_gt_1", "p_bc_municipal_gt_1", "p_saldo_gt_0"]
    fields += ["delta_saldo_base", "delta_saldo_p5", "delta_saldo_p50", "delta_saldo_p95"]
    stats = ("base", "mean", "p5", "p50", "p95")
    # own lines and plan years: the union over the cases (an empty cell where a case has none)
    lines = list(dict.fromkeys(n for r in rows for n in r.get("lines", {})))
    years = sorted({y for r in rows for y in r.get("plan", {}).get("years", [])})
    fields += [f"line_{n}_{q}" for n in lines for q in stats]
    fields += [f"municipal_{y}_{q}" for y in years for q in stats]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        flat: dict[str, Any] = {"study": r["study"], "scenario": r["scenario"], "title": r["title"]}
        flat.update({f"base_{k}": v for k, v in r["base"].items()})
        for m in MEASURES:
            flat.update({f"{m}_{q}": v for q, v in r["summary"][m].items()})
        flat.update({f"p_{k}": v for k, v in r["probabilities"].items()})
        if "delta_saldo" in r:
            flat.update({f"delta_saldo_{q}": r["delta_saldo"][q] for q in ("base", "p5", "p50", "p95")})
        for n, line in r.get("lines", {}).items():
            flat.update({f"line_{n}_{q}": line[q] for q in stats})
        if "plan" in r:
            m = r["plan"]["municipal"]
            for k, y in enumerate(r["plan"]["years"]):
                flat.update({f"municipal_{y}_{q}": m[q][k] for q in stats})
        w.writerow({k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in flat.items()})
    return buf.getvalue()


def plot_batch(rows: list[dict[str, Any]], *, fig: Figure | None = None, lang: Lang = "nl") -> Figure:
    """Two panels, saldo and social B/C: per case (by its title) the 90 % interval (bar), the median (●)
    and the base case (◇), with the break-even line; in one language. Greyscale; returns the figure
    (never shown)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    t = _T[lang]
    multi = len({r["study"] for r in rows}) > 1
    # long titles keep their start and their end (a grid point differs in its value at the end)
    short = [r["title"] if len(r["title"]) <= 48 else r["title"][:18] + "…" + r["title"][-29:] for r in rows]
    short = [s[:1].upper() + s[1:] for s in short]
    labels = [f"{r.get('study_title') or r['study']} · {s}" if multi else s for r, s in zip(rows, short)]
    n = len(rows)
    if fig is None:
        fig = Figure(figsize=(8.0, 1.2 + 0.38 * n), dpi=150, layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    y = np.arange(n)[::-1]
    for ax, m, ref, scale in ((axes[0], "saldo", 0.0, 1e3), (axes[1], "bc_social", 1.0, 1.0)):
        s = [r["summary"][m] for r in rows]
        p5, p50, p95 = (np.array([v[k] for v in s]) / scale for k in ("p5", "p50", "p95"))
        base = np.array([r["base"][m] for r in rows]) / scale
        ax.hlines(y, p5, p95, colors="#8c8c8c", linewidth=5, label=t["interval"])
        ax.plot(p50, y, "o", color="#000000", markersize=5, label=t["median"])
        ax.plot(base, y, "D", markerfacecolor="#ffffff", markeredgecolor="#000000", markersize=5,
                label=t["base_case"])
        ax.axvline(ref / scale, color="#000000", linestyle=(0, (1, 1.5)), linewidth=0.8)
        ax.set_title(t["chart_saldo"] if m == "saldo" else t["chart_bc"], fontsize=9)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p, d=0 if m == "saldo" else 2: format_number(v, d, lang=lang)))
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
        ax.tick_params(labelsize=8)
    axes[0].set_yticks(y, labels)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    fig.suptitle(t["title"], fontsize=10)
    return fig


def write_batch_chart(rows: list[dict[str, Any]], folder: str | Path, name: str = "scenarios",
                      lang: Lang = "nl") -> list[Path]:
    """PNG and SVG of :func:`plot_batch`, each written atomically."""
    from ..simulator.results import atomic_write

    fig = plot_batch(rows, lang=lang)
    out = []
    for ext in ("png", "svg"):
        path = Path(folder) / f"{name}.{ext}"
        atomic_write(path, lambda p, ext=ext: fig.savefig(p, format=ext, metadata=(
            {"Date": None} if ext == "svg" else None)))
        out.append(path)
    return out
