"""Study-file values → distributions: one dispatch table, one precise message per problem."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

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

__all__ = ["from_spec", "to_spec", "DIST_KEYS", "META_KEYS"]

_Z95 = 1.6448536269514722  # = scipy.special.ndtri(0.95) (tested): half-width of a 90 % range in sd units


# Beyond this a number is no study input but an overflow waiting to happen (derived shapes, sums of
# weights, products in the model); the schema's field ranges are much tighter still.
_LIMIT = 1e15


def _float(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise DistributionError(f"{what} must be a number, got {_show(v)}")
    try:
        x = float(v)
    except OverflowError:  # an integer beyond the float range
        raise DistributionError(f"{what} is too large ({len(str(abs(v)))} digits)") from None
    if not math.isfinite(x):
        raise DistributionError(f"{what} must be finite, got {v!r}")
    if abs(x) > _LIMIT:
        raise DistributionError(f"{what} ({x:g}) is beyond ±{_LIMIT:g}; check the unit")
    return x


def _show(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def _num(spec: Mapping[str, Any], key: str) -> float:
    return _float(spec[key], key)


def _opt(spec: Mapping[str, Any], key: str) -> float | None:
    return _num(spec, key) if key in spec else None


def _numbers(spec: Mapping[str, Any], key: str) -> tuple[float, ...]:
    v = spec[key]
    if not isinstance(v, (list, tuple)):
        raise DistributionError(f"{key} must be a list of numbers")
    return tuple(_float(x, f"{key}[{i}]") for i, x in enumerate(v))


def _range90(spec: Mapping[str, Any]) -> Distribution:
    p5, p95 = _num(spec, "p5"), _num(spec, "p95")
    if p95 <= p5:
        raise DistributionError(f"p95 ({p95:g}) must be > p5 ({p5:g})")
    family = spec.get("family", "lognormal" if p5 > 0 else "normal")
    base = _opt(spec, "base")
    if family == "normal":
        return Normal(mu=(p5 + p95) / 2, sd=(p95 - p5) / (2 * _Z95), base_value=base)
    if family == "lognormal":
        if p5 <= 0:
            raise DistributionError(f"a lognormal 90 % range needs p5 > 0, got {p5:g}")
        lo, hi = math.log(p5), math.log(p95)
        return LogNormal(mu=(lo + hi) / 2, sigma=(hi - lo) / (2 * _Z95), base_value=base)
    if family == "beta":
        return _beta_range(p5, p95, base)
    raise DistributionError(f"family must be 'normal', 'lognormal' or 'beta', got {family!r}")


def _beta_range(p5: float, p95: float, base: float | None) -> Beta:
    """The Beta on [0, 1] whose 5th and 95th percentiles are ``p5`` and ``p95`` (a share's 90 % range)."""
    if not 0.0 < p5 < p95 < 1.0:
        raise DistributionError(f"a beta 90 % range (a share) needs 0 < p5 < p95 < 1, got p5 = {p5:g}, p95 = {p95:g}")
    from scipy import optimize, special  # only when a study uses the shorthand on a share

    m, sd = (p5 + p95) / 2, (p95 - p5) / (2 * _Z95)  # start: the moments of the normal approximation
    k = max(m * (1 - m) / sd**2 - 1, 1e-3)

    def gap(log_ab: Any) -> list[float]:
        a, b = math.exp(log_ab[0]), math.exp(log_ab[1])
        return [float(special.betaincinv(a, b, 0.05)) - p5, float(special.betaincinv(a, b, 0.95)) - p95]

    sol = optimize.root(gap, [math.log(m * k), math.log((1 - m) * k)], method="hybr")
    a, b = math.exp(sol.x[0]), math.exp(sol.x[1])
    if not sol.success or max(abs(g) for g in gap(sol.x)) > 1e-6 * (p95 - p5):
        raise DistributionError(f"no beta distribution has p5 = {p5:g} and p95 = {p95:g}; give a "
                                "{ dist = \"beta\", … } or { dist = \"pert\", … } instead")
    return Beta(a, b, 0.0, 1.0, base_value=base)


def _beta(spec: Mapping[str, Any]) -> Distribution:
    lo = _opt(spec, "min")
    hi = _opt(spec, "max")
    lo = 0.0 if lo is None else lo
    hi = 1.0 if hi is None else hi
    base = _opt(spec, "base")
    if "alpha" in spec or "beta" in spec:
        if "mean" in spec or "sd" in spec:
            raise DistributionError("give either alpha/beta or mean/sd, not both")
        return Beta(_num(spec, "alpha"), _num(spec, "beta"), lo, hi, base_value=base)
    return Beta.from_mean_sd(_num(spec, "mean"), _num(spec, "sd"), lo, hi, base_value=base)


def _lognormal(spec: Mapping[str, Any]) -> Distribution:
    kw = {"min": _opt(spec, "min"), "max": _opt(spec, "max"), "base_value": _opt(spec, "base")}
    by_median, by_mean = {"median", "sigma"} & spec.keys(), {"mean", "sd"} & spec.keys()
    if by_median and by_mean:
        raise DistributionError(f"give either median and sigma or mean and sd, not both "
                                f"(got {', '.join(sorted(by_median | by_mean))})")
    if "sigma" in spec and "median" not in spec:
        raise DistributionError("lognormal needs median with sigma (or mean and sd)")
    if "median" in spec:
        median = _num(spec, "median")
        if median <= 0:
            raise DistributionError(f"median must be > 0, got {median:g}")
        return LogNormal(mu=math.log(median), sigma=_num(spec, "sigma"), **kw)
    return LogNormal.from_mean_sd(_num(spec, "mean"), _num(spec, "sd"), **kw)


# study-file name → (builder, required keys, optional keys)
_BUILDERS: dict[str, tuple[Callable[[Mapping[str, Any]], Distribution], set[str], set[str]]] = {
    "fixed": (lambda s: Fixed(_num(s, "value")), {"value"}, set()),
    "uniform": (lambda s: Uniform(_num(s, "min"), _num(s, "max"), _opt(s, "base")), {"min", "max"}, {"base"}),
    "triangular": (
        lambda s: Triangular(_num(s, "min"), _num(s, "mode"), _num(s, "max"), _opt(s, "base")),
        {"min", "mode", "max"},
        {"base"},
    ),
    "pert": (
        lambda s: Pert(_num(s, "min"), _num(s, "mode"), _num(s, "max"), _num(s, "lambda") if "lambda" in s else 4.0,
                       _opt(s, "base")),
        {"min", "mode", "max"},
        {"lambda", "base"},
    ),
    "normal": (
        lambda s: Normal(_num(s, "mean"), _num(s, "sd"), _opt(s, "min"), _opt(s, "max"), _opt(s, "base")),
        {"mean", "sd"},
        {"min", "max", "base"},
    ),
    "lognormal": (_lognormal, set(), {"median", "sigma", "mean", "sd", "min", "max", "base"}),
    "beta": (_beta, set(), {"alpha", "beta", "mean", "sd", "min", "max", "base"}),
    "discrete": (
        lambda s: Discrete(_numbers(s, "values"), _numbers(s, "weights") if "weights" in s else (), _opt(s, "base")),
        {"values"},
        {"weights", "base"},
    ),
    "empirical": (lambda s: Empirical(_numbers(s, "samples"), _opt(s, "base")), {"samples"}, {"base"}),
}

DIST_KEYS = {name: (req, opt) for name, (_, req, opt) in _BUILDERS.items()}

# Keys that document a value without changing it (text; they travel into the results as provenance, and
# a study's own inputs take their reader's label from title / title_en).
META_KEYS = ("source", "note", "unit", "title", "title_en")


def _did_you_mean(unknown: set[str], known: set[str]) -> str:
    from difflib import get_close_matches  # only for a spec with problems

    hints = [f"{u!r} → {near[0]!r}" for u in sorted(unknown) if (near := get_close_matches(u, sorted(known), n=1))]
    return f"; did you mean {', '.join(hints)}?" if hints else f" (allowed: {', '.join(sorted(known))})"


def _check_meta(spec: Mapping[str, Any]) -> None:
    for key in META_KEYS:
        if key in spec and not isinstance(spec[key], str):
            raise DistributionError(f"{key} must be text (a quoted string), got {spec[key]!r}")


def from_spec(spec: Any) -> Distribution:
    """Build a distribution from a study-file value: a number, or a table with ``dist = "..."``
    (or the ``{ p5 = …, p95 = … }`` shorthand). Raises :class:`DistributionError` with a precise
    message; the caller adds the field path."""
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, bool):
        raise DistributionError(f"expected a number or a distribution table, got {spec!r}")
    if isinstance(spec, (int, float)):
        return Fixed(_float(spec, "value"))
    if not isinstance(spec, Mapping):
        raise DistributionError(f"expected a number or a distribution table, got {_show(spec)}")
    _check_meta(spec)
    body = {k: v for k, v in spec.items() if k not in META_KEYS}
    if "dist" not in body and "value" in body:  # the number form { value = 420, source = "…" }
        unknown = body.keys() - {"value"}
        if unknown:
            raise DistributionError(f"unknown key(s) beside value: {', '.join(sorted(unknown))} (a distribution "
                                    "needs dist = \"...\")")
        return Fixed(_num(body, "value"))
    if "dist" not in body:
        if "value" in body and body.keys() == {"value"}:  # { value = 420, source = "…" }: a documented number
            return Fixed(_num(body, "value"))
        if {"p5", "p95"} <= body.keys():
            unknown = body.keys() - {"p5", "p95", "family", "base"}
            if unknown:
                raise DistributionError(f"unknown key(s) for a 90 % range: {', '.join(sorted(unknown))}"
                                        + _did_you_mean(unknown, {"p5", "p95", "family", "base", *META_KEYS}))
            return _range90(body)
        raise DistributionError("a distribution table needs 'dist = \"...\"' (or p5 and p95)")
    name = body.pop("dist")
    if not isinstance(name, str):
        raise DistributionError(f"dist must be a name in quotes, e.g. dist = \"pert\"; got {_show(name)}")
    if name not in _BUILDERS:
        from difflib import get_close_matches  # only for a spec with problems

        near = get_close_matches(str(name), list(_BUILDERS), n=1) if isinstance(name, str) else []
        raise DistributionError(f"unknown dist {name!r}" + (f"; did you mean {near[0]!r}?" if near else "")
                                + f" (choose one of {', '.join(sorted(_BUILDERS))})")
    build, required, optional = _BUILDERS[name]
    missing = required - body.keys()
    if missing:
        raise DistributionError(f"{name} needs {', '.join(sorted(missing))}")
    unknown = body.keys() - required - optional
    if unknown:
        raise DistributionError(f"unknown key(s) for {name}: {', '.join(sorted(unknown))}"
                                + _did_you_mean(unknown, {*required, *optional, *META_KEYS}))
    try:
        dist = build(body)
    except KeyError as exc:  # a missing key of a multi-form family (lognormal, beta)
        raise DistributionError(f"{name} needs {exc.args[0]}") from None
    except (OverflowError, ZeroDivisionError, ArithmeticError) as exc:
        raise DistributionError(f"{name}: its parameters overflow ({exc})") from None
    _check_derived(name, dist)
    return dist


