"""Distributions for uncertain inputs: every one is sampled through ``ppf(u)``."""

from .core import (
    Beta,
    Discrete,
    Distribution,
    DistributionError,
    Empirical,
    Fixed,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)
from .composition import Composition, composition_from_spec
from .parse import from_spec, to_spec

__all__ = [
    "Beta",
    "Composition",
    "Discrete",
    "Distribution",
    "DistributionError",
    "Empirical",
    "Fixed",
    "LogNormal",
    "Normal",
    "Pert",
    "Triangular",
    "Uniform",
    "composition_from_spec",
    "from_spec",
    "to_spec",
]
