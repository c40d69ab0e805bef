"""The resolution step after PubMed: what Crossref and Retraction Watch add to each reference.

``resolve.resolve`` ends here (``beyond_pubmed``) when the record source was
opened by ``fetch.open_source`` (which attaches a ``Beyond``).  For each
article, after PubMed:

* a reference with a DOI that PubMed does not hold is looked up at Crossref:
  Crossref's record makes it ``crossref_only`` (checked against title, journal,
  year and type; ``Reference.work``); Crossref's 404 makes it ``not_found``
  only when PubMed was asked too and had no such DOI, else it stays
  ``unresolved``; a fault (400, not JSON, no answer) makes it ``fetch_failed``;
* a reference without identifiers that PubMed could not match is searched at
  Crossref (``query.bibliographic``) and accepted only on a title match;
* a reference PubMed resolved is also looked up at Crossref by its DOI (the
  cited one, else the record's), so the two records can be compared
  (``identity.identity_findings``) and the publisher's notices (``updated-by``,
  Retraction Watch's through Crossref) join PubMed's;
* a reference whose cited title disagrees with its identifier's record has that
  title looked up alone (PubMed, then Crossref): ``Reference.title_match``;
* the Retraction Watch CSV (``notices.retraction_watch``) adds its notices by
  PMID and DOI.

Each record says which sources were asked about its notices
(``Record.notice_sources``), so a retraction seen by one source only says so.
Offline runs stay offline: Crossref is asked beside ``--offline-records`` only
with ``crossref.with_offline_records``.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from audit.config import Config
from audit.crossref.client import open_crossref
from audit.crossref.works import TITLE_ACCEPT, accepts
from audit.identity import titles_differ
from audit.pubmed.citation_match import normalise_title
from audit.models import (CROSSREF_ONLY, FETCH_FAILED, NOT_FOUND, RESOLVED, UNRESOLVED, Article, FetchResult,
                          Record, Reference)
from audit.notices import CROSSREF, PUBMED, RETRACTION_WATCH, RetractionWatch, with_notices
from audit.record_source import RecordSource

log = logging.getLogger("audit.crossref.beyond")

@dataclass
class Beyond:
    """What a run asks beyond PubMed: Crossref (when on) and the Retraction Watch file (when given)."""

    cfg: Config
    online: bool          # the record source is an authority that was asked (can_say_not_found): PubMed, not files
    retraction_watch: RetractionWatch | None = None
    stats: dict = field(default_factory=dict)

    @property
    def crossref_on(self) -> bool:
        c = self.cfg.crossref
        return c.enabled and (self.online or c.with_offline_records)


def attach(source: RecordSource, cfg: Config, online: bool | None = None) -> RecordSource:
    """Give ``source`` its ``Beyond`` (read here, so a bad Retraction Watch file stops the run at once);
    ``online``: as the source says (``can_say_not_found``) unless told."""
    rw = RetractionWatch.load(cfg.notices.retraction_watch) if cfg.notices.retraction_watch else None
    source.beyond = Beyond(cfg, source.can_say_not_found if online is None else online, rw)
    return source


def same_title(cited: str, title: str, raw: str = "") -> bool:
    """The cited title is this record's whole title, not a few of its words (token_set_ratio would say 100
    for "Breast cancer" against any title holding both words); or the record's whole title, of some length,
    is written in the reference (a title with a full stop inside is read only up to it)."""
    a, b = normalise_title(cited), normalise_title(title)
    if not (a and b):
        return False
    if len(b.split()) >= 5 and f" {b} " in f" {normalise_title(raw)} ":
        return True
    # "Erratum", "Breast cancer": short titles many papers share say nothing on their own.
    return len(a.split()) >= 4 and fuzz.ratio(a, b) >= TITLE_ACCEPT


def _rw(beyond: Beyond, rec: Record) -> Record:
    rw = beyond.retraction_watch
    if rw is None:
        return rec
    rec = with_notices(rec, rw.notices_for(rec.pmid or None, rec.doi))
    return _asked(rec, RETRACTION_WATCH)


def _asked(rec: Record, *sources: str) -> Record:
    have = list(rec.notice_sources or [rec.origin])
    new = [s for s in sources if s not in have]
    return dataclasses.replace(rec, notice_sources=have + new) if new else rec


def beyond_pubmed(results: list[tuple[Article, dict[str, Record]]],
                  source: RecordSource) -> list[tuple[Article, dict[str, Record]]]:
    beyond = source.beyond
    if beyond is None or not results:
        return results
    crossref = None
    if beyond.crossref_on:
        crossref = open_crossref(beyond.cfg.crossref)
    try:
        return _extend(results, source, beyond, crossref)
    finally:
        if crossref is not None:
            beyond.stats = crossref.stats()
            crossref.close()


def _works(crossref: RecordSource, dois: dict[str, str]) -> dict[str, Record]:
    """key -> the Crossref work of its DOI (a citation search's match: answered from the match)."""
    got = crossref.fetch(sorted(set(dois.values()))) if dois else {}
    return {k: got[d].record for k, d in dois.items() if d in got and got[d].record is not None}


def _extend(results, source: RecordSource, beyond: Beyond,
            crossref: RecordSource | None) -> list[tuple[Article, dict[str, Record]]]:
    # 1. Every DOI Crossref is asked about, once for the run.
    dois: dict[str, None] = {}
    free: list[Reference] = []
    for i, (art, recs) in enumerate(results):
        for r in art.references:
            if r.status == UNRESOLVED and r.in_list and r.doi:
                dois.setdefault(r.doi, None)
            elif r.status == RESOLVED and r.pmid in recs:
                d = r.doi or recs[r.pmid].doi
                if d:
                    dois.setdefault(d, None)
            elif r.status == UNRESOLVED and r.in_list and not (r.doi or r.pmid or r.pmcid) and r.raw.strip():
                free.append(dataclasses.replace(r, id=f"{i}:{r.id}"))
    works: dict[str, FetchResult] = crossref.fetch(list(dois)) if crossref is not None and dois else {}
    found = _works(crossref, crossref.match_citations(free)) if crossref is not None and free else {}

    out = []
    for i, (art, recs) in enumerate(results):
        recs = dict(recs)
        refs = []
        for r in art.references:
            if r.status == UNRESOLVED and r.in_list and r.doi and r.doi in works:
                r = _doi_only(r, works[r.doi], beyond)
            elif r.status == UNRESOLVED and f"{i}:{r.id}" in found:
                work = _rw(beyond, _asked(found[f"{i}:{r.id}"], CROSSREF))
                r = dataclasses.replace(r, status=CROSSREF_ONLY, work=work, doi=work.doi,
                                        reason=f"{r.reason}; Crossref's search found it: {_describe(work)}")
            elif r.status == RESOLVED and r.pmid in recs:
                rec = recs[r.pmid]
                res = works.get(r.doi or rec.doi or "")
                if res is not None and res.status == RESOLVED and res.record is not None:
                    rec = with_notices(_asked(rec, PUBMED, CROSSREF), res.record.notices)
                    r = dataclasses.replace(r, work=res.record)
                recs[r.pmid] = _rw(beyond, rec)
            refs.append(r)
        out.append((dataclasses.replace(art, references=refs), recs))
    return _title_lookups(out, source, crossref)


def _describe(work: Record) -> str:
    what = (work.work_type or "work").replace("-", " ")
    return f"a {what}, \"{work.title[:80]}\"" + (f" ({work.journal}, {work.year})" if work.journal else "")


def _doi_only(r: Reference, res: FetchResult, beyond: Beyond) -> Reference:
    """A DOI PubMed does not hold, after Crossref was asked."""
    if res.status == RESOLVED and res.record is not None:
        work = _rw(beyond, _asked(res.record, CROSSREF))
        return dataclasses.replace(r, status=CROSSREF_ONLY, work=work,
                                   reason=f"DOI {r.doi} is not in PubMed; Crossref holds it: {_describe(work)}")
    if res.status == NOT_FOUND:
        if beyond.online:
            # PubMed answered that it has no such DOI, and Crossref (the DOI's registry) agrees.
            return dataclasses.replace(r, status=NOT_FOUND,
                                       reason=f"DOI {r.doi} exists neither in PubMed nor at Crossref")
        return dataclasses.replace(r, reason=f"{r.reason}; Crossref has no such DOI either (PubMed was not asked: "
                                             "offline records)")
    return dataclasses.replace(r, status=FETCH_FAILED, reason=f"{r.reason}; {res.reason}")


def _title_lookups(results, source: RecordSource, crossref: RecordSource | None) -> list[tuple[Article, dict[str, Record]]]:
    """Where a cited title disagrees with its identifier's record: which record does the title alone name?"""
    asks: list[Reference] = []
    where: dict[str, tuple[int, str]] = {}
    for i, (art, recs) in enumerate(results):
        for r in art.references:
            rec = recs.get(r.pmid or "") if r.status == RESOLVED else (r.work if r.status == CROSSREF_ONLY else None)
            if rec is not None and r.cited_title and titles_differ(r.cited_title, rec.title):
                key = f"{i}:{r.id}"
                # The title alone: the year and journal given are the identifier's paper's when the title
                # was borrowed from another paper, and would hide that paper.
                asks.append(Reference(id=key, raw=r.cited_title, cited_title=r.cited_title))
                where[key] = (i, r.id)
    if not asks:
        return results
    titles = {a.id: a.cited_title or "" for a in asks}
    raws = {f"{i}:{r.id}": r.raw for i, (art, _) in enumerate(results) for r in art.references}
    matched: dict[str, str] = {}
    try:
        pmids = source.match_citations(asks)
        got = source.fetch(sorted(set(pmids.values()))) if pmids else {}
        matched = {k: f"PMID {p}" for k, p in pmids.items()
                   if got.get(p) is not None and got[p].record is not None and same_title(titles[k], got[p].record.title, raws[k])}
    except Exception:           # a lookup that failed says nothing: the identity check then has less evidence
        log.warning("title look-up failed", exc_info=True)
    rest = [a for a in asks if a.id not in matched]
    if crossref is not None and rest:
        matched.update({k: f"DOI {w.doi}" for k, w in _works(crossref, crossref.match_citations(rest)).items()
                        if same_title(titles[k], w.title, raws[k])})
    out = []
    for i, (art, recs) in enumerate(results):
        refs = [dataclasses.replace(r, title_match=matched[f"{i}:{r.id}"]) if f"{i}:{r.id}" in matched else r
                for r in art.references]
        out.append((dataclasses.replace(art, references=refs), recs))
    return out


__all__ = ["Beyond", "attach", "beyond_pubmed", "accepts"]

