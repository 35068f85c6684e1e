"""What a run will hold in memory and write to disk, estimated before it starts (issue 11 item 2).

A run of 10**12 draws must be refused at once with the estimate, not after building chunk lists or
by a MemoryError half-way. The bytes per draw follow from one base-case evaluation of the real model
and store mode (its output shapes and dtypes), so the estimate follows whatever the stores keep.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

__all__ = ["SizeError", "per_draw_bytes", "available_memory", "free_disk", "check_run_size", "human"]


class SizeError(ValueError):
    """A run that cannot fit; the message gives the estimate and what the machine has."""


def per_draw_bytes(study: object, mode: str) -> int:
    """Bytes one draw costs in the stored result (``mode`` "full" or "lean"): arithmetic on the shapes
    and dtypes of one base-case evaluation of the store's model and reducer (no sampling, no run), so
    the estimate follows whatever the model and the stores keep; the full store adds its inputs."""
    from .results import PER_DRAW_VARS, stored_model

    model, reduce = stored_model(study, mode)  # type: ignore[arg-type]
    params = study.parameters  # type: ignore[attr-defined]
    out = reduce(model(params.base_inputs()))
    total = sum(np.asarray(out[k]).nbytes for k in PER_DRAW_VARS if k in out)
    return int(total) + (8 * len(params.uncertain) if mode == "full" else 0)


def available_memory() -> int | None:
    """Memory available to a new allocation (Linux MemAvailable, else free physical pages), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def free_disk(folder: str | Path) -> int | None:
    """Free bytes on the file system that ``folder`` (or its nearest existing parent) is on."""
    p = Path(folder).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return shutil.disk_usage(p).free
    except OSError:
        return None


def human(n: float) -> str:
    """Bytes as "9.0 TB", "1.2 GB", "340 kB" (decimal units)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB", "EB"):
        if abs(n) < 1000 or unit == "EB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError  # pragma: no cover


def check_run_size(draws: int, per_draw: int, *, out: str | Path | None, memory: bool = True,
                   disk_factor: float = 1.0, what: str = "draws",
                   hint: str = "use fewer draws, or mkba batch, which keeps its tasks on disk") -> None:
    """Refuse ``draws`` whose store (``per_draw`` bytes each) exceeds the available memory (when the
    run holds it in memory) or whose files (``disk_factor`` × the store) exceed the free disk."""
    need = draws * per_draw
    if memory:
        have = available_memory()
        if have is not None and need > have:
            raise SizeError(f"{draws:,} {what} need ≈ {human(need)} of memory; this machine has {human(have)} "
                            f"available ({hint})")
    if out is not None:
        free = free_disk(out)
        need_disk = need * disk_factor
        if free is not None and need_disk > free:
            raise SizeError(f"{draws:,} {what} need ≈ {human(need_disk)} on disk; {Path(out)} has {human(free)} free")
