"""PubMed through NCBI Entrez: batched, rate-limited, retried, cached.

``EntrezSource`` is the record source over the E-utilities (``audit.record_source``):
it fetches PMIDs, converts DOIs/PMCIDs, matches free citations, and runs the
source search's ESearch and ECitMatch, with as few requests as the E-utilities
allow.  Its parts:

* ``audit.pubmed.eutils_fetch``: efetch and epost, and what an answer's silence proves;
* ``audit.pubmed.eutils_queries``: esearch, ecitmatch, DOI/PMCID and citation look-ups;
* ``audit.pubmed.eutils_terms``: the words of those queries;
* ``audit.pubmed.eutils_answers``: the answers, read safely (Bio.Entrez for control answers).

Every request goes through the one transport (``audit.transport``): paced,
retried with backoff and Retry-After, bounded by deadlines and a size ceiling,
redirects refused, behind the endpoint's breaker, counted in the run's ledger.
This module keeps E-utilities' own rules: every request names ``tool`` and
``email`` (Biopython's conventions) and the ``api_key`` when there is one; the
rate is NCBI's cap, 3 requests a second without a key and 10 with one, for the
whole process (``audit.pubmed.ratelimit``); ecitmatch.cgi is asked by GET, the
others by POST; an NCBI error reads "NCBI error: ...".

The api_key is a secret: it is never logged, never put in an exception
message, never in ``stats()``.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable

import requests

from audit.config import EntrezConfig
from audit.models import Record
from audit.pubmed.budget import RequestLedger
from audit.pubmed.cache import RecordCache
from audit.pubmed.eutils_fetch import EfetchRecords
from audit.pubmed.eutils_queries import EutilsQueries
from audit.pubmed.local_index import LocalIndex
from audit.pubmed.ratelimit import DEFAULT_MARGIN, RequestGate, SharedGate
from audit.transport import RetryPolicy, Service, Transport, TransportError, redact
from audit.transport.answer_window import WindowedPacing, shared_window

USER_AGENT = "citeaudit (+https://pubmed.ncbi.nlm.nih.gov/; E-utilities client)"
# A server too slow to answer within the deadline: the reason's first words are its failure count key.
DEADLINE_REASON = "deadline exceeded (entrez.request_deadline or entrez.call_deadline)"


class EntrezError(TransportError):
    """The network or NCBI failed (after retries, where retrying made sense)."""


class ServiceStopped(EntrezError):
    """The endpoint's breaker is open: it is not asked again in this run (``audit.pubmed.budget``)."""


def eutils_service(cfg: EntrezConfig) -> Service:
    """What E-utilities' answers mean to the transport, and how its failures read."""
    return Service(
        error=EntrezError, stopped=ServiceStopped, refusal_prefix="NCBI error: ", refused_key="ncbi_error",
        secret=cfg.api_key.get_secret_value(),
        too_large=f"answer larger than {cfg.max_inflated_mb:g} MB (entrez.max_inflated_mb)",
        deadline_reason=DEADLINE_REASON, call_deadline_setting="entrez.call_deadline",
        redirect_note=("E-utilities requests are never re-sent elsewhere, so the api_key stays with the configured "
                       "host; set entrez.base_url to the address that answers"))


def eutils_policy(cfg: EntrezConfig) -> RetryPolicy:
    # A server that ran out the deadline twice is not given more attempts: a trickle trickles again.
    return RetryPolicy(max_retries=cfg.max_retries, backoff_base=cfg.backoff_base, backoff_max=cfg.backoff_max,
                       timeout=cfg.timeout, request_deadline=cfg.request_deadline,
                       retry_after_max=cfg.retry_after_max, retry_wait_per_run=cfg.retry_wait_per_run,
                       max_bytes=cfg.max_inflated_bytes(), call_deadline=cfg.call_deadline,
                       retry_wait_per_call=cfg.retry_wait_per_call, slow_attempts=2)


