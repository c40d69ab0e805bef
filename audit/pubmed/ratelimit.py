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
multi-worker deployment the cap must be enforced centrally: a ``RequestGate``
then also waits on a gate all the processes share, handed in by the run
(``flows.rate_gate.PrefectRateGate``, a Prefect global concurrency limit,
when ``entrez.prefect_rate_limit`` or ``CITEAUDIT_PREFECT_RATE_LIMIT=1`` asks
for it: ``rate_limit_shared``).  This module knows only that the shared gate
has an ``acquire()``; the engine that implements it lives in ``flows/``.
"""
from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from typing import Callable, Protocol

from audit.config import EntrezConfig

PREFECT_ENV = "CITEAUDIT_PREFECT_RATE_LIMIT"
DEFAULT_MARGIN = 0.05  # seconds added to the one-second window, for network jitter


def prefect_enabled_by_env(env: dict | None = None) -> bool:
    env = os.environ if env is None else env
    return str(env.get(PREFECT_ENV, "")).strip().lower() in ("1", "true", "yes", "on")


def rate_limit_shared(cfg: EntrezConfig, env: dict | None = None) -> bool:
    """Does the run ask for the cap to be held across processes (``entrez.prefect_rate_limit``, or the
    environment)?  The flows then hand in their gate (``flows.rate_gate.gate_for``)."""
    return bool(cfg.prefect_rate_limit) or prefect_enabled_by_env(env)


class SharedGate(Protocol):
    """A gate every process of a run waits on (``flows.rate_gate.PrefectRateGate``)."""

    def acquire(self) -> None: ...


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

    Waits on the process-wide limiter and then, when the run handed one in, on
    the gate all its processes share (see the module docstring).
    """

    def __init__(self, rate: float, limiter: RateLimiter | None = None, shared: SharedGate | None = None):
        self.limiter = limiter or shared_limiter(rate)
        self.shared = shared

    def acquire(self) -> None:
        # Local first: the shared grant is what orders requests across
        # processes, so the request should leave right after it, not after a
        # further local wait that would bunch it up with another process's.
        self.limiter.acquire()
        if self.shared is not None:
            self.shared.acquire()

    # The transport's pacing hook (audit.transport.Pacing) also tells when a request ends and what its
    # answer announced: E-utilities announce nothing, and a rate holds no slot while a request is out.
    def release(self) -> None:
        pass

    def learn(self, headers) -> None:
        pass
