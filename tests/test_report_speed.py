"""Issue 13 item 9: the report's charts in one helper process (mkba.outputs.chart_worker) give the same
files as drawing them in the run's process, a failing or lost helper never loses a chart, and the
report shows a progress line on a terminal."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr

from mkba import Study
from mkba.outputs.chart_worker import ChartWorker
from mkba.outputs.report import write_report
from mkba.simulator.results import simulate_to_netcdf


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, forward_path: Path) -> tuple[Study, Path]:
    study = Study.from_toml(forward_path)
    path = tmp_path_factory.mktemp("run") / "results.nc"
    simulate_to_netcdf(study, path, draws=2_000, seed=5)
    return study, path


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """tests/chart_worker_probe.py in a fresh interpreter (no threads: the worker forks only then)."""
    out = tmp_path_factory.mktemp("probe")
    p = subprocess.run([sys.executable, str(Path(__file__).with_name("chart_worker_probe.py")), str(out)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads(p.stdout)
    if "skip" in res:
        pytest.skip(res["skip"])
    return res


class TestWorker:
    def test_jobs_run_in_another_process_and_answer_in_any_order(self, probe: dict) -> None:
        assert probe["second"] == 6 and probe["first_pid_is_other"]

    def test_a_job_failure_comes_back_as_its_exception(self, probe: dict) -> None:
        assert probe["error"] == "no such chart" and probe["serves_after_error"] == 2

    def test_a_killed_worker_is_reported_and_its_charts_drawn_here(self, probe: dict) -> None:
        assert probe["lost_reported"]
        assert probe["charts"]["lost"] == probe["charts"]["here"] and probe["lost_md_has_chart"]

    def test_same_files_as_drawn_here(self, probe: dict) -> None:
        here = probe["charts"]["here"]
        assert here == probe["charts"]["worker"]
        assert {"saldo.png", "tornado.png", "acceptability.png", "cashflow.png"} <= set(here)
        assert probe["same_bytes"]  # Agg draws deterministically: the same pixels, the same bytes
        assert probe["same_html"] and probe["same_docx"]  # the Word file rendered by the worker too

    def test_ends_when_its_parent_is_killed(self) -> None:
        code = ("import os, signal\nfrom mkba.outputs.chart_worker import ChartWorker\nw = ChartWorker.start(idle_core=False)\n"
                "print(w._process.pid if w else 0, flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert p.returncode == -signal.SIGKILL
        pid = int(p.stdout.split()[0])
        if pid == 0:
            pytest.skip("no worker here")
        for _ in range(100):  # the worker reads EOF on its pipe and ends (no orphan left running)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        pytest.fail(f"worker {pid} still runs after its parent was killed")

    def test_no_worker_where_threads_run(self) -> None:
        import threading

        stop = threading.Event()
        t = threading.Thread(target=stop.wait)
        t.start()
        try:
            assert ChartWorker.start(idle_core=False) is None  # forking a process with threads is unsafe
        finally:
            stop.set()
            t.join()


def test_no_worker_on_a_busy_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    # only the load rule stands between this call and a fork
    monkeypatch.setattr("mkba.outputs.chart_worker.threading.active_count", lambda: 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.8, 1.0, 1.0))  # both cores taken by others …
    monkeypatch.setattr("mkba.outputs.chart_worker._running", lambda: 2)  # … and another task runs now
    w = ChartWorker.start()
    if w is not None:
        w.close()
    assert w is None


def test_busy_last_minute_but_idle_now() -> None:
    from mkba.outputs.chart_worker import _no_idle_core

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "getloadavg", lambda: (1.8, 1.0, 1.0))  # e.g. this user's previous runs
        mp.setattr("mkba.outputs.chart_worker._running", lambda: 1)  # only this process runs now
        assert not _no_idle_core(2)
        mp.setattr("mkba.outputs.chart_worker._running", lambda: 2)  # and one other task: no core to spare
        assert _no_idle_core(2)
        mp.setattr("mkba.outputs.chart_worker._running", lambda: None)  # no instant view: the average decides
        assert _no_idle_core(2)
        mp.setattr(os, "getloadavg", lambda: (0.4, 1.0, 1.0))
        mp.setattr("mkba.outputs.chart_worker._running", lambda: 5)  # a moment's burst alone does not count
        assert not _no_idle_core(2)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal(run: tuple[Study, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study, path = run
    err = _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        write_report(ds, tmp_path, study=study, excel=False, docx=False, progress=True, scenario_draws=500)
    out = err.getvalue()
    steps = [s.split("rapport: ", 1)[1] for s in out.split("\r\033[K") if s.startswith("rapport: ")]
    assert steps[0].startswith("grafieken") and "besluitanalyse" in steps and steps[-1] == "Markdown, HTML"
    assert out.endswith("\r\033[K")  # the line is cleared when the report is written
