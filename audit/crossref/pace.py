"""Crossref's pace: what its answers announce, applied to every request of the process.

Crossref's "REST API tips" and rate-limit pages: the pace is what the answers
announce, ``x-ratelimit-limit`` requests per ``x-ratelimit-interval`` and at
most ``x-concurrency-limit`` requests in flight.  Before the first answer it
starts at the documented pool limits (public: 5/s, one at a time; polite,
with a mailto: 10/s, three at a time); ``crossref.requests_per_second`` caps it
lower still.  ``Pace`` is the transport's pacing hook (``audit.transport.Pacing``)
for Crossref; the rate itself is held by the shared limiter class
(``audit.pubmed.ratelimit.RateLimiter``).
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from audit.pubmed.ratelimit import RateLimiter

PUBLIC_POOL = (5.0, 1)      # requests per second, in flight: Crossref's documented public-pool limits
POLITE_POOL = (10.0, 3)


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
