"""One request-rate limiter per process, shared by every thread and task.

NCBI allows 3 requests per second without an API key and 10 with one, and it
counts per key/IP, not per thread: so every thread and Prefect task in the
process must draw from the same limiter.  ``shared_limiter(rate)`` returns that
instance (one per rate, created on first use).

Two rules are enforced together:

* even spacing: consecutive requests start at least ``1/rate`` seconds apart,
  so a burst never piles up at the start of a second;
* a sliding window: the ``cap``-th previous request started at least
  ``1 + margin`` seconds ago.  Even spacing alone allows ``cap + 1`` starts in
  a closed one-second interval (at t, t+1/r, ..., t+1); the window rules that
  out, and the margin absorbs jitter between our clock and the moment the
  server sees the request.  Any one-second interval, aligned to wall-clock
  seconds or not, therefore sees at most ``cap = floor(rate)`` requests.

Several worker processes or machines each have their own limiter, so on a
multi-worker deployment the cap must be enforced centrally.  Prefect offers a
global concurrency limit with slot decay that works as a rate limit.  Its
slots form a token bucket: ``limit`` is the burst it allows after a quiet
spell, ``slot_decay_per_second`` the refill rate.  A limit of N decaying at N
per second therefore lets N requests through at once and N more within the
same second -- twice NCBI's cap when two workers start together (measured:
8 in one second at a cap of 5).  So the limit must hold ONE slot, decaying
at ``rate / (1 + margin)``: requests are then spaced at least
``(1 + margin) / rate`` apart across every process, which keeps any
one-second window at or under the cap with the same jitter margin as the
local limiter (``prefect_limit_spec``).  Create it once per Prefect
server/workspace with ``ensure_prefect_limit(name, rate)``, or::

    prefect gcl create ncbi-eutils --limit 1 --slot-decay-per-second 2.857   # 3/1.05
    # with an API key:  --limit 1 --slot-decay-per-second 9.524               # 10/1.05

and turn it on with ``use_prefect=True`` (``EntrezConfig.prefect_rate_limit``
when the config has it) or the environment variable
``CITEAUDIT_PREFECT_RATE_LIMIT=1``.  ``acquire()`` then waits on the local
limiter and *then* for a Prefect slot, so the request leaves right after the
global grant: the local limiter keeps one process's threads evenly spaced,
the global one keeps all processes together under the cap.  A missing limit
is an error, not a silent pass.  Prefect's decay is coarse (each grant or
refusal restarts the slot's clock), so a contended limit delivers about
60-80% of ``rate``.  It is off by default because it needs a reachable
Prefect API.
"""
from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from typing import Callable

PREFECT_ENV = "CITEAUDIT_PREFECT_RATE_LIMIT"
DEFAULT_MARGIN = 0.05  # seconds added to the one-second window, for network jitter


def prefect_enabled_by_env(env: dict | None = None) -> bool:
    env = os.environ if env is None else env
    return str(env.get(PREFECT_ENV, "")).strip().lower() in ("1", "true", "yes", "on")


class RateLimiter:
    """Thread-safe limiter: at most ``floor(rate)`` request starts in any second."""

    def __init__(self, rate: float, margin: float = DEFAULT_MARGIN,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.rate = float(rate)
        self.cap = max(1, math.floor(self.rate))
        self.interval = 1.0 / self.rate
        self.window = 1.0 + margin
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: deque[float] = deque(maxlen=self.cap)
        self.waited = 0.0           # total seconds callers spent waiting
        self.acquired = 0

    def _earliest(self) -> float:
        """Earliest start both rules allow (call with the lock held)."""
        if not self._starts:
            return float("-inf")
        earliest = self._starts[-1] + self.interval
        if len(self._starts) == self.cap:
            earliest = max(earliest, self._starts[0] + self.window)
        return earliest

    def acquire(self) -> float:
        """Block until this caller may send one request; returns seconds waited.

        A start is recorded when it is granted, after any sleep, never booked
        ahead: a thread that wakes late from its sleep cannot crowd a window.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay = self._earliest() - now
                if delay <= 0:
                    self._starts.append(now)
                    self.acquired += 1
                    self.waited += waited
                    return waited
            self._sleep(delay)
            waited += delay


_shared: dict[float, RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(rate: float) -> RateLimiter:
    """The process-wide limiter for this rate (created on first use)."""
    key = float(rate)
    with _shared_lock:
        lim = _shared.get(key)
        if lim is None:
            lim = _shared[key] = RateLimiter(key)
        return lim


class RequestGate:
    """What the Entrez client calls before every HTTP request.

    Waits on the process-wide limiter and, when enabled, on a Prefect global
    concurrency limit used as a rate limit (see the module docstring).
    """

    def __init__(self, rate: float, use_prefect: bool | None = None,
                 limit_name: str = "ncbi-eutils", limiter: RateLimiter | None = None):
        self.limiter = limiter or shared_limiter(rate)
        self.use_prefect = prefect_enabled_by_env() if use_prefect is None else use_prefect
        self.limit_name = limit_name
        self.prefect_waits = 0

    def acquire(self) -> None:
        # Local first: the Prefect grant is what orders requests across
        # processes, so the request should leave right after it, not after a
        # further local wait that would bunch it up with another process's.
        self.limiter.acquire()
        if self.use_prefect:
            # Imported here: Prefect is heavy and only needed on multi-worker runs.
            from prefect.concurrency.sync import rate_limit

            # strict: without the limit Prefect would skip the wait silently and
            # the workers together would exceed the cap.
            rate_limit(self.limit_name, occupy=1, strict=True)
            self.prefect_waits += 1

    # The transport's pacing hook (audit.transport.Pacing) also tells when a request ends and what its
    # answer announced: E-utilities announce nothing, and a rate holds no slot while a request is out.
    def release(self) -> None:
        pass

    def learn(self, headers) -> None:
        pass


def prefect_limit_spec(rate: float, margin: float = DEFAULT_MARGIN) -> tuple[int, float]:
    """(limit, slot_decay_per_second) of the Prefect limit that holds ``rate`` across processes.

    One slot, so no burst; decay ``rate / (1 + margin)``, so consecutive grants
    are ``(1 + margin) / rate`` apart and ``floor(rate)`` of them never fit in
    one second, even with ``margin`` seconds of jitter on the way to NCBI.
    """
    if rate <= 0:
        raise ValueError("rate must be > 0")
    return 1, round(float(rate) / (1.0 + margin), 6)


def ensure_prefect_limit(name: str, rate: float, margin: float = DEFAULT_MARGIN) -> str:
    """Create the Prefect limit, or reshape an existing one; returns created/updated/unchanged."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectNotFound

    limit, decay = prefect_limit_spec(rate, margin)
    with get_client(sync_client=True) as client:
        try:
            cur = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
                name=name, limit=limit, slot_decay_per_second=decay))
            return "created"
        if cur.limit == limit and abs(cur.slot_decay_per_second - decay) < 1e-6 and cur.active:
            return "unchanged"
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(
            limit=limit, slot_decay_per_second=decay, active=True))
        return "updated"
