"""The report's charts (and its Word file) made in one helper process, on the core that ``mkba run`` leaves idle.

A default run (20,000 draws: one engine block, one thread) keeps one core busy while it imports its
libraries, loads the study, simulates and writes results.nc; on a 2-core machine the other core idles.
A :class:`ChartWorker`, forked as soon as ``mkba run`` has loaded numpy and xarray, imports matplotlib
and python-docx there and draws a throw-away figure (fonts, caches) in that time, then draws the tornado
(a one-way analysis of the study, computed before the simulation). As soon as results.nc is complete it
draws the report's charts from that file while the run's process computes the report's statistics and
writes the workbook, then hands back the file names; at the end it renders the Word file while the run's
process writes the Markdown and HTML.

One process, never a pool: with the run itself that makes two busy processes on two cores, no more
(forked chart *pools* competed with the run for the cores and made the report slower, issue 13).
Without ``fork`` (Windows; macOS would have to re-import everything), on one core, when the calling
process already runs threads (forking those is unsafe), or when no core is idle (the machine's load
average and the tasks running now: then the helper would only take time from the run),
:meth:`ChartWorker.start` returns None and the caller draws in its own process. If the worker dies, the
caller draws the charts itself.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["ChartWorker", "WorkerLost"]


class WorkerLost(RuntimeError):
    """The helper process ended before answering (killed, out of memory)."""


def _warm() -> None:
    """What the first chart would pay: matplotlib's modules, the font and the Agg renderer, and xarray's
    list of file engines (read at the first ``open_dataset``)."""
    import io
    from importlib import import_module

    for name in ("xarray", "h5netcdf", "mkba.outputs.sensitivity_charts", "mkba.outputs.decision_charts",
                 "mkba.outputs.plan_charts", "PIL.Image", "docx", "mkba.outputs.report.render_docx"):
        import_module(name)  # the worker reads results.nc, draws every kind of report chart, writes the Word file
    import numpy as np
    import xarray as xr

    xr.backends.list_engines()
    xr.Variable("x", np.zeros(1))  # xarray's first array checks for dask (imports dask.array where it is visible)
    from . import charts

    ax = charts.new_axes((2.0, 1.5))
    ax.plot([0, 1], [0, 1])
    ax.set_title("Ag")
    charts._write_png(ax.figure, io.BytesIO())


def _serve(jobs: Any, replies: Any, parent_ends: tuple[Any, ...]) -> None:
    import pickle
    import signal

    # the parent's ends, inherited by the fork, are closed here: then a parent that dies, even by SIGKILL,
    # closes the job pipe, and the worker's next read ends it
    for end in parent_ends:
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it ends us
    import gc

    # No collection while warming up (the imports would set off full ones, each walking the heap inherited
    # from the parent), then all of it moved out of the collector's sight: the collections while drawing
    # see only the figures' objects. Without this a quarter of the helper's time went to collecting.
    gc.disable()
    try:
        _warm()
    except Exception:  # noqa: BLE001 - a job will report the same failure with its traceback
        pass
    gc.freeze()
    gc.enable()
    while True:
        try:
            job = pickle.loads(jobs.recv_bytes())
        except (EOFError, OSError):
            return
        if job is None:
            return
        fn, args, kwargs = job
        try:
            reply: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            reply = ("err", exc, traceback.format_exc())
        try:
            replies.send(reply)
        except Exception:  # noqa: BLE001 - an exception that does not pickle: send its text
            replies.send(("err", RuntimeError(reply[-1]), reply[-1]))


def _running() -> int | None:
    """Tasks runnable right now, this process included (Linux ``/proc/loadavg``); None where unknown."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return int(f.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _no_idle_core(cores: int) -> bool:
    """True when no core is left for a second process: the 1-minute load average above ``cores`` − 0.5 and,
    where the system says, at least ``cores`` tasks runnable right now, this process included. The load
    average alone looks a minute back, at this user's own previous runs too: runs one after the other (a
    benchmark, a script) kept it above 1.5 on an otherwise idle 2-core machine and so never got a helper.
    With one other busy task on 2 cores the helper and that task share a core and the run's process gets
    less of its own (measured: 1.97 s with the helper against 1.82 s without, 15:55, load average 1.6–2.7)."""
    if not hasattr(os, "getloadavg") or os.getloadavg()[0] <= cores - 0.5:
        return False
    running = _running()
    return running is None or running >= cores


