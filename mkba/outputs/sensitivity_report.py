"""Sensitivity results for people and files: the console ranking table and the written outputs
(indices NetCDF + CSV, tornado PNG (+ SVG on request), spider PNG, indices bar chart PNG), each written
atomically; the charts drawn by :class:`SensitivityCharts`, in a helper process while the caller computes."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import xarray as xr

from ..simulator.results import atomic_write

__all__ = ["SensitivityCharts", "oneway_files", "ranking_table", "render_chart", "write_sensitivity"]


def _num(v: float, conf: float | None = None) -> str:
    if not math.isfinite(v):
        return "—"
    a = abs(v)
    s = f"{v:,.0f}" if a >= 1000 else f"{v:.3g}" if a >= 1 else f"{v:.3f}"
    if conf is not None and math.isfinite(conf):
        c = f"{conf:,.0f}" if a >= 1000 else f"{conf:.3g}" if a >= 1 else f"{conf:.3f}"
        s += f" ±{c}"
    return s


def ranking_table(ds: xr.Dataset, *, switching: xr.Dataset | None = None, top: int | None = None) -> str:
    """A plain-text ranking: rank, parameter, group and every index (± CI half-width where known);
    with ``switching`` also the switching value of each input."""
    idx = [str(i) for i in ds["index"].values]
    names = [str(p) for p in ds["parameter"].values][:top]
    w = max(12, *(len(p) for p in names)) + 2
    groups: dict[str, str] = {}
    if "group" in ds.coords:
        groups = {str(p): str(g) for p, g in zip(ds["parameter"].values, ds["group"].values)}
    inert = {str(p): bool(f) for p, f in zip(ds["parameter"].values, ds["inert"].values)} if "inert" in ds else None
    cols = idx + (["switching value"] if switching is not None else []) + (["vs inert"] if inert is not None else [])
    cw = [max(16, len(c) + 2) for c in cols]
    head = f"{'#':>3}  {'parameter':<{w}}{'group':<16}" + "".join(f"{c:>{n}}" for c, n in zip(cols, cw))
    lines = [head, "-" * len(head)]
    for r, p in enumerate(names, 1):
        row = f"{r:>3}  {p:<{w}}{groups.get(p, ''):<16}"
        for c, n in zip(idx, cw):
            v = float(ds["value"].sel(parameter=p, index=c))
            cf = float(ds["conf"].sel(parameter=p, index=c))
            row += f"{_num(v, cf):>{n}}"
        if switching is not None:
            sv = switching.sel(parameter=p)
            txt = _num(float(sv["switching_value"])) if str(sv["status"].values).startswith("found") else "none"
            row += f"{txt:>{cw[len(idx)]}}"
        if inert is not None:  # δ no larger than the largest δ of inert dummy inputs
            row += f"{'≈ inert' if inert[p] else '':>{cw[-1]}}"
        lines.append(row)
    return "\n".join(lines) + "\n"


def _clean_attrs(ds: xr.Dataset) -> xr.Dataset:
    """NetCDF attributes must be numbers or strings."""
    ds = ds.copy()
    for k, v in list(ds.attrs.items()):
        if isinstance(v, bool):
            ds.attrs[k] = int(v)
        elif not isinstance(v, (str, int, float)):
            ds.attrs[k] = str(v)
    return ds


def sensitivity_stem(method: str, groups: bool = False, target: str = "saldo") -> str:
    """The file and folder stem of a sensitivity result: grouped and ungrouped results, and results for
    different targets, never share a name (``sensitivity-sobol``, ``sensitivity-sobol-grouped``,
    ``sensitivity-morris-bc_social``; ``actor:jeugd`` → ``actor-jeugd``)."""
    stem = f"sensitivity-{method}" + ("-grouped" if groups else "")
    if target != "saldo":
        stem += "-" + "".join(c if c.isalnum() or c in "_." else "-" for c in target)
    return stem


# The charts of a sensitivity result: file stem → the chart function's name in sensitivity_charts.
_CHART_FUNCTIONS = {"tornado": "plot_tornado", "spider": "plot_spider", "indices": "plot_indices"}


def render_chart(kind: str, ds: xr.Dataset, lang: str = "nl", formats: tuple[str, ...] = ("png",)) -> dict[str, bytes]:
    """One sensitivity chart (``tornado``, ``spider`` or ``indices``) of ``ds`` drawn as image bytes per
    format (150 dpi)."""
    import io

    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    from . import sensitivity_charts

    fig = getattr(sensitivity_charts, _CHART_FUNCTIONS[kind])(ds, lang=lang).figure
    try:
        out = {}
        for fmt in formats:
            buf = io.BytesIO()
            fig.savefig(buf, dpi=150, format=fmt)
            out[fmt] = buf.getvalue()
        return out
    finally:
        plt.close(fig)


def _chart_files(stem: str, kind: str, ds: xr.Dataset, lang: str, formats: tuple[str, ...]) -> dict[str, bytes]:
    """:func:`render_chart` as ``{file name: bytes}`` (``<stem>.<format>``)."""
    return {f"{stem}.{fmt}": data for fmt, data in render_chart(kind, ds, lang, formats).items()}


def oneway_files(study: Any, target: str, lang: str = "nl", svg: bool = False,
                 title: list[str] | None = None) -> tuple[dict[str, bytes], float]:
    """The one-way values of ``study`` (:func:`mkba.sensitivity.oneway_study` and ``spider``) drawn as
    ``tornado.png`` (+ ``.svg`` with ``svg``) and ``spider.png``; returns ``({file name: bytes},
    base target)``. ``title``: (nl, en) of a study's own line, named on the charts instead of its key."""
    import json

    from ..sensitivity import oneway_study, spider

    ow = oneway_study(study, target=target)
    sp = spider(study.model, study.parameters, target=target)
    if title:
        for d in (ow, sp):
            d.attrs["target_title"] = json.dumps(list(title))
    files = _chart_files("tornado", "tornado", ow, lang, ("png", "svg") if svg else ("png",))
    files.update(_chart_files("spider", "spider", sp, lang, ("png",)))
    return files, float(ow.attrs["base_target"])


