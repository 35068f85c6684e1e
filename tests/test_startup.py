"""Start-up: the command imports only what a command needs (issue 14 item 1).

Each check runs ``mkba`` as the program in a fresh interpreter (``python -m mkba.cli`` through runpy) and
inspects ``sys.modules`` when it ends, so an import added anywhere on the way shows up here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mkba

# The subprocesses import the same mkba as this test process, whatever the working directory.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(mkba.__file__).parents[1]),
                                                    os.environ.get("PYTHONPATH", "")])}

HEAVY = ("xarray", "scipy", "pydantic", "dask", "distributed", "matplotlib", "pandas", "numpy")

# Runs `mkba ARGS` the way `python -m mkba.cli ARGS` does, then reports the exit code and which of HEAVY
# were imported (a top-level name counts once any of its submodules is loaded).
_PROBE = """
import json, runpy, sys
heavy = {heavy!r}
sys.argv = ["mkba", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("mkba.cli", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
loaded = sorted({{m.split(".")[0] for m, mod in list(sys.modules.items()) if mod is not None}} & set(heavy))
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.__stderr__)
"""


def probe(*args: str) -> tuple[int, set[str], str]:
    """Run ``mkba ARGS`` in a fresh interpreter: (exit code, heavy modules imported, stdout)."""
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args], capture_output=True,
                          text=True, timeout=120, env=ENV)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report["code"], set(report["loaded"]), proc.stdout


def test_import_cli_is_light():
    code = f"import sys, mkba.cli; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("batch", "--help"), ("--version",)])
def test_help_imports_nothing_heavy(args):
    code, loaded, out = probe(*args)
    assert code == 0 and out.startswith(("usage: mkba", "mkba "))
    assert loaded == set()


@pytest.mark.parametrize("args", [("run", "--draws", "many"), ("frobnicate",), ("batch",),
                                  ("run", "--draws", "10", "--precision", "5")])
def test_argument_errors_import_nothing_heavy(args):
    code, loaded, _ = probe(*args)
    assert code == 2
    assert loaded == set()


def test_validate_loads_only_the_schema_path(forward_path):
    code, loaded, out = probe("validate", str(forward_path))
    assert code == 0 and ": ok — study 'steenwijkerland-doorkijk'" in out
    assert loaded == {"pydantic", "numpy"}  # no scipy, xarray, pandas, dask or matplotlib


_MODULES = """
import json, runpy, sys
sys.argv = ["mkba", *sys.argv[1:]]
try:
    runpy.run_module("mkba.cli", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
loader = sys.modules.get("pydantic.plugin._loader")
import os
print(json.dumps({{"present": [m for m in {names!r} if sys.modules.get(m) is not None],
                  "plugins": None if loader is None else list(loader.get_plugins()),
                  "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                  "plugins_env": os.environ.get("PYDANTIC_DISABLE_PLUGINS")}}), file=sys.__stderr__)
"""


def test_validate_skips_what_checking_a_study_needs_not(forward_path):
    # numpy.random (the model probe's mixes come from the standard library) stays out of `mkba validate`;
    # pydantic runs with no plugins (its own switch, PYDANTIC_DISABLE_PLUGINS=__all__: no scan of every
    # installed package's entry points; its loader module itself, with importlib.metadata, is still loaded) ...
    names = ("numpy.random",)
    env = {k: v for k, v in ENV.items() if k not in ("PYDANTIC_DISABLE_PLUGINS", "OPENBLAS_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", _MODULES.format(names=names), "validate", str(forward_path)],
                          capture_output=True, text=True, timeout=120, env=env)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    # numpy's BLAS is loaded with one thread (a study's matrices are tiny; a pool spins its threads) ...
    assert ": ok" in proc.stdout and report == {"present": [], "plugins": [], "blas_threads": "1",
                                           "plugins_env": "__all__"}
    # ... unless the user says otherwise: pydantic's own variable lets its loader decide, and a thread
    # count the user set stays
    env["PYDANTIC_DISABLE_PLUGINS"] = "some-plugin"
    env["OPENBLAS_NUM_THREADS"] = "2"
    proc = subprocess.run([sys.executable, "-c", _MODULES.format(names=names), "validate", str(forward_path)],
                          capture_output=True, text=True, timeout=120, env=env)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert ": ok" in proc.stdout and report["blas_threads"] == "2" and report["plugins_env"] == "some-plugin"


def test_validate_truncated_normal_needs_no_scipy(tmp_path, forward_path):
    # The truncation-mass check and the default base take no scipy; a base outside the support still fails.
    text = forward_path.read_text(encoding="utf-8")
    old = '{ dist = "lognormal", median = 1.0, sigma = 0.2'  # the rest of the table (its source) stays
    assert old in text
    ok = tmp_path / "ok.toml"
    ok.write_text(text.replace(old, '{ dist = "normal", mean = 1.0, sd = 0.2, min = 0.5', 1), encoding="utf-8")
    code, loaded, out = probe("validate", str(ok))
    assert code == 0 and ": ok" in out and "scipy" not in loaded
    empty = tmp_path / "empty.toml"
    empty.write_text(text.replace(old, '{ dist = "normal", mean = 1.0, sd = 0.01, min = 2', 1), encoding="utf-8")
    code, _, _ = probe("validate", str(empty))
    assert code == 2
    base = tmp_path / "base.toml"
    base.write_text(text.replace(old, '{ dist = "lognormal", median = 1.0, sigma = 0.2, max = 2, base = 3', 1),
                    encoding="utf-8")
    code, _, _ = probe("validate", str(base))
    assert code == 2


def test_bad_study_is_reported_without_heavy_imports(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_text("[study]\nname = 3\n", encoding="utf-8")
    code, loaded, _ = probe("validate", str(bad))
    assert code == 2
    assert loaded.isdisjoint({"xarray", "dask", "matplotlib"})


def test_run_no_report_imports_no_dask(tmp_path, forward_path):
    if importlib.util.find_spec("dask") is None:
        pytest.skip("dask is not installed: nothing to keep out")
    code, loaded, out = probe("run", str(forward_path), "--draws", "3000", "--no-report", "--json", "--out",
                              str(tmp_path))
    assert code == 0, out
    assert "xarray" in loaded  # it did build and write the Dataset ...
    assert not loaded & {"dask", "distributed"}  # ... without Dask
    assert json.loads(out)["draws"] == 3000
    assert (tmp_path / "steenwijkerland-doorkijk" / "results.nc").stat().st_size > 0


def test_main_called_in_process_keeps_dask_importable(tmp_path, forward_path):
    # Hiding Dask is for the program only: a host process calling main([...]) keeps its Dask.
    from mkba.cli import main

    assert main(["validate", str(forward_path)]) == 0
    assert sys.modules.get("dask", "absent") is not None
    assert sys.modules.get("distributed", "absent") is not None


def test_z95_is_scipys_normal_quantile():
    from scipy import special

    from mkba.distributions.parse import _Z95

    assert _Z95 == float(special.ndtri(0.95))  # the constant stands in for scipy, bit for bit


def test_program_skips_the_exit_collection(forward_path):
    # As the program, main freezes the heap before the interpreter's exit collection (which otherwise
    # traverses every numpy/scipy/pydantic object: ~0.3 s at the end of `mkba run`) ...
    code = ("import gc, runpy, sys\nsys.argv = ['mkba', 'validate', sys.argv[1]]\ntry:\n"
            "    runpy.run_module('mkba.cli', run_name='__main__', alter_sys=True)\n"
            "except SystemExit as exc:\n    print(exc.code, gc.get_freeze_count())\n")
    proc = subprocess.run([sys.executable, "-c", code, str(forward_path)], capture_output=True, text=True,
                          timeout=120, env=ENV, cwd=Path(mkba.__file__).parents[1])
    exit_code, frozen = proc.stdout.split()[-2:]
    assert exit_code == "0" and int(frozen) > 10_000


def test_main_called_in_process_keeps_collecting(forward_path):
    # ... but a host process calling main([...]) keeps its garbage collection as it was
    import gc

    from mkba.cli import main

    before = gc.get_freeze_count()
    assert main(["validate", str(forward_path)]) == 0
    assert gc.get_freeze_count() == before


def test_one_command_parser_reads_like_the_whole_one(capsys, monkeypatch):
    # `mkba validate x` builds the parser of validate alone; every argument error is still worded (and
    # exits) exactly as the whole parser words it, and an unknown command gets the whole parser
    from mkba.cli import _parse, build_parser

    def commands(parser):
        return list(parser._subparsers._group_actions[0].choices)

    everything = commands(build_parser())
    assert commands(build_parser(only="validate")) == ["validate"] and len(everything) >= 9
    assert commands(build_parser(only="frobnicate")) == everything
    assert _parse(["validate", "x.toml"]).study == "x.toml"
    for argv in (["validate"], ["validate", "x", "--bogus"], ["run", "--draws", "many"], ["frobnicate"]):
        with pytest.raises(SystemExit) as lazy:
            _parse(argv)
        lazy_err = capsys.readouterr().err
        with pytest.raises(SystemExit) as whole:
            build_parser().parse_args(argv)
        assert lazy.value.code == whole.value.code == 2
        assert lazy_err == capsys.readouterr().err and "error:" in lazy_err
    for columns in ("100", None):  # its help too, at the width argparse takes (without importing shutil)
        if columns:
            monkeypatch.setenv("COLUMNS", columns)
        else:
            monkeypatch.delenv("COLUMNS", raising=False)
        with pytest.raises(SystemExit):
            _parse(["run", "--help"])
        lazy_help = capsys.readouterr().out
        with pytest.raises(SystemExit):
            build_parser().parse_args(["run", "--help"])
        assert lazy_help == capsys.readouterr().out and "--precision EUROS" in lazy_help
