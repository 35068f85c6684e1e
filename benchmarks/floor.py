"""The floor: the least work a Monte Carlo saldo of a study can cost, to judge mkba's figures against.

Seeded uniforms (one generator, one call per block), the study's inverse CDFs (with its rank-correlation
copula), and saldo written out by hand in numpy for the study's options: only the totals, no per-actor
cells, lines, cash flows, ratios, files or summaries. It computes the same saldo as ``study.model``
(checked in the harness), so "mkba run ÷ floor" says what everything around the arithmetic costs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
BLOCK = 65_536  # the engine's block: the floor gets the same cache-friendly chunks
HOUSEHOLD_TYPES = ("families", "elderly", "other")
SEVERITIES = ("ev", "mv_zr", "mv_nzr", "top")
NY = 10


def saldo(x: Mapping[str, Array], o: Any) -> Array:
    """Benefits − costs per draw, straight from the formulas of model-spec §7.3 (``o``: ModelOptions)."""
    years = np.arange(NY, dtype=float)
    rate = (x["finance.discount_rate_real"] + x["finance.risk_premium"] if o.discount_combination == "additive"
            else (1 + x["finance.discount_rate_real"]) * (1 + x["finance.risk_premium"]) - 1)
    df = (1.0 + rate[:, None]) ** -years  # (n, year)
    fixed_df = bool(np.all(rate == rate[0]))
    df0 = df[0] if fixed_df else None

    def disc(w: Array) -> Array | float:
        w = np.asarray(w, dtype=float)
        if w.ndim == 1:
            return float(w @ df0) if fixed_df else df @ w
        return (w * (df0 if fixed_df else df)).sum(axis=1)  # w: (n, year)

    def blocks(start: Array, duration: Array) -> Array:  # (n, year): overlap of [s, s + d) with year y
        s = start[:, None]
        return np.clip(np.minimum(s + duration[:, None], years + 1) - np.maximum(s, years), 0.0, 1.0)

    t = {k: np.asarray(v, dtype=float) for k, v in o.timing.items()}
    # shares (mixes, actor splits) are inputs of the study (fixed or Dirichlet); the options name their keys
    price = lambda path, keys: sum(x[f"{path}.mix.{k}"] * x[f"prices.trajectory.{k}"] for k in keys)  # noqa: E731
    fund = sum(x[f"costs.funding.{a}"] for a in o.funding)

    nh = x["reach.n_households"]
    share = {(ty, sv): x[f"reach.share_type.{ty}"] * x[f"reach.share_severity.{ty}.{sv}"]
             for ty in HOUSEHOLD_TYPES for sv in SEVERITIES}
    n_new = nh * x["reach.share_newly_found"]
    n_old = nh - n_new

    # costs
    team = x["costs.team_fte"] * x["costs.cost_per_fte"] + x["costs.other_team_costs"]
    additional = team * x["costs.additional_share"]
    null = team - additional
    friction = x["costs.friction_share"] * team + x["costs.one_off_costs"]
    costs = null * fund * disc(t["null_situation"])
    if o.additional_is_friction:
        friction = friction + additional
    else:
        costs = costs + additional * fund * disc(t["additional"])
    costs = costs + friction * fund * disc(t["friction"])
    costs = costs + (n_new * x["costs.extra_care.new_cases"] + n_old * x["costs.extra_care.existing_cases"]) \
        * price("costs.extra_care", o.mix_extra_care) * disc(t["extra_care"])

    # benefits
    b = null * fund * disc(t["new_for_old"])
    b = b + (n_new * x["effects.substitution.new_cases"] + n_old * x["effects.substitution.existing_cases"]) \
        * price("effects.substitution", o.mix_substitution) * disc(t["substitution"])
    if o.tailored_mode == "quantity":
        b = b + (n_new * x["effects.tailored.new_cases"] + n_old * x["effects.tailored.existing_cases"]) \
            * price("effects.tailored", o.mix_tailored) * disc(t["tailored"])
    else:
        b = b + x["effects.tailored.eligible_trajectories"] * x["effects.tailored.cost_reduction"] \
            * x["prices.average_trajectory"] * sum(x[f"effects.tailored.mix.{k}"] for k in o.mix_tailored) \
            * disc(t["tailored"])
    mv = {ty: nh * (share[ty, "mv_zr"] + share[ty, "mv_nzr"]) for ty in HOUSEHOLD_TYPES}
    to_work = sum(mv[ty] * x[f"reach.share_no_work_mv.{ty}"] for ty in HOUSEHOLD_TYPES) * x["effects.work.p_to_work"]
    b = b + to_work * (x["prices.assistance_saving"] + x["prices.income_gain"]) \
        * disc(blocks(x["effects.work.start_year"], x["effects.work.benefit_years"]))
    stable = sum(mv[ty] * x[f"reach.share_debts_mv.{ty}"] for ty in HOUSEHOLD_TYPES) * x["effects.debt.p_stable"]
    b = b + stable * x["prices.debt_saving"] * disc(t["debt"])
    b = b - x["effects.consults.change"] * x["effects.consults.base_volume"] * x["prices.first_line_consult"] \
        * disc(t["consults"])
    b = b - x["effects.referrals.change"] * x["effects.referrals.base_volume"] * x["prices.second_line_referral"] \
        * sum(x[f"effects.referrals.actors.{a}"] for a in o.referral_actors) * disc(t["referrals"])
    # prevented escalation: per type, households escalating × Σ_severity share × profile step (all domains)
    delta = np.diff(o.profile(), axis=1).sum(axis=2)  # (type, step)
    esc = sum(nh * x[f"effects.escalation.rate.{ty}"]
              * sum(share[ty, SEVERITIES[s]] * delta[ti, s] for s in range(delta.shape[1]))
              for ti, ty in enumerate(HOUSEHOLD_TYPES))
    w_esc = disc(blocks(x["effects.escalation.start_year"], x["effects.escalation.duration_years"]))
    b = b + esc * x["effects.escalation.attribution"] * (1.0 - x["effects.escalation.relapse"]) \
        * x["prices.care_profile_factor"] * w_esc
    youths = nh * x["reach.share_type.families"] * x["reach.avg_children_per_family"] \
        * x["effects.school.p_dropout_reduction"]
    b = b + youths * x["prices.school_qualification"] * (disc(t["children"]) if o.children_rediscount else 1.0)
    b = b + x["effects.quality_of_life.qalys"] * x["prices.qaly_value"] * disc(t["quality_of_life"])
    b = b + x["effects.nuisance.households"] * x["prices.nuisance_per_household"] * w_esc
    return b - costs


def run(study: Any, draws: int, seed: int) -> Array:
    """Saldo of ``draws`` draws, block by block, one thread."""
    params, options = study.parameters, study.options
    names = params.uncertain
    rng = np.random.default_rng(seed)
    out = np.empty(draws)
    for lo in range(0, draws, BLOCK):
        n = min(BLOCK, draws - lo)
        u = rng.random((len(names), n))
        # The study's inverse CDFs and copula; fixed inputs as full arrays (the hand-written saldo indexes
        # every input, so it pays for none of the engine's zero-stride tricks).
        x = {k: np.broadcast_to(v, (n,)) for k, v in params.inputs_from_uniforms(dict(zip(names, u)), n).items()}
        out[lo:lo + n] = saldo(x, options)
    return out


def measure(study: Any, draws: int, seed: int, repeats: int) -> dict[str, Any]:
    """Best wall and CPU time of the floor, and its agreement with ``study.model`` on the same inputs."""
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        run(study, draws, seed)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    # Same inputs through the real model: the floor must compute the same saldo, else it floors nothing.
    params = study.parameters
    n = min(draws, BLOCK)
    u = np.random.default_rng(seed).random((len(params.uncertain), n))
    x = params.inputs_from_uniforms(dict(zip(params.uncertain, u)), n)
    ref = study.model(x)["saldo"]
    got = saldo({k: np.broadcast_to(v, (n,)) for k, v in x.items()}, study.options)
    rel = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
    return {"draws": draws, "repeats": repeats, "seconds": min(walls), "cpu_s": min(cpus),
            "seconds_per_million": min(walls) / draws * 1e6, "max_rel_diff_vs_model": rel,
            "what": "seeded uniforms + the study's inverse CDFs and copula + hand-written numpy saldo, 1 thread"}
