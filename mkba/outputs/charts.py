"""Report charts of a result Dataset: plain functions ``plot_x(ds, *, ax=None, lang=...) -> Axes``.

One style for all: greys, hatching and line styles carry the meaning (never colour alone), so the
charts survive a greyscale print of a council document. matplotlib is imported lazily (``mkba
validate`` and ``mkba run --no-report`` never pay for it) and only through the object API
(``matplotlib.figure.Figure`` with the Agg canvas): no pyplot state, never ``show()``.

Every store keeps the per-actor costs and benefits per draw and the bands of the net cash flow
(``cashflow_band``), so the actor and time-profile charts are the same for the lean and the full store;
results of older versions without them get those charts of the base case, with a note in the title.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..simulator.domain import ACTOR_LABELS
from .formatting import Lang, format_number, format_probability
from .lines import line_labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_distribution",
    "plot_ratios",
    "plot_costs_benefits",
    "plot_actors",
    "plot_cashflow",
    "plot_convergence",
    "new_axes",
    "save_figure",
    "render_charts",
    "draw_report_charts",
    "draw_tornado",
    "draw_acceptability",
    "actor_net",
    "net_cashflow",
    "is_lean",
    "CHART_NAMES",
]

# --- style -----------------------------------------------------------------------------------
INK = "#000000"
GREYS = ("#3a3a3a", "#8c8c8c", "#c8c8c8", "#e6e6e6", "#5e5e5e", "#b0b0b0")
FILLS = ("#ffffff", "#d4d4d4", "#a8a8a8", "#ececec")  # light enough for black hatching to show
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "---", "ooo", "|||", "**")
LS_TAIL, LS_MID, LS_BREAK = (0, (5, 3)), "-", (0, (1, 1.5))  # P5/P95, P50, break-even
FIGSIZE = (6.4, 3.9)
DPI = 150
RC: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "none",  # text stays text in SVG (searchable, editable in Word/Inkscape)
    "svg.hashsalt": "mkba",  # deterministic SVG ids
    "font.family": "DejaVu Sans",
    # a fixed title height: matplotlib otherwise measures every tick label of the axes at each draw to
    # lift the title over top tick labels, which these charts do not have (a quarter of the drawing time)
    "axes.titley": 1.0,
    # glyphs rendered without hinting: at 150 dpi it looks the same, and every text draws ~10 % faster
    "text.hinting": "no_hinting",
}

_TEXT = {
    "nl": {
        "saldo": "Saldo", "bc_social": "B/K-verhouding maatschappelijk", "bc_financial": "B/K-verhouding financieel",
        "bc_municipal": "B/K-verhouding gemeente", "costs": "Kosten", "benefits": "Baten",
        "freq": "Aandeel trekkingen", "cdf": "Cumulatieve kans", "breakeven": "Break-even",
        "draws": "Aantal trekkingen", "net": "Netto resultaat (contante waarde)", "year": "Jaar",
        "cash": "Netto kasstroom (onverdisconteerd)", "median": "mediaan", "mean": "gemiddelde",
        "interval": "90 %-interval", "iqr": "50 %-interval", "base": "basisgeval",
        "lean": "basisgeval (lean run: geen verdeling per trekking bewaard)",
        "title_cb": "Kosten (links) en baten (rechts) per post, met 90 %-interval",
        "cb_axis": "Contante waarde",
        "cb_apart": "Niet getekend, want even groot als het hele team: {lines}.",
        "title_actor": "Netto resultaat per actor", "title_cash": "Kasstroom per jaar",
        "title_conv": "Convergentie", "pos": "P(netto > 0)", "million": "€ mln", "thousand": "× € 1.000",
        "euro": "€", "pv": "Contante waarde",
        "title_ratios": "B/K-verhoudingen", "ratio_axis": "Baten / kosten", "no_ratio": "in geen trekking gedefinieerd",
        "row_bc_social": "Maatschappelijk", "row_bc_financial": "Financieel", "row_bc_municipal": "Gemeente",
        "shape": "Verdeling van de trekkingen",
    },
    "en": {
        "saldo": "Saldo (net benefit)", "bc_social": "B/C ratio, social", "bc_financial": "B/C ratio, financial",
        "bc_municipal": "B/C ratio, municipal", "costs": "Costs", "benefits": "Benefits",
        "freq": "Share of draws", "cdf": "Cumulative probability", "breakeven": "Break-even",
        "draws": "Number of draws", "net": "Net result (present value)", "year": "Year",
        "cash": "Net cash flow (undiscounted)", "median": "median", "mean": "mean",
        "interval": "90% interval", "iqr": "50% interval", "base": "base case",
        "lean": "base case (lean run: no per-draw split stored)",
        "title_cb": "Costs (left) and benefits (right) per line, with 90% interval",
        "cb_axis": "Present value",
        "cb_apart": "Not drawn, as large as the whole team: {lines}.",
        "title_actor": "Net result per actor", "title_cash": "Cash flow per year",
        "title_conv": "Convergence", "pos": "P(net > 0)", "million": "€ million", "thousand": "€ thousand",
        "euro": "€", "pv": "Present value",
        "title_ratios": "B/C ratios", "ratio_axis": "Benefits / costs", "no_ratio": "defined in no draw",
        "row_bc_social": "Social", "row_bc_financial": "Financial", "row_bc_municipal": "Municipal",
        "shape": "Distribution of the draws",
    },
}
RATIO_VARS = ("bc_social", "bc_financial", "bc_municipal")
CHART_NAMES = ("saldo", "ratios", "costs_benefits", "actors", "cashflow", "convergence")


def _t(lang: str, key: str) -> str:
    return _TEXT[lang][key]


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context(RC)


MARGINS = {"left": 0.11, "right": 0.89, "bottom": 0.13, "top": 0.91}


def new_axes(figsize: tuple[float, float] = FIGSIZE, **margins: float) -> Axes:
    """Axes on a fresh Agg figure, without pyplot (no global state, safe in threads).

    Fixed margins instead of a layout engine: constrained layout measures every text several times
    per save and made the report's charts three times slower."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _rc():
        fig = Figure(figsize=figsize, dpi=DPI)
        FigureCanvasAgg(fig)
        fig.subplots_adjust(**{**MARGINS, **margins})
        ax = fig.add_subplot()
        _few_ticks(ax)
        return ax


