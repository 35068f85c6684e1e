"""Batch studies: many studies × scenarios as one plan of pure, resumable tasks.

A batch file (TOML) lists studies (paths relative to the batch file) and adds named scenarios and
grids over study inputs. ``Batch.from_toml`` validates everything up front, with located errors, so a
bad batch writes nothing. The plan is a list of :class:`Task` (study × scenario × range of draws);
:func:`compute_task` is pure (plain data in, arrays out) and calls the engine over ``[start, stop)``,
so by the engine's seeded blocks every task is bit-identical to the same draws of a single-process
``simulate`` (with ``stream`` = the study's label). The scenarios of one study share their draws
(common random numbers); different studies draw independently (the study label is their stream),
unless the batch file says ``shared_draws = true`` (variants of one municipality compared draw by draw). Task files (``.npz``, no pickle) are self-describing and written atomically; the
manifest indexes them. :func:`assemble_zarr` writes the combined Dataset one task at a time.
The combined ``item`` axis is the union of the cases' lines (own lines, a plan's investments) and
``plan_year`` the union of their plan years; a case is NaN where it has no such line or year.

Execution (Dask or in-process) lives in :mod:`mkba.simulator.cluster`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, ValidationError, field_validator

from .. import __version__
from .domain import ACTORS, ITEM_KIND, ITEM_LABELS, YEARS
from .engine import BLOCK, Sampler, check_design_size, run
from .results import ACTOR_TOTALS, EXTRA_TOTALS, TOTALS, atomic_write, base_case, stored_model
from .schema import Block
from .schema import NAME_MAX, SEED_LIMIT
from .study import (
    OverrideError,
    Problem,
    Study,
    StudyError,
    _scenario_provenance,
    apply_overrides,
    flatten_overrides,
    read_toml,
    validation_problems,
)

__all__ = [
    "Batch",
    "BatchError",
    "Case",
    "Manifest",
    "Task",
    "assemble_zarr",
    "case_view",
    "compute_task",
    "read_task",
    "write_task",
    "PER_DRAW",
]

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PER_DRAW = (*TOTALS, *EXTRA_TOTALS)  # per-draw totals (the extra ones only in the full store)
# per calendar year of a [plan]: who pays and who gains (full store), the municipal budget (every store)
PLAN_FLOWS = ("plan_costs", "plan_benefits", "plan_costs_discounted", "plan_benefits_discounted")
# what a task keeps of the (reduced) model outputs, where present (the plan's only with a [plan])
KEPT = (*PER_DRAW, "line", *ACTOR_TOTALS, "npv", *PLAN_FLOWS, "plan_municipal")
# per-draw variables with axes beyond the draw: their dims in the combined Dataset
EXTRA_DIMS = {"line": ("item",), "npv": ("item", "actor"), "plan_municipal": ("plan_year",),
              **{k: ("plan_year", "actor") for k in PLAN_FLOWS}, **{k: ("actor",) for k in ACTOR_TOTALS}}
MANIFEST_FORMAT = "mkba-batch-manifest/1"
WRITE_DRAWS = 262_144  # draws of one case written to the combined Zarr at once (bounded memory)
Store = Literal["auto", "full", "lean"]


class BatchError(StudyError):
    """A batch cannot run as asked (e.g. ``--resume`` of a different batch); one located message."""

    def __init__(self, file: str, message: str, location: str = "") -> None:
        super().__init__([Problem(file, location, message)])


# --- the batch-file schema ------------------------------------------------------------------------


class BatchInfo(Block):
    name: str = Field(pattern=NAME, max_length=NAME_MAX)
    title: str = ""
    description: str = ""
    draws: int | None = Field(None, ge=1)  # default: the first study's [simulation]
    seed: int | None = Field(None, ge=0, lt=SEED_LIMIT)
    sampler: Literal["mc", "lhs", "sobol"] | None = None
    store: Store = "auto"
    shared_draws: bool = False  # true: every study gets the same uniforms per input name
    task_size: int = Field(BLOCK, ge=1)  # draws per task; any size gives the same numbers


class StudyRef(Block):
    file: str
    name: str | None = Field(None, pattern=NAME, max_length=NAME_MAX)  # label in the `study` dimension; default [study].name
    scenarios: list[str] | None = Field(None, min_length=1)  # default: "base" and the study's [[scenarios]]

    @field_validator("scenarios")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        dup = sorted({n for n in v or [] if (v or []).count(n) > 1})
        if dup:
            raise ValueError(f"scenario(s) listed twice: {', '.join(dup)}")
        return v


class BatchScenario(Block):
    name: str = Field(pattern=NAME, max_length=NAME_MAX)
    title: str = ""
    description: str = ""
    studies: list[str] | None = None  # default: every study of the batch
    set: dict[str, Any] = Field(min_length=1)


class Grid(Block):
    name: str = Field(pattern=NAME, max_length=NAME_MAX)
    title: str = ""
    description: str = ""
    studies: list[str] | None = None
    vary: dict[str, list[Any]] = Field(min_length=1)

    @field_validator("vary", mode="before")
    @classmethod
    def _flat(cls, v: Any) -> Any:
        # `prices.qaly_value = [...]` unquoted is a nested table in TOML: the same path as quoted
        if not isinstance(v, dict):
            return v
        out: dict[str, Any] = {}

        def walk(prefix: str, node: dict[str, Any]) -> None:
            for k, x in node.items():
                path = f"{prefix}.{k}" if prefix else str(k)
                if isinstance(x, dict):
                    walk(path, x)
                else:
                    out[path] = x

        walk("", v)
        return out

    def points(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(scenario name, title, overrides) for every point of the grid (a cartesian product)."""
        paths = list(self.vary)
        labelled = [[(_label(v, k), v) for k, v in enumerate(self.vary[p])] for p in paths]
        out = []
        for combo in itertools.product(*labelled):
            name = "-".join([self.name, *(lab for lab, _ in combo)])
            desc = ", ".join(f"{p} = {_show(v)}" for p, (_, v) in zip(paths, combo, strict=True))
            title = f"{self.title}: {desc}" if self.title else desc
            out.append((name, title, {p: v for p, (_, v) in zip(paths, combo, strict=True)}))
        return out


