"""Batches that pay off (issue 14 item 4): small batches in this process on threads, task files
removed after a complete assembly (kept with --keep-tasks), resume before and after that."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("dask")
pytest.importorskip("zarr")

from test_batch import batch_file, load  # noqa: E402

from mkba.cli import main  # noqa: E402
from mkba.simulator.batch import Batch  # noqa: E402
from mkba.simulator.cluster import SMALL_BATCH, run_batch  # noqa: E402


def test_small_batch_runs_on_threads_with_the_same_numbers(tmp_path, forward_path):
    b = Batch.from_toml(batch_file(tmp_path, forward_path)).with_options(draws=12_000, task_size=5_000)
    assert b.draws * len(b.cases) <= SMALL_BATCH
    threads = run_batch(b, tmp_path / "threads", workers=2)
    assert threads.executor.startswith("in-process (2 threads") and threads.computed == len(b.tasks())
    one = run_batch(b, tmp_path / "one", workers=0)
    assert one.executor == "in-process"
    a, c = load(threads.results), load(one.results)
    assert set(a.data_vars) == set(c.data_vars)
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, c[v].values, err_msg=v)  # bit for bit


def test_task_files_removed_after_assembly_and_resume_finds_it_complete(tmp_path, forward_path, capsys):
    p = batch_file(tmp_path, forward_path)
    args = ["batch", str(p), "--draws", "4000", "--task-size", "2000", "--workers", "0", "--no-chart", "--json"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    first = json.loads(capsys.readouterr().out)
    root = tmp_path / "a" / "small"
    assert not (root / "tasks").exists() and (root / "results.zarr").is_dir()
    assert json.loads((root / "manifest.json").read_text())["tasks_removed"] is True
    # --resume of the finished run: nothing computed, the same result
    assert main([*args, "--out", str(tmp_path / "a"), "--resume"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["tasks"] == {"total": first["tasks"]["total"], "computed": 0, "reused": first["tasks"]["total"]}
    assert again["cases"] == first["cases"]
    # --keep-tasks keeps them (to rebuild or resume later)
    assert main([*args, "--out", str(tmp_path / "b"), "--keep-tasks"]) == 0
    capsys.readouterr()
    kept = list((tmp_path / "b" / "small" / "tasks").glob("*.npz"))
    assert len(kept) == first["tasks"]["total"]
