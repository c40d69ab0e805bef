"""The E-utilities questions besides records: ESearch, ECitMatch, DOI/PMCID -> PMID, citation -> PMID.

The query half of ``audit.pubmed.entrez.EntrezSource`` (a mixin: it needs the
source's ``cfg``, ``cache``, ``call``, ``fetch``, ``ledger``,
``lookup_failures`` and ``_bump``), with as few requests as the E-utilities
allow:

* DOIs and PMCIDs: one esearch per batch of OR-ed ``"doi"[aid]``/``PMCnnn[pmcid]``
  terms, mapped back through the fetched records' ArticleIdList;
* citations: ECitMatch in batches of ``cfg.citmatch_batch``, then esearch on
  title words for what it could not match, checked against the fetched titles.

ESearch and ECitMatch answers are kept in the cache (``search_key``); a query of
the source search (purpose ``search``) is counted against its budget whether
the cache or PubMed answers it (``audit.pubmed.budget``).
"""
from __future__ import annotations

import logging
import re
from typing import Sequence

from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED, FetchResult, Record, Reference
from audit.pubmed.budget import SEARCH, SearchNotSent, current
from audit.pubmed.citation_match import best_match
from audit.pubmed.eutils_answers import read_citmatch, read_search
from audit.pubmed.eutils_terms import (TERMS_PER_SEARCH, TITLES_PER_SEARCH, CitationQuery, citation_query,
                                       clean_doi, clean_pmcid, search_key, title_query, title_words)
from audit.transport import TransportError

log = logging.getLogger("audit.pubmed.entrez")


