"""The answer window: a request that leaves late after its grant cannot crowd the server's one-second count."""
from __future__ import annotations

import itertools
import threading
import time

from audit.pubmed.ratelimit import RateLimiter, RequestGate
from audit.transport.answer_window import AnswerWindow, WindowedPacing

RATE = 10


def _most_in_one_second(arrivals: list[float]) -> int:
    """What the local E-utilities server counts: the most arrivals in any (t - 1, t]."""
    return max(sum(1 for b in arrivals if a - 1.0 < b <= a) for a in arrivals)


def _send(pacing, n: int, stall_first: float) -> list[float]:
    """``n`` requests from 4 threads; the first one granted reaches the "server" ``stall_first`` s late
    (a thread waiting for the GIL, a new connection), the others at once; each answered on arrival."""
    arrivals, order, lock = [], itertools.count(), threading.Lock()
    jobs = iter(range(n))

    def worker():
        for _ in jobs:
            pacing.acquire()
            try:
                if next(order) == 0:
                    time.sleep(stall_first)
                with lock:
                    arrivals.append(time.monotonic())
                pacing.learn({})
            finally:
                pacing.release()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(arrivals)


def test_a_late_request_crowds_the_limiters_window_but_not_the_answer_windows():
    # The limiter alone: grants 1/rate apart and the 10th previous 1.05 s back, but request 0 arrives
    # 0.5 s after its grant, inside the second that ends with request 10: 11 arrivals in one second.
    alone = _send(RequestGate(RATE, limiter=RateLimiter(RATE)), RATE + 1, 0.5)
    assert _most_in_one_second(alone) == RATE + 1
    # With the window: request 0 is counted until its answer is back, so request 10 waits for it.
    paced = WindowedPacing(RequestGate(RATE, limiter=RateLimiter(RATE)),
                           AnswerWindow(RATE, 1.05))
    arrivals = _send(paced, 2 * RATE + 1, 0.5)
    assert _most_in_one_second(arrivals) <= RATE
    assert paced.window.waited > 0


def test_a_slot_is_freed_by_an_attempt_that_ended_without_an_answer():
    # A timeout or a reset: no headers (learn is not called); release ends the request just the same.
    win = AnswerWindow(1, 0.2)
    paced = WindowedPacing(RequestGate(1000, limiter=RateLimiter(1000)), win)
    paced.acquire()
    paced.release()
    t = time.monotonic()
    paced.acquire()                          # waits out the first request's 0.2 s, then goes
    assert time.monotonic() - t >= 0.19
    paced.learn({})
    paced.release()                          # once: the answer already ended it
    assert win._open == 0 and len(win._ends) == 1       # the first pruned: its 0.2 s are over
