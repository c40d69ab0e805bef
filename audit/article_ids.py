"""Article ids: what the library calls each article of a run.

An id is also the name of the article's report folder (``reports.writer.article_folder``), so it is cleaned
to what a folder name may hold and kept unique in the run; the reports take their folder names from here.
"""
from __future__ import annotations

import re
from typing import Sequence

from audit.models import Article, ArticleAudit

ID_MAX = 120          # characters: a folder name every file system takes, with room for "-2"


def clean_id(article_id: str) -> str:
    """An id that names a folder inside the output folder whatever the article's name holds."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", str(article_id or "")).strip(".-")
    return name[:ID_MAX].rstrip(".-") or "article"


def _article_of(item: Article | ArticleAudit) -> Article:
    return item.article if isinstance(item, ArticleAudit) else item


def unique_ids(items: Sequence[Article | ArticleAudit]) -> None:
    """Every article of a run gets an id that is its own report folder's name, unique in the run.

    Ids are cleaned and cut to the folder-name length first, so two long
    names with a common prefix, or two same-named files in different folders,
    get "-2", "-3"... rather than one report overwriting the other.
    """

    arts = [_article_of(it) for it in items]
    for art in arts:
        art.id = clean_id(art.id)
    taken = {a.id.casefold() for a in arts}
    seen: set[str] = set()
    for art in arts:
        key = art.id.casefold()
        if key in seen:
            n = 2
            while True:
                suffix = f"-{n}"
                cand = art.id[:ID_MAX - len(suffix)].rstrip(".-") + suffix
                if cand.casefold() not in taken:
                    break
                n += 1
            art.id = cand
            taken.add(cand.casefold())
            key = cand.casefold()
        seen.add(key)
