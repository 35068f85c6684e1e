"""Batch resume verifies what it reuses (issue 11 item 3): SHA-256 per task file in the manifest, dtype
and shape checks, no manifest → no reuse, and a fingerprint that covers the code."""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_array_equal

from mkba.cli import main
from mkba.simulator import batch as batch_mod
from mkba.simulator.batch import Manifest

ROOT = Path(__file__).resolve().parents[1]
FORWARD = ROOT / "studies" / "steenwijkerland-doorkijk.toml"


def _args(tmp_path: Path) -> tuple[list[str], Path]:
    p = tmp_path / "b.toml"
    p.write_text(f'[batch]\nname = "small"\nseed = 5\n[[studies]]\nfile = "{FORWARD}"\nscenarios = ["base"]\n',
                 encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(p), "--draws", "3000", "--task-size", "1000", "--store", "lean", "--workers", "0",
            "--out", str(out), "--no-chart", "--json"]
    return args, out / "small"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """One finished batch run; each test works on a copy of it."""
    import contextlib

    base = tmp_path_factory.mktemp("batch")
    args, _ = _args(base)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*args, "--keep-tasks"]) == 0  # the tests below tamper with its task files
    return base


@pytest.fixture
def setup(tmp_path, finished):
    import shutil

    args, root = _args(tmp_path)
    shutil.copytree(finished / "out", tmp_path / "out")
    return args, root