class EutilsQueries:
    """esearch, citmatch, convert_ids and match_citations, behind the search cache."""

    # -- ESearch and ECitMatch, kept in the cache ---------------------------------------------
    def _search_allowed(self) -> None:
        """One query of the source search, counted whether the cache or PubMed answers it (so a warm
        run asks the same queries and sends nothing); past the budget it is not asked.  Record
        look-ups are never counted here."""
        purpose, article = current()
        if purpose == SEARCH:
            why = self.ledger.spend_search(article)
            if why:
                raise SearchNotSent(why)

    def esearch(self, term: str, retmax: int = 20, cached: bool = True, **extra) -> dict:
        """An ESearch answer ({"Count", "IdList"}): from the cache while fresh, else asked and kept.

        ``cached=False``: always asked, never kept (the ``[uid]`` checks: what they prove is
        kept in the records table, with the records' own time-to-live).
        """
        params = {"db": "pubmed", "term": term, "retmax": retmax, **extra}
        key = search_key("esearch", params)
        # History answers (WebEnv) expire at NCBI: never kept.
        keep = cached and self.cache is not None and "usehistory" not in params
        self._search_allowed()
        if keep:
            hit = self.cache.get_search(key)
            if hit is not None:
                self._bump("search_cache_hits")
                return hit
        res = self.call("esearch", params, read_search)
        answer = {"Count": str(res.get("Count", len(res["IdList"]))), "IdList": [str(x) for x in res["IdList"]]}
        if keep:
            self.cache.put_search(key, answer)
        return answer if keep else res

    def citmatch(self, lines: dict[str, CitationQuery]) -> dict[str, str | None]:
        """ECitMatch for many citations in one request (``citmatch_batch`` lines each), answers cached.

        name -> PMID, or None where PubMed matched nothing; a batch that fails
        raises ``TransportError`` (``SearchNotSent`` past the search's budget).
        """
        out: dict[str, str | None] = {}
        names = list(lines)
        size = max(1, self.cfg.citmatch_batch)
        for i in range(0, len(names), size):
            self._search_allowed()                      # one query a batch, cached or not
            todo: dict[str, str] = {}                   # name -> cache key
            for name in names[i:i + size]:
                key = search_key("ecitmatch", {"bdata": lines[name].line("")})
                hit = self.cache.get_search(key) if self.cache is not None else None
                if hit is not None:
                    self._bump("search_cache_hits")
                    out[name] = hit.get("pmid")
                else:
                    todo[name] = key
            if not todo:
                continue
            batch = list(todo)
            keys = [f"c{j}" for j in range(len(batch))]
            bdata = "\r".join(lines[n].line(k) for n, k in zip(batch, keys))
            ans = self.call("ecitmatch", {"db": "pubmed", "retmode": "xml", "bdata": bdata},
                            lambda body, keys=keys: read_citmatch(body, keys), post=False)
            for n, k in zip(batch, keys):
                out[n] = ans.get(k)
                if self.cache is not None:
                    self.cache.put_search(todo[n], {"pmid": ans.get(k)})
        return out

    # -- DOI / PMCID -> PMID ----------------------------------------------------------------

    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]:
        items: list[tuple[str, str, str, str]] = []      # (given, cache key, term, kind)
        for d in dict.fromkeys(dois):
            c = clean_doi(d)
            if c:
                items.append((d, "doi:" + c.lower(), f'"{c}"[aid]', "doi"))
        for p in dict.fromkeys(pmcids):
            c = clean_pmcid(p)
            if re.fullmatch(r"PMC\d+", c):
                items.append((p, "pmc:" + c, f"{c}[pmcid]", "pmc"))
        out: dict[str, str] = {}
        cached = self.cache.get_ids([k for _, k, _, _ in items]) if self.cache is not None else {}
        pending = []
        for it in items:
            if it[1] in cached:
                self._bump("id_cache_hits")
                if cached[it[1]]:
                    out[it[0]] = cached[it[1]]
            else:
                pending.append(it)
        for i in range(0, len(pending), TERMS_PER_SEARCH):
            batch = pending[i:i + TERMS_PER_SEARCH]
            try:
                res = self.esearch(" OR ".join(t for _, _, t, _ in batch), retmax=len(batch) * 5 + 20)
            except TransportError as exc:
                log.info("id conversion search failed: %s", exc)
                for given, _, _, _ in batch:
                    self.lookup_failures[given] = f"identifier search failed: {exc}"
                continue
            ids = list(res.get("IdList", []))
            fetched = self.fetch(ids)
            by_doi = {r.record.doi.lower(): p for p, r in fetched.items() if r.record and r.record.doi}
            by_pmc = {r.record.pmcid.upper(): p for p, r in fetched.items() if r.record and r.record.pmcid}
            complete = search_complete(res, ids, fetched)
            learned: dict[str, str | None] = {}
            for given, key, _, kind in batch:
                value = key.split(":", 1)[1]
                pmid = (by_doi if kind == "doi" else by_pmc).get(value)
                if pmid is None and len(batch) == 1 and len(ids) == 1:
                    pmid = ids[0]                   # one term, one hit: no need to map back
                if pmid:
                    out[given] = learned[key] = pmid
                elif complete:
                    learned[key] = None             # PubMed answered: no such DOI/PMCID
                elif any(r.status == FETCH_FAILED for r in fetched.values()):
                    self.lookup_failures[given] = "the records found for this identifier could not be fetched"
            if self.cache is not None:
                self.cache.put_ids(learned)
        return out

    # -- citations -> PMID ------------------------------------------------------------------
    def match_citations(self, refs: Sequence[Reference]) -> dict[str, str]:
        out: dict[str, str] = {}
        queries = {ref.id: citation_query(ref) for ref in refs}
        cit_keys = {rid: "cit:" + q.line("").lower() for rid, q in queries.items() if q}
        ti_keys = {ref.id: f"ti:{' '.join(title_words(ref.cited_title))}|{ref.cited_year or ''}"
                   for ref in refs if ref.cited_title and title_query(ref.cited_title)}
        cached = (self.cache.get_ids(list(cit_keys.values()) + list(ti_keys.values()))
                  if self.cache is not None else {})
        for rid, key in cit_keys.items():
            if key in cached:
                self._bump("id_cache_hits")
                if cached[key]:
                    out[rid] = cached[key]
        # 1. ECitMatch, batched.
        pending = [rid for rid in cit_keys if rid not in out and cit_keys[rid] not in cached]
        size = max(1, self.cfg.citmatch_batch)
        for i in range(0, len(pending), size):
            batch = pending[i:i + size]
            keys = [f"c{j}" for j in range(len(batch))]
            bdata = "\r".join(queries[rid].line(k) for rid, k in zip(batch, keys))
            try:
                ans = self.call("ecitmatch", {"db": "pubmed", "retmode": "xml", "bdata": bdata},
                                lambda body, keys=keys: read_citmatch(body, keys), post=False)
            except TransportError as exc:
                log.info("ECitMatch batch failed: %s", exc)
                for rid in batch:
                    self.lookup_failures[rid] = f"citation match failed: {exc}"
                continue
            learned = {}
            for rid, k in zip(batch, keys):
                learned[cit_keys[rid]] = ans.get(k)
                if ans.get(k):
                    out[rid] = ans[k]
            if self.cache is not None:
                self.cache.put_ids(learned)
        # 2. Title search for the rest.
        rest = [ref for ref in refs if ref.id not in out and ref.id in ti_keys]
        todo = []
        for ref in rest:
            key = ti_keys[ref.id]
            if key in cached:
                self._bump("id_cache_hits")
                self.lookup_failures.pop(ref.id, None)        # answered before: not a failure
                if cached[key]:
                    out[ref.id] = cached[key]
            else:
                todo.append(ref)
        for i in range(0, len(todo), TITLES_PER_SEARCH):
            batch = todo[i:i + TITLES_PER_SEARCH]
            term = " OR ".join(title_query(r.cited_title) for r in batch)
            try:
                res = self.esearch(term, retmax=200)
            except TransportError as exc:
                log.info("title search failed: %s", exc)
                for ref in batch:
                    self.lookup_failures[ref.id] = f"title search failed: {exc}"
                continue
            ids = list(res.get("IdList", []))
            fetched = self.fetch(ids)
            complete = search_complete(res, ids, fetched)
            records = [r.record for r in fetched.values() if r.record]
            learned: dict[str, str | None] = {}
            for ref in batch:
                pmid = best_title_match(ref, records)
                if pmid:
                    out[ref.id] = learned[ti_keys[ref.id]] = pmid
                elif complete:
                    learned[ti_keys[ref.id]] = None
                    self.lookup_failures.pop(ref.id, None)     # PubMed answered after all
                elif any(r.status == FETCH_FAILED for r in fetched.values()):
                    self.lookup_failures[ref.id] = "the records found for this citation could not be fetched"
            if self.cache is not None:
                self.cache.put_ids(learned)
        for rid in out:
            self.lookup_failures.pop(rid, None)
        return out



def search_complete(res: dict, ids: list[str], fetched: dict[str, FetchResult]) -> bool:
    """Did this search answer every term of its batch?  Only then may a miss be cached as "no match".

    A broad term ("Breast cancer.") can fill retmax on its own and push the other terms'
    hits out of IdList: their absence then says nothing.
    """
    try:
        total = int(res.get("Count", len(ids)))
    except (TypeError, ValueError):
        total = len(ids) + 1
    return total <= len(ids) and all(r.status in (RESOLVED, NOT_FOUND) for r in fetched.values())


def best_title_match(ref: Reference, records: list[Record]) -> str | None:
    return best_match(ref, records)

