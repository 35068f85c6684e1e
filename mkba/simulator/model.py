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


def _scalar(a: Array) -> float | None:
    """The value of an input that is the same for every draw (a zero-stride view), else None."""
    a = np.asarray(a)
    if a.ndim == 1 and (a.strides == (0,) or len(a) == 1):
        return float(a[0])
    return None


def _value(a: Array) -> Array | float:
    """A fixed input as a plain number (cheap arithmetic), a varying one as it is."""
    v = _scalar(a)
    return a if v is None else v


def block_weights(start: Array, duration: Array) -> Array:
    """(year, n) weights: the overlap of year y = [y, y+1) with [start, start + duration); (year,)
    when both are fixed. A duration of 1.5 from year 1 gives weight 1 in year 1 and 0.5 in year 2
    (model-spec §7.3.5)."""
    s0, d0 = _scalar(start), _scalar(duration)
    if s0 is not None and d0 is not None:
        y = np.arange(NY, dtype=float)
        return np.clip(np.minimum(s0 + d0, y + 1) - np.maximum(s0, y), 0.0, 1.0)
    y = np.arange(NY, dtype=float)[:, None]
    s = np.asarray(start, dtype=float)[None, :]
    e = s + np.asarray(duration, dtype=float)[None, :]
    return np.clip(np.minimum(e, y + 1) - np.maximum(s, y), 0.0, 1.0)


_AIDX = {a: i for i, a in enumerate(ACTORS)}
_IIDX = {it: i for i, it in enumerate(ITEMS)}
_PROFILE_DOMAINS = ("wi", "wmo", "welzijn", "jeugd", "zvw", "rijk")
_MUNI = np.array([_AIDX[a] for a in MUNICIPAL_ACTORS])
_MUNI_SET = frozenset(int(a) for a in _MUNI)
_COST = np.array([i for i, it in enumerate(ITEMS) if ITEM_KIND[it] == "cost"])
_COST_SET = frozenset(int(i) for i in _COST)
_BENEFIT = np.array([i for i, it in enumerate(ITEMS) if ITEM_KIND[it] != "cost"])
_IMMAT = np.array([i for i, it in enumerate(ITEMS) if ITEM_KIND[it] == "immaterial"])
_FINANCIAL = np.array([i for i, it in enumerate(ITEMS) if ITEM_KIND[it] == "financial"])


