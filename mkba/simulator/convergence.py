"""``mkba run --precision EUROS``: draw seeded blocks until the answer is known to a stated precision.

After every block of ``engine.BLOCK`` draws, the 95 % confidence interval of each watched quantity is
computed over all draws so far: for an amount (saldo by default; any line, total or ``actor:NAME``)
its P5, P50 and P95, by order statistics (the distribution-free interval of a quantile: the draws of
rank ``n q ∓ z √(n q (1 − q))``); for a ratio P(ratio > 1), by the Wilson score interval of a binomial
proportion. The run stops when every half-width is at most the requested precision (euros for the
amounts, ``prob_precision`` for the probabilities), or when ``max_draws`` is reached. "Converged" is
therefore a confidence statement: with 95 % confidence each watched quantile lies within ± precision
of the value printed (a coverage test over seeds checks that the stated precision holds in ≥ 90 % of
runs). Blocks are the engine's seeded blocks, each computed with ``engine.run(start=...)``, so the
Dataset returned is bit-identical to ``simulate(study, draws=<draws used>)`` with the same seed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from . import engine
from .engine import BLOCK, RunResult, Sampler
from .results import Store, simulate, store_mode, stored_model
from .study import Study

__all__ = ["DEFAULT_MAX_DRAWS", "DEFAULT_WATCH", "PROB_PRECISION", "QUANTILES", "Convergence", "Step", "Watcher",
           "check_watch", "converge", "quantile_interval", "wilson_half_width"]

DEFAULT_MAX_DRAWS = 10_000_000  # the cap: the largest run the memory target of issue 6 covers
PROB_PRECISION = 0.005  # default half-width of the 95 % interval of each P(ratio > 1)
RATIOS = ("bc_social", "bc_financial", "bc_municipal")
DEFAULT_WATCH = ("saldo", *RATIOS)
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}
Z95 = 1.959963984540054  # the standard normal's 97.5 % point


def quantile_interval(sorted_x: NDArray[np.float64], q: float, z: float = Z95) -> tuple[float, float, float]:
    """(estimate, low, high) of the ``q`` quantile of a sorted sample: numpy's default (linear) estimate
    and the distribution-free order-statistic interval [x_(l), x_(u)], l, u = n q ∓ z √(n q (1 − q))."""
    n = len(sorted_x)
    h = (n - 1) * q
    lo = math.floor(h)
    est = float(sorted_x[lo] + (h - lo) * (sorted_x[min(lo + 1, n - 1)] - sorted_x[lo]))
    spread = z * math.sqrt(n * q * (1.0 - q))
    i = max(0, math.floor(n * q - spread) - 1)  # ranks are 1-based; clamp to the sample
    j = min(n - 1, math.ceil(n * q + spread) - 1)
    return est, float(sorted_x[i]), float(sorted_x[j])


def wilson_half_width(k: int, n: int, z: float = Z95) -> float:
    """Half-width of the Wilson score interval of a proportion k / n (also sensible at 0 and n)."""
    if n == 0:
        return math.nan
    p = k / n
    return z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


@dataclass(frozen=True)
class Step:
    """After one block, over all draws so far: per watched quantity its estimate and 95 % half-width
    (``"saldo.p5"``, …, ``"bc_social.p_gt_1"``)."""

    draws: int
    estimates: Mapping[str, float]
    half_widths: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"draws": self.draws, "estimates": dict(self.estimates), "half_widths": dict(self.half_widths)}


@dataclass(frozen=True)
class Convergence:
    """How a ``--precision`` run ended: converged (every half-width within its precision) or capped."""

    precision: float
    prob_precision: float
    converged: bool
    draws: int
    max_draws: int
    watch: tuple[str, ...]
    history: tuple[Step, ...]
    skipped: tuple[str, ...] = ()  # watched ratios undefined in every draw (no probability to state)

    @property
    def half_widths(self) -> dict[str, float]:
        return dict(self.history[-1].half_widths) if self.history else {}

    def to_dict(self) -> dict[str, Any]:
        last = self.history[-1] if self.history else None
        return {"precision": self.precision, "prob_precision": self.prob_precision, "confidence": 0.95,
                "converged": self.converged, "draws": self.draws, "max_draws": self.max_draws,
                "watch": list(self.watch), "skipped": list(self.skipped),
                "estimates": dict(last.estimates) if last else {},
                "half_widths": dict(last.half_widths) if last else {},
                "history": [s.to_dict() for s in self.history]}


class Watcher:
    """Accumulates the watched targets block by block and says when every half-width is small enough.

    ``values(outputs, target)`` gives a block's per-draw values of a target; amounts keep one sorted
    array each (a block is merged in linear time), ratios only two counts."""

    def __init__(self, watch: Sequence[str], precision: float, prob_precision: float,
                 values: Callable[[Mapping[str, NDArray], str], NDArray[np.float64]]) -> None:
        if not precision > 0:
            raise ValueError(f"precision must be > 0 euros, got {precision}")
        if not 0 < prob_precision < 0.5:
            raise ValueError(f"the probability precision must lie in (0, 0.5), got {prob_precision}")
        self.watch, self.precision, self.prob_precision, self.values = tuple(watch), precision, prob_precision, values
        self.sorted = {t: np.empty(0) for t in self.watch if not t.startswith("bc_")}
        self.counts = {t: [0, 0] for t in self.watch if t.startswith("bc_")}  # (above 1, defined)
        self.draws = 0

    def add(self, outputs: Mapping[str, NDArray]) -> Step:
        for t in self.sorted:
            merged = np.concatenate((self.sorted[t], np.sort(self.values(outputs, t))))
            merged.sort(kind="stable")  # timsort: two sorted runs merge in linear time
            self.sorted[t] = merged
        for t, c in self.counts.items():
            v = self.values(outputs, t)
            defined = ~np.isnan(v)
            c[0] += int(np.count_nonzero(v[defined] > 1.0))
            c[1] += int(np.count_nonzero(defined))
        self.draws += len(next(iter(outputs.values())))
        est: dict[str, float] = {}
        hw: dict[str, float] = {}
        for t, x in self.sorted.items():
            for name, q in QUANTILES.items():
                e, lo, hi = quantile_interval(x, q)
                est[f"{t}.{name}"], hw[f"{t}.{name}"] = e, (hi - lo) / 2
        for t, (k, n) in self.counts.items():
            if n:
                est[f"{t}.p_gt_1"], hw[f"{t}.p_gt_1"] = k / n, wilson_half_width(k, n)
        return Step(self.draws, est, hw)

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(t for t, (_k, n) in self.counts.items() if n == 0)

    def settled(self, step: Step) -> bool:
        """Every watched half-width within its precision (NaN never settles)."""
        return bool(step.half_widths) and all(
            h <= (self.prob_precision if key.endswith(".p_gt_1") else self.precision)
            for key, h in step.half_widths.items())


def _values_of(items: Sequence[str]) -> Callable[[Mapping[str, NDArray], str], NDArray[np.float64]]:
    def values(outputs: Mapping[str, NDArray], target: str) -> NDArray[np.float64]:
        v = outputs.get(target)
        if v is not None and np.ndim(v) == 1:
            return np.asarray(v, dtype=np.float64)
        if target in items and "line" in outputs:
            return np.asarray(outputs["line"][:, list(items).index(target)], dtype=np.float64)
        from ..sensitivity.targets import extract  # actor:NAME from the per-draw actor totals

        return extract(outputs, target)

    return values


def check_watch(study: Study, watch: Sequence[str]) -> Callable[[Mapping[str, NDArray], str], NDArray[np.float64]]:
    """ValueError unless every watched target exists for this study (checked on the base case, so a
    typo costs no run); returns the function that reads a target from a block's outputs."""
    if not watch:
        raise ValueError("nothing to watch: name at least one target")
    model, reduce = stored_model(study, "lean")
    values = _values_of(list(model.items))
    probe = reduce(model(study.parameters.base_inputs()))
    for t in watch:
        try:
            values(probe, t)
        except ValueError:
            raise ValueError(f"cannot watch {t!r}: choose saldo, costs, benefits, a ratio (bc_social, "
                             f"bc_financial, bc_municipal), a line ({', '.join(model.items)}) or "
                             "actor:NAME") from None
    return values


