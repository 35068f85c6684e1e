"""The study-file schema (TOML), validated with pydantic.

Blocks follow the LPBL MKBA-tool: reach, costs, effects, prices, finance, timing, simulation. Every
model input is a number or a distribution table; defaults carry their unit and source (file and
locator in the published document, see ``sources.DOCUMENTS``). Unknown keys are errors, so a typo never
silently becomes a default.
"""

# No `from __future__ import annotations`: pydantic would evaluate every annotation from its text when each
# class is created (~2 ms of every command that loads a study); forward references are quoted instead.

import math
import re
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import core_schema

from ..distributions import Composition, Distribution, DistributionError, Fixed, composition_from_spec, from_spec
from ..distributions.composition import ShareError
from ..distributions.parse import META_KEYS
from .domain import ACTORS, BUILTIN_NAMES, HOUSEHOLD_TYPES, SEVERITIES, TRAJECTORIES

from .sources import DOCUMENTS

S_META = DOCUMENTS["meta-2014"]  # LPBL meta-analysis with the tool's input screen (bijlage 2)
S_STEEN = DOCUMENTS["de-kop-2019"]  # Steenwijkerland SCBA
S_WB = DOCUMENTS["west-betuwe-2020"]  # West Betuwe SCBA


# Plausible magnitudes: beyond them a value is a unit error (cents for euros, a typo of exponents),
# and float sums of such values lose every euro of the result (1e300 − 1e300 = 0).
MAX_MONEY = 1e12  # € per input (and per model line, checked on the model in Study.from_dict)
MAX_COUNT = 1e9  # households, fte, trajectories, QALYs, volumes, factors

# Names become folder and file names (`<study>--<scenario>/`, `<study>--<scenario>--<start>.npz`):
# ASCII letters, digits, `_ . -`, at most 100 characters each, so any pair stays far below the
# 255-byte file-name limit of common file systems.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
NAME_MAX = 100
RESERVED_SCENARIOS = ("base",)  # the study itself; a scenario of that name could never be selected


def Name() -> Any:  # noqa: N802 - a field factory
    return Field(pattern=NAME_PATTERN, max_length=NAME_MAX)


def range_family(lo: float | None, hi: float | None) -> str | None:
    """The family a ``{ p5, p95 }`` range takes on a key with bounds [lo, hi] (unless it names one): beta
    for a share, lognormal for a count or an amount (never below 0); None: the general rule (lognormal
    when p5 > 0, else normal)."""
    if lo is not None and lo >= 0 and hi is not None and hi <= 1:
        return "beta"
    if lo is not None and lo >= 0:
        return "lognormal"
    return None


def _to_dist(value: Any, lo: float | None, hi: float | None, limit: float | None) -> Distribution:
    if isinstance(value, dict) and "p5" in value and "p95" in value and "dist" not in value \
            and "family" not in value:
        family = range_family(lo, hi)
        p5 = value["p5"]
        if family is None:
            family = "lognormal" if isinstance(p5, (int, float)) and p5 > 0 else "normal"
        if family == "lognormal" and isinstance(p5, (int, float)) and not isinstance(p5, bool) and p5 <= 0:
            raise ValueError(f"a 90 % range on a count or amount (never below 0) is fitted to a lognormal, which "
                             f"needs p5 > 0, got p5 = {p5:g}; for a range that starts at 0 write "
                             f"{{ dist = \"pert\", min = 0, mode = …, max = … }}")
        value = {**value, "family": family}
    try:
        d = from_spec(value)
    except DistributionError as exc:
        raise ValueError(str(exc)) from None
    a, b = d.support
    if lo is not None and a < lo:
        raise ValueError(f"must be >= {lo:g}; the smallest possible value is {a:g}")
    if hi is not None and b > hi:
        raise ValueError(f"must be <= {hi:g}; the largest possible value is {b:g}")
    if limit is not None:  # a plausibility limit: unbounded tails (normal, lognormal) count from 1e-9
        lo_q, hi_q = d.extremes
        if max(abs(lo_q), abs(hi_q)) > limit:
            big = hi_q if abs(hi_q) >= abs(lo_q) else lo_q
            raise ValueError(f"values up to {big:g} are beyond the plausible range ±{limit:g}; check the unit")
    return d


