"""Crossref's REST API as a record source: works by DOI and by citation, paced as Crossref asks, cached.

Crossref's own rules (its "REST API tips" and rate-limit pages), the rest being
the one transport's (``audit.transport``: retries with backoff and Retry-After,
deadlines, redirects refused, size ceiling, counted in a ledger):

* every request names the tool and, with ``crossref.mailto`` (or
  ``CROSSREF_MAILTO``), a contact address in the User-Agent
  (``citeaudit/1 (...; mailto:you@example.org)``): that puts it in the
  "polite" pool; without one it is in the public pool;
* the pace is what Crossref's answers announce (``audit.crossref.pace``:
  ``x-ratelimit-limit`` per ``x-ratelimit-interval``, ``x-concurrency-limit``
  in flight), from the documented pool limits before the first answer;
* 429 and 5xx are retried, honouring ``Retry-After`` (bounded by
  ``retry_after_max`` and a per-run wait budget);
* a 404 on ``/works/{doi}`` is Crossref saying it holds no such DOI
  (``not_found``, cached); a 400, any other 4xx, a redirect, a 200 whose body is
  not a JSON work and an answer cut short are faults (``fetch_failed``), never
  absence.

Answers are cached in SQLite (``audit.crossref.cache``) with a time-to-live, so
an unchanged re-run sends no request.  The run's E-utilities ledger is not
Crossref's: its requests are counted in a ledger of its own, whose breaker
never opens (as before the one transport; ``RequestLedger(breaker_after=...)``
is where one would turn it on).
"""
from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence
from urllib.parse import quote

import requests

from audit.config import CrossrefConfig
from audit.crossref.cache import CrossrefCache
from audit.crossref.pace import Pace, announced_concurrency, announced_rate
from audit.pubmed.local_index import LocalIndex
from audit.crossref.works import CrossrefFault, accepts, read_error, read_work, read_work_list, work_record
from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED, FetchResult, Record, Reference
from audit.pubmed.budget import RequestLedger
from audit.pubmed.eutils_terms import clean_doi
from audit.transport import Answer, RetryPolicy, Service, Transport, TransportError

TOOL = "citeaudit/1 (https://github.com/citeaudit; citation verification)"


class CrossrefError(TransportError):
    """Crossref could not be asked, or answered with something that is not an answer (after retries)."""


def user_agent(mailto: str) -> str:
    return f"{TOOL[:-1]}; mailto:{mailto})" if mailto else TOOL


def crossref_service(cfg: CrossrefConfig) -> Service:
    """What Crossref's answers mean to the transport: 200 and 404 are answers; a refusal says why in its body."""
    return Service(
        error=CrossrefError, stopped=CrossrefError, answers=lambda status: status in (200, 404),
        read_refusal=read_error, endpoint_in_errors=False,
        too_large=f"answer larger than {cfg.max_answer_mb:g} MB (crossref.max_answer_mb)",
        deadline_reason=f"deadline exceeded ({cfg.request_deadline:g} s for one request)",
        redirect_note="Crossref requests are never re-sent elsewhere; set crossref.base_url to the address that answers")


def crossref_policy(cfg: CrossrefConfig) -> RetryPolicy:
    # No call deadline nor per-call wait budget: each request has its deadline, the run its wait budget.
    return RetryPolicy(max_retries=cfg.max_retries, backoff_base=cfg.backoff_base, backoff_max=cfg.backoff_max,
                       timeout=min(cfg.timeout, cfg.request_deadline), request_deadline=cfg.request_deadline,
                       retry_after_max=cfg.retry_after_max, retry_wait_per_run=cfg.retry_wait_per_run,
                       max_bytes=int(cfg.max_answer_mb * 1024 * 1024), call_deadline=math.inf)


