"""The corpus a nightly run audits: folders, files, globs and a manifest; and finding one article in it."""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Sequence

from audit.errors import BadInputError

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


def corpus_files(paths: Sequence[str], manifest: str = "") -> list[str]:
    """Every article file named by folders, files, globs and the manifest; sorted, no repeats."""
    from audit.reading.ingest import article_paths

    entries = list(paths) + (manifest_paths(manifest) if manifest else [])
    plain: list[str] = []
    for e in entries:
        e = os.path.expanduser(e)
        if GLOB_CHARS & set(e):
            plain += sorted(glob.glob(e, recursive=True))
        elif not Path(e).exists():
            raise BadInputError(e, "corpus path not found")
        else:
            plain.append(e)
    files = [str(Path(f).resolve()) for f in article_paths(plain)] if plain else []
    return sorted(dict.fromkeys(files))
