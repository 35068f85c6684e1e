"""Sampling designs for global sensitivity analysis, evaluated through mkba's own ``ppf``.

SALib draws every design on the unit hypercube (bounds [0, 1] for each uncertain input); the
uniforms are then mapped through each input's distribution by :func:`mkba.simulator.engine.evaluate`,
so every mkba distribution works with every method. A design is an :class:`xarray.Dataset` with
the uniforms ``u(run, input)`` and its metadata in ``attrs`` (``method``, ``n``, ``seed``,
``second_order``, ``inputs``, ``groups``, ``num_levels``, ``M``, ``n_runs``; the lists as JSON), so
an analysis checks that outputs and design belong together instead of guessing from array sizes.

References
----------
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010). Variance
based sensitivity analysis of model output. Design and estimator for the total sensitivity index.
*Computer Physics Communications* 181(2), 259–270. doi:10.1016/j.cpc.2009.09.018
Herman, J., Usher, W. (2017). SALib: an open-source Python library for sensitivity analysis.
*Journal of Open Source Software* 2(9), 97. doi:10.21105/joss.00097
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..simulator.engine import Model, evaluate
from ..simulator.parameters import ParameterSet
from .targets import extract

__all__ = [
    "DesignMethod", "FAST_M", "MIN_N", "QUANTILE_RANGE", "check_design", "default_fast_n", "design_json",
    "evaluate_design", "groups_of", "problem", "sample",
]

DesignMethod = Literal["sobol", "morris", "fast", "rbd-fast"]
EPS = 1e-12  # SALib designs reach 0 and 1 exactly; ppf there is infinite for open supports
CHUNK = 32_768  # design rows per model call: bounds memory for the MKBA actor cube

# Morris's grid includes the cube's faces (u = 0 and 1): an input with an unbounded support would be
# evaluated at its 1e-12 quantiles (±7σ), far outside any meaningful range, and ranked by that. The
# grid is therefore mapped onto this quantile range, for every input alike, so that each elementary
# step is the same step in probability for all inputs (bounded ones are then not evaluated at their
# extreme min/max either); the design's attrs and the console say so.
QUANTILE_RANGE = (0.005, 0.995)
# FAST harmonics: 6 (SALib's default is 4). With 4, the spectrum misses ~3-5 % of a non-uniform input's
# first-order variance (a normal input's ppf of the triangle-wave search curve has strong higher
# harmonics); with 6 the sum of S1 of an additive model is >= 0.95 (tests/test_sensitivity_ranges.py).
FAST_M = 6


def default_fast_n(k: int, M: int = FAST_M) -> int:
    """FAST's default runs per input for ``k`` inputs: ``4 M² (k − 1) + 1`` (at least ``4 M² + 1``).

    SALib gives the analysed input the frequency ω = (n − 1) / (2M) and the others distinct
    frequencies up to ω / (2M) only when that reaches k − 1; below it frequencies repeat and alias
    (the ΣS1 = 0.69 of a 24-input additive model at n = 512). This is the smallest n without that."""
    return 4 * M * M * max(k - 1, 1) + 1


# Smallest base sample per method, and why: below these the estimators are noise or undefined.
MIN_N: dict[str, int] = {
    "sobol": 64,  # Saltelli/Jansen estimators and their bootstrap CIs need a few dozen base rows
    "morris": 4,  # σ of the elementary effects needs several trajectories
    "fast": 65,  # FAST needs N > 4 M² with M = 4 harmonics (Cukier et al. 1973)
    "rbd-fast": 64,  # RBD-FAST needs N > 2 M with M = 10 harmonics, and a usable spectrum
}


def groups_of(params: ParameterSet) -> list[str]:
    """The group of each uncertain input (``Parameter.group``; an ungrouped input is its own group)."""
    return [params[n].group or n for n in params.uncertain]


def problem(params: ParameterSet, *, groups: bool = False) -> dict[str, Any]:
    """The SALib problem on the unit hypercube: one [0, 1] column per uncertain input."""
    names = params.uncertain
    if not names:
        raise ValueError("the parameter set has no uncertain inputs: nothing to analyse")
    prob: dict[str, Any] = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if groups:
        prob["groups"] = groups_of(params)
    return prob


def _unique(seq: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(seq))


def sample(
    params: ParameterSet,
    method: DesignMethod,
    n: int,
    *,
    seed: int = 0,
    groups: bool = False,
    second_order: bool = False,
    num_levels: int = 4,
    M: int | None = None,
    quantile_range: tuple[float, float] = QUANTILE_RANGE,
) -> xr.Dataset:
    """Draw a SALib design on [0, 1]^k for the uncertain inputs of ``params``.

    Parameters
    ----------
    params
        The inputs; the design's columns follow ``params.uncertain``.
    method
        ``"sobol"`` (Saltelli's scheme on a scrambled Sobol' sequence; ``n`` must be a power of 2;
        ``n (k + 2)`` runs, ``n (2k + 2)`` with second order, ``k`` = inputs or groups),
        ``"morris"`` (``n`` trajectories of ``k + 1`` runs), ``"fast"`` (``n`` runs per input) or
        ``"rbd-fast"`` (a Latin hypercube of ``n`` runs).
    n
        The base sample size of the method (see :data:`MIN_N` for the minimum).
    seed
        Seed of the design (scrambling, trajectories, permutations).
    groups
        Grouped indices by ``Parameter.group`` (Sobol and Morris only).
    second_order
        Also estimate second-order Sobol indices.
    num_levels, M
        Morris grid levels; FAST/RBD-FAST harmonics (default :data:`FAST_M` = 6 and 10).
    quantile_range
        Morris only: the quantile range (default P0.5–P99.5) onto which the grid's [0, 1] is mapped
        for every input, so open-ended inputs are not evaluated at ±7σ and every elementary step is the
        same step in probability; stored in the attrs ``quantile_range`` and ``range_inputs`` and
        applied by :func:`evaluate_design`. ``(0, 1)`` gives SALib's plain grid.

    Raises
    ------
    ValueError
        Unknown method, ``n`` too small or not a power of 2 for Sobol, groups with FAST.
    """
    if method not in MIN_N:
        raise ValueError(f"unknown design method {method!r}; choose one of {', '.join(MIN_N)}")
    n = int(n)
    if n < MIN_N[method]:
        raise ValueError(f"{method}: n = {n} is too small; use at least {MIN_N[method]}")
    if groups and method in ("fast", "rbd-fast"):
        raise ValueError(f"{method} has no grouped indices; use sobol or morris with groups")
    if second_order and method != "sobol":
        raise ValueError("second-order indices need the sobol method")
    prob = problem(params, groups=groups)
    grp = prob.get("groups")
    prob = {k: list(v) if isinstance(v, list) else v for k, v in prob.items()}  # SALib's morris adds keys
    m = (FAST_M if method == "fast" else 10) if M is None else int(M)
    q_lo, q_hi = (float(q) for q in quantile_range)
    if not 0.0 <= q_lo < q_hi <= 1.0:
        raise ValueError(f"quantile range must satisfy 0 <= low < high <= 1, got {q_lo:g}, {q_hi:g}")
    ranged = list(params.uncertain) if method == "morris" and (q_lo, q_hi) != (0.0, 1.0) else []
    if method == "sobol":
        if n & (n - 1):
            lo = 1 << (n.bit_length() - 1)
            raise ValueError(f"sobol: n must be a power of 2 (Sobol' sequence balance), got {n}; "
                             f"use {lo} or {2 * lo}")
        u = saltelli(prob, n, second_order=second_order, seed=seed)
    elif method == "morris":
        if num_levels < 2 or num_levels % 2:
            raise ValueError(f"morris: num_levels must be an even number >= 2, got {num_levels}")
        from SALib.sample import morris as s

        u = s.sample(prob, n, num_levels=num_levels, seed=seed)
    elif method == "fast":
        if n <= 4 * m * m:
            raise ValueError(f"fast: n = {n} is too small for M = {m}; need n > 4 M² = {4 * m * m}")
        from SALib.sample import fast_sampler as s

        u = s.sample(prob, n, M=m, seed=seed)
    else:
        if n <= 2 * m:
            raise ValueError(f"rbd-fast: n = {n} is too small for M = {m}; need n > 2 M = {2 * m}")
        from SALib.sample import latin as s

        u = s.sample(prob, n, seed=seed)
    names = prob["names"]
    ds = xr.Dataset({"u": (("run", "input"), np.asarray(u, dtype=float))}, coords={"input": names})
    ds.attrs.update(
        method=method,
        n=n,
        seed=int(seed),
        second_order=int(bool(second_order)),
        inputs=json.dumps(names),
        groups=json.dumps(grp),
        num_levels=int(num_levels),
        M=m,
        n_runs=int(u.shape[0]),
        quantile_range=json.dumps([q_lo, q_hi] if ranged else None),
        range_inputs=json.dumps(ranged),
    )
    return ds


def saltelli(prob: dict[str, Any], n: int, *, second_order: bool = False, seed: int = 0) -> NDArray[np.float64]:
    """Saltelli's design on a scrambled Sobol' sequence, built with array operations: the same matrix
    as ``SALib.sample.sobol.sample(prob, n, calc_second_order=second_order, scramble=True, seed=seed)``
    on the unit hypercube (tested equal), whose row-by-row Python loop costs seconds at n = 4,096.

    Per base point ``i`` the rows are A_i, then for each input (or group) k the row A_i with the
    columns of k taken from B_i, then (second order) B_i with those columns from A_i, then B_i; A and
    B are the two halves of a ``2 k``-dimensional scrambled Sobol' sample (Saltelli 2002)."""
    from scipy.stats import qmc

    d = int(prob["num_vars"])
    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    groups = prob.get("groups")
    # As SALib: no grouping when the groups are the inputs themselves or a single group.
    if not groups or list(groups) == list(prob["names"]) or len(set(groups)) == 1:
        cross = np.eye(d, dtype=bool)  # (k, column): column j comes from the other matrix in row k
    else:
        names = _unique(groups)
        cross = np.array([[g == name for g in groups] for name in names], dtype=bool)
    rows = [a[:, None, :], np.where(cross[None], b[:, None, :], a[:, None, :])]
    if second_order:
        rows.append(np.where(cross[None], a[:, None, :], b[:, None, :]))
    rows.append(b[:, None, :])
    return np.concatenate(rows, axis=1).reshape(-1, d)  # (n · (k + 2) or n · (2k + 2), d), point by point


