"""One entry point for every method: ``analyse(model, params, method=...)`` and ``analyse_study``.

Design-based methods (Sobol, Morris, FAST, RBD-FAST) draw their SALib design, evaluate the model
through mkba's ``ppf`` and analyse; given-data methods (PAWN, δ) run an ordinary Monte Carlo sample
with :func:`mkba.run` (or :func:`mkba.simulate` for a study) and analyse it without extra runs;
``oneway`` is the tornado of :func:`mkba.sensitivity.oneway`. Every result is a Dataset
``value(parameter, index)`` / ``conf(parameter, index)`` sorted by its ranking index (``ST``,
``mu_star``, ``S1``, ``delta``, ``median`` or ``swing``).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import xarray as xr

from ..simulator.engine import Model, run
from ..simulator.parameters import ParameterSet
from ._result import ranking
from .designs import QUANTILE_RANGE, default_fast_n, evaluate_design, sample
from .fast import analyse_fast, analyse_rbd_fast
from .given_data import analyse_given_data, given_data
from .morris import analyse_morris
from .oneway import oneway
from .shapley import analyse_shapley
from .sobol import analyse_sobol
from .targets import extract

if TYPE_CHECKING:
    from ..simulator.study import Study

__all__ = ["DEFAULT_N", "INDEPENDENT_METHODS", "METHODS", "Method", "analyse", "analyse_study", "default_n",
           "flag_independence", "method_notes", "to_json"]

Method = Literal["sobol", "morris", "fast", "rbd-fast", "delta", "pawn", "shapley", "oneway"]
METHODS: tuple[str, ...] = ("sobol", "morris", "fast", "rbd-fast", "delta", "pawn", "shapley", "oneway")
# Methods whose design draws every input independently of the others (and the one-at-a-time tornado):
# with study correlations their results say so (attr and JSON ``inputs_treated_as_independent``).
INDEPENDENT_METHODS = ("sobol", "morris", "fast", "rbd-fast", "oneway")
# Default base sample per method (see README "Sensitivity" for the run times on the bundled studies).
# FAST's is not fixed: it grows with the number of inputs (:func:`default_n`).
DEFAULT_N: dict[str, int] = {"sobol": 2048, "morris": 100, "fast": 0, "rbd-fast": 2048,
                             "delta": 20_000, "pawn": 20_000, "shapley": 2000, "oneway": 0}


def default_n(method: str, params: ParameterSet) -> int:
    """The default base sample of ``method`` for these inputs: :data:`DEFAULT_N`, and for FAST
    ``4 M² (k − 1) + 1`` runs per input with M = 6 (:func:`mkba.sensitivity.designs.default_fast_n`)."""
    if method == "fast":
        return default_fast_n(len(params.uncertain))
    return DEFAULT_N[method]
_ANALYSE = {"sobol": analyse_sobol, "morris": analyse_morris, "fast": analyse_fast, "rbd-fast": analyse_rbd_fast}


def analyse(
    model: Model,
    params: ParameterSet,
    *,
    method: Method = "sobol",
    target: str = "saldo",
    n: int | None = None,
    seed: int = 0,
    groups: bool = False,
    second_order: bool = False,
    num_resamples: int | None = None,
    conf_level: float = 0.95,
    quantile_range: tuple[float, float] = QUANTILE_RANGE,
) -> xr.Dataset:
    """Sensitivity indices of ``target`` for any vectorised model and parameter set.

    Parameters
    ----------
    method
        ``sobol`` · ``morris`` · ``fast`` · ``rbd-fast`` (designs), ``delta`` · ``pawn`` (given
        data: ``n`` Monte Carlo draws), ``oneway`` (P5/P95 tornado; ``n`` unused).
    n
        Base sample size (default :func:`default_n`).
    quantile_range
        Morris: the quantile range on which inputs with an unbounded support are evaluated.
    groups
        Grouped indices by ``Parameter.group`` (Sobol, Morris).
    num_resamples
        Bootstrap resamples for the CIs: default 100 for designs, 50 for δ and PAWN (whose
        bootstrap re-estimates densities/ECDFs for every input; 50 keeps a 20,000-draw analysis
        within seconds).

    Returns
    -------
    xarray.Dataset
        ``value``/``conf`` over ``parameter`` × ``index``, ranked; attrs ``method``, ``target``,
        ``rank_by``, ``n_evaluations`` and the design's metadata.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if groups and method not in ("sobol", "morris"):
        raise ValueError(f"{method} has no grouped indices; use sobol or morris with groups")
    n = default_n(method, params) if n is None else int(n)
    if num_resamples is None and method != "shapley":
        num_resamples = 50 if method in ("delta", "pawn") else 100
    if method == "oneway":
        return flag_independence(oneway_indices(oneway(model, params, target=target)), params)
    if method == "shapley":
        ds = analyse_shapley(model, params, target=target, n=n, seed=seed,
                             num_resamples=200 if num_resamples is None else num_resamples, conf_level=conf_level)
        return _with_groups(ds, params)
    if method in ("delta", "pawn"):
        res = run(model, params, draws=max(n, 1), seed=seed, keep_inputs=True,
                  reduce=lambda out: {"target": extract(out, target)})
        names = params.uncertain
        x = np.column_stack([res.inputs[k] for k in names])
        ds = analyse_given_data(x, res.outputs["target"], names, method=method, target=target,
                                num_resamples=num_resamples, conf_level=conf_level, seed=seed)
        ds.attrs.update(n_evaluations=n, seed=seed)
        return _with_groups(ds, params)
    design = sample(params, method, n, seed=seed, groups=groups, second_order=second_order,  # type: ignore[arg-type]
                    quantile_range=quantile_range)
    y = evaluate_design(model, params, design, target=target)
    ds = _ANALYSE[method](design, y, params, target=target, num_resamples=num_resamples, conf_level=conf_level)
    return flag_independence(_with_groups(ds, params), params)


