"""Decision targets: the net benefit per draw (in €) whose sign decides "go on" versus "stop".

A target is resolved against a result Dataset of :func:`mkba.simulate`:

- ``saldo`` (the default), ``costs``, ``benefits``: totals over every actor;
- a line (an item, e.g. ``escalation``): its NPV summed over actors;
- ``actor:<name>`` (e.g. ``actor:jeugd``): that actor's net result, benefits minus costs;
- ``actor:municipality``: the municipal domains together (the municipality as a whole).

Ratios are not targets here: a decision's value is a sum of money, and a ratio has none.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..simulator.domain import ACTORS, ITEMS, MUNICIPAL_ACTORS

__all__ = ["ACTOR_PREFIX", "MUNICIPALITY", "TargetError", "actor_targets", "available_targets", "check_target",
           "target_values", "TARGETS"]

ACTOR_PREFIX = "actor:"
MUNICIPALITY = "municipality"  # the municipal domains together
_TOTALS = ("saldo", "costs", "benefits")


# every target of a full result Dataset (what `mkba decide` simulates), to check a name before running
TARGETS = (*_TOTALS, *ITEMS, *(ACTOR_PREFIX + a for a in (*ACTORS, MUNICIPALITY)))


class TargetError(ValueError):
    """A target name that the Dataset cannot answer (the message names the ones it can)."""


def check_target(target: str) -> str:
    """``target`` if it names a target of a full result Dataset, else :class:`TargetError`."""
    if target in TARGETS:
        return target
    if target.startswith("bc_"):
        raise TargetError(f"{target!r} is a ratio and has no value in euros; choose one of: {', '.join(TARGETS)}")
    raise TargetError(f"unknown target {target!r}; choose one of: {', '.join(TARGETS)}")


def _has_actors(ds: xr.Dataset) -> bool:
    return ("actor_costs" in ds and "actor_benefits" in ds) or ("npv" in ds and "kind" in ds.coords)


def available_targets(ds: xr.Dataset) -> list[str]:
    """Every target :func:`target_values` accepts for this Dataset."""
    names = [t for t in _TOTALS if t in ds] + ([i for i in ITEMS if "line" in ds])
    if _has_actors(ds):
        names += [ACTOR_PREFIX + a for a in (*ACTORS, MUNICIPALITY)]
    return names


def actor_net(ds: xr.Dataset, *, base: bool = False) -> xr.DataArray:
    """(draw, actor) net present value per actor, benefits minus costs (cost lines are positive); the
    base case's (actor,) with ``base=True``. From the per-actor totals every store keeps, else from the
    npv cube of a full store."""
    pre = "base_" if base else ""
    if f"{pre}actor_costs" in ds and f"{pre}actor_benefits" in ds:
        return ds[f"{pre}actor_benefits"].astype(np.float64) - ds[f"{pre}actor_costs"].astype(np.float64)
    sign = xr.where(ds["kind"] == "cost", -1.0, 1.0)
    return (ds[f"{pre}npv"] * sign).sum("item")


def actor_targets(ds: xr.Dataset) -> list[str]:
    """The actors that take part in this study (a non-zero net result in some draw or the base case),
    then the municipality as a whole."""
    if not _has_actors(ds):
        return []
    net = actor_net(ds).values
    base = actor_net(ds, base=True).values
    out = [ACTOR_PREFIX + a for j, a in enumerate(ds["actor"].values) if np.any(net[:, j] != 0) or base[j] != 0]
    return out + [ACTOR_PREFIX + MUNICIPALITY]


def target_values(ds: xr.Dataset, target: str) -> NDArray[np.float64]:
    """The per-draw values of ``target`` (see the module docstring); :class:`TargetError` if unknown."""
    if target in _TOTALS and target in ds:
        return np.asarray(ds[target].values, dtype=np.float64)
    if target in ITEMS and "line" in ds:
        return np.asarray(ds["line"].sel(item=target).values, dtype=np.float64)
    if target.startswith(ACTOR_PREFIX) and _has_actors(ds):
        who = target[len(ACTOR_PREFIX):]
        net = actor_net(ds)
        if who == MUNICIPALITY:
            return np.asarray(net.sel(actor=list(MUNICIPAL_ACTORS)).sum("actor").values, dtype=np.float64)
        if who in ACTORS:
            return np.asarray(net.sel(actor=who).values, dtype=np.float64)
    if target.startswith("bc_"):
        raise TargetError(f"{target!r} is a ratio and has no value in euros; choose one of: "
                          f"{', '.join(available_targets(ds))}")
    raise TargetError(f"unknown target {target!r}; choose one of: {', '.join(available_targets(ds))}")
