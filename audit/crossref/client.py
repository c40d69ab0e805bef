"""Crossref's REST API: works by DOI and by citation, paced as Crossref asks, retried, cached.

Etiquette (Crossref's "REST API tips" and rate-limit pages):

* every request names the tool and, with ``crossref.mailto`` (or
  ``CROSSREF_MAILTO``), a contact address in the User-Agent
  (``citeaudit/1 (...; mailto:you@example.org)``): that puts it in the
  "polite" pool; without one it is in the public pool;
* the pace is what Crossref's answers announce: ``x-ratelimit-limit`` requests
  per ``x-ratelimit-interval`` and at most ``x-concurrency-limit`` requests in
  flight.  Before the first answer it starts at the documented pool limits
  (public: 5/s, one at a time; polite: 10/s, three at a time);
  ``crossref.requests_per_second`` caps it lower still;
* 429 and 5xx are retried with exponential backoff and jitter, honouring
  ``Retry-After`` (bounded by ``retry_after_max`` and a per-run wait budget).

Requests go through the same pieces as E-utilities: the process-wide rate
limiter class (``audit/pubmed/ratelimit.py``) and the wall-clock deadline
adapter of ``audit/pubmed/entrez.py`` (a server trickling bytes is cut off at
``request_deadline``).  The answers' meaning is Crossref's own, so this module
reads them: a 404 on ``/works/{doi}`` is Crossref saying it holds no such DOI
(``not_found``, cached); a 400, any other 4xx, a 200 whose body is not a JSON
work and an answer cut short are faults (``fetch_failed``), never absence.

Answers are cached in SQLite through ``audit/storage.py`` (``CrossrefCache``)
with a time-to-live, so an unchanged re-run sends no request.
"""
from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import quote

import requests
import urllib3.exceptions

from audit.config import CrossrefConfig
from audit.crossref.works import CrossrefFault, read_error, read_work, read_work_list, work_record
from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED, FetchResult, Record, Reference, from_dict, to_dict
from audit.pubmed.entrez import READ_CHUNK, _DEADLINE, _DeadlineAdapter, _guard_third_party_logs, _retry_after, clean_doi
from audit.pubmed.ratelimit import RateLimiter
from audit.storage import Schema, SharedConnection

log = logging.getLogger("audit.crossref")

TOOL = "citeaudit/1 (https://github.com/citeaudit; citation verification)"
PUBLIC_POOL = (5.0, 1)      # requests per second, in flight: Crossref's documented public-pool limits
POLITE_POOL = (10.0, 3)


class CrossrefError(Exception):
    """Crossref could not be asked, or answered with something that is not an answer (after retries)."""


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


@dataclass
class Answer:
    status: int
    body: bytes


def user_agent(mailto: str) -> str:
    return f"{TOOL[:-1]}; mailto:{mailto})" if mailto else TOOL


def announced_rate(headers) -> float | None:
    """Requests per second from ``x-ratelimit-limit`` / ``x-ratelimit-interval`` (either spelling), or None."""
    limit = headers.get("x-ratelimit-limit") or headers.get("x-rate-limit-limit")
    interval = headers.get("x-ratelimit-interval") or headers.get("x-rate-limit-interval") or "1s"
    try:
        n = float(str(limit).strip())
        iv = str(interval).strip().lower()
        secs = float(iv[:-1]) * {"s": 1, "m": 60, "h": 3600}[iv[-1]] if iv[-1:] in "smh" else float(iv)
    except (TypeError, ValueError, KeyError):
        return None
    return n / secs if n > 0 and secs > 0 else None


def announced_concurrency(headers) -> int | None:
    v = headers.get("x-concurrency-limit") or headers.get("x-ratelimit-concurrency")
    try:
        n = int(str(v).strip())
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


class Pace:
    """Crossref's announced limits, applied to every request of this process: rate and requests in flight."""

    def __init__(self, polite: bool, cap: float = 0.0, sleep: Callable[[float], None] = time.sleep):
        rate, inflight = POLITE_POOL if polite else PUBLIC_POOL
        self.cap = cap
        self._sleep = sleep
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.inflight_limit = inflight
        self._inflight = 0
        self.limiter = RateLimiter(self._capped(rate), sleep=sleep)
        self.max_inflight_seen = 0

    def _capped(self, rate: float) -> float:
        return min(rate, self.cap) if self.cap > 0 else rate

    def acquire(self) -> None:
        with self._cond:
            while self._inflight >= self.inflight_limit:
                self._cond.wait(0.5)
            self._inflight += 1
            self.max_inflight_seen = max(self.max_inflight_seen, self._inflight)
            limiter = self.limiter
        limiter.acquire()

    def release(self) -> None:
        with self._cond:
            self._inflight -= 1
            self._cond.notify_all()

    def learn(self, headers) -> None:
        """Follow what an answer announces (a new limit replaces the old at once)."""
        rate, inflight = announced_rate(headers), announced_concurrency(headers)
        with self._cond:
            if rate is not None and abs(self._capped(rate) - self.limiter.rate) > 1e-9:
                self.limiter = RateLimiter(self._capped(rate), sleep=self._sleep)
            if inflight is not None and inflight != self.inflight_limit:
                self.inflight_limit = inflight
                self._cond.notify_all()

    @property
    def rate(self) -> float:
        return self.limiter.rate


