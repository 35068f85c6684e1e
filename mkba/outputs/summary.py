"""Summaries of a run: base case, mean and P5/P50/P95 per line, total and ratio; P(ratio > 1).

Every summary is computed block by block (:class:`Summary`): per-draw series of a block go into
:class:`~mkba.outputs.stats.SeriesStats` (exact quantiles in O(√n) memory), so summarising 100 million
draws never holds a whole variable, and ``mkba run`` summarises the blocks as they are computed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..simulator.domain import MUNICIPAL_ACTORS
from .lines import line_kinds, line_order
from .stats import SeriesStats

__all__ = ["summarise", "summary_rows", "to_csv_text", "probabilities", "prob_above", "json_ready", "undefined_share",
           "budget", "sources", "plan_budget", "Summary", "blocks_of", "QUANTILES", "RATIOS", "TOTAL_NAMES",
           "PER_DRAW", "cashflow_bands"]

QUANTILES = (0.05, 0.5, 0.95)
RATIOS = ("bc_social", "bc_financial", "bc_municipal")
TOTAL_NAMES = ("costs", "benefits", "saldo")
# The per-draw variables a summary reads (npv only for results without per-actor totals).
PER_DRAW = ("line", *TOTAL_NAMES, *RATIOS, "actor_costs", "actor_benefits", "npv", "plan_municipal")
SUMMARY_BLOCK = 65_536  # draws per block when summarising a Dataset


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


_ZERO = {"mean": 0.0, "p5": 0.0, "p50": 0.0, "p95": 0.0}
_THRESHOLD = {"saldo": 0.0, "bc_social": 1.0, "bc_financial": 1.0, "bc_municipal": 1.0}


def _series(block: Mapping[str, np.ndarray], items: list[str], is_cost: np.ndarray, actors: list[str]
            ) -> Iterator[tuple[str, np.ndarray]]:
    """Every summarised per-draw series of one block of draws, by name (lines as ``line:<item>``, per
    party ``costs:<actor>``, ``benefits:<actor>``, ``balance:<actor>``, the municipality as ``…:municipality``)."""
    line = np.ascontiguousarray(np.asarray(block["line"]).T)  # one contiguous row per line: faster passes
    for i, item in enumerate(items):
        yield f"line:{item}", line[i]
    for name in (*TOTAL_NAMES, *RATIOS):
        yield name, block[name]
    if "plan_municipal" in block:  # the municipal budget per plan year
        plan = block["plan_municipal"]
        for y in range(plan.shape[1]):
            yield f"plan:{y}", np.asarray(plan[:, y], dtype=np.float64)
    if "actor_costs" in block:
        costs, benefits = block["actor_costs"], block["actor_benefits"]
    elif "npv" in block:  # results written before the per-actor totals existed: derive them from the npv cube
        costs, benefits = (block["npv"][:, sel].sum(axis=1) for sel in (is_cost, ~is_cost))
    else:
        return
    n = costs.shape[0]
    costs_t, benefits_t = np.ascontiguousarray(np.asarray(costs).T), np.ascontiguousarray(np.asarray(benefits).T)
    m_costs, m_benefits = np.zeros(n), np.zeros(n)
    for j, a in enumerate(actors):
        # float64 before subtracting: lean stores keep the per-actor figures as float32.
        c, b = costs_t[j].astype(np.float64), benefits_t[j].astype(np.float64)
        yield f"costs:{a}", c
        yield f"benefits:{a}", b
        yield f"balance:{a}", b - c
        if a in MUNICIPAL_ACTORS:
            m_costs += c
            m_benefits += b
    yield "costs:municipality", m_costs
    yield "benefits:municipality", m_benefits
    yield "balance:municipality", m_benefits - m_costs


def blocks_of(ds: xr.Dataset, size: int = SUMMARY_BLOCK) -> Iterator[dict[str, np.ndarray]]:
    """The per-draw variables a summary reads, ``size`` draws at a time (a lazily opened file is read
    block by block too)."""
    names = [v for v in PER_DRAW if v in ds and (v != "npv" or "actor_costs" not in ds)]
    for lo in range(0, ds.sizes["draw"], size):
        yield {k: ds[k][lo:lo + size].values for k in names}


class Summary:
    """The summary of a run, accumulated block by block (:meth:`add`), then :meth:`result`. ``meta``:
    the run's Dataset, or its skeleton (base case, coordinates and attributes; no draws yet)."""

    def __init__(self, meta: xr.Dataset) -> None:
        self.meta = meta
        self.items = [str(i) for i in meta["item"].values]
        self.actors = [str(a) for a in meta["actor"].values]
        self.is_cost = (meta["kind"] == "cost").values
        self.stats: dict[str, SeriesStats] = {}

    @classmethod
    def of(cls, ds: xr.Dataset) -> Summary:
        """Every draw of ``ds``, block by block."""
        summ = cls(ds)
        for block in blocks_of(ds):
            summ.add(block)
        return summ

    def add(self, block: Mapping[str, np.ndarray]) -> None:
        for name, v in _series(block, self.items, self.is_cost, self.actors):
            st = self.stats.get(name)
            if st is None:
                thresholds = (_THRESHOLD[name],) if name in _THRESHOLD else (0.0,) if name.startswith(("balance:", "plan:")) else ()
                st = self.stats[name] = SeriesStats(QUANTILES, thresholds, dtype=v.dtype)
            st.add(v)

    def _stats(self, name: str, recompute: Callable[[str], np.ndarray] | None) -> dict[str, float]:
        st = self.stats[name]
        q = st.quantiles()
        if q is None:  # a bracket missed (draws not in random order): all values of this one series
            if recompute is None:
                raise RuntimeError(f"exact quantiles of {name} need a second pass over the draws")
            v = recompute(name)
            v = v[np.isfinite(v)]
            q = [float(x) for x in np.quantile(v, QUANTILES)] if v.size else [math.nan] * len(QUANTILES)
        return {"mean": st.mean, "p5": q[0], "p50": q[1], "p95": q[2]}

    def result(self, blocks: Callable[[], Iterable[Mapping[str, np.ndarray]]] | None = None) -> dict[str, Any]:
        """The JSON-ready summary (the structure ``mkba run --json`` prints). ``blocks`` re-reads the
        draws block by block; it is used only for a series whose quantiles need a second pass."""
        ds = self.meta

        def recompute(name: str) -> np.ndarray:
            if blocks is None:
                raise RuntimeError(f"exact quantiles of {name} need a second pass over the draws")
            return np.concatenate([v for b in blocks() for n, v in _series(b, self.items, self.is_cost, self.actors)
                                   if n == name])

        get = lambda name: self._stats(name, recompute)  # noqa: E731
        base_line = ds["base_npv"].sum("actor").values
        base: dict[str, float] = {item: float(base_line[i]) for i, item in enumerate(self.items)}
        summary: dict[str, dict[str, float]] = {item: get(f"line:{item}") for item in self.items}
        for name in (*TOTAL_NAMES, *RATIOS):
            base[name] = float(ds[f"base_{name}"])
            summary[name] = get(name)
        st = self.stats
        return {
            "study": ds.attrs.get("study", ""),
            "scenario": ds.attrs.get("scenario", "base"),
            "draws": int(ds.attrs.get("draws", st["saldo"].size)),
            "seed": int(ds.attrs.get("seed", 0)),
            "sampler": ds.attrs.get("sampler", "mc"),
            "base": base,
            "summary": summary,
            "probabilities": {
                "bc_social_gt_1": st["bc_social"].prob_above(1.0),
                "bc_financial_gt_1": st["bc_financial"].prob_above(1.0),
                "bc_municipal_gt_1": st["bc_municipal"].prob_above(1.0),
                "saldo_gt_0": st["saldo"].prob_above(0.0),
            },
            # share of draws in which each ratio is undefined (its denominator is 0); 0 almost always
            "undefined": {r: st[r].nan_share for r in RATIOS},
            **(self._budget(get) if "costs:municipality" in st else {}),
            "sources": sources(ds),
            "lines": {"order": line_order(ds), "kind": line_kinds(ds)},
            **({"plan": self._plan(get)} if "plan:0" in st else {}),
        }

    def _plan(self, get: Callable[[str], dict[str, float]]) -> dict[str, Any]:
        """The municipal budget per plan year (benefits − costs of the municipal actors, undiscounted
        cash flows): base case, mean and the 90 % interval (P5–P95) per calendar year."""
        years = [int(y) for y in self.meta["plan_year"].values]
        per_year = [get(f"plan:{y}") for y in range(len(years))]
        out: dict[str, Any] = {"years": years, "municipal": {
            "base": [float(x) for x in self.meta["base_plan_municipal"].values],
            **{k: [p[k] for p in per_year] for k in ("mean", "p5", "p50", "p95")}},
            "p_municipal_gt_0": [self.stats[f"plan:{y}"].prob_above(0.0) for y in range(len(years))]}
        from .plan import plan_flows

        flows = plan_flows(self.meta)  # None while the run streams (its bands are written at the end)
        return {**out, **flows} if flows else out

    def _entry(self, who: str, get: Callable[[str], dict[str, float]], base_costs: float, base_benefits: float
               ) -> dict[str, Any]:
        # Quantiles of a column that is zero on every draw (a party without costs) are zero.
        c_st, b_st = self.stats[f"costs:{who}"], self.stats[f"benefits:{who}"]
        has_c, has_b = c_st.nonzero > 0, b_st.nonzero > 0
        c = get(f"costs:{who}") if has_c else dict(_ZERO)
        b = get(f"benefits:{who}") if has_b else dict(_ZERO)
        if has_c and has_b:
            bal = get(f"balance:{who}")
        elif has_b:
            bal = dict(b)
        elif has_c:
            bal = {"mean": -c["mean"], "p5": -c["p95"], "p50": -c["p50"], "p95": -c["p5"]}  # balance = −costs
        else:
            bal = dict(_ZERO)
        return {
            "costs": {"base": float(base_costs), **c},
            "benefits": {"base": float(base_benefits), **b},
            "balance": {"base": float(base_benefits - base_costs), **bal},
            "p_balance_gt_0": self.stats[f"balance:{who}"].prob_above(0.0) if has_c or has_b else 0.0,
            "involved": bool(base_costs or base_benefits or has_c or has_b),
        }

    def _budget(self, get: Callable[[str], dict[str, float]]) -> dict[str, Any]:
        ds = self.meta
        if "base_actor_costs" in ds:
            base_c, base_b = ds["base_actor_costs"].values, ds["base_actor_benefits"].values
        else:
            base_c, base_b = (ds["base_npv"].values[sel].sum(axis=0) for sel in (self.is_cost, ~self.is_cost))
        out: dict[str, Any] = {"actors": {}}
        for j, a in enumerate(self.actors):
            out["actors"][a] = self._entry(a, get, float(base_c[j]), float(base_b[j]))
        m = [self.actors.index(a) for a in MUNICIPAL_ACTORS]
        muni = self._entry("municipality", get, float(base_c[m].sum()), float(base_b[m].sum()))
        muni["bc"] = {"base": float(ds["base_bc_municipal"]), **get("bc_municipal")}
        muni["p_bc_gt_1"] = self.stats["bc_municipal"].prob_above(1.0)  # over the draws where it is defined
        muni["domains"] = list(MUNICIPAL_ACTORS)
        out["municipality"] = muni
        return out


