"""Targets: which scalar per draw a sensitivity analysis explains.

A target is a name resolved against a model's outputs (any vectorised ``f(inputs) -> dict``):

- any output key of shape ``(n,)``, e.g. ``saldo``, ``costs``, ``benefits``, ``bc_social``,
  ``bc_financial``, ``bc_municipal`` of the MKBA model, or ``y`` of a textbook function;
- a line of the MKBA model (an item of :data:`mkba.simulator.domain.ITEMS`, e.g. ``escalation``):
  its NPV summed over actors, ``npv[:, item, :].sum(actor)``;
- an own line of a study (``[[lines]]``): the model outputs it under its name, so it is an output key;
- an actor, written ``actor:<name>`` (e.g. ``actor:jeugd``): that actor's net result, its benefits
  minus its costs, from ``actor_benefits`` − ``actor_costs`` (or else from ``npv``; cost lines are stored
  as positive amounts).

Ratios (names starting with ``bc_``) switch at 1, everything else at 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from ..simulator.domain import ACTORS, ITEM_KIND, ITEMS

__all__ = ["ACTOR_PREFIX", "available_targets", "extract", "is_ratio", "threshold"]

ACTOR_PREFIX = "actor:"
_COST = np.array([ITEM_KIND[i] == "cost" for i in ITEMS])


def is_ratio(target: str) -> bool:
    """Whether ``target`` is a ratio (switches at 1) rather than an amount (switches at 0)."""
    return target.startswith("bc_")


def threshold(target: str) -> float:
    """The break-even value of a target: 1 for a benefit/cost ratio, 0 for an amount."""
    return 1.0 if is_ratio(target) else 0.0


def available_targets(outputs: Mapping[str, NDArray]) -> list[str]:
    """Every target name that :func:`extract` accepts for these model outputs."""
    names = [k for k, v in outputs.items() if np.ndim(v) == 1]
    if _has_npv(outputs):
        names += [i for i in ITEMS if i not in names]
    if _has_npv(outputs) or "actor_costs" in outputs:
        names += [ACTOR_PREFIX + a for a in ACTORS]
    return names


def _has_npv(outputs: Mapping[str, NDArray]) -> bool:
    # built-in lines come first in every study's item order; own lines follow them
    npv = outputs.get("npv")
    return npv is not None and np.ndim(npv) == 3 and np.shape(npv)[1] >= len(ITEMS) and \
        np.shape(npv)[2] == len(ACTORS)


def extract(outputs: Mapping[str, NDArray], target: str) -> NDArray[np.float64]:
    """The per-draw values of ``target`` from a model's outputs (see the module docstring).

    Raises
    ------
    ValueError
        If the target is not one of :func:`available_targets`, naming the ones that are.
    """
    v = outputs.get(target)
    if v is not None and np.ndim(v) == 1:
        return np.asarray(v, dtype=float)
    npv = outputs.get("npv")
    has_npv = _has_npv(outputs)
    if has_npv and target in ITEMS:
        return np.asarray(npv[:, ITEMS.index(target), :].sum(axis=1), dtype=float)
    if target.startswith(ACTOR_PREFIX) and target[len(ACTOR_PREFIX):] in ACTORS:
        j = ACTORS.index(target[len(ACTOR_PREFIX):])
        if "actor_costs" in outputs and "actor_benefits" in outputs:
            return np.asarray(outputs["actor_benefits"][:, j] - outputs["actor_costs"][:, j], dtype=float)
        if has_npv and np.shape(npv)[1] == len(ITEMS):
            a = np.asarray(npv[:, :, j], dtype=float)
            return a[:, ~_COST].sum(axis=1) - a[:, _COST].sum(axis=1)
    raise ValueError(f"unknown target {target!r}; choose one of: {', '.join(available_targets(outputs))}")