# ---------------------------------------------------------------------------
# Cache

SCHEMA = Schema(
    kind="Crossref cache",
    application_id=0x43524346,   # "CRCF"
    migrations=(
        """
        CREATE TABLE IF NOT EXISTS works (
            doi TEXT PRIMARY KEY,            -- lower-case DOI
            status TEXT NOT NULL,            -- resolved | not_found (Crossref's 404)
            fields TEXT,                     -- JSON of models.Record, for resolved rows
            fetched_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS searches (
            key TEXT PRIMARY KEY,            -- the query.bibliographic text asked
            doi TEXT,                        -- NULL: Crossref answered, nothing matched
            fields TEXT,                     -- JSON of the matched Record
            fetched_at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS works_age ON works (fetched_at);
        CREATE INDEX IF NOT EXISTS searches_age ON searches (fetched_at)
        """,
    ),
    disposable=True,
)


class CrossrefCache:
    """What Crossref said about a DOI or a citation, for ``ttl_days`` (faults are never stored)."""

    def __init__(self, path: str, ttl_days: float = 7.0):
        self.path = str(path)
        self.ttl = float(ttl_days) * 86400.0
        self._db = SharedConnection(Path(self.path).expanduser(), SCHEMA)

    def _fresh(self) -> float:
        return time.time() - self.ttl

    def get_works(self, dois: Sequence[str]) -> dict[str, tuple[str, Record | None]]:
        out = {}
        keys = [d.lower() for d in dois]
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self._db.guarded(lambda: self._db.read(
                f"SELECT doi, status, fields, fetched_at FROM works WHERE doi IN ({','.join('?' * len(chunk))})",
                chunk))
            for doi, status, fields, at in rows:
                if at > self._fresh():
                    out[doi] = (status, from_dict(Record, json.loads(fields)) if fields else None)
        return out

    def put_work(self, doi: str, status: str, rec: Record | None) -> None:
        row = (doi.lower(), status, json.dumps(to_dict(rec), ensure_ascii=False) if rec else None, time.time())

        def run():
            with self._db.write() as con:
                con.execute("INSERT OR REPLACE INTO works VALUES (?, ?, ?, ?)", row)
        self._db.guarded(run)

    def get_search(self, key: str) -> tuple[bool, Record | None]:
        rows = self._db.guarded(lambda: self._db.read(
            "SELECT doi, fields, fetched_at FROM searches WHERE key = ?", (key,)))
        if rows and rows[0][2] > self._fresh():
            return True, (from_dict(Record, json.loads(rows[0][1])) if rows[0][1] else None)
        return False, None

    def put_search(self, key: str, rec: Record | None) -> None:
        row = (key, rec.doi if rec else None, json.dumps(to_dict(rec), ensure_ascii=False) if rec else None,
               time.time())

        def run():
            with self._db.write() as con:
                con.execute("INSERT OR REPLACE INTO searches VALUES (?, ?, ?, ?)", row)
        self._db.guarded(run)

    def close(self) -> None:
        self._db.close()


# ---------------------------------------------------------------------------
# The source


