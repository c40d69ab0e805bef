"""One article file as a format reader gets it: its bytes and what the run already knows of it."""
from __future__ import annotations

from dataclasses import dataclass

from audit.config import ReadingConfig


@dataclass(frozen=True)
class Source:
    data: bytes                  # the whole file, already within reading.max_bytes
    path: str                    # as named to the run: Article.path, and every error's file
    sha: str                     # sha256 of data: Article.sha256
    article_id: str              # the file's stem, slugged (formats.article_id): Article.id
    limits: ReadingConfig        # max_bytes, max_depth, boilerplate
