"""Run a batch on Dask distributed (or in this process), resumably.

The client is the only writer: workers compute pure tasks and return arrays; the client writes each
finished task atomically and records it in the manifest. So workers need no shared file system, a
killed worker only costs its running task (Dask reruns it elsewhere), and a killed client only costs
the tasks in flight (``resume=True`` computes exactly the tasks without a valid task file).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .batch import Batch, BatchError, Manifest, Task, assemble_zarr, clean_temporaries, compute_task, verify_task
from .batch import write_task

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["BatchRun", "run_batch"]

Format = Literal["zarr", "netcdf"]
MANIFEST_EVERY = 1.0  # seconds between manifest saves while tasks finish (task files are self-describing)
# Up to this many draws still to compute, a batch runs in this process on threads instead of starting a
# LocalCluster: its start-up (~2–3 s for 2 worker processes) exceeds the compute (~0.6 M draws/s on 2
# cores). A --scheduler or a client given is always used.
SMALL_BATCH = 1_000_000


@dataclass(frozen=True)
class BatchRun:
    """What a batch run did and where it wrote."""

    batch: Batch
    root: Path
    results: Path
    manifest: Path
    total: int
    computed: int
    reused: int
    seconds: float
    executor: str

    def open(self) -> Any:
        """The combined Dataset (lazy for Zarr)."""
        import xarray as xr

        if self.results.suffix == ".zarr":
            return xr.open_zarr(self.results, consolidated=True)
        return xr.open_dataset(self.results, engine="h5netcdf")


def _prepare(batch: Batch, root: Path, resume: bool) -> Manifest:
    path = root / "manifest.json"
    if path.exists():
        if not resume:
            raise BatchError(str(path), "this folder already holds a run of the batch; pass --resume to "
                             "continue it, or choose another --out")
        manifest = Manifest.load(path)
        diff = manifest.mismatches(batch)
        if diff:
            raise BatchError(str(path), "--resume refused: the interrupted run was a different batch ("
                             + "; ".join(diff) + "); use the same options or another --out")
        return manifest
    return Manifest.new(path, batch)


def _missing(tasks: list[Task], root: Path, manifest: Manifest,
             warn: Callable[[str], None]) -> tuple[list[Task], list[Task]]:
    """(done, todo). A task is done only when the manifest (or its journal) records the SHA-256 of its
    file and the file matches it, its fingerprint, key, dtypes and shapes; a recorded file that does not
    is recomputed with a warning; a file the manifest does not know is never trusted (recomputed)."""
    done, todo = [], []
    recorded = manifest.data["tasks"]
    for t in tasks:
        entry = recorded.get(t.key)
        path = root / "tasks" / t.filename
        why = None
        if entry is not None:
            try:
                data = path.read_bytes()
            except OSError as exc:
                why = f"it cannot be read ({exc.strerror or exc})"
            else:
                why = verify_task(data, t, str(entry.get("sha256", "")))
        if entry is not None and why is None:
            done.append(t)
            continue
        if entry is not None:
            warn(f"{path}: {why}; recomputing this task")
        recorded.pop(t.key, None)
        todo.append(t)
    return done, todo


@contextmanager
def _client(workers: int | None, scheduler: str | None, client: Client | None,
            dashboard: bool = False) -> Iterator[Client | None]:
    if client is not None:
        yield client
        return
    if workers == 0 and scheduler is None:
        yield None  # compute in this process
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            c = Client(scheduler, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise BatchError(scheduler, f"cannot connect to the Dask scheduler: {exc}") from None
        try:
            yield c
        finally:
            c.close()
        return
    import dask

    n = workers or os.cpu_count() or 1
    # Dask's default MALLOC_TRIM_THRESHOLD_=64 KiB makes glibc map and unmap every large numpy
    # temporary of the model (2-3x slower tasks); our tasks hold no memory between them.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        # Our own cluster is private: it listens on 127.0.0.1 only, speaks TLS with certificates made
        # for this run (a process without them cannot connect, let alone run code on the workers), and
        # has no dashboard unless asked (then on 127.0.0.1, any free port: parallel runs never clash).
        security = local_security()
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               security=security, dashboard_address="127.0.0.1:0" if dashboard else None)
    with cluster, Client(cluster, security=security, set_as_default=False) as c:
        yield c


def local_security() -> Any:
    """TLS with temporary certificates (``distributed.security.Security.temporary``; needs the
    ``cryptography`` package, part of the ``cluster`` extra)."""
    from distributed.security import Security

    try:
        return Security.temporary()
    except ImportError as exc:
        raise BatchError("mkba batch", f"the local cluster needs TLS certificates: {exc}") from None


def _timed(task: Task) -> tuple[dict[str, Any], float]:
    """compute_task and its compute time in seconds (for the manifest; not part of the result)."""
    t0 = time.perf_counter()
    out = compute_task(task)
    return out, time.perf_counter() - t0


def _in_process(todo: list[Task]) -> Iterator[tuple[Task, dict[str, Any], float]]:
    for t in todo:
        yield t, *_timed(t)


def _in_threads(todo: list[Task], n: int) -> Iterator[tuple[Task, dict[str, Any], float]]:
    """Tasks on ``n`` threads of this process (numpy releases the GIL), at most 2 n in flight."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    pending = iter(todo)
    with ThreadPoolExecutor(n) as pool:
        running = {pool.submit(_timed, t): t for t in _take(pending, 2 * n)}
        try:
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = running.pop(fut)
                    out, seconds = fut.result()  # a task that raises stops the batch
                    for t in _take(pending, 1):
                        running[pool.submit(_timed, t)] = t
                    yield task, out, seconds
        finally:
            for fut in running:
                fut.cancel()


