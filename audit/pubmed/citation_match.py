"""Which record a reference without identifiers names: its title first, then author, journal and year.

Both record sources use this: offline over the records on disk, online over the records a title
search found.  A reference is resolved by its title even where its year or journal is wrong, so
that the wrong field is then reported (``metadata_mismatch``) instead of the reference ending
unresolved.  A title alone in another year is not enough, though (a reprint, an erratum, a
second paper of one title): away from the cited year the first author or the journal must agree.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process

from audit.models import Record, Reference
from audit.reading.author_year import entry_first_author, name_key

TITLE_MATCH = 90        # rapidfuzz token_set_ratio needed to take a title as the cited one
TITLE_SURE = 95         # ... and to take it in another year, with the author or the journal agreeing


def normalise_title(title: str) -> str:
    """Lower case, punctuation (the brackets of a translated title "[...]" too) as spaces."""
    return " ".join(re.sub(r"[^\w\s]", " ", (title or "").lower()).split())


def title_score(cited: str, record_title: str) -> float:
    return fuzz.token_set_ratio(normalise_title(cited), normalise_title(record_title))


def first_author_agrees(ref: Reference, rec: Record) -> bool:
    cited = name_key(entry_first_author(ref.raw or ""))
    have = name_key(rec.first_author or "")
    return bool(cited and have) and (cited == have or cited.endswith(" " + have) or have.endswith(" " + cited))


_STOP = {"the", "of", "and", "official", "journal", "j", "a", "an", "in", "for", "on", "de", "la", "&"}


def _journal_words(name: str) -> list[str]:
    name = re.sub(r":.*$", "", name)         # subtitles ("... : official journal of ...")
    name = re.sub(r"\([^)]*\)", " ", name)   # places ("Lancet (London, England)")
    return [w for w in re.sub(r"[^\w\s]", " ", name.lower()).split() if w not in _STOP]


def journal_matches(cited: str, record: Record) -> bool:
    """Is the journal named in the article the record's journal (full name or ISO abbreviation)?"""
    c = _journal_words(cited)
    if not c:
        return True
    for candidate in (record.journal, record.journal_iso):
        words = _journal_words(candidate)
        if not words:
            continue
        # Sort, not set, ratio: "Nature" is not "Nature Medicine", though one holds the other.
        if fuzz.token_sort_ratio(" ".join(c), " ".join(words)) >= 90:
            return True
        # Abbreviations: "J Surg Oncol" against "Journal of surgical oncology".
        if len(c) == len(words) and all(a.startswith(b) or b.startswith(a) for a, b in zip(c, words)):
            return True
    return not (record.journal or record.journal_iso)



def journal_agrees(ref: Reference, rec: Record) -> bool:
    return bool(ref.cited_journal) and journal_matches(ref.cited_journal, rec)


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


def match_citation(ref: Reference, titles: Mapping[str, str], records: Mapping[str, Record]) -> str | None:
    """The PMID among ``titles`` (pmid -> normalised title) that a citation names, or None."""
    pmid = None
    title = normalise_title(ref.cited_title or "")
    if len(title) >= 15:
        hits = process.extract(title, titles, scorer=fuzz.token_set_ratio, score_cutoff=TITLE_MATCH, limit=10)
        pmid = best_match(ref, [records[h[2]] for h in hits], {h[2]: h[1] for h in hits})
    raw = normalise_title(ref.raw)
    if pmid is None and len(raw) >= 15:
        # The title as read may be wrong (an author list, a group name): a whole citation
        # string matches the title inside it (partial_ratio).
        best = process.extractOne(raw, titles, scorer=fuzz.partial_ratio, score_cutoff=TITLE_MATCH)
        if best is not None and len(best[0]) >= 15 and acceptable(ref, records[best[2]], best[1]):
            pmid = best[2]
    return pmid
