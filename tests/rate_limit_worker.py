"""One worker process of tests/test_rate_limit_workers.py (spawned: a fresh interpreter, as a Dask worker is).

A module of its own because a spawned child imports the module its target lives in: this one imports
nothing of Prefect at its top, so the child can point Prefect at the harness's API before Prefect is
imported (Prefect reads its settings then), whereas the test module imports flows.rate_gate.
"""
from __future__ import annotations

import os
import time


def worker(index: int, api_url: str, jobs, results, barrier) -> None:
    # Before Prefect is imported: the child must talk to the harness's API.
    os.environ["PREFECT_API_URL"] = api_url
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.concurrency.sync import rate_limit  # noqa: F401  (imported before the start line)

    from audit.config import EntrezConfig
    from audit.pubmed.entrez import EntrezSource
    from flows.rate_gate import PrefectRateGate

    while True:
        job = jobs.get()
        if job is None:
            return
        cfg = EntrezConfig(base_url=job["url"], requests_per_second=job["rate"], batch_size=job["batch"],
                           tool=f"citeaudit-worker{index}", email="tests@example.org", timeout=5.0,
                           max_retries=job["max_retries"], backoff_base=0.05, backoff_max=0.2,
                           concurrency_limit_name=job["limit_name"])
        # What the flows hand the run's E-utilities clients (flows.rate_gate.gate_for), or nothing.
        gate = PrefectRateGate(job["limit_name"]) if job["use_prefect"] else None
        src = EntrezSource(cfg, None, shared_gate=gate, workers=2)
        barrier.wait(timeout=60)              # both processes start fetching together
        t0 = time.time()
        try:
            res = src.fetch(job["pmids"])
            out = {"statuses": {p: r.status for p, r in res.items()}, "error": None}
        except Exception as exc:              # reported to the test, not lost in the child
            out = {"statuses": {}, "error": repr(exc)}
        out.update(index=index, started=t0, ended=time.time(), prefect_waits=gate.waits if gate else 0)
        results.put(out)