class ChartWorker:
    """A forked helper process that runs chart jobs in order; see the module docstring.

    Jobs go out through a sender thread: a job's arguments (e.g. the inputs of 20,000 draws) exceed the
    pipe's buffer, and the worker reads its next job only when it has finished the one before, so a
    plain send would stop this process until then."""

    def __init__(self, process: Any, jobs: Any, replies: Any) -> None:
        import queue

        self._process, self._jobs, self._replies = process, jobs, replies
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._sent = 0
        self._done: dict[int, tuple[Any, ...]] = {}
        self._received = 0

    @classmethod
    def start(cls, *, idle_core: bool = True) -> ChartWorker | None:
        """A worker warming up in the background, or None where one would not help (see the module).
        ``idle_core``: only when a core looks idle (see :func:`_no_idle_core`): on a busy machine a second
        process of ours only takes time from the first, so the caller draws itself."""
        import multiprocessing as mp

        cores = os.cpu_count() or 1
        if cores < 2 or "fork" not in mp.get_all_start_methods() or threading.active_count() > 1:
            return None
        if idle_core and _no_idle_core(cores):
            return None
        ctx = mp.get_context("fork")
        job_r, job_w = ctx.Pipe(duplex=False)
        reply_r, reply_w = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_serve, args=(job_r, reply_w, (job_w, reply_r)), daemon=True, name="mkba-charts")
        try:
            p.start()
        except OSError:  # no processes left: draw here
            return None
        job_r.close()
        reply_w.close()
        return cls(p, job_w, reply_r)

    def _send_loop(self) -> None:
        while True:
            data = self._queue.get()
            try:
                if data is None:
                    self._jobs.send_bytes(b"\x80\x04N.")  # pickle of None: the worker ends
                    return
                self._jobs.send_bytes(data)
            except (OSError, ValueError):  # the worker is gone: waiting for a reply says so
                return

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
        """Queue ``fn(*args, **kwargs)`` (a module-level function; arguments are pickled here, so a
        failure to pickle is raised here); returns a function that waits for its result (re-raising the
        job's exception, or :class:`WorkerLost`)."""
        import pickle

        if not self._process.is_alive():
            raise WorkerLost("the chart process is gone")
        data = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        if self._sender is None:
            self._sender = threading.Thread(target=self._send_loop, name="mkba-charts-send", daemon=True)
            self._sender.start()
        index = self._sent
        self._queue.put(data)
        self._sent += 1
        return lambda: self._result(index)

    def _result(self, index: int) -> Any:
        while index not in self._done:
            try:
                if not self._replies.poll(600):
                    raise WorkerLost("the chart process did not answer within 10 minutes")
                self._done[self._received] = self._replies.recv()
            except (EOFError, OSError):
                raise WorkerLost("the chart process ended unexpectedly") from None
            self._received += 1
        reply = self._done.pop(index)
        if reply[0] == "err":
            raise reply[1]
        return reply[1]

    def close(self) -> None:
        """Stop the process: after its current job (at once if it does not end within a second, or if no job
        was ever sent)."""
        if self._sender is not None:
            self._queue.put(None)
            self._sender.join(1.0)
            self._process.join(1.0)
        # no job was ever sent (e.g. the run stopped at a bad argument): nothing to finish, so the helper's
        # warm-up (importing matplotlib) is not waited for
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        self._jobs.close()
        self._replies.close()

    def __enter__(self) -> ChartWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
