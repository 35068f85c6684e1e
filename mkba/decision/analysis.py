"""The whole decision analysis of one result Dataset: the decision and its risk, EVPPI per input and per
group (for the target and for every actor), the acceptability curve over the QALY value, alternatives and
the failure region; as plain data (:meth:`DecisionAnalysis.to_json`) and as a Dataset (``decision.nc``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .acceptability import Acceptability, acceptability
from .alternatives import Alternatives, compare
from .evppi import evppi as fit_evppi
from .evppi import group_basis, one_blas_thread, spline_basis
from .failure import Box, prim
from .targets import ACTOR_PREFIX, actor_net, actor_targets, has_actors, target_matrix
from .value import Decision, decide, evpi

__all__ = ["DecisionAnalysis", "analyse", "is_clear", "DEFAULT_GRID", "PRIM_DRAWS", "CLEAR_SHARE"]

DEFAULT_GRID = np.arange(0.0, 150_000.0 + 1, 5_000.0)
PRIM_DRAWS = 20_000  # the failure region is found on the first draws only (peeling costs O(n·d) per step)
QALY_VALUE = "prices.qaly_value"
CLEAR_SHARE = 1e-3  # see is_clear
# every variable the analysis (targets, acceptability, failure region) reads from a result Dataset
_READS = ("saldo", "costs", "benefits", "line", "actor_costs", "actor_benefits", "base_actor_costs",
          "base_actor_benefits", "npv", "base_npv", "inputs")
CORRELATION_NOTE = ("EVPPI is estimated on the joint (correlated) sample: knowing an input also informs the "
                    "inputs correlated with it.")


@dataclass
class DecisionAnalysis:
    study: str
    target: str
    draws: int
    seed: int
    decision: Decision
    inputs: list[str]
    groups: dict[str, list[str]]
    targets: list[str]  # the target, then every actor (and the municipality) that takes part
    evppi: NDArray[np.float64]  # (target, input); NaN where not computed (analyse's evppi="unclear")
    evppi_se: NDArray[np.float64]
    evppi_groups: NDArray[np.float64]  # (target, group)
    evppi_groups_se: NDArray[np.float64]
    evpi: NDArray[np.float64]  # (target,)
    p_gt_0: NDArray[np.float64]  # (target,)
    expected: NDArray[np.float64]  # (target,)
    acceptability: Acceptability | None
    alternatives: Alternatives | None
    failure: Box | None
    correlated: bool
    notes: list[str] = field(default_factory=list)

    def ranking(self, target: str | None = None) -> list[str]:
        """Inputs by EVPPI for ``target`` (default: the decision's target), largest first."""
        t = self.targets.index(target or self.target)
        order = np.argsort(-self.evppi[t], kind="stable")
        return [self.inputs[i] for i in order]

    def to_json(self) -> dict[str, Any]:
        """The object ``mkba decide --json`` prints (and ``decision.json`` holds)."""
        t = 0
        actors = {}
        for k, name in enumerate(self.targets):
            if name.startswith(ACTOR_PREFIX) and name != self.target:
                actors[name[len(ACTOR_PREFIX):]] = {"p_net_gt_0": float(self.p_gt_0[k]), "evpi": float(self.evpi[k])}
        return {
            "study": self.study,
            "target": self.target,
            "draws": self.draws,
            "decision": self.decision.to_dict(),
            "evpi": float(self.evpi[t]),
            "evppi": {n: {"value": float(self.evppi[t, i]), "se": float(self.evppi_se[t, i])}
                      for i, n in enumerate(self.inputs)},
            "evppi_groups": {g: {"value": float(self.evppi_groups[t, i]), "se": float(self.evppi_groups_se[t, i])}
                             for i, g in enumerate(self.groups)},
            "ranking": self.ranking(),
            "actors": actors,
            "acceptability": self.acceptability.to_dict() if self.acceptability is not None else None,
            "alternatives": self.alternatives.to_dict() if self.alternatives is not None else None,
            "failure_region": self.failure.to_list() if self.failure is not None else None,
        }

    def to_dataset(self) -> xr.Dataset:
        """``decision.nc``: every number of the analysis, labelled."""
        data: dict[str, Any] = {
            "evpi": (("target",), self.evpi),
            "expected": (("target",), self.expected),
            "p_gt_0": (("target",), self.p_gt_0),
            "evppi": (("target", "input"), self.evppi),
            "evppi_se": (("target", "input"), self.evppi_se),
            "evppi_group": (("target", "group"), self.evppi_groups),
            "evppi_group_se": (("target", "group"), self.evppi_groups_se),
        }
        coords: dict[str, Any] = {"target": self.targets, "input": self.inputs, "group": list(self.groups)}
        if self.acceptability is not None:
            a = self.acceptability
            coords["value"] = a.grid
            data["p_saldo_gt_0"] = (("value",), a.p_saldo_gt_0)
            data["p_bc_social_gt_1"] = (("value",), a.p_bc_social_gt_1)
            data["expected_saldo"] = (("value",), a.expected_saldo)
        if self.alternatives is not None:
            alt = self.alternatives
            coords["option"] = list(alt.names)
            data["option_expected"] = (("option",), np.array(alt.decision.expected))
            data["option_p_best"] = (("option",), np.array(alt.decision.p_best))
            if alt.frontier is not None:
                data["frontier_p_best"] = (("value", "option"), alt.frontier["p_best"])
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update(
            study=self.study, target=self.target, draws=self.draws, seed=self.seed,
            best=self.decision.best, p_wrong=self.decision.p_wrong, expected_loss=self.decision.expected_loss,
            method="EVPPI: non-parametric regression on the Monte Carlo sample (Strong, Oakley & Brennan 2014)",
            correlated_inputs=int(self.correlated),
            notes=json.dumps(self.notes),
            json=json.dumps(self.to_json()),
        )
        if self.acceptability is not None:
            ds.attrs["value_input"] = self.acceptability.value
        return ds


def _groups(ds: xr.Dataset, inputs: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if "input_group" in ds.coords:
        for n, g in zip(inputs, (str(v) for v in ds["input_group"].values)):
            out.setdefault(g or n, []).append(n)
    return out


def analyse(
    ds: xr.Dataset,
    *,
    target: str = "saldo",
    grid: Sequence[float] | NDArray[np.float64] | None = DEFAULT_GRID,
    alternatives: Mapping[str, xr.Dataset] | None = None,
    base: str | None = None,
    actors: bool = True,
    failure: bool = True,
    correlated: bool | None = None,
    qaly_lines: Sequence[str] | None = None,
    alternative_lines: Mapping[str, Sequence[str]] | None = None,
    evppi: Literal["all", "unclear"] = "all",
) -> DecisionAnalysis:
    """Decision analysis of a result Dataset (stored with its inputs: ``store="full"``).

    ``alternatives``: result Datasets with the same draws (same seed, common random numbers), by name,
    compared on ``target``; ``base`` names the reference for the incremental saldo (default: the first).
    ``grid``: values of the QALY for the acceptability curve (None: no curve). ``correlated``: whether
    the study correlates inputs (None: judged from the sample's rank correlations). ``qaly_lines`` (and
    per alternative ``alternative_lines``): the lines proportional to the QALY value, from
    ``acceptability.value_lines(value, study.options.own_lines)`` (default: the built-in model's; a
    study with own lines and no lines given gets no curve, with a note). ``evppi="unclear"``: the EVPPI
    (the regressions, most of the cost) only when the decision is not clear (:func:`is_clear`) for the
    target or some actor, as the report shows it only then; otherwise its arrays hold NaN."""
    return _analyse(ds, target=target, grid=grid, alternatives=alternatives, base=base, actors=actors,
                    failure=failure, correlated=correlated, qaly_lines=qaly_lines,
                    alternative_lines=alternative_lines, evppi=evppi)


def is_clear(evpi: float, expected: float) -> bool:
    """A decision is clear when perfect information is worth at most 0.1 % of its expected value."""
    return bool(evpi <= CLEAR_SHARE * abs(expected))


def _in_memory(ds: xr.Dataset) -> xr.Dataset:
    """The variables the analysis reads, read once (a Dataset opened from results.nc reads from the file at
    every access, and the analysis reads some of them many times)."""
    reads = [v for v in _READS if v in ds]
    if "actor_costs" in ds and "actor_benefits" in ds:  # the actors' amounts; the npv cube only without them
        reads = [v for v in reads if v not in ("npv", "base_npv")]
    return ds[reads].compute()


def _analyse(ds: xr.Dataset, *, target: str, grid: Any, alternatives: Mapping[str, xr.Dataset] | None,
             base: str | None, actors: bool, failure: bool, correlated: bool | None,
             qaly_lines: Sequence[str] | None, alternative_lines: Mapping[str, Sequence[str]] | None,
             evppi: str = "all") -> DecisionAnalysis:
    ds = _in_memory(ds)
    net = actor_net(ds) if actors and has_actors(ds) else None
    names = [target] + [a for a in (actor_targets(ds, net) if actors else []) if a != target]
    Y = target_matrix(ds, names, net)
    y = Y[:, 0]
    if "inputs" not in ds:
        raise ValueError("the Dataset has no sampled inputs (run with store='full')")
    inputs = [str(v) for v in ds["input"].values]
    X = np.asarray(ds["inputs"].values, dtype=np.float64)
    groups = _groups(ds, inputs)

    full = np.array([evpi(Y[:, t]) for t in range(Y.shape[1])])
    expected = Y.mean(axis=0)
    value = np.full((len(names), len(inputs)), np.nan)
    se = np.full_like(value, np.nan)
    gvalue = np.full((len(names), len(groups)), np.nan)
    gse = np.full_like(gvalue, np.nan)
    if evppi == "all" or not all(is_clear(full[t], expected[t]) for t in range(len(names))):
        with one_blas_thread():  # (see there: many small products)
            for i in range(len(inputs)):
                e = fit_evppi(Y, basis=spline_basis(X[:, i]))
                value[:, i], se[:, i] = e.value, e.se
            for k, members in enumerate(groups.values()):
                idx = [inputs.index(m) for m in members]
                e = fit_evppi(Y, basis=group_basis([X[:, j] for j in idx]))
                gvalue[:, k], gse[:, k] = e.value, e.se
        # a regression estimate can exceed the EVPI by its noise; the EVPPI never does in truth
        value, gvalue = np.minimum(value, full[:, None]), np.minimum(gvalue, full[:, None])

    notes: list[str] = []
    acc = None
    if grid is not None and "line" in ds:
        try:
            acc = acceptability(ds, grid, value=QALY_VALUE, lines=qaly_lines)
        except ValueError as exc:  # own lines whose link to the QALY value is not given
            notes.append(f"no acceptability curve: {exc}")
    alt = None
    if alternatives:
        try:
            alt = compare(alternatives, target=target, base=base, grid=grid, lines=alternative_lines)
        except ValueError as exc:
            if "own lines" not in str(exc):
                raise
            alt = compare(alternatives, target=target, base=base, grid=None)
            notes.append(f"no acceptability frontier: {exc}")
    box = None
    if failure:
        n = min(len(y), PRIM_DRAWS)
        box = prim(X[:n], y[:n] < 0, inputs)
    correlated = _has_correlations(ds) if correlated is None else bool(correlated)
    notes = ([CORRELATION_NOTE] if correlated else []) + notes
    return DecisionAnalysis(
        study=str(ds.attrs.get("study", "")), target=target, draws=int(ds.sizes["draw"]),
        seed=int(ds.attrs.get("seed", 0)), decision=decide(y), inputs=inputs, groups=groups, targets=names,
        evppi=value, evppi_se=se, evppi_groups=gvalue, evppi_groups_se=gse, evpi=full,
        p_gt_0=(Y > 0).mean(axis=0), expected=expected, acceptability=acc, alternatives=alt, failure=box,
        correlated=correlated, notes=notes,
    )


def _has_correlations(ds: xr.Dataset) -> bool:
    """Whether the sampled inputs are rank-correlated by design (off-diagonal Spearman clearly ≠ 0)."""
    if "inputs" not in ds or ds.sizes.get("input", 0) < 2:
        return False
    n = min(ds.sizes["draw"], 5_000)
    ranks = np.argsort(np.argsort(ds["inputs"].values[:n], axis=0), axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant column has no correlation
        r = np.corrcoef(ranks, rowvar=False)
    np.fill_diagonal(r, 0.0)
    return bool(np.nanmax(np.abs(r)) > 5 / np.sqrt(n))
