"""Symbolic links in a corpus: followed only to files inside a corpus path, never out of it.

A link planted in a corpus folder (``passwd.txt -> /etc/passwd``, a folder
link to someone's home) would have the run read that file and publish its
text in the shared reports folder.  So the files of a run are chosen here:
a link whose target lies inside one of the corpus paths (the folders given,
a glob's folder, a named file's folder) is replaced by its target; any other
link is *set aside*: it stays in the run as itself, and the reader, which
opens nothing through a link (``O_NOFOLLOW``), reports it as that article's
error with the reason below.  Everything else is left as given.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Iterable

SET_ASIDE = ("a symbolic link to a file or folder outside the corpus paths: set aside, not read "
             "(name its target, or a folder holding it, to audit it)")


def roots_of(paths: Iterable[str | Path]) -> list[Path]:
    """The corpus paths that links may point into: each folder, or a file's folder, resolved."""
    out = []
    for p in paths:
        p = Path(p)
        out.append((p if p.is_dir() else p.parent).resolve())
    return out


def _inside(real: Path, roots: list[Path]) -> bool:
    return any(real == r or r in real.parents for r in roots)


def _leaving_link(path: Path, roots: list[Path]) -> Path:
    """The link through which ``path`` leaves the corpus: one that lies inside it, pointing out."""
    parts = path.absolute().parts
    for i in range(2, len(parts) + 1):
        p = Path(*parts[:i])
        if p.is_symlink() and _inside(p.parent.resolve(), roots) and not _inside(p.resolve(), roots):
            return p
    return path


def choose(path: Path, roots: list[Path]) -> Path | None:
    """``path`` itself, its target (a link into the corpus), or the link to set aside; None: skip it.

    A link to a folder inside the corpus is skipped: its files are found
    through their own path.
    """
    real = path.resolve()
    if not _inside(real, roots):
        return _leaving_link(path, roots)
    if path.is_symlink():
        return None if real.is_dir() else real
    return path


def read_bytes(path: str | Path, max_bytes: int) -> tuple[bytes, int]:
    """The file's bytes and size, opened without following a link; ``OSError`` as the OS says.

    Size is read from the open file, so a file swapped for a link after it was
    chosen is still refused.  A link raises ``OSError(ELOOP)`` (``is_link_error``).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > max_bytes:
            return b"", size
        return fh.read(), size


def is_link_error(exc: OSError) -> bool:
    return exc.errno == errno.ELOOP
