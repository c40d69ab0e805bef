"""The two deployments and ``citeaudit serve``.

- ``nightly-audit/nightly``: the corpus audit on the config's cron schedule and time zone;
- ``audit-article/recheck``: an editor's re-check of one article, run on demand::

      prefect deployment run 'audit-article/recheck' --param article_id=nsclc-targeted-therapy

``citeaudit serve`` serves both from this process with Prefect's defaults
(a local ephemeral API when PREFECT_API_URL is unset).  With
PREFECT_API_URL pointing at a Prefect server, the same command registers the
deployments there and runs their flow runs here; to use a work pool instead,
``build_deployments`` gives the deployments to ``deploy`` (see the README).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from audit.config import Config, load_config, mask_url_credentials
from audit.errors import BadInputError
from audit.pubmed.ratelimit import rate_limit_shared
from flows.audit_flow import audit_article
from flows.nightly import nightly_audit
from flows.rate_gate import ensure_prefect_limit

NIGHTLY = "nightly"
RECHECK = "recheck"


def build_deployments(cfg: Config, config_path: str | None) -> list:
    """RunnerDeployments for the nightly audit (cron) and the re-check (on demand)."""
    from prefect.schedules import Cron


    params = {"config_path": str(Path(config_path).resolve()) if config_path else None}
    nightly = nightly_audit.to_deployment(
        name=NIGHTLY, schedules=[Cron(cfg.schedule.cron, timezone=cfg.schedule.timezone)],
        parameters=params, tags=["citeaudit"],
        description="Audit every article of the corpus; report what is new, persisting and resolved.")
    recheck = audit_article.to_deployment(
        name=RECHECK, parameters=params, tags=["citeaudit"],
        description="Re-audit one article (parameter article_id) and report its difference from the last audit.")
    return [nightly, recheck]


def ensure_rate_limit(cfg: Config, enabled: bool | None = None) -> bool:
    """Create (or reshape) the Prefect global concurrency limit the Entrez layer waits on, if turned on.

    NCBI caps requests per key or address, not per process: with several
    workers (Dask processes, served flow runs side by side) each process's
    own limiter is not enough, so every request also takes the one slot of
    this limit, which frees at the allowed rate (see flows.rate_gate).
    """

    if enabled is None:
        enabled = rate_limit_shared(cfg.entrez)
    if not enabled:
        return False
    ensure_prefect_limit(cfg.entrez.concurrency_limit_name, cfg.entrez.rate())
    return True


# Seconds ``citeaudit serve`` gives Prefect to shut down after Ctrl-C (or SIGTERM) before it exits anyway.
STOP_GRACE = 5.0


def _stop_within(grace: float) -> None:
    """Ctrl-C and SIGTERM end ``serve`` within ``grace`` seconds, with one line and no traceback.

    The terminal's Ctrl-C also reaches Prefect's temporary API server (a child in
    the same process group), so the runner's shutdown calls to it can only fail,
    each retried; its tracebacks say nothing the operator can act on.  The first
    signal prints one line, mutes stderr, lets the runner stop and, past
    ``grace``, exits with 130.  Flow runs are resumable (the nightly resumes).
    """
    def stop(signum, frame):
        print("citeaudit: serve stopped", file=sys.stderr, flush=True)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        timer = threading.Timer(grace, os._exit, (130,))
        timer.daemon = True
        timer.start()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def serve_cli(config: str | None) -> int:
    """``citeaudit serve --config CONFIG``."""
    # A loaded machine can take longer than Prefect's 20 s to bring up its temporary API server
    # (read when prefect is imported).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from prefect import serve

    config_path = str(Path(config).resolve()) if config else None
    cfg = load_config(config_path)
    deployments = build_deployments(cfg, config_path)
    if ensure_rate_limit(cfg):
        print(f"Entrez requests share the Prefect rate limit '{cfg.entrez.concurrency_limit_name}'.")
    shared = os.environ.get("PREFECT_API_URL")
    where = shared or "Prefect's local ephemeral API"
    print(f"Serving 'nightly-audit/{NIGHTLY}' ({cfg.schedule.cron}, {cfg.schedule.timezone}) and "
          f"'audit-article/{RECHECK}' against {mask_url_credentials(where)}. Ctrl-C stops.", flush=True)
    _stop_within(STOP_GRACE)
    # Pausing the schedules on the way out matters on a shared server (runs would pile up as late);
    # the temporary API ends with this process, so there it would only be calls to a server gone.
    try:
        serve(*deployments, pause_on_shutdown=bool(shared))
    except RuntimeError as exc:
        if "Prefect API" not in str(exc):
            raise
        raise BadInputError("prefect", f"{str(exc).rstrip('.')}; point PREFECT_API_URL at a running server, "
                                       "or raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") from None
    return 0
