"""Parameters: a name, a distribution, and where the number comes from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ..distributions import Distribution, Fixed

__all__ = ["Parameter", "ParameterSet"]


@dataclass(frozen=True)
class Parameter:
    """One model input. ``group`` gathers inputs for grouped sensitivity indices."""

    name: str
    dist: Distribution
    unit: str = ""
    description: str = ""
    source: str = ""
    group: str = ""

    @property
    def base(self) -> float:
        return self.dist.base

    @property
    def uncertain(self) -> bool:
        return not self.dist.is_fixed


class ParameterSet(Mapping[str, Parameter]):
    """An ordered, immutable collection of parameters; the engine's whole view of a model's inputs."""

    def __init__(self, params: Iterable[Parameter]) -> None:
        self._params: dict[str, Parameter] = {}
        for p in params:
            if p.name in self._params:
                raise ValueError(f"duplicate parameter {p.name!r}")
            self._params[p.name] = p

    @classmethod
    def from_dists(cls, dists: Mapping[str, Distribution | float]) -> ParameterSet:
        """Quick constructor for generic models: ``{"x1": Uniform(-pi, pi), ...}``."""
        return cls(
            Parameter(name, d if isinstance(d, Distribution) else Fixed(float(d))) for name, d in dists.items()
        )

    def __getitem__(self, name: str) -> Parameter:
        return self._params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __repr__(self) -> str:
        return f"ParameterSet({len(self)} parameters, {len(self.uncertain)} uncertain)"

    @property
    def uncertain(self) -> list[str]:
        """Names of the inputs that vary (the columns of a sampling design)."""
        return [n for n, p in self._params.items() if p.uncertain]

    def base_inputs(self) -> dict[str, NDArray[np.float64]]:
        """Every input at its base value, as length-1 arrays (the published case)."""
        return {n: np.array([p.base]) for n, p in self._params.items()}

    def with_dists(self, changes: Mapping[str, Distribution]) -> ParameterSet:
        """A copy with some distributions replaced (scenario overrides, one-way analysis)."""
        unknown = set(changes) - set(self._params)
        if unknown:
            raise KeyError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        return ParameterSet(replace(p, dist=changes.get(n, p.dist)) for n, p in self._params.items())

    def inputs_from_uniforms(
        self, uniforms: Mapping[str, NDArray[np.float64]], n: int
    ) -> dict[str, NDArray[np.float64]]:
        """Map uniforms through each distribution's ppf; fixed inputs are filled with their value."""
        out: dict[str, NDArray[np.float64]] = {}
        for name, p in self._params.items():
            if name in uniforms:
                out[name] = p.dist.ppf(uniforms[name])
            else:  # a read-only zero-stride view: no memory traffic for the many fixed inputs
                out[name] = np.broadcast_to(np.float64(p.base), (n,))
        return out
