"""README.md says only what is true: its set-up commands work as written (issue 15)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import readme  # noqa: E402  (tools/readme.py: stdlib only, also used by .ci/run)

TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
# What a fresh clone holds; never copy a developer's virtual environment or outputs into the throwaway one.
_NOT_SOURCE_TOP = {".git", ".venv", "outputs", "runs", "build", "dist", ".pytest_cache", ".hypothesis"}
_NOT_SOURCE_ANY = shutil.ignore_patterns("__pycache__", "*.egg-info")


def _not_source(folder: str, names: list[str]) -> set[str]:
    top = set(names) & _NOT_SOURCE_TOP if Path(folder) == ROOT else set()  # mkba/outputs/ is source
    return top | _NOT_SOURCE_ANY(folder, names)


class TestSetupBlock:
    def test_exactly_two_commands_in_a_virtual_environment(self) -> None:
        cmds = readme.setup_commands(TEXT)
        for cmd in cmds.values():
            # PEP 668: a system Python refuses a bare `pip install`; both lines make and use .venv
            assert cmd.startswith("python3 -m venv .venv && .venv/bin/pip install ")
            assert " pip install" not in cmd.replace(".venv/bin/pip install", "")
        assert cmds["run"].endswith("&& .venv/bin/mkba run")
        assert cmds["test"].endswith("&& .venv/bin/python -m pytest -q")
        assert ".venv/" in (ROOT / ".gitignore").read_text().splitlines()

    def test_extractor_rejects_a_drifting_block(self) -> None:
        with pytest.raises(ValueError, match="exactly two"):
            readme.setup_commands("# x\n\n```bash\npip install . && mkba run\n```\n")
        with pytest.raises(ValueError, match="must open"):
            readme.setup_commands("# x\n\n## Tour\n\n```bash\na mkba run\nb pytest\n```\n")

    def test_ci_runs_the_extracted_command_not_a_copy(self) -> None:
        ci = (ROOT / ".ci" / "run").read_text()
        assert "tools/readme.py setup test" in ci
        assert "pytest" not in ci.replace("tools/readme.py setup test", "")  # no second copy to drift
        # the command CI extracts is the README's line, byte for byte
        p = subprocess.run([sys.executable, str(ROOT / "tools" / "readme.py"), "setup", "test"],
                           capture_output=True, text=True, check=True)
        assert p.stdout.strip() == readme.setup_commands(TEXT)["test"]


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(os.environ.get("CI") != "true" and not os.environ.get("MKBA_TEST_INSTALL"),
                    reason="a real pip install into a new virtual environment (~25 s): runs in CI (CI=true) "
                           "or with MKBA_TEST_INSTALL=1")
def test_readme_install_and_run_command_in_a_fresh_venv(tmp_path: Path) -> None:
    """The README's first line, run literally by bash in a copy of the source tree: a new .venv, a real
    `pip install .` (pip's own cache makes it fast), and the default `mkba run` with its report."""
    src = tmp_path / "mkba"
    shutil.copytree(ROOT, src, ignore=_not_source)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")}
    p = subprocess.run(["bash", "-euo", "pipefail", "-c", readme.setup_commands(TEXT)["run"]], cwd=src, env=env,
                       capture_output=True, text=True, timeout=880)
    assert p.returncode == 0, (p.stdout[-2000:], p.stderr[-4000:])
    assert "saldo" in p.stdout and "Traceback" not in p.stderr
    out = src / "outputs" / "steenwijkerland-doorkijk"
    for name in ("results.nc", "summary.csv", "report.md", "report.html", "summary.xlsx"):
        assert (out / name).stat().st_size > 0, name
    # the program that ran is the one installed into the new environment, not this checkout
    installed = subprocess.run([str(src / ".venv" / "bin" / "python"), "-c", "import mkba; print(mkba.__file__)"],
                               capture_output=True, text=True, cwd=tmp_path, env=env, check=True).stdout
    assert str(src / ".venv") in installed
