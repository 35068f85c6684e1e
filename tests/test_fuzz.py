"""Fuzz suite (issue 11 item 8): mutated study files, CLI misuse per subcommand, faults.

Every mutated study must either validate and run (exit 0, a valid result, strict JSON) or be refused
with exit 2 and one ``file: field.path: message`` line per problem: no traceback, nothing written.
The generator is seeded, so every case is reproducible (its id names the study, family and number).
"""

from __future__ import annotations

import copy
import io
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import time
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import tomlw

from mkba.cli import main

ROOT = Path(__file__).resolve().parents[1]
STUDIES = sorted(p for p in (ROOT / "studies").glob("*.toml") if not p.name.endswith("-batch.toml"))
CASES_PER_STUDY = 60  # × 5 bundled studies ≥ 300 cases


def call(argv: list[str]) -> tuple[int, str, str]:
    """``mkba ARGV`` in this process: (exit code, stdout, stderr); argparse exits become codes."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


# --- the mutation generator -----------------------------------------------------------------------


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value (numbers, strings, booleans, distribution tables, lists)."""
    out = []
    if isinstance(node, dict):
        if prefix and "dist" in node:
            out.append(prefix)
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        if prefix:
            out.append(prefix)
        for i, v in enumerate(node):
            if isinstance(v, dict):
                out += _paths(v, (*prefix, i))
    else:
        out.append(prefix)
    return out


def _get(raw: Any, path: tuple) -> Any:
    for k in path:
        raw = raw[k]
    return raw


def _set(raw: Any, path: tuple, value: Any) -> None:
    for k in path[:-1]:
        raw = raw[k]
    raw[path[-1]] = value


def _del(raw: Any, path: tuple) -> None:
    for k in path[:-1]:
        raw = raw[k]
    del raw[path[-1]]


WEIRD = ["0.45", "", "no", True, False, [], {}, [1, 2], {"dist": "pert"}, -1, 0, 1e308, -1e308, 10**30,
         math.nan, math.inf, 1e-320, "=HYPERLINK(1)", "<img src=x>", {"dist": ["pert"]}, {"dist": {}},
         {"dist": "lognormal", "median": 1, "sigma": 0.2, "mean": 1, "sd": 0.1},
         {"dist": "pert", "min": 0, "mode": 1e300, "max": 1e308}, {"dist": "discrete", "values": [1, 2],
                                                                   "weights": [1e308, 1e308]},
         {"dist": "uniform", "min": 0, "max": 1e300}, {"dist": "pert", "min": 0.3, "mode": 0.2, "max": 0.1},
         {"p5": 0.1, "p95": 0.05}, {"dist": "beta", "mean": 0.5, "sd": 1e-12}, {"dist": "normal", "mean": 0,
                                                                                 "sd": 0}]


def _value_mutation(raw: dict, rng: random.Random) -> dict:
    paths = [p for p in _paths(raw) if p and p[0] != "scenarios"]
    path = rng.choice(paths)
    _set(raw, path, copy.deepcopy(rng.choice(WEIRD)))
    return raw


def _structure_mutation(raw: dict, rng: random.Random) -> dict:
    paths = [p for p in _paths(raw) if p]
    path = rng.choice(paths)
    kind = rng.randrange(4)
    if kind == 0:
        _del(raw, path)  # a required or optional key removed
    elif kind == 1:
        parent = _get(raw, path[:-1]) if len(path) > 1 else raw
        if isinstance(parent, dict):
            parent[str(path[-1]) + rng.choice(["e", "_x", "s"])] = parent.pop(path[-1])  # a typo
    elif kind == 2:
        raw[rng.choice(["reach", "costs", "effects", "prices", "simulation"])] = rng.choice([3, "x", [1]])
    else:
        raw["unknown_block"] = {"a": 1}
    return raw


