"""A validated study: study file → frozen parameters, model options and named scenarios.

``Study.from_toml`` is the only place that touches raw dicts; after it everything is typed and every
error names the file and the field path.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from ..distributions import Composition, Distribution
from .domain import HOUSEHOLD_TYPES, SEVERITIES, profile_array
from .model import DEFAULT_TIMING, MkbaModel, ModelOptions, OwnLineSpec, PlanSpec
from .parameters import Parameter, ParameterSet
from .schema import ALTERNATIVES, KEY_MARK, MAX_MONEY, StudyModel
from .sources import Provenance, collect_provenance, default_source, lookup

_PROBE_MIXES = 32  # random corner mixes in the model probe of Study.from_dict

__all__ = ["Problem", "StudyError", "Study", "default_study_path", "bundled_studies"]


@dataclass(frozen=True)
class Problem:
    """One located problem of a study or batch file: ``file: location: message``."""

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


def known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the schema allows in the table at ``loc`` (a path below ``model``), [] when unknown."""
    cls: Any = model
    named = False  # the next part is a freely named entry ([costs.team.<role>])
    for part in loc:
        if cls is None:
            return []
        if named or isinstance(part, int):  # a named entry or a list item: same block
            named = False
            continue
        if part not in cls.model_fields:
            return []
        cls, named = _block_type(cls.model_fields[part].annotation)
    return list(cls.model_fields) if cls is not None and not named else []


def _block_type(annotation: Any) -> tuple[Any, bool]:
    """(the block class a field holds, through ``X | None``, ``list[X]`` and ``dict[str, X]``; whether
    it is a table of named blocks), or (None, False)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is dict and args:
        inner, _ = _block_type(args[-1])
        return inner, inner is not None
    for arg in args if origin in (list, types.UnionType, typing.Union) else ():
        inner, named = _block_type(arg)
        if inner is not None:
            return inner, named
    return None, False


def _suggest(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    if model is None or not loc or not isinstance(loc[-1], str):
        return ""
    from difflib import get_close_matches  # only for a file with problems

    near = get_close_matches(loc[-1], known_keys(model, loc[:-1]), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""


def validation_problems(exc: ValidationError, file: str, model: type[BaseModel] | None = None) -> list[Problem]:
    """One located problem per pydantic error; ``model`` (the validated class) adds "did you mean …" for a
    misspelt key."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = err["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        if err["type"] == "extra_forbidden":
            kind = "batch" if model is not None and model.__name__.startswith("Batch") else "study"
            msg = f"unknown key (not part of the {kind} schema" + (_suggest(model, loc) or "; check the spelling") + ")"
        elif err["type"] == "missing":
            msg = "required field is missing"
        if KEY_MARK in msg:  # a problem with one share of a set: locate it at that key
            key, msg = msg.split(KEY_MARK, 1)
            loc = (*loc, key)
        out.append(Problem(file, _loc(loc), msg))
    return out


def _group(path: str) -> str:
    parts = path.split(".")
    if parts[0] == "effects" and len(parts) > 1:
        return parts[1]
    if parts[0] == "costs" and len(parts) > 2:
        return parts[1]
    if parts[0] == "lines" and len(parts) > 1:
        return f"lines.{parts[1]}"
    return parts[0]


def _param(path: str, dist: Distribution, extra: Mapping[str, Any], group: str | None = None) -> Parameter:
    return Parameter(path, dist, unit=str(extra.get("unit", "")), description=str(extra.get("description", "")),
                     source=str(extra.get("source", "")), group=group or _group(path))


def _composition(path: str, comp: Composition, keys: tuple[str, ...] | None, out: list[Parameter],
                 groups: list[tuple[tuple[str, ...], tuple[float, ...]]], extra: Mapping[str, Any]) -> None:
    """One input per share (its Beta marginal when Dirichlet); ``keys``: also the absent keys (as 0)."""
    meta = {"unit": "fraction", **{k: v for k, v in extra.items() if k != "unit"}}
    for k in keys or comp.keys:
        out.append(_param(f"{path}.{k}", comp.marginal(k), meta))
    if not comp.is_fixed:
        groups.append((tuple(f"{path}.{k}" for k in comp.keys), comp.alphas))