def check_design(design: xr.Dataset, params: ParameterSet, method: str | None = None) -> dict[str, Any]:
    """Check that ``design`` was drawn for ``params`` (and for ``method``); return its metadata.

    Raises
    ------
    ValueError
        A missing or foreign design, other inputs, or another method.
    """
    a = design.attrs
    need = ("method", "n", "inputs", "groups", "n_runs")
    missing = [k for k in need if k not in a]
    if "u" not in design or missing:
        raise ValueError(f"not an mkba sensitivity design (missing {', '.join(missing) or 'variable u'}); "
                         "draw it with mkba.sensitivity.sample")
    meta = dict(a)
    meta["inputs"] = json.loads(a["inputs"])
    meta["groups"] = json.loads(a["groups"])
    meta["second_order"] = bool(a.get("second_order", 0))
    meta["quantile_range"] = json.loads(a.get("quantile_range", "null"))
    meta["range_inputs"] = json.loads(a.get("range_inputs", "[]"))
    if method is not None and meta["method"] != method:
        raise ValueError(f"the design is a {meta['method']} design; a {method} analysis needs a {method} design")
    if meta["inputs"] != params.uncertain:
        extra = sorted(set(meta["inputs"]) - set(params.uncertain))
        lacking = sorted(set(params.uncertain) - set(meta["inputs"]))
        raise ValueError("the design was drawn for other inputs than these parameters"
                         + (f"; not uncertain here: {', '.join(extra)}" if extra else "")
                         + (f"; not in the design: {', '.join(lacking)}" if lacking else "")
                         + ("; same inputs in another order" if not extra and not lacking else ""))
    if meta["groups"] is not None and meta["groups"] != groups_of(params):
        raise ValueError("the design's groups differ from the parameters' groups")
    if design["u"].shape != (meta["n_runs"], len(meta["inputs"])):
        raise ValueError(f"design matrix has shape {design['u'].shape}; its attrs say "
                         f"({meta['n_runs']}, {len(meta['inputs'])})")
    return meta


