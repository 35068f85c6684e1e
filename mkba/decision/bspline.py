"""The B-spline design matrix of the EVPPI regressions, in numpy over all draws at once.

This is de Boor's recursion exactly as scipy evaluates it (``scipy.interpolate.BSpline.design_matrix``,
whose C routine ``_deBoor_D`` runs the same operations in the same order per point), so the matrix is
bit for bit scipy's (a test checks it). It lives here because importing ``scipy.interpolate`` costs
0.15–0.3 s (it pulls in ``scipy.optimize`` and ``scipy.linalg``), more than the whole regression.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["design_matrix"]


def design_matrix(x: ArrayLike, t: ArrayLike, k: int = 3) -> NDArray[np.float64]:
    """(n, len(t) − k − 1) dense matrix of the degree-``k`` B-splines on knots ``t`` at the points ``x``,
    which must lie in [t[k], t[−k−1]] (the end knots repeated k + 1 times, as the EVPPI basis has them)."""
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    nb = len(t) - k - 1
    if nb < 1 or np.any(t[1:] < t[:-1]):
        raise ValueError("knots must be non-decreasing, with at least k + 2 of them")
    # the knot span t[ell] <= x < t[ell + 1]; the last point of the range falls in the last span
    ell = np.clip(np.searchsorted(t, x, side="right") - 1, k, nb - 1)
    # Knots that rise strictly over the range (the EVPPI basis) never give a zero-length interval below:
    # t[ell + m] > t[ell] >= t[ell + m - j]; otherwise such intervals are skipped as scipy's routine does.
    distinct = bool(np.all(t[k + 1:nb + 1] > t[k:nb]))
    h = np.zeros((k + 1, len(x)))
    h[0] = 1.0
    for j in range(1, k + 1):
        hh = h[:j].copy()
        h[0] = 0.0
        for m in range(1, j + 1):
            xb, xa = t[ell + m], t[ell + m - j]
            if distinct:
                w = hh[m - 1] / (xb - xa)
                h[m - 1] += w * (xb - x)
                h[m] = w * (x - xa)
                continue
            same = xb == xa  # a zero-length knot interval: that B-spline is 0
            w = hh[m - 1] / np.where(same, 1.0, xb - xa)
            h[m - 1] = np.where(same, h[m - 1], h[m - 1] + w * (xb - x))
            h[m] = np.where(same, 0.0, w * (x - xa))
    out = np.zeros((len(x), nb))
    rows = np.arange(len(x))
    for j in range(k + 1):
        out[rows, ell - k + j] = h[j]
    return out
