"""Decision targets: the net benefit per draw (in €) whose sign decides "go on" versus "stop".

A target is resolved against a result Dataset of :func:`mkba.simulate`:

- ``saldo`` (the default), ``costs``, ``benefits``: totals over every actor;
- a line of the study (an item, e.g. ``escalation``, or a study's own line): its NPV over actors;
- ``actor:<name>`` (e.g. ``actor:jeugd``): that actor's net result, benefits minus costs;
- ``actor:municipality``: the municipal domains together (the municipality as a whole).

Ratios are not targets here: a decision's value is a sum of money, and a ratio has none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..simulator.domain import ACTORS, ITEMS, MUNICIPAL_ACTORS

__all__ = ["ACTOR_PREFIX", "MUNICIPALITY", "TargetError", "actor_net", "actor_targets", "available_targets",
           "check_target", "has_actors", "target_matrix", "target_values", "targets_for"]

ACTOR_PREFIX = "actor:"
MUNICIPALITY = "municipality"  # the municipal domains together
_TOTALS = ("saldo", "costs", "benefits")


class TargetError(ValueError):
    """A target name that the Dataset cannot answer (the message names the ones it can)."""


def targets_for(items: Sequence[str] = ITEMS) -> tuple[str, ...]:
    """Every target of a result Dataset with these lines (what `mkba decide` checks before running)."""
    return (*_TOTALS, *items, *(ACTOR_PREFIX + a for a in (*ACTORS, MUNICIPALITY)))


def check_target(target: str, items: Sequence[str] = ITEMS) -> str:
    """``target`` if it names a target of a result Dataset with lines ``items``, else :class:`TargetError`."""
    names = targets_for(items)
    if target in names:
        return target
    if target.startswith("bc_"):
        raise TargetError(f"{target!r} is a ratio and has no value in euros; choose one of: {', '.join(names)}")
    raise TargetError(f"unknown target {target!r}; choose one of: {', '.join(names)}")


def has_actors(ds: xr.Dataset) -> bool:
    """Whether ``ds`` keeps per-actor amounts (the ``actor:`` targets)."""
    return ("actor_costs" in ds and "actor_benefits" in ds) or ("npv" in ds and "kind" in ds.coords)


def _items(ds: xr.Dataset) -> list[str]:
    return [str(i) for i in ds["item"].values] if "line" in ds and "item" in ds.coords else []


def available_targets(ds: xr.Dataset) -> list[str]:
    """Every target :func:`target_values` accepts for this Dataset."""
    names = [t for t in _TOTALS if t in ds] + _items(ds)
    if has_actors(ds):
        names += [ACTOR_PREFIX + a for a in (*ACTORS, MUNICIPALITY)]
    return names


def actor_net(ds: xr.Dataset, *, base: bool = False) -> xr.DataArray:
    """(draw, actor) net result per actor, benefits minus costs (``base=True``: the base case's)."""
    from ..simulator.results import net

    return net(ds, base=base)


def actor_targets(ds: xr.Dataset, net: xr.DataArray | None = None) -> list[str]:
    """The actors that take part in this study (a non-zero net result in some draw or the base case),
    then the municipality as a whole. ``net``: :func:`actor_net` of ``ds``, if already computed."""
    if not has_actors(ds):
        return []
    values = (actor_net(ds) if net is None else net).values
    base = actor_net(ds, base=True).values
    out = [ACTOR_PREFIX + str(a) for j, a in enumerate(ds["actor"].values)
           if np.any(values[:, j] != 0) or base[j] != 0]
    return out + [ACTOR_PREFIX + MUNICIPALITY]


def target_matrix(ds: xr.Dataset, targets: Sequence[str], net: xr.DataArray | None = None) -> NDArray[np.float64]:
    """(draw, target) values of ``targets``, each as :func:`target_values` gives it; the actors' net results
    are computed once for all (``net``: :func:`actor_net` of ``ds``, if already computed)."""
    if net is None and any(t.startswith(ACTOR_PREFIX) for t in targets) and has_actors(ds):
        net = actor_net(ds)
    return np.column_stack([target_values(ds, t, net) for t in targets])


def target_values(ds: xr.Dataset, target: str, net: xr.DataArray | None = None) -> NDArray[np.float64]:
    """The per-draw values of ``target`` (see the module docstring); :class:`TargetError` if unknown.
    ``net``: :func:`actor_net` of ``ds``, if already computed."""
    if target in _TOTALS and target in ds:
        return np.asarray(ds[target].values, dtype=np.float64)
    if target in _items(ds):
        return np.asarray(ds["line"].sel(item=target).values, dtype=np.float64)
    if target.startswith(ACTOR_PREFIX) and has_actors(ds):
        who = target[len(ACTOR_PREFIX):]
        values = actor_net(ds) if net is None else net
        if who == MUNICIPALITY:
            muni = [a for a in MUNICIPAL_ACTORS if a in values["actor"].values]
            return np.asarray(values.sel(actor=muni).sum("actor").values, dtype=np.float64)
        if who in values["actor"].values:
            return np.asarray(values.sel(actor=who).values, dtype=np.float64)
    if target.startswith("bc_"):
        raise TargetError(f"{target!r} is a ratio and has no value in euros; choose one of: "
                          f"{', '.join(available_targets(ds))}")
    raise TargetError(f"unknown target {target!r}; choose one of: {', '.join(available_targets(ds))}")
