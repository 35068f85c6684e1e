"""Alternatives: a study's scenarios (or several studies) compared on the same draws.

Every alternative is simulated with the same seed, so each input gets the same uniforms in every
alternative (common random numbers, see the engine): the difference between two alternatives per draw is
the effect of the choice, not sampling noise. Per draw the best alternative is the one with the highest
target; the decision now is the one with the highest expected target; the EVPI of the choice is
E[max_j NB_j] − max_j E[NB_j]. Over the QALY value, the best alternative by expected value and the
probability that it is the best per draw form the cost-effectiveness acceptability frontier
(Fenwick, Claxton & Sculpher 2001).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .acceptability import reweighted
from .targets import target_values
from .value import Decision, decide

__all__ = ["Alternatives", "compare"]

QALY_VALUE = "prices.qaly_value"


@dataclass(frozen=True)
class Alternatives:
    names: tuple[str, ...]
    base: str
    decision: Decision  # over the alternatives (best, p_wrong, expected_loss, evpi, p_best)
    incremental: dict[str, tuple[float, float, float]]  # vs base: (mean, p5, p95) of the paired difference
    frontier: dict[str, Any] | None  # {"value": grid, "best": [name per value], "p_best": (G, m)}

    def to_dict(self) -> dict[str, Any]:
        d = self.decision
        out: dict[str, Any] = {
            "names": list(self.names),
            "base": self.base,
            "best": d.best,
            "p_wrong": d.p_wrong,
            "expected_loss": d.expected_loss,
            "evpi": d.evpi,
            "expected": dict(zip(self.names, d.expected)),
            "p_best": dict(zip(self.names, d.p_best)),
            "incremental": {k: {"mean": v[0], "p5": v[1], "p95": v[2]} for k, v in self.incremental.items()},
            "frontier": None,
        }
        if self.frontier is not None:
            f = self.frontier
            out["frontier"] = {"qaly_value": [float(v) for v in f["value"]], "best": list(f["best"]),
                               "p_best": [float(v) for v in f["p_best_of_best"]]}
        return out


def compare(runs: Mapping[str, xr.Dataset], *, target: str = "saldo", base: str | None = None,
            grid: Sequence[float] | NDArray[np.float64] | None = None,
            lines: Mapping[str, Sequence[str]] | None = None) -> Alternatives:
    """Compare alternatives (result Datasets with the same draws) on ``target``; ``lines``: per
    alternative the lines proportional to the QALY value (default: the built-in model's)."""
    names = tuple(runs)
    if len(names) < 2:
        raise ValueError("alternatives: give at least two")
    base = base or names[0]
    if base not in runs:
        raise ValueError(f"alternatives: the base {base!r} is not one of {', '.join(names)}")
    n = {k: ds.sizes["draw"] for k, ds in runs.items()}
    if len(set(n.values())) != 1:
        raise ValueError(f"alternatives must have the same draws, got {n}")
    nb = np.column_stack([target_values(runs[k], target) for k in names])
    dec = decide(nb, names)
    ref = nb[:, names.index(base)]
    inc = {}
    for j, k in enumerate(names):
        diff = nb[:, j] - ref
        lo, hi = np.quantile(diff, [0.05, 0.95])
        inc[k] = (float(diff.mean()), float(lo), float(hi))
    frontier = None
    if grid is not None and target == "saldo" and all("line" in ds for ds in runs.values()):
        g = np.atleast_1d(np.asarray(grid, dtype=np.float64))
        per = np.stack([reweighted(runs[k], g, QALY_VALUE, lines=(lines or {}).get(k))["saldo"] for k in names],
                       axis=2)  # (n, G, m)
        best_j = per.mean(axis=0).argmax(axis=1)  # by expected value, per grid value
        winner = per.argmax(axis=2)  # (n, G)
        p_best = np.stack([(winner == j).mean(axis=0) for j in range(len(names))], axis=1)  # (G, m)
        frontier = {"value": g, "best": [names[j] for j in best_j], "p_best": p_best,
                    "p_best_of_best": p_best[np.arange(len(g)), best_j]}
    return Alternatives(names, base, dec, inc, frontier)
