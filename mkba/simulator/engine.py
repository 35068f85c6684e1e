"""The Monte Carlo engine: uniforms → ppf → any vectorised model, in fixed seeded blocks.

Reproducibility contract: the uniforms of parameter ``name`` for draws in block ``b`` (``BLOCK`` draws
each) come from ``SeedSequence(seed, spawn_key=(crc32(name), b))``. So the numbers do not depend on
the chunk size, the number of threads or workers, nor on which other parameters are uncertain, and
every scenario of a study sees the same uniforms (common random numbers). A *stream* (a batch's study
label) is prepended to the spawn key, collision-free (its length and bytes), so different studies of a
batch draw independently; the empty stream is the single-study key above, unchanged.

Samplers (every one random-access: any draw range can be computed alone, bit-identically):

- ``mc``: the block uniforms themselves;
- ``lhs``: a Latin hypercube of the run's ``n`` draws (McKay, Beckman & Conover 1979): draw ``i`` of
  input ``x`` is ``(π_x(i) + U_i) / n``, with ``U_i`` its Monte Carlo uniform and ``π_x`` a keyed
  pseudo-random permutation of ``0 … n−1`` evaluated point by point (Kensler 2013's hash permutation
  with cycle walking), so every input has exactly one draw in each of the ``n`` strata for any ``n``
  and memory stays flat;
- ``sobol``: scrambled Sobol' points (Owen scrambling, scipy.stats.qmc.Sobol; ``n`` a power of 2),
  one dimension per parameter in the parameter set's order (fixed ones included, so a scenario that
  fixes an input leaves the others' columns unchanged), random access by ``fast_forward``.

References
----------
McKay, M. D., Beckman, R. J., Conover, W. J. (1979). A comparison of three methods for selecting values
of input variables in the analysis of output from a computer code. *Technometrics* 21(2), 239–245.
doi:10.1080/00401706.1979.10489755
Kensler, A. (2013). Correlated multi-jittered sampling. Pixar Technical Memo 13-01.
Owen, A. B. (1998). Scrambling Sobol' and Niederreiter–Xing points. *J. Complexity* 14(4), 466–489.
doi:10.1006/jcom.1998.0487
"""

from __future__ import annotations

import os
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .parameters import ParameterSet

__all__ = ["BLOCK", "SAMPLERS", "Model", "RunResult", "Sampler", "block_uniforms", "check_design_size",
           "check_stream_keys", "evaluate", "lhs_permutation", "run", "stream_key", "uniforms"]

BLOCK = 65_536  # draws per seeded block; part of the reproducibility contract, never change silently
EVAL_SIZE = 16_384  # draws per model evaluation within a chunk (cache-sized temporaries; no effect on numbers)
Sampler = Literal["mc", "lhs", "sobol"]
SAMPLERS: tuple[str, ...] = ("mc", "lhs", "sobol")
Model = Callable[[Mapping[str, NDArray[np.float64]]], Mapping[str, NDArray]]
Reducer = Callable[[Mapping[str, NDArray]], Mapping[str, NDArray]]
# Spawn-key slots that no block number reaches: an input's LHS permutation key, the Sobol' scrambling.
_PERMUTATION_SLOT = 1 << 62
_SOBOL_SLOT = (1 << 62) + 1
_LHS_MAX = 1 << 32  # the hash permutation works on 32-bit indices
_SOBOL_BITS = 30  # scipy's default precision: points are multiples of 2^-30
Sink = Callable[[int, int, Mapping[str, NDArray], Mapping[str, NDArray]], None]


def stream_key(name: str) -> int:
    """An input's 32-bit stream key (crc32 of its name); :func:`check_stream_keys` guards collisions."""
    return zlib.crc32(name.encode("utf-8"))


def check_stream_keys(names: Sequence[str]) -> None:
    """ValueError if two distinct input names share a stream key: they would get identical draws."""
    seen: dict[int, str] = {}
    for n in names:
        k = stream_key(n)
        if seen.get(k, n) != n:
            raise ValueError(f"inputs {seen[k]!r} and {n!r} have the same random-stream key (crc32 {k}), so they "
                             "would get identical draws; rename one of them")
        seen[k] = n


