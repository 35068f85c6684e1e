"""The chart of the municipal budget per plan year (West Betuwe's "investeringen en besparingen in de komende
jaren"): investments below and savings above the zero line per year, the balance's median with its 90 %
band, and the base case. Drawn from :func:`mkba.outputs.plan.plan_view`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .charts import GREYS, INK, RC, new_axes, save_figure
from .formatting import Lang, format_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_plan_budget", "draw_plan_budget"]

_TEXT = {
    "nl": {"invest": "Investeringen (basisgeval)", "savings": "Besparingen (basisgeval)",
           "median": "Saldo: mediaan", "band": "Saldo: 90 %-interval", "base": "Saldo: basisgeval",
           "range": "90 %-interval van de staven", "year": "Jaar", "axis": "Kasstroom gemeente, niet verdisconteerd",
           "title": "Investeringen en besparingen van de gemeente per jaar", "million": "€ mln",
           "thousand": "× € 1.000"},
    "en": {"invest": "Investments (base case)", "savings": "Savings (base case)", "median": "Balance: median",
           "band": "Balance: 90% interval", "base": "Balance: base case", "range": "90% interval of the bars", "year": "Year",
           "axis": "Municipal cash flow, undiscounted", "title": "Municipal investments and savings per year",
           "million": "€ million", "thousand": "€ thousand"},
}


def plot_plan_budget(view: Mapping[str, Any], *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """Bars: investments (negative) and savings (positive) of the base case per year, with their 90 %
    intervals when the run kept them; line and band: the balance's median and 90 % interval; markers:
    the balance of the base case. The legend sits below the axes (never on the data)."""
    import matplotlib
    from matplotlib.ticker import FuncFormatter

    t = _TEXT[lang]
    ax = new_axes((6.4, 3.6), left=0.12, right=0.97, bottom=0.27, top=0.92) if ax is None else ax
    years = np.asarray(view["years"])
    inv, sav, bal = view["investment"], view["savings"], view["balance"]
    ranges = view["draws_per_actor"]
    with matplotlib.rc_context(RC):
        w = 0.38
        ax.bar(years - w / 2, -np.asarray(inv["base"]), w, color=GREYS[1], edgecolor=INK, lw=0.5, hatch="///",
               label=t["invest"])
        ax.bar(years + w / 2, np.asarray(sav["base"]), w, color=GREYS[3], edgecolor=INK, lw=0.5, label=t["savings"])
        if ranges:  # the 90 % interval of each bar: an error bar from its P5 to its P95
            for x, d, sign in ((years - w / 2, inv, -1.0), (years + w / 2, sav, 1.0)):
                lo, hi = sign * np.asarray(d["p5"]), sign * np.asarray(d["p95"])
                mid = sign * np.asarray(d["base"])
                ax.errorbar(x, mid, yerr=[np.maximum(mid - np.minimum(lo, hi), 0), np.maximum(np.maximum(lo, hi) - mid, 0)],
                            fmt="none", ecolor=INK, capsize=2.5, lw=0.8, label=t["range"] if sign > 0 else None)
        ax.fill_between(years, bal["p5"], bal["p95"], color=GREYS[2], alpha=0.55, lw=0, label=t["band"])
        ax.plot(years, bal["p50"], color=INK, lw=1.6, label=t["median"])
        ax.plot(years, bal["base"], ls="none", marker="o", mfc="white", mec=INK, ms=4.5, label=t["base"])
        ax.axhline(0, color=INK, lw=0.8)
        ax.set_xticks(years, [str(int(y)) for y in years])
        ax.set_xlabel(t["year"])
        extent = float(np.max(np.abs(np.concatenate([np.asarray(v, dtype=float) for d in (inv, sav, bal)
                                                     for v in d.values()])))) or 1.0
        div, unit = (1e6, t["million"]) if extent >= 1e6 else (1e3, t["thousand"])

        def fmt(v: float, _pos: int) -> str:  # as many decimals as the tick needs (0,25 is not "0,2")
            x = v / div
            d = next((d for d in range(3) if abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x))), 2)
            return format_number(x, d, lang=lang)

        ax.yaxis.set_major_formatter(FuncFormatter(fmt))
        ax.set_ylabel(f"{t['axis']} ({unit})", fontsize=8)
        ax.set_title(t["title"])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, frameon=False, fontsize=7.5)
    return ax


def draw_plan_budget(view: Mapping[str, Any], chart_dir: Path, lang: Lang, formats: tuple[str, ...]) -> dict[str, Path]:
    """Draw :func:`plot_plan_budget` into ``chart_dir/plan_budget.<fmt>``; returns the paths by format."""
    ax = plot_plan_budget(view, lang=lang)
    return save_figure(ax.figure, Path(chart_dir) / "plan_budget", formats)