class _Before:
    """``BeforeValidator(func)`` for a ``func`` of the value alone, declared so: for a BeforeValidator pydantic
    calls ``inspect.signature`` on the function of every field that uses it, to learn whether it takes an info
    argument (~150 fields here: a third of the schema build of every command that loads a study). The core
    schema is the same as BeforeValidator's."""

    __slots__ = ("func",)

    def __init__(self, func: Any) -> None:
        self.func = func

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self.func, handler(source))


def Val(lo: float | None = None, hi: float | None = None, limit: float | None = None) -> Any:  # noqa: N802
    """A study value (number or distribution) whose whole support must lie in [lo, hi] and whose values
    (but for 1e-9 tails) stay within ±limit."""
    return Annotated[Distribution, _Before(partial(_to_dist, lo=lo, hi=hi, limit=limit))]


def P(default: float | None, unit: str, source: str = "", description: str = "") -> Any:  # noqa: N802
    """Field with a documented default; ``None`` = required."""
    extra: dict[str, Any] = {"unit": unit, "source": source, "description": description}
    if default is None:
        return Field(..., json_schema_extra=extra)
    extra["default"] = float(default)
    # a default value, not a factory: Fixed is frozen (one instance serves every study), and pydantic inspects
    # the signature of every default factory while it builds the schema
    return Field(Fixed(float(default)), json_schema_extra=extra)


def Default(table: dict[str, Any] | None = None, **kw: Any) -> Any:  # noqa: N802 - a field factory
    """A block left out of the file: the block validated from ``table`` (default: empty) by the enclosing
    model's validator. A default factory (``default_factory=Effects``) would build a second validator for
    that block on its first use (defer_build), repeating part of the schema build."""
    return Field({} if table is None else table, validate_default=True, **kw)


KEY_MARK = "\x1f"  # "key<KEY_MARK>message": a problem located at one key of a table (see validation_problems)


def _to_composition(value: Any, allowed: tuple[str, ...], what: str) -> Composition:
    value = _without_meta(value)
    if isinstance(value, dict) and isinstance(value.get("mean"), dict):
        value = {**value, "mean": _without_meta(value["mean"])}
    try:
        return composition_from_spec(value, allowed, what)
    except ShareError as exc:
        raise ValueError(f"{exc.key}{KEY_MARK}{exc}") from None
    except DistributionError as exc:
        raise ValueError(str(exc)) from None


def Shares(allowed: tuple[str, ...], what: str) -> Any:  # noqa: N802 - a type factory
    """A set of shares summing to 1 over ``allowed`` keys: a table of numbers, or
    ``{ dist = "dirichlet", mean = {…}, concentration = c }``."""
    return Annotated[Composition, _Before(partial(_to_composition, allowed=allowed, what=what))]


def _shares_default(**shares: float) -> Any:
    return Field(Composition(tuple(shares), tuple(float(v) for v in shares.values())))  # frozen: shared


TypeMix = Shares(HOUSEHOLD_TYPES, "household type")
SeverityMix = Shares(SEVERITIES, "severity class")
TrajectoryMix = Shares(TRAJECTORIES, "trajectory type")
ActorSplit = Shares(ACTORS, "actor")


def one_of(data: Any, shares: tuple[str, ...], count: str, what: str) -> Any:
    """A quantity given either as a share of its base (``shares``) or as an absolute ``count``, exactly
    one of the two. An empty block means the effect is not used (zero)."""
    if not isinstance(data, dict) or not data:
        return data
    given = [k for k in shares if k in data]
    if given and count in data:
        raise ValueError(f"give either {' / '.join(shares)} (a share of the base) or {count} (a count of "
                         f"{what}), not both: {', '.join(given)} and {count} are given")
    if not given and count not in data:
        raise ValueError(f"give {' / '.join(shares)} (a share of the base) or {count} (a count of {what})")
    if count in data:
        return {**data, **{k: None for k in shares}}
    return data


