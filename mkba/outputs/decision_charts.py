"""Charts of the decision analysis: the acceptability curve over the value of a QALY."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .charts import _rc, new_axes
from .formatting import Lang, format_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..decision.acceptability import Acceptability
    from ..decision.alternatives import Alternatives

__all__ = ["plot_acceptability", "plot_frontier"]

_TEXT = {
    "nl": {"title": "Aanvaardbaarheid naar de waarde van een QALY", "x": "Waarde van een QALY (€)",
           "y": "Kans", "saldo": "P(saldo > 0)", "bc": "P(B/K maatschappelijk > 1)",
           "be": "Omslagpunt verwacht saldo", "band": "Omslagpunt per trekking (P5–P95)",
           "f_title": "Welk alternatief is het beste?", "f_y": "Kans het beste te zijn",
           "frontier": "grens: het alternatief dat nu gekozen wordt"},
    "en": {"title": "Acceptability by the value of a QALY", "x": "Value of a QALY (€)", "y": "Probability",
           "saldo": "P(saldo > 0)", "bc": "P(B/C social > 1)", "be": "Break-even of the expected saldo",
           "band": "Break-even per draw (P5–P95)", "f_title": "Which alternative is best?",
           "f_y": "Probability of being best", "frontier": "frontier: the alternative chosen now"},
}



def _probability_over_value(ax: Axes, ylabel: str, title: str, lang: Lang) -> None:
    """The axes both curves over the QALY value share: euros across, a probability up, legend below."""
    ax.set_xlabel(_TEXT[lang]["x"])
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.xaxis.set_major_formatter(lambda v, _pos: format_number(v, 0, lang=lang))
    ax.yaxis.set_major_formatter(lambda v, _pos: format_number(v, 1, lang=lang))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, frameon=False)

def plot_acceptability(acc: Acceptability, *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """P(saldo > 0) and P(B/C social > 1) against the value, with the break-even value and its interval."""
    t = _TEXT[lang]
    ax = new_axes(bottom=0.30) if ax is None else ax
    with _rc():
        lo, hi = float(acc.grid.min()), float(acc.grid.max())
        if np.isfinite(acc.break_even_p5) and np.isfinite(acc.break_even_p95):
            a, b = max(acc.break_even_p5, lo), min(acc.break_even_p95, hi)
            if a < b:
                ax.axvspan(a, b, color="#cccccc", alpha=0.5, lw=0, label=t["band"])
        ax.plot(acc.grid, acc.p_saldo_gt_0, color="#1f4e79", lw=2, label=t["saldo"])
        ax.plot(acc.grid, acc.p_bc_social_gt_1, color="#c55a11", lw=1.5, ls="--", label=t["bc"])
        if np.isfinite(acc.break_even) and lo <= acc.break_even <= hi:
            ax.axvline(acc.break_even, color="#111111", lw=1, ls=":", label=t["be"])
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlim(lo, hi if hi > lo else lo + 1)
        _probability_over_value(ax, t["y"], t["title"], lang)
    return ax


def plot_frontier(alt: Alternatives, *, ax: Axes | None = None, lang: Lang = "nl") -> Axes:
    """Cost-effectiveness acceptability curves of the alternatives over the QALY value (the probability that
    each is the best in a draw) and the frontier: the curve of the alternative with the highest expected
    saldo at that value (Fenwick, Claxton & Sculpher 2001)."""
    if alt.frontier is None:
        raise ValueError("these alternatives have no frontier (no QALY grid)")
    t = _TEXT[lang]
    f = alt.frontier
    grid = np.asarray(f["value"], dtype=float)
    ax = new_axes(bottom=0.30) if ax is None else ax
    with _rc():
        for j, name in enumerate(alt.names):
            ax.plot(grid, f["p_best"][:, j], lw=1.2, label=name)
        ax.plot(grid, f["p_best_of_best"], color="#111111", lw=3, alpha=0.35, label=t["frontier"])
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlim(float(grid.min()), float(grid.max()) if grid.max() > grid.min() else float(grid.min()) + 1)
        _probability_over_value(ax, t["f_y"], t["f_title"], lang)
    return ax
