"""What one run asks of E-utilities: every request counted, the search's own budget, a breaker per service.

A ``RequestLedger`` belongs to a run (``ledger_for(token)``: every record
source the run opens in this process shares it).  ``audit.transport.Transport.call``
notes each HTTP request in it, by endpoint, by purpose and by article:

* purpose ``records``: looking records up (efetch, epost, the ``[uid]`` checks,
  DOI/PMCID and citation look-ups);
* purpose ``search``: the source search of ``audit.sources`` (ESearch and
  ECitMatch for a claim's words and cues).  The records a search finds are
  fetched as ``records``: a search never spends the records' retry budget,
  and record look-ups never wait for the search's.

The search has a request budget of its own, per article and per run
(``sources.requests_per_article``, ``sources.requests_per_run``): a query it
would send past either is not sent, and the search says so.  The budget counts
queries, whether the cache answers them or PubMed does, so an article's search
is the same whatever the cache holds: a run over a warm cache asks exactly the
cached queries again, and sends nothing.  Retry waits are
budgeted per purpose (``entrez.retry_wait_per_run`` each), so searches that
meet a sick server cannot spend the waits the records' own re-checks need.

A breaker per endpoint stops a run from asking a service that keeps failing:
after ``entrez.breaker_after`` unusable answers in a row (an HTTP 200 whose
body cannot be read: empty, cut, not the answer asked for) or as many calls in
a row that failed after their retries, the endpoint is not asked again in this
run; its callers get the service's error (``EntrezError``) at once, so the references it would
have answered end ``fetch_failed`` (never ``not_found``) and the run goes on.
Any usable answer closes it again.
"""
from __future__ import annotations

import os
import threading
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

RECORDS, SEARCH = "records", "search"      # what a request is for
RUN = "(run)"                              # requests of no one article: the run's batched record look-ups

# The reason spend_search gives when the run's budget, not the article's, is spent: a query held back for
# it may be sent on a later run (audit.sources.held_by_run); one the article's own budget held back would
# be held back again (the budget counts cached queries too).
RUN_BUDGET_SPENT = "the run's search budget is spent"


class SearchNotSent(Exception):
    """A source-search query the search's budget does not allow: it is not sent, and the search says so."""


# (purpose, article id) of the requests the current thread or task sends.
_CONTEXT: ContextVar[tuple[str, str]] = ContextVar("citeaudit_request_context", default=(RECORDS, RUN))


@contextmanager
def requests_for(purpose: str | None = None, article: str | None = None):
    """Requests sent inside are counted for ``purpose`` and ``article`` (None: keep the current one)."""
    cur_purpose, cur_article = _CONTEXT.get()
    token = _CONTEXT.set((purpose or cur_purpose, article or cur_article))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current() -> tuple[str, str]:
    return _CONTEXT.get()


@dataclass
class Breaker:
    """One endpoint's run of failures; open (not asked again this run) at ``after`` in a row."""

    after: int
    unusable: int = 0          # HTTP 200 answers in a row that could not be read
    failed_calls: int = 0      # calls in a row that failed after their retries
    opened: str = ""           # why it opened ("" while closed)

    def answer_ok(self) -> None:
        self.unusable = self.failed_calls = 0
        self.opened = ""

    def answer_unusable(self, reason: str) -> None:
        self.unusable += 1
        if self.after and self.unusable >= self.after and not self.opened:
            self.opened = f"{self.unusable} unusable answers in a row ({reason})"

    def call_failed(self, reason: str) -> None:
        self.failed_calls += 1
        if self.after and self.failed_calls >= self.after and not self.opened:
            self.opened = f"{self.failed_calls} calls in a row failed ({reason})"