def design_json(meta: dict[str, Any]) -> str:
    """The design's metadata as JSON, carried into every result's attr ``design``."""
    keys = ("method", "n", "seed", "second_order", "inputs", "groups", "num_levels", "M", "n_runs",
            "quantile_range", "range_inputs")
    return json.dumps({k: meta[k] for k in keys if k in meta})


def evaluate_design(
    model: Model, params: ParameterSet, design: xr.Dataset, *, target: str = "saldo", workers: int | None = None
) -> NDArray[np.float64]:
    """The target at every run of ``design`` (uniforms clipped to [1e-12, 1 − 1e-12], then ``ppf``;
    the design's ``range_inputs`` mapped linearly onto its ``quantile_range`` first).

    Evaluated in chunks of rows on a thread pool (numpy releases the GIL), keeping only the target.
    """
    meta = check_design(design, params)
    u = np.clip(design["u"].values, EPS, 1.0 - EPS)
    if meta["range_inputs"]:
        q_lo, q_hi = meta["quantile_range"]
        cols = [meta["inputs"].index(n) for n in meta["range_inputs"]]
        u[:, cols] = q_lo + (q_hi - q_lo) * design["u"].values[:, cols]
    spans = [(s, min(s + CHUNK, len(u))) for s in range(0, len(u), CHUNK)]

    def work(span: tuple[int, int]) -> NDArray[np.float64]:
        # SALib's estimators assume independent inputs: study correlations are not applied to designs
        # (the given-data methods, which are valid under dependence, see them in the run's sample).
        return extract(evaluate(model, params, u[span[0] : span[1]], correlate=False), target)

    nthreads = min(workers or os.cpu_count() or 1, len(spans))
    if nthreads <= 1:
        parts = [work(s) for s in spans]
    else:
        with ThreadPoolExecutor(nthreads) as pool:
            parts = list(pool.map(work, spans))
    return np.concatenate(parts)