def _check_derived(name: str, dist: Distribution) -> None:
    """Derived quantities (shape parameters, normalised weights, moments, tail bounds) must be finite:
    parameters can each be valid and still overflow together (pert(0, 1e308, 1e308), weights 1e308
    twice, a lognormal with sigma 500). Checked without evaluating the inverse CDF (no scipy)."""
    try:
        values = list(dist.extremes)  # (the mean of a truncated normal needs scipy: validate stays light)
        values += [float(getattr(dist, k)) for k in ("alpha", "beta") if hasattr(dist, k)]
    except (OverflowError, ZeroDivisionError, ArithmeticError, ValueError) as exc:
        raise DistributionError(f"{name}: its parameters overflow ({exc})") from None
    if not all(math.isfinite(v) for v in values):
        raise DistributionError(f"{name}: these parameters give non-finite values (overflow); use numbers of a "
                                "plausible size")


def to_spec(dist: Distribution) -> dict[str, Any] | float:
    """The inverse of :func:`from_spec` for storage in result attributes (plain data)."""
    if isinstance(dist, Fixed):
        return float(dist.value)
    out: dict[str, Any] = {"dist": dist.kind}
    for key in ("min", "mode", "max", "alpha", "beta", "mu", "sd", "sigma", "lam"):
        if hasattr(dist, key) and getattr(dist, key) is not None:
            out[key] = getattr(dist, key)
    for key in ("values", "weights", "samples"):
        if getattr(dist, key, None):
            out[key] = list(getattr(dist, key))
    return out
