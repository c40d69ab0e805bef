"""References -> PMIDs -> records, for many articles at once.

Working over the whole batch of articles lets the Entrez layer fetch every
unique PMID of a run in ceil(R / batch) requests instead of one per citation.
Nothing is dropped: every reference leaves with a status and a reason.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Callable, Sequence

from audit.crossref.beyond import beyond_pubmed     # Crossref, Retraction Watch (when the source has them)
from audit.record_source import RecordSource
from audit.models import (FETCH_FAILED, PENDING, RESOLVED, UNRESOLVED, Article, FetchResult, Record,
                     Reference)

log = logging.getLogger("audit.pubmed.resolve")


def _with(ref: Reference, **changes) -> Reference:
    return dataclasses.replace(ref, **changes)


def identify(articles: Sequence[Article], source: RecordSource) -> list[Article]:
    """Give every reference a PMID where one can be found (DOI, PMCID, citation text)."""
    dois, pmcids, free = set(), set(), []
    for i, a in enumerate(articles):
        for r in a.references:
            if not r.in_list or r.pmid or r.status != PENDING:
                continue
            if r.doi:
                dois.add(r.doi)
            if r.pmcid:                      # asked too: a mistyped DOI must not hide a good PMCID
                pmcids.add(r.pmcid)
            if not (r.doi or r.pmcid) and r.raw.strip():
                # Labels repeat across articles ("3" in each): key the batch by article too.
                free.append(_with(r, id=f"{i}:{r.id}"))
    failures: dict[str, str] = {}
    converted = _contained(lambda: source.convert_ids(sorted(dois), sorted(pmcids)),
                           sorted(dois) + sorted(pmcids), failures) if (dois or pmcids) else {}
    matched = _contained(lambda: source.match_citations(free), [r.id for r in free], failures) if free else {}
    # A lookup that failed (network, NCBI) says nothing about PubMed: fetch_failed, not unresolved.
    failures.update(source.lookup_failures)

    out = []
    for i, a in enumerate(articles):
        refs = []
        for r in a.references:
            if not r.in_list:
                r = _with(r, status=UNRESOLVED, reason=f"no reference entry for marker {r.id}")
            elif r.pmid or r.status != PENDING:
                pass            # a PMID to fetch, or the reader already said why it cannot be looked up
            elif r.doi and r.doi in converted:
                r = _with(r, pmid=converted[r.doi])
            elif r.pmcid and r.pmcid in converted:
                r = _with(r, pmid=converted[r.pmcid])
            elif r.doi or r.pmcid:
                ident = f"DOI {r.doi}" if r.doi else f"PMCID {r.pmcid}"
                failed = failures.get(r.doi or "") or failures.get(r.pmcid or "")
                if failed:
                    r = _with(r, status=FETCH_FAILED, reason=f"{ident}: {failed}")
                else:
                    r = _with(r, status=UNRESOLVED, reason=f"{ident} did not resolve to a PubMed record")
            elif not r.raw.strip():
                r = _with(r, status=UNRESOLVED, reason="empty reference entry")
            elif f"{i}:{r.id}" in matched:
                r = _with(r, pmid=matched[f"{i}:{r.id}"])
            elif f"{i}:{r.id}" in failures:
                r = _with(r, status=FETCH_FAILED, reason=failures[f"{i}:{r.id}"])
            else:
                r = _with(r, status=UNRESOLVED,
                          reason="citation text matched no PubMed record")
            refs.append(r)
        out.append(dataclasses.replace(a, references=refs))
    return out


def _contained(ask: Callable[[], dict], keys: list[str], failures: dict[str, str]) -> dict:
    """``ask()``, or {} with every key marked failed: a source's bug ends as fetch_failed
    references of this run, not as the end of the run."""
    try:
        return ask()
    except Exception as exc:
        log.warning("record lookup failed", exc_info=True)
        why = f"lookup failed ({type(exc).__name__})"
        failures.update({k: why for k in keys})
        return {}


def wanted_pmids(articles: Sequence[Article]) -> list[str]:
    seen: dict[str, None] = {}
    for a in articles:
        for r in a.references:
            if r.pmid and r.status == PENDING:
                seen.setdefault(r.pmid, None)
    return list(seen)


def apply_results(article: Article, results: dict[str, FetchResult]) -> tuple[Article, dict[str, Record]]:
    """Set each reference's status from the fetch results; return the records it uses."""
    refs, records = [], {}
    for r in article.references:
        if r.pmid and r.status == PENDING:
            res = results.get(r.pmid)
            if res is None:
                r = _with(r, status=UNRESOLVED, reason=f"PMID {r.pmid} was not looked up")
            else:
                r = _with(r, status=res.status, reason=res.reason)
                if res.status == RESOLVED and res.record is not None:
                    records[r.pmid] = res.record
        refs.append(r)
    return dataclasses.replace(article, references=refs), records


def resolve(articles: Sequence[Article], source: RecordSource) -> list[tuple[Article, dict[str, Record]]]:
    """The whole step: identify, fetch every unique PMID once, apply."""
    identified = identify(articles, source)
    pmids = wanted_pmids(identified)
    failed: dict[str, str] = {}
    results = _contained(lambda: source.fetch(pmids), pmids, failed) if pmids else {}
    results.update({p: FetchResult(p, FETCH_FAILED, None, why) for p, why in failed.items()})
    return beyond_pubmed([apply_results(a, results) for a in identified], source)