def _on_dask(client: Client, todo: list[Task], batch: Batch) -> Iterator[tuple[Task, dict[str, Any], float]]:
    """Submit in a bounded window (memory stays flat on workers and here), yield as tasks finish.
    Dask reruns the tasks of a worker that dies; results are pure, so a rerun gives the same arrays."""
    from distributed import as_completed

    threads = {"n": 0, "at": -1e9}

    def window() -> int:
        # the window follows the cluster's size (adaptive HPC clusters grow and shrink)
        if time.monotonic() - threads["at"] > 2.0:
            threads["n"], threads["at"] = sum(client.nthreads().values()), time.monotonic()
        return max(8, 3 * threads["n"])

    prefix = f"mkba-task-{batch.fingerprint[:10]}"
    pending = iter(todo)
    started: dict[str, Task] = {}

    def submit(t: Task) -> Any:
        key = f"{prefix}-{t.study_index}-{t.scenario_index}-{t.start}"
        started[key] = t
        return client.submit(_timed, t, key=key, pure=False)

    ac = as_completed([submit(t) for t in _take(pending, window())], with_results=True, loop=client.loop)
    try:
        # a task that raises stops the batch (raised here); finished work stays on disk
        for fut, (out, seconds) in ac:
            task = started.pop(fut.key)
            fut.release()
            for t in _take(pending, max(0, window() - ac.count())):
                ac.add(submit(t))
            yield task, out, seconds
    finally:
        for fut in list(ac.futures):
            fut.cancel()


def _take(it: Iterator[Task], n: int) -> list[Task]:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


