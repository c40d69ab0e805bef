"""The step every format reader ends with: its blocks and reference entries -> the ``Article``.

Extraction (``claims.extract``) is the same for every format; what differs is given here:
whether copied-page chrome is looked for, whether markers are read from the words, and
whether the article's subject is its title (JATS, whose title is the authors') or the
question a copied page asks.
"""
from __future__ import annotations

import re
from pathlib import Path

from audit.models import Article, Reference, SetAside
from audit.reading.blocks import Block
from audit.reading.claims import extract
from audit.reading.source import Source


def article(src: Source, fmt: str, title: str, blocks: list[Block], entries: list[Reference],
            chrome: bool, lexical: bool = True, aside: list[SetAside] | None = None,
            part: tuple[str, str] | None = None, subject_is_title: bool = False) -> Article:
    """The Article of one set of blocks; ``part`` (id suffix, name) for one article of a multi-article file."""
    seen: set[str] = set()
    entries = [r for r in entries if not (r.id in seen or seen.add(r.id))]   # first entry of a label wins
    ex = extract(blocks, entries, chrome=chrome, lexical=lexical)
    title = " ".join(title.split())
    if ex.title and (not title or any(s.text == title for s in ex.set_aside)):
        title = re.sub(r"(\*\*|__|`)", "", ex.title).strip()      # the reader's guess was page chrome
    subject = title if subject_is_title else ex.question or title
    aid = src.article_id
    if part is not None:
        aid = f"{aid}--{part[0]}"
    set_aside = sorted(list(aside or []) + ex.set_aside, key=lambda s: s.line)
    stem = Path(src.path).stem
    return Article(id=aid, path=str(src.path), format=fmt, title=title or stem,
                   subject=subject or title or stem, text=ex.text, sha256=src.sha,
                   claims=ex.claims, references=ex.references, set_aside=set_aside,
                   part=part[1] if part else "")
