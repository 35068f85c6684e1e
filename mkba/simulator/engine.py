"""The Monte Carlo engine: uniforms → ppf → any vectorised model, in fixed seeded blocks.

Reproducibility contract: the uniforms of parameter ``name`` for draws in block ``b`` (``BLOCK`` draws
each) come from ``SeedSequence(seed, spawn_key=(crc32(name), b))``. So the numbers do not depend on
the chunk size, the number of threads or workers, nor on which other parameters are uncertain, and
every scenario of a study sees the same uniforms (common random numbers).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .parameters import ParameterSet

__all__ = ["BLOCK", "Model", "RunResult", "Sampler", "block_uniforms", "evaluate", "run", "uniforms"]

BLOCK = 65_536  # draws per seeded block; part of the reproducibility contract, never change silently
Sampler = Literal["mc", "lhs"]
Model = Callable[[Mapping[str, NDArray[np.float64]]], Mapping[str, NDArray]]
Reducer = Callable[[Mapping[str, NDArray]], Mapping[str, NDArray]]


def _stream(name: str, block: int, seed: int) -> np.random.Generator:
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key, block))))


def block_uniforms(name: str, block: int, *, seed: int, sampler: Sampler = "mc") -> NDArray[np.float64]:
    """The ``BLOCK`` uniforms of one parameter in one block.

    ``lhs`` stratifies each block: every interval [i/BLOCK, (i+1)/BLOCK) gets exactly one draw, so a
    run of whole blocks is a union of Latin hypercubes (independent permutations per parameter)."""
    rng = _stream(name, block, seed)
    if sampler == "mc":
        return rng.random(BLOCK)
    if sampler == "lhs":
        jitter = rng.random(BLOCK)
        return (rng.permutation(BLOCK) + jitter) / BLOCK
    raise ValueError(f"unknown sampler {sampler!r}; choose 'mc' or 'lhs'")


def uniforms(
    names: list[str], start: int, stop: int, *, seed: int, sampler: Sampler = "mc"
) -> dict[str, NDArray[np.float64]]:
    """Uniforms for draws ``start:stop`` of each named parameter (any range, any chunking)."""
    out = {n: np.empty(stop - start) for n in names}
    b0, b1 = start // BLOCK, (stop - 1) // BLOCK
    for b in range(b0, b1 + 1):
        lo, hi = max(start, b * BLOCK), min(stop, (b + 1) * BLOCK)
        for n in names:
            out[n][lo - start : hi - start] = block_uniforms(n, b, seed=seed, sampler=sampler)[
                lo - b * BLOCK : hi - b * BLOCK
            ]
    return out


def evaluate(
    model: Model,
    params: ParameterSet,
    u: Mapping[str, NDArray[np.float64]] | NDArray[np.float64],
    *,
    correlate: bool = True,
) -> dict[str, NDArray]:
    """Evaluate ``model`` on a design of uniforms: a mapping name → (n,), or an (n, k) matrix whose
    columns follow ``params.uncertain`` (as SALib designs do). ``correlate=False`` keeps the inputs
    independent even when the parameter set has correlations."""
    if not isinstance(u, Mapping):
        u = np.asarray(u, dtype=float)
        names = params.uncertain
        if u.ndim != 2 or u.shape[1] != len(names):
            raise ValueError(f"design has shape {u.shape}; expected (n, {len(names)}) for {len(names)} inputs")
        u = {n: u[:, i] for i, n in enumerate(names)}
    n = len(next(iter(u.values()))) if u else 1
    inputs = params.inputs_from_uniforms(u, n, correlate=correlate)
    return {k: np.asarray(v) for k, v in model(inputs).items()}


@dataclass
class RunResult:
    """Per-draw outputs (after the optional reducer) and, if kept, the sampled inputs."""

    outputs: dict[str, NDArray]
    inputs: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    draws: int = 0
    seed: int = 0
    sampler: str = "mc"
    chunk_size: int = BLOCK


def _chunks(draws: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(s, min(s + chunk_size, draws)) for s in range(0, draws, chunk_size)]


def run(
    model: Model,
    params: ParameterSet,
    *,
    draws: int,
    seed: int,
    start: int = 0,
    sampler: Sampler = "mc",
    chunk_size: int = BLOCK,
    reduce: Reducer | None = None,
    keep_inputs: bool = True,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run draws ``start .. start + draws`` in chunks; memory holds one chunk of model outputs per
    thread plus the (reduced) per-draw results. ``reduce`` maps a chunk's model outputs to what is
    stored. Any range can be computed alone: draw ``i`` is the same in every run with this seed."""
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    if chunk_size < 1:
        raise ValueError(f"chunk size must be >= 1, got {chunk_size}")
    if not 0 <= seed < 2**63:  # stored as int64 in results and JSON
        raise ValueError(f"seed must be >= 0 and < 2**63, got {seed}")
    names = params.uncertain
    store: dict[str, NDArray] = {}
    kept: dict[str, NDArray[np.float64]] = {}

    def work(span: tuple[int, int]) -> tuple[tuple[int, int], dict[str, NDArray], dict[str, NDArray]]:
        lo, hi = span
        u = uniforms(names, start + lo, start + hi, seed=seed, sampler=sampler)
        inputs = params.inputs_from_uniforms(u, hi - lo)
        out = dict(model(inputs))
        if reduce is not None:
            out = dict(reduce(out))
        return span, out, ({n: inputs[n] for n in names} if keep_inputs else {})

    def collect(span: tuple[int, int], out: Mapping[str, NDArray], inp: Mapping[str, NDArray]) -> None:
        lo, hi = span  # positions within this run
        for k, v in out.items():
            if k not in store:
                store[k] = np.empty((draws, *v.shape[1:]), dtype=v.dtype)
            store[k][lo:hi] = v
        for k, v in inp.items():
            if k not in kept:
                kept[k] = np.empty(draws)
            kept[k][lo:hi] = v
        if progress is not None:
            progress(hi - lo)

    spans = _chunks(draws, chunk_size)
    nthreads = min(workers or os.cpu_count() or 1, len(spans))
    if nthreads <= 1:
        for span in spans:
            collect(*work(span))
    else:
        # numpy releases the GIL in its kernels, so threads use the cores; chunks land in their own
        # slices, so the result does not depend on completion order. Submit in a bounded window to
        # keep memory flat.
        with ThreadPoolExecutor(nthreads) as pool:
            window = 2 * nthreads
            pending = [pool.submit(work, s) for s in spans[:window]]
            nxt = window
            while pending:
                collect(*pending.pop(0).result())
                if nxt < len(spans):
                    pending.append(pool.submit(work, spans[nxt]))
                    nxt += 1
    return RunResult(store, kept, draws, seed, sampler, chunk_size)
