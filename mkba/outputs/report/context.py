"""What the report's sections read: the run, its summary, the study (if still available) and the
results computed for the report (tornado, scenarios, charts). Built once; sections only read it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import xarray as xr

from ...simulator.labels import Label
from ..formatting import Lang
from .text import text

if TYPE_CHECKING:
    from ...simulator.study import Study

__all__ = ["Context", "TORNADO_TOP"]

TORNADO_TOP = 10  # inputs in the tornado chart and its table (the same ones)


@dataclass
class Context:
    ds: xr.Dataset
    lang: Lang
    res: Mapping[str, Any]  # mkba.outputs.summary.summarise(ds)
    study: Study | None = None
    tornado: xr.Dataset | None = None
    tornado_why: str = ""
    scenarios: Sequence[Mapping[str, Any]] | None = None
    inputs: Sequence[Mapping[str, Any]] = ()  # mkba.outputs.inputs.input_table rows
    charts: frozenset[str] = frozenset()  # names of the charts that were drawn
    sensitivity: Sequence[tuple[str, xr.Dataset]] = ()
    own: Mapping[str, Label] = field(default_factory=dict)  # the study's labels of its own inputs/lines
    study_status: str = "found"  # when ``study`` is None: "missing", "changed" or "invalid"
    decision: Sequence[tuple[str, Any]] = ()  # plain blocks of mkba.decision.section.report_section
    dependent: xr.Dataset | None = None  # given-data drivers (δ, S1) of the run's own draws (correlated studies)
    plan: Mapping[str, Any] | None = None  # mkba.outputs.plan.plan_view (studies with a [plan])

    def t(self, key: str, **fields: object) -> str:
        return text(self.lang, key, **fields)
