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

__all__ = ["ModelOptions", "MkbaModel", "OwnLineSpec", "PlanSpec", "block_weights", "DEFAULT_TIMING", "TEAM_LINES"]

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
class OwnLineSpec:
    """A study's own line: amount = Π factors (inputs by path), timing fixed or start/duration inputs."""

    name: str
    kind: Literal["cost", "financial", "immaterial"]
    factors: tuple[str, ...]
    actors: tuple[str, ...]
    timing: tuple[float, ...] | None = None  # None: block from inputs lines.<name>.start_year/duration_years
    title: str = ""
    title_en: str = ""


@dataclass(frozen=True)
class PlanSpec:
    """A multi-year plan: one cohort per plan year, scaled by the team (fte or cost) and the ramp-up."""

    years: tuple[int, ...]
    team_fte: tuple[float, ...] | None = None
    team_cost: tuple[float, ...] | None = None
    ramp_up: tuple[float, ...] = (1.0,)
    investments: tuple[float, ...] | None = None
    investment_actors: tuple[str, ...] = ("municipality_other",)

    @property
    def horizon(self) -> int:
        """Calendar years with cash flows: the plan years plus the last cohort's years 1..9."""
        return len(self.years) + NY - 1


# Lines that follow the team's size in a plan year; every other line follows the ramp-up of the effects.
TEAM_LINES = frozenset({"null_situation", "additional", "friction", "new_for_old"})


@dataclass(frozen=True)
class ModelOptions:
    """Structural choices of a study (not sampled): which shares exist, which form each quantity takes,
    timing, switches, own lines and the plan. Share values are inputs (fixed or Dirichlet)."""

    mix_extra_care: tuple[str, ...] = ("youth_parenting", "individual_guidance")
    mix_substitution: tuple[str, ...] = ("social_work",)
    mix_tailored: tuple[str, ...] = ("social_work",)
    tailored_mode: Literal["quantity", "price"] = "quantity"
    tailored_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # price mode: (group, actors)
    funding: tuple[str, ...] = ("welzijn",)
    team_roles: tuple[str, ...] = ()  # () = team_fte × cost_per_fte
    additional_is_friction: bool = False
    referral_actors: tuple[str, ...] = ("zvw",)
    children_actor: str = "households"
    nuisance_actor: str = "households"
    care_profile: tuple = field(default_factory=lambda: tuple(map(tuple, profile_array(WEST_BETUWE_PROFILE).reshape(-1, 6))))
    timing: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_TIMING))
    discount_combination: Literal["additive", "multiplicative"] = "additive"
    children_rediscount: bool = True
    counts: frozenset[str] = frozenset()  # blocks whose quantity is an absolute count, not a share
    priced: frozenset[str] = frozenset()  # trajectory blocks priced at one average price
    own_lines: tuple[OwnLineSpec, ...] = ()
    plan: PlanSpec | None = None

    def profile(self) -> Array:
        return np.asarray(self.care_profile, dtype=float).reshape(len(HOUSEHOLD_TYPES), len(SEVERITIES), 6)

    @property
    def items(self) -> tuple[str, ...]:
        """The lines of this study: the built-in ones, the plan's investments, then the own lines."""
        extra = ("investment",) if self.plan is not None and self.plan.investments else ()
        return ITEMS + extra + tuple(line.name for line in self.own_lines)

    @property
    def item_kind(self) -> dict[str, str]:
        return {**ITEM_KIND, "investment": "cost", **{line.name: line.kind for line in self.own_lines}}

    @property
    def item_labels(self) -> dict[str, tuple[str, str]]:
        """(nl, en) titles of the lines beyond the built-in ones."""
        out = {"investment": ("Extra investeringen (plan)", "Extra investments (plan)")}
        out.update({line.name: (line.title or line.name, line.title_en or line.title or line.name)
                    for line in self.own_lines})
        return out


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
_PROFILE_DOMAINS = ("wi", "wmo", "welzijn", "jeugd", "zvw", "rijk")
_MUNI = np.array([_AIDX[a] for a in MUNICIPAL_ACTORS])
_MUNI_SET = frozenset(int(a) for a in _MUNI)


