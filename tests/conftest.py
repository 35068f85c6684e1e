from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ROOT / "studies"


@pytest.fixture(scope="session")
def retro_path() -> Path:
    return STUDIES / "steenwijkerland-2018.toml"


@pytest.fixture(scope="session")
def forward_path() -> Path:
    return STUDIES / "steenwijkerland-doorkijk.toml"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
