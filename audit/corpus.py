"""The corpus a nightly run audits: folders, files, globs and a manifest; and finding one article in it."""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Sequence

from audit.errors import BadInputError
from audit.reading.ingest import article_paths

GLOB_CHARS = set("*?[")


def manifest_paths(manifest: str) -> list[str]:
    """One path (or glob) a line; blank lines and ``#`` comments skipped; relative to the manifest."""
    p = Path(manifest)
    if not p.is_file():
        raise BadInputError(manifest, "corpus manifest not found")
    out = []
    for line in p.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line if os.path.isabs(line) else str(p.parent / line))
    return out


def glob_folder(pattern: str) -> str:
    """The folder a glob searches: its components before the first with a wildcard."""
    parts = Path(pattern).parts
    head = parts[:next((i for i, x in enumerate(parts) if GLOB_CHARS & set(x)), len(parts))]
    return str(Path(*head)) if head else "."


def corpus_files(paths: Sequence[str], manifest: str = "", exclude: Sequence[str] = (),
                 set_aside: list[str] | None = None) -> list[str]:
    """Every article file named by folders, files, globs and the manifest; sorted, no repeats.

    ``exclude``: the run's own files (the reports folder, the history, the record cache):
    never audited as articles, whatever glob or manifest line covers them; each one left
    out is appended to ``set_aside``, so the run can say so.  Links are followed only into
    the corpus paths (the folders, the globs' folders, the named files' folders); a link out
    of them is kept as itself and set aside by the reader.
    """
    entries = list(paths) + (manifest_paths(manifest) if manifest else [])
    plain: list[str] = []
    roots: list[str] = []
    for e in entries:
        e = os.path.expanduser(e)
        if GLOB_CHARS & set(e):
            plain += sorted(glob.glob(e, recursive=True))
            roots.append(glob_folder(e))
        elif not Path(e).exists() and not Path(e).is_symlink():
            raise BadInputError(e, "corpus path not found")
        else:
            plain.append(e)
            roots.append(e)
    found = article_paths(plain, roots) if plain else []
    # Resolved, so one file reached by two paths is one article; a set-aside link stays itself.
    files = sorted(dict.fromkeys(str(f.absolute()) if f.is_symlink() else str(f.resolve()) for f in found))
    own = [str(Path(os.path.expanduser(x)).resolve()) for x in exclude if x]
    kept = [f for f in files if not any(_is_own(f, o) for o in own)]
    if set_aside is not None:
        set_aside += [f for f in files if f not in set(kept)]
    return kept


def _is_own(path: str, own: str) -> bool:
    """``path`` is the run's file ``own``, a file under the folder ``own``, or a companion of it
    (``history.sqlite-wal``, ``history.sqlite.lock``)."""
    return path == own or path.startswith(own.rstrip(os.sep) + os.sep) or \
        (path.startswith(own) and path[len(own):len(own) + 1] in ("-", "."))
