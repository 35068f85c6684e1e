"""One-way analysis: tornado data, spider data and switching values.

Each uncertain input is moved on its own while every other input stays at its base value (the
published point case). The input's values come from its own distribution through ``ppf``, so a
tornado bar spans the input's P5–P95 (configurable), whatever the distribution family.

References
----------
Briggs, A., Claxton, K., Sculpher, M. (2006). *Decision Modelling for Health Economic Evaluation*,
ch. 4 (one-way and threshold analysis). Oxford University Press.
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 4 (the root finder used
for switching values, :func:`scipy.optimize.brentq`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..simulator.engine import Model
from ..simulator.parameters import ParameterSet
from .targets import extract, threshold as default_threshold

if TYPE_CHECKING:
    from ..simulator.study import Study

__all__ = ["oneway", "oneway_study", "spider", "switching_values"]

EPS = 1e-12  # quantiles are clipped to [EPS, 1 - EPS]: ppf(0) or ppf(1) is infinite for open supports


def _check_quantile(name: str, q: float) -> float:
    q = float(q)
    if not (0.0 < q < 1.0):
        raise ValueError(f"{name} must be a quantile strictly between 0 and 1, got {q:g}")
    return q


def _rows(params: ParameterSet, changes: Sequence[tuple[str, float]]) -> dict[str, NDArray[np.float64]]:
    """Inputs for len(changes) model rows: every input at base except one input per row."""
    n = len(changes)
    x = {name: np.full(n, p.base) for name, p in params.items()}
    siblings = {k: names for names, _ in params.compositions for k in names}
    for i, (name, value) in enumerate(changes):
        x[name][i] = value
        if name in siblings:  # a share of a Dirichlet set: the others make room in proportion, sum stays 1
            rest = 1.0 - params[name].base
            scale = (1.0 - value) / rest if rest > 0 else 0.0
            for other in siblings[name]:
                if other != name:
                    x[other][i] = params[other].base * scale
    return x


def _target(model: Model, inputs: Mapping[str, NDArray[np.float64]], target: str) -> NDArray[np.float64]:
    return extract(model(inputs), target)


def _param_coords(params: ParameterSet, names: Sequence[str]) -> dict[str, tuple[str, list]]:
    return {
        "group": ("parameter", [params[n].group for n in names]),
        "unit": ("parameter", [params[n].unit for n in names]),
        "base_value": ("parameter", [params[n].base for n in names]),
    }


def _uncertain(params: ParameterSet) -> list[str]:
    names = params.uncertain
    if not names:
        raise ValueError("the parameter set has no uncertain inputs: nothing to analyse")
    return names


def oneway(
    model: Model,
    params: ParameterSet,
    *,
    target: str = "saldo",
    low: float = 0.05,
    high: float = 0.95,
) -> xr.Dataset:
    """One-way (tornado) analysis: every uncertain input at its ``low`` and ``high`` quantile.

    Parameters
    ----------
    model
        Any vectorised model ``f(inputs) -> dict[str, ndarray]``.
    params
        The model's inputs; the others stay at ``Parameter.base``.
    target
        What to explain (see :mod:`mkba.sensitivity.targets`).
    low, high
        Quantiles of each input's distribution (default P5 and P95).

    Returns
    -------
    xarray.Dataset
        Dim ``parameter`` sorted by ``swing``, largest first; variables ``low_value`` and
        ``high_value`` (the input values), ``target_low``, ``target_high`` and ``swing``
        (``|target_high - target_low|``); coords ``group``, ``unit``, ``base_value``; attrs
        ``target``, ``base_target``, ``low``, ``high``, ``method = "oneway"``, ``n_evaluations``.
    """
    low, high = _check_quantile("low", low), _check_quantile("high", high)
    if low >= high:
        raise ValueError(f"low ({low:g}) must be below high ({high:g})")
    names = _uncertain(params)
    lo = np.array([float(params[n].dist.ppf(low)) for n in names])
    hi = np.array([float(params[n].dist.ppf(high)) for n in names])
    # One vectorised call: row 0 is the base case, then every input low, then every input high.
    changes = [(names[0], params[names[0]].base)] + list(zip(names, lo)) + list(zip(names, hi))
    y = _target(model, _rows(params, changes), target)
    k = len(names)
    base, y_lo, y_hi = float(y[0]), y[1 : k + 1], y[k + 1 :]
    swing = np.abs(y_hi - y_lo)
    # Stable sort on -swing keeps the parameter-set order among equal swings (e.g. all zero).
    order = np.argsort(-np.nan_to_num(swing, nan=-1.0), kind="stable")
    sel = [names[i] for i in order]
    ds = xr.Dataset(
        {
            "low_value": ("parameter", lo[order]),
            "high_value": ("parameter", hi[order]),
            "target_low": ("parameter", y_lo[order]),
            "target_high": ("parameter", y_hi[order]),
            "swing": ("parameter", swing[order]),
        },
        coords={"parameter": sel, **_param_coords(params, sel)},
    )
    ds.attrs.update(method="oneway", target=target, base_target=base, low=low, high=high,
                    n_evaluations=int(len(y)))
    return ds


def oneway_study(study: Study, *, target: str = "saldo", low: float = 0.05, high: float = 0.95) -> xr.Dataset:
    """:func:`oneway` on a :class:`mkba.Study` (its model and parameters); adds attr ``study``."""
    ds = oneway(study.model, study.parameters, target=target, low=low, high=high)
    ds.attrs["study"] = study.name
    return ds


def spider(
    model: Model,
    params: ParameterSet,
    *,
    target: str = "saldo",
    quantiles: Sequence[float] | NDArray[np.float64] = tuple(np.round(np.linspace(0.05, 0.95, 19), 10)),
) -> xr.Dataset:
    """Spider-plot data: the target as each input runs through its quantiles, the others at base.

    Returns
    -------
    xarray.Dataset
        ``target(parameter, quantile)`` and ``value(parameter, quantile)`` (the input values), with
        the parameters in the order of :func:`oneway` (largest P5–P95 swing first); attrs
        ``target``, ``base_target``, ``method = "spider"``.
    """
    q = np.asarray([_check_quantile("quantile", v) for v in quantiles], dtype=float)
    names = _uncertain(params)
    vals = np.array([params[n].dist.ppf(q) for n in names])  # (k, m)
    changes = [(names[0], params[names[0]].base)]
    changes += [(n, float(v)) for n, row in zip(names, vals) for v in row]
    y = _target(model, _rows(params, changes), target)
    base, grid = float(y[0]), y[1:].reshape(len(names), len(q))
    order = np.argsort(-(np.nanmax(grid, axis=1) - np.nanmin(grid, axis=1)), kind="stable")
    sel = [names[i] for i in order]
    ds = xr.Dataset(
        {"target": (("parameter", "quantile"), grid[order]), "value": (("parameter", "quantile"), vals[order])},
        coords={"parameter": sel, "quantile": q, **_param_coords(params, sel)},
    )
    ds.attrs.update(method="spider", target=target, base_target=base, n_evaluations=int(len(y)))
    return ds


def switching_values(
    model: Model,
    params: ParameterSet,
    *,
    target: str = "saldo",
    threshold: float | None = None,
    grid: int = 65,
    rtol: float = 1e-9,
) -> xr.Dataset:
    """Switching values: per input, the value at which the target reaches its break-even point.

    With the other inputs at base, find ``x`` in the input's support such that
    ``target(x) = threshold`` (default: 0 for amounts such as ``saldo``, 1 for ``bc_*`` ratios).
    A grid of ``grid`` quantiles brackets the first sign change (so non-monotone responses are
    handled), :func:`scipy.optimize.brentq` refines it in the input's own units, and the model is
    then **re-run at the value found** to verify it. Open supports (normal, lognormal) are searched
    between the quantiles 1e-12 and 1 − 1e-12. Discrete inputs are treated as continuous between
    their values (the model is arithmetic), which the ``status`` says.

    Returns
    -------
    xarray.Dataset
        Dim ``parameter`` (parameter-set order); ``switching_value`` (NaN when not within the
        support), ``quantile`` (the input's CDF level there, interpolated), ``target_at_value``
        (the verification re-run), ``status``: ``"found"``, ``"not within the support"`` or
        ``"not verified"``; attrs ``target``, ``threshold``, ``base_target``.
    """
    from scipy.optimize import brentq

    names = _uncertain(params)
    thr = default_threshold(target) if threshold is None else float(threshold)
    if grid < 2:
        raise ValueError(f"grid must be >= 2, got {grid}")
    u = np.concatenate(([EPS], np.linspace(0.0, 1.0, grid)[1:-1], [1 - EPS]))
    vals = np.array([params[n].dist.ppf(u) for n in names])  # (k, grid)
    changes = [(names[0], params[names[0]].base)] + [(n, float(v)) for n, row in zip(names, vals) for v in row]
    y = _target(model, _rows(params, changes), target)
    base = float(y[0])
    g = y[1:].reshape(len(names), len(u)) - thr
    scale = max(abs(base - thr), float(np.nanmax(np.abs(g))) if g.size else 0.0, 1e-300)
    out_x = np.full(len(names), np.nan)
    out_q = np.full(len(names), np.nan)
    out_y = np.full(len(names), np.nan)
    status: list[str] = []
    n_eval = len(y)
    for i, name in enumerate(names):
        gi = g[i]
        zero = np.flatnonzero(gi == 0.0)
        cross = np.flatnonzero(np.sign(gi[:-1]) * np.sign(gi[1:]) < 0)
        if zero.size:
            x = float(vals[i, zero[0]])
        elif cross.size:
            j = int(cross[0])
            a, b = float(vals[i, j]), float(vals[i, j + 1])

            def h(v: float, name: str = name) -> float:
                return float(_target(model, _rows(params, [(name, v)]), target)[0]) - thr

            x = brentq(h, a, b, xtol=1e-12 * max(1.0, abs(a), abs(b)), rtol=4 * np.finfo(float).eps, maxiter=200)
        else:
            status.append("not within the support")
            continue
        # Verification: an independent re-run of the model at the value found.
        y_at = float(_target(model, _rows(params, [(name, x)]), target)[0])
        n_eval += 1
        out_x[i], out_y[i] = x, y_at
        out_q[i] = float(np.interp(x, vals[i], u)) if np.all(np.diff(vals[i]) >= 0) else np.nan
        ok = abs(y_at - thr) <= rtol * scale + 1e-9 * max(1.0, abs(thr))
        kind = type(params[name].dist).__name__
        status.append(("found" if ok else "not verified") + (" (discrete input, interpolated)"
                                                            if ok and kind in ("Discrete", "Empirical") else ""))
    ds = xr.Dataset(
        {
            "switching_value": ("parameter", out_x),
            "quantile": ("parameter", out_q),
            "target_at_value": ("parameter", out_y),
            "status": ("parameter", np.array(status, dtype=object).astype(str)),
        },
        coords={"parameter": names, **_param_coords(params, names)},
    )
    ds.attrs.update(method="switching", target=target, threshold=thr, base_target=base,
                    n_evaluations=int(n_eval))
    return ds
