"""Fourier amplitude sensitivity test: extended FAST (S1, ST) and RBD-FAST (S1, given a Latin
hypercube), with bootstrap CIs as in SALib.

References
----------
Cukier, R. I., Fortuin, C. M., Shuler, K. E., Petschek, A. G., Schaibly, J. H. (1973). Study of the
sensitivity of coupled reaction systems to uncertainties in rate coefficients. *J. Chem. Phys.* 59,
3873–3878. doi:10.1063/1.1680571
Saltelli, A., Tarantola, S., Chan, K. P.-S. (1999). A quantitative model-independent method for
global sensitivity analysis of model output. *Technometrics* 41(1), 39–56 (extended FAST).
doi:10.1080/00401706.1999.10485594
Tarantola, S., Gatelli, D., Mara, T. A. (2006). Random balance designs for the estimation of first
order global sensitivity indices. *Reliab. Eng. Syst. Saf.* 91(6), 717–727.
doi:10.1016/j.ress.2005.06.003
Plischke, E. (2010). An effective algorithm for computing global sensitivity indices (EASI).
*Reliab. Eng. Syst. Saf.* 95(4), 354–360 (RBD-FAST bias correction). doi:10.1016/j.ress.2009.11.005
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from ..simulator.parameters import ParameterSet
from ._result import check_outputs, indices_dataset
from .designs import check_design, design_json, problem

__all__ = ["analyse_fast", "analyse_rbd_fast"]


def analyse_fast(
    design: xr.Dataset,
    y: ArrayLike,
    params: ParameterSet,
    *,
    target: str = "saldo",
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int | None = None,
) -> xr.Dataset:
    """Extended FAST first-order and total indices of a ``sample(..., "fast", ...)`` design."""
    from SALib.analyze import fast

    meta = check_design(design, params, "fast")
    y = check_outputs(y, meta["n_runs"], target)
    prob = problem(params)
    if meta["n_runs"] != meta["n"] * prob["num_vars"]:
        raise ValueError(f"fast design with n = {meta['n']} should have {meta['n'] * prob['num_vars']} runs, "
                         f"has {meta['n_runs']}")
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        # SALib warns that bootstrap CIs of FAST are indicative only (SALib issue 649); the result's
        # attr ``conf_note`` says so instead of a warning on every call.
        warnings.filterwarnings("ignore", message="FAST confidence intervals")
        si = fast.analyze(prob, y, M=int(meta["M"]), num_resamples=num_resamples, conf_level=conf_level,
                          seed=meta["seed"] if seed is None else seed)
    return indices_dataset(
        prob["names"], {"S1": si["S1"], "ST": si["ST"]}, {"S1": si["S1_conf"], "ST": si["ST_conf"]},
        method="fast", target=target, rank_by="ST", n_evaluations=meta["n_runs"], plot=["S1", "ST"],
        attrs={"n": meta["n"], "seed": meta["seed"], "design": design_json(meta),
               "M": meta["M"], "conf_level": conf_level,
               "conf_note": "bootstrap CIs of FAST are indicative only (SALib issue 649)"},
    )


def analyse_rbd_fast(
    design: xr.Dataset,
    y: ArrayLike,
    params: ParameterSet,
    *,
    target: str = "saldo",
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int | None = None,
) -> xr.Dataset:
    """RBD-FAST first-order indices (bias-corrected) of a ``sample(..., "rbd-fast", ...)`` design."""
    from SALib.analyze import rbd_fast

    meta = check_design(design, params, "rbd-fast")
    y = check_outputs(y, meta["n_runs"], target)
    prob = problem(params)
    with np.errstate(divide="ignore", invalid="ignore"):
        si = rbd_fast.analyze(prob, design["u"].values, y, M=int(meta["M"]), num_resamples=num_resamples,
                              conf_level=conf_level, seed=meta["seed"] if seed is None else seed)
    return indices_dataset(
        prob["names"], {"S1": si["S1"]}, {"S1": si["S1_conf"]}, method="rbd-fast", target=target,
        rank_by="S1", n_evaluations=meta["n_runs"],
        attrs={"n": meta["n"], "seed": meta["seed"], "design": design_json(meta),
               "M": meta["M"], "conf_level": conf_level},
    )