class CrossrefSource:
    """Crossref as a record source: ``fetch(dois)``, ``match_citations(refs)``; notices ride on the records."""

    def __init__(self, cfg: CrossrefConfig, cache: CrossrefCache | None = None, *,
                 session: requests.Session | None = None, workers: int = 3,
                 sleep: Callable[[float], None] = time.sleep):
        self.cfg = cfg
        self.cache = cache
        _guard_third_party_logs()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent(cfg.mailto)
        self.session.headers["Accept"] = "application/json"
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _DeadlineAdapter())
        self.pace = Pace(bool(cfg.mailto), cfg.requests_per_second, sleep)
        self.workers = max(1, workers)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.lookup_failures: dict[str, str] = {}
        self._stats = {"requests": 0, "attempts": 0, "retries": 0, "http_status": {}, "cache_hits": 0,
                       "not_found": 0, "fetch_failed": 0, "retry_wait_s": 0.0}

    # -- bookkeeping ----------------------------------------------------------------
    def _bump(self, key: str, sub: str | None = None, n: float = 1) -> None:
        with self._lock:
            if sub is None:
                self._stats[key] += n
            else:
                self._stats[key][sub] = self._stats[key].get(sub, 0) + n

    def stats(self) -> dict:
        with self._lock:
            out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self._stats.items()}
        out.update(source="crossref", base_url=self.cfg.base_url, pool="polite" if self.cfg.mailto else "public",
                   rate_per_s=self.pace.rate, inflight_limit=self.pace.inflight_limit)
        return out

    # -- one request ------------------------------------------------------------------
    def _read_body(self, resp: requests.Response, deadline: float) -> bytes:
        limit = int(self.cfg.max_answer_mb * 1024 * 1024)
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise _Retry(f"deadline exceeded ({self.cfg.request_deadline:g} s for one request)")
            chunk = resp.raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise CrossrefError(f"answer larger than {self.cfg.max_answer_mb:g} MB")
            chunks.append(chunk)

    def get(self, path: str, params: dict | None = None) -> Answer:
        """GET ``path`` (paced, retried); 200 and 404 are answers, anything else after retries a CrossrefError."""
        url = self.cfg.base_url + path
        tries = self.cfg.max_retries + 1
        reason = "no attempt made"
        for attempt in range(tries):
            self.pace.acquire()
            self._bump("attempts")
            if attempt:
                self._bump("retries")
            else:
                self._bump("requests")
            resp, retry_after, body_read = None, None, False
            deadline = time.monotonic() + self.cfg.request_deadline
            try:
                _DEADLINE.at = deadline
                try:
                    resp = self.session.get(url, params=params, stream=True, allow_redirects=False,
                                            timeout=min(self.cfg.timeout, self.cfg.request_deadline))
                finally:
                    _DEADLINE.at = None
                self._bump("http_status", str(resp.status_code))
                self.pace.learn(resp.headers)
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise _Retry(f"HTTP {resp.status_code}", _retry_after(resp.headers.get("Retry-After")))
                body = self._read_body(resp, deadline)
                body_read = True
                if resp.status_code in (200, 404):
                    return Answer(resp.status_code, body)
                # 400 (a request Crossref refuses), 401/403, a redirect: the same request fails again.
                raise CrossrefError(f"HTTP {resp.status_code}: {read_error(body)}")
            except (requests.Timeout, urllib3.exceptions.ReadTimeoutError, socket.timeout):
                reason = "timeout"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    urllib3.exceptions.ProtocolError, ConnectionError) as exc:
                reason = ("deadline exceeded" if time.monotonic() >= deadline
                          else f"connection error ({type(exc).__name__})")
            except _Retry as exc:
                reason, retry_after = exc.reason, exc.retry_after
            except requests.RequestException as exc:
                raise CrossrefError(f"request failed ({type(exc).__name__})") from None
            finally:
                self.pace.release()
                if resp is not None:
                    resp.raw.release_conn() if body_read else resp.close()
            if attempt + 1 >= tries:
                break
            cap = min(self.cfg.backoff_max, self.cfg.backoff_base * (2 ** attempt))
            delay = cap / 2 + random.uniform(0, cap / 2)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.cfg.retry_after_max))
            with self._lock:
                spent = self._stats["retry_wait_s"]
            if spent + delay > self.cfg.retry_wait_per_run:
                raise CrossrefError(f"gave up after {attempt + 1} attempts (retry-wait budget spent): {reason}")
            log.info("crossref %s: %s; retry %d/%d in %.2fs", path, reason, attempt + 1, tries - 1, delay)
            self._bump("retry_wait_s", n=delay)
            self._sleep(delay)
        raise CrossrefError(f"failed after {tries} attempts: {reason}")

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
        """DOI (as given) -> resolved (Crossref's record), not_found (Crossref's 404) or fetch_failed."""
        wanted = {d: clean_doi(d) for d in dict.fromkeys(dois) if clean_doi(d)}
        out: dict[str, FetchResult] = {}
        cached = self.cache.get_works(list(wanted.values())) if self.cache is not None else {}
        todo = []
        for given, doi in wanted.items():
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

    # -- works by citation --------------------------------------------------------------------
    def search(self, text: str) -> list[tuple[Record, float]]:
        ans = self.get("works", {"query.bibliographic": text[:500], "rows": self.cfg.search_rows})
        if ans.status != 200:
            raise CrossrefError(f"HTTP {ans.status} for a work search")
        try:
            return read_work_list(ans.body)
        except CrossrefFault as exc:
            raise CrossrefError(f"search answer was not a work-list ({exc})") from None

    def match_citations(self, refs: Sequence[Reference], accept: Callable[[Reference, Record], bool]) -> dict[str, Record]:
        """ref.id -> the Crossref work its citation text finds, when ``accept`` agrees it is that work."""
        out: dict[str, Record] = {}

        def one(ref: Reference) -> None:
            key = " ".join((ref.raw or ref.cited_title or "").split())[:500]
            if not key:
                return
            if self.cache is not None:
                hit, rec = self.cache.get_search(key)
                if hit:
                    self._bump("cache_hits")
                    if rec is not None:
                        out[ref.id] = rec
                    return
            try:
                found = self.search(key)
            except CrossrefError as exc:
                self.lookup_failures[ref.id] = f"Crossref search failed: {exc}"
                return
            best = next((rec for rec, _ in found if accept(ref, rec)), None)
            if self.cache is not None:
                self.cache.put_search(key, best)
            if best is not None:
                out[ref.id] = best

        if refs:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(refs)), thread_name_prefix="crossref") as pool:
                list(pool.map(one, refs))
        return out

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


def open_crossref(cfg: CrossrefConfig) -> CrossrefSource:
    return CrossrefSource(cfg, CrossrefCache(cfg.cache_path, cfg.cache_ttl_days))


__all__ = ["CrossrefSource", "CrossrefCache", "CrossrefError", "Pace", "open_crossref", "work_record",
           "announced_rate", "announced_concurrency", "user_agent"]
