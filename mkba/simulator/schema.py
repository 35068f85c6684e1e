"""The study-file schema (TOML), validated with pydantic.

Blocks follow the LPBL MKBA-tool: reach, costs, effects, prices, finance, timing, simulation. Every
model input is a number or a distribution table; defaults carry their unit and source (file and
locator in the published document, see ``sources.DOCUMENTS``). Unknown keys are errors, so a typo never
silently becomes a default.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..distributions import Distribution, DistributionError, Fixed, from_spec
from ..distributions.parse import META_KEYS
from .domain import ACTORS, HOUSEHOLD_TYPES, SEVERITIES, TRAJECTORIES

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


def _to_dist(value: Any, lo: float | None, hi: float | None, limit: float | None) -> Distribution:
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


def Val(lo: float | None = None, hi: float | None = None, limit: float | None = None) -> Any:  # noqa: N802
    """A study value (number or distribution) whose whole support must lie in [lo, hi] and whose values
    (but for 1e-9 tails) stay within ±limit."""
    return Annotated[Distribution, BeforeValidator(partial(_to_dist, lo=lo, hi=hi, limit=limit))]


def P(default: float | None, unit: str, source: str = "", description: str = "") -> Any:  # noqa: N802
    """Field with a documented default; ``None`` = required."""
    extra = {"unit": unit, "source": source, "description": description}
    if default is None:
        return Field(..., json_schema_extra=extra)
    return Field(default_factory=partial(Fixed, float(default)), json_schema_extra=extra)


Share = Val(0.0, 1.0)
NonNeg = Val(0.0, limit=MAX_COUNT)
Money = Val(0.0, limit=MAX_MONEY)
Signed = Val(-1.0, 1.0)
Year = Val(0.0, 9.0)


def _check_shares(shares: dict[str, float], allowed: tuple[str, ...], what: str) -> dict[str, float]:
    unknown = set(shares) - set(allowed)
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(sorted(unknown))}; choose from {', '.join(allowed)}")
    for k, v in shares.items():
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"share {k} = {v:g} must lie in [0, 1]")
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"shares must sum to 1, they sum to {total:.6g}")
    return shares


class Block(BaseModel):
    # strict: a string never becomes a number or a boolean ("0.45", draws = true, "no" → True)
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, strict=True)


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
SEED_LIMIT = 2**63  # numpy's SeedSequence takes any int, but results.nc and JSON store int64
CHUNK_LIMIT = 2**24  # draws evaluated at once: beyond this one chunk alone needs tens of GB


def _without_meta(v: Any) -> Any:
    """A table of shares may carry its own source and note (``{ families = 0.45, …, source = "…" }``);
    they are provenance (read by ``sources.collect_provenance``), not shares."""
    if not isinstance(v, dict):
        return v
    for key in META_KEYS:
        if key in v and not isinstance(v[key], str):
            raise ValueError(f"{key} must be text (a quoted string), got {v[key]!r}")
    return {k: x for k, x in v.items() if k not in META_KEYS}


Shares = Annotated[dict[str, FiniteFloat], BeforeValidator(_without_meta)]


class StudyInfo(Block):
    name: str = Name()
    title: str = ""
    municipality: str = ""
    year: int | None = None
    language: Literal["nl", "en"] = "nl"
    description: str = ""


class Simulation(Block):
    draws: int = Field(10_000, ge=1)  # what memory and disk allow is checked where a run starts
    seed: int = Field(20190225, ge=0, lt=SEED_LIMIT)
    sampler: Literal["mc", "lhs", "sobol"] = "mc"
    chunk_size: int = Field(65_536, ge=1, le=CHUNK_LIMIT)

    @model_validator(mode="after")
    def _sobol_needs_power_of_two(self) -> Simulation:
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
    return Field(
        default_factory=lambda: TypeShares(families=default[0], elderly=default[1], other=default[2]),
        json_schema_extra=extra,
    )


class Reach(Block):
    n_households: Val(0.0, limit=MAX_COUNT) = P(None, "households", f"{S_STEEN} §3.1", "households in the approach")
    share_type: Shares
    share_severity: Annotated[dict[str, Shares], BeforeValidator(_without_meta)]
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
        if d.support[0] <= 0:
            raise ValueError(f"must be > 0 households; the smallest possible value is {d.support[0]:g}")
        return d

    @field_validator("share_type")
    @classmethod
    def _types(cls, v: dict[str, float]) -> dict[str, float]:
        _check_shares(v, HOUSEHOLD_TYPES, "household type")
        missing = set(HOUSEHOLD_TYPES) - set(v)
        if missing:
            raise ValueError(f"missing household type(s) {', '.join(sorted(missing))}")
        return v

    @field_validator("share_severity")
    @classmethod
    def _severity(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        unknown = set(v) - set(HOUSEHOLD_TYPES)
        if unknown:
            raise ValueError(f"unknown household type {', '.join(sorted(unknown))}")
        missing = set(HOUSEHOLD_TYPES) - set(v)
        if missing:
            raise ValueError(f"missing household type(s) {', '.join(sorted(missing))}")
        for t, shares in v.items():
            try:
                _check_shares(shares, SEVERITIES, "severity class")
            except ValueError as exc:
                raise ValueError(f"{t}: {exc}") from None
        return v


def _mix(v: dict[str, float]) -> dict[str, float]:
    return _check_shares(v, TRAJECTORIES, "trajectory type")


def _actors(v: dict[str, float]) -> dict[str, float]:
    return _check_shares(v, ACTORS, "actor")


class TrajectoryLine(Block):
    new_cases: NonNeg = P(0.0, "trajectories/household", "")
    existing_cases: NonNeg = P(0.0, "trajectories/household", "")
    mix: Shares = Field(default_factory=lambda: {"social_work": 1.0})

    @field_validator("mix")
    @classmethod
    def _check_mix(cls, v: dict[str, float]) -> dict[str, float]:
        return _mix(v)


class ExtraCare(TrajectoryLine):
    mix: Shares = Field(default_factory=lambda: {"youth_parenting": 0.5, "individual_guidance": 0.5})


class Costs(Block):
    team_fte: NonNeg = P(None, "fte", f"{S_STEEN} §3.1", "team members")
    cost_per_fte: Money = P(80_700, "€/fte/yr", f"{S_STEEN} §3.2.1", "incl. housing and overhead")
    other_team_costs: Money = P(0, "€/yr", "")
    additional_share: Share = P(0.0, "fraction of team cost", "")
    additional_is_friction: bool = False
    friction_share: Share = P(0.0, "fraction of team cost", "")
    one_off_costs: Money = P(0, "€", "")
    funding: Shares = Field(default_factory=lambda: {"welzijn": 1.0})
    extra_care: ExtraCare = Field(default_factory=ExtraCare)

    @field_validator("funding")
    @classmethod
    def _check_funding(cls, v: dict[str, float]) -> dict[str, float]:
        return _actors(v)


class Tailored(TrajectoryLine):
    mode: Literal["quantity", "price"] = "quantity"
    eligible_trajectories: NonNeg = P(0, "trajectories", "", "price mode")
    cost_reduction: Share = P(0.10, "fraction of cost per trajectory", f"{S_WB} §4.2", "price mode")


class Work(Block):
    p_to_work: Signed = P(0.0, "fraction of non-working mv adults", "")
    start_year: Year = P(1, "year", "")
    benefit_years: Val(0.0, 10.0) = P(3, "years", f"{S_WB} §4.2")


class Debt(Block):
    p_stable: Signed = P(0.0, "fraction of households with debts", "")


class School(Block):
    p_dropout_reduction: Signed = P(0.0, "fraction of children", "")
    rediscount: bool = True


class VolumeChange(Block):
    change: Signed = P(0.0, "signed fraction (negative = fewer)", "")
    base_volume: NonNeg = P(0.0, "per year", "")


class Referrals(VolumeChange):
    actors: Shares = Field(default_factory=lambda: {"zvw": 1.0})

    @field_validator("actors")
    @classmethod
    def _check_actors(cls, v: dict[str, float]) -> dict[str, float]:
        return _actors(v)


class EscalationRates(Block):
    families: Share = P(0.0, "fraction of households", "")
    elderly: Share = P(0.0, "fraction of households", "")
    other: Share = P(0.0, "fraction of households", "")


class Escalation(Block):
    rate: EscalationRates = Field(default_factory=EscalationRates)
    start_year: Year = P(1, "year", f"{S_META} §4.4")
    duration_years: Val(0.0, 10.0) = P(1.5, "years", f"{S_STEEN} (benadering; de regel is niet gepubliceerd)")
    attribution: Share = P(1.0, "fraction", f"{S_META} tabel 4.7",
                                   "share of the prevented escalation due to the team (0.5 for gross rates)")
    relapse: Share = P(0.0, "fraction", "", "share that relapses (0.2 for gross rates)")


class QualityOfLife(Block):
    qalys: Val(0.0, limit=MAX_COUNT) = P(0.0, "QALY", "")


class Nuisance(Block):
    households: NonNeg = P(0.0, "households", "")
    actor: Literal[ACTORS] = "households"  # type: ignore[valid-type]


class Effects(Block):
    substitution: TrajectoryLine = Field(default_factory=TrajectoryLine)
    tailored: Tailored = Field(default_factory=Tailored)
    work: Work = Field(default_factory=Work)
    debt: Debt = Field(default_factory=Debt)
    school: School = Field(default_factory=School)
    consults: VolumeChange = Field(default_factory=VolumeChange)
    referrals: Referrals = Field(default_factory=Referrals)
    escalation: Escalation = Field(default_factory=Escalation)
    quality_of_life: QualityOfLife = Field(default_factory=QualityOfLife)
    nuisance: Nuisance = Field(default_factory=Nuisance)


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
    trajectory: TrajectoryPrices = Field(default_factory=TrajectoryPrices)
    average_trajectory: Money = P(0, "€/trajectory", "")
    qaly_value: Money = P(50_000, "€/QALY", f"{S_STEEN} §4.1.2 fn 10; {S_META} §4.3.4 fn 21")
    care_profile_factor: Val(0.0, limit=MAX_COUNT) = P(1.0, "× profile", "multiplier on the care-consumption profile")
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


Weights = Annotated[tuple[float, ...] | None, BeforeValidator(lambda v: None if v is None else _weights(v))]


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
    set: dict[str, Any] = Field(default_factory=dict)


class StudyModel(Block):
    """The whole study file."""

    study: StudyInfo
    simulation: Simulation = Field(default_factory=Simulation)
    finance: Finance = Field(default_factory=Finance)
    reach: Reach
    costs: Costs
    effects: Effects = Field(default_factory=Effects)
    prices: Prices = Field(default_factory=Prices)
    timing: Timing = Field(default_factory=Timing)
    correlations: list[Correlation] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_scenarios(self) -> StudyModel:
        names = [s.name for s in self.scenarios]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"duplicate scenario name(s): {', '.join(sorted(dup))}")
        return self