# Keys that are alternatives of each other within a block: a scenario that sets one drops the other.
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "trajectories": ("new_cases", "existing_cases"),
    "new_cases": ("trajectories",),
    "existing_cases": ("trajectories",),
    "persons": ("p_to_work",),
    "p_to_work": ("persons",),
    "p_stable": ("households",),
    "p_dropout_reduction": ("youths",),
    "youths": ("p_dropout_reduction",),
    "rate": ("households",),
    "team": ("team_fte", "cost_per_fte"),
    "team_fte": ("team",),
    "groups": ("eligible_trajectories",),
    "eligible_trajectories": ("groups",),
}


Share = Val(0.0, 1.0)
NonNeg = Val(0.0, limit=MAX_COUNT)
Money = Val(0.0, limit=MAX_MONEY)
Signed = Val(-1.0, 1.0)
Year = Val(0.0, 9.0)


class Block(BaseModel):
    # strict: a string never becomes a number or a boolean ("0.45", draws = true, "no" → True).
    # defer_build: the validators are built when a study is first validated, the whole tree at once,
    # instead of one validator per block at import (~10 ms less start-up for every command that loads a study)
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, strict=True,
                              defer_build=True)


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
SEED_LIMIT = 2**63  # numpy's SeedSequence takes any int, but results.nc and JSON store int64
CHUNK_LIMIT = 2**24  # draws evaluated at once: beyond this one chunk alone needs tens of GB
IDENT_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _without_meta(v: Any) -> Any:
    """A table of shares may carry its own source and note (``{ families = 0.45, …, source = "…" }``);
    they are provenance (read by ``sources.collect_provenance``), not shares."""
    if not isinstance(v, dict):
        return v
    for key in META_KEYS:
        if key in v and not isinstance(v[key], str):
            raise ValueError(f"{key} must be text (a quoted string), got {v[key]!r}")
    return {k: x for k, x in v.items() if k not in META_KEYS}


class StudyInfo(Block):
    name: str = Name()
    title: str = ""
    municipality: str = ""
    year: int | None = None
    language: Literal["nl", "en"] = "nl"
    description: str = ""
    # the base case is a published point estimate (the report then calls it so and cites `reference`)
    published: bool = False
    reference: str = ""


class Simulation(Block):
    draws: int = Field(10_000, ge=1)  # what memory and disk allow is checked where a run starts
    seed: int = Field(20190225, ge=0, lt=SEED_LIMIT)
    sampler: Literal["mc", "lhs", "sobol"] = "mc"
    chunk_size: int = Field(65_536, ge=1, le=CHUNK_LIMIT)

    @model_validator(mode="after")
    def _sobol_needs_power_of_two(self) -> "Simulation":
        n = self.draws
        if self.sampler == "sobol" and n & (n - 1):
            lo = 1 << (n.bit_length() - 1)
            raise ValueError(f"sampler sobol needs a power of 2 draws, got {n}; use {lo} or {2 * lo}")
        return self


class Finance(Block):
    discount_rate_real: Val(-0.5, 1.0) = P(0.025, "1/yr", f"{S_META} §4 fn 13", "real discount rate")
    risk_premium: Val(-0.5, 1.0) = P(0.03, "1/yr", f"{S_META} §4 fn 13", "risk premium")
    combination: Literal["additive", "multiplicative"] = "additive"


class TypeShares(Block):
    families: Share
    elderly: Share
    other: Share


def _type_values(default: tuple[float, float, float], unit: str, source: str, desc: str) -> Any:
    extra = {"unit": unit, "source": source, "description": desc}
    return Default(dict(zip(HOUSEHOLD_TYPES, default)), json_schema_extra=extra)


