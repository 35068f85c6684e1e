"""Statistics of one per-draw series seen block by block: mean, exact quantiles, P(value > t).

A summary of 10 or 100 million draws must not hold every series in memory. :class:`SeriesStats` keeps,
per quantile, only a *bracket*: the count of values below it and the values inside it (sorted, with
their multiplicities, so ties and constant series cost nothing). After each block the bracket shrinks
to ±8 standard deviations of the sample quantile's rank (binomial: √(m q (1 − q)) at m values seen), so
it holds O(√n) values; at the end the two order statistics that numpy's default ("linear") quantile
interpolates lie inside it with overwhelming probability for draws in random order, and the result is
exactly ``np.quantile(values, q)``, bit for bit. If they do not (e.g. a series in sorted order),
:meth:`SeriesStats.quantiles` says so and the caller recomputes that series from all its values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["ColumnStats", "SeriesStats", "linear_quantile"]

_Z = 8.0  # bracket half-width in standard deviations of the rank


def linear_quantile(a: np.generic, b: np.generic, n: int, q: float) -> float:
    """numpy's default quantile of ``n`` values from its two order statistics ``a`` = x[⌊(n−1)q⌋] and
    ``b`` = the next one, with numpy's arithmetic (its ``_lerp``), so the result equals ``np.quantile``."""
    virtual = (n - 1) * q
    if virtual >= n - 1:
        return float(a)  # a is the largest value then
    t = virtual - math.floor(virtual)
    diff = float(b - a)  # in the series' dtype, as numpy subtracts before promoting
    return float(b) - diff * (1 - t) if t >= 0.5 else float(a) + diff * t


class _Bracket:
    """Values of a series around one quantile: ``below`` values < ``lo``, and every value in [lo, hi]
    as sorted distinct ``values`` with their ``counts`` (values above ``hi`` are not needed)."""

    __slots__ = ("q", "lo", "hi", "below", "values", "counts", "pending", "npending")

    def __init__(self, q: float, dtype: np.dtype) -> None:
        self.q, self.lo, self.hi, self.below = q, -math.inf, math.inf, 0
        self.values, self.counts = np.empty(0, dtype), np.empty(0, np.int64)
        self.pending: list[NDArray] = []
        self.npending = 0

    def window(self, m: int) -> tuple[float, float]:
        """Ranks (0-based) that must stay inside after ``m`` values: q (m − 1) ± (8 σ + 2)."""
        w = _Z * math.sqrt(m * self.q * (1 - self.q)) + 2
        return self.q * (m - 1) - w, self.q * (m - 1) + w

    def add(self, v: NDArray) -> None:
        """Count the values below the bracket and set aside those inside it (``v``: finite values)."""
        lo, hi = self.lo, self.hi
        if lo == hi:  # collapsed on one value (ties, a constant series): counting is enough
            self.below += int(np.count_nonzero(v < lo))
            eq = int(np.count_nonzero(v == lo))
            if eq:
                if len(self.values):
                    self.counts[0] += eq
                else:
                    self.values, self.counts = np.array([lo], v.dtype), np.array([eq], np.int64)
            return
        if lo != -math.inf:
            inside = v >= lo
            self.below += v.size - int(np.count_nonzero(inside))
            if hi != math.inf:
                inside &= v <= hi
            kept = v[inside]
        else:
            kept = v[v <= hi] if hi != math.inf else v
        self.pending.append(kept)
        self.npending += len(kept)

    def place(self, sorted_values: NDArray) -> None:
        """Start from the first block, sorted: keep the ranks of the window, count those below."""
        m = len(sorted_values)
        lo_k, hi_k = self.window(m)
        a = min(max(math.floor(lo_k), 0), m - 1)
        b = min(max(math.ceil(hi_k), a), m - 1)
        part = sorted_values[a:b + 1]
        first = np.ones(len(part), bool)
        first[1:] = part[1:] != part[:-1]
        starts = np.flatnonzero(first)
        self.values = part[starts]
        self.counts = np.diff(np.append(starts, len(part))).astype(np.int64)
        self.below = a
        self.lo = part[0].item() if a > 0 else -math.inf
        self.hi = part[-1].item() if b < m - 1 else math.inf

    def shrink(self, m: int) -> None:
        """Merge the pending values, then drop the values outside the rank window."""
        if self.pending:
            vals = np.concatenate([self.values, *self.pending])
            cnts = np.concatenate([self.counts, np.ones(len(vals) - len(self.values), np.int64)])
            self.pending, self.npending = [], 0
            order = np.argsort(vals, kind="stable")
            vals, cnts = vals[order], cnts[order]
            if len(vals):
                first = np.ones(len(vals), bool)
                first[1:] = vals[1:] != vals[:-1]
                starts = np.flatnonzero(first)
                vals, cnts = vals[starts], np.add.reduceat(cnts, starts)
            self.values, self.counts = vals, cnts
        if not len(self.values):
            return
        lo_rank, hi_rank = self.window(m)
        cum = np.cumsum(self.counts)  # value i holds ranks below + [cum[i−1], cum[i])
        i0 = min(int(np.searchsorted(cum, lo_rank - self.below + 1, side="left")), len(cum) - 1)
        i1 = min(int(np.searchsorted(cum, hi_rank - self.below, side="right")), len(cum) - 1)
        i1 = max(i1, i0)
        if i0 > 0:
            self.below += int(cum[i0 - 1])
            self.lo = self.values[i0].item()
        if i1 < len(cum) - 1:
            self.hi = self.values[i1].item()
        self.values, self.counts = self.values[i0:i1 + 1], self.counts[i0:i1 + 1]

    def order_stat(self, rank: int) -> np.generic | None:
        """The value of 0-based ``rank`` among all values, if it lies inside the bracket."""
        local = rank - self.below
        cum = np.cumsum(self.counts)
        if local < 0 or not len(cum) or local >= cum[-1]:
            return None
        return self.values[int(np.searchsorted(cum, local, side="right"))]


