"""A module imported on first attribute access.

``scipy.special`` costs ~0.1–0.5 s to import (its array-API layer); a study is parsed and validated
without it, so ``mkba validate`` and ``mkba --help`` never pay for it.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands in for a module; the first attribute access imports it (thread-safe: import locks)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _module(self) -> ModuleType:
        return import_module(self._name)  # after the first time a dict lookup in sys.modules

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._module(), attr)


special: Any = LazyModule("scipy.special")
