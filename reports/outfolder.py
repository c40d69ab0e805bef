"""The reports folder written safely: no write follows a link planted in it, every file is written
whole (a temporary file renamed into place), and what a killed run left half-written is swept away.

Every file the reports layer writes goes through ``_write_atomic``; ``prepare_reports_folder`` runs
before a run writes anything.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from audit.errors import BadInputError
from audit.printable import printable

ARTICLES_DIR = "articles"    # out/articles/<id>/: apart from the run files (index.html, run.json...)


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_TMP_SUFFIX = ".tmp"


class UnsafeOutputError(BadInputError):
    """The reports folder holds a symbolic link where the run would write."""


def _refuse_link(where: Path) -> UnsafeOutputError:
    try:
        target = os.readlink(where)
    except OSError:
        target = "?"
    return UnsafeOutputError(str(where), f"is a symbolic link (to {printable(target)}); reports are never "
                                         "written through links: remove it and run again")


def _open_folder(out_dir: Path, parts: tuple[str, ...]) -> int:
    """A descriptor of out_dir/parts..., each folder made if missing and none of them a link."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir, _DIR_FLAGS)
    where = out_dir
    try:
        for name in parts:
            where = where / name
            try:
                os.mkdir(name, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            try:
                sub = os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR) and \
                        stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                    raise _refuse_link(where) from None
                raise
            os.close(fd)
            fd = sub
        return fd
    except BaseException:
        os.close(fd)
        raise


def _write_atomic(path: Path, text: str, out_dir: Path | None = None) -> None:
    """Readers of a nightly run never see half a file; nothing is written through a link.

    ``out_dir`` is the reports folder (default: the file's own folder); the
    folders between it and the file are opened without following links.
    """
    root = Path(out_dir) if out_dir is not None else path.parent
    parts = path.parent.relative_to(root).parts
    dfd = _open_folder(root, parts)
    try:
        # The pid in the name lets the next run tell a killed run's leftovers from a live run's file.
        tmp = f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                     0o644, dir_fd=dfd)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, path.name, src_dir_fd=dfd, dst_dir_fd=dfd)   # replaces a link, never follows it
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)
            raise
    finally:
        os.close(dfd)


def _stray_temp(name: str) -> bool:
    """A temp file of ``_write_atomic`` whose writer is gone (killed, powered off)."""
    if not (name.startswith(".") and name.endswith(_TMP_SUFFIX)):
        return False
    bits = name[:-len(_TMP_SUFFIX)].rsplit(".", 2)
    if len(bits) != 3 or not bits[1].isdigit():
        return False
    pid = int(bits[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:       # alive, another user's
        return False
    return False


def prepare_reports_folder(out_dir: Path | str) -> list[str]:
    """Before a run writes: refuse a reports folder holding links; remove killed runs' temp files.

    Looks at the run files and ``articles/*/`` without following any link;
    returns the temp files removed.
    """
    out = Path(out_dir)
    removed: list[str] = []
    if not out.is_dir():
        return removed
    top = _sweep(out, removed)
    if out / ARTICLES_DIR in top:
        for folder in _sweep(out / ARTICLES_DIR, removed):
            _sweep(folder, removed)
    return removed


def _sweep(folder: Path, removed: list[str]) -> list[Path]:
    """One folder: refuse a link in it, remove stray temp files; return its sub-folders."""
    subs = []
    with os.scandir(folder) as it:
        for e in it:
            p = folder / e.name
            if e.is_symlink():
                raise _refuse_link(p)
            if e.is_dir(follow_symlinks=False):
                subs.append(p)
            elif _stray_temp(e.name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(p)
                removed.append(str(p))
    return subs
