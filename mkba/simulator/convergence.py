"""Auto-convergence: draw seeded blocks until the answer stops moving (``mkba run --precision EUROS``).

After every block of ``engine.BLOCK`` draws the P5 and P95 of saldo (the 90 % interval) and
P(bc_social > 1), P(bc_financial > 1), P(bc_municipal > 1) are computed over all draws so far. The run
stops when, between two consecutive blocks, both interval bounds moved less than ``precision`` euros and
every probability less than ``PROB_TOL``, or when ``max_draws`` is reached. Blocks are the engine's seeded
blocks and each is computed with ``engine.run(start=...)``, so the Dataset returned is bit-identical to
``simulate(study, draws=<draws used>)`` with the same seed (``mkba run --draws <draws used>``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from . import engine
from .engine import BLOCK, RunResult, Sampler
from .results import FULL_LIMIT, Store, simulate, stored_model
from .study import Study

__all__ = ["DEFAULT_MAX_DRAWS", "PROB_TOL", "Convergence", "Step", "converge"]

DEFAULT_MAX_DRAWS = 10_000_000  # the cap: the largest run the memory target of issue 6 covers
PROB_TOL = 0.005  # largest accepted move of P(ratio > 1) between blocks
RATIOS = ("bc_social", "bc_financial", "bc_municipal")


@dataclass(frozen=True)
class Step:
    """The statistics after one block, over all draws so far."""

    draws: int
    p5: float
    p95: float
    p_bc_social_gt_1: float
    p_bc_financial_gt_1: float
    p_bc_municipal_gt_1: float


@dataclass(frozen=True)
class Convergence:
    """How a ``--precision`` run ended: converged or capped, the draws used and every step."""

    precision: float
    converged: bool
    draws: int
    max_draws: int
    prob_tol: float
    history: tuple[Step, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"precision": self.precision, "converged": self.converged, "draws": self.draws,
                "max_draws": self.max_draws, "prob_tol": self.prob_tol,
                "history": [asdict(s) for s in self.history]}


def _quantile_sorted(x: NDArray[np.float64], q: float) -> float:
    """numpy's default ('linear') quantile of an already sorted array, in O(1)."""
    h = (len(x) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return float(x[lo] + (h - lo) * (x[hi] - x[lo]))


def _settled(prev: Step, cur: Step, precision: float) -> bool:
    moves = (abs(cur.p5 - prev.p5), abs(cur.p95 - prev.p95))
    probs = (abs(cur.p_bc_social_gt_1 - prev.p_bc_social_gt_1),
             abs(cur.p_bc_financial_gt_1 - prev.p_bc_financial_gt_1),
             abs(cur.p_bc_municipal_gt_1 - prev.p_bc_municipal_gt_1))
    return all(m < precision for m in moves) and all(p < PROB_TOL for p in probs)  # NaN never settles


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
) -> tuple[xr.Dataset, Convergence]:
    """Run ``study`` block by block until saldo's P5/P95 move < ``precision`` € and each P(ratio > 1)
    moves < ``PROB_TOL`` between consecutive blocks, or ``max_draws`` is reached.

    Returns the Dataset of exactly the draws used (as ``simulate`` would build it) and the record."""
    if not precision > 0:
        raise ValueError(f"precision must be > 0 euros, got {precision}")
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

    def _block(start: int, draws: int) -> RunResult:
        # The same model, reducer and inputs that simulate uses for this store mode.
        model, reduce = stored_model(study, mode)
        return engine.run(model, params, draws=draws, seed=seed, start=start, sampler=sampler, chunk_size=chunk,
                          reduce=reduce, keep_inputs=(mode == "full"), workers=workers)

    # "auto" keeps the full per-draw cube up to FULL_LIMIT draws, as simulate does for the final count.
    mode = "lean" if store == "lean" else "full"
    out_buf: dict[str, NDArray] = {}
    in_buf: dict[str, NDArray[np.float64]] = {}

    def cap() -> int:
        # Buffers are allocated once at their largest size; untouched pages cost no memory (RSS).
        return min(max_draws, FULL_LIMIT) if (mode == "full" and store == "auto") else max_draws

    def keep(lo: int, arrays: dict[str, NDArray], buf: dict[str, NDArray]) -> None:
        for k, v in arrays.items():
            if k not in buf:
                buf[k] = np.empty((cap(), *v.shape[1:]), dtype=v.dtype)
            buf[k][lo : lo + len(v)] = v

    sorted_saldo = np.empty(0)
    above = dict.fromkeys(RATIOS, 0)
    history: list[Step] = []
    done, converged = 0, False
    while done < max_draws and not converged:
        size = min(BLOCK, max_draws - done)
        if mode == "full" and store == "auto" and done + size > FULL_LIMIT:
            # The final count will exceed FULL_LIMIT, so the result is lean, which simulate computes with
            # the lean model: recompute the first ≤ FULL_LIMIT draws that way (once, ≤ 4 blocks) rather
            # than rely on the full and lean models agreeing to the last bit.
            mode, out_buf, in_buf = "lean", {}, {}
            if done:
                keep(0, _block(0, done).outputs, out_buf)
        res = _block(done, size)
        if progress is not None:
            progress(size)
        keep(done, res.outputs, out_buf)
        keep(done, res.inputs, in_buf)
        # Merge the block into the sorted saldo: timsort merges the two sorted runs in linear time.
        sorted_saldo = np.concatenate((sorted_saldo, np.sort(res.outputs["saldo"])))
        sorted_saldo.sort(kind="stable")
        for r in RATIOS:
            above[r] += int(np.count_nonzero(res.outputs[r] > 1))
        done += size
        history.append(Step(done, _quantile_sorted(sorted_saldo, 0.05), _quantile_sorted(sorted_saldo, 0.95),
                            *(above[r] / done for r in RATIOS)))
        converged = len(history) >= 2 and _settled(history[-2], history[-1], precision)

    result = RunResult({k: v[:done] for k, v in out_buf.items()}, {k: v[:done] for k, v in in_buf.items()},
                       done, seed, sampler, chunk)
    ds = simulate(study, draws=done, seed=seed, sampler=sampler, chunk_size=chunk, store=store, result=result)
    return ds, Convergence(float(precision), converged, done, max_draws, PROB_TOL, tuple(history))
