"""The study's what-if scenarios side by side with the run (plain data for the report and the workbook).

One set of numbers: the base row is the run itself, and every scenario is computed on the run's own draws
(same seed, sampler and draw numbers: common random numbers), so the headline interval and the base row
are the same figures. Above ``SCENARIO_DRAWS`` draws the scenarios use the run's first ``SCENARIO_DRAWS``
draws, and the rows say so (``draws`` < ``run_draws``).

The scenarios' own draws need only the study and the seed (:func:`scenario_draws`, a module-level
function): a helper process can compute them while the run itself simulates, and hand them to
:func:`scenario_comparison` (``runs=``), which then only computes the rows."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from .summary import prob_above

if TYPE_CHECKING:
    from ..simulator.study import Study

__all__ = ["scenario_comparison", "scenario_draws", "SCENARIO_DRAWS"]

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


def scenario_draws(study: Study, draws: int, seed: int, sampler: str = "mc", own: str = "base",
                   limit: int = SCENARIO_DRAWS) -> dict[str, Any]:
    """The per-draw saldo and social B/C (and their base cases) of the base and every named scenario of
    ``study`` (the study as written) except ``own``, the run's own scenario, on the first
    ``min(draws, limit)`` of a run's ``draws`` draws of ``seed`` and ``sampler`` (common random numbers with
    the run). Only the study and the seed are needed: a helper process can compute this while the run
    simulates and hand it to :func:`scenario_comparison` (``runs=``); a few MB at 200,000 draws."""
    from ..simulator.engine import run
    from ..simulator.results import base_case, stored_model

    n = min(int(draws), int(limit))
    runs: dict[str, dict[str, Any]] = {}
    for name in ["base", *study.scenarios]:
        if name == own:
            continue
        s = study.scenario(name)
        model, _ = stored_model(s, "lean")  # the model simulate() runs; only the two totals are kept
        res = run(model, s.parameters, draws=n, seed=seed, sampler=sampler, chunk_size=s.spec.simulation.chunk_size,
                  reduce=_saldo_and_bc, keep_inputs=False)
        base = base_case(s)
        runs[name] = {"saldo": res.outputs["saldo"], "bc_social": res.outputs["bc_social"],
                      "base_saldo": float(base["saldo"][0]), "base_bc_social": float(base["bc_social"][0])}
    return {"study_hash": study.content_hash, "draws": n, "seed": int(seed), "sampler": str(sampler), "own": own,
            "runs": runs}


def _saldo_and_bc(out: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"saldo": out["saldo"], "bc_social": out["bc_social"]}


def _of_run(study: Study, ds: xr.Dataset, draws: int) -> dict[str, Any]:
    """What :func:`scenario_draws` is called with for the run ``ds``."""
    return {"draws": min(int(draws), int(ds.attrs.get("draws", ds.sizes["draw"]))), "seed": int(ds.attrs.get("seed", 0)),
            "sampler": str(ds.attrs.get("sampler", "mc")), "own": str(ds.attrs.get("scenario", "base"))}


def scenario_comparison(study: Study, ds: xr.Dataset, draws: int = SCENARIO_DRAWS,
                        runs: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The base and every named scenario of ``study`` on the run's draws; the run ``ds`` itself is the row
    of its own scenario (usually the base). ``runs``: :func:`scenario_draws` of this study and run, if
    already computed (anything else, e.g. of another seed, is not used: the scenarios are run here)."""
    run_draws = int(ds.attrs.get("draws", ds.sizes["draw"]))
    want = _of_run(study, ds, draws)
    if runs is None or any(runs.get(k) != v for k, v in want.items()) or runs.get("study_hash") != study.content_hash:
        runs = scenario_draws(study, run_draws, want["seed"], want["sampler"], want["own"], limit=draws)
    n, own = want["draws"], want["own"]
    own_row = {"saldo": ds["saldo"].values, "bc_social": ds["bc_social"].values,
               "base_saldo": float(ds["base_saldo"]), "base_bc_social": float(ds["base_bc_social"])}
    rows_of = {name: (own_row, run_draws) if name == own else (runs["runs"][name], n)
               for name in ["base", *study.scenarios]}
    base_run = rows_of["base"][0]
    ref, ref_base = base_run["saldo"][:n], base_run["base_saldo"]
    rows = []
    for name, (r, k) in rows_of.items():
        rows.append(_row(name, study.scenario_title(name) if name != "base" else "", r["saldo"], r["bc_social"],
                         r["base_saldo"], r["base_bc_social"], ref, ref_base, k, run_draws))
    return rows
