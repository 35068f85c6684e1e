"""Morris elementary effects: μ, μ* and σ (screening), with a bootstrap CI on μ*.

The trajectories move on a grid of the inputs' *quantiles* (the design is on [0, 1]^k and goes
through ``ppf``), so an elementary effect is the change of the target per step of
``num_levels / (2 (num_levels − 1))`` in probability, comparable across inputs with any units. The
grid includes 0 and 1, where an input with an unbounded support (normal, lognormal) sits at ±7σ: the
grid is mapped onto each input's quantile range (default P0.5–P99.5,
:data:`mkba.sensitivity.designs.QUANTILE_RANGE`), so a lognormal factor is not ranked by its values at
±7σ and every elementary step is the same step in probability (0.99 Δ) for every input.

References
----------
Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
*Technometrics* 33(2), 161–174. doi:10.1080/00401706.1991.10484804
Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective screening design for sensitivity
analysis of large models. *Environ. Model. Softw.* 22(10), 1509–1518 (μ*).
doi:10.1016/j.envsoft.2006.10.004
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from ..simulator.parameters import ParameterSet
from ._result import check_outputs, indices_dataset
from .designs import _unique, check_design, design_json, problem

__all__ = ["analyse_morris"]


def analyse_morris(
    design: xr.Dataset,
    y: ArrayLike,
    params: ParameterSet,
    *,
    target: str = "saldo",
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int | None = None,
) -> xr.Dataset:
    """Morris indices ``mu``, ``mu_star``, ``sigma`` (and ``mu_star_conf``), ranked by ``mu_star``.

    For a grouped design, ``mu_star`` is per group; ``mu`` and ``sigma`` are NaN for groups of
    several inputs (not defined there; Campolongo et al. 2007).
    """
    from SALib.analyze import morris

    meta = check_design(design, params, "morris")
    y = check_outputs(y, meta["n_runs"], target)
    grouped = meta["groups"] is not None
    prob = problem(params, groups=grouped)
    names = _unique(prob["groups"]) if grouped else prob["names"]
    if meta["n_runs"] != meta["n"] * (len(names) + 1):
        raise ValueError(f"morris design with {meta['n']} trajectories should have "
                         f"{meta['n'] * (len(names) + 1)} runs, has {meta['n_runs']}")
    with np.errstate(divide="ignore", invalid="ignore"):
        si = morris.analyze(prob, design["u"].values, y, num_resamples=num_resamples, conf_level=conf_level,
                            num_levels=int(meta["num_levels"]), seed=meta["seed"] if seed is None else seed)
    mu = np.asarray(si["mu"], dtype=float)
    sigma = np.asarray(si["sigma"], dtype=float)
    if grouped:  # μ (signed) is undefined for a group of several inputs; SALib marks those σ NaN
        mu = np.where(np.isnan(sigma), np.nan, mu)
    return indices_dataset(
        names, {"mu_star": si["mu_star"], "mu": mu[: len(names)], "sigma": sigma[: len(names)]},
        {"mu_star": si["mu_star_conf"]}, method="morris", target=target, rank_by="mu_star",
        n_evaluations=meta["n_runs"], plot=["mu_star", "sigma"],
        attrs={"n": meta["n"], "seed": meta["seed"], "design": design_json(meta),
               "grouped": int(grouped), "num_levels": meta["num_levels"],
               "conf_level": conf_level,
               # the grid was mapped onto this quantile range of every input, not their 0 and 1
               "quantile_range": meta["quantile_range"], "range_inputs": meta["range_inputs"]},
    )