def _space(stream: str) -> tuple[int, ...]:
    """A stream name as spawn-key words, injective: its byte length, then its bytes in 32-bit words."""
    if not stream:
        return ()
    b = stream.encode("utf-8")
    words = np.frombuffer(b.ljust(-(-len(b) // 4) * 4, b"\0"), dtype="<u4")
    return (len(b), *(int(w) for w in words))


def _seq(seed: int, stream: str, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(*_space(stream), *key))


def _stream(name: str, block: int, seed: int, stream: str = "") -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(_seq(seed, stream, stream_key(name), block)))


def block_uniforms(name: str, block: int, *, seed: int, stream: str = "") -> NDArray[np.float64]:
    """The ``BLOCK`` Monte Carlo uniforms of one parameter in one block."""
    return _stream(name, block, seed, stream).random(BLOCK)


def lhs_permutation(i: NDArray[np.integer], n: int, key: int) -> NDArray[np.int64]:
    """``π(i)`` for a pseudo-random permutation ``π`` of ``0 … n−1`` chosen by the 32-bit ``key``,
    evaluated point by point (Kensler 2013, "permute"): a chain of bijections of the b-bit integers
    (b = bits of n − 1), repeated while the result is ≥ n (cycle walking), then rotated by the key."""
    if not 1 <= n <= _LHS_MAX:
        raise ValueError(f"a Latin hypercube needs 1 <= n <= {_LHS_MAX:,}, got {n:,}")
    p = np.uint32(key & 0xFFFFFFFF)
    w = np.uint32((1 << max(int(n - 1).bit_length(), 1)) - 1)
    x = np.asarray(i, dtype=np.uint32).copy()
    todo = np.arange(x.size)
    with np.errstate(over="ignore"):
        while todo.size:
            v = x[todo]
            v ^= p
            v *= np.uint32(0xE170893D)
            v ^= p >> np.uint32(16)
            v ^= (v & w) >> np.uint32(4)
            v ^= p >> np.uint32(8)
            v *= np.uint32(0x0929EB3F)
            v ^= p >> np.uint32(23)
            v ^= (v & w) >> np.uint32(1)
            v *= np.uint32(1) | p >> np.uint32(27)
            v *= np.uint32(0x6935FA69)
            v ^= (v & w) >> np.uint32(11)
            v *= np.uint32(0x74DCB303)
            v ^= (v & w) >> np.uint32(2)
            v *= np.uint32(0x9E501CC3)
            v ^= (v & w) >> np.uint32(2)
            v *= np.uint32(0xC860A3DF)
            v &= w
            v ^= v >> np.uint32(5)
            x[todo] = v
            todo = todo[v >= n]
    return (x.astype(np.int64) + int(p)) % n


def _permutation_key(name: str, seed: int, stream: str) -> int:
    return int(_seq(seed, stream, stream_key(name), _PERMUTATION_SLOT).generate_state(1, np.uint32)[0])


def _sobol(dims: Sequence[str], start: int, stop: int, seed: int, stream: str) -> NDArray[np.float64]:
    from scipy.stats import qmc

    rng = np.random.Generator(np.random.PCG64(_seq(seed, stream, _SOBOL_SLOT)))
    eng = qmc.Sobol(d=len(dims), scramble=True, bits=_SOBOL_BITS, seed=rng)
    if start:
        eng.fast_forward(start)
    with warnings.catch_warnings():  # a chunk need not be a power of 2: the whole run is (checked in run)
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        pts = eng.random(stop - start)
    # Scrambled points are multiples of 2^-30 and may be exactly 0, where an open ppf is infinite:
    # the centre of each cell keeps every balance property of the net.
    return pts + 2.0 ** -(_SOBOL_BITS + 1)


def uniforms(
    names: list[str],
    start: int,
    stop: int,
    *,
    seed: int,
    sampler: Sampler = "mc",
    n: int | None = None,
    stream: str = "",
    dims: Sequence[str] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Uniforms for draws ``start:stop`` of each named parameter (any range, any chunking).

    ``n``: the size of the whole design (``lhs``, ``sobol``; default ``stop``); ``dims``: the Sobol'
    dimensions, one per parameter (default ``names``); ``stream``: see the module docstring."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    n = stop if n is None else n
    if sampler == "sobol":
        dims = list(names if dims is None else dims)
        pts = _sobol(dims, start, stop, seed, stream)
        return {name: np.ascontiguousarray(pts[:, dims.index(name)]) for name in names}
    out = {name: np.empty(stop - start) for name in names}
    b0, b1 = start // BLOCK, (stop - 1) // BLOCK
    for b in range(b0, b1 + 1):
        lo, hi = max(start, b * BLOCK), min(stop, (b + 1) * BLOCK)
        for name in names:
            out[name][lo - start : hi - start] = block_uniforms(name, b, seed=seed, stream=stream)[
                lo - b * BLOCK : hi - b * BLOCK
            ]
    if sampler == "lhs":
        if stop > n:
            raise ValueError(f"draws {start}:{stop} lie outside a Latin hypercube of {n} draws")
        idx = np.arange(start, stop)
        for name in names:
            strata = lhs_permutation(idx, n, _permutation_key(name, seed, stream))
            u = out[name]
            u += strata  # (stratum + jitter) / n: one draw in each of the n strata
            u /= n
    return out


def check_design_size(sampler: str, n: int) -> None:
    """ValueError unless ``n`` draws suit ``sampler`` (Sobol': a power of 2; LHS: at most 2^32)."""
    if sampler == "sobol" and (n < 1 or n & (n - 1)):
        lo = 1 << (n.bit_length() - 1)
        raise ValueError(f"the sobol sampler needs a power of 2 draws (the balance of the Sobol' net), got "
                         f"{n:,}; use {lo:,} or {2 * lo:,}")
    if sampler == "lhs" and n > _LHS_MAX:
        raise ValueError(f"a Latin hypercube supports at most {_LHS_MAX:,} draws, got {n:,}")


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
    stream: str = ""


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
    stream: str = "",
    design_draws: int | None = None,
    sink: Sink | None = None,
) -> RunResult:
    """Run draws ``start .. start + draws`` in chunks; memory holds one chunk of model outputs per
    thread plus the (reduced) per-draw results. ``reduce`` maps a chunk's model outputs to what is
    stored. Any range can be computed alone: draw ``i`` is the same in every run with this seed.

    ``design_draws``: the size of the whole design these draws belong to (``lhs`` and ``sobol``
    stratify that many draws; default ``start + draws``); ``stream``: an independent random stream
    (a batch's study label; "" = the study's own).

    ``sink(lo, hi, outputs, inputs)``: receives each chunk (positions ``lo:hi`` of this run) in draw
    order instead of the result keeping it, so memory stays flat at any ``draws`` (the returned
    RunResult then holds no per-draw arrays)."""
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    if chunk_size < 1:
        raise ValueError(f"chunk size must be >= 1, got {chunk_size}")
    if not 0 <= seed < 2**63:  # stored as int64 in results and JSON
        raise ValueError(f"seed must be >= 0 and < 2**63, got {seed}")
    names = params.uncertain
    total = start + draws if design_draws is None else design_draws
    if start + draws > total:
        raise ValueError(f"draws {start}:{start + draws} lie outside the design of {total} draws")
    check_design_size(sampler, total)
    check_stream_keys(names)
    dims = list(params)
    store: dict[str, NDArray] = {}
    kept: dict[str, NDArray[np.float64]] = {}

    def evaluate(u: Mapping[str, NDArray[np.float64]], m: int) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
        inputs = params.inputs_from_uniforms(u, m)
        out = dict(model(inputs))
        if reduce is not None:
            out = dict(reduce(out))
        return out, ({n: inputs[n] for n in names} if keep_inputs else {})

    def work(span: tuple[int, int]) -> tuple[tuple[int, int], dict[str, NDArray], dict[str, NDArray]]:
        lo, hi = span
        u = uniforms(names, start + lo, start + hi, seed=seed, sampler=sampler, n=total, stream=stream, dims=dims)
        if hi - lo <= EVAL_SIZE:
            return (span, *evaluate(u, hi - lo))
        # The model's many temporaries stay in the cache at EVAL_SIZE draws; every number is elementwise
        # over the draws, so the pieces are the chunk's numbers exactly.
        parts = [evaluate({k: v[a:a + EVAL_SIZE] for k, v in u.items()}, min(EVAL_SIZE, hi - lo - a))
                 for a in range(0, hi - lo, EVAL_SIZE)]
        out = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}
        inp = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
        return span, out, inp

    def collect(span: tuple[int, int], out: Mapping[str, NDArray], inp: Mapping[str, NDArray]) -> None:
        lo, hi = span  # positions within this run
        if sink is not None:
            sink(lo, hi, out, inp)
            if progress is not None:
                progress(hi - lo)
            return
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
        # With a sink, the calling thread writes and summarises the chunks: one core of its own.
        computing = max(1, nthreads - 1) if sink is not None else nthreads
        with ThreadPoolExecutor(computing) as pool:
            window = 2 * computing
            pending = [pool.submit(work, s) for s in spans[:window]]
            nxt = window
            while pending:
                collect(*pending.pop(0).result())
                if nxt < len(spans):
                    pending.append(pool.submit(work, spans[nxt]))
                    nxt += 1
    return RunResult(store, kept, draws, seed, sampler, chunk_size, stream)
