"""mkba: Monte Carlo uncertainty and sensitivity analysis for social cost-benefit analyses (MKBA)
of integrated social neighbourhood teams."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public API, imported on first use (PEP 562) so that `mkba validate` does not pay for xarray.
_EXPORTS = {
    "from_spec": "mkba.distributions",
    "evaluate": "mkba.simulator.engine",
    "run": "mkba.simulator.engine",
    "Parameter": "mkba.simulator.parameters",
    "ParameterSet": "mkba.simulator.parameters",
    "base_case": "mkba.simulator.results",
    "net": "mkba.simulator.results",
    "simulate": "mkba.simulator.results",
    "Study": "mkba.simulator.study",
    "StudyError": "mkba.simulator.study",
    "default_study_path": "mkba.simulator.study",
}

if TYPE_CHECKING:  # pragma: no cover
    from .distributions import from_spec
    from .simulator.engine import evaluate, run
    from .simulator.parameters import Parameter, ParameterSet
    from .simulator.results import base_case, net, simulate
    from .simulator.study import Study, StudyError, default_study_path

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mkba' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