class Reach(Block):
    n_households: Val(0.0, limit=MAX_COUNT) = P(None, "households", f"{S_STEEN} §3.1", "households in the approach")
    share_type: TypeMix
    share_severity: dict[str, SeverityMix]
    share_newly_found: Share = P(0.18, "fraction", f"{S_META} App. 2", "newly found households")
    avg_children_per_family: NonNeg = P(1.6, "children/family", f"{S_META} App. 2")
    share_debts_mv: TypeShares = _type_values(
        (0.50, 0.18, 0.80), "fraction of mv households", f"{S_META} App. 2", "problematic debts"
    )
    share_no_work_mv: TypeShares = _type_values(
        (0.80, 1.00, 0.80), "fraction of mv households", f"{S_META} App. 2", "no work"
    )

    @field_validator("n_households")
    @classmethod
    def _positive(cls, d: Distribution) -> Distribution:
        # a lognormal (the { p5, p95 } range of a count) is open at 0: it never draws 0 households
        if d.support[0] < 0 or (d.support[0] == 0 and d.kind != "lognormal"):
            raise ValueError(f"must be > 0 households; the smallest possible value is {d.support[0]:g}")
        return d

    @field_validator("share_type")
    @classmethod
    def _types(cls, v: Composition) -> Composition:
        missing = set(HOUSEHOLD_TYPES) - set(v.keys)
        if missing and v.concentration is None:
            raise ValueError(f"missing household type(s) {', '.join(sorted(missing))}")
        return v

    @field_validator("share_severity")
    @classmethod
    def _severity(cls, v: dict[str, Composition]) -> dict[str, Composition]:
        unknown = set(v) - set(HOUSEHOLD_TYPES)
        if unknown:
            raise ValueError(f"unknown household type {', '.join(sorted(unknown))}")
        missing = set(HOUSEHOLD_TYPES) - set(v)
        if missing:
            raise ValueError(f"missing household type(s) {', '.join(sorted(missing))}")
        return v


def _opt(kind: Any, default: float, unit: str, source: str = "", description: str = "") -> Any:
    """An optional quantity (None when the block states the alternative form instead)."""
    extra = {"unit": unit, "source": source, "description": description}
    return Field(Fixed(float(default)), json_schema_extra=extra)


