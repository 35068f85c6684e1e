"""Summaries of a run: base case, mean and P5/P50/P95 per line, total and ratio; P(ratio > 1)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np
import xarray as xr

from ..simulator.domain import MUNICIPAL_ACTORS
from .lines import line_kinds, line_order

__all__ = ["summarise", "summary_rows", "to_csv_text", "probabilities", "prob_above", "json_ready", "undefined_share",
           "budget", "sources", "plan_budget", "QUANTILES", "RATIOS", "TOTAL_NAMES"]

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


def _with_base(values: np.ndarray, base: float) -> dict[str, float]:
    return {"base": float(base), **_stats(values)}


_ZERO = {"mean": 0.0, "p5": 0.0, "p50": 0.0, "p95": 0.0}


def _budget_entry(costs: np.ndarray, benefits: np.ndarray, base_costs: float, base_benefits: float) -> dict[str, Any]:
    # float64 before subtracting: lean stores keep the per-actor figures as float32. Quantiles of a
    # column that is zero on every draw (a party without costs) are skipped: they are zero.
    has_c, has_b = bool(np.any(costs)), bool(np.any(benefits))
    c = _stats(np.asarray(costs, dtype=np.float64)) if has_c else dict(_ZERO)
    b = _stats(np.asarray(benefits, dtype=np.float64)) if has_b else dict(_ZERO)
    if has_c and has_b:
        balance = np.asarray(benefits, dtype=np.float64) - costs
        bal, p = _stats(balance), prob_above(balance, 0.0)
    elif has_b:
        bal, p = dict(b), prob_above(benefits, 0.0)
    elif has_c:
        bal = {"mean": -c["mean"], "p5": -c["p95"], "p50": -c["p50"], "p95": -c["p5"]}  # balance = −costs
        p = float(np.mean(costs < 0))
    else:
        bal, p = dict(_ZERO), 0.0
    return {
        "costs": {"base": float(base_costs), **c},
        "benefits": {"base": float(base_benefits), **b},
        "balance": {"base": float(base_benefits - base_costs), **bal},
        "p_balance_gt_0": p,
        "involved": bool(base_costs or base_benefits or has_c or has_b),
    }


def budget(ds: xr.Dataset) -> dict[str, Any]:
    """The budget view "who pays, who gains" (model-spec §3.3, output part B as a per-actor split of the
    NPV totals): per actor and for the municipality as a whole (the sum of its domains) costs, benefits
    and balance — base case, mean, P5, P50, P95 — and P(balance > 0); for the municipality also its
    B/C ratio (the same per-draw ``bc_municipal`` as the headline) and P(B/C > 1).

    Returns ``{"actors": {actor: {...}}, "municipality": {..., "bc": {...}, "p_bc_gt_1"}}``."""
    if "actor_costs" in ds:
        costs, benefits = ds["actor_costs"].values, ds["actor_benefits"].values
        base_c, base_b = ds["base_actor_costs"].values, ds["base_actor_benefits"].values
    else:  # results written before the per-actor totals existed: derive them from the npv cube
        is_cost = (ds["kind"] == "cost").values
        costs, benefits = (ds["npv"].values[:, sel].sum(axis=1) for sel in (is_cost, ~is_cost))
        base_c, base_b = (ds["base_npv"].values[sel].sum(axis=0) for sel in (is_cost, ~is_cost))
    actors = [str(a) for a in ds["actor"].values]
    out: dict[str, Any] = {"actors": {}}
    for j, a in enumerate(actors):
        out["actors"][a] = _budget_entry(costs[:, j], benefits[:, j], float(base_c[j]), float(base_b[j]))
    m = [actors.index(a) for a in MUNICIPAL_ACTORS]
    m_costs, m_benefits = np.zeros(costs.shape[0]), np.zeros(costs.shape[0])
    for j in m:  # column by column: no (draw × domain) copy at 10 million draws
        m_costs += costs[:, j]
        m_benefits += benefits[:, j]
    muni = _budget_entry(m_costs, m_benefits, float(base_c[m].sum()), float(base_b[m].sum()))
    bc = ds["bc_municipal"].values
    muni["bc"] = _with_base(bc, float(ds["base_bc_municipal"]))
    muni["p_bc_gt_1"] = prob_above(bc, 1.0)  # over the draws where it is defined
    muni["domains"] = list(MUNICIPAL_ACTORS)
    out["municipality"] = muni
    return out


def summarise(ds: xr.Dataset) -> dict[str, Any]:
    """The JSON-ready summary of a run (the structure ``mkba run --json`` prints)."""
    line = ds["line"].values
    base_line = ds["base_npv"].sum("actor").values
    items = ds["item"].values.tolist()
    base: dict[str, float] = {item: float(base_line[i]) for i, item in enumerate(items)}
    summary: dict[str, dict[str, float]] = {item: _stats(line[:, i]) for i, item in enumerate(items)}
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
        **(budget(ds) if "actor_costs" in ds or "npv" in ds else {}),
        "sources": sources(ds),
        "lines": {"order": line_order(ds), "kind": line_kinds(ds)},
        **({"plan": plan_budget(ds)} if "plan_municipal" in ds else {}),
    }


def plan_budget(ds: xr.Dataset) -> dict[str, Any]:
    """The municipal budget per plan year (benefits − costs of the municipal actors, undiscounted cash
    flows): base case, mean and the 90 % interval (P5–P95) per calendar year."""
    v = np.asarray(ds["plan_municipal"].values, dtype=np.float64)
    q = np.quantile(v, QUANTILES, axis=0)
    return {
        "years": [int(y) for y in ds["plan_year"].values],
        "municipal": {
            "base": [float(x) for x in ds["base_plan_municipal"].values],
            "mean": [float(x) for x in v.mean(axis=0)],
            "p5": [float(x) for x in q[0]],
            "p50": [float(x) for x in q[1]],
            "p95": [float(x) for x in q[2]],
        },
    }


def sources(ds: xr.Dataset) -> dict[str, str]:
    """Input → its source as the run recorded it ("mkba default: …" for inputs left at a default,
    "" for a value the study gives without a source)."""
    params = json.loads(ds.attrs.get("parameters", "{}"))
    return {name: str(p.get("source", "")) for name, p in params.items()}


def summary_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (name, kind, base, mean, p5, p50, p95) in report order: costs, benefits, totals, ratios."""
    rows = []
    lines = result["lines"]
    order = [*lines["order"], *TOTAL_NAMES, *RATIOS]
    for name in order:
        kind = lines["kind"].get(name, "ratio" if name in RATIOS else "total")
        rows.append({"name": name, "kind": kind, "base": result["base"][name], **result["summary"][name]})
    return rows


def to_csv_text(result: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["name", "kind", "base", "mean", "p5", "p50", "p95"], lineterminator="\n")
    w.writeheader()
    for row in summary_rows(result):
        w.writerow({k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()
