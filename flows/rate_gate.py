"""NCBI's cap held across processes: a Prefect global concurrency limit as the run's shared rate gate.

Each process has its own rate limiter (``audit.pubmed.ratelimit``), so on a
multi-worker deployment (Dask processes, served flow runs side by side) the
cap must be enforced centrally.  Prefect offers a global concurrency limit
with slot decay that works as a rate limit.  Its slots form a token bucket:
``limit`` is the burst it allows after a quiet spell, ``slot_decay_per_second``
the refill rate.  A limit of N decaying at N per second therefore lets N
requests through at once and N more within the same second -- twice NCBI's
cap when two workers start together (measured: 8 in one second at a cap of
5).  So the limit must hold ONE slot, decaying at ``rate / (1 + margin)``:
requests are then spaced at least ``(1 + margin) / rate`` apart across every
process, which keeps any one-second window at or under the cap with the same
jitter margin as the local limiter (``prefect_limit_spec``).  Create it once
per Prefect server/workspace with ``ensure_prefect_limit(name, rate)``
(``citeaudit serve`` does), or::

    prefect gcl create ncbi-eutils --limit 1 --slot-decay-per-second 2.857   # 3/1.05
    # with an API key:  --limit 1 --slot-decay-per-second 9.524               # 10/1.05

and turn it on with ``entrez.prefect_rate_limit: true`` or the environment
variable ``CITEAUDIT_PREFECT_RATE_LIMIT=1``.  The flows then hand
``gate_for(cfg)`` to the run (``audit.pipeline.run_*(..., rate_gate=...)``),
which hands it to every E-utilities client it opens: each request waits on
the process's limiter and *then* for a Prefect slot, so it leaves right after
the global grant.  A missing limit is an error, not a silent pass.  Prefect's
decay is coarse (each grant or refusal restarts the slot's clock), so a
contended limit delivers about 60-80% of ``rate``.  It is off by default
because it needs a reachable Prefect API.
"""
from __future__ import annotations

from dataclasses import dataclass

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import ObjectNotFound

from audit.config import Config
from audit.pubmed.ratelimit import DEFAULT_MARGIN, rate_limit_shared


@dataclass
class PrefectRateGate:
    """One slot of the Prefect limit ``limit_name`` per request (``audit.pubmed.ratelimit.SharedGate``).

    Plain data, so a run's steps carry it to Dask worker processes; ``waits`` counts the grants in
    this process."""

    limit_name: str
    waits: int = 0

    def acquire(self) -> None:
        # strict: without the limit Prefect would skip the wait silently and
        # the workers together would exceed the cap.
        rate_limit(self.limit_name, occupy=1, strict=True)
        self.waits += 1


def gate_for(cfg: Config) -> PrefectRateGate | None:
    """The gate a flow hands its run: the Prefect limit when the config or the environment asks for it."""
    return PrefectRateGate(cfg.entrez.concurrency_limit_name) if rate_limit_shared(cfg.entrez) else None


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