def _scenario_mutation(raw: dict, rng: random.Random) -> dict:
    sc = raw.setdefault("scenarios", [])
    paths = [p for p in _paths({k: v for k, v in raw.items() if k not in ("scenarios", "study", "simulation")})
             if p]
    path = rng.choice(paths)
    value = _get(raw, path)
    kind = rng.randrange(7)
    if kind == 0:  # unquoted nested table: must mean the same as the dotted key
        nested: dict = {}
        node = nested
        for k in path[:-1]:
            node = node.setdefault(str(k), {})
        node[str(path[-1])] = value
        sc.append({"name": "nested", "set": nested})
    elif kind == 1:
        sc.append({"name": "base", "set": {".".join(map(str, path)): value}})
    elif kind == 2:
        sc.append({"name": "x" * rng.choice([100, 101, 300]), "set": {".".join(map(str, path)): value}})
    elif kind == 3:
        sc.append({"name": "inside", "set": {".".join(map(str, path)) + ".max": 1}})
    elif kind == 4:
        sc.append({"name": "empty", "set": {str(path[0]): {}}})
    elif kind == 5:
        sc.append({"name": "weird", "set": {".".join(map(str, path)): copy.deepcopy(rng.choice(WEIRD))}})
    else:
        sc.append({"name": "dup", "set": {}})
        sc.append({"name": "dup", "set": {}})
    return raw


def _simulation_mutation(raw: dict, rng: random.Random) -> dict:
    sim = raw.setdefault("simulation", {})
    key, value = rng.choice([("seed", 2**64), ("seed", 2**63), ("seed", -1), ("seed", "1"), ("draws", 0),
                             ("draws", True), ("draws", 1.5), ("draws", "many"), ("chunk_size", 2**40),
                             ("sampler", "quasi"), ("seed", 2**63 - 1), ("draws", 10), ("chunk_size", 1)])
    sim[key] = value
    return raw


def _timing_mutation(raw: dict, rng: random.Random) -> dict:
    line = rng.choice(["null_situation", "debt", "children", "referrals", "nope"])
    w = rng.choice([[1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [0.5] * 10, [1] + [0] * 9, [0.1] * 10, [1, 0], [-1, 2] + [0] * 8,
                    {"weights": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], "total": 4}, {"weights": [1] + [0] * 9}])
    raw.setdefault("timing", {})[line] = w
    return raw


def _shares_mutation(raw: dict, rng: random.Random) -> dict:
    reach = raw.get("reach", {})
    if isinstance(reach.get("share_type"), dict) and not reach["share_type"].get("dist"):
        k = rng.choice(list(reach["share_type"]))
        reach["share_type"][k] = rng.choice([0.99, -0.1, 2, 0])
    else:
        raw.setdefault("costs", {})["funding"] = rng.choice([{"welzijn": 0.5}, {"nobody": 1.0}, {"zvw": 1.0}])
    return raw


FAMILIES = [_value_mutation, _value_mutation, _structure_mutation, _scenario_mutation, _simulation_mutation,
            _timing_mutation, _shares_mutation]

TEXT_MUTATIONS = ["bom", "utf16", "cp1252", "truncate", "binary", "deep", "bigint", "netcdf", "zip", "empty"]


def _text_mutation(text: str, kind: str, rng: random.Random) -> bytes:
    if kind == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "cp1252":
        return (text + "\n# café €\n").encode("cp1252", errors="replace")
    if kind == "truncate":
        return text.encode("utf-8")[: rng.randrange(1, len(text))]
    if kind == "binary":
        return bytes(rng.randrange(256) for _ in range(2000))
    if kind == "deep":
        return (text + "\nx = " + "[" * 3000 + "]" * 3000 + "\n").encode()
    if kind == "bigint":
        return text.replace("seed = ", "seed = " + "9" * 5000 + " #", 1).encode()
    if kind == "netcdf":
        return b"\x89HDF\r\n\x1a\n" + bytes(500)
    if kind == "zip":
        return b"PK\x03\x04" + bytes(500)
    return b""


