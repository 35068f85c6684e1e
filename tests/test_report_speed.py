"""Issue 13 item 9: the report's charts in one helper process (mkba.outputs.chart_worker) give the same
files as drawing them in the run's process, a failing or lost helper never loses a chart, and the
report shows a progress line on a terminal."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import xarray as xr

from mkba import Study
from mkba.outputs.chart_worker import ChartWorker, WorkerLost
from mkba.outputs.report import write_report
from mkba.simulator.results import simulate_to_netcdf


def _fail(msg: str) -> None:
    raise ValueError(msg)


@pytest.fixture()
def worker():
    w = ChartWorker.start()
    if w is None:
        pytest.skip("no fork or a single core here: the report draws in its own process")
    yield w
    w.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, forward_path: Path) -> tuple[Study, Path]:
    study = Study.from_toml(forward_path)
    path = tmp_path_factory.mktemp("run") / "results.nc"
    simulate_to_netcdf(study, path, draws=2_000, seed=5)
    return study, path


class TestWorker:
    def test_jobs_run_in_another_process_and_answer_in_any_order(self, worker: ChartWorker) -> None:
        first, second = worker.submit(os.getpid), worker.submit(sum, [1, 2, 3])
        assert second() == 6
        assert first() != os.getpid()

    def test_a_job_failure_comes_back_as_its_exception(self, worker: ChartWorker) -> None:
        with pytest.raises(ValueError, match="no such chart"):
            worker.submit(_fail, "no such chart")()
        assert worker.submit(abs, -2)() == 2  # and the worker still serves

    def test_a_killed_worker_is_reported(self, worker: ChartWorker) -> None:
        worker._process.kill()
        worker._process.join()
        with pytest.raises(WorkerLost):
            worker.submit(abs, -1)()


    def test_ends_when_its_parent_is_killed(self) -> None:
        import signal
        import subprocess
        import sys
        import time

        code = ("import os, signal\nfrom mkba.outputs.chart_worker import ChartWorker\nw = ChartWorker.start()\n"
                "print(w._process.pid if w else 0, flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert p.returncode == -signal.SIGKILL
        pid = int(p.stdout.split()[0])
        if pid == 0:
            pytest.skip("no worker here")
        for _ in range(100):  # the worker reads EOF on its pipe and ends (it is no orphan left running)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        pytest.fail(f"worker {pid} still runs after its parent was killed")


class TestReportWithWorker:
    def test_same_files_as_drawn_here(self, worker: ChartWorker, run: tuple[Study, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
        study, path = run
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            write_report(ds, tmp_path / "here", study=study, excel=False, docx=False, scenario_draws=500)
            write_report(ds, tmp_path / "worker", study=study, excel=False, docx=False, worker=worker,
                         results_file=path, scenario_draws=500)
        assert capsys.readouterr().err == ""  # no progress line unless asked (and never on stdout)
        here = sorted(p.name for p in (tmp_path / "here" / "charts").iterdir())
        assert here == sorted(p.name for p in (tmp_path / "worker" / "charts").iterdir())
        assert {"saldo.png", "tornado.png", "acceptability.png", "cashflow.png"} <= set(here)
        for name in here:  # Agg draws deterministically: the same pixels, the same bytes
            assert (tmp_path / "here" / "charts" / name).read_bytes() == \
                (tmp_path / "worker" / "charts" / name).read_bytes(), name
        assert (tmp_path / "here" / "report.html").read_bytes() == (tmp_path / "worker" / "report.html").read_bytes()

    def test_lost_worker_charts_drawn_here(self, worker: ChartWorker, run: tuple[Study, Path],
                                           tmp_path: Path) -> None:
        study, path = run
        worker._process.kill()
        worker._process.join()
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            write_report(ds, tmp_path, study=study, excel=False, docx=False, worker=worker, results_file=path,
                         scenario_draws=500)
        names = {p.name for p in (tmp_path / "charts").iterdir()}
        assert {"saldo.png", "tornado.png", "acceptability.png"} <= names
        assert "charts/saldo.png" in (tmp_path / "report.md").read_text(encoding="utf-8")


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