def budget(ds: xr.Dataset) -> dict[str, Any]:
    """The budget view "who pays, who gains" (model-spec §3.3, output part B as a per-actor split of the
    NPV totals): per actor and for the municipality as a whole (the sum of its domains) costs, benefits
    and balance — base case, mean, P5, P50, P95 — and P(balance > 0); for the municipality also its
    B/C ratio (the same per-draw ``bc_municipal`` as the headline) and P(B/C > 1).

    Returns ``{"actors": {actor: {...}}, "municipality": {..., "bc": {...}, "p_bc_gt_1"}}``."""
    res = Summary.of(ds).result(lambda: blocks_of(ds))
    return {"actors": res["actors"], "municipality": res["municipality"]}


def summarise(ds: xr.Dataset) -> dict[str, Any]:
    """The JSON-ready summary of a run (the structure ``mkba run --json`` prints), computed block by
    block (a results file opened lazily is read one block at a time)."""
    return Summary.of(ds).result(lambda: blocks_of(ds))


def plan_budget(ds: xr.Dataset) -> dict[str, Any]:
    """The municipal budget per plan year (benefits − costs of the municipal actors, undiscounted cash
    flows): base case, mean and the 90 % interval (P5–P95) per calendar year."""
    return summarise(ds)["plan"]


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


def cashflow_bands(ds: xr.Dataset, levels: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> np.ndarray | None:
    """Quantiles ``(level, year)`` over the draws of the net cash flow per year (benefits − costs,
    undiscounted): from the run's ``cashflow_band`` (every store), else from per-draw ``cashflow``
    (results of older versions), else None (older lean results: the base case only)."""
    if "cashflow_band" in ds:
        band = ds["cashflow_band"]
        have = [float(b) for b in band["band"].values]
        if all(q in have for q in levels):
            return np.stack([band.values[have.index(q)] for q in levels])
    if "cashflow" in ds:
        cf = (ds["cashflow"] * xr.where(ds["kind"] == "cost", -1.0, 1.0)).sum("item").values
        return np.quantile(cf, levels, axis=0)
    return None
