"""Summaries of a run: base case, mean and P5/P50/P95 per line, total and ratio; P(ratio > 1)."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
import xarray as xr

from ..simulator.domain import COST_ITEMS, ITEM_KIND, ITEMS

__all__ = ["summarise", "summary_rows", "to_csv_text", "probabilities", "prob_above", "json_ready", "undefined_share",
           "QUANTILES", "RATIOS", "TOTAL_NAMES"]

QUANTILES = (0.05, 0.5, 0.95)
RATIOS = ("bc_social", "bc_financial", "bc_municipal")
TOTAL_NAMES = ("costs", "benefits", "saldo")


def _stats(values: np.ndarray) -> dict[str, float]:
    v = np.asarray(values)
    finite = np.isfinite(v)
    if not finite.all():  # (e.g. a ratio whose denominator is 0 in some draws)
        v = v[finite]
    if v.size == 0:
        return {"mean": float("nan"), "p5": float("nan"), "p50": float("nan"), "p95": float("nan")}
    q = np.quantile(v, QUANTILES)
    return {"mean": float(v.mean(dtype=np.float64)), "p5": float(q[0]), "p50": float(q[1]), "p95": float(q[2])}


def prob_above(values: Any, threshold: float) -> float:
    """P(value > threshold) over the draws where the value is defined; NaN if it is defined in none
    (a ratio whose denominator is 0 in every draw has no probability of exceeding 1)."""
    v = np.asarray(values)
    defined = ~np.isnan(v)
    n = int(np.count_nonzero(defined))
    return float(np.count_nonzero(v[defined] > threshold) / n) if n else float("nan")


def undefined_share(values: Any) -> float:
    """The share of draws in which a value (a ratio) is undefined (NaN)."""
    v = np.asarray(values)
    return float(np.count_nonzero(np.isnan(v)) / v.size) if v.size else 0.0


def probabilities(ds: xr.Dataset) -> dict[str, float]:
    return {
        "bc_social_gt_1": prob_above(ds["bc_social"].values, 1.0),
        "bc_financial_gt_1": prob_above(ds["bc_financial"].values, 1.0),
        "bc_municipal_gt_1": prob_above(ds["bc_municipal"].values, 1.0),
        "saldo_gt_0": prob_above(ds["saldo"].values, 0.0),
    }


def json_ready(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by ``None`` (JSON ``null``): an undefined ratio is
    not a number, and ``NaN`` is not valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    return obj


def summarise(ds: xr.Dataset) -> dict[str, Any]:
    """The JSON-ready summary of a run (the structure ``mkba run --json`` prints)."""
    line = ds["line"].values
    base_line = ds["base_npv"].sum("actor").values
    base: dict[str, float] = {item: float(base_line[i]) for i, item in enumerate(ITEMS)}
    summary: dict[str, dict[str, float]] = {item: _stats(line[:, i]) for i, item in enumerate(ITEMS)}
    for name in (*TOTAL_NAMES, *RATIOS):
        base[name] = float(ds[f"base_{name}"])
        summary[name] = _stats(ds[name].values)
    return {
        "study": ds.attrs.get("study", ""),
        "scenario": ds.attrs.get("scenario", "base"),
        "draws": int(ds.attrs.get("draws", ds.sizes["draw"])),
        "seed": int(ds.attrs.get("seed", 0)),
        "sampler": ds.attrs.get("sampler", "mc"),
        "base": base,
        "summary": summary,
        "probabilities": probabilities(ds),
        # share of draws in which each ratio is undefined (its denominator is 0); 0 almost always
        "undefined": {r: undefined_share(ds[r].values) for r in RATIOS},
    }


def summary_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (name, kind, base, mean, p5, p50, p95) in report order: costs, benefits, totals, ratios."""
    rows = []
    order = [*COST_ITEMS, *(i for i in ITEMS if i not in COST_ITEMS), *TOTAL_NAMES, *RATIOS]
    for name in order:
        kind = ITEM_KIND.get(name, "ratio" if name in RATIOS else "total")
        rows.append({"name": name, "kind": kind, "base": result["base"][name], **result["summary"][name]})
    return rows


def to_csv_text(result: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["name", "kind", "base", "mean", "p5", "p50", "p95"], lineterminator="\n")
    w.writeheader()
    for row in summary_rows(result):
        w.writerow({k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()