def flag_independence(ds: xr.Dataset, params: ParameterSet) -> xr.Dataset:
    """Mark a result of a method that draws inputs independently (``INDEPENDENT_METHODS``) when the
    parameters have correlations it ignored: attrs ``inputs_treated_as_independent`` = 1 and the
    ignored ``correlations`` (JSON). With no correlations the attr is 0: nothing was ignored."""
    ignored = [list(c) for c in params.correlations]
    ds.attrs["inputs_treated_as_independent"] = int(bool(ignored))
    ds.attrs["correlations_ignored"] = json.dumps(ignored)
    return ds


def _with_groups(ds: xr.Dataset, params: ParameterSet) -> xr.Dataset:
    """Add the ``group`` coordinate (a group's own name for grouped indices)."""
    names = [str(p) for p in ds["parameter"].values]
    return ds.assign_coords(group=("parameter", [params[p].group if p in params else p for p in names]))


def oneway_indices(ow: xr.Dataset) -> xr.Dataset:
    """A one-way Dataset in the common ``value(parameter, index)`` shape (index ``swing``,
    ``target_low``, ``target_high``), keeping the one-way variables."""
    val = xr.concat([ow["swing"], ow["target_low"], ow["target_high"]], dim="index")
    ds = ow.assign(value=val.assign_coords(index=["swing", "target_low", "target_high"]).transpose())
    ds["conf"] = xr.full_like(ds["value"], np.nan)
    ds.attrs.update(rank_by="swing", plot_indices="swing")
    return ds


