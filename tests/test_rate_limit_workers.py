"""Two worker processes, one NCBI cap: the Prefect global rate limit holds it.

Each process has its own ``shared_limiter``, so two workers at the allowed
rate together send twice as much.  With the flows' gate handed in
(``flows.rate_gate.PrefectRateGate``) every request
also takes a slot of one Prefect global concurrency limit, shaped by
``prefect_limit_spec`` (one slot, decaying at ``rate / 1.05``).  The test runs
two spawned OS processes (as Dask worker processes would be) against one local
E-utilities server that enforces the cap like NCBI (429 beyond it) and logs
every arrival, and reads the verdict from that log:

* with the Prefect limit: no sliding one-second window and no wall-clock
  second holds more than the cap, no 429, every PMID fetched once and resolved;
* without it (the control, same processes, same server): the two together go
  over the cap and are refused.

Tolerance: none in the assertions.  The margin lives in the limit itself:
grants are at least ``1.05 / rate`` apart at the Prefect server, so ``cap + 1``
of them span at least 1.05 s and a window can only be crowded if one request
lags another by 50 ms between its grant and its arrival.  On localhost that
lag is a few milliseconds (the spawned processes send over kept-alive
connections); over the internet to NCBI it is what the margin is for.
"""
from __future__ import annotations

import multiprocessing as mp
import time
import uuid
from contextlib import contextmanager

import pytest

from audit.models import RESOLVED
from flows.rate_gate import PrefectRateGate, ensure_prefect_limit, gate_for, prefect_limit_spec
from eutils_fixture import record_store, start_server
from prefect_harness import prefect_harness  # noqa: F401
from rate_limit_worker import worker

RATE = 5.0          # between NCBI's 3 (no key) and 10 (key): many requests, a short test
CAP = int(RATE)
BATCH = 5           # small efetch batches, so each worker sends many requests


def _max_in_window(times: list[float], width: float = 1.0) -> int:
    """Most arrivals in any half-open window [t, t + width)."""
    ts = sorted(times)
    return max((sum(1 for u in ts[i:] if u < t + width) for i, t in enumerate(ts)), default=0)


def _max_in_wall_second(times: list[float]) -> int:
    per: dict[int, int] = {}
    for t in times:
        per[int(t)] = per.get(int(t), 0) + 1
    return max(per.values(), default=0)


@contextmanager
def _two_workers(api_url: str):
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(3)
    results = ctx.Queue()
    queues = [ctx.Queue(), ctx.Queue()]
    procs = [ctx.Process(target=worker, args=(i, api_url, queues[i], results, barrier), daemon=True)
             for i in range(2)]
    for p in procs:
        p.start()

    def run(url: str, pmid_sets: list[list[str]], use_prefect: bool, limit_name: str,
            max_retries: int) -> list[dict]:
        for q, pmids in zip(queues, pmid_sets):
            q.put({"url": url, "pmids": pmids, "use_prefect": use_prefect, "limit_name": limit_name,
                   "max_retries": max_retries, "rate": RATE, "batch": BATCH})
        barrier.wait(timeout=60)
        return sorted((results.get(timeout=60) for _ in procs), key=lambda r: r["index"])

    try:
        yield run
    finally:
        for q in queues:
            q.put(None)
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()


# ---------------------------------------------------------------------------