class MkbaModel:
    """Callable model ``inputs → outputs`` for one study's options (see :class:`ModelOptions`).

    Outputs per draw: ``npv`` (draw, item, actor), ``line`` (draw, item), ``cashflow`` (draw, item,
    year, undiscounted), ``costs``, ``benefits``, ``immaterial``, ``saldo``, ``bc_social``,
    ``bc_financial``, ``bc_municipal``, ``municipal_costs``, ``municipal_benefits``, per actor
    ``actor_costs`` and ``actor_benefits`` (draw, actor), each own line by its name (draw,), and with a
    ``[plan]`` the per-year flows ``plan_costs``/``plan_benefits`` (undiscounted and ``_discounted``,
    draw × plan year × actor) and ``plan_municipal`` (draw × plan year, the municipal budget), with its
    ``plan_investment`` and ``plan_savings`` (see :mod:`mkba.outputs.plan`); in every mode ``net_cashflow``
    (draw, year: benefits − costs, undiscounted), of which the stores keep the bands.

    Internally the draw axis is last (contiguous), so every operation is a fast row operation and every
    reduction over items or actors adds whole rows in a fixed order, so a draw's numbers never depend on
    how many draws are evaluated together.
    """

    def __init__(self, options: ModelOptions | None = None, *, detail: bool = True) -> None:
        self.options = options or ModelOptions()
        self.detail = detail  # False: skip the npv cube and cash flows (per-draw lines and totals only)
        self._profile_delta = np.diff(self.options.profile(), axis=1)  # (type, step, domain)
        self._timing = {k: np.asarray(v, dtype=float) for k, v in self.options.timing.items()}
        for line in self.options.own_lines:
            if line.timing is not None:
                self._timing[line.name] = np.asarray(line.timing, dtype=float)
        self.items = self.options.items
        kind = self.options.item_kind
        self.item_kind = {it: kind[it] for it in self.items}
        self._iidx = {it: i for i, it in enumerate(self.items)}
        self._cost = np.array([i for i, it in enumerate(self.items) if kind[it] == "cost"])
        self._cost_set = frozenset(int(i) for i in self._cost)
        self._benefit = np.array([i for i, it in enumerate(self.items) if kind[it] != "cost"])
        self._immat = np.array([i for i, it in enumerate(self.items) if kind[it] == "immaterial"])
        self._financial = np.array([i for i, it in enumerate(self.items) if kind[it] == "financial"])

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

        cost_set = self._cost_set
        net_cash = np.zeros((NY, n))  # net cash flow per year, filled by put
        plan = o.plan
        acash: dict[tuple[int, int, int], Array] = {}  # with a plan: undiscounted flow per line, actor, year

        def put(item: str, per_actor: Mapping[str, Array], w: Array, *, discount: bool = True) -> None:
            i = self._iidx[item]
            d = discounted(w) if discount else 1.0
            for a, v in per_actor.items():
                add(npv, (i, _AIDX[a]), v * d)
            ys = np.flatnonzero(w) if w.ndim == 1 else range(NY)
            if plan is not None:
                for a, v in per_actor.items():
                    for y in ys:
                        key = (i, _AIDX[a], int(y))
                        acash[key] = acash[key] + v * w[y] if key in acash else v * w[y]
            # the undiscounted net cash flow per year (benefits − costs), in put order: every store streams
            # its bands; one product per line and timing rather than one per year
            total = np.asarray(sum(per_actor.values()))
            sign = -1.0 if i in cost_set else 1.0
            if w.ndim == 1:
                if len(ys):
                    net_cash[ys] += (sign * w[ys])[:, None] * total
            else:
                net_cash[:] += (w * total) if sign > 0 else -(w * total)
            if self.detail:  # and per line and year, for the full store's cube
                for y in ys:
                    add(cash, (i, y), total * w[y])

        def shares(prefix: str, keys: tuple[str, ...]) -> dict[str, Array | float]:
            """A set of shares (fixed numbers or Dirichlet draws) read from the inputs."""
            return {k: _value(x[f"{prefix}.{k}"]) for k in keys}

        def split(amount: Array, prefix: str, keys: tuple[str, ...]) -> dict[str, Array]:
            return {a: amount * sh for a, sh in shares(prefix, keys).items()}

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

        # --- B. costs (§7.3.2): the team as fte × cost per fte, or as a sum over roles ---
        if o.team_roles:
            team_fte: Array | float = 0.0
            team_cost = x["costs.other_team_costs"]
            for role in o.team_roles:  # fixed order: bit-reproducible sums
                fte = x[f"costs.team.{role}.fte"]
                team_fte = team_fte + fte
                team_cost = team_cost + fte * x[f"costs.team.{role}.cost_per_fte"]
        else:
            team_fte = x["costs.team_fte"]
            team_cost = team_fte * x["costs.cost_per_fte"] + x["costs.other_team_costs"]
        additional = team_cost * x["costs.additional_share"]
        cost_null = team_cost - additional
        friction = x["costs.friction_share"] * team_cost + x["costs.one_off_costs"]
        if o.additional_is_friction:
            friction = friction + additional
        else:
            put("additional", split(additional, "costs.funding", o.funding), t["additional"])
        put("null_situation", split(cost_null, "costs.funding", o.funding), t["null_situation"])
        put("friction", split(friction, "costs.funding", o.funding), t["friction"])

        # --- trajectories (§7.3.3): count × Σ_k mix_k price_k (or × one average price), split by the budget
        # that pays type k ---
        def by_actor(count: Array, block: str, path: str, keys: tuple[str, ...]) -> dict[str, Array]:
            out: dict[str, Array] = {}
            mix = shares(f"{path}.mix", keys)
            if block in o.priced:
                amount = count * x[f"{path}.price"]
                for k, part in mix.items():
                    a = TRAJECTORY_ACTOR[k]
                    out[a] = out[a] + amount * part if a in out else amount * part
                return out
            for k, part in mix.items():
                a = TRAJECTORY_ACTOR[k]
                v = count * (part * x[f"prices.trajectory.{k}"])
                out[a] = out[a] + v if a in out else v
            return out

        def trajectories(block: str, path: str) -> Array:
            if block in o.counts:
                return x[f"{path}.trajectories"]
            return n_new * x[f"{path}.new_cases"] + n_existing * x[f"{path}.existing_cases"]

        extra = trajectories("extra_care", "costs.extra_care")
        put("extra_care", by_actor(extra, "extra_care", "costs.extra_care", o.mix_extra_care), t["extra_care"])
        subst = trajectories("substitution", "effects.substitution")
        put("substitution", by_actor(subst, "substitution", "effects.substitution", o.mix_substitution),
            t["substitution"])
        if o.tailored_mode == "quantity":
            tail = trajectories("tailored", "effects.tailored")
            put("tailored", by_actor(tail, "tailored", "effects.tailored", o.mix_tailored), t["tailored"])
        elif o.tailored_groups:  # price mode by groups: Σ_g trajectories_g × reduction_g × price_g
            per: dict[str, Array] = {}
            for g, actors in o.tailored_groups:
                gp = f"effects.tailored.groups.{g}"
                saving = x[f"{gp}.trajectories"] * x[f"{gp}.cost_reduction"] * x[f"{gp}.price"]
                for a, v in split(saving, f"{gp}.actors", actors).items():
                    per[a] = per[a] + v if a in per else v
            put("tailored", per, t["tailored"])
        else:  # price mode (West Betuwe): eligible trajectories × cost reduction × average cost
            price = x["effects.tailored.price"] if "tailored" in o.priced else x["prices.average_trajectory"]
            saving = x["effects.tailored.eligible_trajectories"] * x["effects.tailored.cost_reduction"] * price
            per = {}
            for k, part in shares("effects.tailored.mix", o.mix_tailored).items():
                a = TRAJECTORY_ACTOR[k]
                per[a] = per[a] + saving * part if a in per else saving * part
            put("tailored", per, t["tailored"])
        put("new_for_old", split(cost_null, "costs.funding", o.funding), t["new_for_old"])

        # --- effectiveness (§7.3.4): work, debts, consults, referrals: one line, several timings ---
        if "work" in o.counts:
            to_work = x["effects.work.persons"]
        else:
            no_work = sum(n_mv[ti] * x[f"reach.share_no_work_mv.{ty}"] for ti, ty in enumerate(HOUSEHOLD_TYPES))
            to_work = no_work * x["effects.work.p_to_work"]
        w_work = block_weights(x["effects.work.start_year"], x["effects.work.benefit_years"])
        if "debt" in o.counts:
            stable = x["effects.debt.households"]
        else:
            debts = sum(n_mv[ti] * x[f"reach.share_debts_mv.{ty}"] for ti, ty in enumerate(HOUSEHOLD_TYPES))
            stable = debts * x["effects.debt.p_stable"]
        put("effectiveness", {"wi": to_work * x["prices.assistance_saving"],
                              "households": to_work * x["prices.income_gain"]}, w_work)
        put("effectiveness", {"wi": stable * x["prices.debt_saving"]}, t["debt"])
        consults = -x["effects.consults.change"] * x["effects.consults.base_volume"] * x["prices.first_line_consult"]
        put("effectiveness", {"zvw": consults}, t["consults"])
        ref = -x["effects.referrals.change"] * x["effects.referrals.base_volume"] * x["prices.second_line_referral"]
        put("effectiveness", split(ref, "effects.referrals.actors", o.referral_actors), t["referrals"])

        # --- prevented escalation (§7.3.5): a one-class step up the profile, per type and class ---
        # rate form: annual avoided cost per domain d = Σ_t n_households × rate_t × Σ_s share_ts × Δ_tsd;
        # count form: households_t × Σ_s w_ts Δ_tsd, with w_ts the type's severity mix over the classes that
        # can still step up (ev, mv zr, mv nzr).
        delta = self._profile_delta  # (type, step, domain)
        esc = {d: np.zeros(n) for d in _PROFILE_DOMAINS}
        for ti, ty in enumerate(HOUSEHOLD_TYPES):
            if "escalation" in o.counts:
                hh = x[f"effects.escalation.households.{ty}"]
                sev = [_value(x[f"reach.share_severity.{ty}.{sv}"]) for sv in SEVERITIES[:-1]]
                below_top = sev[0] + sev[1] + sev[2]
                if np.isscalar(below_top):
                    inv = 1.0 / below_top if below_top > 0 else 0.0
                else:  # no household below the top class: nobody can step up
                    inv = np.where(below_top > 0, 1.0 / np.where(below_top > 0, below_top, 1.0), 0.0)
                weights = [v * inv for v in sev]
            else:
                hh = nh * x[f"effects.escalation.rate.{ty}"]
                weights = hh_share[ti]
            for di, d in enumerate(_PROFILE_DOMAINS):
                per_hh = sum(weights[si] * delta[ti, si, di] for si in range(delta.shape[1]) if delta[ti, si, di])
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
        if "school" in o.counts:
            youths = x["effects.school.youths"]
        else:
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

        # --- own lines: the product of the named inputs × timing × actor split (data, not expressions) ---
        for line in o.own_lines:
            amount = x[line.factors[0]]
            for f in line.factors[1:]:
                amount = amount * x[f]
            w = t[line.name] if line.timing is not None else block_weights(
                x[f"lines.{line.name}.start_year"], x[f"lines.{line.name}.duration_years"])
            put(line.name, split(amount, f"lines.{line.name}.actors", line.actors), w)

        out: dict[str, Array] = {}
        if plan is not None:
            self._apply_plan(plan, x, npv, acash, rate, team_fte, team_cost, out, n)

        # --- totals and ratios (§7.3.8): sums over actors in a fixed order, so bit-reproducible ---
        ni = len(self.items)
        line = np.zeros((ni, n))
        muni = np.zeros((ni, n))
        # per actor: costs and benefits (the budget view "who pays, who gains"), a few numbers per draw
        actor = np.zeros((2, len(ACTORS), n))
        for (i, a), v in sorted(npv.items()):  # fixed order: bit-reproducible sums
            line[i] += v
            actor[0 if i in cost_set else 1, a] += v
            if a in _MUNI_SET:
                muni[i] += v
        out.update({"line": line.T, **self._totals(line, muni), "actor_costs": actor[0].T,
                    "actor_benefits": actor[1].T})
        for it in o.own_lines:  # own lines are targets of their own (sensitivity, by name)
            out[it.name] = line[self._iidx[it.name]]
        out["net_cashflow"] = net_cash.T
        if self.detail:
            cube = np.zeros((n, ni, len(ACTORS)))
            for (i, a), v in npv.items():
                cube[:, i, a] = v
            flows = np.zeros((n, ni, NY))
            for (i, y), v in cash.items():
                flows[:, i, y] = v
            out["npv"], out["cashflow"] = cube, flows
        return out

    def _apply_plan(self, plan: PlanSpec, x: Mapping[str, Array], npv: dict, acash: dict, rate: Array,
                    team_fte: Array | float, team_cost: Array, out: dict[str, Array], n: int) -> None:
        """A cohort per plan year p, scaled by s_p (team lines: the year's team relative to the study's team;
        other lines: the ramp-up) and shifted p years: NPV cell × Σ_p s_p DF_p, cash flows per calendar year."""
        P = len(plan.years)
        if plan.team_fte is not None:
            team = [f / team_fte for f in plan.team_fte]
        elif plan.team_cost is not None:
            team = [c / team_cost for c in plan.team_cost]
        else:
            team = [1.0] * P
        ramp = [float(r) for r in plan.ramp_up]
        r = _scalar(rate)
        T = plan.horizon
        df = [(1.0 + r) ** -y if r is not None else (1.0 + rate) ** -float(y) for y in range(T)]
        team_pv = sum(team[p] * df[p] for p in range(P))
        ramp_pv = sum(ramp[p] * df[p] for p in range(P))
        team_items = {self._iidx[it] for it in TEAM_LINES}
        for key in list(npv):
            npv[key] = npv[key] * (team_pv if key[0] in team_items else ramp_pv)
        # per calendar year: undiscounted flows per actor, costs and benefits apart
        cost_items = set(int(i) for i in self._cost)
        flows = np.zeros((2, T, len(ACTORS), n))  # (cost|benefit, year, actor, draw)
        for (i, a, y), v in acash.items():
            scale = team if i in team_items else ramp
            k = 0 if i in cost_items else 1
            for p in range(P):
                if scale[p] is not None:
                    flows[k, p + y, a] += v * scale[p]
        if plan.investments:
            i = self._iidx["investment"]
            parts = {a: _value(x[f"plan.investment_actors.{a}"]) for a in plan.investment_actors}
            for a, sh in parts.items():
                pv = 0.0
                for p, amount in enumerate(plan.investments):
                    flows[0, p, _AIDX[a]] += amount * sh
                    pv = pv + amount * sh * df[p]
                npv[(i, _AIDX[a])] = np.broadcast_to(np.asarray(pv, dtype=float), (n,)) + 0.0
        dfa = np.array([np.broadcast_to(np.asarray(d, dtype=float), (n,)) for d in df])  # (year, draw)
        muni = _MUNI
        out["plan_municipal"] = (flows[1][:, muni].sum(axis=1) - flows[0][:, muni].sum(axis=1)).T
        # The budget's investments and savings per year: each municipal domain's costs and benefits netted,
        # then the domains that spend more (investments) and those that spend less (savings) added up
        # (mkba.outputs.plan; balance = savings − investments); the stores keep their bands.
        net = (flows[1][:, muni] - flows[0][:, muni]).transpose(2, 0, 1)  # (draw, year, domain)
        out["plan_investment"] = np.clip(-net, 0.0, None).sum(axis=-1)
        out["plan_savings"] = np.clip(net, 0.0, None).sum(axis=-1)
        if self.detail:
            out["plan_costs"] = flows[0].transpose(2, 0, 1)
            out["plan_benefits"] = flows[1].transpose(2, 0, 1)
            out["plan_costs_discounted"] = (flows[0] * dfa[:, None, :]).transpose(2, 0, 1)
            out["plan_benefits_discounted"] = (flows[1] * dfa[:, None, :]).transpose(2, 0, 1)

    def _totals(self, line: Array, muni: Array) -> dict[str, Array]:
        return _totals(line, muni, self._cost, self._benefit, self._immat, self._financial)


def _ratio(num: Array, den: Array) -> Array:
    """``num / den`` where the denominator is positive, NaN (undefined) where it is 0: a ratio of an
    actor that bears no costs is not a number, and must not become ±inf or crash a summary."""
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def _totals(line: Array, muni: Array, cost: Array, benefit: Array, immat: Array, financial: Array) -> dict[str, Array]:
    costs = line[cost].sum(axis=0)
    benefits = line[benefit].sum(axis=0)
    immaterial = line[immat].sum(axis=0) if len(immat) else np.zeros(line.shape[1])
    m_costs = muni[cost].sum(axis=0)
    # The municipal ratio is financial (model-spec §3.2): immaterial lines never count, even when a
    # study books one to a municipal actor (e.g. nuisance to W&I).
    m_benefits = muni[financial].sum(axis=0)
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
