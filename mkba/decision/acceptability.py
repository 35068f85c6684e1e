"""Acceptability over a monetary value that enters one line linearly (the value of a QALY, of a start
qualification, ...): P(saldo > 0) and P(B/C social > 1) as a function of that value, from the same draws.

A line proportional to a value q (``VALUE_LINES`` of the simulator's domain) is, at another value v,
exactly ``line · v / q`` in every draw; the saldo and the benefits change by that difference, so the
curve needs no re-run and every point uses the same draws (common random numbers): the curve is smooth
and its differences are not sampling noise (the cost-effectiveness acceptability curve of health
economics, van Hout et al. 1994, drawn over the value instead of a threshold ratio).

Per draw the saldo is then linear in v, so each draw has its own break-even value
v*ᵢ = qᵢ (1 − saldoᵢ / lineᵢ); P(saldo > 0 at v) is the share of draws with v*ᵢ < v (for a benefit line).
The break-even value reported is where the expected saldo crosses 0 (where the decision "go on" switches),
its interval the P5–P95 of the per-draw break-even values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from ..simulator.domain import VALUE_LINES

__all__ = ["Acceptability", "acceptability", "reweighted", "value_per_draw", "parse_grid", "VALUE_LINES",
           "GridError"]

Array = NDArray[np.float64]
REFERENCE_VALUES = (20_000.0, 50_000.0, 100_000.0)  # the range of the Dutch debate on the value of a QALY


class GridError(ValueError):
    """A value grid that cannot be used (empty, not numbers, negative step)."""


@dataclass(frozen=True)
class Acceptability:
    value: str  # the input, e.g. "prices.qaly_value"
    line: str  # the line it multiplies
    grid: Array
    p_saldo_gt_0: Array
    p_bc_social_gt_1: Array
    expected_saldo: Array
    break_even: float  # where E[saldo] = 0; NaN if it never crosses
    break_even_p5: float
    break_even_p95: float
    reference: tuple[tuple[float, float], ...] = ()  # (value, P(saldo > 0)) at REFERENCE_VALUES

    def to_dict(self) -> dict:
        def f(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {"qaly_value": [float(v) for v in self.grid],
                "p_saldo_gt_0": [float(v) for v in self.p_saldo_gt_0],
                "p_bc_social_gt_1": [float(v) for v in self.p_bc_social_gt_1],
                "break_even": {"value": f(self.break_even), "p5": f(self.break_even_p5),
                               "p95": f(self.break_even_p95)}}


def parse_grid(text: str) -> Array:
    """``"0:150000:5000"`` (start:stop:step, stop included) or ``"20000,50000,80000"``."""
    t = text.strip().replace("_", "")
    try:
        if ":" in t:
            parts = [float(p) for p in t.split(":")]
            if len(parts) != 3:
                raise GridError(f"expected start:stop:step, got {text!r}")
            start, stop, step = parts
            if not step > 0:
                raise GridError(f"the step must be > 0, got {text!r}")
            if stop < start:
                raise GridError(f"the grid {text!r} is empty (stop < start)")
            grid = start + step * np.arange(int(np.floor((stop - start) / step + 1e-9)) + 1)
        else:
            grid = np.array([float(p) for p in t.split(",") if p.strip()])
    except ValueError as exc:
        if isinstance(exc, GridError):
            raise
        raise GridError(f"expected numbers as start:stop:step or a comma list, got {text!r}") from None
    if grid.size == 0:
        raise GridError(f"the grid {text!r} is empty")
    if not np.all(np.isfinite(grid)):
        raise GridError(f"the grid {text!r} has values that are not finite")
    return grid


def value_per_draw(ds: xr.Dataset, name: str) -> Array:
    """The sampled value of input ``name`` per draw (its fixed value when it is not uncertain)."""
    if "inputs" in ds and "input" in ds.coords and name in ds["input"].values:
        return np.asarray(ds["inputs"].sel(input=name).values, dtype=np.float64)
    params = json.loads(ds.attrs.get("parameters", "{}"))
    if name not in params:
        raise KeyError(f"{name} is not an input of this study")
    if isinstance(params[name].get("dist"), dict):
        raise ValueError(f"{name} is uncertain but its draws are not stored (run with --store full)")
    return np.full(ds.sizes["draw"], float(params[name]["base"]))


def reweighted(ds: xr.Dataset, value: ArrayLike, name: str = "prices.qaly_value") -> dict[str, Array]:
    """saldo, benefits and the value's line per draw (n, G) at the values ``value`` (G,) instead of the
    sampled ones. Exact: the line is proportional to the value."""
    line_name = VALUE_LINES[name]
    q = value_per_draw(ds, name)[:, None]
    line = np.asarray(ds["line"].sel(item=line_name).values, dtype=np.float64)[:, None]
    v = np.atleast_1d(np.asarray(value, dtype=np.float64))[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        new = np.where(q != 0, line * (v / q), 0.0)  # q = 0 → line 0 in that draw; nothing to scale
    delta = new - line
    return {"saldo": ds["saldo"].values[:, None] + delta, "benefits": ds["benefits"].values[:, None] + delta,
            "line": new}


def acceptability(ds: xr.Dataset, grid: ArrayLike, *, value: str = "prices.qaly_value",
                  reference: ArrayLike = REFERENCE_VALUES) -> Acceptability:
    """The acceptability curve of saldo and B/C social over ``grid`` values of ``value`` (and P(saldo > 0)
    at the ``reference`` values, for the text)."""
    if value not in VALUE_LINES:
        raise KeyError(f"{value} does not enter one line linearly; choose one of: {', '.join(VALUE_LINES)}")
    grid = np.atleast_1d(np.asarray(grid, dtype=np.float64))
    costs = np.asarray(ds["costs"].values, dtype=np.float64)
    p_s, p_b, e_s = (np.empty(len(grid)) for _ in range(3))
    for lo in range(0, len(grid), 8):  # a few grid points at a time: memory n × 8
        r = reweighted(ds, grid[lo:lo + 8], value)
        p_s[lo:lo + 8] = (r["saldo"] > 0).mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_b[lo:lo + 8] = (r["benefits"] / costs[:, None] > 1).mean(axis=0)
        e_s[lo:lo + 8] = r["saldo"].mean(axis=0)
    be, p5, p95 = break_even(ds, value)
    ref = np.atleast_1d(np.asarray(reference, dtype=np.float64))
    p_ref = (reweighted(ds, ref, value)["saldo"] > 0).mean(axis=0) if ref.size else np.empty(0)
    return Acceptability(value, VALUE_LINES[value], grid, p_s, p_b, e_s, be, p5, p95,
                         tuple((float(v), float(p)) for v, p in zip(ref, p_ref)))


def break_even(ds: xr.Dataset, value: str = "prices.qaly_value") -> tuple[float, float, float]:
    """(v where E[saldo] = 0, P5 and P95 of the per-draw break-even values); NaN where undefined."""
    q = value_per_draw(ds, value)
    line = np.asarray(ds["line"].sel(item=VALUE_LINES[value]).values, dtype=np.float64)
    saldo = np.asarray(ds["saldo"].values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(q != 0, line / q, 0.0)  # the line per € of value, per draw
        rest = saldo - line  # the saldo without this line
        slope = float(per_unit.mean())
        be = -float(rest.mean()) / slope if slope != 0 else np.nan
        # per draw: rest + per_unit · v = 0; a draw without the line never breaks even by the value
        v_star = np.where(per_unit != 0, -rest / per_unit, np.where(rest > 0, -np.inf, np.inf))
    if np.all(per_unit == 0):
        return np.nan, np.nan, np.nan
    p5, p95 = np.quantile(v_star, [0.05, 0.95], method="inverted_cdf")
    return be, float(p5), float(p95)
