"""The municipal budget per year of a multi-year ``[plan]``: investments, savings and balance per calendar
year with their 90 % intervals (the West Betuwe "investeringen en besparingen in de komende jaren").

Cash flows are undiscounted, as a budget is. Within each municipal domain (W&I, Wmo, Welzijn, Jeugd,
municipality other) a year's costs and benefits are netted, as that domain's budget line would be:
*investments* are the net extra spending of the domains that spend more than they save that year,
*savings* the net lower spending of the others, and balance = savings − investments, which is the
municipal budget ``plan_municipal`` of the run (benefits − costs of the municipal actors) on every draw.

Every store keeps the bands of investments and savings per year (``plan_investment_band``,
``plan_savings_band``: exact quantiles computed while the draws stream) and the balance per draw
(``plan_municipal``). Results of older versions without the bands take the intervals from the per-draw
flows per actor (``plan_costs``/``plan_benefits``, full store) or show the base case only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..simulator.domain import MUNICIPAL_ACTORS

__all__ = ["plan_view", "plan_flows", "has_plan", "base_split"]

_BLOCK = 65_536  # draws at a time: memory stays flat at any number of draws
_QUANTILES = (0.05, 0.5, 0.95)


def has_plan(ds: xr.Dataset) -> bool:
    """Whether the run has a multi-year plan (the municipal budget per calendar year)."""
    return "base_plan_municipal" in ds and "plan_year" in ds.dims


def _muni(ds: xr.Dataset) -> list[int]:
    actors = [str(a) for a in ds["actor"].values]
    return [actors.index(a) for a in MUNICIPAL_ACTORS if a in actors]


def _split(costs: np.ndarray, benefits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(investments, savings) over the last axis (the municipal domains) of net flows per domain."""
    net = benefits - costs
    return np.clip(-net, 0.0, None).sum(axis=-1), np.clip(net, 0.0, None).sum(axis=-1)


def base_split(ds: xr.Dataset) -> tuple[list[float], list[float]] | None:
    """(investments, savings) of the base case per plan year, or None without a plan; reads only the
    base-case variables (cheap on a lazily opened results file)."""
    if not has_plan(ds):
        return None
    m = _muni(ds)
    inv, sav = _split(np.asarray(ds["base_plan_costs"].values, dtype=np.float64)[:, m],
                      np.asarray(ds["base_plan_benefits"].values, dtype=np.float64)[:, m])
    return inv.tolist(), sav.tolist()


def _blocks(ds: xr.Dataset, names: tuple[str, ...]) -> Iterator[dict[str, np.ndarray]]:
    for lo in range(0, ds.sizes["draw"], _BLOCK):
        yield {k: np.asarray(ds[k][lo:lo + _BLOCK].values, dtype=np.float64) for k in names}


def _bands(values: np.ndarray) -> dict[str, list[float]]:
    q = np.quantile(values, _QUANTILES, axis=0)
    return {"p5": q[0].tolist(), "p50": q[1].tolist(), "p95": q[2].tolist()}


def _from_band(band: xr.DataArray) -> dict[str, list[float]]:
    levels = [float(b) for b in band["band"].values]
    return {k: band.values[levels.index(q)].tolist() for k, q in zip(("p5", "p50", "p95"), _QUANTILES)}


def plan_flows(ds: xr.Dataset) -> dict[str, dict[str, list[float]]] | None:
    """Investments and savings of the municipality per plan year (every plan year, in the order of
    ``plan_year``): ``{"investment": {"base", "p5", "p50", "p95"}, "savings": {…}}``; without quantiles
    for results of older versions that kept neither bands nor per-draw flows; None without a plan or
    while a run is still streaming (the bands are written when the last draw is in)."""
    if not has_plan(ds) or "base_plan_costs" not in ds:
        return None
    inv_base, sav_base = base_split(ds)
    invest: dict[str, list[float]] = {"base": inv_base}
    savings: dict[str, list[float]] = {"base": sav_base}
    if "plan_investment_band" in ds and "plan_savings_band" in ds:  # every store: streamed with the draws
        invest.update(_from_band(ds["plan_investment_band"]))
        savings.update(_from_band(ds["plan_savings_band"]))
    elif not ds.sizes.get("draw", 0):  # a streaming run's skeleton: no draws (and no bands) yet
        return None
    elif "plan_costs" in ds and "plan_benefits" in ds:  # results of older versions, full store
        m = _muni(ds)
        parts = [_split(b["plan_costs"][:, :, m], b["plan_benefits"][:, :, m])
                 for b in _blocks(ds, ("plan_costs", "plan_benefits"))]
        invest.update(_bands(np.concatenate([p[0] for p in parts])))
        savings.update(_bands(np.concatenate([p[1] for p in parts])))
    return {"investment": invest, "savings": savings}


def plan_view(ds: xr.Dataset, summary: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The municipal budget per plan year, or None without a plan: ``{"years", "investment",
    "savings", "balance", "p_balance_gt_0", "draws_per_actor"}``. Each of investment/savings/balance
    is ``{"base": [...], "p5", "p50", "p95"}`` (lists over the years; investment and savings without
    quantiles only for results of older versions without bands or per-draw flows, ``draws_per_actor``
    False). The balance
    quantiles are the run summary's (``summary["plan"]``, the numbers ``mkba run`` prints) when given.
    Years after the last one with any municipal flow are left out."""
    if not has_plan(ds):
        return None
    years = [int(y) for y in ds["plan_year"].values]
    bal_base = np.asarray(ds["base_plan_municipal"].values, dtype=np.float64)
    flows = plan_flows(ds)
    if flows is None:  # a Dataset without draws: the base case only
        inv_base, sav_base = base_split(ds)
        flows = {"investment": {"base": inv_base}, "savings": {"base": sav_base}}
    invest, savings = flows["investment"], flows["savings"]
    per_actor = "p5" in invest  # bands streamed with the draws, or per-draw flows per actor
    above = np.zeros(len(years))
    n = 0
    draws = []
    for b in _blocks(ds, ("plan_municipal",)):
        v = b["plan_municipal"]
        above += (v > 0).sum(axis=0)
        n += v.shape[0]
        if (summary is None or "plan" not in summary) and "plan_municipal_band" not in ds:
            draws.append(v)
    plan = summary.get("plan") if summary is not None else None
    if plan is not None:
        mm = plan["municipal"]
        balance = {"base": bal_base.tolist(), "p5": list(mm["p5"]), "p50": list(mm["p50"]), "p95": list(mm["p95"])}
    elif "plan_municipal_band" in ds:
        balance = {"base": bal_base.tolist(), **_from_band(ds["plan_municipal_band"])}
    else:
        balance = {"base": bal_base.tolist(), **_bands(np.concatenate(draws))}
    p_pos = (above / n).tolist() if n else [float("nan")] * len(years)

    # the plan's horizon runs to the last cohort's year 9; most of it is empty for the municipality
    span = np.abs(np.vstack([np.asarray(v) for d in (invest, savings, balance) for v in d.values()]))
    used = np.nonzero(span.max(axis=0) >= 0.5)[0]
    keep = slice(0, int(used[-1]) + 1 if used.size else len(years))

    def cut(d: dict[str, list[float]]) -> dict[str, list[float]]:
        return {k: v[keep] for k, v in d.items()}

    return {"years": years[keep], "investment": cut(invest), "savings": cut(savings), "balance": cut(balance),
            "p_balance_gt_0": p_pos[keep], "draws_per_actor": per_actor}