class BatchModel(Block):
    batch: BatchInfo
    studies: list[StudyRef] = Field(min_length=1)
    scenarios: list[BatchScenario] = Field(default_factory=list)
    grids: list[Grid] = Field(default_factory=list)


def _label(value: Any, index: int) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return f"v{index + 1}"  # a distribution table: label by position


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else str(value)


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    return code_hash()


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


# --- cases and tasks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One study × scenario: the study dict with the scenario's overrides applied (plain data)."""

    study: str
    scenario: str
    title: str
    source: str
    overrides: Mapping[str, Any]
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def content_hash(self) -> str:
        return _hash(self.raw)

    def build(self) -> Study:
        """The validated study of this case (equal in every input to ``Study.scenario(name)``)."""
        study = _build(self.content_hash, self.raw, self.source)
        # what the case's scenario or grid sets cites the case, not the study (see Study.scenario)
        prov = _scenario_provenance(self.raw, flatten_overrides(self.overrides), self.title or self.scenario) \
            if self.overrides else study.provenance
        return replace(study, scenario_name=self.scenario, provenance=prov)


def _resolve(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    return apply_overrides(raw, overrides)  # the same steps as Study.scenario


@functools.lru_cache(maxsize=64)
def _cached(key: str, raw_json: str, source: str) -> Study:
    return Study.from_dict(json.loads(raw_json), source=source)


def _build(key: str, raw: Mapping[str, Any], source: str) -> Study:
    # tasks of one case share a validated Study per worker process (validation costs ~5 ms)
    return _cached(key, json.dumps(raw, sort_keys=True, default=str), source)


@dataclass(frozen=True)
class Task:
    """Draws ``start:stop`` of one case: plain data, so a task is pure and can run anywhere, twice."""

    key: str
    study_index: int
    scenario_index: int
    start: int
    stop: int
    case: Case
    seed: int
    sampler: Sampler
    mode: Literal["full", "lean"]
    chunk_size: int
    fingerprint: str
    stream: str = ""  # the engine's random stream: the study label, or "" with shared_draws
    design_draws: int = 0  # draws of the whole case (the size of an LHS or Sobol' design)

    @property
    def filename(self) -> str:
        return f"{self.case.study}--{self.case.scenario}--{self.start:012d}.npz"


def compute_task(task: Task) -> dict[str, NDArray]:
    """Run the engine over the task's draws; per-draw totals and lines (+ the npv cube when full).

    Pure: no I/O, no state beyond a validation cache, so Dask may retry it on another worker."""
    study = task.case.build()
    model, reduce = stored_model(study, task.mode)  # as simulate stores draws, so lines match it exactly
    res = run(
        model,
        study.parameters,
        draws=task.stop - task.start,
        start=task.start,
        seed=task.seed,
        sampler=task.sampler,
        chunk_size=task.chunk_size,
        reduce=reduce,
        keep_inputs=False,
        stream=task.stream,
        design_draws=task.design_draws or None,
        workers=1,  # one thread per task: Dask schedules one task per worker thread
    )
    # per-draw totals and lines; the npv cube only in the full store; never the cash flows
    return {k: np.ascontiguousarray(res.outputs[k]) for k in KEPT if k in res.outputs}


def _task_meta(task: Task, run_no: int) -> dict[str, Any]:
    return {"key": task.key, "fingerprint": task.fingerprint, "study": task.case.study,
            "scenario": task.case.scenario, "start": task.start, "stop": task.stop, "run": run_no}


def write_task(path: Path, task: Task, arrays: Mapping[str, NDArray], *, run_no: int) -> str:
    """Write a task file atomically (temp name, fsync, rename); returns its sha256."""
    buf = io.BytesIO()
    np.savez(buf, __meta__=np.array(json.dumps(_task_meta(task, run_no))), **arrays)
    data = buf.getvalue()

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    atomic_write(path, write)
    return hashlib.sha256(data).hexdigest()


def read_task(path: Path | io.BytesIO) -> tuple[dict[str, Any], dict[str, NDArray]]:
    """(meta, arrays) of a task file (a path or its bytes); never unpickles anything."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["__meta__"]))
        arrays = {k: z[k] for k in z.files if k != "__meta__"}
    return meta, arrays


def task_expectations(task: Task) -> dict[str, tuple[str, tuple[int, ...]]]:
    """{array: (dtype, shape)} a task file of ``task`` must hold exactly (from a one-draw probe of the
    same case and store mode, so it follows whatever the engine keeps)."""
    probe = _probe(task.case.content_hash, task.mode, task)
    n = task.stop - task.start
    return {k: (dtype, (n, *rest)) for k, (dtype, rest) in probe.items()}


_PROBES: dict[tuple[str, str], dict[str, tuple[str, tuple[int, ...]]]] = {}


def _probe(case_hash: str, mode: str, task: Task) -> dict[str, tuple[str, tuple[int, ...]]]:
    key = (case_hash, mode)
    if key not in _PROBES:
        out = compute_task(replace(task, start=0, stop=1, design_draws=task.design_draws))
        _PROBES[key] = {k: (v.dtype.str, tuple(v.shape[1:])) for k, v in out.items()}
    return _PROBES[key]


def verify_task(data: bytes, task: Task, sha256: str) -> str | None:
    """Why the bytes of a task file are not exactly this task's finished result (None: they are):
    the SHA-256 recorded in the manifest, the batch fingerprint and key in its metadata, and the dtype
    and shape of every array."""
    if hashlib.sha256(data).hexdigest() != sha256:
        return "its content does not match the SHA-256 recorded in the manifest"
    try:
        meta, arrays = read_task(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any reader failure: the file is not a task file
        return f"it cannot be read ({type(exc).__name__})"
    if not isinstance(meta, dict) or meta.get("fingerprint") != task.fingerprint or meta.get("key") != task.key:
        return "it belongs to another batch run"
    want = task_expectations(task)
    if set(arrays) != set(want):
        return f"it holds {sorted(arrays)}, expected {sorted(want)}"
    for k, (dtype, shape) in want.items():
        a = arrays[k]
        if a.dtype.str != dtype or a.shape != shape:
            return f"{k} is {a.dtype} {a.shape}, expected {np.dtype(dtype)} {shape}"
    return None


def task_is_valid(path: Path, task: Task, sha256: str | None = None) -> bool:
    """A finished task file of exactly this task: only with the SHA-256 the manifest recorded for it
    (a file without one is never trusted), see :func:`verify_task`."""
    if sha256 is None or not path.is_file():
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return verify_task(data, task, sha256) is None


def code_hash() -> str:
    """Hash of the source that determines a task's numbers (the model, engine, study and distribution
    code), so a resume after a code change is refused even at the same version number."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for folder in ("simulator", "distributions"):
        for p in sorted((root / folder).glob("*.py")):
            if p.name in ("cluster.py",):  # scheduling only: does not change a number
                continue
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