class MkbaModel:
    """Callable model ``inputs → outputs`` for one study's options (see :class:`ModelOptions`).

    Outputs per draw: ``npv`` (draw, item, actor), ``line`` (draw, item), ``cashflow`` (draw, item,
    year, undiscounted), ``costs``, ``benefits``, ``immaterial``, ``saldo``, ``bc_social``,
    ``bc_financial``, ``bc_municipal``, ``municipal_costs``, ``municipal_benefits``, and per actor
    ``actor_costs`` and ``actor_benefits`` (draw, actor).

    Internally the draw axis is last (contiguous), so every operation is a fast row operation and every
    reduction over items or actors adds whole rows in a fixed order, so a draw's numbers never depend on
    how many draws are evaluated together.
    """

    def __init__(self, options: ModelOptions | None = None, *, detail: bool = True) -> None:
        self.options = options or ModelOptions()
        self.detail = detail  # False: skip the npv cube and cash flows (per-draw lines and totals only)
        self._profile_delta = np.diff(self.options.profile(), axis=1)  # (type, step, domain)
        self._timing = {k: np.asarray(v, dtype=float) for k, v in self.options.timing.items()}

    def __call__(self, x: Mapping[str, Array], /) -> dict[str, Array]:
        o = self.options
        n = len(x["reach.n_households"])
        # Only the few non-zero (line, actor) and (line, year) cells are kept, as contiguous rows.
        npv: dict[tuple[int, int], Array] = {}  # discounted amount per line and actor
        cash: dict[tuple[int, int], Array] = {}  # undiscounted cash flow per line and year

        def add(cells: dict[tuple[int, int], Array], key: tuple[int, int], v: Array) -> None:
            cells[key] = cells[key] + v if key in cells else v

        r_real, r_prem = x["finance.discount_rate_real"], x["finance.risk_premium"]
        rate = r_real + r_prem if o.discount_combination == "additive" else (1 + r_real) * (1 + r_prem) - 1
        # Inputs that are fixed for every draw arrive as zero-stride views: compute those once.
        years = np.arange(NY, dtype=float)
        r = _scalar(rate)
        df = (1.0 + r) ** -years if r is not None else (1.0 + rate)[None, :] ** -years[:, None]  # (year[, n])

        cache: dict[int, Array | float] = {}  # by identity: every timing array lives for the whole call

        def discounted(w: Array) -> Array | float:
            """Σ_y w_y DF_y: a number when timing and rate are fixed, else per draw (cached per timing)."""
            if id(w) not in cache:
                cache[id(w)] = _discounted(w)
            return cache[id(w)]

        def _discounted(w: Array) -> Array | float:
            if w.ndim == 1 and df.ndim == 1:
                return float(w @ df)
            if w.ndim == 1:
                out = np.zeros(n)
                for y in np.flatnonzero(w):
                    out += w[y] * df[y]
                return out
            return (w * (df[:, None] if df.ndim == 1 else df)).sum(axis=0)

        def put(item: str, per_actor: Mapping[str, Array], w: Array, *, discount: bool = True) -> None:
            i = _IIDX[item]
            d = discounted(w) if discount else 1.0
            for a, v in per_actor.items():
                add(npv, (i, _AIDX[a]), v * d)
            if not self.detail:
                return
            total = sum(per_actor.values())
            for y in (np.flatnonzero(w) if w.ndim == 1 else range(NY)):
                add(cash, (i, y), total * w[y])

        t = self._timing

        # --- A. reach (§7.3.1) ---
        nh = x["reach.n_households"]
        # share of households per type × severity: plain numbers when fixed (the usual case)
        hh_share = [
            [_value(x[f"reach.share_type.{ty}"]) * _value(x[f"reach.share_severity.{ty}.{sv}"]) for sv in SEVERITIES]
            for ty in HOUSEHOLD_TYPES
        ]
        n_new = nh * x["reach.share_newly_found"]
        n_existing = nh - n_new
        n_mv = [nh * (row[1] + row[2]) for row in hh_share]

        # --- B. costs (§7.3.2) ---
        team_cost = x["costs.team_fte"] * x["costs.cost_per_fte"] + x["costs.other_team_costs"]
        additional = team_cost * x["costs.additional_share"]
        cost_null = team_cost - additional
        friction = x["costs.friction_share"] * team_cost + x["costs.one_off_costs"]
        if o.additional_is_friction:
            friction = friction + additional
        else:
            put("additional", {a: additional * sh for a, sh in o.funding.items()}, t["additional"])
        put("null_situation", {a: cost_null * sh for a, sh in o.funding.items()}, t["null_situation"])
        put("friction", {a: friction * sh for a, sh in o.funding.items()}, t["friction"])

        # --- trajectories (§7.3.3): count × Σ_k mix_k price_k, split by the budget that pays type k ---
        def by_actor(count: Array, mix: Mapping[str, float]) -> dict[str, Array]:
            out: dict[str, Array] = {}
            for k, part in mix.items():
                a = TRAJECTORY_ACTOR[k]
                v = count * (part * x[f"prices.trajectory.{k}"])
                out[a] = out[a] + v if a in out else v
            return out

        extra = n_new * x["costs.extra_care.new_cases"] + n_existing * x["costs.extra_care.existing_cases"]
        put("extra_care", by_actor(extra, o.mix_extra_care), t["extra_care"])
        subst = n_new * x["effects.substitution.new_cases"] + n_existing * x["effects.substitution.existing_cases"]
        put("substitution", by_actor(subst, o.mix_substitution), t["substitution"])
        if o.tailored_mode == "quantity":
            tail = n_new * x["effects.tailored.new_cases"] + n_existing * x["effects.tailored.existing_cases"]
            put("tailored", by_actor(tail, o.mix_tailored), t["tailored"])
        else:  # price mode (West Betuwe): eligible trajectories × cost reduction × average cost
            saving = (
                x["effects.tailored.eligible_trajectories"]
                * x["effects.tailored.cost_reduction"]
                * x["prices.average_trajectory"]
            )
            split: dict[str, Array] = {}
            for k, part in o.mix_tailored.items():
                a = TRAJECTORY_ACTOR[k]
                split[a] = split[a] + saving * part if a in split else saving * part
            put("tailored", split, t["tailored"])
        put("new_for_old", {a: cost_null * sh for a, sh in o.funding.items()}, t["new_for_old"])

        # --- effectiveness (§7.3.4): work, debts, consults, referrals: one line, several timings ---
        no_work = sum(n_mv[ti] * x[f"reach.share_no_work_mv.{ty}"] for ti, ty in enumerate(HOUSEHOLD_TYPES))
        to_work = no_work * x["effects.work.p_to_work"]
        w_work = block_weights(x["effects.work.start_year"], x["effects.work.benefit_years"])
        debts = sum(n_mv[ti] * x[f"reach.share_debts_mv.{ty}"] for ti, ty in enumerate(HOUSEHOLD_TYPES))
        stable = debts * x["effects.debt.p_stable"]
        put("effectiveness", {"wi": to_work * x["prices.assistance_saving"],
                              "households": to_work * x["prices.income_gain"]}, w_work)
        put("effectiveness", {"wi": stable * x["prices.debt_saving"]}, t["debt"])
        consults = -x["effects.consults.change"] * x["effects.consults.base_volume"] * x["prices.first_line_consult"]
        put("effectiveness", {"zvw": consults}, t["consults"])
        ref = -x["effects.referrals.change"] * x["effects.referrals.base_volume"] * x["prices.second_line_referral"]
        put("effectiveness", {a: ref * sh for a, sh in o.referral_actors.items()}, t["referrals"])

        # --- prevented escalation (§7.3.5): a one-class step up the profile, per type and class ---
        # annual avoided cost per domain d: Σ_t n_households × rate_t × Σ_s share_ts × Δ_tsd
        delta = self._profile_delta  # (type, step, domain)
        esc = {d: np.zeros(n) for d in _PROFILE_DOMAINS}
        for ti, ty in enumerate(HOUSEHOLD_TYPES):
            hh = nh * x[f"effects.escalation.rate.{ty}"]
            for di, d in enumerate(_PROFILE_DOMAINS):
                per_hh = sum(hh_share[ti][si] * delta[ti, si, di] for si in range(delta.shape[1]) if delta[ti, si, di])
                if not np.isscalar(per_hh) or per_hh != 0.0:
                    esc[d] += hh * per_hh
        net = (
            x["effects.escalation.attribution"]
            * (1.0 - x["effects.escalation.relapse"])
            * x["prices.care_profile_factor"]
        )
        w_esc = block_weights(x["effects.escalation.start_year"], x["effects.escalation.duration_years"])
        put("escalation", {d: v * net for d, v in esc.items()}, w_esc)

        # --- immaterial (§7.3.6) ---
        youths = (
            nh
            * x["reach.share_type.families"]
            * x["reach.avg_children_per_family"]
            * x["effects.school.p_dropout_reduction"]
        )
        # The €70,000 is already a lifetime NPV: rediscount = false counts it at face value.
        put("children", {o.children_actor: youths * x["prices.school_qualification"]}, t["children"],
            discount=o.children_rediscount)
        put("quality_of_life", {"households": x["effects.quality_of_life.qalys"] * x["prices.qaly_value"]},
            t["quality_of_life"])
        put("nuisance", {o.nuisance_actor: x["effects.nuisance.households"] * x["prices.nuisance_per_household"]},
            w_esc)

        # --- totals and ratios (§7.3.8): sums over actors in a fixed order, so bit-reproducible ---
        line = np.zeros((len(ITEMS), n))
        muni = np.zeros((len(ITEMS), n))
        # per actor: costs and benefits (the budget view "who pays, who gains"), a few numbers per draw
        actor = np.zeros((2, len(ACTORS), n))
        for (i, a), v in sorted(npv.items()):  # fixed order: bit-reproducible sums
            line[i] += v
            actor[0 if i in _COST_SET else 1, a] += v
            if a in _MUNI_SET:
                muni[i] += v
        out = {"line": line.T, **_totals(line, muni), "actor_costs": actor[0].T, "actor_benefits": actor[1].T}
        if self.detail:
            cube = np.zeros((n, len(ITEMS), len(ACTORS)))
            for (i, a), v in npv.items():
                cube[:, i, a] = v
            flows = np.zeros((n, len(ITEMS), NY))
            for (i, y), v in cash.items():
                flows[:, i, y] = v
            out["npv"], out["cashflow"] = cube, flows
        return out




def _ratio(num: Array, den: Array) -> Array:
    """``num / den`` where the denominator is positive, NaN (undefined) where it is 0: a ratio of an
    actor that bears no costs is not a number, and must not become ±inf or crash a summary."""
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def _totals(line: Array, muni: Array) -> dict[str, Array]:
    costs = line[_COST].sum(axis=0)
    benefits = line[_BENEFIT].sum(axis=0)
    immaterial = line[_IMMAT].sum(axis=0)
    m_costs = muni[_COST].sum(axis=0)
    # The municipal ratio is financial (model-spec §3.2): immaterial lines never count, even when a
    # study books one to a municipal actor (e.g. nuisance to W&I).
    m_benefits = muni[_FINANCIAL].sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "costs": costs,
            "benefits": benefits,
            "immaterial": immaterial,
            "saldo": benefits - costs,
            "bc_social": _ratio(benefits, costs),
            "bc_financial": _ratio(benefits - immaterial, costs),
            "municipal_costs": m_costs,
            "municipal_benefits": m_benefits,
            "bc_municipal": _ratio(m_benefits, m_costs),
        }
