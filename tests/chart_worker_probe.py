"""Run by tests/test_report_speed.py in a fresh interpreter: the chart worker forks only from a process
without threads (pytest's has zarr's I/O threads once a batch test ran), as ``mkba run`` is at its start.
Prints one JSON object with what the tests check."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _parts(docx: Path) -> dict[str, bytes]:
    """The files inside a .docx (its zip stores the time of writing, so the bytes differ by that)."""
    import zipfile

    with zipfile.ZipFile(docx) as z:
        return {n: z.read(n) for n in z.namelist()}


def _fail(msg: str) -> None:
    raise ValueError(msg)


def main(out: Path) -> dict:
    from mkba.outputs.chart_worker import ChartWorker, WorkerLost

    res: dict = {}
    w = ChartWorker.start(idle_core=False)  # before anything starts a thread; whatever the machine's load
    lost = ChartWorker.start(idle_core=False)
    if w is None or lost is None:
        return {"skip": "no fork or a single core here"}
    import xarray as xr

    from mkba import Study
    from mkba.outputs.report import write_report
    from mkba.simulator.results import simulate_to_netcdf
    from mkba.simulator.study import default_study_path

    first, second = w.submit(os.getpid), w.submit(sum, [1, 2, 3])
    res["second"], res["first_pid_is_other"] = second(), first() != os.getpid()
    try:
        w.submit(_fail, "no such chart")()
    except ValueError as exc:
        res["error"] = str(exc)
    res["serves_after_error"] = w.submit(abs, -2)()

    study = Study.from_toml(default_study_path())
    path = out / "results.nc"
    simulate_to_netcdf(study, path, draws=2_000, seed=5)
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        kw = {"study": study, "excel": False, "scenario_draws": 500}
        write_report(ds, out / "here", **kw)
        write_report(ds, out / "worker", worker=w, results_file=path, **kw)
        lost._process.kill()
        lost._process.join()
        write_report(ds, out / "lost", worker=lost, results_file=path, **kw)
    try:
        lost.submit(abs, -1)()
    except WorkerLost:
        res["lost_reported"] = True
    w.close()
    lost.close()
    charts = {k: sorted(p.name for p in (out / k / "charts").iterdir()) for k in ("here", "worker", "lost")}
    res["charts"] = charts
    res["same_bytes"] = all((out / "here" / "charts" / n).read_bytes() == (out / "worker" / "charts" / n).read_bytes()
                            for n in charts["here"])
    res["same_html"] = (out / "here" / "report.html").read_bytes() == (out / "worker" / "report.html").read_bytes()
    res["same_docx"] = _parts(out / "here" / "report.docx") == _parts(out / "worker" / "report.docx")
    res["lost_md_has_chart"] = "charts/saldo.png" in (out / "lost" / "report.md").read_text(encoding="utf-8")
    return res


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
