"""Where does it fail? Scenario discovery with PRIM peeling (Friedman & Fisher 1999), as EMA Workbench
does it (Kwakkel 2017), in a small tested implementation on the simulation's own draws.

Starting from the box holding every draw, each step removes the ``alpha`` share of the draws in the box at
the low or the high end of one input — whichever leaves the highest share of failures (target < 0) in the
box — until the box holds fewer than ``min_mass`` of all draws. From that peeling trajectory the box
reported is the densest one that restricts at most ``max_dims`` inputs and still covers at least
``min_coverage`` of all failures; restrictions that add less than one percentage point of density are
then dropped again, so the description stays short.

- density: the share of the draws in the box that fail ("saldo is negative in 80 % of the draws where …");
- coverage: the share of all failing draws that lie in the box;
- mass: the share of all draws in the box.

(Why not EMA Workbench's ``prim`` itself: it is a large dependency with pandas; the peeling is 40 lines,
and a test checks it recovers a known box.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Box", "Restriction", "prim"]


@dataclass(frozen=True)
class Restriction:
    input: str
    lower: float | None  # the box holds draws with input >= lower (None: no lower limit)
    upper: float | None  # ... and input <= upper (None: no upper limit)

    def to_dict(self) -> dict:
        return {"input": self.input, "lower": self.lower, "upper": self.upper}


@dataclass(frozen=True)
class Box:
    restrictions: tuple[Restriction, ...]
    density: float
    coverage: float
    mass: float
    base_rate: float  # the share of failures among all draws

    def to_list(self) -> list[dict]:
        return [r.to_dict() for r in self.restrictions]


def _inside(x: NDArray, lo: NDArray, hi: NDArray) -> NDArray[np.bool_]:
    return np.all((x >= lo) & (x <= hi), axis=1)


def prim(x: ArrayLike, fail: ArrayLike, names: Sequence[str], *, alpha: float = 0.05, min_mass: float = 0.05,
         max_dims: int = 3, min_coverage: float = 0.5, min_failures: int = 10) -> Box | None:
    """The box of inputs ``x`` (n, d) in which ``fail`` (n,) is most frequent; None when there are
    fewer than ``min_failures`` failures or non-failures (nothing to describe)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(fail, dtype=bool)
    n, d = x.shape
    total = int(y.sum())
    if total < min_failures or n - total < min_failures:
        return None
    lo, hi = x.min(axis=0), x.max(axis=0)
    full_lo, full_hi = lo.copy(), hi.copy()
    inside = np.ones(n, dtype=bool)
    trajectory = [(lo.copy(), hi.copy(), inside.copy())]
    while inside.mean() > min_mass:
        idx = np.flatnonzero(inside)
        yi = y[idx]
        best = None  # (density, mass, dim, side, new limit)
        for j in range(d):
            col = x[idx, j]
            q = np.quantile(col, (alpha, 1 - alpha))
            for side, thr in (("lo", q[0]), ("hi", q[1])):
                keep = col >= thr if side == "lo" else col <= thr
                if keep.all():  # ties at the end: remove the tied values themselves
                    keep = col > thr if side == "lo" else col < thr
                m = int(keep.sum())
                if m == 0 or m == len(col):
                    continue
                limit = float(col[keep].min() if side == "lo" else col[keep].max())
                cand = (float(yi[keep].mean()), m, j, side, limit)
                if best is None or cand[:2] > best[:2]:
                    best = cand
        if best is None:
            break
        _, _, j, side, limit = best
        if side == "lo":
            lo[j] = limit
        else:
            hi[j] = limit
        inside = _inside(x, lo, hi)
        trajectory.append((lo.copy(), hi.copy(), inside.copy()))

    def stats(mask: NDArray[np.bool_]) -> tuple[float, float, float]:
        k = int(mask.sum())
        hits = int(y[mask].sum())
        return (hits / k if k else 0.0), hits / total, k / n

    def restricted(a: NDArray, b: NDArray) -> list[int]:
        return [j for j in range(d) if a[j] > full_lo[j] or b[j] < full_hi[j]]

    chosen = None
    for a, b, mask in trajectory:
        dens, cov, _ = stats(mask)
        if len(restricted(a, b)) <= max_dims and cov >= min_coverage and (chosen is None or dens > chosen[0]):
            chosen = (dens, a, b)
    if chosen is None:
        return None
    _, a, b = chosen
    a, b = a.copy(), b.copy()
    for j in restricted(a, b):  # drop restrictions that barely matter
        dens = stats(_inside(x, a, b))[0]
        a2, b2 = a.copy(), b.copy()
        a2[j], b2[j] = full_lo[j], full_hi[j]
        if dens - stats(_inside(x, a2, b2))[0] < 0.01:
            a, b = a2, b2
    dens, cov, mass = stats(_inside(x, a, b))
    base_rate = total / n
    if dens <= base_rate:
        return None
    res = tuple(Restriction(str(names[j]), float(a[j]) if a[j] > full_lo[j] else None,
                            float(b[j]) if b[j] < full_hi[j] else None) for j in restricted(a, b))
    if not res:
        return None
    return Box(res, dens, cov, mass, base_rate)