# --- the batch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """A validated batch. Build with :meth:`from_toml`; change run options with :meth:`with_options`."""

    spec: BatchModel = field(repr=False)
    source: str
    raw: Mapping[str, Any] = field(repr=False)
    studies: tuple[tuple[str, Study], ...] = field(repr=False)
    cases: tuple[Case, ...] = field(repr=False)
    draws: int
    seed: int
    sampler: Sampler
    store: Store
    task_size: int
    shared_draws: bool = False

    @classmethod
    def from_toml(cls, path: str | Path) -> Batch:
        return cls.from_dict(read_toml(path, "batch"), source=str(path), base_dir=Path(path).parent)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str = "<dict>", base_dir: str | Path = ".") -> Batch:
        try:
            spec = BatchModel.model_validate(raw)
        except ValidationError as exc:
            raise StudyError(validation_problems(exc, source, BatchModel)) from None
        problems: list[Problem] = []
        studies: list[tuple[str, Study]] = []
        wanted: list[list[str]] = []
        for i, ref in enumerate(spec.studies):
            path = Path(base_dir) / ref.file
            if not path.is_file():
                problems.append(Problem(source, f"studies[{i}].file", f"no such study file: {path}"))
                continue
            try:
                study = Study.from_toml(path)
            except StudyError as exc:
                problems.extend(exc.problems)  # located in the study file itself
                continue
            label = ref.name or study.name
            clash = _line_clash(label, study, studies)
            if clash:  # the combined `item` axis names a line once, so one name must mean one line
                problems.append(Problem(source, f"studies[{i}]", clash))
                continue
            if label in [s for s, _ in studies]:
                problems.append(Problem(source, f"studies[{i}]", f"study {label!r} is listed twice; "
                                        "give one of them another `name = ...`"))
                continue
            own = ["base", *study.scenarios]
            for j, sc in enumerate(ref.scenarios or []):
                if sc not in own:
                    problems.append(Problem(source, f"studies[{i}].scenarios[{j}]", f"study {label!r} has no "
                                            f"scenario {sc!r}; available: {', '.join(own)}"))
            studies.append((label, study))
            wanted.append(list(ref.scenarios) if ref.scenarios is not None else own)
        if problems:
            raise StudyError(problems)

        labels = [s for s, _ in studies]
        per_study: dict[str, list[tuple[str, str, dict[str, Any], str]]] = {}  # name, title, set, where
        for (label, study), names in zip(studies, wanted, strict=True):
            per_study[label] = []
            for sc in names:
                overrides = {} if sc == "base" else dict(_own_scenario(study, sc).set)
                per_study[label].append((sc, study.scenario_title(sc) if sc != "base" else "base", overrides, ""))

        extra: list[tuple[str, str, str, dict[str, Any], list[str] | None]] = []  # where, name, title, set, studies
        for i, sc in enumerate(spec.scenarios):
            extra.append((f"scenarios[{i}].set", sc.name, sc.title or sc.name, dict(sc.set), sc.studies))
        for i, grid in enumerate(spec.grids):
            for name, title, overrides in grid.points():
                extra.append((f"grids[{i}].vary", name, title, overrides, grid.studies))
        for where, name, title, overrides, targets in extra:
            if not re.match(NAME, name) or len(name) > NAME_MAX:
                problems.append(Problem(source, where, f"scenario name {name!r} is not a valid name (letters, digits, "
                                        f"_ . -; at most {NAME_MAX} characters)"))
                continue
            if name == "base":
                problems.append(Problem(source, where, "'base' is reserved for the study without overrides; choose "
                                        "another scenario name"))
                continue
            for k, t in enumerate(targets or []):
                if t not in labels:
                    loc = where.rsplit(".", 1)[0] + f".studies[{k}]"
                    problems.append(Problem(source, loc, f"no study {t!r} in this batch; available: "
                                            f"{', '.join(labels)}"))
            for label in (targets if targets is not None else labels):
                if label not in per_study:
                    continue
                if name in [n for n, *_ in per_study[label]]:
                    problems.append(Problem(source, where, f"scenario {name!r} already exists in study {label!r}"))
                    continue
                per_study[label].append((name, title, overrides, where))
        if problems:
            raise StudyError(problems)

        cases: list[Case] = []
        for label, study in studies:
            for name, title, overrides, where in per_study[label]:
                try:
                    resolved = _resolve(study.raw, overrides)
                except OverrideError as exc:
                    problems.append(Problem(source, f"{where or 'scenarios'} ({label} × {name}): {exc.path}",
                                            exc.message))
                    continue
                case = Case(label, name, title, study.source, overrides, resolved)
                if where:  # batch-defined overrides: validate them like a study's scenarios
                    try:
                        case.build()
                    except StudyError as exc:
                        for p in exc.problems:
                            problems.append(Problem(source, f"{where} ({label} × {name}): {p.location}", p.message))
                        continue
                cases.append(case)
        if problems:
            raise StudyError(problems)

        first = studies[0][1].spec.simulation
        b = spec.batch
        draws, sampler = b.draws or first.draws, b.sampler or first.sampler
        try:
            check_design_size(sampler, draws)
        except ValueError as exc:
            raise StudyError([Problem(source, "batch.draws", str(exc))]) from None
        return cls(spec=spec, source=source, raw=copy.deepcopy(dict(raw)), studies=tuple(studies),
                   cases=tuple(cases), draws=b.draws or first.draws,
                   seed=b.seed if b.seed is not None else first.seed, sampler=b.sampler or first.sampler,
                   store=b.store, task_size=b.task_size, shared_draws=b.shared_draws)

    def with_options(self, *, draws: int | None = None, seed: int | None = None, sampler: Sampler | None = None,
                     store: Store | None = None, task_size: int | None = None) -> Batch:
        """A copy with run options replaced (``None`` keeps the batch file's)."""
        for what, v, lo in (("draws", draws, 1), ("seed", seed, 0), ("task size", task_size, 1)):
            if v is not None and v < lo:
                raise ValueError(f"{what} must be >= {lo}, got {v}")
        return replace(self, draws=draws or self.draws, seed=self.seed if seed is None else seed,
                       sampler=sampler or self.sampler, store=store or self.store,
                       task_size=task_size or self.task_size)

    # --- views --------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.batch.name

    @property
    def study_names(self) -> list[str]:
        return [s for s, _ in self.studies]

    @property
    def scenario_names(self) -> list[str]:
        """The union of scenario names over the studies, in order of first appearance."""
        return list(dict.fromkeys(c.scenario for c in self.cases))

    @functools.cached_property
    def _axes(self) -> dict[str, Any]:
        # each case's lines and plan years, built once (a grid may have hundreds of cases)
        per_case, kinds, labels = {}, dict(ITEM_KIND), dict(ITEM_LABELS)
        for c in self.cases:
            o = c.build().options
            per_case[(c.study, c.scenario)] = (tuple(o.items), tuple(case_plan_years(c)))
            kinds.update(o.item_kind)
            labels.update(o.item_labels)
        items = list(dict.fromkeys(i for its, _ in per_case.values() for i in its))
        years = sorted({y for _, ys in per_case.values() for y in ys})
        return {"per_case": per_case, "items": items, "kinds": {i: kinds[i] for i in items},
                "labels": {i: labels.get(i, (i, i)) for i in items}, "years": years}

    @property
    def items(self) -> list[str]:
        """The union of the cases' lines: the built-in ones, then (in order of first appearance) the
        plan's investments and the studies' own lines. A case without a line has NaN there."""
        return self._axes["items"]

    @property
    def item_kinds(self) -> dict[str, str]:
        return self._axes["kinds"]

    @property
    def item_labels(self) -> dict[str, tuple[str, str]]:
        """item → (nl, en) title, built-in and own lines."""
        return self._axes["labels"]

    @property
    def plan_years(self) -> list[int]:
        """The union of the calendar years of the cases' plans (empty: no case has a [plan])."""
        return self._axes["years"]

    def positions(self, case: Case) -> tuple[NDArray, NDArray]:
        """Where a case's lines and plan years sit on the combined ``item`` and ``plan_year`` axes."""
        items, years = self._axes["per_case"][(case.study, case.scenario)]
        ii, yi = {i: k for k, i in enumerate(self.items)}, {y: k for k, y in enumerate(self.plan_years)}
        return np.array([ii[i] for i in items], dtype=np.intp), np.array([yi[y] for y in years], dtype=np.intp)

    @property
    def content_hash(self) -> str:
        """Hash of the batch file's content (comments and layout do not count)."""
        return _hash(self.raw)

    @property
    def mode(self) -> Literal["full", "lean"]:
        """The store of the task files: "auto" is lean at any size (as ``mkba run``), so the npv cube and
        a plan's per-draw flows per actor are kept only on request (``store = "full"``)."""
        return "lean" if self.store == "auto" else self.store

    def identity(self) -> dict[str, Any]:
        """Everything that determines the numbers of the task files; a resume must match it."""
        return {
            "batch_hash": self.content_hash,
            "studies": {label: s.content_hash for label, s in self.studies},
            "draws": self.draws,
            "seed": self.seed,
            "sampler": self.sampler,
            "store": self.mode,
            "task_size": self.task_size,
            "shared_draws": self.shared_draws,
            "block_size": BLOCK,
            "mkba_version": __version__,
            "code_hash": _code_hash(),
        }

    @property
    def fingerprint(self) -> str:
        return _hash(self.identity())

    def stream(self, study: str) -> str:
        """The engine stream of a study's cases: its label (independent studies), or "" when the batch
        file says ``shared_draws = true`` (every study then draws as a single-study run does)."""
        return "" if self.shared_draws else study

    def tasks(self) -> list[Task]:
        """Every task of the batch: case × range of ``task_size`` draws."""
        si = {s: i for i, s in enumerate(self.study_names)}
        sj = {s: j for j, s in enumerate(self.scenario_names)}
        fp, mode = self.fingerprint, self.mode
        out = []
        for case in self.cases:
            chunk = min(self.task_size, case.build().spec.simulation.chunk_size)
            for start in range(0, self.draws, self.task_size):
                stop = min(start + self.task_size, self.draws)
                key = f"{case.study}/{case.scenario}/{start}"
                out.append(Task(key, si[case.study], sj[case.scenario], start, stop, case, self.seed,
                                self.sampler, mode, chunk, fp, self.stream(case.study), self.draws))
        return out