def _walk(model: BaseModel, prefix: str, groups: list, skip: frozenset[str] = frozenset()) -> Iterator[Parameter]:
    for name, info in type(model).model_fields.items():
        if name in skip:
            continue
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if isinstance(value, Distribution):
            yield _param(path, value, extra)
        elif isinstance(value, Composition):
            out: list[Parameter] = []
            _composition(path, value, None, out, groups, extra)
            yield from out
        elif isinstance(value, BaseModel):
            for p in _walk(value, path, groups):
                if not p.unit and extra:  # typed sub-tables (e.g. share_debts_mv) inherit their meta
                    p = Parameter(p.name, p.dist, str(extra.get("unit", "")), str(extra.get("description", "")),
                                  str(extra.get("source", "")), p.group)
                yield p
        elif isinstance(value, dict):  # named sub-tables: team roles, tailoring groups
            for key, sub in value.items():
                if isinstance(sub, BaseModel):
                    yield from _walk(sub, f"{path}.{key}", groups)


MAX_FILE_BYTES = 4_000_000  # a study or batch file is a few kB; beyond this it is the wrong file
MAX_NESTING = 64  # tables/arrays within each other: studies need 4; Python's parser recurses per level

# What a file passed by mistake usually is, recognised by its first bytes.
_MAGIC = (
    (b"\x89HDF", "a NetCDF/HDF5 file (results.nc?)"),
    (b"CDF\x01", "a NetCDF file (results.nc?)"),
    (b"CDF\x02", "a NetCDF file (results.nc?)"),
    (b"PK\x03\x04", "a ZIP file (an .xlsx, .docx or .npz?)"),
    (b"\x93NUMPY", "a NumPy file"),
    (b"%PDF", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
)


def read_text(path: str | Path, what: str = "study") -> str:
    """The text of a UTF-8 study or batch file (a UTF-8 byte-order mark is allowed); a located
    StudyError for what is not such a file, before any parsing."""
    file = str(path)

    def fail(message: str, location: str = "") -> StudyError:
        return StudyError([Problem(file, location, message)])

    try:
        p = Path(path)
        size = p.stat().st_size
        if p.is_dir():
            raise fail(f"is a folder, not a {what} file")
        if size > MAX_FILE_BYTES:
            raise fail(f"the file is {size / 1e6:,.1f} MB; a {what} file is text of a few kB (limit "
                       f"{MAX_FILE_BYTES / 1e6:g} MB): is it the right file?")
        data = p.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read the {what} file: {exc.strerror or exc}") from None
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise fail(f"this is {kind}, not a {what} file (TOML text)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise fail("the file is not UTF-8 text (saved as UTF-16?); save it as UTF-8")
    if b"\x00" in data:
        raise fail(f"the file is binary, not a {what} file (TOML text)")
    if data.startswith(b"\xef\xbb\xbf"):  # the BOM some Windows editors write
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail("the file is not UTF-8 text (saved as Windows-1252/Latin-1 or UTF-16?); save it as UTF-8",
                   f"line {line}") from None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    return len(sample) >= 4 and max(sample[0::2].count(0), sample[1::2].count(0)) > 0.3 * len(sample) / 2


_COMMA_NUMBER = re.compile(r"(?<![\w.\"'])(-?\d+),(\d+)(?![\w.\"'])")


def _decimal_comma(text: str, error: str) -> tuple[str, str] | None:
    """(location, message) when a TOML error comes from a Dutch decimal comma (``0,3`` for 0.3)."""
    m = re.search(r"at line (\d+)", error)
    if not m:
        return None
    n = int(m.group(1))
    lines = text.splitlines()
    line = lines[n - 1] if 0 < n <= len(lines) else ""
    code = line.split("#", 1)[0]
    hit = _COMMA_NUMBER.search(code)
    if hit is None or code.rfind("[", 0, hit.start()) > code.rfind("]", 0, hit.start()):
        return None  # inside a list ([1,5] is valid TOML): the error is something else
    value = f"{hit.group(1)}.{hit.group(2)}"
    return (f"line {n}", f"{hit.group(0)!s} looks like a Dutch decimal comma: TOML writes decimals with a point "
                         f"({value}), and a comma separates values (TOML syntax error: {error})")


def read_toml(path: str | Path, what: str = "study") -> dict[str, Any]:
    """The raw tables of a TOML file (data only: no eval, no pickle); a located StudyError otherwise."""
    text = read_text(path, what)
    file = str(path)
    deep = _too_deep(text)
    if deep:  # refuse before the parser recurses into it (RecursionError)
        raise StudyError([Problem(file, f"line {deep}", f"tables or arrays nested more than {MAX_NESTING} deep")])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        comma = _decimal_comma(text, str(exc))
        raise StudyError([Problem(file, comma[0], comma[1]) if comma else
                          Problem(file, "", f"TOML syntax error: {exc}")]) from None
    except RecursionError:
        raise StudyError([Problem(file, "", "tables or arrays nested too deeply")]) from None
    except ValueError as exc:  # e.g. an integer beyond Python's 4,300-digit conversion limit
        m = re.search(r"[0-9_]{4000,}", text)
        where = f"line {text[: m.start()].count(chr(10)) + 1}" if m else ""
        msg = "a number with thousands of digits" if m else f"cannot parse the file: {exc}"
        raise StudyError([Problem(file, where, msg)]) from None


def _too_deep(text: str) -> int:
    """The line where brackets first nest deeper than MAX_NESTING (strings and comments skipped
    roughly: quotes toggle, # ends the line), else 0."""
    depth, line, quote = 0, 1, ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return 0


# --- scenario overrides -------------------------------------------------------------------------

_LEAF, _UNKNOWN = "value", "unknown"


def _node(annotation: Any) -> Any:
    """What a schema type is for overrides: a block (BaseModel subclass: a table of named fields),
    ("dict", node) (a table of free keys), or a single value."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _node(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = [_node(a) for a in typing.get_args(annotation) if a is not type(None)]
        return next((k for k in kinds if k != _LEAF), _LEAF)
    if origin is dict:
        return ("dict", _node(typing.get_args(annotation)[1]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return _LEAF


def _child(node: Any, key: str) -> Any:
    if isinstance(node, type):
        info = node.model_fields.get(key)
        return _UNKNOWN if info is None else _node(info.annotation)
    if isinstance(node, tuple):
        return node[1]
    return _UNKNOWN


def _is_value_table(value: Any) -> bool:
    return isinstance(value, dict) and ("dist" in value or {"p5", "p95"} <= value.keys())


def flatten_overrides(overrides: Mapping[str, Any], schema: type[BaseModel] | None = None) -> dict[str, Any]:
    """A scenario's ``set`` table as {full dotted path: value}, the same whether keys are quoted
    (``"effects.escalation.rate" = {...}``) or nested (``effects.escalation.rate = {...}``, which TOML
    reads as nested tables): a table given for a table of the study overrides only the keys it names;
    a single value (number, distribution table, list) is replaced whole. Raises ValueError
    ``(path, message)`` for a path that goes inside a single value."""
    out: dict[str, Any] = {}
    root = StudyModel if schema is None else schema

    def place(node: Any, path: list[str], value: Any) -> None:
        if isinstance(value, dict) and not _is_value_table(value) and node not in (_LEAF, _UNKNOWN):
            if not value:  # would otherwise reset the whole table to its defaults
                raise OverrideError(".".join(path) or "set", "an empty table sets nothing; name the keys to change")
            for k, v in value.items():
                descend(node, path, str(k).split("."), v)
        else:
            out[".".join(path)] = value

    def descend(node: Any, path: list[str], parts: list[str], value: Any) -> None:
        for i, part in enumerate(parts):
            if node == _LEAF:
                here = ".".join(path)
                raise OverrideError(".".join([*path, *parts[i:]]),
                                    f"{here} is a single value (a number, list or distribution table), so a "
                                    f"scenario sets it whole, e.g. \"{here}\" = {{ dist = \"pert\", min = …, "
                                    "mode = …, max = … }")
            if not part:
                raise OverrideError(".".join([*path, *parts]), "empty name in a dotted path")
            node = _child(node, part)
            path = [*path, part]
        if path == ["scenarios"]:
            raise OverrideError("scenarios", "a scenario cannot set the list of scenarios")
        place(node, path, value)

    for key, value in overrides.items():
        descend(root, [], str(key).split("."), value)
    return out


class OverrideError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        self.path, self.message = path, message
        super().__init__(f"{path}: {message}")


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The study dict with a scenario's overrides applied (scenarios dropped); see flatten_overrides."""
    out = copy.deepcopy(dict(raw))
    out.pop("scenarios", None)
    for path, value in flatten_overrides(overrides).items():
        set_path(out, path, copy.deepcopy(value))
        _drop_alternatives(out, path)
    return out


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


def _drop_alternatives(raw: dict[str, Any], path: str) -> None:
    """A scenario that sets one form of a quantity (e.g. ``effects.work.persons``) replaces the other
    (``p_to_work``) instead of clashing with it."""
    *parent, key = path.split(".")
    node: Any = raw
    for k in parent:
        node = node.get(k) if isinstance(node, dict) else None
    if isinstance(node, dict):
        for alt in ALTERNATIVES.get(key, ()):
            node.pop(alt, None)


@dataclass(frozen=True)
class Study:
    """A validated study. Build with :meth:`from_toml` or :meth:`from_dict`."""

    spec: StudyModel
    source: str
    raw: Mapping[str, Any] = field(repr=False)
    scenario_name: str = "base"
    # dotted path → who gave the value and its source/note (from the file, with a scenario's overrides)
    provenance: Mapping[str, Provenance] = field(default_factory=dict, repr=False, compare=False)

    # --- named constructors -------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> Study:
        return cls.from_dict(read_toml(path, "study"), source=str(path))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str = "<dict>") -> Study:
        try:
            spec = StudyModel.model_validate(raw)
        except ValidationError as exc:
            raise StudyError(validation_problems(exc, source, StudyModel)) from None
        study = cls(spec=spec, source=source, raw=copy.deepcopy(dict(raw)), provenance=collect_provenance(raw))
        problems = study.factor_problems() + study._correlation_problems() or study._model_problems()
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

    def _model_problems(self) -> list[Problem]:
        """The model on probe draws (every input at the middle of its range, all at their lower and all at their upper
        extremes — the support, or the 1e-9 tail quantiles of an unbounded distribution — and random
        mixes of these): every line must be a finite amount within ± MAX_MONEY. Each input passing its
        own range check does not bound their product; this is what `run` would meet."""
        params = self._parameter_list()
        n = 3 + _PROBE_MIXES
        # which extreme each input takes in each mix: fixed pseudo-random bits (the standard library's
        # generator, already loaded; numpy.random alone would add ~4 ms to `mkba validate`)
        picks = np.frombuffer(random.Random(0).randbytes(n * len(params)), np.uint8).reshape(len(params), n) < 128
        picks[:, :3] = (False, True, False)
        with np.errstate(all="ignore"):
            try:
                lo, hi = np.array([p.dist.extremes for p in params], dtype=float).reshape(-1, 2).T
                v = np.where(picks, lo[:, None], hi[:, None])  # all inputs at once: one row each
                v[:, 0] = (lo + hi) / 2  # not base or mean: those may need scipy (validate stays light)
                out = self.model({p.name: row for p, row in zip(params, v)})
            except (ArithmeticError, ValueError) as exc:
                return [Problem(self.source, "", f"the model cannot be evaluated on these inputs: {exc}")]
        line = np.asarray(out["line"], dtype=float)
        bad = ~np.isfinite(line) | (np.abs(line) > MAX_MONEY)
        if bad.any():
            draw, item = (int(x[0]) for x in np.nonzero(bad))
            value = line[draw, item]
            where = "at the middle of the inputs' ranges" if draw == 0 else "at extreme input values"
            what = "is not a finite number" if not np.isfinite(value) else f"reaches € {value:.3g}"
            return [Problem(self.source, "", f"model line {self.model.items[item]!r} {what} {where}, beyond the plausible "
                            f"± € {MAX_MONEY:g} per line; check the units and ranges of its inputs")]
        return []

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
        try:
            raw = apply_overrides(self.raw, found[0].set)
        except OverrideError as exc:
            raise StudyError([Problem(self.source, exc.path, exc.message)]) from None
        try:
            spec = StudyModel.model_validate(raw)
        except ValidationError as exc:
            raise StudyError(validation_problems(exc, self.source, StudyModel)) from None
        study = Study(spec=spec, source=self.source, raw=self.raw, scenario_name=name,
                      provenance=_scenario_provenance(raw, flatten_overrides(found[0].set), found[0].title or name))
        problems = study.factor_problems() + study._correlation_problems() or study._model_problems()
        if problems:
            raise StudyError(problems)
        return study

    def scenario_title(self, name: str) -> str:
        for s in self.spec.scenarios:
            if s.name == name:
                return s.title or s.name
        return "base"

    @property
    def file(self) -> str:
        """The study file as an absolute path (what results record, so ``mkba report`` finds it from any
        folder); a study built from a dict keeps its ``source`` label."""
        path = Path(self.source)
        return str(path.resolve()) if path.is_file() else self.source

    @property
    def content_hash(self) -> str:
        blob = json.dumps(self.raw, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @property
    def parameters(self) -> ParameterSet:
        """Every model input with its distribution, unit, source and group (+ correlations, compositions)."""
        params, groups = self._parameter_list_and_compositions()
        return ParameterSet(params, self._correlations(params), groups)

    def _parameter_list(self) -> list[Parameter]:
        return self._parameter_list_and_compositions()[0]

    def _parameter_list_and_compositions(self) -> tuple[list[Parameter], list]:
        params, groups = self._parameters_and_compositions
        return list(params), list(groups)  # copies: callers may extend them

    @cached_property
    def _parameters_and_compositions(self) -> tuple[tuple[Parameter, ...], tuple]:
        # computed once per study: loading one runs the checks below on it, then `parameters` and `warnings`
        s = self.spec
        groups: list[tuple[tuple[str, ...], tuple[float, ...]]] = []
        params = list(_walk(s.finance, "finance", groups))
        params += list(_walk(s.reach, "reach", groups, frozenset({"share_type", "share_severity"})))
        src: dict[str, str] = {}
        _composition("reach.share_type", s.reach.share_type, HOUSEHOLD_TYPES, params, groups, src)
        for t in HOUSEHOLD_TYPES:
            _composition(f"reach.share_severity.{t}", s.reach.share_severity[t], SEVERITIES, params, groups, src)
        params += list(_walk(s.costs, "costs", groups))
        params += list(_walk(s.effects, "effects", groups))
        params += list(_walk(s.prices, "prices", groups))
        for name, dist in s.inputs.items():
            params.append(Parameter(f"inputs.{name}", dist, group="inputs", description="study input"))
        for line in s.lines:
            for key in ("start_year", "duration_years"):
                d = getattr(line, key)
                if d is not None:
                    params.append(Parameter(f"lines.{line.name}.{key}", d, "year" if key == "start_year" else "years",
                                            group=f"lines.{line.name}"))
            _composition(f"lines.{line.name}.actors", line.actors, None, params, groups, {})
        if s.plan is not None:
            _composition("plan.investment_actors", s.plan.investment_actors, None, params, groups, {})
        cited = [self._cited(p) for p in params]
        # own lines are a list in the file: their inputs (timing, actor split) are the study's, citing the line
        line_source = {f"lines.{line.name}.": (line.source, line.note) for line in s.lines}
        for i, p in enumerate(cited):
            for prefix, (src, note) in line_source.items():
                if p.name.startswith(prefix):
                    cited[i] = replace(p, source=src, note=note, origin="study")
        return tuple(cited), tuple(groups)

    def factor_problems(self, params: Mapping[str, Parameter] | None = None) -> list[Problem]:
        """Own lines whose factors name no input (located)."""
        if params is None:
            params = {p.name: p for p in self._parameter_list()}
        problems = []
        for i, line in enumerate(self.spec.lines):
            for j, f in enumerate(line.factors):
                if f not in params:
                    from difflib import get_close_matches  # only for a file with problems

                    near = get_close_matches(f, list(params), n=1)
                    hint = f"; did you mean {near[0]!r}?" if near else ""
                    problems.append(Problem(self.source, f"lines[{i}].factors[{j}]",
                                            f"unknown input {f!r} (a factor is a study input, e.g. inputs.<name>, "
                                            f"or a model input by its path){hint}"))
        return problems

    def _cited(self, p: Parameter) -> Parameter:
        """The parameter with the study's own source and note, or marked as mkba's default."""
        hit = lookup(self.provenance, p.name)
        # built directly: dataclasses.replace costs ~4x as much, for every input of every study and scenario
        if hit is None:
            return Parameter(p.name, p.dist, p.unit, p.description, default_source(p.source), p.group, p.note, "default")
        return Parameter(p.name, p.dist, p.unit, p.description, hit.source, p.group, hit.note, hit.origin)

    @property
    def warnings(self) -> list[Problem]:
        """Allowed but probably unintended values (e.g. a price left at 0 while its line is used)."""
        from .checks import price_warnings

        params = self.parameters
        dists = {n: p.dist for n, p in params.items()}
        # a price the study itself sets to 0 (with its reason) is meant; one left at the default is not
        return [Problem(self.source, path, msg) for path, msg in price_warnings(dists, self.options)
                if path not in params or params[path].origin == "default"]

    @property
    def options(self) -> ModelOptions:
        s = self.spec
        timing = dict(DEFAULT_TIMING)
        timing.update({k: tuple(v) for k, v in s.timing.lines.items()})
        kw: dict[str, Any] = {}
        if s.prices.care_profile is not None:
            prof = {t: {sev: tuple(row) for sev, row in rows.items()} for t, rows in s.prices.care_profile.items()}
            kw["care_profile"] = tuple(map(tuple, profile_array(prof).reshape(-1, 6)))
        e, c = s.effects, s.costs
        counts = {name for name, block in (("extra_care", c.extra_care), ("substitution", e.substitution),
                                           ("tailored", e.tailored)) if block.trajectories is not None}
        counts |= {name for name, given in (("work", e.work.persons), ("debt", e.debt.households),
                                            ("school", e.school.youths), ("escalation", e.escalation.households))
                   if given is not None}
        priced = {name for name, block in (("extra_care", c.extra_care), ("substitution", e.substitution),
                                           ("tailored", e.tailored)) if block.price is not None}
        lines = tuple(
            OwnLineSpec(line.name, line.kind, tuple(line.factors), line.actors.keys,
                        None if line.timing is None else tuple(line.timing), line.title or line.name,
                        line.title_en or line.title or line.name)
            for line in s.lines
        )
        plan = None
        if s.plan is not None:
            p = s.plan
            plan = PlanSpec(tuple(p.years), None if p.team_fte is None else tuple(p.team_fte),
                            None if p.team_cost is None else tuple(p.team_cost),
                            tuple(p.ramp_up) if p.ramp_up is not None else (1.0,) * len(p.years),
                            None if p.investments is None or not any(p.investments) else tuple(p.investments),
                            p.investment_actors.keys)
        return ModelOptions(
            mix_extra_care=c.extra_care.mix.keys,
            mix_substitution=e.substitution.mix.keys,
            mix_tailored=e.tailored.mix.keys,
            tailored_mode=e.tailored.mode,
            tailored_groups=tuple((g, grp.actors.keys) for g, grp in (e.tailored.groups or {}).items()),
            funding=c.funding.keys,
            team_roles=tuple(c.team or ()),
            additional_is_friction=c.additional_is_friction,
            referral_actors=e.referrals.actors.keys,
            nuisance_actor=e.nuisance.actor,
            timing=timing,
            discount_combination=s.finance.combination,
            children_rediscount=e.school.rediscount,
            counts=frozenset(counts),
            priced=frozenset(priced),
            own_lines=lines,
            plan=plan,
            **kw,
        )

    @property
    def model(self) -> MkbaModel:
        return MkbaModel(self.options)


def _scenario_provenance(raw: Mapping[str, Any], overrides: Mapping[str, Any], title: str) -> dict[str, Provenance]:
    """Provenance of a scenario's study: what a scenario sets is the scenario's (with its own source, if
    the value table gives one)."""
    prov = collect_provenance(raw)
    for path in overrides:
        for key, p in prov.items():
            if key == path or key.startswith(path + "."):
                prov[key] = Provenance("scenario", p.source or f"scenario: {title}", p.note)
    return prov


def default_study_path() -> Path:
    """The bundled default study (the Steenwijkerland forward look), usable from any folder."""
    return _studies_folder() / "steenwijkerland-doorkijk.toml"


def _studies_folder() -> Path:
    from importlib import resources  # here: it imports tempfile, shutil, bz2, lzma (~3 ms of `mkba validate`)

    return Path(str(resources.files("mkba") / "studies"))


def bundled_studies() -> list[Path]:
    """The example studies shipped with mkba (batch files, ``*-batch.toml``, and the empty template that
    `mkba new` writes, ``template.toml``, excluded)."""
    folder = _studies_folder()
    return sorted(p for p in folder.glob("*.toml") if not p.name.endswith("-batch.toml") and p.stem != "template")
