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
from pathlib import Path

from audit.config import Config, load_config

NIGHTLY = "nightly"
RECHECK = "recheck"


def build_deployments(cfg: Config, config_path: str | None) -> list:
    """RunnerDeployments for the nightly audit (cron) and the re-check (on demand)."""
    from prefect.schedules import Cron

    from flows.audit_flow import audit_article
    from flows.nightly import nightly_audit

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
    this limit, which frees at the allowed rate (see audit.pubmed.ratelimit).
    """
    from audit.pubmed.ratelimit import ensure_prefect_limit, prefect_enabled_by_env

    if enabled is None:
        enabled = bool(getattr(cfg.entrez, "prefect_rate_limit", False)) or prefect_enabled_by_env()
    if not enabled:
        return False
    ensure_prefect_limit(cfg.entrez.concurrency_limit_name, cfg.entrez.rate())
    return True


def serve_cli(args) -> int:
    from prefect import serve

    config_path = str(Path(args.config).resolve()) if args.config else None
    cfg = load_config(config_path)
    deployments = build_deployments(cfg, config_path)
    if ensure_rate_limit(cfg):
        print(f"Entrez requests share the Prefect rate limit '{cfg.entrez.concurrency_limit_name}'.")
    where = os.environ.get("PREFECT_API_URL") or "Prefect's local ephemeral API"
    print(f"Serving 'nightly-audit/{NIGHTLY}' ({cfg.schedule.cron}, {cfg.schedule.timezone}) and "
          f"'audit-article/{RECHECK}' against {where}. Ctrl-C stops.")
    serve(*deployments)
    return 0
