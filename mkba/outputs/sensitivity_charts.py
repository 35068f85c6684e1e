"""Sensitivity charts: tornado, spider and indices bar chart (matplotlib, report-ready).

Plain functions ``plot_x(ds, *, ax=None, lang="nl") -> Axes``; they never call ``plt.show()`` and
import matplotlib only when called, so the CLI starts fast. Greyscale-readable: the two sides of a
bar differ by fill *and* hatch, lines by marker and dash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from typing import TYPE_CHECKING, Literal

import numpy as np
import xarray as xr

from ..simulator.domain import ACTOR_LABELS, ITEM_LABELS
from ..simulator.labels import input_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_indices", "plot_spider", "plot_tornado", "target_label"]

Lang = Literal["nl", "en"]

_TARGETS = {
    "saldo": ("Saldo (€)", "Balance (€)"),
    "costs": ("Kosten (€)", "Costs (€)"),
    "benefits": ("Baten (€)", "Benefits (€)"),
    "bc_social": ("Maatschappelijke baten/kosten", "Social benefit/cost ratio"),
    "bc_financial": ("Financiële baten/kosten", "Financial benefit/cost ratio"),
    "bc_municipal": ("Gemeentelijke baten/kosten", "Municipal benefit/cost ratio"),
}
_TEXT = {
    "low": ("laag (P{q})", "low (P{q})"),
    "high": ("hoog (P{q})", "high (P{q})"),
    "base": ("basis", "base"),
    "quantile": ("kwantiel van de invoer", "quantile of the input"),
    "tornado": ("Tornado: {t}", "Tornado: {t}"),
    "spider": ("Spin: {t}", "Spider: {t}"),
    "indices": ("Gevoeligheidsindices ({m}): {t}", "Sensitivity indices ({m}): {t}"),
    "index": ("index", "index"),
}


def _own_title(ds: xr.Dataset) -> list[str] | None:
    """(nl, en) title of a target that is a study's own line (attr ``target_title``), else None."""
    raw = ds.attrs.get("target_title")
    return json.loads(raw) if raw else None


def _i(lang: str) -> int:
    if lang not in ("nl", "en"):
        raise ValueError(f"lang must be 'nl' or 'en', got {lang!r}")
    return 0 if lang == "nl" else 1


def target_label(target: str, lang: Lang = "nl", title: Sequence[str] | None = None) -> str:
    """A human label for a target name in Dutch or English; ``title`` = (nl, en) of a study's own line."""
    i = _i(lang)
    if title:
        return f"{title[i]} (€)"
    if target in _TARGETS:
        return _TARGETS[target][i]
    if target in ITEM_LABELS:
        return f"{ITEM_LABELS[target][i]} (€)"
    if target.startswith("actor:") and target[6:] in ACTOR_LABELS:
        return ("Saldo " if i == 0 else "Balance, ") + ACTOR_LABELS[target[6:]][i] + " (€)"
    return target


def _axes(ax: Axes | None, rows: int) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(8.0, 1.2 + 0.32 * max(rows, 3)), layout="constrained")
    return ax


def _money_axis(ax: Axes, target: str, axis: str = "x", lang: Lang = "nl") -> None:
    if target.startswith("bc_"):
        return
    from matplotlib.ticker import FuncFormatter

    from .formatting import format_number

    from matplotlib.ticker import MaxNLocator

    fmt = FuncFormatter(lambda v, _: format_number(v, lang=lang))  # "260.000" (nl) / "260,000" (en)
    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_formatter(fmt)
    if axis == "x":  # amounts such as "−700.000" are wide: few enough ticks that they never touch
        a.set_major_locator(MaxNLocator(5))


def _wrapped(label: str, width: int = 42) -> str:
    """A long input label on two lines, so that it fits the chart's left margin instead of being cut off."""
    import textwrap

    lines = textwrap.wrap(label, width)
    return label if len(lines) <= 1 else lines[0] + "\n" + " ".join(lines[1:])


