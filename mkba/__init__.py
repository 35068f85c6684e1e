"""mkba: Monte Carlo uncertainty and sensitivity analysis for social cost-benefit analyses (MKBA)
of integrated social neighbourhood teams."""

from __future__ import annotations

__version__ = "0.1.0"

from .distributions import from_spec
from .simulator.engine import evaluate, run
from .simulator.parameters import Parameter, ParameterSet
from .simulator.results import base_case, simulate
from .simulator.study import Study, StudyError, default_study_path

__all__ = [
    "Parameter",
    "ParameterSet",
    "Study",
    "StudyError",
    "__version__",
    "base_case",
    "default_study_path",
    "evaluate",
    "from_spec",
    "run",
    "simulate",
]
