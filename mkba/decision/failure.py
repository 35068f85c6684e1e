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
    # Every input's values of the draws in the box, each row sorted (d, m), with the failures and draws in
    # that order: the box's quantiles of all inputs come from one call, a peel's share of failures is a
    # cumulative count and its new limit a neighbour. Exact integer counts: the same boxes, step by step, as
    # comparing every draw with every candidate limit; the rows shrink with the box.
    where = np.argsort(x.T, axis=1)  # (d, n): the draws of each row, in ascending order of the input
    vals = np.take_along_axis(x.T, where, axis=1)
    fails = y[where]
    while inside.mean() > min_mass:
        m_all = vals.shape[1]
        q = np.quantile(vals, (alpha, 1 - alpha), axis=1)  # (2, d): as per input over the box's draws
        hits = np.zeros((d, m_all + 1), dtype=np.int64)
        np.cumsum(fails, axis=1, out=hits[:, 1:])  # failures among the first k of each row
        rows = np.arange(d)
        # peel at the low end: keep values >= q_lo, or > q_lo when that keeps all (ties at the end)
        start = (vals < q[0][:, None]).sum(axis=1)
        start = np.where(start == 0, (vals <= q[0][:, None]).sum(axis=1), start)
        # at the high end: keep values <= q_hi, or < q_hi when that keeps all
        stop = (vals <= q[1][:, None]).sum(axis=1)
        stop = np.where(stop == m_all, (vals < q[1][:, None]).sum(axis=1), stop)
        mass = np.column_stack([m_all - start, stop]).ravel()  # candidates in the order (input, low, high)
        kept_hits = np.column_stack([hits[:, -1] - hits[rows, start], hits[rows, stop]]).ravel()
        valid = (mass > 0) & (mass < m_all)
        if not valid.any():
            break
        with np.errstate(invalid="ignore", divide="ignore"):
            density = kept_hits / mass
        # the first candidate with the highest density, then the most draws
        top = density[valid].max()
        pick = valid & (density == top)
        c = int(np.flatnonzero(pick & (mass == mass[pick].max()))[0])
        j, low = divmod(c, 2)[0], c % 2 == 0
        if low:
            lo[j] = vals[j, start[j]]
            inside &= x[:, j] >= lo[j]  # only this limit moved inwards
        else:
            hi[j] = vals[j, stop[j] - 1]
            inside &= x[:, j] <= hi[j]
        trajectory.append((lo.copy(), hi.copy(), inside.copy()))
        keep = inside[where]
        m_new = int(inside.sum())
        where, vals, fails = (a[keep].reshape(d, m_new) for a in (where, vals, fails))

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
