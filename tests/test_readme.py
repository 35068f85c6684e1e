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


# --- every example in README.md runs (issue 15) -------------------------------------------------------

import inspect  # noqa: E402
import shlex  # noqa: E402

import readme_figures  # noqa: E402  (tools/readme_figures.py)

# Examples that name the reader's own files or machines (a batch of their own, their study, their
# cluster): they are parsed, never run; anything else is run as written.
PLACEHOLDERS = ("my-batch.toml", "my-municipality.toml", "tcp://")
# Python blocks that need a cluster scheduler (SLURM) we do not have: compiled and their mkba names checked.
NEEDS_CLUSTER = ("dask_jobqueue",)


def _mkba_lines(block: readme.Block | None = None) -> list[tuple[int, list[str]]]:
    """(README line, argv) of every `mkba …` line in a bash block after the set-up block (or in one)."""
    out = []
    for b in [block] if block else readme.blocks(TEXT, "bash")[1:]:
        for i, line in enumerate(b.code.splitlines()):
            argv = shlex.split(line, comments=True)
            if argv and argv[0] == "mkba":
                out.append((b.line + 1 + i, argv[1:]))
    return out


def _example_folder(tmp: Path) -> Path:
    """A folder like the clone the README is read in: studies/ beside it, nothing else."""
    shutil.copytree(ROOT / "studies", tmp / "studies")
    return tmp


def test_readme_has_examples_of_each_kind() -> None:
    assert len(_mkba_lines()) >= 15
    assert len(readme.blocks(TEXT, "python")) >= 3 and len(readme.blocks(TEXT, "toml")) >= 3


@pytest.mark.parametrize("line,argv", _mkba_lines(), ids=lambda v: str(v) if isinstance(v, int) else " ".join(v))
def test_every_mkba_line_parses(line: int, argv: list[str]) -> None:
    from mkba.cli import build_parser

    args = build_parser().parse_args(argv)  # an unknown flag or bad value exits 2 here
    files = [a for a in argv if a.endswith(".toml")]
    if not any(p in " ".join(argv) for p in PLACEHOLDERS):
        for f in files:  # a bundled study the example names exists where it says
            assert (ROOT / f).is_file(), f"README.md:{line}: {f} does not exist"
    assert callable(args.func)


def test_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python blocks, in order, in one namespace (as a reader pastes them), in a fresh folder."""
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(_example_folder(tmp_path))
    ns: dict = {"__name__": "__readme__"}
    ran = 0
    for b in readme.blocks(TEXT, "python"):
        code = compile(b.code, f"README.md:{b.line}", "exec")
        if any(f"import {m}" in b.code or f"from {m}" in b.code for m in NEEDS_CLUSTER):
            continue
        exec(code, ns)  # noqa: S102 - our own README's examples
        ran += 1
    assert ran >= 3
    # what the examples say they compute
    import mkba

    ds = ns["ds"]
    assert float(mkba.net(ds, "jeugd").mean()) == pytest.approx(
        float((ds.actor_benefits.astype(float) - ds.actor_costs.astype(float)).sel(actor="jeugd").mean()), rel=1e-9)
    assert (tmp_path / "tornado.png").stat().st_size > 0


def test_cluster_example_compiles_and_uses_real_api() -> None:
    from mkba.simulator.batch import Batch
    from mkba.simulator.cluster import run_batch

    (block,) = [b for b in readme.blocks(TEXT, "python") if "dask_jobqueue" in b.code]
    compile(block.code, f"README.md:{block.line}", "exec")
    params = inspect.signature(run_batch).parameters
    assert {"client", "resume"} <= set(params) and callable(Batch.from_toml) and callable(Batch.with_options)
    assert {"draws"} <= set(inspect.signature(Batch.with_options).parameters)


def _placed(study: dict, fragment: dict) -> dict:
    """``study`` with the fragment's values in place: a top-level table replaces the study's; a bare
    key (`n_households = …`, shown without its table) replaces the value of that name in the one table
    of the study that has it."""
    import copy

    from mkba.simulator.schema import StudyModel

    out = copy.deepcopy(study)
    for key, value in fragment.items():
        if key in out or key in StudyModel.model_fields:  # a block of the study file ([inputs], [plan], …)
            out[key] = value
            continue
        homes = [t for t in out.values() if isinstance(t, dict) and key in t]
        homes += [s for t in out.values() if isinstance(t, dict) for s in t.values() if isinstance(s, dict) and key in s]
        assert len(homes) == 1, f"{key}: in {len(homes)} tables of the study"
        homes[0][key] = value
    return out


def test_toml_examples_are_valid(tmp_path: Path) -> None:
    import tomllib

    from mkba.simulator.batch import Batch
    from mkba.simulator.study import Study

    study = tomllib.loads((ROOT / "studies" / "steenwijkerland-doorkijk.toml").read_text(encoding="utf-8"))
    for b in readme.blocks(TEXT, "toml"):
        fragment = tomllib.loads(b.code)  # every block is TOML
        if b.code.lstrip().startswith("[batch]"):
            folder = _example_folder(tmp_path / f"b{b.line}")
            path = folder / "studies" / "example-batch.toml"
            path.write_text(b.code, encoding="utf-8")
            assert Batch.from_toml(path).cases
        else:  # a fragment of a study file: in place of the bundled study's own values, it validates
            Study.from_dict(_placed(study, fragment), source=f"README.md:{b.line}")


def test_figures_are_the_computed_ones() -> None:
    """The figures README.md quotes from the bundled studies are those mkba computes now
    (regenerate with `python tools/readme_figures.py`)."""
    new, stale = readme_figures.render(TEXT)
    assert not stale, f"README.md: stale figures {stale}; run `python tools/readme_figures.py`"
    assert new == TEXT
    assert set(readme_figures.FIGURES) == {m.group(1) for m in readme_figures.MARKER.finditer(TEXT)}
    # the headline is the sentence the default run's report writes, quoted in two places
    assert TEXT.count("<!-- fig:headline -->") == 2


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(os.environ.get("CI") != "true" and not os.environ.get("MKBA_TEST_INSTALL"),
                    reason="every `mkba …` line of the README run as written (~2 min): runs in CI (CI=true) "
                           "or with MKBA_TEST_INSTALL=1")
def test_every_mkba_line_runs(tmp_path: Path) -> None:
    """Each block's lines in order, in a fresh folder per block (each section is a separate example)."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = str(ROOT)
    failed, ran = [], 0
    for b in readme.blocks(TEXT, "bash")[1:]:
        folder = _example_folder(tmp_path / f"block{b.line}")
        for line, argv in _mkba_lines(b):
            if any(p in " ".join(argv) for p in PLACEHOLDERS):
                continue
            ran += 1
            p = subprocess.run([sys.executable, "-m", "mkba.cli", *argv], cwd=folder, env=env, capture_output=True,
                               text=True, timeout=600, stdin=subprocess.DEVNULL)
            if p.returncode != 0 or "Traceback" in p.stderr:
                failed.append(f"README.md:{line}: mkba {' '.join(argv)} → exit {p.returncode}: {p.stderr[-800:]}")
    assert ran >= 12 and not failed, "\n".join(failed)
