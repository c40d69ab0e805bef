"""One writer per history: an exclusive file lock beside the history file.

A nightly run and a re-check both write the history and the run's index;
run together they would compare against half-written runs and overwrite
each other's index.  The lock is an ``fcntl.flock`` on ``<history>.lock``: the
kernel drops it when the holder dies (a killed nightly leaves no stale lock),
and it holds across processes, which is where the two runs come from
(cron, ``citeaudit recheck``, a Prefect worker).
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from audit.errors import BadInputError


class BusyError(BadInputError):
    """Another run holds the lock: the user's answer is to wait and try again."""


def lock_path_for(history_db: str | os.PathLike) -> Path:
    """The lock of a history, beside the file the path resolves to.

    Resolved, so that two runs reaching one history through different paths (a
    symlinked folder, a link to the file, ``..``) take the same lock.
    """
    p = Path(os.path.expanduser(history_db)).resolve()
    return p.with_name(p.name + ".lock")


@contextmanager
def run_lock(path: str | os.PathLike, wait: float = 0.0, what: str = "run",
             poll: float = 0.05) -> Iterator[Path]:
    """Hold the lock at ``path`` for the block; wait up to ``wait`` seconds for it, then ``BusyError``.

    The lock file keeps the holder's pid and what it runs, so the busy
    message can say who holds it.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    raise BusyError(str(p), f"busy: another citeaudit run holds this history "
                                            f"({holder or 'unknown holder'}); waited {wait:g} s, try again later")
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what} pid {os.getpid()}\n".encode(), 0)
        try:
            yield p
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