def _own_scenario(study: Study, name: str) -> Any:
    return next(s for s in study.spec.scenarios if s.name == name)


def case_plan_years(case: Case) -> list[int]:
    """The calendar years of a case's [plan] (none without one), as ``simulate`` labels them."""
    plan = case.build().options.plan
    return [] if plan is None else list(range(plan.years[0], plan.years[0] + plan.horizon))


def _line_clash(label: str, study: Study, earlier: list[tuple[str, Study]]) -> str | None:
    """Why ``study``'s own lines cannot share the combined item axis with the studies before it: the same
    line name with another kind or title (two different lines under one name)."""
    mine = study.options.item_kind, study.options.item_labels
    for other_label, other in earlier:
        kinds, labels = other.options.item_kind, other.options.item_labels
        for line in study.options.own_lines:
            name = line.name
            if name in other.options.items and (kinds[name] != mine[0][name] or labels[name] != mine[1][name]):
                return (f"study {label!r} has an own line {name!r} that differs from study {other_label!r}'s line "
                        f"of that name (kind or title); a batch shows one line per name: rename one of them")
    return None


# --- the manifest ---------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Manifest:
    """The JSON index of a batch run folder: identity, runs, and every finished task."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def new(cls, path: Path, batch: Batch) -> Manifest:
        return cls(path, {
            "format": MANIFEST_FORMAT,
            "batch": batch.name,
            "batch_file": str(batch.source),
            "fingerprint": batch.fingerprint,
            **batch.identity(),
            "tasks_total": len(batch.cases) * -(-batch.draws // batch.task_size),
            "complete": False,
            "runs": [],
            "tasks": {},
        })

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BatchError(str(path), f"cannot read the manifest: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise BatchError(str(path), "not an mkba batch manifest")
        tasks, runs = data.get("tasks"), data.get("runs")
        if not isinstance(tasks, dict) or not isinstance(runs, list) or not all(
                isinstance(e, dict) and isinstance(e.get("sha256"), str) for e in tasks.values()) or not all(
                isinstance(r, dict) and isinstance(r.get("run"), int) for r in runs):
            raise BatchError(str(path), "the manifest is damaged (its tasks or runs are not as mkba writes them); "
                             "remove the batch folder or choose another --out")
        manifest = cls(path, data)
        for entry in manifest._journal_entries():  # tasks finished after the last save
            tasks[entry["key"]] = {k: v for k, v in entry.items() if k != "key"}
        return manifest

    @property
    def journal(self) -> Path:
        """Append-only log of finished tasks between two saves of the manifest (one JSON line per task,
        flushed and fsynced when the task file is in place): a task counts as done only once its
        SHA-256 is recorded here or in the manifest."""
        return self.path.with_name("tasks.journal")

    def _journal_entries(self) -> list[dict[str, Any]]:
        try:
            text = self.journal.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return []
        out = []
        for line in text.split("\n")[:-1]:  # a last line without newline was cut by a kill: ignore it
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and isinstance(e.get("key"), str) and isinstance(e.get("sha256"), str):
                out.append(e)
        return out

    def mismatches(self, batch: Batch) -> list[str]:
        """Human-readable differences between this manifest's batch and ``batch``."""
        now = batch.identity()
        what = {"batch_hash": "the batch file's content", "draws": "draws", "seed": "seed", "sampler": "sampler",
                "store": "store", "task_size": "task size", "block_size": "block size",
                "mkba_version": "mkba version", "code_hash": "mkba's model code (changed since)"}
        out = []
        if self.data.get("batch") != batch.name:
            out.append(f"batch name: {self.data.get('batch')!r} before, {batch.name!r} now")
        for k, label in what.items():
            if self.data.get(k) != now[k]:
                out.append(f"{label}: {self.data.get(k)!r} before, {now[k]!r} now")
        old, new = self.data.get("studies", {}), now["studies"]
        for s in sorted(set(old) | set(new)):
            if old.get(s) != new.get(s):
                out.append(f"study {s!r}: " + ("added" if s not in old else "removed" if s not in new
                                                else "its study file changed"))
        return out

    def save(self) -> None:
        text = json.dumps(self.data, indent=1, sort_keys=False)
        atomic_write(self.path, lambda p: p.write_text(text, encoding="utf-8"))
        if self.journal.exists():  # everything it held is in the manifest now
            self.journal.unlink()

    def start_run(self, *, reused: int, pending: int, executor: str) -> int:
        run_no = len(self.data["runs"]) + 1
        self.data["runs"].append({"run": run_no, "started": _now(), "finished": None, "executor": executor,
                                  "reused": reused, "pending": pending, "computed": 0})
        return run_no

    def record(self, task: Task, *, sha256: str, run_no: int, seconds: float | None = None,
               durable: bool = False) -> None:
        """Record a finished task; ``durable`` also appends it to the journal (fsynced) at once."""
        entry = {"file": f"tasks/{task.filename}", "sha256": sha256, "run": run_no,
                 "seconds": None if seconds is None else round(seconds, 3)}
        self.data["tasks"][task.key] = entry
        if run_no == self.data["runs"][-1]["run"]:
            self.data["runs"][-1]["computed"] += 1
        if durable:
            with open(self.journal, "a", encoding="utf-8") as f:
                f.write(json.dumps({"key": task.key, **entry}) + "\n")
                f.flush()
                os.fsync(f.fileno())

    def finish_run(self, complete: bool) -> None:
        self.data["runs"][-1]["finished"] = _now()
        self.data["complete"] = complete