def converge(
    study: Study,
    *,
    precision: float,
    max_draws: int = DEFAULT_MAX_DRAWS,
    seed: int | None = None,
    sampler: Sampler | None = None,
    chunk_size: int | None = None,
    store: Store = "auto",
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    watch: Sequence[str] = DEFAULT_WATCH,
    prob_precision: float = PROB_PRECISION,
) -> tuple[xr.Dataset, Convergence]:
    """Run ``study`` block by block until the 95 % interval of every watched quantity is within its
    precision (P5/P50/P95 of an amount: ± ``precision`` €; P(ratio > 1): ± ``prob_precision``), or
    ``max_draws`` is reached. ``watch``: saldo and the three ratios by default; any total, line or
    ``actor:NAME``.

    Returns the Dataset of exactly the draws used (as ``simulate`` would build it) and the record."""
    if max_draws < 1:
        raise ValueError(f"max_draws must be >= 1, got {max_draws}")
    sim = study.spec.simulation
    seed = sim.seed if seed is None else seed
    sampler = sim.sampler if sampler is None else sampler
    if sampler != "mc":
        # A Latin hypercube or Sobol' net is stratified for a fixed number of draws, so it cannot grow
        # block by block; and the confidence intervals below assume independent draws.
        raise ValueError(f"--precision needs independent draws (sampler mc), not {sampler}: a stratified "
                         "design has a fixed size and its error is not that of independent draws")
    nthreads = workers or os.cpu_count() or 1
    # One block per step; split it so every thread has a chunk (results do not depend on chunking).
    chunk = min(sim.chunk_size if chunk_size is None else chunk_size, -(-BLOCK // nthreads))
    params = study.parameters
    values = check_watch(study, watch)
    watcher = Watcher(watch, precision, prob_precision, values)

    def _block(start: int, draws: int) -> RunResult:
        # The same model, reducer and inputs that simulate uses for this store mode.
        model, reduce = stored_model(study, mode)
        return engine.run(model, params, draws=draws, seed=seed, start=start, sampler=sampler, chunk_size=chunk,
                          reduce=reduce, keep_inputs=(mode == "full"), workers=workers)

    mode = store_mode(store)  # as simulate keeps it for the final count
    out_buf: dict[str, NDArray] = {}
    in_buf: dict[str, NDArray[np.float64]] = {}

    def cap() -> int:
        # Buffers are allocated once at their largest size; untouched pages cost no memory (RSS).
        return max_draws

    def keep(lo: int, arrays: dict[str, NDArray], buf: dict[str, NDArray]) -> None:
        for k, v in arrays.items():
            if k not in buf:
                buf[k] = np.empty((cap(), *v.shape[1:]), dtype=v.dtype)
            buf[k][lo : lo + len(v)] = v

    history: list[Step] = []
    done, converged = 0, False
    while done < max_draws and not converged:
        size = min(BLOCK, max_draws - done)
        res = _block(done, size)
        if progress is not None:
            progress(size)
        keep(done, res.outputs, out_buf)
        keep(done, res.inputs, in_buf)
        done += size
        history.append(watcher.add(res.outputs))
        converged = watcher.settled(history[-1])

    result = RunResult({k: v[:done] for k, v in out_buf.items()}, {k: v[:done] for k, v in in_buf.items()},
                       done, seed, sampler, chunk)
    ds = simulate(study, draws=done, seed=seed, sampler=sampler, chunk_size=chunk, store=store, result=result)
    return ds, Convergence(float(precision), float(prob_precision), converged, done, max_draws, tuple(watch),
                           tuple(history), watcher.skipped)