def run_batch(
    batch: Batch,
    out: str | Path = "outputs",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    resume: bool = False,
    fmt: Format = "zarr",
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] | None = None,
    dashboard: bool = False,
    keep_tasks: bool = False,
) -> BatchRun:
    """Compute every task of ``batch`` that has no valid task file under ``out/<batch>/tasks`` and
    write the combined Dataset (``results.zarr`` or ``results.nc``).

    ``workers=0`` computes in this process; otherwise a ``LocalCluster`` of ``workers`` processes
    (default: one per core), or the cluster at ``scheduler``, or an existing ``client``.
    ``progress(n)`` is called with the draws of each finished task; ``on_start(total, done)`` once.
    Up to :data:`SMALL_BATCH` draws to compute (and no scheduler or client), the tasks run in this
    process on ``workers`` threads instead of a LocalCluster (same numbers, no start-up). After a
    complete assembly the task files are removed unless ``keep_tasks``."""
    if fmt not in ("zarr", "netcdf"):
        raise ValueError(f"unknown format {fmt!r}; choose 'zarr' or 'netcdf'")
    t_start = time.perf_counter()
    root = Path(out) / batch.name
    manifest = _prepare(batch, root, resume)  # raises before anything is written
    tasks = batch.tasks()
    if warn is None:
        import warnings

        def warn(message: str) -> None:
            warnings.warn(message, stacklevel=3)

    results_path = root / ("results.zarr" if fmt == "zarr" else "results.nc")
    if resume and manifest.data.get("tasks_removed") and results_path.exists():
        # A finished run whose task files were removed after a complete assembly: nothing to do.
        return BatchRun(batch, root, results_path, manifest.path, len(tasks), 0, len(tasks),
                        time.perf_counter() - t_start, "none (already complete)")
    done, todo = _missing(tasks, root, manifest, warn)  # reads only
    threads = 0  # > 0: in this process on that many threads
    if client is not None:
        executor = f"client of {client.scheduler.address}"
    elif scheduler is not None:
        executor = f"scheduler {scheduler}"
    elif workers == 0:
        executor = "in-process"
    elif not dashboard and sum(t.stop - t.start for t in todo) <= SMALL_BATCH:  # a dashboard needs the cluster
        threads = workers or os.cpu_count() or 1
        executor = f"in-process ({threads} threads; small batch)"
    else:
        executor = f"LocalCluster({workers or os.cpu_count() or 1} processes)"
    # connect first: an unreachable scheduler leaves nothing behind; nothing to do needs no cluster
    with (_client(0 if threads else workers, scheduler, client, dashboard) if todo else nullcontext()) as c:
        root.mkdir(parents=True, exist_ok=True)
        (root / "tasks").mkdir(exist_ok=True)
        clean_temporaries(root)
        if on_start is not None:
            on_start(len(tasks), len(done))
        if progress is not None and done:
            progress(sum(t.stop - t.start for t in done))
        run_no = manifest.start_run(reused=len(done), pending=len(todo), executor=executor)
        manifest.save()
        complete = False
        try:
            results: Iterable[tuple[Task, dict[str, Any], float]] = (
                _on_dask(c, todo, batch) if c is not None else _in_threads(todo, threads) if threads > 1
                else _in_process(todo))
            last = time.monotonic()
            for task, arrays, seconds in results:
                sha = write_task(root / "tasks" / task.filename, task, arrays, run_no=run_no)
                manifest.record(task, sha256=sha, run_no=run_no, seconds=seconds, durable=True)
                del arrays
                if progress is not None:
                    progress(task.stop - task.start)
                if time.monotonic() - last > MANIFEST_EVERY:
                    manifest.save()
                    last = time.monotonic()
            complete = True
        finally:
            manifest.finish_run(complete)
            manifest.save()

    hashes = {k: str(e["sha256"]) for k, e in manifest.data["tasks"].items()}
    if fmt == "zarr":
        assemble_zarr(batch, root, results_path, hashes)
    else:
        _write_netcdf(batch, root, results_path, hashes)
    if not keep_tasks:
        # The combined result is complete: the task files (needed only to resume or to rebuild it)
        # go; the manifest says so, and a later --resume finds the run complete.
        manifest.data["tasks_removed"] = True
        manifest.save()
        import shutil

        shutil.rmtree(root / "tasks", ignore_errors=True)
    return BatchRun(batch, root, results_path, manifest.path, len(tasks), len(todo), len(done),
                    time.perf_counter() - t_start, executor)


def _write_netcdf(batch: Batch, root: Path, path: Path, hashes: dict[str, str]) -> None:
    # NetCDF is written whole: assemble a temporary Zarr (flat memory), then load the final result
    import shutil

    import xarray as xr

    from .results import write_netcdf

    tmp = root / f".results-for-netcdf.tmp-{os.getpid()}.zarr"
    try:
        assemble_zarr(batch, root, tmp, hashes)
        with xr.open_zarr(tmp, consolidated=True) as ds:
            write_netcdf(ds.load(), path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