def _few_ticks(ax: Axes) -> None:
    """At most ~6 ticks along x and 5 along y (matplotlib's default fits up to 9): as readable, and every
    tick is a handful of artists that each chart creates and draws anew (the axes were a third of the
    drawing time)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))


def _axes(ax: Axes | None, **margins: float) -> Axes:
    return new_axes(**margins) if ax is None else ax


def is_lean(ds: xr.Dataset) -> bool:
    """True when the per-draw actor cube / cash flow were not stored (``--store lean``)."""
    return "npv" not in ds or "cashflow" not in ds


def _sign(ds: xr.Dataset) -> xr.DataArray:
    # costs count against the net result, every benefit kind for it
    return xr.where(ds["kind"] == "cost", -1.0, 1.0)


def actor_net(ds: xr.Dataset, *, base: bool = False) -> xr.DataArray:
    """Net present value per actor (benefits − costs): per draw ``(draw, actor)``, or the base case."""
    pre = "base_" if base else ""
    if f"{pre}actor_costs" in ds:  # kept in every store (float32 in the lean one)
        return ds[f"{pre}actor_benefits"].astype(np.float64) - ds[f"{pre}actor_costs"].astype(np.float64)
    npv = ds["base_npv"] if base else ds["npv"]
    return (npv * _sign(ds)).sum("item")


def net_cashflow(ds: xr.Dataset, *, base: bool = False) -> xr.DataArray:
    """Undiscounted net cash flow per year (benefits − costs): ``(draw, year)`` or the base case."""
    cf = ds["base_cashflow"] if base else ds["cashflow"]
    return (cf * _sign(ds)).sum("item")


def _money_axis(axis: Any, max_abs: float, lang: Lang) -> str:
    """Tick labels in € mln or € thousand with the language's separators; returns the unit label."""
    from matplotlib.ticker import FuncFormatter

    if max_abs >= 1e6:
        div, unit = 1e6, _t(lang, "million")
    elif max_abs >= 1e3:
        div, unit = 1e3, _t(lang, "thousand")
    else:
        div, unit = 1.0, _t(lang, "euro")

    def fmt(v: float, _pos: int) -> str:
        x = v / div
        decimals = 0 if abs(x) >= 10 or x == round(x) else (1 if abs(10 * x - round(10 * x)) < 1e-9 else 2)
        return format_number(x, decimals, lang=lang)

    axis.set_major_formatter(FuncFormatter(fmt))
    return unit