class TrajectoryLine(Block):
    """Trajectories per household (new and existing cases) or an absolute count of trajectories; priced
    by the mix of trajectory types (each at its own price) or at one average ``price``."""

    new_cases: NonNeg | None = _opt(NonNeg, 0.0, "trajectories/household", "")
    existing_cases: NonNeg | None = _opt(NonNeg, 0.0, "trajectories/household", "")
    trajectories: NonNeg | None = Field(None, json_schema_extra={"unit": "trajectories", "description":
                                                                 "absolute count (instead of per household)"})
    price: Money | None = Field(None, json_schema_extra={"unit": "€/trajectory", "description":
                                                         "average price (instead of the per-type prices)"})
    mix: TrajectoryMix = _shares_default(social_work=1.0)

    @model_validator(mode="before")
    @classmethod
    def _count_or_share(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("mode") == "price":
            return data
        return one_of(data, ("new_cases", "existing_cases"), "trajectories", "trajectories")


class ExtraCare(TrajectoryLine):
    mix: TrajectoryMix = _shares_default(youth_parenting=0.5, individual_guidance=0.5)


class Role(Block):
    """One role in the team: fte × cost per fte (e.g. consultants, a team leader)."""

    title: str = ""
    fte: NonNeg = P(None, "fte")
    cost_per_fte: Money = P(None, "€/fte/yr")


class Costs(Block):
    team_fte: NonNeg | None = P(None, "fte", f"{S_STEEN} §3.1", "team members")
    cost_per_fte: Money | None = P(80_700, "€/fte/yr", f"{S_STEEN} §3.2.1", "incl. housing and overhead")
    team: dict[str, Role] | None = None
    other_team_costs: Money = P(0, "€/yr", "")
    additional_share: Share = P(0.0, "fraction of team cost", "")
    additional_is_friction: bool = False
    friction_share: Share = P(0.0, "fraction of team cost", "")
    one_off_costs: Money = P(0, "€", "")
    funding: ActorSplit = _shares_default(welzijn=1.0)
    extra_care: ExtraCare = Default()

    @model_validator(mode="before")
    @classmethod
    def _team(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "team" in data:
            both = [k for k in ("team_fte", "cost_per_fte") if k in data]
            if both:
                raise ValueError(f"give the team either as roles (team) or as team_fte × cost_per_fte, not both: "
                                 f"{', '.join(both)} and team are given")
            if not isinstance(data["team"], dict) or not data["team"]:
                raise ValueError("team needs at least one role, e.g. [costs.team.consultants] fte = 25, "
                                 "cost_per_fte = 74000")
            return {**data, "team_fte": None, "cost_per_fte": None}
        if "team_fte" not in data:
            raise ValueError("give team_fte (with cost_per_fte) or the team as roles ([costs.team.<role>] with "
                             "fte and cost_per_fte)")
        return data

    @field_validator("team")
    @classmethod
    def _role_names(cls, v: dict[str, Role] | None) -> dict[str, Role] | None:
        for name in v or {}:
            if not _NAME.match(name):
                raise ValueError(f"role name {name!r}: use letters, digits, _ or - (e.g. team_leader)")
        return v


class TailoredGroup(Block):
    """A group of trajectories whose average cost falls (price mode), e.g. 250 youth trajectories."""

    title: str = ""
    trajectories: NonNeg = P(None, "trajectories")
    cost_reduction: Share = P(None, "fraction of cost per trajectory")
    price: Money = P(None, "€/trajectory")
    actors: ActorSplit


class Tailored(TrajectoryLine):
    mode: Literal["quantity", "price"] = "quantity"
    eligible_trajectories: NonNeg | None = P(0, "trajectories", "", "price mode")
    cost_reduction: Share = P(0.10, "fraction of cost per trajectory", f"{S_WB} §4.2", "price mode")
    groups: dict[str, TailoredGroup] | None = None

    @model_validator(mode="before")
    @classmethod
    def _price_groups(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("mode") != "price":
            return data
        if "groups" in data:
            clash = [k for k in ("eligible_trajectories", "cost_reduction", "price") if k in data]
            if clash:
                raise ValueError(f"price mode takes either groups (each with trajectories, cost_reduction, price "
                                 f"and actors) or one eligible_trajectories × cost_reduction, not both: "
                                 f"{', '.join(clash)} and groups are given")
            return {**data, "eligible_trajectories": None}
        return data

    @field_validator("groups")
    @classmethod
    def _group_names(cls, v: dict[str, TailoredGroup] | None) -> dict[str, TailoredGroup] | None:
        for name in v or {}:
            if not _NAME.match(name):
                raise ValueError(f"group name {name!r}: use letters, digits, _ or -")
        return v


class Work(Block):
    p_to_work: Signed | None = _opt(Signed, 0.0, "fraction of non-working mv adults", "")
    persons: NonNeg | None = Field(None, json_schema_extra={"unit": "persons", "description": "persons to work"})
    start_year: Year = P(1, "year", "")
    benefit_years: Val(0.0, 10.0) = P(3, "years", f"{S_WB} §4.2")

    @model_validator(mode="before")
    @classmethod
    def _count_or_share(cls, data: Any) -> Any:
        return one_of(data, ("p_to_work",), "persons", "persons")


class Debt(Block):
    p_stable: Signed | None = _opt(Signed, 0.0, "fraction of households with debts", "")
    households: NonNeg | None = Field(None, json_schema_extra={"unit": "households",
                                                               "description": "households financially stable"})

    @model_validator(mode="before")
    @classmethod
    def _count_or_share(cls, data: Any) -> Any:
        return one_of(data, ("p_stable",), "households", "households")


class School(Block):
    p_dropout_reduction: Signed | None = _opt(Signed, 0.0, "fraction of children", "")
    youths: NonNeg | None = Field(None, json_schema_extra={"unit": "youths",
                                                           "description": "youths with a start qualification"})
    rediscount: bool = True

    @model_validator(mode="before")
    @classmethod
    def _count_or_share(cls, data: Any) -> Any:
        return one_of(data, ("p_dropout_reduction",), "youths", "youths")


class VolumeChange(Block):
    change: Signed = P(0.0, "signed fraction (negative = fewer)", "")
    base_volume: NonNeg = P(0.0, "per year", "")


class Referrals(VolumeChange):
    actors: ActorSplit = _shares_default(zvw=1.0)


class EscalationRates(Block):
    families: Share = P(0.0, "fraction of households", "")
    elderly: Share = P(0.0, "fraction of households", "")
    other: Share = P(0.0, "fraction of households", "")


class EscalationCounts(Block):
    families: NonNeg = P(0.0, "households")
    elderly: NonNeg = P(0.0, "households")
    other: NonNeg = P(0.0, "households")


class Escalation(Block):
    rate: EscalationRates | None = Default()
    households: EscalationCounts | None = Field(None, json_schema_extra={
        "unit": "households", "description": "households kept from moving one class up, per type"})
    start_year: Year = P(1, "year", f"{S_META} §4.4")
    duration_years: Val(0.0, 10.0) = P(1.5, "years", f"{S_STEEN} (benadering; de regel is niet gepubliceerd)")
    attribution: Share = P(1.0, "fraction", f"{S_META} tabel 4.7",
                                   "share of the prevented escalation due to the team (0.5 for gross rates)")
    relapse: Share = P(0.0, "fraction", "", "share that relapses (0.2 for gross rates)")

    @model_validator(mode="before")
    @classmethod
    def _count_or_share(cls, data: Any) -> Any:
        return one_of(data, ("rate",), "households", "households")


class QualityOfLife(Block):
    qalys: Val(0.0, limit=MAX_COUNT) = P(0.0, "QALY", "")


class Nuisance(Block):
    households: NonNeg = P(0.0, "households", "")
    actor: Literal[ACTORS] = "households"  # type: ignore[valid-type]


class Effects(Block):
    substitution: TrajectoryLine = Default()
    tailored: Tailored = Default()
    work: Work = Default()
    debt: Debt = Default()
    school: School = Default()
    consults: VolumeChange = Default()
    referrals: Referrals = Default()
    escalation: Escalation = Default()
    quality_of_life: QualityOfLife = Default()
    nuisance: Nuisance = Default()


class TrajectoryPrices(Block):
    debt_help: Money = P(0, "€/trajectory", "")
    reintegration: Money = P(0, "€/trajectory", "")
    day_care: Money = P(0, "€/trajectory", "")
    social_work: Money = P(0, "€/trajectory", "")
    household_help: Money = P(0, "€/trajectory", "")
    individual_guidance: Money = P(0, "€/trajectory", "")
    youth_parenting: Money = P(0, "€/trajectory", "")
    youth_mental_health: Money = P(0, "€/trajectory", "")
    mental_health: Money = P(0, "€/trajectory", "")


class Prices(Block):
    trajectory: TrajectoryPrices = Default()
    average_trajectory: Money = P(0, "€/trajectory", "")
    qaly_value: Money = P(50_000, "€/QALY", f"{S_STEEN} §4.1.2 fn 10; {S_META} §4.3.4 fn 21")
    care_profile_factor: Val(0.0, limit=MAX_COUNT) = P(1.0, "× profile", "", "multiplier on the care-consumption profile")
    care_profile: dict[str, dict[str, list[FiniteFloat]]] | None = None
    assistance_saving: Money = P(16_800, "€/person/yr", f"{S_WB} §4.2 fn 13; {S_META} §4.3.2")
    income_gain: Money = P(0, "€/person/yr", "", "income gain of a person who finds work")
    debt_saving: Money = P(0, "€/household", "")
    school_qualification: Money = P(70_000, "€/youth (lifetime NPV)", f"{S_WB} §4.2")
    first_line_consult: Money = P(0, "€/consult", "")
    second_line_referral: Money = P(0, "€/referral", "")
    nuisance_per_household: Money = P(0, "€/household", "")

    @field_validator("care_profile")
    @classmethod
    def _profile(cls, v: dict[str, dict[str, list[float]]] | None) -> Any:
        if v is None:
            return v
        if set(v) != set(HOUSEHOLD_TYPES):
            raise ValueError(f"needs exactly the household types {', '.join(HOUSEHOLD_TYPES)}")
        for t, rows in v.items():
            if set(rows) != set(SEVERITIES):
                raise ValueError(f"{t}: needs exactly the severity classes {', '.join(SEVERITIES)}")
            for s, row in rows.items():
                if len(row) != 6:
                    raise ValueError(f"{t}.{s}: needs 6 amounts (wi, wmo, welzijn, jeugd, zvw, rijk)")
                bad = [x for x in row if not 0 <= x <= MAX_MONEY]
                if bad:
                    raise ValueError(f"{t}.{s}: amounts must lie in [0, {MAX_MONEY:g}] € per year, got {bad[0]:g}")
        return v




def _weights(value: Any) -> tuple[float, ...]:
    """A line's timing: 10 weights (years 0..9) that sum to 1, or ``{ weights = [...], total = T }``
    when the line's amount really counts T times (e.g. a yearly cost paid in four years)."""
    total = 1.0
    if isinstance(value, dict):
        unknown = set(value) - {"weights", "total", "note", "source"}
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}; a timing table has weights and total")
        if "weights" not in value or "total" not in value:
            raise ValueError("a timing table needs weights = [10 numbers] and total = <their sum>")
        total = value["total"]
        if isinstance(total, bool) or not isinstance(total, (int, float)) or not 0 < total < 1e6:
            raise ValueError(f"total must be a number > 0, got {total!r}")
        value = value["weights"]
    if not isinstance(value, list):
        raise ValueError("expected a list of 10 weights (years 0..9)")
    if len(value) != 10:
        raise ValueError(f"needs 10 weights (years 0..9), got {len(value)}")
    for i, x in enumerate(value):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise ValueError(f"weight [{i}] must be a finite number, got {x!r}")
        if x < 0:
            raise ValueError(f"weights must be >= 0, got {x:g} for year {i}")
    s = math.fsum(value)
    if abs(s - total) > 1e-6 * total:
        hint = ("weights spread the line's amount over the years and sum to 1" if total == 1.0 else
                "the weights must add up to the stated total")
        raise ValueError(f"the weights sum to {s:.6g}, not {total:g}: {hint} (if the amount really counts "
                         f"{s:.6g} times, write {{ weights = [...], total = {s:.6g} }})")
    return tuple(float(x) for x in value)


Weights = Annotated[tuple[float, ...] | None, _Before(lambda v: None if v is None else _weights(v))]


class Timing(Block):
    """Optional per-line timing weights over years 0..9; unset lines keep the
    default profile."""

    null_situation: Weights = None
    additional: Weights = None
    friction: Weights = None
    extra_care: Weights = None
    new_for_old: Weights = None
    tailored: Weights = None
    substitution: Weights = None
    consults: Weights = None
    referrals: Weights = None
    debt: Weights = None
    quality_of_life: Weights = None
    children: Weights = None

    @property
    def lines(self) -> dict[str, tuple[float, ...]]:
        """The lines this study times itself."""
        return {k: v for k in type(self).model_fields if (v := getattr(self, k)) is not None}


class Correlation(Block):
    """Rank (Spearman) correlation of two uncertain inputs, induced by a Gaussian copula."""

    inputs: tuple[str, str] = Field(strict=False)  # a TOML array of two names
    rank: float = Field(gt=-1.0, lt=1.0, allow_inf_nan=False)
    note: str = ""


def _not_reserved(name: str) -> str:
    if name in RESERVED_SCENARIOS:
        raise ValueError(f"{name!r} is reserved for the study without overrides; choose another scenario name")
    return name


class Scenario(Block):
    name: Annotated[str, AfterValidator(_not_reserved)] = Name()
    title: str = ""
    description: str = ""
    set: dict[str, Any] = Field({})


class OwnLine(Block):
    """A cost or benefit line the template lacks: amount = product of ``factors`` (study or model inputs by
    path), spread over years 0..9 by ``timing`` (or ``start_year`` + ``duration_years``), split over actors.
    Data only: nothing is evaluated."""

    name: str = Field(pattern=IDENT_PATTERN)
    title: str = ""
    title_en: str = ""
    kind: Literal["cost", "financial", "immaterial"]
    factors: list[str] = Field(min_length=1)
    timing: list[FiniteFloat] | None = None
    start_year: Year | None = None
    duration_years: Val(0.0, 10.0) | None = None
    actors: ActorSplit
    description: str = ""
    source: str = ""
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _timing_form(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        block = [k for k in ("start_year", "duration_years") if k in data]
        if "timing" in data and block:
            raise ValueError(f"give either timing (10 weights, years 0..9) or start_year and duration_years, "
                             f"not both: timing and {', '.join(block)} are given")
        if "timing" not in data and len(block) < 2:
            missing = [k for k in ("start_year", "duration_years") if k not in data]
            raise ValueError("give timing (10 weights, years 0..9) or start_year and duration_years"
                             + (f" (missing {', '.join(missing)})" if block else ""))
        return data

    @field_validator("name")
    @classmethod
    def _not_builtin(cls, v: str) -> str:
        if v in BUILTIN_NAMES:
            raise ValueError(f"{v!r} is the name of a built-in line or total; choose another name")
        return v

    @field_validator("timing")
    @classmethod
    def _weights(cls, w: list[float] | None) -> list[float] | None:
        if w is None:
            return w
        if len(w) != 10:
            raise ValueError(f"needs 10 weights (years 0..9), got {len(w)}")
        if any(x < 0 for x in w):
            raise ValueError("weights must be >= 0")
        return w


class Plan(Block):
    """A multi-year plan: one cohort ("one year of approach") starts in each plan year, with that year's
    team size and the share of the full effect reached; extra investments per year."""

    years: list[int] = Field(min_length=1)
    team_fte: list[FiniteFloat] | None = None
    team_cost: list[FiniteFloat] | None = None
    ramp_up: list[FiniteFloat] | None = None
    investments: list[FiniteFloat] | None = None
    investment_actors: ActorSplit = _shares_default(municipality_other=1.0)
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _lengths(self) -> "Plan":
        n = len(self.years)
        if self.team_fte is not None and self.team_cost is not None:
            raise ValueError("give the team per year as team_fte or as team_cost, not both")
        if any(b <= a for a, b in zip(self.years, self.years[1:])):
            raise ValueError("years must increase by at least 1")
        if self.years[-1] - self.years[0] != n - 1:
            raise ValueError("years must be consecutive (one entry per year)")
        for key in ("team_fte", "team_cost", "ramp_up", "investments"):
            v = getattr(self, key)
            if v is None:
                continue
            if len(v) != n:
                raise ValueError(f"{key} needs one value per plan year ({n}), got {len(v)}")
            if any(x < 0 for x in v):
                raise ValueError(f"{key}: values must be >= 0")
        if self.ramp_up is not None and any(x > 1 for x in self.ramp_up):
            raise ValueError("ramp_up: shares of the full effect must lie in [0, 1]")
        return self


class StudyModel(Block):
    """The whole study file."""

    study: StudyInfo
    simulation: Simulation = Default()
    finance: Finance = Default()
    reach: Reach
    costs: Costs
    effects: Effects = Default()
    prices: Prices = Default()
    timing: Timing = Default()
    inputs: dict[str, Val()] = Field({})
    lines: list[OwnLine] = Field([])
    plan: Plan | None = None
    correlations: list[Correlation] = Field([])
    scenarios: list[Scenario] = Field([])

    @field_validator("inputs")
    @classmethod
    def _input_names(cls, v: dict[str, Distribution]) -> dict[str, Distribution]:
        for name in v:
            if not re.match(IDENT_PATTERN, name):
                raise ValueError(f"input name {name!r}: start with a letter; letters, digits and _ only")
        return v

    @model_validator(mode="after")
    def _unique_scenarios(self) -> "StudyModel":
        names = [s.name for s in self.scenarios]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"duplicate scenario name(s): {', '.join(sorted(dup))}")
        lines = [line.name for line in self.lines]
        dup = {n for n in lines if lines.count(n) > 1}
        if dup:
            raise ValueError(f"duplicate line name(s): {', '.join(sorted(dup))}")
        return self