def clean_temporaries(root: Path) -> list[Path]:
    """Remove what an interrupted writer can leave behind: temp files and half-built result folders."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for d in (root, root / "tasks"):
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if p.name.startswith(".") and (p.name.endswith(".tmp") or ".tmp-" in p.name or ".old-" in p.name):
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
                removed.append(p)
    return removed


# --- the combined Dataset -------------------------------------------------------------------------


def _base_values(batch: Batch) -> dict[str, NDArray]:
    ns, nc = len(batch.study_names), len(batch.scenario_names)
    ni, ny = len(batch.items), len(batch.plan_years)
    si = {s: i for i, s in enumerate(batch.study_names)}
    sj = {s: j for j, s in enumerate(batch.scenario_names)}
    out: dict[str, NDArray] = {f"base_{k}": np.full((ns, nc), np.nan) for k in PER_DRAW}
    for k in ACTOR_TOTALS:
        out[f"base_{k}"] = np.full((ns, nc, len(ACTORS)), np.nan)
    out["base_npv"] = np.full((ns, nc, ni, len(ACTORS)), np.nan)
    out["base_cashflow"] = np.full((ns, nc, ni, len(YEARS)), np.nan)
    if ny:
        out["base_plan_municipal"] = np.full((ns, nc, ny), np.nan)
        for k in PLAN_FLOWS:
            out[f"base_{k}"] = np.full((ns, nc, ny, len(ACTORS)), np.nan)
    for case in batch.cases:
        i, j = si[case.study], sj[case.scenario]
        items, years = batch.positions(case)
        b = base_case(case.build())
        for k in PER_DRAW:
            out[f"base_{k}"][i, j] = float(b[k][0])
        for k in ACTOR_TOTALS:
            out[f"base_{k}"][i, j] = b[k][0]
        out["base_npv"][i, j, items] = b["npv"][0]
        out["base_cashflow"][i, j, items] = b["cashflow"][0]
        if len(years):
            for k in ("plan_municipal", *PLAN_FLOWS):
                out[f"base_{k}"][i, j, years] = b[k][0]
    return out


def _template(batch: Batch) -> Any:
    """The combined Dataset with lazy NaN-filled per-draw variables (nothing is held in memory)."""
    import dask.array as da
    import xarray as xr

    ns, nc, n = len(batch.study_names), len(batch.scenario_names), batch.draws
    chunk = min(batch.task_size, n)
    si = {s: i for i, s in enumerate(batch.study_names)}
    sj = {s: j for j, s in enumerate(batch.scenario_names)}
    present = np.zeros((ns, nc), dtype=bool)
    titles = np.full((ns, nc), "", dtype=object)
    for c in batch.cases:
        present[si[c.study], sj[c.scenario]] = True
        titles[si[c.study], sj[c.scenario]] = c.title
    data: dict[str, Any] = {}
    # the variables and dtypes are those the tasks return (a one-draw probe of each case), so the
    # combined Dataset follows the engine's store modes without a second list of them; the item and
    # plan-year axes are the unions over the cases
    dtypes: dict[str, str] = {}
    first = {}
    for t in batch.tasks():
        first.setdefault((t.case.study, t.case.scenario), t)
    for t in first.values():  # the probes task verification uses (cached per case)
        for k, (dtype, _) in _probe(t.case.content_hash, t.mode, t).items():
            dtypes.setdefault(k, dtype)
    size = {"item": len(batch.items), "plan_year": len(batch.plan_years), "actor": len(ACTORS)}
    for k in (k for k in KEPT if k in dtypes):
        extra = EXTRA_DIMS.get(k, ())
        shape = tuple(size[d] for d in extra)
        data[k] = (("study", "scenario", "draw", *extra),
                   da.full((ns, nc, n, *shape), np.nan, dtype=np.dtype(dtypes[k]), chunks=(1, 1, chunk, *shape)))
    dims = {"base_npv": ("item", "actor"), "base_cashflow": ("item", "year"), "base_plan_municipal": ("plan_year",),
            **{f"base_{k}": ("plan_year", "actor") for k in PLAN_FLOWS},
            **{f"base_{k}": ("actor",) for k in ACTOR_TOTALS}}
    for k, v in _base_values(batch).items():
        data[k] = (("study", "scenario", *dims.get(k, ())), v)
    data["present"] = (("study", "scenario"), present)
    data["case_title"] = (("study", "scenario"), titles.astype(str))
    coords = {
        "study": batch.study_names,
        "scenario": batch.scenario_names,
        "draw": np.arange(n),
        "item": batch.items,
        "kind": ("item", [batch.item_kinds[i] for i in batch.items]),
        "item_title": ("item", [batch.item_labels[i][0] for i in batch.items]),
        "item_title_en": ("item", [batch.item_labels[i][1] for i in batch.items]),
        "actor": list(ACTORS),
        "year": list(YEARS),
    }
    if batch.plan_years:
        coords["plan_year"] = batch.plan_years
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(
        batch=batch.name,
        title=batch.spec.batch.title,
        batch_file=str(batch.source),
        batch_hash=batch.content_hash,
        fingerprint=batch.fingerprint,
        seed=int(batch.seed),
        draws=int(n),
        sampler=batch.sampler,
        block_size=BLOCK,
        task_size=int(batch.task_size),
        store=batch.mode,
        design=json.dumps({"kind": batch.sampler, "draws": int(n), "seed": int(batch.seed), "block": BLOCK,
                           "shared_draws": batch.shared_draws}),
        studies=json.dumps({label: {"file": s.file, "hash": s.content_hash, "title": s.spec.study.title,
                                    "municipality": s.spec.study.municipality, "language": s.spec.study.language}
                            for label, s in batch.studies}),
        cases=json.dumps([{"study": c.study, "scenario": c.scenario, "title": c.title,
                           "overrides": c.overrides, "hash": c.content_hash} for c in batch.cases], default=str),
        # as a study's results.nc: titles of the lines beyond the built-in ones (outputs/lines.py)
        line_titles=json.dumps({i: list(batch.item_labels[i]) for i in batch.items if i not in ITEM_LABELS}),
        mkba_version=__version__,
        created=_now(),
    )
    return ds


def case_view(ds: Any, study: str, scenario: str) -> Any:
    """One study × scenario of a combined Dataset on that case's own lines and plan years (the lines and
    years of other studies, NaN here, dropped): the arrays of the single-study ``simulate`` run."""
    case = ds.sel(study=study, scenario=scenario)
    own = np.isfinite(case["base_npv"].values).all(axis=-1)
    case = case.isel(item=np.flatnonzero(own))
    if "plan_year" in case.dims:
        years = np.flatnonzero(np.isfinite(case["base_plan_municipal"].values))
        case = case.isel(plan_year=years) if len(years) else case.drop_dims("plan_year")
    return case


def iter_task_arrays(batch: Batch, root: Path,
                     hashes: Mapping[str, str] | None = None) -> Iterator[tuple[Task, dict[str, NDArray]]]:
    """Each task's arrays from its file, one at a time; with ``hashes`` (task key → SHA-256, as the
    manifest records them) each file is verified again as it is read."""
    for task in batch.tasks():
        path = root / "tasks" / task.filename
        data = path.read_bytes()
        if hashes is not None:
            why = verify_task(data, task, hashes.get(task.key, ""))
            if why is not None:
                raise BatchError(str(path), f"task file changed while the batch was assembled: {why}")
        meta, arrays = read_task(io.BytesIO(data))
        if meta.get("fingerprint") != task.fingerprint or meta.get("key") != task.key:
            raise BatchError(str(path), "task file belongs to another batch run")
        yield task, arrays


def assemble_zarr(batch: Batch, root: Path, path: Path, hashes: Mapping[str, str] | None = None) -> Path:
    """Write the combined Dataset to the Zarr folder ``path``: a template, then one region per task
    (memory holds one task), into a temporary folder renamed at the end (never a half-written store)."""
    import dask
    import zarr

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        # never let a default distributed client pick up these small local computations
        with dask.config.set(scheduler="synchronous"):
            _template(batch).to_zarr(tmp, mode="w", compute=False, zarr_format=2, consolidated=True)
        group = zarr.open_group(tmp, mode="r+", zarr_format=2)
        # Plain float arrays carry no xarray encoding, so writing the zarr arrays directly is exact
        # (and much faster than region writes through xarray). Consecutive tasks of one case are
        # written together, up to WRITE_DRAWS draws, so memory stays bounded.
        buf: list[tuple[Task, dict[str, NDArray]]] = []

        def flush() -> None:
            if not buf:
                return
            first, last = buf[0][0], buf[-1][0]
            i, j = first.study_index, first.scenario_index
            at = dict(zip(("item", "plan_year"), batch.positions(first.case), strict=True))
            for k in buf[0][1]:
                block = np.concatenate([a[k] for _, a in buf])
                extra = EXTRA_DIMS.get(k, ())
                if extra and extra[0] in at:  # the case's lines / plan years on the combined axis (NaN elsewhere)
                    full = np.full((block.shape[0], *group[k].shape[3:]), np.nan, dtype=block.dtype)
                    full[:, at[extra[0]]] = block
                    block = full
                group[k][i, j, first.start : last.stop] = block
            buf.clear()

        for task, arrays in iter_task_arrays(batch, root, hashes):
            if buf and ((buf[0][0].study_index, buf[0][0].scenario_index) != (task.study_index, task.scenario_index)
                        or task.stop - buf[0][0].start > max(WRITE_DRAWS, batch.task_size)):
                flush()
            buf.append((task, arrays))
        flush()
        if path.exists():  # replace a previous assembly: move it aside first (rename is atomic)
            old = path.parent / f".{path.name}.old-{os.getpid()}"
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