@dataclass
class RequestLedger:
    """The run's requests, its search budget, its retry-wait budgets and its breakers (thread-safe)."""

    breaker_after: int = 3
    search_per_article: int = 0        # 0: no limit
    search_per_run: int = 0            # 0: no limit
    by_endpoint: dict[str, int] = field(default_factory=dict)
    by_purpose: dict[str, int] = field(default_factory=dict)
    by_article: dict[str, int] = field(default_factory=dict)
    search_by_article: dict[str, int] = field(default_factory=dict)   # queries spent (cached or sent)
    retry_wait_s: dict[str, float] = field(default_factory=dict)
    not_sent: dict[str, int] = field(default_factory=dict)    # article -> search queries held back by the budget
    search_held: int = 0               # queries set aside by reserve_search, not yet let go
    # A step run away from the run's process (a Dask worker) counts in a ledger of its own, given this
    # share of the run's search budget by the run (``audit.pipeline``): None, the run's whole budget.
    search_share: int | None = None
    refused: dict[str, int] = field(default_factory=dict)     # endpoint -> calls refused by an open breaker
    breakers: dict[str, Breaker] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def configure(self, breaker_after: int | None = None, search_per_article: int | None = None,
                  search_per_run: int | None = None) -> "RequestLedger":
        with self._lock:
            if breaker_after is not None:
                self.breaker_after = breaker_after
            if search_per_article is not None:
                self.search_per_article = search_per_article
            if search_per_run is not None:
                self.search_per_run = search_per_run
        return self

    # -- counting ------------------------------------------------------------
    def note_request(self, endpoint: str) -> None:
        purpose, article = current()
        with self._lock:
            self.by_endpoint[endpoint] = self.by_endpoint.get(endpoint, 0) + 1
            self.by_purpose[purpose] = self.by_purpose.get(purpose, 0) + 1
            self.by_article[article] = self.by_article.get(article, 0) + 1

    def total(self) -> int:
        with self._lock:
            return sum(self.by_endpoint.values())

    # -- the search's budget ---------------------------------------------------
    def _run_limit(self) -> int | None:
        """How many queries this ledger's callers may spend in all (None: no limit)."""
        if self.search_share is not None:
            return self.search_share
        return self.search_per_run or None

    def spend_search(self, article: str) -> str:
        """"" when the article's search may ask one more query (it is then counted), else why not."""
        with self._lock:
            run = sum(self.search_by_article.values())
            mine = self.search_by_article.get(article, 0)
            why = ""
            limit = self._run_limit()
            if limit is not None and run >= limit:
                why = f"{RUN_BUDGET_SPENT} (sources.requests_per_run = {self.search_per_run})"
            elif self.search_per_article and mine >= self.search_per_article:
                why = f"this article's search budget is spent (sources.requests_per_article = {self.search_per_article})"
            if why:
                self.not_sent[article] = self.not_sent.get(article, 0) + 1
            else:
                self.search_by_article[article] = mine + 1
            return why

    def reserve_search(self, articles: int) -> bool:
        """Set aside room for ``articles`` more articles to spend their whole per-article budget, if the
        run's budget has it (counting what other callers hold set aside): then the order those articles
        search in changes nothing any of them is given.  False (nothing set aside) when it might."""
        with self._lock:
            limit = self._run_limit()
            if limit is None:
                return True
            if not self.search_per_article:
                return False
            need = articles * self.search_per_article
            # What the holders spend is counted twice (spent and still held) until they let go: an
            # overestimate, which at worst keeps the tier-by-tier order where it was not needed.
            if sum(self.search_by_article.values()) + self.search_held + need > limit:
                return False
            self.search_held += need
            return True

    def release_search(self, articles: int) -> None:
        """Let go of what ``reserve_search(articles)`` set aside."""
        with self._lock:
            if self._run_limit() is not None and self.search_per_article:
                self.search_held = max(0, self.search_held - articles * self.search_per_article)

    # -- retry waits, per purpose ------------------------------------------------
    def wait_spent(self, purpose: str) -> float:
        with self._lock:
            return self.retry_wait_s.get(purpose, 0.0)

    def spend_wait(self, purpose: str, seconds: float) -> None:
        with self._lock:
            self.retry_wait_s[purpose] = self.retry_wait_s.get(purpose, 0.0) + seconds

    # -- breakers --------------------------------------------------------------
    def _breaker(self, endpoint: str) -> Breaker:
        b = self.breakers.get(endpoint)
        if b is None:
            b = self.breakers[endpoint] = Breaker(self.breaker_after)
        return b

    def open_reason(self, endpoint: str) -> str:
        """Why ``endpoint`` is not to be asked in this run ("" when it may be); a refusal is counted."""
        with self._lock:
            b = self.breakers.get(endpoint)
            if b is None or not b.opened:
                return ""
            self.refused[endpoint] = self.refused.get(endpoint, 0) + 1
            return b.opened

    def is_open(self, endpoint: str) -> bool:
        with self._lock:
            b = self.breakers.get(endpoint)
            return b is not None and bool(b.opened)

    def answer_ok(self, endpoint: str) -> None:
        with self._lock:
            self._breaker(endpoint).answer_ok()

    def answer_unusable(self, endpoint: str, reason: str) -> None:
        with self._lock:
            self._breaker(endpoint).answer_unusable(reason)

    def call_failed(self, endpoint: str, reason: str) -> None:
        with self._lock:
            self._breaker(endpoint).call_failed(reason)

    # -- a step's ledger, taken back into the run's -------------------------------------
    _ADDED = ("by_endpoint", "by_purpose", "by_article", "search_by_article", "retry_wait_s", "not_sent", "refused")

    def counts(self) -> dict:
        """Everything the ledger counted, as plain data (it travels back from a worker process)."""
        with self._lock:
            out = {name: dict(getattr(self, name)) for name in self._ADDED}
            out["breakers_open"] = {e: b.opened for e, b in self.breakers.items() if b.opened}
            return out

    def absorb(self, counts: dict | None) -> None:
        """Add a step's ``counts()`` to this ledger's: the run's summary then shows its requests too."""
        if not counts:
            return
        with self._lock:
            for name in self._ADDED:
                mine = getattr(self, name)
                for k, v in (counts.get(name) or {}).items():
                    mine[k] = mine.get(k, 0) + v
            for endpoint, why in (counts.get("breakers_open") or {}).items():
                b = self._breaker(endpoint)
                b.opened = b.opened or why

    # -- what the run summary and run.json show ----------------------------------
    def snapshot(self) -> dict:
        with self._lock:
            return {
                "total": sum(self.by_endpoint.values()),
                "by_endpoint": dict(self.by_endpoint),
                "by_purpose": dict(self.by_purpose),
                "by_article": dict(sorted(self.by_article.items())),
                "search_budget": {"per_article": self.search_per_article, "per_run": self.search_per_run,
                                  "spent": sum(self.search_by_article.values()),
                                  "not_sent": dict(sorted(self.not_sent.items()))},
                "retry_wait_s": {k: round(v, 3) for k, v in self.retry_wait_s.items()},
                "breakers_open": {e: b.opened for e, b in self.breakers.items() if b.opened},
                "refused_by_breaker": dict(self.refused),
            }


