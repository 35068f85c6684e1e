"""A validated study: study file → frozen parameters, model options and named scenarios.

``Study.from_toml`` is the only place that touches raw dicts; after it everything is typed and every
error names the file and the field path.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..distributions import Distribution, Fixed
from .domain import HOUSEHOLD_TYPES, SEVERITIES, profile_array
from .model import DEFAULT_TIMING, MkbaModel, ModelOptions
from .parameters import Parameter, ParameterSet
from .schema import StudyModel

__all__ = ["Problem", "StudyError", "Study", "default_study_path", "bundled_studies"]


@dataclass(frozen=True)
class Problem:
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        loc = f": {self.location}" if self.location else ""
        return f"{self.file}{loc}: {self.message}"


class StudyError(Exception):
    """A study cannot be used; ``problems`` lists every located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def validation_problems(exc: ValidationError, file: str) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = err["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (not part of the study schema; check the spelling)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        out.append(Problem(file, _loc(loc), msg))
    return out


def _group(path: str) -> str:
    parts = path.split(".")
    if parts[0] == "effects" and len(parts) > 1:
        return parts[1]
    if parts[0] == "costs" and len(parts) > 2:
        return parts[1]
    return parts[0]


def _walk(model: BaseModel, prefix: str) -> Iterator[Parameter]:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if isinstance(value, Distribution):
            yield Parameter(
                path,
                value,
                unit=str(extra.get("unit", "")),
                description=str(extra.get("description", "")),
                source=str(extra.get("source", "")),
                group=_group(path),
            )
        elif isinstance(value, BaseModel):
            for p in _walk(value, path):
                if not p.unit and extra:  # typed sub-tables (e.g. share_debts_mv) inherit their meta
                    p = Parameter(p.name, p.dist, str(extra.get("unit", "")), str(extra.get("description", "")),
                                  str(extra.get("source", "")), p.group)
                yield p


def read_toml(path: str | Path, what: str = "study") -> dict[str, Any]:
    """The raw tables of a TOML file (data only: no eval, no pickle); a located StudyError otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StudyError([Problem(str(path), "", f"cannot read the {what} file: {exc.strerror or exc}")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyError([Problem(str(path), "", f"TOML syntax error: {exc}")]) from None


def set_path(raw: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node = raw
    for k in keys[:-1]:
        nxt = node.get(k)
        if not isinstance(nxt, dict):
            nxt = {}
            node[k] = nxt
        node = nxt
    node[keys[-1]] = value


@dataclass(frozen=True)
class Study:
    """A validated study. Build with :meth:`from_toml` or :meth:`from_dict`."""

    spec: StudyModel
    source: str
    raw: Mapping[str, Any] = field(repr=False)
    scenario_name: str = "base"

    # --- named constructors -------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> Study:
        return cls.from_dict(read_toml(path, "study"), source=str(path))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str = "<dict>") -> Study:
        try:
            spec = StudyModel.model_validate(raw)
        except ValidationError as exc:
            raise StudyError(validation_problems(exc, source)) from None
        study = cls(spec=spec, source=source, raw=copy.deepcopy(dict(raw)))
        problems = study._correlation_problems()
        if problems:
            raise StudyError(problems)
        for i, sc in enumerate(spec.scenarios):  # every scenario must be a valid study too
            try:
                study.scenario(sc.name)
            except StudyError as exc:
                for p in exc.problems:
                    problems.append(Problem(source, f"scenarios[{i}].set ({sc.name}): {p.location}", p.message))
        if problems:
            raise StudyError(problems)
        return study

    def _correlation_problems(self) -> list[Problem]:
        params = self._parameter_list()
        known = {p.name: p for p in params}
        problems = []
        for i, c in enumerate(self.spec.correlations):
            for name in c.inputs:
                if name not in known:
                    problems.append(Problem(self.source, f"correlations[{i}].inputs", f"unknown input {name!r}"))
        if not problems and self.spec.correlations:
            try:
                ParameterSet(params, self._correlations(params))  # pairs given twice, contradictions
            except ValueError as exc:
                problems.append(Problem(self.source, "correlations", str(exc)))
        return problems

    def _correlations(self, params: list[Parameter]) -> list[tuple[str, str, float]]:
        pairs = [(c.inputs[0], c.inputs[1], c.rank) for c in self.spec.correlations]
        # A constant has no correlation: a pair with a fixed input (e.g. a scenario that sets escalation
        # to 0 %) does not apply. Unknown inputs and contradicting pairs are errors (above).
        uncertain = {p.name for p in params if p.uncertain}
        return [(a, b, r) for a, b, r in pairs if a in uncertain and b in uncertain]

    # --- views --------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.study.name

    @property
    def scenarios(self) -> list[str]:
        return [s.name for s in self.spec.scenarios]

    def scenario(self, name: str) -> Study:
        """The study with the overrides of scenario ``name`` applied (``"base"`` = unchanged)."""
        if name == "base":
            return self
        found = [s for s in self.spec.scenarios if s.name == name]
        if not found:
            raise StudyError([Problem(self.source, "scenarios", f"no scenario named {name!r}; "
                                      f"available: {', '.join(['base', *self.scenarios])}")])
        raw = copy.deepcopy(dict(self.raw))
        raw.pop("scenarios", None)
        for path, value in found[0].set.items():
            set_path(raw, path, value)
        try:
            spec = StudyModel.model_validate(raw)
        except ValidationError as exc:
            raise StudyError(validation_problems(exc, self.source)) from None
        study = Study(spec=spec, source=self.source, raw=self.raw, scenario_name=name)
        problems = study._correlation_problems()
        if problems:
            raise StudyError(problems)
        return study

    def scenario_title(self, name: str) -> str:
        for s in self.spec.scenarios:
            if s.name == name:
                return s.title or s.name
        return "base"

    @property
    def content_hash(self) -> str:
        blob = json.dumps(self.raw, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @property
    def parameters(self) -> ParameterSet:
        """Every model input with its distribution, unit, source and group (+ the correlations)."""
        params = self._parameter_list()
        return ParameterSet(params, self._correlations(params))

    def _parameter_list(self) -> list[Parameter]:
        s = self.spec
        params = list(_walk(s.finance, "finance"))
        params += list(_walk(s.reach, "reach"))
        src = "study file (shares are fixed inputs)"
        for t in HOUSEHOLD_TYPES:
            params.append(Parameter(f"reach.share_type.{t}", Fixed(s.reach.share_type[t]), "fraction", source=src,
                                    group="reach"))
        for t in HOUSEHOLD_TYPES:
            for sev in SEVERITIES:
                v = s.reach.share_severity[t].get(sev, 0.0)
                params.append(Parameter(f"reach.share_severity.{t}.{sev}", Fixed(v), "fraction", source=src,
                                        group="reach"))
        params += list(_walk(s.costs, "costs"))
        params += list(_walk(s.effects, "effects"))
        params += list(_walk(s.prices, "prices"))
        return params

    @property
    def options(self) -> ModelOptions:
        s = self.spec
        timing = dict(DEFAULT_TIMING)
        timing.update({k: tuple(v) for k, v in s.timing.lines.items()})
        kw: dict[str, Any] = {}
        if s.prices.care_profile is not None:
            prof = {t: {sev: tuple(row) for sev, row in rows.items()} for t, rows in s.prices.care_profile.items()}
            kw["care_profile"] = tuple(map(tuple, profile_array(prof).reshape(-1, 6)))
        return ModelOptions(
            mix_extra_care=dict(s.costs.extra_care.mix),
            mix_substitution=dict(s.effects.substitution.mix),
            mix_tailored=dict(s.effects.tailored.mix),
            tailored_mode=s.effects.tailored.mode,
            funding=dict(s.costs.funding),
            additional_is_friction=s.costs.additional_is_friction,
            referral_actors=dict(s.effects.referrals.actors),
            nuisance_actor=s.effects.nuisance.actor,
            timing=timing,
            discount_combination=s.finance.combination,
            children_rediscount=s.effects.school.rediscount,
            **kw,
        )

    @property
    def model(self) -> MkbaModel:
        return MkbaModel(self.options)


def default_study_path() -> Path:
    """The bundled default study (the Steenwijkerland forward look), usable from any folder."""
    return Path(str(resources.files("mkba") / "studies" / "steenwijkerland-doorkijk.toml"))


def bundled_studies() -> list[Path]:
    """The example studies shipped with mkba (batch files, ``*-batch.toml``, excluded)."""
    folder = Path(str(resources.files("mkba") / "studies"))
    return sorted(p for p in folder.glob("*.toml") if not p.name.endswith("-batch.toml"))