class EntrezSource(EfetchRecords, EutilsQueries):
    """PubMed over E-utilities, behind the SQLite cache and the shared rate limiter."""

    can_say_not_found = True      # PubMed's answer that it has no such record is its word
    can_search = True             # esearch and citmatch: the source search asks PubMed

    def __init__(self, cfg: EntrezConfig, cache: RecordCache | None = None, *,
                 session: requests.Session | None = None, gate: RequestGate | None = None,
                 shared_gate: SharedGate | None = None, workers: int | None = None,
                 on_batch: Callable[[list[str], list[Record]], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, ledger: RequestLedger | None = None):
        self.cfg = cfg
        self.cache = cache
        # The run's requests, budgets and breakers; shared by every source the run opens.
        self.ledger = (ledger or RequestLedger()).configure(breaker_after=cfg.breaker_after)
        self.base_url = cfg.base_url if cfg.base_url.endswith("/") else cfg.base_url + "/"
        # shared_gate: what every process of the run waits on besides its own limiter, handed in by
        # the run (flows.rate_gate when entrez.prefect_rate_limit asks for it).
        self.gate = gate or RequestGate(cfg.rate(), shared=shared_gate)
        # The gate spaces the grants; the answer window keeps a request counted until its answer is
        # back, so a request that leaves late after its grant cannot crowd NCBI's one-second count.
        pacing = WindowedPacing(self.gate, shared_window("eutils", cfg.rate(), DEFAULT_MARGIN))
        self.transport = Transport(eutils_service(cfg), eutils_policy(cfg), pacing, self.ledger,
                                   session=session, sleep=sleep)
        self.session = self.transport.session
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        # Requests in flight at once (None: as many as the pace sends in a second, at least 2): a batch's
        # request leaves at its pacing slot while earlier answers are still read and parsed, so parsing
        # never holds the next request back.  The gate, not this width, keeps the rate under the cap.
        self.workers = max(1, workers) if workers else max(2, math.ceil(cfg.rate()))
        # DOI/PMCID given, or citation key -> why its lookup failed (network/NCBI): those
        # references end fetch_failed, not "no PubMed record" (resolve.identify reads this).
        self.lookup_failures: dict[str, str] = {}
        self.on_batch = on_batch       # called after each batch is committed (tests, progress)
        self.beyond = None             # what is asked after PubMed (audit.crossref.beyond.attach)
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()
        self._index: LocalIndex | None = None       # search_index(): built once, then kept up to date
        self._indexed_upto = 0                       # the last record-cache row it holds
        self._stats: dict = {"records_fetched": 0, "not_found": 0, "fetch_failed": 0, "cache_hits": 0,
                             "cache_not_found_hits": 0, "id_cache_hits": 0, "search_cache_hits": 0}

    # -- bookkeeping -----------------------------------------------------------------
    def _bump(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._stats[key] += n

    def stats(self) -> dict:
        sent = self.transport.counts()
        with self._lock:
            mine = dict(self._stats)
        out = {k: sent[k] for k in ("requests", "attempts", "retries", "failures", "http_status")}
        out.update(mine)
        out.update(bytes=sent["bytes"], retry_wait_s=sent["retry_wait_s"])
        out["requests_total"] = sum(out["requests"].values())
        out["rate_per_s"] = self.cfg.rate()
        out["base_url"] = redact(self.base_url, self.cfg.api_key.get_secret_value())
        out["shared_rate_gate"] = self.gate.shared is not None
        out["ledger"] = self.ledger.snapshot()
        if self.cache is not None:
            c = self.cache.stats()
            out["cache"] = {k: v for k, v in c.items() if k != "path"}
        return out

    # -- one E-utility call ------------------------------------------------------------
    def call(self, endpoint: str, params: dict, parse: Callable[[bytes], object], post: bool = True):
        """``parse(body)`` of one E-utility's answer, through the transport (paced, retried, bounded, behind
        the endpoint's breaker); raises ``EntrezError``."""
        url = self.base_url + endpoint + (".cgi" if endpoint == "ecitmatch" else ".fcgi")
        full = dict(params)
        full["tool"] = self.cfg.tool
        if self.cfg.email:
            full["email"] = self.cfg.email
        key = self.cfg.api_key.get_secret_value()
        if key:
            full["api_key"] = key
        return self.transport.call(endpoint, url, full, parse, post=post)

    # -- the rest of the record-source interface ----------------------------------------
    def known_records(self) -> list[Record]:
        return self.cache.resolved_records() if self.cache is not None else []

    def search_index(self) -> LocalIndex:
        """The cached records as one index, built once for this source and brought up to date with what
        was cached since, so the chunks of a run sharing the source do not each rebuild it from the cache."""
        with self._index_lock:
            if self.cache is None:
                return LocalIndex()
            if self._index is None:
                self._index = LocalIndex()
            fresh, self._indexed_upto = self.cache.resolved_since(self._indexed_upto)
            with self._index.lock:
                self._index.add(fresh, replace=True)
            return self._index

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


__all__ = ["EntrezError", "EntrezSource", "ServiceStopped", "USER_AGENT"]
