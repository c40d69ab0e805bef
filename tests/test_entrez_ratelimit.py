"""The process-wide rate limiter: shared per rate, thread-safe, no second over the cap."""
from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

from audit.config import Config, CrossrefConfig, EntrezConfig
from audit.pipeline import run_audit
from audit.pubmed.ratelimit import RateLimiter, RequestGate, prefect_enabled_by_env, rate_limit_shared, shared_limiter
from eutils_fixture import start_server

ROOT = Path(__file__).resolve().parents[1]


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


def test_the_shared_gate_is_asked_for_by_config_or_environment(monkeypatch):
    monkeypatch.delenv("CITEAUDIT_PREFECT_RATE_LIMIT", raising=False)
    assert rate_limit_shared(EntrezConfig()) is False and RequestGate(3).shared is None
    assert rate_limit_shared(EntrezConfig(prefect_rate_limit=True), env={}) is True
    monkeypatch.setenv("CITEAUDIT_PREFECT_RATE_LIMIT", "1")
    assert prefect_enabled_by_env() and rate_limit_shared(EntrezConfig())
    assert rate_limit_shared(EntrezConfig(), env={"CITEAUDIT_PREFECT_RATE_LIMIT": "0"}) is False


class _Order:
    """A shared gate that records when it is waited on (a stand-in for flows.rate_gate.PrefectRateGate)."""

    def __init__(self, log: list):
        self.log = log

    def acquire(self) -> None:
        self.log.append("shared")


class _Local(RateLimiter):
    def __init__(self, log: list):
        super().__init__(1000.0)
        self.log = log

    def acquire(self) -> float:
        self.log.append("local")
        return super().acquire()


def test_a_request_waits_on_its_process_limiter_then_on_the_shared_gate():
    log: list[str] = []
    gate = RequestGate(1000.0, limiter=_Local(log), shared=_Order(log))
    gate.acquire()
    gate.acquire()
    assert log == ["local", "shared", "local", "shared"]


def test_the_gate_a_run_is_handed_is_waited_on_by_every_e_utilities_request(tmp_path):
    """run_audit(..., rate_gate=) -> the run's steps -> open_source -> EntrezSource: one wait per request."""
    log: list[str] = []
    srv = start_server()
    try:
        cfg = Config(entrez=EntrezConfig(base_url=srv.url, requests_per_second=0, email="tests@example.org",
                                         cache_path=str(tmp_path / "records.sqlite")),
                     crossref=CrossrefConfig(enabled=False))
        summary = run_audit([ROOT / "examples" / "articles"], tmp_path / "out", cfg, rate_gate=_Order(log))
        sent = len(srv.requests)
    finally:
        srv.stop()
    assert summary["entrez_requests"] == sent > 0
    assert log == ["shared"] * sent


def test_the_product_never_imports_prefect_outside_flows():
    """The Prefect rate gate is the flows' (flows/rate_gate.py); audit/ and reports/ import no prefect at all."""
    found = []
    for top in ("audit", "reports"):
        for path in sorted((ROOT / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                found += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.split(".")[0] == "prefect"]
    assert found == []
