"""A pace that can never put more than ``cap`` requests in one second of the server's clock.

The rate limiter (``audit.pubmed.ratelimit``) spaces request *grants*: the ``cap``-th previous grant
at least 1 s + margin ago.  But the server counts *arrivals*, and a request may leave well after its
grant: on a loaded machine the granted thread waits for the GIL while another parses a 2 MB answer,
or opens a new connection after a 503 closed the old one.  Measured against the local server at 3/s
with faults, one request arriving 80 ms after its grant put four arrivals within 0.96 s (a 429), and
no fixed margin is safe against a stall of unknown length.

What is known for certain is that a request arrived before its answer came back.  So this pace counts
a request as possibly in the server's current window from its grant until ``window`` seconds after
its answer (headers in, or the attempt ended without one), and grants a new request only while fewer
than ``cap`` are: whatever the stalls, any ``window`` seconds of the server's clock then hold at most
``cap`` arrivals.  (Take the last-granted request in such a window: every other one arrived in the
window, so its answer came back less than ``window`` before that grant, or had not yet: it was
counted.)  The price is that a slow answer holds its slot longer; at 10/s with 0.1 s round trips a
long run is paced at 10 per 1.15 s instead of 10 per 1.05 s.

One instance per service and cap, shared by every thread of the process (``shared_window``), as the
rate limiter is; across processes the Prefect limit of ``audit.pubmed.ratelimit`` still applies.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable


class AnswerWindow:
    """Counts requests from grant to ``window`` s after their answer; at most ``cap`` at once."""

    def __init__(self, cap: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.cap = max(1, int(cap))
        self.window = float(window)
        self._clock = clock
        self._cond = threading.Condition()
        self._open = 0                      # granted, answer not yet back
        self._ends: list[float] = []        # answers back, not yet ``window`` old (ascending)
        self.waited = 0.0

    def _prune(self, now: float) -> None:
        cut = 0
        while cut < len(self._ends) and self._ends[cut] <= now - self.window:
            cut += 1
        del self._ends[:cut]

    def enter(self) -> None:
        """Block until fewer than ``cap`` requests may be in the server's window; count this one."""
        start = self._clock()
        with self._cond:
            while True:
                now = self._clock()
                self._prune(now)
                if self._open + len(self._ends) < self.cap:
                    self._open += 1
                    self.waited += now - start
                    return
                # The next slot frees when the oldest answer is window old, or when an answer comes back.
                wait = self._ends[0] + self.window - now if self._ends else None
                self._cond.wait(timeout=wait)

    def leave(self) -> None:
        """This thread's request has its answer (or its attempt ended): it leaves the window later."""
        with self._cond:
            self._open -= 1
            self._ends.append(self._clock())
            self._cond.notify_all()


class WindowedPacing:
    """A service's pacing (``audit.transport.Pacing``) with the answer window after it."""

    def __init__(self, pacing, window: AnswerWindow):
        self.pacing = pacing
        self.window = window
        self._mine = threading.local()      # does this thread's attempt hold a slot?

    def acquire(self) -> None:
        self.pacing.acquire()
        self.window.enter()
        self._mine.held = True

    def learn(self, headers) -> None:
        # The answer's headers are in: the request reached the server before now.
        self._end()
        self.pacing.learn(headers)

    def release(self) -> None:
        self._end()                         # no answer (timeout, reset): it reached the server before now, if at all
        self.pacing.release()

    def _end(self) -> None:
        if getattr(self._mine, "held", False):
            self._mine.held = False
            self.window.leave()


_shared: dict[tuple[str, int, float], AnswerWindow] = {}
_shared_lock = threading.Lock()


def shared_window(service: str, rate: float, margin: float) -> AnswerWindow:
    """The process-wide window of a service at this rate: ``floor(rate)`` requests per 1 s + ``margin``."""
    key = (service, max(1, math.floor(rate)), 1.0 + margin)
    with _shared_lock:
        win = _shared.get(key)
        if win is None:
            win = _shared[key] = AnswerWindow(key[1], key[2])
        return win