# The study of the command, set in the forked helper from the caller's memory (fork copies it; it is
# never pickled): the helper computes the one-way values itself instead of waiting for the caller's.
_STUDY: Any = None


def _oneway_in_helper(target: str, lang: str, svg: bool, title: list[str] | None) -> tuple[dict[str, bytes], float]:
    return oneway_files(_STUDY, target, lang, svg, title)


def _helper_start(parent: int, study: Any = None) -> None:
    import gc
    import os
    import signal
    import threading
    import time

    global _STUDY
    _STUDY = study
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle: it stops the helper
    gc.freeze()  # the objects inherited from the caller are never garbage: collections skip them
    gc.enable()  # the caller may run without the collector; figures are reference cycles

    def watch() -> None:  # a caller killed outright (SIGKILL) cannot stop its helper: it ends itself
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _helper_helps() -> bool:
    """Whether a helper process would shorten the command: a second core that looks idle, by the rule of
    ``mkba run``'s chart worker (:mod:`mkba.outputs.chart_worker`). On a machine whose cores are busy the
    helper's process only takes time from the analysis (``mkba sensitivity --n 4096`` at load average 3 on 2
    cores, best of 6 and of 5: 2.12 and 1.90 s with it, 2.01 and 1.86 s drawing here; it needs ~0.1 s
    less CPU). ``MKBA_CHART_WORKER=0``: never; ``=1``: also when no core looks idle."""
    import os

    from .chart_worker import _no_idle_core

    choice = os.environ.get("MKBA_CHART_WORKER", "")
    cores = os.cpu_count() or 1
    return choice != "0" and cores > 1 and (choice == "1" or not _no_idle_core(cores))


