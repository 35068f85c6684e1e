"""The MKBA model of model-spec §7.3 as one pure function, vectorised over the draw axis.

Each output line is an amount per actor (n, actor) times a timing vector over years 0..9; its NPV is the
amount times the discounted timing. No I/O, no randomness, no loops over draws; the only loops run over
the small index sets (household types, severities, trajectory types), which keeps every per-draw result
independent of how many draws are evaluated together (bit-identical for any chunk size).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .domain import (
    ACTORS,
    HOUSEHOLD_TYPES,
    ITEM_KIND,
    ITEMS,
    MUNICIPAL_ACTORS,
    SEVERITIES,
    TRAJECTORY_ACTOR,
    WEST_BETUWE_PROFILE,
    YEARS,
    profile_array,
)

__all__ = ["ModelOptions", "MkbaModel", "block_weights", "DEFAULT_TIMING"]

Array = NDArray[np.float64]
NY = len(YEARS)

# Default timing of lines with a fixed profile over years 0..9 (model-spec §7.3.7). Work, escalation and
# nuisance follow their sampled start/duration instead.
DEFAULT_TIMING: dict[str, tuple[float, ...]] = {
    "null_situation": (1,) + (0,) * 9,
    "additional": (1,) + (0,) * 9,
    "friction": (1,) + (0,) * 9,
    "extra_care": (1,) + (0,) * 9,
    "new_for_old": (1,) + (0,) * 9,  # equals the year-0 cost exactly in every table (§6.6)
    "tailored": (1,) + (0,) * 9,
    "substitution": (1,) + (0,) * 9,
    "consults": (1,) + (0,) * 9,
    "referrals": (1,) + (0,) * 9,
    "debt": (0, 1) + (0,) * 8,
    "quality_of_life": (0.5, 0.5) + (0,) * 8,  # fits 1.4 QALY × €50,000 → €68,200 (§6.12)
    "children": (0,) * 9 + (1,),  # long-term effects lumped in year 9 [FACT 001 §4.4]
}


@dataclass(frozen=True)
class ModelOptions:
    """Structural choices of a study (not sampled): mixes, actor splits, timing, switches."""

    mix_extra_care: Mapping[str, float] = field(default_factory=lambda: {"youth_parenting": 0.5, "individual_guidance": 0.5})
    mix_substitution: Mapping[str, float] = field(default_factory=lambda: {"social_work": 1.0})
    mix_tailored: Mapping[str, float] = field(default_factory=lambda: {"social_work": 1.0})
    tailored_mode: Literal["quantity", "price"] = "quantity"
    funding: Mapping[str, float] = field(default_factory=lambda: {"welzijn": 1.0})
    additional_is_friction: bool = False
    referral_actors: Mapping[str, float] = field(default_factory=lambda: {"zvw": 1.0})
    children_actor: str = "households"
    nuisance_actor: str = "households"
    care_profile: tuple = field(default_factory=lambda: tuple(map(tuple, profile_array(WEST_BETUWE_PROFILE).reshape(-1, 6))))
    timing: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_TIMING))
    discount_combination: Literal["additive", "multiplicative"] = "additive"
    children_rediscount: bool = True

    def profile(self) -> Array:
        return np.asarray(self.care_profile, dtype=float).reshape(len(HOUSEHOLD_TYPES), len(SEVERITIES), 6)


def block_weights(start: Array, duration: Array) -> Array:
    """(n, year) weights: the overlap of year y = [y, y+1) with [start, start + duration).

    A duration of 1.5 from year 1 gives weight 1 in year 1 and 0.5 in year 2 (model-spec §7.3.5)."""
    y = np.arange(NY, dtype=float)
    s = np.asarray(start, dtype=float)[:, None]
    e = s + np.asarray(duration, dtype=float)[:, None]
    return np.clip(np.minimum(e, y + 1) - np.maximum(s, y), 0.0, 1.0)


_AIDX = {a: i for i, a in enumerate(ACTORS)}
_IIDX = {it: i for i, it in enumerate(ITEMS)}
_DOMAIN_ACTOR = np.array([_AIDX[d] for d in ("wi", "wmo", "welzijn", "jeugd", "zvw", "rijk")])
_MUNI = np.array([_AIDX[a] for a in MUNICIPAL_ACTORS])
_COST = np.array([ITEM_KIND[i] == "cost" for i in ITEMS])
_IMMAT = np.array([ITEM_KIND[i] == "immaterial" for i in ITEMS])


class MkbaModel:
    """Callable model ``inputs → outputs`` for one study's options (see :class:`ModelOptions`).

    Outputs per draw: ``npv`` (draw, item, actor), ``cashflow`` (draw, item, year, undiscounted),
    ``costs``, ``benefits``, ``immaterial``, ``saldo``, ``bc_social``, ``bc_financial``,
    ``bc_municipal``, ``municipal_costs``, ``municipal_benefits``.
    """

    def __init__(self, options: ModelOptions | None = None) -> None:
        self.options = options or ModelOptions()
        self._profile_delta = np.diff(self.options.profile(), axis=1)  # (type, step, domain)

    def __call__(self, x: Mapping[str, Array], /) -> dict[str, Array]:
        o = self.options
        n = len(x["reach.n_households"])
        amount = np.zeros((n, len(ITEMS), len(ACTORS)))  # annual amount per line and actor
        timing = np.zeros((n, len(ITEMS), NY))  # timing weights per line
        dfac = np.ones((n, len(ITEMS)))  # discounted timing Σ_y w_y DF_y per line

        r_real, r_prem = x["finance.discount_rate_real"], x["finance.risk_premium"]
        rate = r_real + r_prem if o.discount_combination == "additive" else (1 + r_real) * (1 + r_prem) - 1
        df = (1.0 + rate)[:, None] ** -np.arange(NY, dtype=float)  # (n, year)

        def put(item: str, per_actor: Mapping[str, Array] | Array, w: Array | tuple[float, ...]) -> None:
            i = _IIDX[item]
            if isinstance(per_actor, Mapping):
                for a, v in per_actor.items():
                    amount[:, i, _AIDX[a]] += v
            else:
                amount[:, i, :] += per_actor
            w = np.broadcast_to(np.asarray(w, dtype=float), (n, NY))
            timing[:, i, :] = w
            dfac[:, i] = (w * df).sum(axis=1)

        # --- A. reach (§7.3.1) ---
        nh = x["reach.n_households"]
        n_hh = np.empty((n, len(HOUSEHOLD_TYPES), len(SEVERITIES)))
        for ti, t in enumerate(HOUSEHOLD_TYPES):
            for si, s in enumerate(SEVERITIES):
                n_hh[:, ti, si] = nh * x[f"reach.share_type.{t}"] * x[f"reach.share_severity.{t}.{s}"]
        n_new = nh * x["reach.share_newly_found"]
        n_existing = nh - n_new
        n_mv = n_hh[:, :, 1] + n_hh[:, :, 2]

        # --- B. costs (§7.3.2) ---
        team_cost = x["costs.team_fte"] * x["costs.cost_per_fte"] + x["costs.other_team_costs"]
        additional = team_cost * x["costs.additional_share"]
        cost_null = team_cost - additional
        friction = x["costs.friction_share"] * team_cost + x["costs.one_off_costs"]
        if o.additional_is_friction:
            friction = friction + additional
        else:
            put("additional", {a: additional * s for a, s in o.funding.items()}, o.timing["additional"])
        put("null_situation", {a: cost_null * s for a, s in o.funding.items()}, o.timing["null_situation"])
        put("friction", {a: friction * s for a, s in o.funding.items()}, o.timing["friction"])

        # --- trajectories (§7.3.3): count × Σ_k mix_k price_k, split by the budget that pays type k ---
        def by_actor(count: Array, mix: Mapping[str, float]) -> dict[str, Array]:
            out: dict[str, Array] = {}
            for k, share in mix.items():
                a = TRAJECTORY_ACTOR[k]
                v = count * (share * x[f"prices.trajectory.{k}"])
                out[a] = out[a] + v if a in out else v
            return out

        extra = n_new * x["costs.extra_care.new_cases"] + n_existing * x["costs.extra_care.existing_cases"]
        put("extra_care", by_actor(extra, o.mix_extra_care), o.timing["extra_care"])
        subst = n_new * x["effects.substitution.new_cases"] + n_existing * x["effects.substitution.existing_cases"]
        put("substitution", by_actor(subst, o.mix_substitution), o.timing["substitution"])
        if o.tailored_mode == "quantity":
            tail = n_new * x["effects.tailored.new_cases"] + n_existing * x["effects.tailored.existing_cases"]
            put("tailored", by_actor(tail, o.mix_tailored), o.timing["tailored"])
        else:  # price mode (West Betuwe): eligible trajectories × cost reduction × average cost
            saving = (
                x["effects.tailored.eligible_trajectories"]
                * x["effects.tailored.cost_reduction"]
                * x["prices.average_trajectory"]
            )
            split: dict[str, Array] = {}
            for k, share in o.mix_tailored.items():
                a = TRAJECTORY_ACTOR[k]
                split[a] = split.get(a, 0.0) + saving * share
            put("tailored", split, o.timing["tailored"])
        put("new_for_old", {a: cost_null * s for a, s in o.funding.items()}, o.timing["new_for_old"])

        # --- effectiveness (§7.3.4): work, debts, consults, referrals, one line with several timings ---
        no_work = sum(n_mv[:, ti] * x[f"reach.share_no_work_mv.{t}"] for ti, t in enumerate(HOUSEHOLD_TYPES))
        to_work = no_work * x["effects.work.p_to_work"]
        w_work = block_weights(x["effects.work.start_year"], x["effects.work.benefit_years"])
        debts = sum(n_mv[:, ti] * x[f"reach.share_debts_mv.{t}"] for ti, t in enumerate(HOUSEHOLD_TYPES))
        stable = debts * x["effects.debt.p_stable"]
        parts = [  # (actor, annual amount, timing)
            ("wi", to_work * x["prices.assistance_saving"], w_work),
            ("households", to_work * x["prices.income_gain"], w_work),
            ("wi", stable * x["prices.debt_saving"], np.asarray(o.timing["debt"], float)),
            ("zvw", -x["effects.consults.change"] * x["effects.consults.base_volume"] * x["prices.first_line_consult"],
             np.asarray(o.timing["consults"], float)),
        ]
        ref = -x["effects.referrals.change"] * x["effects.referrals.base_volume"] * x["prices.second_line_referral"]
        for a, s in o.referral_actors.items():
            parts.append((a, ref * s, np.asarray(o.timing["referrals"], float)))
        ie = _IIDX["effectiveness"]
        for a, v, w in parts:
            w = np.broadcast_to(w, (n, NY))
            amount[:, ie, _AIDX[a]] += v * (w * df).sum(axis=1)  # stored already discounted
            timing[:, ie, :] += v[:, None] * w  # cash per year, added below as absolute amounts
        dfac[:, ie] = 1.0

        # --- prevented escalation (§7.3.5): a one-class step up the profile, per type and class ---
        delta = self._profile_delta  # (type, step, domain)
        esc_dom = np.zeros((n, delta.shape[2]))
        for ti, t in enumerate(HOUSEHOLD_TYPES):
            rate_t = x[f"effects.escalation.rate.{t}"]
            for si in range(delta.shape[1]):
                hh = n_hh[:, ti, si] * rate_t
                for di in range(delta.shape[2]):
                    if delta[ti, si, di] != 0.0:
                        esc_dom[:, di] += hh * delta[ti, si, di]
        net = x["effects.escalation.attribution"] * (1.0 - x["effects.escalation.relapse"]) * x["prices.care_profile_factor"]
        w_esc = block_weights(x["effects.escalation.start_year"], x["effects.escalation.duration_years"])
        put("escalation", {d: esc_dom[:, di] * net for di, d in enumerate(("wi", "wmo", "welzijn", "jeugd", "zvw", "rijk"))}, w_esc)

        # --- immaterial (§7.3.6) ---
        youths = nh * x["reach.share_type.families"] * x["reach.avg_children_per_family"] * x["effects.school.p_dropout_reduction"]
        put("children", {o.children_actor: youths * x["prices.school_qualification"]}, o.timing["children"])
        if not o.children_rediscount:  # the €70,000 is already a lifetime NPV: count it at face value
            dfac[:, _IIDX["children"]] = 1.0
        put("quality_of_life", {"households": x["effects.quality_of_life.qalys"] * x["prices.qaly_value"]},
            o.timing["quality_of_life"])
        put("nuisance", {o.nuisance_actor: x["effects.nuisance.households"] * x["prices.nuisance_per_household"]}, w_esc)

        # --- NPV, cash flows, totals and ratios (§7.3.7–7.3.8) ---
        npv = amount * dfac[:, :, None]
        cash = amount.sum(axis=2)[:, :, None] * timing
        cash[:, ie, :] = timing[:, ie, :]
        return {"npv": npv, "cashflow": cash, **totals(npv)}


def totals(npv: Array) -> dict[str, Array]:
    """Totals and the three ratios of model-spec §6.2–6.4 from npv (draw, item, actor)."""
    per_item = npv.sum(axis=2)
    costs = per_item[:, _COST].sum(axis=1)
    benefits = per_item[:, ~_COST].sum(axis=1)
    immaterial = per_item[:, _IMMAT].sum(axis=1)
    muni = npv[:, :, _MUNI].sum(axis=2)
    m_costs = muni[:, _COST].sum(axis=1)
    m_benefits = muni[:, ~_COST].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "costs": costs,
            "benefits": benefits,
            "immaterial": immaterial,
            "saldo": benefits - costs,
            "bc_social": benefits / costs,
            "bc_financial": (benefits - immaterial) / costs,
            "municipal_costs": m_costs,
            "municipal_benefits": m_benefits,
            "bc_municipal": np.where(m_costs > 0, m_benefits / np.where(m_costs > 0, m_costs, 1.0), np.nan),
        }
