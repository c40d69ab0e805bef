"""Prefect flows for a one-off audit (``citeaudit audit --prefect``) and an editor's re-check.

Both only wrap ``audit.pipeline``: the flow gives the run a place in the
Prefect UI, its steps become task runs (``flows.engine``), and the re-check
publishes its findings as artifacts.  No audit logic lives here.
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from audit.config import load_config
from audit.pipeline import run_audit, run_recheck
from flows.engine import PrefectExecutor, task_runner_for
from flows.rate_gate import gate_for


@flow(name="audit-run", log_prints=True)
def audit_run(paths: list[str], out_dir: str, offline_records: list[str] | None = None,
              config_path: str | None = None) -> dict:
    """Audit every article under ``paths`` and write the reports to ``out_dir``."""
    cfg = load_config(config_path)
    s = run_audit(paths, out_dir, cfg, offline_records, executor=PrefectExecutor(task_runner_for(cfg.concurrency)),
                  rate_gate=gate_for(cfg))
    get_run_logger().info("audited %d articles: %d findings (%d high); index at %s",
                          s["articles"], s["findings"], s["high"], s["index"])
    return s


@flow(name="audit-article", log_prints=True)
def audit_article(article_id: str, config_path: str | None = None, refresh_records: bool = False,
                  lock_wait: float = 30.0) -> dict:
    """Audit one article of the corpus now and compare it with its last audit.

    Writes the article's report with its difference from the last audit (new,
    persisting, resolved findings), refreshes the run index and records the
    re-check in the history; the next nightly run reuses this audit when
    nothing changes in between.  Also callable as a subflow.
    """
    logger = get_run_logger()
    cfg = load_config(config_path)
    s = run_recheck(cfg, article_id, refresh_records, executor=PrefectExecutor(task_runner_for(cfg.concurrency)),
                    lock_wait=lock_wait, rate_gate=gate_for(cfg))
    try:
        from prefect.artifacts import create_link_artifact, create_table_artifact

        create_table_artifact(table=[{"severity": k, "findings": n} for k, n in s["by_severity"].items()],
                              key="citeaudit-recheck-findings",
                              description=f"Findings of {article_id} after the re-check")
        create_link_artifact(link=Path(s["report"]).resolve().as_uri(), link_text=f"Report of {article_id}",
                             key="citeaudit-recheck-report")
    except Exception as exc:  # artifacts are a convenience; the report is on disk either way
        logger.warning("could not publish artifacts: %s", exc)
    logger.info("re-checked %s: %d findings (%d new, %d resolved); report at %s", article_id,
                s["findings"], s["new"], s["resolved"], s["report"])
    return s