class CrossrefSource:
    """Crossref as a record source (``audit.record_source``): its ids are DOIs; notices ride on the records."""

    can_say_not_found = True      # Crossref's 404: the DOI's registry holds no such DOI
    can_search = False            # the source search asks PubMed only

    def __init__(self, cfg: CrossrefConfig, cache: CrossrefCache | None = None, *,
                 session: requests.Session | None = None, workers: int = 3,
                 sleep: Callable[[float], None] = time.sleep):
        self.cfg = cfg
        self.cache = cache
        self.pace = Pace(bool(cfg.mailto), cfg.requests_per_second, sleep)
        self.transport = Transport(crossref_service(cfg), crossref_policy(cfg), self.pace,
                                   RequestLedger(breaker_after=0), session=session, sleep=sleep)
        self.session = self.transport.session
        self.session.headers["User-Agent"] = user_agent(cfg.mailto)
        self.session.headers["Accept"] = "application/json"
        self.workers = max(1, workers)
        self.lookup_failures: dict[str, str] = {}
        self.beyond = None
        self._lock = threading.Lock()
        self._matched: dict[str, Record] = {}      # lower-case DOI -> the work a citation search matched
        self._stats = {"cache_hits": 0, "not_found": 0, "fetch_failed": 0}

    # -- bookkeeping ----------------------------------------------------------------
    def _bump(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._stats[key] += n

    def stats(self) -> dict:
        sent = self.transport.counts()
        with self._lock:
            mine = dict(self._stats)
        out = {"requests": sent["calls"], "attempts": sent["attempts"], "retries": sent["retries"],
               "http_status": sent["http_status"], **mine, "retry_wait_s": sent["retry_wait_s"]}
        out.update(source="crossref", base_url=self.cfg.base_url, pool="polite" if self.cfg.mailto else "public",
                   rate_per_s=self.pace.rate, inflight_limit=self.pace.inflight_limit)
        return out

    # -- one request ------------------------------------------------------------------
    def get(self, path: str, params: dict | None = None) -> Answer:
        """GET ``path`` through the transport; 200 and 404 are answers, anything else after retries a CrossrefError."""
        return self.transport.call("works", self.cfg.base_url + path, params or {}, label=f"crossref {path}")

    # -- works by DOI -------------------------------------------------------------------
    def _work(self, doi: str) -> FetchResult:
        try:
            ans = self.get("works/" + quote(doi, safe="/:;()"))
            if ans.status == 404:
                self._bump("not_found")
                if self.cache is not None:
                    self.cache.put_work(doi, NOT_FOUND, None)
                return FetchResult(doi, NOT_FOUND, None, f"Crossref has no DOI {doi} ({read_error(ans.body)})")
            rec = read_work(ans.body)
        except CrossrefFault as exc:
            self._bump("fetch_failed")
            return FetchResult(doi, FETCH_FAILED, None, f"Crossref's answer for DOI {doi} was not a work ({exc})")
        except CrossrefError as exc:
            self._bump("fetch_failed")
            return FetchResult(doi, FETCH_FAILED, None, f"Crossref could not be asked about DOI {doi}: {exc}")
        if self.cache is not None:
            self.cache.put_work(doi, RESOLVED, rec)
        return FetchResult(doi, RESOLVED, rec)

    def fetch(self, dois: Sequence[str]) -> dict[str, FetchResult]:
        """DOI (as given) -> resolved (Crossref's record), not_found (Crossref's 404) or fetch_failed.

        A work this source's citation search matched is answered from that match (no request)."""
        wanted = {d: clean_doi(d) for d in dict.fromkeys(dois) if clean_doi(d)}
        out: dict[str, FetchResult] = {}
        with self._lock:
            matched = {doi: self._matched[doi.lower()] for doi in wanted.values() if doi.lower() in self._matched}
        cached = self.cache.get_works([d for d in wanted.values() if d not in matched]) \
            if self.cache is not None else {}
        todo = []
        for given, doi in wanted.items():
            if doi in matched:
                out[given] = FetchResult(given, RESOLVED, matched[doi])
                continue
            hit = cached.get(doi.lower())
            if hit is not None:
                self._bump("cache_hits")
                status, rec = hit
                out[given] = FetchResult(given, status, rec, "" if rec else f"Crossref has no DOI {doi} (cached answer)")
            else:
                todo.append(given)
        if todo:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(todo)), thread_name_prefix="crossref") as pool:
                for given, res in zip(todo, pool.map(lambda g: self._work(wanted[g]), todo)):
                    out[given] = FetchResult(given, res.status, res.record, res.reason)
        return out

    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]:
        return {}                # Crossref holds no PMIDs: a DOI is its own identifier here

    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]:
        return {}                # Crossref holds no PMIDs: a DOI is its own identifier here

    # -- works by citation --------------------------------------------------------------------
    def search(self, text: str) -> list[tuple[Record, float]]:
        ans = self.get("works", {"query.bibliographic": text[:500], "rows": self.cfg.search_rows})
        if ans.status != 200:
            raise CrossrefError(f"HTTP {ans.status} for a work search")
        try:
            return read_work_list(ans.body)
        except CrossrefFault as exc:
            raise CrossrefError(f"search answer was not a work-list ({exc})") from None

    def match_citations(self, refs: Sequence[Reference]) -> dict[str, str]:
        """ref.id -> the DOI of the Crossref work its citation text finds, when ``accepts`` agrees it is that
        work (its title, and year within one); ``fetch`` then answers that DOI with the work found."""
        out: dict[str, str] = {}

        def one(ref: Reference) -> None:
            key = " ".join((ref.raw or ref.cited_title or "").split())[:500]
            if not key:
                return
            if self.cache is not None:
                hit, rec = self.cache.get_search(key)
                if hit:
                    self._bump("cache_hits")
                    if rec is not None:
                        self._found(ref, rec, out)
                    return
            try:
                found = self.search(key)
            except CrossrefError as exc:
                self.lookup_failures[ref.id] = f"Crossref search failed: {exc}"
                return
            best = next((rec for rec, _ in found if accepts(ref, rec)), None)
            if self.cache is not None:
                self.cache.put_search(key, best)
            if best is not None:
                self._found(ref, best, out)

        if refs:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(refs)), thread_name_prefix="crossref") as pool:
                list(pool.map(one, refs))
        return out

    def _found(self, ref: Reference, rec: Record, out: dict[str, str]) -> None:
        with self._lock:
            self._matched[clean_doi(rec.doi).lower()] = rec
            out[ref.id] = rec.doi

    # -- the rest of the record-source interface ----------------------------------------
    def known_records(self) -> list[Record]:
        return []                # nothing is held beyond this run's answers

    def search_index(self) -> LocalIndex:
        return LocalIndex(self.known_records())

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


def open_crossref(cfg: CrossrefConfig) -> CrossrefSource:
    return CrossrefSource(cfg, CrossrefCache(cfg.cache_path, cfg.cache_ttl_days))


__all__ = ["CrossrefSource", "CrossrefCache", "CrossrefError", "Pace", "open_crossref", "work_record",
           "announced_rate", "announced_concurrency", "user_agent"]
