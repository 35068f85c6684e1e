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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from ..simulator.domain import ITEMS, VALUE_LINES

__all__ = ["Acceptability", "acceptability", "break_even", "reweighted", "value_lines", "value_per_draw",
           "parse_grid", "VALUE_LINES", "GridError"]

Array = NDArray[np.float64]
REFERENCE_VALUES = (20_000.0, 50_000.0, 100_000.0)  # the range of the Dutch debate on the value of a QALY


class GridError(ValueError):
    """A value grid that cannot be used (empty, not numbers, negative step)."""


@dataclass(frozen=True)
class Acceptability:
    value: str  # the input, e.g. "prices.qaly_value"
    line: str  # the line(s) it multiplies, comma-separated
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


def value_lines(value: str, own_lines: Iterable[Any] = ()) -> tuple[str, ...]:
    """The lines proportional to ``value``: the built-in one (``VALUE_LINES``) and every own line of the
    study with the value among its factors once (an own line is the product of its factors). An own
    line with the value twice is not linear in it: ValueError."""
    lines = [VALUE_LINES[value]] if value in VALUE_LINES else []
    for line in own_lines:
        k = list(line.factors).count(value)
        if k > 1:
            raise ValueError(f"the own line {line.name!r} has {value} {k} times among its factors: not linear")
        if k == 1:
            lines.append(line.name)
    if not lines:
        raise ValueError(f"{value} enters no line linearly; choose one of: {', '.join(VALUE_LINES)}")
    return tuple(lines)


def _lines(ds: xr.Dataset, value: str, lines: Sequence[str] | None) -> tuple[str, ...]:
    if lines is not None:
        return tuple(lines)
    known = set(ITEMS) | {"investment"}
    own = [str(i) for i in ds["item"].values if str(i) not in known]
    if own:  # an own line may carry the value too; only the study says which
        raise ValueError(f"the study has own lines ({', '.join(own)}); give the lines proportional to {value} "
                         "(value_lines(value, study.options.own_lines))")
    return value_lines(value)


class _Lines:
    """What re-weighting reads from a result Dataset, read once: the value per draw (n, 1), saldo, benefits
    and costs (n, 1) and each line proportional to the value with its kind."""

    def __init__(self, ds: xr.Dataset, name: str, lines: Sequence[str] | None) -> None:
        self.q = value_per_draw(ds, name)[:, None]
        self.saldo = ds["saldo"].values.astype(np.float64)[:, None]
        self.benefits = ds["benefits"].values.astype(np.float64)[:, None]
        self.costs = ds["costs"].values.astype(np.float64)[:, None]
        kinds = dict(zip((str(i) for i in ds["item"].values), (str(k) for k in ds["kind"].values)))
        self.lines = [(kinds[item] == "cost", np.asarray(ds["line"].sel(item=item).values, dtype=np.float64)[:, None])
                      for item in _lines(ds, name, lines)]

    def at(self, value: ArrayLike, with_line: bool = True) -> dict[str, Array]:
        """saldo, benefits, costs (and the lines summed, ``with_line``) per draw (n, G) at the values (G,)."""
        q = self.q
        v = np.atleast_1d(np.asarray(value, dtype=np.float64))[None, :]
        out: dict[str, Any] = {"saldo": self.saldo, "benefits": self.benefits, "costs": self.costs, "line": 0.0}
        for cost, line in self.lines:
            with np.errstate(divide="ignore", invalid="ignore"):
                new = np.where(q != 0, line * (v / q), 0.0)  # q = 0 → the line is 0 in that draw
            delta = new - line
            if cost:
                out["saldo"], out["costs"] = out["saldo"] - delta, out["costs"] + delta
            else:
                out["saldo"], out["benefits"] = out["saldo"] + delta, out["benefits"] + delta
            if with_line:
                out["line"] = out["line"] + new
        if not with_line:
            del out["line"]
        return out


def reweighted(ds: xr.Dataset, value: ArrayLike, name: str = "prices.qaly_value", *,
               lines: Sequence[str] | None = None) -> dict[str, Array]:
    """saldo, benefits, costs and the value's lines (summed) per draw, (n, G), at the values ``value`` (G,)
    instead of the sampled ones. Exact: each of ``lines`` (default :func:`value_lines`) is proportional
    to the value, so at v it is ``line · v / q`` in a draw with sampled value q."""
    return _Lines(ds, name, lines).at(value)


def acceptability(ds: xr.Dataset, grid: ArrayLike, *, value: str = "prices.qaly_value",
                  lines: Sequence[str] | None = None, reference: ArrayLike = REFERENCE_VALUES) -> Acceptability:
    """The acceptability curve of saldo and B/C social over ``grid`` values of ``value`` (and P(saldo > 0)
    at the ``reference`` values, for the text). ``lines``: the lines proportional to the value (default:
    :func:`value_lines` of the built-in model; a study with own lines must say)."""
    lines = _lines(ds, value, lines)
    data = _Lines(ds, value, lines)
    grid = np.atleast_1d(np.asarray(grid, dtype=np.float64))
    p_s, p_b, e_s = (np.empty(len(grid)) for _ in range(3))
    for lo in range(0, len(grid), 8):  # a few grid points at a time: memory n × 8
        r = data.at(grid[lo:lo + 8], with_line=False)
        p_s[lo:lo + 8] = (r["saldo"] > 0).mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_b[lo:lo + 8] = (r["benefits"] / r["costs"] > 1).mean(axis=0)
        e_s[lo:lo + 8] = r["saldo"].mean(axis=0)
    be, p5, p95 = _break_even(data)
    ref = np.atleast_1d(np.asarray(reference, dtype=np.float64))
    p_ref = (data.at(ref, with_line=False)["saldo"] > 0).mean(axis=0) if ref.size else np.empty(0)
    return Acceptability(value, ", ".join(lines), grid, p_s, p_b, e_s, be, p5, p95,
                         tuple((float(v), float(p)) for v, p in zip(ref, p_ref)))


def break_even(ds: xr.Dataset, value: str = "prices.qaly_value", *,
               lines: Sequence[str] | None = None) -> tuple[float, float, float]:
    """(v where E[saldo] = 0, P5 and P95 of the per-draw break-even values); NaN where undefined.

    Per draw the saldo is rest + slope · v with slope = Σ ± line / q (+ for a benefit, − for a cost)."""
    return _break_even(_Lines(ds, value, lines))


def _break_even(data: _Lines) -> tuple[float, float, float]:
    q = data.q[:, 0]
    saldo = data.saldo[:, 0]
    slope = np.zeros_like(saldo)
    with np.errstate(divide="ignore", invalid="ignore"):
        for cost, line in data.lines:
            slope += (-1.0 if cost else 1.0) * np.where(q != 0, line[:, 0] / q, 0.0)
        rest = saldo - slope * q  # the saldo without the value's lines
        mean_slope = float(slope.mean())
        if np.all(slope == 0) or mean_slope == 0:
            return np.nan, np.nan, np.nan
        be = -float(rest.mean()) / mean_slope
        # per draw: rest + slope · v = 0; a draw the value does not reach never breaks even by it
        v_star = np.where(slope != 0, -rest / slope, np.where(rest > 0, -np.inf, np.inf))
    p5, p95 = np.quantile(v_star, [0.05, 0.95], method="inverted_cdf")
    return be, float(p5), float(p95)