def plot_tornado(ds: xr.Dataset, *, ax: Axes | None = None, lang: Lang = "nl", top: int | None = 15) -> Axes:
    """Tornado chart of a :func:`mkba.sensitivity.oneway` Dataset (largest swing on top).

    Bars run from the base target to the target with the input at its low (dark, plain) and high
    (light, hatched) quantile; the vertical line is the base case.
    """
    i = _i(lang)
    for v in ("target_low", "target_high", "swing"):
        if v not in ds:
            raise ValueError(f"not a one-way Dataset: variable {v!r} is missing")
    sub = ds.isel(parameter=slice(0, top)) if top else ds
    n = sub.sizes["parameter"]
    ax = _axes(ax, n)
    base = float(ds.attrs.get("base_target", np.nan))
    y = np.arange(n)[::-1]  # largest swing on top
    lo, hi = sub["target_low"].values, sub["target_high"].values
    q_lo = round(100 * float(ds.attrs.get("low", 0.05)))
    q_hi = round(100 * float(ds.attrs.get("high", 0.95)))
    ax.barh(y, lo - base, left=base, height=0.7, color="0.25", edgecolor="black", linewidth=0.6,
            label=_TEXT["low"][i].format(q=q_lo))
    ax.barh(y, hi - base, left=base, height=0.7, color="0.85", edgecolor="black", linewidth=0.6, hatch="///",
            label=_TEXT["high"][i].format(q=q_hi))
    ax.axvline(base, color="black", linewidth=1.0, linestyle="--", label=_TEXT["base"][i])
    ax.set_yticks(y, [_wrapped(input_label(str(p), lang)) for p in sub["parameter"].values], fontsize=8)
    target, title = str(ds.attrs.get("target", "")), _own_title(ds)
    ax.set_xlabel(target_label(target, lang, title))
    ax.set_title(_TEXT["tornado"][i].format(t=target_label(target, lang, title)), fontsize=10)
    _money_axis(ax, target, lang=lang)
    # the legend above the bars, never on them
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0 + 0.6 / max(n, 3)), ncol=3, frameon=False)
    ax.grid(axis="x", color="0.9", linewidth=0.5)
    ax.set_axisbelow(True)
    return ax


def plot_spider(ds: xr.Dataset, *, ax: Axes | None = None, lang: Lang = "nl", top: int | None = 8) -> Axes:
    """Spider chart of a :func:`mkba.sensitivity.spider` Dataset: the target against each input's
    quantile, the most influential ``top`` inputs, told apart by marker and dash (greyscale-safe)."""
    i = _i(lang)
    if "target" not in ds or "quantile" not in ds.dims:
        raise ValueError("not a spider Dataset: expected variable 'target' over dims (parameter, quantile)")
    sub = ds.isel(parameter=slice(0, top)) if top else ds
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8.0, 5.0), layout="constrained")
    markers = "osD^vP*Xh<>p"
    dashes = ["-", "--", "-.", ":"]
    greys = ["0.0", "0.35", "0.55"]
    q = ds["quantile"].values
    for j, p in enumerate(sub["parameter"].values):
        ax.plot(q, sub["target"].sel(parameter=p).values, marker=markers[j % len(markers)], markersize=4,
                linestyle=dashes[j % len(dashes)], color=greys[j % len(greys)], linewidth=1.0,
                label=input_label(str(p), lang))
    ax.axhline(float(ds.attrs.get("base_target", np.nan)), color="black", linewidth=0.8, linestyle=":")
    target, title = str(ds.attrs.get("target", "")), _own_title(ds)
    ax.set_xlabel(_TEXT["quantile"][i])
    ax.set_ylabel(target_label(target, lang, title))
    ax.set_title(_TEXT["spider"][i].format(t=target_label(target, lang, title)), fontsize=10)
    _money_axis(ax, target, axis="y", lang=lang)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # beside the lines
    ax.grid(color="0.9", linewidth=0.5)
    return ax


def plot_indices(
    ds: xr.Dataset, *, ax: Axes | None = None, lang: Lang = "nl", indices: list[str] | None = None,
    top: int | None = 15,
) -> Axes:
    """Horizontal bar chart of global sensitivity indices (``index(parameter, index)`` with optional
    ``conf``), in ranking order, grouped bars per index, error bars where a CI exists."""
    i = _i(lang)
    if "value" not in ds or "index" not in ds.dims:
        raise ValueError("not an indices Dataset: expected variable 'value' over dims (parameter, index)")
    names = indices or [v for v in str(ds.attrs.get("plot_indices", "")).split(",") if v]
    names = names or [str(ds.attrs.get("rank_by"))]
    sub = ds.isel(parameter=slice(0, top)) if top else ds
    n = sub.sizes["parameter"]
    ax = _axes(ax, n * max(1, len(names)) // 2 + n // 2)
    y = np.arange(n)[::-1].astype(float)
    width = 0.8 / len(names)
    fills = ["0.2", "0.75", "0.5"]
    hatches = ["", "///", ".."]
    for j, name in enumerate(names):
        v = sub["value"].sel(index=name).values
        err = sub["conf"].sel(index=name).values if "conf" in sub else None
        if err is not None and not np.isfinite(err).any():
            err = None
        ax.barh(y + (len(names) - 1 - 2 * j) * width / 2, v, height=width, xerr=err, color=fills[j % 3],
                hatch=hatches[j % 3], edgecolor="black", linewidth=0.5, capsize=2, label=name,
                error_kw={"elinewidth": 0.8})
    ax.set_yticks(y, [_wrapped(input_label(str(p), lang)) for p in sub["parameter"].values], fontsize=8)
    ax.set_xlabel(_TEXT["index"][i])
    target, title = str(ds.attrs.get("target", "")), _own_title(ds)
    ax.set_title(_TEXT["indices"][i].format(m=ds.attrs.get("method", ""), t=target_label(target, lang, title)), fontsize=10)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", color="0.9", linewidth=0.5)
    ax.set_axisbelow(True)
    return ax
