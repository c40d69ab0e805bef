"""PMIDs -> PubMed records through efetch, and what an answer's silence proves.

The record half of ``audit.pubmed.entrez.EntrezSource`` (a mixin: it needs the
source's ``cfg``, ``cache``, ``call``, ``esearch``, ``workers``, ``on_batch``,
``_bump`` and ``_lock``):

* efetch by POST in batches of ``cfg.batch_size``; above
  ``cfg.history_threshold`` PMIDs, one epost then efetch pages from the
  history server (WebEnv/query_key/retstart/retmax);
* a PMID ends ``resolved``, ``not_found`` (PubMed answered, twice, without it:
  a consistent efetch answer left it out and esearch ``[uid]`` does not list
  it) or ``fetch_failed`` (no usable answer) -- never a guess.
"""
from __future__ import annotations

import contextvars
import logging
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Iterable, Sequence

from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED, FetchResult, Record, is_pmid
from audit.pubmed.budget import RECORDS, requests_for
from audit.pubmed.eutils_answers import check_consistent, read_control, read_efetch
from audit.pubmed.eutils_terms import TERMS_PER_SEARCH
from audit.transport import Retry, TransportError, redact

log = logging.getLogger("audit.pubmed.entrez")


class EfetchRecords:
    """``fetch(pmids)`` over efetch/epost, behind the record cache."""

    # -- fetch -------------------------------------------------------------------------
    def fetch(self, pmids: Sequence[str]) -> dict[str, FetchResult]:
        # Record look-ups, wherever they are asked from (a search's hits too): the records' budgets.
        with requests_for(RECORDS):
            return self._fetch(pmids)

    def _fetch(self, pmids: Sequence[str]) -> dict[str, FetchResult]:
        wanted = list(dict.fromkeys(str(p).strip() for p in pmids if str(p).strip()))
        results: dict[str, FetchResult] = {}
        valid = []
        for p in wanted:
            if is_pmid(p):
                valid.append(p)
            else:
                results[p] = FetchResult(p, NOT_FOUND, None, f"{p!r} is not a PMID")
        todo = valid
        if self.cache is not None and valid:
            cached = self.cache.get_many(valid)
            for p, e in cached.items():
                if e.status == RESOLVED and e.record is not None:
                    results[p] = FetchResult(p, RESOLVED, e.record)
                    self._bump("cache_hits")
                else:
                    results[p] = FetchResult(p, NOT_FOUND, None, "PubMed has no such record (cached answer)")
                    self._bump("cache_not_found_hits")
            todo = [p for p in valid if p not in cached]
        if not todo:
            return {p: results[p] for p in wanted}

        got: dict[str, Record] = {}
        failed: dict[str, str] = {}
        if len(todo) > self.cfg.history_threshold:
            self._fetch_history(todo, got)
        rest = [p for p in todo if p not in got]
        batches = [rest[i:i + self.cfg.batch_size] for i in range(0, len(rest), self.cfg.batch_size)]
        empty: list[str] = []
        self._run_batches(batches, got, failed, empty)
        if not got:        # no answer of this call held a record: check the empty ones beside a known one
            self._check_empty(empty, next((p for p, r in results.items() if r.status == RESOLVED), None),
                              got, failed)
        # Left out of a consistent efetch answer: only PubMed's own word makes a PMID not_found.
        missing = [p for p in todo if p not in got and p not in failed]
        for p, reason in self._confirm_missing(missing, got, failed).items():
            if self.cache is not None:
                self.cache.put_many(not_found=[p])
            results[p] = FetchResult(p, NOT_FOUND, None, reason)
            self._bump("not_found")
        for p, rec in got.items():
            results[p] = FetchResult(p, RESOLVED, rec)
        for p, why in failed.items():
            if p not in got:
                results[p] = FetchResult(p, FETCH_FAILED, None, why)
                self._bump("fetch_failed")
        return {p: results[p] for p in wanted}

    def _confirm_missing(self, missing: list[str], got: dict, failed: dict) -> dict[str, str]:
        """PMIDs no efetch answer held: ask esearch whether PubMed has them.

        An efetch answer can lack a record for reasons of its own (a dropped record,
        an empty or wrong set from a sick server), so its silence proves nothing.
        esearch on ``NNN[uid]`` answers for each PMID: the ones it does not list are
        ``not_found`` (returned, with the reason); the ones it lists are asked alone,
        retried while the answer lacks them, and end ``fetch_failed`` if it never
        comes -- never cached as absent.
        """
        absent: dict[str, str] = {}
        for i in range(0, len(missing), TERMS_PER_SEARCH):
            chunk = missing[i:i + TERMS_PER_SEARCH]
            try:
                res = self.esearch(" OR ".join(f"{p}[uid]" for p in chunk), retmax=len(chunk), cached=False)
                listed = {str(x) for x in res["IdList"]}
                complete = int(res.get("Count", len(listed))) <= len(listed)
            except TransportError as exc:
                for p in chunk:
                    failed[p] = f"left out of the efetch answer, and the check failed: {exc}"
                continue
            except (KeyError, TypeError, ValueError):
                for p in chunk:
                    failed[p] = "left out of the efetch answer, and the esearch check answered no IdList"
                continue
            for p in chunk:
                if p not in listed:
                    if complete:
                        absent[p] = "PubMed has no such record (efetch left it out; esearch does not list it)"
                    else:
                        failed[p] = "left out of the efetch answer; esearch answer incomplete"
                    continue
                try:
                    got.update(self._efetch_ids([p], require=True))
                except TransportError as exc:
                    failed[p] = f"PubMed lists this PMID but efetch did not return it: {exc}"
        return absent

    def _check_empty(self, empty: list[str], known: str | None, got: dict, failed: dict) -> None:
        """PMIDs whose efetch answer held no record at all: ask again beside a record known to exist.

        PubMed answers an empty set for ids it lacks, and so does a sick server for ids it
        has; only an answer that returns the known record and leaves these out is one whose
        silence the esearch check may confirm (called when no other answer of the same
        fetch held a record: one that did shows the server is answering).  With no known record at hand (a fresh cache,
        every reference absent) or when even the known one is missing, nothing is absent:
        ``fetch_failed``, not cached.
        """
        if not empty:
            return
        if known is None and self.cache is not None:
            known = self.cache.any_resolved_pmid()
        if known is None:
            for p in empty:
                failed[p] = ("efetch answered an empty set, and no record known to exist was at hand to "
                             "check that answer: absence not confirmed")
            return
        size = max(1, self.cfg.batch_size - 1)
        for i in range(0, len(empty), size):
            chunk = empty[i:i + size]
            try:
                found = self._efetch_ids([known] + chunk, need=[known])
            except TransportError as exc:
                for p in chunk:
                    failed[p] = f"efetch answered an empty set, and the check beside a known record failed: {exc}"
                continue
            with self._lock:
                got.update({p: r for p, r in found.items() if p in chunk})

    def _commit(self, asked: Iterable[str], found: list[tuple[Record, bytes]]) -> dict[str, Record]:
        asked = set(asked)
        keep = [(r, x) for r, x in found if r.pmid in asked]
        if self.cache is not None and keep:
            self.cache.put_many(keep)
        self._bump("records_fetched", n=len(keep))
        return {r.pmid: r for r, _ in keep}

    def _efetch_ids(self, ids: list[str], require: bool = False, need: Sequence[str] = ()) -> dict[str, Record]:
        """efetch by id; ``require``: an answer lacking any of ``ids`` is a fault, retried
        (``need``: lacking any of those).  An answer holding a record that was not asked
        for is a fault too: it is not PubMed answering this question."""
        limit = self.cfg.max_inflated_bytes()
        must = set(ids) if require else set(need)

        def parse(body: bytes) -> list[tuple[Record, bytes]]:
            found = read_efetch(body, limit)
            check_consistent(ids, found)
            lacking = must - {r.pmid for r, _ in found}
            if lacking:
                raise Retry(f"answer lacks {len(lacking)} of the {len(ids)} asked records")
            return found

        found = self.call("efetch", {"db": "pubmed", "id": ",".join(ids), "retmode": "xml"}, parse)
        return self._commit(ids, found)

    def _run_batches(self, batches: list[list[str]], got: dict, failed: dict, empty: list[str]) -> None:
        def one(ids: list[str]) -> None:
            try:
                found = self._efetch_ids(ids)
            except TransportError as exc:
                # A stopped efetch (its breaker open) is a fault like any other: absence is only
                # concluded from a consistent efetch answer, never from esearch alone.
                with self._lock:
                    for p in ids:
                        failed[p] = str(exc)
                return
            with self._lock:
                got.update(found)
                if not found:
                    empty.extend(ids)
            if self.on_batch:
                self.on_batch(ids, list(found.values()))

        self._parallel(one, batches)

    def _parallel(self, fn, jobs: list) -> None:
        if len(jobs) <= 1 or self.workers == 1:
            for j in jobs:
                fn(j)
            return
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="entrez") as pool:
            # Each job in a copy of this context: its requests count for the same purpose and article.
            futures = [pool.submit(contextvars.copy_context().run, fn, j) for j in jobs]
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for f in pending:
                f.cancel()
            for f in futures:
                if f.done() and not f.cancelled() and f.exception() is not None:
                    raise f.exception()

    def _fetch_history(self, todo: list[str], got: dict) -> None:
        """epost the PMIDs once, then efetch pages from the history server.

        Pages that fail are not retried here: their PMIDs fall through to the
        id batches, where a failure is attributable to known PMIDs.
        """
        try:
            posted = self.call("epost", {"db": "pubmed", "id": ",".join(todo)}, read_control)
            webenv, query_key = posted["WebEnv"], posted["QueryKey"]
        except (TransportError, KeyError, TypeError) as exc:
            log.info("epost failed, falling back to id batches: %s", redact(str(exc), self.cfg.api_key.get_secret_value()))
            return
        size = self.cfg.batch_size
        limit = self.cfg.max_inflated_bytes()

        def page(start: int) -> None:
            params = {"db": "pubmed", "WebEnv": webenv, "query_key": query_key,
                      "retstart": start, "retmax": size, "retmode": "xml"}
            def parse(body: bytes) -> list[tuple[Record, bytes]]:
                found = read_efetch(body, limit)
                check_consistent(todo, found)
                return found

            try:
                found = self._commit(todo, self.call("efetch", params, parse))
            except TransportError as exc:
                log.info("history page %d failed: %s", start, exc)
                return
            with self._lock:
                got.update(found)
            if self.on_batch:
                self.on_batch(list(found), list(found.values()))

        self._parallel(page, list(range(0, len(todo), size)))