_LEDGERS: dict[str, RequestLedger] = {}
_LEDGERS_LOCK = threading.Lock()


def ledger_for(token: str | None) -> RequestLedger:
    """The ledger of run ``token`` in this process (a fresh one for None: a source on its own)."""
    if not token:
        return RequestLedger()
    with _LEDGERS_LOCK:
        led = _LEDGERS.get(token)
        if led is None:
            led = _LEDGERS[token] = RequestLedger()
        return led


def take_counts(token: str) -> dict:
    """The counts of ledger ``token``, which is dropped (a step's own, at the step's end)."""
    with _LEDGERS_LOCK:
        led = _LEDGERS.pop(token, None)
    return led.counts() if led is not None else {}


@contextmanager
def step_ledger(run: str | None, origin: int | None, share: int | None = None):
    """(the ledger token a pipeline step counts its requests in, the counts it hands back to the run).

    In the run's own process (pid ``origin``; Prefect's threads) the step counts in the run's ledger and
    hands back nothing.  Away from it (a Dask worker process, whose ledgers the run cannot read) it counts
    in a ledger of its own, spending at most ``share`` of the run's search budget (None: no limit of the
    run's), whose counts it hands back when it ends: the run adds them to its own (``absorb``).
    """
    if not run or origin is None or origin == os.getpid():
        yield run, {}
        return
    token = f"{run}/{uuid.uuid4().hex}"
    ledger_for(token).search_share = share
    back: dict = {}
    try:
        yield token, back
    finally:
        back.update(take_counts(token))


def with_requests(stats: dict, token: str) -> dict:
    """A finished run's record-source stats with its whole ledger (the search's requests too) as
    ``eutils``, and ``requests_total`` from it: what the run summary and run.json show.  The
    ledger is dropped: the run is over."""
    with _LEDGERS_LOCK:
        led = _LEDGERS.pop(token, None)
    out = {k: v for k, v in stats.items() if k != "ledger"}
    snap = led.snapshot() if led is not None else RequestLedger().snapshot()
    out["eutils"] = snap
    out["requests_total"] = snap["total"]
    return out


def summary_line(stats: dict) -> str:
    """One line for the command line: what the run asked of E-utilities."""
    e = stats.get("eutils") or {}
    if not e.get("total"):
        return "E-utilities: 0 requests"
    ends = ", ".join(f"{k} {v}" for k, v in sorted(e.get("by_endpoint", {}).items()))
    parts = [f"E-utilities: {e['total']} requests ({ends})"]
    purposes = e.get("by_purpose", {})
    parts.append(f"records {purposes.get(RECORDS, 0)}, search {purposes.get(SEARCH, 0)}")
    held = sum((e.get("search_budget") or {}).get("not_sent", {}).values())
    if held:
        parts.append(f"{held} search queries not sent (budget)")
    for endpoint, why in (e.get("breakers_open") or {}).items():
        parts.append(f"{endpoint} not asked again: {why}")
    return "; ".join(parts)