def analyse_study(study: Study, *, method: Method = "sobol", n: int | None = None, seed: int | None = None,
                  **kwargs: Any) -> xr.Dataset:
    """:func:`analyse` on a :class:`mkba.Study`. Given-data methods analyse :func:`mkba.simulate`
    (the study's own sampler, default draws and seed unless ``n``/``seed`` are given)."""
    seed = study.spec.simulation.seed if seed is None else seed
    if method in ("delta", "pawn"):
        from ..simulator.results import simulate

        draws = DEFAULT_N[method] if n is None else int(n)
        ds = simulate(study, draws=draws, seed=seed, store="full")
        kw = {k: v for k, v in kwargs.items() if k in ("target", "num_resamples", "conf_level") and v is not None}
        if kwargs.get("groups"):
            raise ValueError(f"{method} has no grouped indices; use sobol or morris with groups")
        res = given_data(ds, method=method, seed=seed, **kw)
        res.attrs["n_evaluations"] = draws
    else:
        res = analyse(study.model, study.parameters, method=method, n=n, seed=seed, **kwargs)
    res.attrs["study"] = study.name
    return res


def _attr_json(ds: xr.Dataset, key: str, default: Any) -> Any:
    v = ds.attrs.get(key)
    return default if v is None else (json.loads(v) if isinstance(v, str) else v)


def method_notes(ds: xr.Dataset) -> list[str]:
    """One-line notes on what a result assumes, for the console (English)."""
    notes = []
    if int(ds.attrs.get("inputs_treated_as_independent", 0)):
        pairs = _attr_json(ds, "correlations_ignored", [])
        notes.append(f"{ds.attrs.get('method', 'this method')} treats the inputs as independent: the study's "
                     f"{len(pairs)} rank correlation(s) are ignored here (use --method shapley, delta or pawn, "
                     "which keep them)")
    if "delta_inert" in ds.attrs and "inert" in ds:
        inert = [str(p) for p, flag in zip(ds["parameter"].values, ds["inert"].values) if flag]
        notes.append(f"an inert input reaches δ = {float(ds.attrs['delta_inert']):.3f} at {int(ds.attrs['draws']):,} "
                     f"draws; not distinguishable from inert: {', '.join(inert) if inert else 'none'}")
    q = _attr_json(ds, "quantile_range", None)
    ranged = _attr_json(ds, "range_inputs", [])
    if q and ranged:
        notes.append(f"the Morris grid is mapped onto each input's P{100 * q[0]:g}–P{100 * q[1]:g} range (not its 0 "
                     "and 1 quantiles, ±7σ for a normal), the same probability step for every input")
    return notes


def _clean(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


def to_json(ds: xr.Dataset) -> dict[str, Any]:
    """The CLI's JSON object: ``{"method", "target", "n_evaluations", "indices", "ranking"}``
    (NaN → null)."""
    idx = [str(i) for i in ds["index"].values]
    indices: dict[str, dict[str, float | None]] = {}
    for p in ds["parameter"].values:
        row = ds["value"].sel(parameter=p).values
        conf = ds["conf"].sel(parameter=p).values
        entry = {k: _clean(v) for k, v in zip(idx, row)}
        entry.update({f"{k}_conf": _clean(c) for k, c in zip(idx, conf) if math.isfinite(c)})
        indices[str(p)] = entry
    out: dict[str, Any] = {
        "method": str(ds.attrs["method"]),
        "target": str(ds.attrs["target"]),
        "n_evaluations": int(ds.attrs["n_evaluations"]),
        "indices": indices,
        "ranking": ranking(ds),
    }
    if "delta_inert" in ds.attrs and "inert" in ds:
        out["delta_inert"] = float(ds.attrs["delta_inert"])
        out["not_distinguishable_from_inert"] = [str(p) for p, f in zip(ds["parameter"].values, ds["inert"].values)
                                                 if f]
    if "inputs_treated_as_independent" in ds.attrs:
        out["inputs_treated_as_independent"] = bool(int(ds.attrs["inputs_treated_as_independent"]))
    if _attr_json(ds, "range_inputs", []):
        out["quantile_range"] = _attr_json(ds, "quantile_range", None)
        out["range_inputs"] = _attr_json(ds, "range_inputs", [])
    return out
