"""Expected value of partial perfect information (EVPPI) by non-parametric regression on the plain Monte
Carlo sample, without nested runs (Strong, Oakley & Brennan 2014).

For a decision "go on" (net benefit NB) versus "stop" (0) and inputs φ, the EVPPI is

    EVPPI(φ) = E_φ[max(E[NB | φ], 0)] − max(E[NB], 0).

The inner conditional mean g(φ) = E[NB | φ] is estimated by regressing NB on φ over the draws that the
simulation already made; the outer expectation is the mean over those same draws. Because the draws are
the study's own joint sample, correlated inputs are handled as they are sampled: conditioning on φ also
shifts the inputs correlated with it, which is what measuring φ would do.

Regression (the estimator of g):

- one input: a cubic regression spline (B-splines, interior knots at quantiles of the input), or the
  mean per value for an input with few distinct values; it contains every linear function exactly;
- a group: an additive model of those splines plus the pairwise products of the standardised inputs
  (and the three-way products for groups of up to six inputs). MKBA lines are products of a few inputs
  (count × share × price × timing), which this captures; a non-multiplicative interaction is only
  approximated, which biases the group EVPPI down (it never exceeds the EVPI in expectation).

Standard error: the delta method on the fitted coefficients (their covariance σ² (XᵀX)⁻¹, the regression
uncertainty that Strong et al. 2014 §3.3 sample from) plus the Monte Carlo error of the outer mean.
Like every regression estimator it has a small upward bias for an input that does not matter (the fit
picks up noise: of the order σ·√(k/n) for k basis functions), so an inert input shows a value of a few
standard errors at most.

References
----------
Strong M, Oakley JE, Brennan A (2014). Estimating multiparameter partial expected value of perfect
information from a probabilistic sensitivity analysis sample: a nonparametric regression approach.
Medical Decision Making 34(3):311–326. doi:10.1177/0272989X13505910
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .bspline import design_matrix

__all__ = ["Evppi", "evppi", "fit", "one_blas_thread", "spline_basis", "group_basis", "DISCRETE_LIMIT", "INTERIOR_KNOTS"]

Array = NDArray[np.float64]
DISCRETE_LIMIT = 16  # at most this many distinct values: regress on the value itself (a mean per value)
INTERIOR_KNOTS = 6  # per input (cubic: 10 basis functions); fewer for small samples
GROUP_KNOTS = 3  # per input inside a group (7 basis functions each)
TRIPLES_UP_TO = 6  # three-way products for groups of at most this many inputs


@dataclass(frozen=True)
class Evppi:
    """EVPPI per target (one value per column of the net benefits) with its standard error."""

    value: Array
    se: Array
    basis_size: int


def spline_basis(x: ArrayLike, knots: int = INTERIOR_KNOTS) -> Array:
    """(n, k) basis of one input: cubic B-splines with ``knots`` interior knots at quantiles (the
    columns sum to 1), or one indicator per distinct value for an input with few values."""
    x = np.asarray(x, dtype=np.float64)
    xs = np.sort(x)  # one sort serves the count of distinct values, the ends and the quantiles
    if len(xs) == 0 or np.count_nonzero(xs[1:] != xs[:-1]) < DISCRETE_LIMIT:  # <= DISCRETE_LIMIT values
        values, inverse = np.unique(x, return_inverse=True)
        out = np.zeros((len(x), len(values)))
        out[np.arange(len(x)), inverse] = 1.0
        return out
    knots = max(1, min(knots, len(x) // 200))  # about 200 draws per knot at least
    lo, hi = xs[0], xs[-1]
    inner = np.unique(np.quantile(xs, np.arange(1, knots + 1) / (knots + 1)))  # = of x: same order statistics
    inner = inner[(inner > lo) & (inner < hi)]
    t = np.concatenate([[lo] * 4, inner, [hi] * 4])
    return design_matrix(x, t, 3)  # = scipy's BSpline.design_matrix, bit for bit, without importing it


def group_basis(columns: Sequence[ArrayLike], knots: int = GROUP_KNOTS) -> Array:
    """(n, k) basis for a group: intercept, each input's spline (one column dropped, so the set does not
    repeat the intercept), pairwise and (for small groups) three-way products of standardised inputs."""
    cols = [np.asarray(c, dtype=np.float64) for c in columns]
    if len(cols) == 1:
        return spline_basis(cols[0], INTERIOR_KNOTS)
    parts = [np.ones((len(cols[0]), 1))]
    parts += [spline_basis(c, knots)[:, 1:] for c in cols]
    z = []
    for c in cols:
        sd = c.std()
        z.append((c - c.mean()) / sd if sd > 0 else np.zeros_like(c))
    parts += [(z[i] * z[j])[:, None] for i, j in combinations(range(len(z)), 2)]
    if len(z) <= TRIPLES_UP_TO:
        parts += [(z[i] * z[j] * z[k])[:, None] for i, j, k in combinations(range(len(z)), 3)]
    return np.hstack(parts)


def evppi(nb: ArrayLike, x: ArrayLike | Sequence[ArrayLike] | None = None, *, basis: Array | None = None) -> Evppi:
    """EVPPI of the inputs ``x`` for the decision "go on" (``nb``) versus "stop" (0).

    Parameters
    ----------
    nb
        (n,) net benefit of one target per draw, or (n, T) for T targets at once (each its own decision;
        the regression is shared, so many targets cost little more than one).
    x
        (n,) one input, or a sequence of (n,) inputs (a group), from the same draws as ``nb``.
    basis
        A ready (n, k) regression basis instead of ``x`` (from :func:`spline_basis`/:func:`group_basis`).
    """
    y = np.asarray(nb, dtype=np.float64)
    single = y.ndim == 1
    y = y[:, None] if single else y
    if basis is None:
        if x is None:
            raise ValueError("give the inputs x or a basis")
        xs = np.asarray(x, dtype=np.float64)
        basis = spline_basis(xs) if xs.ndim == 1 else group_basis(list(x))  # type: ignore[arg-type]
    X = np.asarray(basis, dtype=np.float64)
    with one_blas_thread():
        return fit(y, X, single)


_CONTROLLER: list = []


def one_blas_thread() -> Any:
    """A context with BLAS on one thread: the regressions are many small matrix products, on which BLAS
    threads spin more than they compute (4× slower on a loaded 2-core machine). The controller is made
    once: finding the BLAS libraries reads the process's maps (~5 ms)."""
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def fit(y: Array, X: Array, single: bool) -> Evppi:
    """:func:`evppi` on (n, T) net benefits ``y`` and a basis ``X``, with BLAS threads as they are set
    (``single``: return one target's arrays of length 1)."""
    n = len(y)
    if X.shape[0] != n:
        raise ValueError(f"{X.shape[0]} draws of the inputs for {n} draws of the net benefit")
    gram = X.T @ X
    ginv = np.linalg.pinv(gram, rcond=1e-10, hermitian=True)
    beta = ginv @ (X.T @ y)
    g = X @ beta  # (n, T): E[NB | φ] per draw
    rank = int(np.linalg.matrix_rank(gram, hermitian=True))
    resid_var = ((y - g) ** 2).sum(axis=0) / max(n - rank, 1)

    mean = g.mean(axis=0)  # equals the mean of y: the intercept is in the span of every basis
    go_now = mean > 0
    gain = np.maximum(g, 0.0) - np.where(go_now, g, 0.0)  # per draw: the value of knowing φ
    value = np.maximum(gain.mean(axis=0), 0.0)
    # delta method: d value / d beta = mean of X over the draws where "go" wins, minus x̄ if "go" now
    d = (X.T @ ((g > 0).astype(np.float64) - go_now.astype(np.float64))) / n  # (k, T)
    var_fit = resid_var * np.einsum("kt,kl,lt->t", d, ginv, d)
    var_outer = gain.var(axis=0) / n
    se = np.sqrt(var_fit + var_outer)
    if single:
        return Evppi(value[:1], se[:1], X.shape[1])
    return Evppi(value, se, X.shape[1])