def test_prefect_limit_holds_the_cap_across_two_worker_processes(prefect_harness):
    limit_name = f"ncbi-eutils-test-{uuid.uuid4().hex[:8]}"
    assert ensure_prefect_limit(limit_name, RATE) == "created"
    pmids = sorted(record_store().entries)
    shares = [pmids[0:50], pmids[50:100]]               # disjoint: 10 requests per worker
    control = [pmids[100:125], pmids[125:150]]
    srv = start_server(rate_cap=RATE)
    try:
        with _two_workers(prefect_harness) as run:
            # 1. Both workers through the Prefect limit.
            out = run(srv.url, shares, use_prefect=True, limit_name=limit_name, max_retries=4)
            log = srv.requests
            # 2. Control: the same two processes, each with only its own limiter.
            srv.set_faults(rate_cap=RATE)               # fresh count of arrivals at the server
            srv.reset_log()
            ctl = run(srv.url, control, use_prefect=False, limit_name=limit_name, max_retries=1)
            ctl_log = srv.requests
    finally:
        srv.stop()
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            client.delete_global_concurrency_limit_by_name(limit_name)

    assert [o["error"] for o in out] == [None, None]
    times = [r["time"] for r in log]
    by_worker = {i: [r for r in log if r["params"].get("tool") == f"citeaudit-worker{i}"] for i in (0, 1)}
    # The cap held: by NCBI's own (sliding) rule at the server, and per wall-clock second.
    ts = sorted(times)
    spans = [round(ts[i + CAP] - ts[i], 3) for i in range(len(ts) - CAP)]
    assert [r["status"] for r in log if r["status"] != 200] == []
    assert _max_in_window(times) <= CAP, f"shortest span of {CAP + 1} arrivals: {min(spans)} s"
    assert _max_in_wall_second(times) <= CAP
    # Both processes really ran at once, and every request of each took a Prefect slot.
    assert abs(out[0]["started"] - out[1]["started"]) < 0.5
    for i in (0, 1):
        assert len(by_worker[i]) == out[i]["prefect_waits"] == len(shares[i]) // BATCH
    # Every PMID resolved, each asked for exactly once (nothing refused and retried).
    for o, share in zip(out, shares):
        assert set(o["statuses"]) == set(share)
        assert set(o["statuses"].values()) == {RESOLVED}
    assert sorted(p for r in log for p in r.get("ids", [])) == sorted(shares[0] + shares[1])

    # Control: without the global limit the two processes together exceed the cap.
    ctl_times = [r["time"] for r in ctl_log]
    assert [o["prefect_waits"] for o in ctl] == [0, 0]
    assert _max_in_window(ctl_times) > CAP
    assert any(r["status"] == 429 for r in ctl_log)
    for i in (0, 1):   # each alone kept to its own limiter: at most CAP per second
        mine = [r["time"] for r in ctl_log if r["params"].get("tool") == f"citeaudit-worker{i}"]
        assert mine and _max_in_window(mine) <= CAP


def test_limit_shape_and_reshaping_a_bursty_limit(prefect_harness):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    # One slot: no burst.  Decay rate/1.05: cap + 1 grants span at least 1.05 s.
    for rate in (3.0, 5.0, 10.0):
        limit, decay = prefect_limit_spec(rate)
        assert limit == 1 and decay < rate
        assert int(rate) * (limit / decay) >= 1.05 - 1e-6
    name = f"ncbi-eutils-test-{uuid.uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        # A limit of N decaying at N per second lets 2N through in one second: reshaped.
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
            name=name, limit=3, slot_decay_per_second=3.0))
        try:
            assert ensure_prefect_limit(name, 3.0) == "updated"
            assert ensure_prefect_limit(name, 3.0) == "unchanged"
            got = client.read_global_concurrency_limit_by_name(name)
            assert (got.limit, got.slot_decay_per_second) == prefect_limit_spec(3.0)
        finally:
            client.delete_global_concurrency_limit_by_name(name)


def test_a_missing_prefect_limit_is_an_error_not_a_silent_pass(prefect_harness):
    from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError

    gate = PrefectRateGate(f"no-such-limit-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ConcurrencySlotAcquisitionError, match="must be created"):
        gate.acquire()
    assert gate.waits == 0


def test_serve_creates_the_limit_in_the_shape_that_holds(prefect_harness):
    from prefect.client.orchestration import get_client

    from audit.config import load_config
    from flows.deploy import ensure_rate_limit

    cfg = load_config(None, env={})
    cfg.entrez.concurrency_limit_name = f"ncbi-eutils-serve-{uuid.uuid4().hex[:8]}"
    assert ensure_rate_limit(cfg) is False            # off unless asked for
    cfg.entrez.prefect_rate_limit = True
    assert ensure_rate_limit(cfg) is True
    with get_client(sync_client=True) as client:
        try:
            got = client.read_global_concurrency_limit_by_name(cfg.entrez.concurrency_limit_name)
            assert (got.limit, got.slot_decay_per_second) == prefect_limit_spec(cfg.entrez.rate())
        finally:
            client.delete_global_concurrency_limit_by_name(cfg.entrez.concurrency_limit_name)


def test_the_flows_hand_in_the_gate_only_when_asked(monkeypatch):
    from audit.config import load_config

    monkeypatch.delenv("CITEAUDIT_PREFECT_RATE_LIMIT", raising=False)
    cfg = load_config(None, env={})
    assert gate_for(cfg) is None
    cfg.entrez.prefect_rate_limit = True
    cfg.entrez.concurrency_limit_name = "ncbi-eutils-x"
    assert gate_for(cfg) == PrefectRateGate("ncbi-eutils-x")
