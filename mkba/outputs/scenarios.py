"""The study's what-if scenarios side by side with the run (plain data for the report and the workbook).

One set of numbers: the base row is the run itself, and every scenario is computed on the run's own draws
(same seed, sampler and draw numbers: common random numbers), so the headline interval and the base row
are the same figures. Above ``SCENARIO_DRAWS`` draws the scenarios use the run's first ``SCENARIO_DRAWS``
draws, and the rows say so (``draws`` < ``run_draws``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from .summary import prob_above

if TYPE_CHECKING:
    from ..simulator.study import Study

__all__ = ["scenario_comparison", "SCENARIO_DRAWS"]

SCENARIO_DRAWS = 200_000  # at most this many draws per scenario (the default run has 20,000)


def _q(v: np.ndarray) -> tuple[float, float, float]:
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan,) * 3
    a, b, c = np.quantile(v, (0.05, 0.5, 0.95))
    return float(a), float(b), float(c)


def _row(name: str, title: str, saldo: np.ndarray, bc: np.ndarray, base_saldo: float, base_bc: float,
         ref: np.ndarray, ref_base: float, draws: int, run_draws: int) -> dict[str, Any]:
    s5, s50, s95 = _q(saldo)
    b5, b50, b95 = _q(bc)
    d5, d50, d95 = _q(saldo[: len(ref)] - ref) if name != "base" else (0.0, 0.0, 0.0)
    return {"name": name, "title": title, "draws": draws, "run_draws": run_draws, "base_saldo": base_saldo,
            "saldo_p5": s5, "saldo_p50": s50, "saldo_p95": s95, "bc_p5": b5, "bc_p50": b50, "bc_p95": b95,
            "base_bc_social": base_bc, "p_bc_gt_1": prob_above(bc, 1.0), "delta_base": base_saldo - ref_base,
            "delta_p5": d5, "delta_p50": d50, "delta_p95": d95}


def scenario_comparison(study: Study, ds: xr.Dataset, draws: int = SCENARIO_DRAWS) -> list[dict[str, Any]]:
    """The base and every named scenario of ``study`` on the run's draws; the run ``ds`` itself is the row
    of its own scenario (usually the base)."""
    from ..simulator.results import simulate

    run_draws = int(ds.attrs.get("draws", ds.sizes["draw"]))
    n = min(int(draws), run_draws)
    seed, sampler = int(ds.attrs.get("seed", 0)), str(ds.attrs.get("sampler", "mc"))
    own = str(ds.attrs.get("scenario", "base"))

    def result(name: str) -> tuple[xr.Dataset, int]:
        if name == own:
            return ds, run_draws
        return simulate(study.scenario(name), draws=n, seed=seed, sampler=sampler, store="lean"), n

    runs = {name: result(name) for name in ["base", *study.scenarios]}
    base_ds = runs["base"][0]
    ref, ref_base = base_ds["saldo"].values[:n], float(base_ds["base_saldo"])
    rows = []
    for name, (r, k) in runs.items():
        rows.append(_row(name, study.scenario_title(name) if name != "base" else "", r["saldo"].values,
                         r["bc_social"].values, float(r["base_saldo"]), float(r["base_bc_social"]), ref, ref_base,
                         k, run_draws))
    return rows
