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
from .parse import from_spec, to_spec

__all__ = [
    "Beta",
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
    "from_spec",
    "to_spec",
]
