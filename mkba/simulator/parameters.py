"""Parameters: a name, a distribution, and where the number comes from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from .._lazy import special

from ..distributions import Distribution, Fixed
from ..distributions.composition import dirichlet_shares

__all__ = ["Parameter", "ParameterSet"]


@dataclass(frozen=True)
class Parameter:
    """One model input. ``group`` gathers inputs for grouped sensitivity indices; ``source`` cites where
    the number comes from, ``note`` is the study's remark on it, ``origin`` says who gave it ("study",
    "scenario", or "default" when the study left it at mkba's default)."""

    name: str
    dist: Distribution
    unit: str = ""
    description: str = ""
    source: str = ""
    group: str = ""
    note: str = ""
    origin: str = ""

    @property
    def base(self) -> float:
        return self.dist.base

    @property
    def uncertain(self) -> bool:
        return not self.dist.is_fixed


class ParameterSet(Mapping[str, Parameter]):
    """An ordered, immutable collection of parameters; the engine's whole view of a model's inputs."""

    def __init__(
        self,
        params: Iterable[Parameter],
        correlations: Iterable[tuple[str, str, float]] = (),
        compositions: Iterable[tuple[tuple[str, ...], tuple[float, ...]]] = (),
    ) -> None:
        self._params: dict[str, Parameter] = {}
        for p in params:
            if p.name in self._params:
                raise ValueError(f"duplicate parameter {p.name!r}")
            self._params[p.name] = p
        self.correlations = tuple((a, b, float(r)) for a, b, r in correlations)
        self._copula = _copula(self.correlations, self) if self.correlations else None
        # Dirichlet compositions: (component names, alphas). Each component is an input of its own (with its
        # Beta marginal), so designs and sensitivity methods see one column per share; the joint draw
        # normalises their gamma variates (see mkba.distributions.composition).
        self.compositions = tuple((tuple(names), tuple(float(a) for a in alphas)) for names, alphas in compositions)
        for names, _ in self.compositions:
            for name in names:
                if name not in self._params:
                    raise ValueError(f"unknown composition input {name!r}")
        self._composed = frozenset(n for names, _ in self.compositions for n in names)

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
        # a composition one of whose shares is replaced no longer is a Dirichlet draw: its shares stand alone
        kept = [c for c in self.compositions if not set(c[0]) & set(changes)]
        return ParameterSet((replace(p, dist=changes.get(n, p.dist)) for n, p in self._params.items()),
                            self.correlations, kept)

    def inputs_from_uniforms(
        self, uniforms: Mapping[str, NDArray[np.float64]], n: int, *, correlate: bool = True
    ) -> dict[str, NDArray[np.float64]]:
        """Map uniforms through each distribution's ppf; fixed inputs are filled with their value.

        With ``correlations``, the independent uniforms of the correlated inputs are first coupled by a
        Gaussian copula (``correlate=False`` skips that, e.g. for designs that assume independence)."""
        if self._copula is not None and correlate and all(k in uniforms for k in self._copula[0]):
            uniforms = {**uniforms, **_couple(self._copula, uniforms)}
        out: dict[str, NDArray[np.float64]] = {}
        for name, p in self._params.items():
            if name in uniforms and name in self._composed:
                continue  # drawn jointly below
            if name in uniforms:
                out[name] = p.dist.ppf(uniforms[name])
            else:  # a read-only zero-stride view: no memory traffic for the many fixed inputs
                out[name] = np.broadcast_to(np.float64(p.base), (n,))
        for names, alphas in self.compositions:
            if any(k in uniforms for k in names):
                shares = dirichlet_shares(alphas, [uniforms.get(k) for k in names])
                out.update(zip(names, shares))
        return out


def spearman_to_pearson(rank: float) -> float:
    """Normal-copula correlation that gives Spearman rank correlation ``rank``: 2 sin(π ρ / 6)."""
    return 2.0 * math.sin(math.pi * rank / 6.0)


def _copula(correlations: tuple[tuple[str, str, float], ...], params: Mapping[str, Parameter]) -> tuple:
    """(names, lower Cholesky factor) of the normal-copula correlation matrix; ValueError if impossible."""
    names: list[str] = []
    for a, b, r in correlations:
        for name in (a, b):
            if name not in params:
                raise ValueError(f"unknown input {name!r}")
            if not params[name].uncertain:
                raise ValueError(f"{name} is fixed; a correlation needs two uncertain inputs")
            if name not in names:
                names.append(name)
        if a == b:
            raise ValueError(f"{a} cannot be correlated with itself")
        if not -1.0 < r < 1.0:
            raise ValueError(f"rank correlation of {a} and {b} must lie strictly between -1 and 1, got {r:g}")
    idx = {n: i for i, n in enumerate(names)}
    corr = np.eye(len(names))
    for a, b, r in correlations:
        i, j = idx[a], idx[b]
        if corr[i, j] != 0.0:
            raise ValueError(f"the pair {a}, {b} is given twice")
        corr[i, j] = corr[j, i] = spearman_to_pearson(r)
    try:
        chol = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        raise ValueError("these rank correlations contradict each other (the matrix is not positive "
                         "definite)") from None
    return tuple(names), chol


def _couple(copula: tuple, uniforms: Mapping[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    names, chol = copula
    # Explicit sums over the few correlated inputs (no BLAS): a draw's result never depends on how many
    # draws are coupled together, so chunking stays bit-reproducible.
    z = [special.ndtri(np.clip(uniforms[n], 1e-16, 1 - 1e-16)) for n in names]  # clip: ndtri(0) = -inf
    out = {names[0]: uniforms[names[0]]}  # row 0 of the factor is (1, 0, …): its draws stay as they are
    for i, name in enumerate(names[1:], start=1):
        acc = chol[i, 0] * z[0]
        for j in range(1, i + 1):
            acc = acc + chol[i, j] * z[j]
        out[name] = special.ndtr(acc)
    return out