def _num_axis(axis: Any, lang: Lang, decimals: int = 2) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _p: format_number(v, decimals, lang=lang)))


def _legend_below(ax: Axes) -> None:
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, frameon=False)


def _finite(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v[np.isfinite(v)]


def plot_distribution(ds: xr.Dataset, var: str = "saldo", *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """Histogram (left axis) and CDF (right axis) of ``saldo`` or a ratio, with P5/P50/P95 and the
    break-even line (saldo 0, ratio 1)."""
    ax = _axes(ax)
    v = _finite(ds[var].values)
    q5, q50, q95 = np.quantile(v, (0.05, 0.5, 0.95))
    ratio = var in RATIO_VARS
    breakeven = 1.0 if ratio else 0.0
    with _rc():
        weights = np.full(v.size, 1.0 / v.size)
        # one step-filled patch instead of 60 bars: the same picture, drawn several times faster
        ax.hist(v, bins=60, weights=weights, histtype="stepfilled", facecolor=GREYS[3], edgecolor=GREYS[1],
                linewidth=0.6, label=_t(lang, "freq"))
        ax.set_ylabel(_t(lang, "freq"))
        _num_axis(ax.yaxis, lang, 2)
        cdf_ax = ax.twinx()
        xs = np.sort(v)
        step = max(1, xs.size // 2000)  # a few thousand points draw the same curve, faster and smaller SVG
        cdf_ax.plot(xs[::step], (np.arange(xs.size)[::step] + 1) / xs.size, color=INK, lw=1.2, label=_t(lang, "cdf"))
        cdf_ax.set_ylim(0, 1.02)
        cdf_ax.set_ylabel(_t(lang, "cdf"))
        _num_axis(cdf_ax.yaxis, lang, 1)
        # P5 and P95 share one legend entry (one line style): a legend entry costs as much as a tick
        for q, label, ls in ((q5, "P5, P95", LS_TAIL), (q50, "P50", LS_MID), (q95, "_P95", LS_TAIL)):
            ax.axvline(q, color=GREYS[0], ls=ls, lw=1.0, label=label)
        # always show break-even, so the distance from it (the margin of safety) is visible
        ax.axvline(breakeven, color=INK, ls=LS_BREAK, lw=2.0, label=f"{_t(lang, 'breakeven')} ({breakeven:g})")
        if ratio:
            _num_axis(ax.xaxis, lang, 2)
            ax.set_xlabel(_t(lang, var))
        else:
            unit = _money_axis(ax.xaxis, float(np.max(np.abs(v))), lang)
            ax.set_xlabel(f"{_t(lang, var)} ({unit})")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = cdf_ax.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", frameon=False)
        ax.set_title(_t(lang, var))
    return ax


def plot_ratios(ds: xr.Dataset, *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """The three B/C ratios in one chart, a row each: the histogram of the ratio's draws as a silhouette, its
    P5, P50 and P95 as marks (their values written beside the row) with P(B/C > 1), and the break-even line
    at 1 through all rows. A ratio undefined in every draw is left out; None of them defined: an empty
    chart saying so. One chart instead of three: the same numbers, a third of the drawing time."""
    from .summary import prob_above

    rows = [(var, _finite(ds[var].values)) for var in RATIO_VARS if var in ds]
    rows = [(var, v, prob_above(ds[var].values, 1.0)) for var, v in rows if v.size]
    ax = _axes(ax, left=0.17, right=0.97, bottom=0.2, top=0.92)
    with _rc():
        if rows:
            lo = min([1.0, *(float(np.quantile(v, 0.001)) for _, v, _ in rows)])
            hi = max([1.0, *(float(np.quantile(v, 0.999)) for _, v, _ in rows)])
            pad = 0.04 * (hi - lo or 1.0)
            edges = np.linspace(lo - pad, hi + pad, 81)
        for y, (var, v, p) in enumerate(reversed(rows)):
            counts, _ = np.histogram(v, bins=edges)
            height = 0.62 * counts / max(counts.max(), 1)
            ax.stairs(y + height, edges, baseline=y, fill=True, facecolor=GREYS[3], edgecolor=GREYS[1], lw=0.6,
                      label=_t(lang, "shape") if y == 0 else None)
            q5, q50, q95 = np.quantile(v, (0.05, 0.5, 0.95))
            ax.vlines([q5, q95], y, y + 0.75, colors=GREYS[0], linestyles=[LS_TAIL], lw=1.0,
                      label="P5, P95" if y == 0 else None)
            ax.vlines([q50], y, y + 0.75, colors=INK, linestyles=LS_MID, lw=1.4, label="P50" if y == 0 else None)
            values = " · ".join(f"{k} {format_number(q, 2, lang=lang)}" for k, q in (("P5", q5), ("P50", q50), ("P95", q95)))
            ax.text(0.99, y + 0.8, f"{values}   P(B/{'K' if lang == 'nl' else 'C'} > 1) {format_probability(p, lang=lang)}",
                    transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=7)
        ax.axvline(1.0, color=INK, ls=LS_BREAK, lw=2.0, label=f"{_t(lang, 'breakeven')} (1)")
        ax.set_yticks([y + 0.3 for y in range(len(rows))], [_t(lang, f"row_{var}") for var, _, _ in reversed(rows)])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(-0.15, max(len(rows), 1) + 0.05)
        if rows:
            ax.set_xlim(edges[0], edges[-1])
        span = float(edges[-1] - edges[0]) if rows else 1.0
        _num_axis(ax.xaxis, lang, 2 if span < 2 else 1 if span < 20 else 0)  # "1,05" but "40", not "40,00"
        ax.set_xlabel(_t(lang, "ratio_axis"))
        ax.set_title(_t(lang, "title_ratios") if rows else f"{_t(lang, 'title_ratios')} — {_t(lang, 'no_ratio')}")
        _legend_below(ax)
    return ax


def _label(table: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    nl, en = table.get(key, (key, key))
    return nl if lang == "nl" else en


# Lines that are the team's own cost booked twice (costs in the null situation = new-for-old): they are
# as large as the whole team and would flatten every other bar, so the chart names them in a note instead.
SET_APART = ("null_situation", "new_for_old")


def plot_costs_benefits(ds: xr.Dataset, *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """One horizontal bar per cost or benefit line (its mean over the draws) with the P5–P95 interval of
    that line; costs point left, benefits right. New-for-old and the costs in the null situation are
    equal by definition and dwarf the rest, so they are stated in a note under the chart, not drawn."""
    line = ds["line"]
    items = [str(i) for i in ds["item"].values.tolist()]
    kinds = dict(zip(items, ds["kind"].values.tolist()))
    labels = line_labels(ds)
    rows: list[tuple[str, float, float, float]] = []
    apart: list[tuple[str, float]] = []
    for item in items:
        v = _finite(np.asarray(line.sel(item=item).values, dtype=float))
        if v.size == 0:
            continue
        sign = -1.0 if kinds[item] == "cost" else 1.0
        m = float(v.mean())
        if abs(m) < 1e-9 and float(np.abs(v).max()) < 1e-9:
            continue
        if item in SET_APART:
            apart.append((_label(labels, item, lang), m))
            continue
        q5, q95 = np.quantile(v, (0.05, 0.95))
        rows.append((_label(labels, item, lang), sign * m, sign * float(q5), sign * float(q95)))
    n = max(len(rows), 1)
    ax = _axes(ax, left=0.36, right=0.97, bottom=0.24 if apart else 0.14)
    with _rc():
        # one call per kind of bar and one for all intervals (a call per row made five artists per row)
        ys = np.arange(len(rows))
        means = np.array([r[1] for r in reversed(rows)])
        lo = np.array([min(r[2], r[3]) for r in reversed(rows)])
        hi = np.array([max(r[2], r[3]) for r in reversed(rows)])
        for cost in (True, False):
            pick = means < 0 if cost else means >= 0
            if pick.any():
                ax.barh(ys[pick], means[pick], height=0.6, color=FILLS[1] if cost else FILLS[0],
                        hatch="///" if cost else "", edgecolor=INK, linewidth=0.5)
        if rows:
            # max(…, 0): a line that does not vary has mean and quantiles equal up to rounding
            ax.errorbar(means, ys, xerr=[np.maximum(means - lo, 0.0), np.maximum(hi - means, 0.0)], fmt="none",
                        ecolor=INK, capsize=3, lw=1.0)
        ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)], fontsize=7)
        ax.set_ylim(-0.7, n - 0.3)
        ax.axvline(0, color=INK, lw=0.8)
        extent = max([abs(x) for r in rows for x in r[1:]] or [1.0])
        unit = _money_axis(ax.xaxis, extent, lang)
        ax.set_xlabel(f"{_t(lang, 'cb_axis')} ({unit})")
        if apart:
            money = _money_axis_text(apart, lang)
            import textwrap

            note = textwrap.fill(_t(lang, "cb_apart").format(lines=money), 115)
            ax.figure.text(0.02, 0.015, note, fontsize=7, va="bottom", ha="left")
        ax.set_title(_t(lang, "title_cb"), fontsize=9)
    return ax


def _money_axis_text(apart: list[tuple[str, float]], lang: Lang) -> str:
    from .formatting import format_money

    return "; ".join(f"{label} {format_money(m, lang=lang)}" for label, m in apart)


def plot_actors(ds: xr.Dataset, *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """Net result per actor: mean bar with its P5–P95 interval and P(net > 0) written beside it.
    Lean runs show the base case only."""
    ax = _axes(ax, left=0.26, right=0.97, bottom=0.2)
    lean = "actor_costs" not in ds and is_lean(ds)
    actors = [str(a) for a in ds["actor"].values]
    labels = [_label(ACTOR_LABELS, a, lang) for a in actors]
    y = np.arange(len(actors))[::-1]
    with _rc():
        if lean:
            base = actor_net(ds, base=True).values
            ax.barh(y, base, color=GREYS[2], hatch="///", edgecolor=INK, linewidth=0.5, label=_t(lang, "base"))
            extent = float(np.max(np.abs(base))) or 1.0
            ax.set_title(f"{_t(lang, 'title_actor')} — {_t(lang, 'lean')}", fontsize=9)
        else:
            net = actor_net(ds).values  # (draw, actor)
            mean = net.mean(axis=0)
            q5, q95 = np.quantile(net, (0.05, 0.95), axis=0)
            ppos = (net > 0).mean(axis=0)
            ax.barh(y, mean, color=GREYS[2], hatch="///", edgecolor=INK, linewidth=0.5, label=_t(lang, "mean"))
            ax.errorbar(mean, y, xerr=[np.maximum(mean - q5, 0.0), np.maximum(q95 - mean, 0.0)], fmt="none", ecolor=INK, capsize=3, lw=1.0,
                        label=_t(lang, "interval"))
            extent = float(np.max(np.abs(np.concatenate([q5, q95])))) or 1.0
            involved = np.any(net != 0, axis=0)
            for yi, hi, p, inv in zip(y, q95, ppos, involved):
                # an actor without any cost or benefit has no meaningful P(net > 0)
                ax.annotate(format_probability(p, lang=lang) if inv else "—", (max(hi, 0.0), yi), xytext=(4, 0),
                            textcoords="offset points", va="center", fontsize=7)
            ax.set_title(f"{_t(lang, 'title_actor')}; {_t(lang, 'pos')}")
        ax.axvline(0, color=INK, lw=0.8)
        ax.set_yticks(y, labels)
        lo, hi = ax.get_xlim()
        ax.set_xlim(lo, hi + 0.18 * (hi - lo))  # room for the P(net > 0) labels
        unit = _money_axis(ax.xaxis, extent, lang)
        ax.set_xlabel(f"{_t(lang, 'net')} ({unit})")
        _legend_below(ax)
    return ax


def plot_cashflow(ds: xr.Dataset, *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """Net cash flow per year 0–9 (undiscounted) as a fan: 90 % and 50 % bands and the median (the run's
    ``cashflow_band``), with the base case as markers. Results without bands show the base case only."""
    ax = _axes(ax, bottom=0.2, right=0.97)
    years = ds["year"].values
    base = net_cashflow(ds, base=True).values
    from .summary import cashflow_bands

    q = cashflow_bands(ds)  # (level, year): every store keeps the bands
    with _rc():
        if q is None:
            extent = float(np.max(np.abs(base))) or 1.0
            ax.set_title(f"{_t(lang, 'title_cash')} — {_t(lang, 'lean')}", fontsize=9)
        else:
            ax.fill_between(years, q[0], q[4], facecolor=GREYS[3], edgecolor=GREYS[1], hatch="...", lw=0.5,
                            label=_t(lang, "interval"))
            ax.fill_between(years, q[1], q[3], facecolor=GREYS[2], edgecolor=GREYS[0], hatch="///", lw=0.5,
                            label=_t(lang, "iqr"))
            ax.plot(years, q[2], color=INK, lw=1.5, ls=LS_MID, label=_t(lang, "median"))
            extent = float(np.max(np.abs(q))) or 1.0
            ax.set_title(_t(lang, "title_cash"))
        ax.plot(years, base, ls="-" if q is None else "none", color=INK, lw=1.0, marker="o", mfc="white", mec=INK,
                ms=5, label=_t(lang, "base"))
        ax.axhline(0, color=INK, lw=0.8)
        ax.set_xticks(years)
        ax.set_xlabel(_t(lang, "year"))
        unit = _money_axis(ax.yaxis, extent, lang)
        ax.set_ylabel(f"{_t(lang, 'cash')} ({unit})", fontsize=8)
        _legend_below(ax)
    return ax


def running_quantiles(values: np.ndarray, points: int = 40, start: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """P5/P50/P95 of the first n draws for log-spaced n up to all draws: ``(n, (3, len(n)))``."""
    v = np.asarray(values, dtype=np.float64)
    total = v.size
    n = np.unique(np.geomspace(min(start, total), total, points).astype(int))
    q = np.array([np.nanquantile(v[:k], (0.05, 0.5, 0.95)) for k in n]).T
    return n, q


def plot_convergence(ds: xr.Dataset, var: str = "saldo", *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """Running P5/P50/P95 of ``var`` against the number of draws (log axis): flat lines on the right
    mean that more draws would not change the reported range."""
    ax = _axes(ax, right=0.9)  # room on the right for the lines' own labels
    n, q = running_quantiles(ds[var].values)
    with _rc():
        for row, label, ls, marker in ((q[2], "P95", LS_TAIL, "^"), (q[1], "P50", LS_MID, "o"),
                                       (q[0], "P5", LS_TAIL, "v")):
            ax.plot(n, row, color=INK, ls=ls, lw=1.2, marker=marker, ms=3, mfc="white")
            ax.axhline(row[-1], color=GREYS[1], lw=0.6, ls=LS_BREAK)
            # each line named at its right end, not by a legend that would sit on the lines
            ax.annotate(label, (1.0, row[-1]), xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8, annotation_clip=False)
        ax.set_xscale("log")
        _draws_axis(ax.xaxis, int(n[0]), int(n[-1]), lang)
        ax.set_xlabel(_t(lang, "draws"))
        if var in RATIO_VARS:
            _num_axis(ax.yaxis, lang, 2)
            ax.set_ylabel(_t(lang, var))
        else:
            unit = _money_axis(ax.yaxis, float(np.nanmax(np.abs(q))), lang)
            ax.set_ylabel(f"{_t(lang, var)} ({unit})")
        ax.set_title(f"{_t(lang, 'title_conv')}: {_t(lang, var)}")
    return ax


def _draws_axis(axis: Any, first: int, total: int, lang: Lang) -> None:
    """Ticks at 100, 1,000, 10,000 … written as numbers in the language's style ("10.000"), not as powers of
    ten, and no minor ticks: easier to read, and a log axis' many minor ticks and mathtext labels took half
    the chart's drawing time."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ticks = [10.0**k for k in range(1, 10) if first <= 10.0**k <= total] or sorted({float(first), float(total)})
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _p: format_number(v, 0, lang=lang)))


def save_figure(fig: Figure, stem: Path, formats: tuple[str, ...] = ("png", "svg")) -> dict[str, Path]:
    """Write ``stem.png`` and ``stem.svg`` atomically; returns the paths by format."""
    from ..simulator.results import atomic_write

    out = {}
    for fmt in formats:
        path = Path(stem).with_suffix(f".{fmt}")
        with _rc():
            if fmt == "png":
                atomic_write(path, lambda p: _write_png(fig, p))
            else:
                atomic_write(path, lambda p, fmt=fmt: fig.savefig(p, format=fmt, dpi=DPI, metadata=_metadata(fmt)))
        out[fmt] = path
    return out


def _write_png(fig: Figure, path: Path) -> None:
    """The figure as PNG at :data:`DPI`, drawn once on its Agg canvas. The charts are grey (meaning is
    carried by greys, hatching and line styles), so a chart whose pixels are all grey is stored as
    8-bit greyscale: a quarter of the RGBA data to compress (the report's PNGs take half the bytes; the
    same picture); a chart with colour is stored as RGB. zlib level 1: fast, files ~15 % larger."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if fig.dpi != DPI:
        fig.set_dpi(DPI)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]  # the figure's background is opaque white
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    grey = bool(np.array_equal(r, g) and np.array_equal(g, b))
    img = Image.fromarray(np.ascontiguousarray(r) if grey else np.ascontiguousarray(rgb), "L" if grey else "RGB")
    img.save(path, format="png", compress_level=1, dpi=(DPI, DPI))


def _metadata(fmt: str) -> dict[str, Any]:
    # no creation date in the files: the same run gives the same charts
    return {"Date": None} if fmt == "svg" else {}


ChartFn = Callable[..., "Axes"]


def chart_functions() -> dict[str, tuple[ChartFn, dict[str, Any]]]:
    """The report's charts by file name: (function, keyword arguments)."""
    return {
        "saldo": (plot_distribution, {"var": "saldo"}),
        "ratios": (plot_ratios, {}),
        "costs_benefits": (plot_costs_benefits, {}),
        "actors": (plot_actors, {}),
        "cashflow": (plot_cashflow, {}),
        "convergence": (plot_convergence, {"var": "saldo"}),
    }


def render_charts(ds: xr.Dataset, folder: Path, *, lang: Lang = "nl", formats: tuple[str, ...] = ("png",),
                  progress: Callable[[str], None] | None = None) -> dict[str, dict[str, Path]]:
    """Draw every report chart of ``ds`` once, in this process, into ``folder``; returns the paths by
    chart name and format. No worker processes: on a 2-core machine they compete with the run itself."""
    def defined(*names: str) -> bool:  # a chart of values undefined in every draw is left out
        return any(v not in ds or np.isfinite(ds[v].values).any() for v in names)

    names = [name for name, (_fn, kw) in chart_functions().items()
             if (defined(*RATIO_VARS) if name == "ratios" else "var" not in kw or defined(kw["var"]))]
    out: dict[str, dict[str, Path]] = {}
    for k, name in enumerate(names):
        if progress is not None:
            progress(f"{'grafieken' if lang == 'nl' else 'charts'} {k + 1}/{len(names)}")
        fn, kw = chart_functions()[name]
        ax = fn(ds, lang=lang, **kw)
        out[name] = save_figure(ax.figure, Path(folder) / name, formats)
    return out


# --- jobs for the report's chart process (mkba.outputs.chart_worker): module-level, picklable arguments


def draw_report_charts(results: str | Path, folder: str | Path, lang: Lang = "nl",
                       formats: tuple[str, ...] = ("png",)) -> dict[str, dict[str, Path]]:
    """:func:`render_charts` of a results file. A file of up to :data:`READ_AT_ONCE` bytes (a default run
    has 3 MB) is read at once: each lazy read of a variable costs h5netcdf a walk through the file's
    dimensions (~0.03 s over the charts); a larger one is read lazily, only the variables the charts use."""
    with xr.open_dataset(results, engine="h5netcdf") as ds:
        return render_charts(ds.load() if ds.nbytes <= READ_AT_ONCE else ds, Path(folder), lang=lang, formats=formats)


READ_AT_ONCE = 64 * 2**20


def draw_tornado(tornado: xr.Dataset, folder: str | Path, lang: Lang = "nl", formats: tuple[str, ...] = ("png",),
                 top: int = 10) -> dict[str, Path]:
    """The report's tornado chart (the ``top`` inputs of a one-way analysis) as ``folder/tornado.*``."""
    from .sensitivity_charts import plot_tornado

    top = min(top, tornado.sizes["parameter"])
    height = 1.6 + 0.32 * top
    # input labels are long: a wide left margin (the chart has no layout engine)
    ax = new_axes((7.2, height), left=0.42, right=0.97, bottom=0.55 / height + 0.05, top=1 - 0.75 / height)
    plot_tornado(tornado, ax=ax, lang=lang, top=top)
    # the left margin holds ~40 characters: a longer label is wrapped onto two lines, never cut off
    import textwrap

    ticks = ax.get_yticks()
    labels = [textwrap.fill(t.get_text(), 40) for t in ax.get_yticklabels()]
    ax.set_yticks(ticks, labels, fontsize=8 if any("\n" in lab for lab in labels) else None)
    return save_figure(ax.figure, Path(folder) / "tornado", formats)


def draw_acceptability(acc: Any, folder: str | Path, lang: Lang = "nl",
                       formats: tuple[str, ...] = ("png",)) -> dict[str, Path]:
    """The decision section's acceptability curve as ``folder/acceptability.*``."""
    from .decision_charts import plot_acceptability

    return save_figure(plot_acceptability(acc, lang=lang).figure, Path(folder) / "acceptability", formats)
