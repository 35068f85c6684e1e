"""The common shape of every analysis result: ``value(parameter, index)`` and ``conf``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

__all__ = ["check_outputs", "indices_dataset", "ranking"]


def check_outputs(y: ArrayLike, n_runs: int, target: str) -> NDArray[np.float64]:
    """Model outputs for an analysis: one finite value per design run, else a clear ValueError."""
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or len(y) != n_runs:
        raise ValueError(f"outputs have shape {y.shape}; the design has {n_runs} runs (one output per run)")
    bad = int((~np.isfinite(y)).sum())
    if bad:
        raise ValueError(f"target {target!r} is not finite in {bad} of {n_runs} runs (e.g. a ratio with zero "
                         "costs); choose another target")
    if np.ptp(y) == 0.0:
        raise ValueError(f"target {target!r} does not vary over the design: every input has zero influence")
    return y


def indices_dataset(
    names: Sequence[str],
    values: Mapping[str, ArrayLike],
    confs: Mapping[str, ArrayLike] | None = None,
    *,
    method: str,
    target: str,
    rank_by: str,
    n_evaluations: int,
    plot: Sequence[str] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Dataset with dims ``parameter`` × ``index``: ``value`` and ``conf`` (half-width of the
    confidence interval; NaN where the method has none), sorted by ``rank_by``, largest first."""
    idx = list(values)
    val = np.column_stack([np.asarray(values[k], dtype=float) for k in idx])
    conf = np.full_like(val, np.nan)
    for j, k in enumerate(idx):
        if confs and k in confs:
            conf[:, j] = np.asarray(confs[k], dtype=float)
    key = val[:, idx.index(rank_by)]
    order = np.argsort(-np.where(np.isfinite(key), key, -np.inf), kind="stable")
    ds = xr.Dataset(
        {"value": (("parameter", "index"), val[order]), "conf": (("parameter", "index"), conf[order])},
        coords={"parameter": [str(names[i]) for i in order], "index": idx},
    )
    ds.attrs.update(method=method, target=target, rank_by=rank_by, n_evaluations=int(n_evaluations),
                    plot_indices=",".join(plot or [rank_by]))
    for k, v in (attrs or {}).items():
        ds.attrs[k] = v if isinstance(v, (str, int, float)) else json.dumps(v)
    return ds


def ranking(ds: xr.Dataset) -> list[str]:
    """Parameters, most influential first (the Dataset's own order, by its ``rank_by`` index)."""
    return [str(p) for p in ds["parameter"].values]