class SeriesStats:
    """Count, mean, exact quantiles, NaN share and P(value > t) of one series, block by block.

    Follows ``mkba.outputs.summary``: quantiles and mean over the finite values, P(value > t) over the
    values that are not NaN, the NaN share over all values."""

    def __init__(self, quantiles: Sequence[float], thresholds: Sequence[float] = (), dtype: np.dtype | type = np.float64):
        self.quantile_levels = tuple(float(q) for q in quantiles)
        self.dtype = np.dtype(dtype)
        self.brackets = [_Bracket(q, self.dtype) for q in self.quantile_levels]
        self.size = 0  # all values
        self.finite = 0
        self.nan = 0
        self.nonzero = 0
        self.sums: list[float] = []  # per block, added exactly at the end (math.fsum)
        self.above = {float(t): 0 for t in thresholds}

    def add(self, values: NDArray) -> None:
        v = np.asarray(values)
        if v.dtype != self.dtype:
            raise TypeError(f"series of dtype {self.dtype} got a block of {v.dtype}")
        self.size += v.size
        nz = int(np.count_nonzero(v))
        if nz == 0 and self.finite and all(b.lo == b.hi == 0 for b in self.brackets):
            # A block of zeros (a party without costs, a line that is 0) where every bracket has settled
            # on 0: counting is arithmetic.
            self.finite += v.size
            self.sums.append(0.0)
            for t in self.above:
                self.above[t] += v.size if t < 0 else 0
            for b in self.brackets:
                b.counts[0] += v.size
            return
        total = float(v.sum(dtype=np.float64))
        if math.isfinite(total):  # no NaN and no ±inf in the block: one pass tells (the usual case)
            for t in self.above:
                self.above[t] += int(np.count_nonzero(v > t))
            self.nonzero += nz
        else:  # (e.g. a ratio whose denominator is 0 in some draws)
            n_nan = int(np.count_nonzero(np.isnan(v)))
            self.nan += n_nan
            for t in self.above:
                self.above[t] += int(np.count_nonzero(v > t))  # NaN compares false: counted over the defined values
            finite = np.isfinite(v)
            self.nonzero += nz - n_nan  # ±inf are non-zero, NaN is not counted
            if not finite.all():
                v = v[finite]
            total = float(v.sum(dtype=np.float64))
        self.finite += v.size
        self.sums.append(total)
        if self.finite == v.size and v.size > 4096:
            # First block: place every bracket from one sort instead of comparing every value.
            sv = np.sort(v)
            for b in self.brackets:
                b.place(sv)
            return
        for b in self.brackets:
            b.add(v)
            if b.npending > max(len(b.values), 2048):  # merge and trim once enough is set aside
                b.shrink(self.finite)

    @property
    def mean(self) -> float:
        return math.fsum(self.sums) / self.finite if self.finite else math.nan

    def prob_above(self, t: float) -> float:
        defined = self.size - self.nan
        return self.above[float(t)] / defined if defined else math.nan

    @property
    def nan_share(self) -> float:
        return self.nan / self.size if self.size else 0.0

    def quantiles(self) -> list[float] | None:
        """``np.quantile(finite values, q)`` for each level, or None if a bracket missed (recompute)."""
        n = self.finite
        if n == 0:
            return [math.nan] * len(self.brackets)
        out = []
        for b in self.brackets:
            b.shrink(n)
            virtual = (n - 1) * b.q
            r0 = min(math.floor(virtual), n - 1)
            a, nxt = b.order_stat(r0), b.order_stat(min(r0 + 1, n - 1))
            if a is None or nxt is None:
                return None
            out.append(linear_quantile(a, nxt, n, b.q))
        return out


class ColumnStats:
    """Exact quantiles (``np.quantile`` of the finite values, bit for bit) of every column of a per-draw
    array ``(draw, k)``, seen block by block: the bands of a per-year series without keeping its draws."""

    def __init__(self, k: int, quantiles: Sequence[float]) -> None:
        self.columns = [SeriesStats(quantiles) for _ in range(k)]

    def add(self, block: NDArray) -> None:
        b = np.asarray(block, dtype=np.float64)
        cols = np.ascontiguousarray(b.T)  # one contiguous row per column
        for st, col in zip(self.columns, cols):
            st.add(col)

    def quantiles(self) -> NDArray[np.float64]:
        """``(level, k)``; NaN for a column whose exact quantiles would need a second pass (draws in
        sorted rather than random order) or that has no finite value."""
        out = np.full((len(self.columns[0].quantile_levels) if self.columns else 0, len(self.columns)), np.nan)
        for j, st in enumerate(self.columns):
            q = st.quantiles()
            if q is not None:
                out[:, j] = q
        return out
