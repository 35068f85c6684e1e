"""Variance-based (Sobol') indices from a Saltelli design: S1, ST, optionally S2, with bootstrap CIs.

Estimators as in SALib 1.6: first order by Saltelli et al. (2010, table 2 (b)), total order by
Jansen (1999); confidence intervals from ``num_resamples`` bootstrap resamples of the base rows.
Grouped designs give one index per group (Sobol' 2001; SALib's ``groups``).

References
----------
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their Monte
Carlo estimates. *Math. Comput. Simul.* 55, 271–280. doi:10.1016/S0378-4754(00)00270-6
Jansen, M. J. W. (1999). Analysis of variance designs for model output. *Comput. Phys. Commun.*
117, 35–43. doi:10.1016/S0010-4655(98)00154-4
Saltelli, A. et al. (2010). *Comput. Phys. Commun.* 181(2), 259–270. doi:10.1016/j.cpc.2009.09.018
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from ..simulator.parameters import ParameterSet
from ._result import check_outputs, indices_dataset
from .designs import _unique, check_design, design_json, problem

__all__ = ["analyse_sobol"]


def analyse_sobol(
    design: xr.Dataset,
    y: ArrayLike,
    params: ParameterSet,
    *,
    target: str = "saldo",
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int | None = None,
) -> xr.Dataset:
    """Sobol' indices of ``y`` (the target at every run of a ``sample(..., "sobol", ...)`` design).

    Returns
    -------
    xarray.Dataset
        ``value``/``conf`` over ``parameter`` (inputs, or groups for a grouped design) × ``index``
        (``S1``, ``ST``), ranked by ``ST``; with second order also ``S2``/``S2_conf`` over
        (``parameter``, ``parameter2``).
    """
    from SALib.analyze import sobol

    meta = check_design(design, params, "sobol")
    y = check_outputs(y, meta["n_runs"], target)
    grouped = meta["groups"] is not None
    prob = problem(params, groups=grouped)
    names = _unique(prob["groups"]) if grouped else prob["names"]
    k = len(names)
    expected = meta["n"] * (2 * k + 2 if meta["second_order"] else k + 2)
    if meta["n_runs"] != expected:
        raise ValueError(f"sobol design with n = {meta['n']} and {k} inputs/groups should have {expected} runs, "
                         f"has {meta['n_runs']}")
    with np.errstate(divide="ignore", invalid="ignore"):
        si = sobol.analyze(prob, y, calc_second_order=meta["second_order"], num_resamples=num_resamples,
                           conf_level=conf_level, seed=meta["seed"] if seed is None else seed)
    ds = indices_dataset(
        names, {"S1": si["S1"], "ST": si["ST"]}, {"S1": si["S1_conf"], "ST": si["ST_conf"]},
        method="sobol", target=target, rank_by="ST", n_evaluations=meta["n_runs"], plot=["S1", "ST"],
        attrs={"n": meta["n"], "seed": meta["seed"], "design": design_json(meta),
               "grouped": int(grouped), "conf_level": conf_level,
               "num_resamples": num_resamples, "second_order": int(meta["second_order"])},
    )
    if meta["second_order"]:
        pos = {n: i for i, n in enumerate(names)}
        order = [pos[p] for p in ds["parameter"].values]
        s2 = np.asarray(si["S2"])[np.ix_(order, order)]
        s2c = np.asarray(si["S2_conf"])[np.ix_(order, order)]
        ds["S2"] = (("parameter", "parameter2"), s2)
        ds["S2_conf"] = (("parameter", "parameter2"), s2c)
        ds = ds.assign_coords(parameter2=ds["parameter"].values)
    return ds
