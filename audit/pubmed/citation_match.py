"""Which record a reference without identifiers names: its title first, then author, journal and year.

Both record sources use this: offline over the records on disk, online over the records a title
search found.  A reference is resolved by its title even where its year or journal is wrong, so
that the wrong field is then reported (``metadata_mismatch``) instead of the reference ending
unresolved.  A title alone in another year is not enough, though (a reprint, an erratum, a
second paper of one title): away from the cited year the first author or the journal must agree.
"""
from __future__ import annotations

from typing import Iterable

from rapidfuzz import fuzz

from audit.models import Record, Reference
from audit.reading.author_year import entry_first_author, name_key

TITLE_MATCH = 90        # rapidfuzz token_set_ratio needed to take a title as the cited one
TITLE_SURE = 95         # ... and to take it in another year, with the author or the journal agreeing


def normalise_title(title: str) -> str:
    """Lower case, punctuation (the brackets of a translated title "[...]" too) as spaces."""
    import re
    return " ".join(re.sub(r"[^\w\s]", " ", (title or "").lower()).split())


def title_score(cited: str, record_title: str) -> float:
    return fuzz.token_set_ratio(normalise_title(cited), normalise_title(record_title))


def first_author_agrees(ref: Reference, rec: Record) -> bool:
    cited = name_key(entry_first_author(ref.raw or ""))
    have = name_key(rec.first_author or "")
    return bool(cited and have) and (cited == have or cited.endswith(" " + have) or have.endswith(" " + cited))


def journal_agrees(ref: Reference, rec: Record) -> bool:
    if not ref.cited_journal:
        return False
    from audit.findings import journal_matches
    return journal_matches(ref.cited_journal, rec)


def acceptable(ref: Reference, rec: Record, score: float) -> bool:
    """Is ``rec`` (its title scoring ``score`` against the cited one) the paper the reference names?"""
    if score < TITLE_MATCH:
        return False
    if not (ref.cited_year and rec.year) or abs(ref.cited_year - rec.year) <= 1:
        return True
    return score >= TITLE_SURE and (first_author_agrees(ref, rec) or journal_agrees(ref, rec))


def best_match(ref: Reference, records: Iterable[Record], scores: dict[str, float] | None = None) -> str | None:
    """The PMID of the best acceptable record for a reference (by its cited title), or None.

    ``scores``: title scores already computed (pmid -> score); the others are computed here."""
    want = ref.cited_title or ""
    best, best_key = None, None
    for rec in records:
        score = scores[rec.pmid] if scores and rec.pmid in scores else title_score(want, rec.title)
        if not acceptable(ref, rec, score):
            continue
        # the cited year, then the title, then the author, break ties
        key = (score, not ref.cited_year or rec.year == ref.cited_year, first_author_agrees(ref, rec))
        if best_key is None or key > best_key:
            best, best_key = rec.pmid, key
    return best
