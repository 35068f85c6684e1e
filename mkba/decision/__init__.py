"""Decision analysis of a result Dataset (issue 12): is it worth it, for whom, at which QALY value, and
what should be measured first?

- :func:`decide` / :func:`evpi` — the decision now, the probability it is wrong, the expected loss, EVPI;
- :func:`evppi` — EVPPI of one input or a group by regression on the Monte Carlo sample;
- :func:`acceptability` — P(saldo > 0), P(B/C > 1) over the QALY value, by exact re-weighting;
- :func:`compare` — alternatives (scenarios, studies) on the same draws;
- :func:`prim` — the input region where the saldo is negative;
- :func:`analyse` — all of it for one Dataset, as plain data or a Dataset.

No MKBA formulas live here: everything works on the result Dataset (the model's per-draw outputs and
sampled inputs), so it serves any study and any target.
"""

from __future__ import annotations

from .acceptability import Acceptability, acceptability, parse_grid, reweighted
from .alternatives import Alternatives, compare
from .analysis import DEFAULT_GRID, DecisionAnalysis, analyse
from .evppi import Evppi, evppi, group_basis, spline_basis
from .failure import Box, Restriction, prim
from .targets import TargetError, available_targets, target_values
from .value import Decision, decide, evpi

__all__ = [
    "Acceptability",
    "Alternatives",
    "Box",
    "DEFAULT_GRID",
    "Decision",
    "DecisionAnalysis",
    "Evppi",
    "Restriction",
    "TargetError",
    "acceptability",
    "analyse",
    "available_targets",
    "compare",
    "decide",
    "evpi",
    "evppi",
    "group_basis",
    "parse_grid",
    "prim",
    "reweighted",
    "spline_basis",
    "target_values",
]