class SensitivityCharts:
    """The charts of one sensitivity result, drawn while the caller computes.

    Drawing is pure-Python matplotlib work (importing it alone takes ~0.3 s) that does not depend on the
    Sobol, Morris or FAST design, so ``mkba sensitivity`` hands it to one forked helper process: the
    one-way values and their charts as soon as the arguments are checked (:meth:`oneway_of`, computed in
    the helper from the ``study`` it inherits), the indices chart as soon as the indices exist; the
    helper returns image bytes that :func:`write_sensitivity` writes into the output folder. One helper:
    the second core of a 2-core machine, not a pool competing with the analysis. Without ``fork``, with
    one core, with ``processes=1``, or (``processes=None``) when no core looks idle (:func:`_helper_helps`)
    each chart is drawn here, when it is asked for; ``processes=2`` always starts the helper."""

    def __init__(self, *, lang: str = "nl", svg: bool = False, processes: int | None = None,
                 study: Any = None) -> None:
        import multiprocessing as mp
        import os

        self.lang, self.svg, self._study = lang, svg, study
        self._jobs: list[Any] = []  # Futures (helper) or finished results: ({file name: bytes}, base or None)
        self._oneway: Any = None
        self._pool: Any = None
        helper = (processes or 1) > 1 or (processes is None and _helper_helps())
        if helper and "fork" in mp.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor

            # fork hands the helper the study as it is in memory (initargs are not pickled under fork)
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"),
                                             initializer=_helper_start, initargs=(os.getpid(), study))

    def _add(self, fn: Any, *args: Any) -> Any:
        job = self._pool.submit(fn, *args) if self._pool is not None else fn(*args)
        self._jobs.append(job)
        return job

    def _submit(self, stem: str, kind: str, ds: xr.Dataset, formats: tuple[str, ...]) -> None:
        self._add(_chart_files, stem, kind, ds, self.lang, formats)

    def oneway(self, oneway: xr.Dataset, spider: xr.Dataset) -> None:
        """Tornado (PNG, and SVG when asked) and spider (PNG) charts of these one-way values."""
        self._submit("tornado", "tornado", oneway, ("png", "svg") if self.svg else ("png",))
        self._submit("spider", "spider", spider, ("png",))

    def oneway_of(self, target: str, title: list[str] | None = None) -> None:
        """The one-way values of the ``study`` given at construction and their charts (tornado, spider),
        computed by the helper while the caller runs its analysis; :meth:`base_target` waits for them."""
        if self._study is None:
            raise ValueError("oneway_of needs SensitivityCharts(study=...)")
        if self._pool is not None:
            self._oneway = self._add(_oneway_in_helper, target, self.lang, self.svg, title)
        else:
            self._oneway = self._add(oneway_files, self._study, target, self.lang, self.svg, title)

    def base_target(self) -> float:
        """The target at the base case, from :meth:`oneway_of` (waits for the helper; its ValueError,
        if any, is raised here)."""
        job = self._oneway
        return float((job.result() if hasattr(job, "result") else job)[1])

    def indices(self, indices: xr.Dataset) -> None:
        """The bar chart of a global method's indices (``indices-<method>.png``; none for ``oneway``)."""
        method = str(indices.attrs["method"])
        if method != "oneway":
            self._submit(f"indices-{method}", "indices", indices, ("png",))

    def files(self) -> dict[str, bytes]:
        """Every chart asked for, as ``{file name: bytes}`` in the order asked (waits for the helper)."""
        out: dict[str, bytes] = {}
        for job in self._jobs:
            res = job.result() if hasattr(job, "result") else job
            out.update(res[0] if isinstance(res, tuple) else res)
        return out

    def close(self) -> None:
        """Stop the helper (unfinished charts are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> SensitivityCharts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_sensitivity(
    out: Path,
    indices: xr.Dataset,
    *,
    oneway: xr.Dataset | None = None,
    spider: xr.Dataset | None = None,
    switching: xr.Dataset | None = None,
    lang: str = "nl",
    stem: str | None = None,
    svg: bool = False,
    charts: SensitivityCharts | None = None,
) -> list[Path]:
    """Write ``<stem>.nc`` and ``.csv`` (default stem ``sensitivity-<method>``), ``tornado.png`` (and
    ``tornado.svg`` with ``svg``), ``spider.png`` and (for a global method) ``indices-<method>.png``
    under ``out``; return the paths. ``charts``: the charts already asked for (drawn while the caller
    computed, see :class:`SensitivityCharts`); without it they are drawn here from ``oneway`` and
    ``spider``."""
    from ..simulator.results import write_netcdf

    if charts is None:
        if oneway is None or spider is None:
            raise ValueError("write_sensitivity needs the oneway and spider Datasets, or charts")
        charts = SensitivityCharts(lang=lang, svg=svg, processes=1)
        charts.oneway(oneway, spider)
        charts.indices(indices)
    method = str(indices.attrs["method"])
    written: list[Path] = []
    ds = _clean_attrs(indices)
    if switching is not None and method == "oneway":
        sw = switching.reindex(parameter=ds["parameter"].values)
        ds["switching_value"] = sw["switching_value"]
        ds["switching_status"] = sw["status"].astype(str)
        ds.attrs["switching_threshold"] = float(switching.attrs["threshold"])
    stem = stem or f"sensitivity-{method}"
    nc = out / f"{stem}.nc"
    write_netcdf(ds, nc)
    written.append(nc)
    csv = out / f"{stem}.csv"
    frame = indices["value"].to_pandas()
    conf = indices["conf"].to_pandas().add_suffix("_conf")
    table = frame.join(conf.loc[:, conf.notna().any()])
    atomic_write(csv, lambda p: table.to_csv(p, encoding="utf-8"))
    written.append(csv)
    for name, data in charts.files().items():
        path = out / name
        atomic_write(path, lambda p, data=data: p.write_bytes(data))
        written.append(path)
    return written