def run(capsys, args, *extra):
    code = main([*args, *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def saldo(root: Path) -> np.ndarray:
    with xr.open_zarr(root / "results.zarr", consolidated=True) as ds:
        return ds["saldo"].values.copy()


def rewrite(path: Path, change) -> None:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def rehash(root: Path, name: str) -> None:
    """Record the tampered file's hash in the manifest too (as a buggy writer would)."""
    m = json.loads((root / "manifest.json").read_text())
    for e in m["tasks"].values():
        if e["file"].endswith(name):
            e["sha256"] = hashlib.sha256((root / "tasks" / name).read_bytes()).hexdigest()
    (root / "manifest.json").write_text(json.dumps(m))


class TestResumeVerifies:
    def test_tampered_task_file_is_recomputed(self, setup, capsys):
        args, root = setup
        ref = saldo(root)
        f = sorted((root / "tasks").glob("*.npz"))[1]
        rewrite(f, lambda a: a.__setitem__("saldo", a["saldo"] + 1e6))
        code, res, err = run(capsys, args, "--resume")
        assert code == 0 and res["tasks"] == {"total": 3, "computed": 1, "reused": 2}
        assert f"warning: {f}: its content does not match the SHA-256 recorded in the manifest" in err
        assert_array_equal(saldo(root), ref)

    def test_float32_with_matching_hash_is_recomputed(self, setup, capsys):
        args, root = setup
        ref = saldo(root)
        f = sorted((root / "tasks").glob("*.npz"))[0]
        rewrite(f, lambda a: a.__setitem__("saldo", a["saldo"].astype(np.float32)))
        rehash(root, f.name)
        code, res, err = run(capsys, args, "--resume")
        assert code == 0 and res["tasks"]["computed"] == 1
        assert "saldo is float32 (1000,), expected float64 (1000,)" in err
        assert_array_equal(saldo(root), ref)

    def test_unrecorded_file_is_not_trusted(self, setup, capsys):
        # the state after a kill: a task file on disk that the manifest does not record
        args, root = setup
        m = json.loads((root / "manifest.json").read_text())
        m["complete"] = False
        key = sorted(m["tasks"])[0]
        del m["tasks"][key]
        (root / "manifest.json").write_text(json.dumps(m))
        code, res, _ = run(capsys, args, "--resume")
        assert code == 0 and res["tasks"] == {"total": 3, "computed": 1, "reused": 2}

    def test_journal_counts_tasks_after_the_last_save(self, setup, capsys):
        args, root = setup
        m = json.loads((root / "manifest.json").read_text())
        keys = sorted(m["tasks"])
        entries = [{"key": k, **m["tasks"].pop(k)} for k in keys[:2]]
        (root / "manifest.json").write_text(json.dumps(m))
        (root / "tasks.journal").write_text(json.dumps(entries[0]) + "\n" + json.dumps(entries[1])[:-5])  # cut
        code, res, _ = run(capsys, args, "--resume")
        assert code == 0 and res["tasks"] == {"total": 3, "computed": 1, "reused": 2}
        assert not (root / "tasks.journal").exists()

    def test_no_manifest_no_reuse(self, setup, capsys):
        args, root = setup
        ref = saldo(root)
        (root / "manifest.json").unlink()
        stamps = {f.name: f.stat().st_mtime_ns for f in (root / "tasks").glob("*.npz")}
        time.sleep(0.01)
        code, res, _ = run(capsys, args)
        assert code == 0 and res["tasks"] == {"total": 3, "computed": 3, "reused": 0}
        assert all(f.stat().st_mtime_ns != stamps[f.name] for f in (root / "tasks").glob("*.npz"))
        assert_array_equal(saldo(root), ref)

    def test_code_change_refuses_resume(self, setup, capsys, monkeypatch):
        args, root = setup
        manifest = json.loads((root / "manifest.json").read_text())
        assert manifest["code_hash"] == batch_mod.code_hash()
        monkeypatch.setattr(batch_mod, "_code_hash", lambda: "0123456789abcdef")
        code, _, err = run(capsys, args, "--resume")
        assert code == 2 and "--resume refused" in err and "mkba's model code (changed since)" in err

    def test_code_hash_follows_the_model_source(self, tmp_path, monkeypatch):
        import shutil

        pkg = Path(batch_mod.__file__).resolve().parents[1]
        copy = tmp_path / "mkba"
        for sub in ("simulator", "distributions"):
            shutil.copytree(pkg / sub, copy / sub)
        monkeypatch.setattr(batch_mod, "__file__", str(copy / "simulator" / "batch.py"))
        a = batch_mod.code_hash()
        assert a == batch_mod.code_hash()
        model = copy / "simulator" / "model.py"
        model.write_text(model.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
        assert batch_mod.code_hash() != a

    @pytest.mark.parametrize("damage", [
        lambda m: "{ not json",
        lambda m: json.dumps({**m, "tasks": []}),
        lambda m: json.dumps({**m, "tasks": {"x": {"file": 3}}}),
        lambda m: json.dumps({**m, "runs": "many"}),
    ])
    def test_damaged_manifest_is_one_line(self, setup, capsys, damage):
        args, root = setup
        m = json.loads((root / "manifest.json").read_text())
        (root / "manifest.json").write_text(damage(m))
        code, _, err = run(capsys, args, "--resume")
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert "manifest" in err

    def test_garbage_task_file_is_recomputed(self, setup, capsys):
        args, root = setup
        ref = saldo(root)
        f = sorted((root / "tasks").glob("*.npz"))[2]
        f.write_bytes(b"PK\x03\x04 not a zip")
        rehash(root, f.name)
        code, res, err = run(capsys, args, "--resume")
        assert code == 0 and res["tasks"]["computed"] == 1 and "cannot be read" in err
        assert_array_equal(saldo(root), ref)


def test_bad_scheduler_address_is_quick(tmp_path, capsys):
    args, root = _args(tmp_path)
    args = [a for a in args if a not in ("--workers", "0")]
    t0 = time.monotonic()
    code = main([*args, "--scheduler", "foo"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "scheduler" in err
    assert time.monotonic() - t0 < 10
    assert not root.exists()


def test_manifest_records_hash_of_every_task(setup, capsys):
    args, root = setup
    m = Manifest.load(root / "manifest.json")
    assert len(m.data["tasks"]) == 3
    for e in m.data["tasks"].values():
        assert hashlib.sha256((root / e["file"]).read_bytes()).hexdigest() == e["sha256"]
