"""All-or-nothing output folders: a run appears whole under its final name, or not at all.

A run writes into a temporary sibling folder (``DIR/.<name>.tmp-…``) and gives it its final name in one
rename at the end. Meanwhile a lock file (``DIR/.<name>.lock``, an advisory lock that the kernel
releases when the process dies, even by SIGKILL; a POSIX lock, so forked helpers do not hold it) refuses a second concurrent run of the same name.
Under the lock, temporary folders of killed runs are removed. An existing folder is never overwritten
silently: the run goes to the first free ``<name>-2``, ``<name>-3``, … unless ``overwrite`` is asked,
which swaps the new folder in (one ``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere).
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["FolderBusy", "Staging", "output_folder", "new_run_id", "free_space_check", "DiskSpaceError"]


class FolderBusy(Exception):
    """Another process is writing this output folder."""


class DiskSpaceError(OSError):
    """Not enough free space for what a run is about to write."""


def new_run_id() -> str:
    """A run's identity: UTC time to the microsecond and 6 random hex digits (sorts by time; unique in
    practice)."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ") + "-" + secrets.token_hex(3)


@dataclass
class Staging:
    """Where a run writes (``path``, temporary) and the folder it becomes (``final``)."""

    path: Path
    final: Path
    run_id: str

    def final_of(self, p: Path) -> Path:
        """The final path of a file written under ``path``."""
        return self.final / Path(p).relative_to(self.path)


_HELD: set[str] = set()  # lock files this process holds (POSIX locks do not exclude the same process)


def _lock(path: Path) -> int:
    key = os.path.realpath(path)
    if key in _HELD:
        raise FolderBusy(f"process {os.getpid()}")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks; runs are still all-or-nothing
        return -1
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            # a POSIX record lock, not flock: it belongs to this process only, so worker processes
            # forked later (the report's chart pool) cannot keep it alive after this one is killed
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise FolderBusy(_holder(path)) from None
            raise
        # the holder before us may have removed the lock file after we opened it: lock the live file
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            _HELD.add(key)
            return fd
        os.close(fd)


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another process"


def _unlock(fd: int, path: Path) -> None:
    if fd < 0:
        return
    _HELD.discard(os.path.realpath(path))
    path.unlink(missing_ok=True)  # while still locked: a waiting opener re-checks the inode
    os.close(fd)


def clean_stale(parent: Path, name: str) -> list[Path]:
    """Remove temporary folders of killed runs of ``name`` (call with the lock held: no live run owns
    them). A folder moved aside by an interrupted swap is put back if the final one is missing."""
    removed = []
    final = parent / name
    for p in sorted(parent.glob(f".{name}.old-*")):
        if not final.exists():
            os.rename(p, final)
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    for p in parent.glob(f".{name}.tmp-*"):
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        removed.append(p)
    return removed


def _target(parent: Path, name: str, overwrite: bool) -> Path:
    first = parent / name
    if overwrite or not first.exists():
        return first
    n = 2
    while (parent / f"{name}-{n}").exists():
        n += 1
    return parent / f"{name}-{n}"


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # old kernel or file system
            return False
        raise OSError(err, os.strerror(err), str(b))
    return True


def _commit(tmp: Path, final: Path, overwrite: bool) -> Path:
    if final.exists():
        if not overwrite:  # appeared since we chose it (another name's numbering): take the next free one
            final = _target(final.parent, final.name, False)
            return _commit(tmp, final, False)
        if _exchange(tmp, final):  # tmp now holds the previous run
            shutil.rmtree(tmp, ignore_errors=True)
            return final
        old = final.parent / f".{final.name}.old-{os.getpid()}"
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        return final
    try:
        os.rename(tmp, final)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY) and not overwrite:
            return _commit(tmp, _target(final.parent, final.name, False), False)
        raise
    return final


@contextmanager
def output_folder(parent: str | Path, name: str, *, overwrite: bool = False) -> Iterator[Staging]:
    """Stage a run's folder ``parent/name``; on a clean exit it appears whole (``staging.final`` says
    where: ``name``, or ``name-N`` when ``name`` exists and ``overwrite`` is false). On any error,
    Ctrl-C or kill, nothing appears under a final name."""
    parent = Path(parent)
    if parent.exists() and not parent.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(parent))
    parent.mkdir(parents=True, exist_ok=True)
    lock_path = parent / f".{name}.lock"
    fd = _lock(lock_path)
    try:
        clean_stale(parent, name)
        final = _target(parent, name, overwrite)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; a finished folder gets the usual mode
        staging = Staging(tmp, final, new_run_id())
        try:
            yield staging
            staging.final = _commit(tmp, final, overwrite)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        _unlock(fd, lock_path)


def free_space_check(folder: Path, need: int, what: str) -> None:
    """Refuse to start writing ``need`` bytes when the file system of ``folder`` has less free (plus a
    margin of 5 % and 16 MB)."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell: the write itself will say
    if need * 1.05 + 16e6 > free:
        from ..simulator.sizes import human

        raise DiskSpaceError(errno.ENOSPC, f"needs ≈ {human(need)}, the disk has {human(free)} free", what)


@contextmanager
def staged_files(folder: str | Path, tag: str = "report") -> Iterator[Path]:
    """Stage files that join an existing folder (``mkba report`` rewriting a run's report): they are
    written into ``folder/.<tag>.tmp-…`` and moved into place only when all are written, each by a
    rename; a second writer of the same tag is refused; stale staging folders are removed."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / f".{tag}.lock"
    fd = _lock(lock_path)
    try:
        for p in folder.glob(f".{tag}.tmp-*"):
            shutil.rmtree(p, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{tag}.tmp-", dir=folder))
        try:
            yield tmp
            for entry in sorted(tmp.iterdir()):
                dest = folder / entry.name
                if entry.is_dir() and dest.is_dir():  # e.g. charts/: swap the whole folder
                    if not _exchange(entry, dest):
                        old = tmp / f".{entry.name}.old"
                        os.rename(dest, old)
                        os.rename(entry, dest)
                else:
                    os.replace(entry, dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        _unlock(fd, lock_path)