def generate(study: Path, n: int, seed: int) -> list[tuple[str, bytes]]:
    """``n`` mutated versions of ``study`` as (case id, file bytes)."""
    rng = random.Random(seed)
    text = study.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    out = []
    for i in range(n):
        if i % 6 == 5:
            kind = TEXT_MUTATIONS[(i // 6) % len(TEXT_MUTATIONS)]
            out.append((f"{study.stem}-{i}-text-{kind}", _text_mutation(text, kind, rng)))
            continue
        family = FAMILIES[i % len(FAMILIES)]
        mutated = copy.deepcopy(raw)
        for _ in range(1 + (i % 3 == 0)):  # sometimes two mutations at once
            mutated = family(mutated, rng)
        try:
            data = tomlw.dumps(mutated).encode("utf-8")
        except TypeError:
            continue
        out.append((f"{study.stem}-{i}-{family.__name__.strip('_')}", data))
    return out


CASES = [c for k, s in enumerate(STUDIES) for c in generate(s, CASES_PER_STUDY, 1000 + k)]
LINE = re.compile(r"^error: (?P<file>[^:]+\.toml)(: (?P<loc>[^:]+))?: (?P<msg>.+)$")


class Tally:
    tried = 0
    ran = 0
    refused = 0


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    yield d
    # the figures the README quotes (tests/test_fuzz.py: cases tried / held)
    print(f"\nfuzz: {Tally.tried} cases, {Tally.ran} validated and ran, {Tally.refused} refused with located errors")


def test_enough_cases():
    assert len(CASES) >= 300 and len(STUDIES) >= 3
    families = {cid.split("-")[-1] if "-text-" not in cid else "text" for cid, _ in CASES}
    assert len(families) >= 6


@pytest.mark.parametrize(("case_id", "data"), CASES, ids=[c for c, _ in CASES])
def test_mutated_study(case_id, data, fuzz_dir):
    path = fuzz_dir / f"{case_id[:60]}.toml"
    path.write_bytes(data)
    out = fuzz_dir / f"out-{case_id[:60]}"
    code, stdout, err = call(["validate", str(path)])
    Tally.tried += 1
    assert "Traceback" not in err + stdout
    assert code in (0, 2), err
    if code == 0:
        # every study that validates runs
        code, stdout, err = call(["run", str(path), "--draws", "64", "--no-report", "--json", "--out", str(out)])
        assert code == 0, f"validated but did not run: {err}"
        result = json.loads(stdout, parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}"))
        assert (Path(result["outputs"]["dir"]) / "results.nc").stat().st_size > 0
        Tally.ran += 1
        return
    lines = err.strip().splitlines()
    assert lines, "exit 2 without a message"
    for line in lines:
        m = LINE.match(line)
        assert m and m["file"] == str(path), f"not a 'file: field.path: message' line: {line!r}"
        assert "Error(" not in line and "<class" not in line and len(line) < 600
    if case_id.endswith(("0", "5")):  # `run` refuses it the same way and writes nothing
        code, _, err2 = call(["run", str(path), "--draws", "64", "--no-report", "--out", str(out)])
        assert code == 2 and "Traceback" not in err2
        assert not out.exists() or not any(out.iterdir())
    Tally.refused += 1


# --- CLI misuse -----------------------------------------------------------------------------------

FORWARD = str(ROOT / "studies" / "steenwijkerland-doorkijk.toml")
MISUSE = [
    ["run", "--draws", "0"], ["run", "--draws", "many"], ["run", "--draws", "1e6"], ["run", "--seed", "-1"],
    ["run", "--seed", str(2**64)], ["run", "--sampler", "quasi"], ["run", "--scenario", "nosuch"],
    ["run", "--chunk-size", "0"], ["run", "--max-draws", "10"], ["run", "--precision", "-5"],
    ["run", "--precision", "inf"], ["run", "/no/such/study.toml"], ["run", "--draws", "10", "--precision", "5"],
    ["run", "--store", "huge"], ["run", "--lang", "de"], ["run", "--draws", "9" * 50],
    ["run", "--draws", str(10**15)], ["run", "--bogus"],
    ["report"], ["report", "/no/such/results.nc"], ["report", FORWARD], ["report", str(ROOT / "studies")],
    ["report", "x.nc", "--lang", "de"],
    ["batch"], ["batch", "/no/such/batch.toml"], ["batch", FORWARD, "--workers", "0"],
    ["batch", str(ROOT / "studies" / "steenwijkerland-doorkijk-batch.toml"), "--scheduler", "foo"],
    ["batch", str(ROOT / "studies" / "steenwijkerland-doorkijk-batch.toml"), "--workers", "-1"],
    ["batch", str(ROOT / "studies" / "steenwijkerland-doorkijk-batch.toml"), "--draws", "0"],
    ["batch", str(ROOT / "studies" / "steenwijkerland-doorkijk-batch.toml"), "--format", "csv"],
    ["sensitivity", "--method", "magic"], ["sensitivity", "--target", "nothing"], ["sensitivity", "--n", "0"],
    ["sensitivity", "--method", "fast", "--groups"], ["sensitivity", "--method", "sobol", "--n", "1000"],
    ["sensitivity", "/no/such.toml"], ["sensitivity", "--n", str(2**40)],
    ["batch", str(ROOT / "studies" / "steenwijkerland-doorkijk-batch.toml"), "--draws", str(10**13)],
    ["validate"], ["validate", "/no/such.toml"], ["validate", str(ROOT / "studies")],
    ["decide", "/no/such.toml"], ["decide", "--bogus"],
    ["new"], ["new", "--from", "no-such-study"], ["schema", "--bogus"], ["studies", "--bogus"],
    ["frobnicate"], [],
]


@pytest.mark.parametrize("argv", MISUSE, ids=[" ".join(a)[:60] or "(none)" for a in MISUSE])
def test_cli_misuse(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, err = call([*argv, *(["--out", str(tmp_path / "o")] if argv[:1] in (["run"], ["batch"])
                                      and "--bogus" not in argv else [])])
    assert code == 2, (code, err)
    assert "Traceback" not in err + stdout
    assert err.strip(), "no message"
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


# --- faults ---------------------------------------------------------------------------------------

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _complete(folder: Path) -> None:
    from mkba.outputs.report import open_results

    ds = open_results(folder / "results.nc")  # verifies the data checksum
    assert (folder / "summary.csv").read_text(encoding="utf-8").startswith("name,")
    assert ds.sizes["draw"] == int(ds.attrs["draws"])


@pytest.mark.slow
def test_sigkill_run_at_random_points(tmp_path):
    """Kill `mkba run` at random moments into a folder that holds an earlier run: afterwards there is the
    earlier run, untouched, and at most a complete new one — never a mix, never a partial file."""
    rng = random.Random(7)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mkba.cli", "run", FORWARD, "--draws", "20000", "--out", str(out)]
    subprocess.run([*cmd, "--no-report"], check=True, env=ENV, capture_output=True, timeout=120)
    first = (out / "steenwijkerland-doorkijk" / "results.nc").read_bytes()
    for _ in range(4):
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert (out / "steenwijkerland-doorkijk" / "results.nc").read_bytes() == first
    finals = [f for f in out.iterdir() if not f.name.startswith(".")]  # dot names: temporaries of the kills
    for folder in finals:
        _complete(folder)
    # the next run cleans what the kills left and completes
    subprocess.run([*cmd, "--no-report"], check=True, env=ENV, capture_output=True, timeout=120)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_two_concurrent_runs(tmp_path):
    out = tmp_path / "out"
    procs = [subprocess.Popen([sys.executable, "-m", "mkba.cli", "run", FORWARD, "--draws", "20000", "--seed", s,
                               "--out", str(out), "--no-report", "--json"], env=ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for s in ("11", "22")]
    results = [(p, *p.communicate(timeout=120)) for p in procs]
    done = 0
    for seed, (p, stdout, stderr) in zip(("11", "22"), results, strict=True):
        assert "Traceback" not in stderr
        if p.returncode == 0:
            folder = Path(json.loads(stdout)["outputs"]["dir"])
            _complete(folder)
            from mkba.outputs.report import open_results

            assert open_results(folder / "results.nc").attrs["seed"] == int(seed)  # never a mix of runs
            done += 1
        else:
            assert p.returncode == 2 and "is writing this output folder" in stderr
    assert done >= 1


def test_full_disk(tmp_path):
    """A full disk ends in one line naming the file, exit 1, and no partial output."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({r.stderr.decode(errors='replace').strip()[:80]})")
    try:
        code, _, err = call(["run", FORWARD, "--draws", "3000", "--no-report", "--out", str(mnt)])
        assert code in (1, 2) and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert "disk" in err or "No space left" in err
        assert not [p for p in mnt.iterdir() if not p.name.startswith(".")] and not list(mnt.glob(".*tmp*"))
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def _readme_figure(name: str) -> int:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- fuzz:{name} -->(\d+)<!-- /fuzz -->", text)
    assert m, f"README states no fuzz:{name} figure"
    return int(m.group(1))


def test_readme_states_the_figures():
    """The README's fuzz figures are the ones this file computes (the split needs the whole run)."""
    assert _readme_figure("cases") == len(CASES)
    assert f"a CLI-misuse table of {len(MISUSE)} commands" in (ROOT / "README.md").read_text(encoding="utf-8")
    if Tally.tried == len(CASES):  # every mutated case ran in this session (not a -k selection): all held
        assert Tally.ran + Tally.refused == len(CASES) and Tally.ran > 0 and Tally.refused > 0
