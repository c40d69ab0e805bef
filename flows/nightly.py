"""The nightly audit of the corpus as a Prefect flow.

It only wraps ``audit.pipeline.run_nightly`` (the same run ``citeaudit
nightly`` makes in-process): the flow adds the schedule (``flows.deploy``),
task runs with retries on threads or Dask (``flows.engine``), and artifacts
that lead with what changed.  No audit logic lives here.
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from audit.config import load_config
from audit.models import SEVERITIES
from audit.changes import fault_text
from audit.pipeline import run_nightly
from flows.engine import PrefectExecutor, task_runner_for
from flows.rate_gate import gate_for


def _publish_artifacts(summary: dict) -> None:
    diff = summary.get("diff") or {}
    table = []
    for sev in SEVERITIES:
        table.append({"severity": sev, "findings": summary["by_severity"].get(sev, 0),
                      "new": sum(1 for r in diff.get("new", []) if r["severity"] == sev),
                      "resolved": sum(1 for r in diff.get("resolved", []) if r["severity"] == sev)})
    create_table_artifact(table=table, key="citeaudit-findings-by-severity",
                          description=f"Findings by severity, nightly run {summary['run_id']}")
    create_link_artifact(link=Path(summary["index"]).resolve().as_uri(), link_text="Run index (index.html)",
                         key="citeaudit-run-index", description=f"Report index of run {summary['run_id']}")
    lines = [f"# Nightly audit {summary['run_id']}", "",
             f"{summary['articles']} articles, {summary['scored']} scored, {summary['reused']} unchanged.", "",
             f"- **{summary['new']} new** findings", f"- {summary['persisting']} persisting",
             f"- {summary['resolved']} resolved", ""]
    if summary.get("degraded"):
        lines.insert(2, f"**Degraded run**: {fault_text(summary.get('faults') or {})}; what could not be "
                        "checked keeps its previous findings and nothing is called resolved.\n")
    for r in diff.get("new", [])[:50]:
        lines.append(f"- new, {r['severity']}: `{r['article_id']}` {r['message']}")
    create_markdown_artifact(markdown="\n".join(lines), key="citeaudit-run-changes",
                             description="What changed since the previous run")


@flow(name="nightly-audit", log_prints=True)
def nightly_audit(config_path: str | None = None, progress: bool = True, lock_wait: float = 0.0) -> dict:
    """Audit the whole corpus named by the config; resume an interrupted run."""
    cfg = load_config(config_path)
    s = run_nightly(cfg, PrefectExecutor(task_runner_for(cfg.concurrency)), progress=progress, lock_wait=lock_wait,
                    rate_gate=gate_for(cfg))
    _publish_artifacts(s)
    get_run_logger().info("nightly run %s: %d articles (%d scored), %d findings (%d new, %d resolved); index at %s",
                          s["run_id"], s["articles"], s["scored"], s["findings"], s["new"], s["resolved"], s["index"])
    return s
