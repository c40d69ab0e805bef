"""The process-wide rate limiter: shared per rate, thread-safe, no second over the cap."""
from __future__ import annotations

import threading
import time

from audit.config import EntrezConfig
from audit.pubmed.ratelimit import RateLimiter, RequestGate, prefect_enabled_by_env, shared_limiter


def _max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))


def test_one_limiter_per_rate_for_the_whole_process():
    assert shared_limiter(3.0) is shared_limiter(3) is RequestGate(3).limiter
    assert shared_limiter(10.0) is not shared_limiter(3.0)
    assert EntrezConfig().rate() == 3.0 and EntrezConfig(api_key="k").rate() == 10.0


def test_threads_never_exceed_the_cap_in_any_second():
    lim = RateLimiter(20)
    starts: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            lim.acquire()
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(starts) == 40
    assert _max_in_any_second(starts) <= 20
    # Evenly spaced, not a burst of 20 then a pause: about 5 per quarter second
    # (a little more when a thread wakes late from its sleep).
    starts.sort()
    assert max(sum(1 for u in starts[i:] if u < t + 0.25) for i, t in enumerate(starts)) <= 8
    assert time.monotonic() - t0 < 3.0            # and not slower than it must be


def test_fractional_rates_and_window_boundary():
    # A fake clock makes the boundary exact: at rate 2.5 the cap is 2 per second,
    # and the third start must wait for the first to leave the (1 s + margin) window.
    now = [0.0]
    lim = RateLimiter(2.5, margin=0.05, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    starts = []
    for _ in range(7):
        lim.acquire()
        starts.append(now[0])
    assert lim.cap == 2
    assert _max_in_any_second(starts) <= 2
    assert starts[2] - starts[0] >= 1.05 - 1e-9


def test_prefect_limit_is_off_unless_asked(monkeypatch):
    monkeypatch.delenv("CITEAUDIT_PREFECT_RATE_LIMIT", raising=False)
    assert RequestGate(3).use_prefect is False
    monkeypatch.setenv("CITEAUDIT_PREFECT_RATE_LIMIT", "1")
    assert prefect_enabled_by_env() and RequestGate(3).use_prefect is True
    assert RequestGate(3, use_prefect=False).use_prefect is False
