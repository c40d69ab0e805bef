"""The nightly audit of the corpus, and the CLI entry points for it and for re-checks.

A run: list the corpus, read the articles, resolve their references through
the record cache (only expired or new records go to NCBI), then score only
the articles whose content key changed (article bytes, records, scoring
settings, code).  Each finished chunk of articles is committed to the
history store before the next is awaited, so a run killed midway is resumed
by the next invocation without redoing finished articles.  The run's index
and run.json lead with what is new, what persists and what was resolved.
"""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.futures import as_completed

from audit.config import Config, ConcurrencyConfig, load_config, require_contact_email
from audit.history import (ArticleResult, History, digest, code_version, config_hash, content_key,
                           diff_rows, error_key, parse_key, report_key)
from audit.reading.ingest import file_sha256
from audit.models import SEVERITIES, Article, ArticleAudit
from audit.pipeline import unique_ids
from audit.progress import Progress
from flows.steps import (AuditJob, audit_chunk, chunk_size, chunks, corpus_files,
                         ingest_chunk, resolve_records)
from reports.writer import article_dirname, write_run_index

# Crash drill for tests and operators: after this many articles are committed,
# the process kills itself with SIGKILL (no cleanup runs), as a power cut would.
CRASH_ENV = "CITEAUDIT_CRASH_AFTER_ARTICLES"


def task_runner_for(conc: ConcurrencyConfig, processes: bool = True):
    """Threads in this process, or Dask: a LocalCluster of ``workers``, or the cluster at ``dask_address``."""
    if conc.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if conc.dask_address:
            return DaskTaskRunner(address=conc.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": conc.workers, "threads_per_worker": 1,
                                              "processes": processes, "dashboard_address": None})
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=conc.workers)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _article_of(item: Article | ArticleAudit) -> Article:
    return item.article if isinstance(item, ArticleAudit) else item


def _statuses(rows: list[dict], previous: list[dict] | None) -> dict[str, str]:
    prev = {r["identity"] for r in previous or []}
    return {r["identity"]: ("persisting" if r["identity"] in prev else "new") for r in rows}


def _load_reports(out_dir: Path, ids: list[str]) -> list[dict]:
    out = []
    for aid in ids:
        p = out_dir / article_dirname(aid) / "report.json"
        try:
            out.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            # A report lost after its article was committed: the index still lists the article.
            out.append({"article": {"id": aid, "title": aid}, "findings": [], "summary": {},
                        "error": "report.json missing; re-run or re-check this article"})
    return out


def _public(row: dict) -> dict:
    return {k: row.get(k) for k in ("article_id", "kind", "severity", "message", "claim_id", "claim_text",
                                    "reference_id", "pmid", "identity", "status")}


class _CrashDrill:
    def __init__(self) -> None:
        v = os.environ.get(CRASH_ENV, "").strip()
        self.after = int(v) if v.isdigit() else 0
        self.count = 0

    def committed(self, n: int) -> None:
        self.count += n
        if self.after and self.count >= self.after:
            os.kill(os.getpid(), signal.SIGKILL)


def read_corpus(runner, files: list[str], history: History, size: int,
                limits=None) -> list[Article | ArticleAudit]:
    """Every article of every file (or the audit of an unreadable file), in ``files`` order.

    A file whose bytes hash and parse key (the reading code) match the last
    time it was read comes back from the history as read then, before
    resolution: parsing is the costliest part of a run that changes nothing.
    Its references are still resolved afresh and its content key (record
    hashes included) still decides whether it is scored again.
    """
    key = parse_key()
    hashes = {f: h for f in files if (h := file_sha256(f)) is not None}
    known = history.parsed_articles(hashes, key)
    to_read = [f for f in files if f not in known]
    read: dict[str, list[Article | ArticleAudit]] = {}
    for part, fut in [(c, runner.submit(ingest_chunk, {"files": c, "limits": limits}))
                      for c in chunks(to_read, size)]:
        read.update(zip(part, fut.result()))
    # Stored before unique_ids renames duplicate ids: the row is the file as read.  A file
    # that changed between hashing and reading is not stored (its hashes differ), nor one
    # holding several articles (a row is one article; such a file is read again).
    history.store_parsed([(f, its[0]) for f, its in read.items()
                          if len(its) == 1 and isinstance(its[0], Article) and its[0].sha256 == hashes.get(f)],
                         key, keep=files)
    return [it for f in files for it in ([known[f]] if f in known else read[f])]


def run_nightly(cfg: Config, progress: bool = True, task_runner=None) -> dict:
    """The body of the nightly flow (call inside a flow run)."""
    require_contact_email(cfg)
    history = History(cfg.output.history_db)
    try:
        return _run_nightly(cfg, history, progress, task_runner)
    finally:
        history.close()


def _run_nightly(cfg: Config, history: History, progress: bool, task_runner) -> dict:
    logger = get_run_logger()
    t0 = time.time()
    out_dir = Path(cfg.output.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    run = history.begin_run("nightly")
    files = corpus_files(cfg.corpus.paths, cfg.corpus.manifest)
    prog = Progress(len(files), label="nightly", enabled=progress)
    if run.resumed:
        prog.note(f"resuming run {run.run_id} (attempt {run.attempts})")
    offline = list(cfg.offline_records) or None
    drill = _CrashDrill()
    size = chunk_size(len(files), cfg.concurrency.workers)
    runner = task_runner if task_runner is not None else task_runner_for(cfg.concurrency)
    stats: dict = {}
    with runner:
        items = read_corpus(runner, files, history, size, cfg.reading)
        unique_ids(items)
        ids = [_article_of(it).id for it in items]

        # Resume: articles this run already committed (and unchanged since) are done.
        done = history.completed_articles(run.run_id)
        history.forget_articles(run.run_id, set(done) - set(ids))
        todo = [it for it in items
                if not (_article_of(it).id in done and done[_article_of(it).id]["sha256"] == _article_of(it).sha256)]
        if len(todo) < len(items):
            prog.advance(len(items) - len(todo), force=True)

        good = [it for it in todo if isinstance(it, Article)]
        resolved: list = []
        if good:
            resolved, stats = runner.submit(resolve_records, {"articles": good, "cfg": cfg,
                                                              "offline_records": offline}).result()
        prog.set_records(int(stats.get("records_fetched", 0)))
        recs_by_id = {a.id: (a, r) for a, r in resolved}

        todo_ids = [_article_of(it).id for it in todo]
        previous = history.findings_by_article(run.previous_run_id, todo_ids) if run.previous_run_id else None
        states = history.article_states(todo_ids)
        scoring_hash, code = config_hash(cfg.scoring), code_version()
        memo: dict[str, str] = {}

        direct: list[ArticleResult] = []
        jobs: list[AuditJob] = []
        for it in todo:
            aid = _article_of(it).id
            prev_rows = previous.get(aid, []) if previous is not None else None
            if isinstance(it, ArticleAudit):
                jobs.append(AuditJob(it, {}, error_key(it), prev_rows))
                continue
            art, recs = recs_by_id[aid]
            key = content_key(art, recs, scoring_hash, code, memo)
            st = states.get(aid)
            if st is not None and st.content_key == key:
                statuses = _statuses(st.findings, prev_rows) if prev_rows is not None else \
                    {r["identity"]: "new" for r in st.findings}
                rkey = report_key(key, diff_rows(prev_rows, st.findings) if prev_rows is not None else None)
                if rkey == st.report_key and (out_dir / article_dirname(aid) / "report.json").is_file():
                    direct.append(ArticleResult(aid, art.path, art.sha256, key, False, st.findings, statuses,
                                                None, rkey))
                    continue
                # Same findings, but the report's new/persisting marks must change.
                jobs.append(AuditJob(art, recs, key, prev_rows, reuse_blob=history.article_audit_blob(aid)))
            else:
                jobs.append(AuditJob(art, recs, key, prev_rows))

        for part in chunks(direct, 500):
            history.record_articles(run.run_id, part)
            prog.advance(len(part), findings=sum(len(r.rows) for r in part))
            drill.committed(len(part))

        futures = [runner.submit(audit_chunk, {"jobs": c, "scoring": cfg.scoring, "out_dir": str(out_dir),
                                               "chunk_key": digest(*(j.content_key for j in c))[:16]})
                   for c in chunks(jobs, size)]
        for fut in as_completed(futures):
            results = fut.result()
            history.record_articles(run.run_id, results)
            prog.advance(len(results), scored=sum(r.scored for r in results),
                         findings=sum(len(r.rows) for r in results))
            drill.committed(len(results))

    return _finish(cfg, history, run, ids, stats, prog, t0, logger, type(runner).__name__)


def _finish(cfg: Config, history: History, run, ids: list[str], stats: dict, prog: Progress,
            t0: float, logger, runner_name: str = "") -> dict:
    out_dir = Path(cfg.output.reports_dir)
    counts = history.article_scored_counts(run.run_id)
    diff = history.run_diff(run.run_id)
    reports = _load_reports(out_dir, ids)
    by_sev = {s: 0 for s in SEVERITIES}
    for rep in reports:
        for f in rep.get("findings") or []:
            by_sev[f.get("severity")] = by_sev.get(f.get("severity"), 0) + 1
    run_info = {
        "run_id": run.run_id, "started_at": _iso(run.started_at), "previous_run_id": run.previous_run_id,
        "resumed": run.resumed, "attempts": run.attempts,
        "articles": len(ids), "scored": counts["scored"], "reused": counts["reused"],
        "entrez_requests": int(stats.get("requests_total", 0)),
        "records_fetched": int(stats.get("records_fetched", 0)),
        "new": [_public(r) for r in diff["new"]],
        "persisting": [_public(r) for r in diff["persisting"]],
        "resolved": [_public(r) for r in diff["resolved"]],
    }
    index = write_run_index(out_dir, reports, run_info)
    summary = {
        "run_id": run.run_id, "previous_run_id": run.previous_run_id, "resumed": run.resumed,
        "articles": len(ids), "scored": counts["scored"], "reused": counts["reused"],
        # scored by this invocation (a resumed run counts only what it did itself)
        "scored_now": prog.scored, "task_runner": runner_name,
        "errors": sum(1 for r in reports if r.get("error")),
        "findings": sum(by_sev.values()), "by_severity": by_sev, "high": by_sev.get("high", 0),
        "new": len(diff["new"]), "persisting": len(diff["persisting"]), "resolved": len(diff["resolved"]),
        "index": str(index), "run_json": str(out_dir / "run.json"),
        "seconds": round(time.time() - t0, 3), "source": stats,
    }
    _publish_artifacts(summary, diff, index)
    history.finish_run(run.run_id, {k: v for k, v in summary.items() if k != "source"}, diff=diff)
    history.prune()          # findings of the newest 60 runs are kept; older ones only grow the store
    prog.note(f"done: {summary['articles']} articles, {summary['scored']} scored; "
              f"{summary['new']} new, {summary['persisting']} persisting, {summary['resolved']} resolved findings")
    logger.info("nightly run %s: %d articles (%d scored), %d findings (%d new, %d resolved); index at %s",
                run.run_id, summary["articles"], summary["scored"], summary["findings"], summary["new"],
                summary["resolved"], index)
    return summary


def _publish_artifacts(summary: dict, diff: dict, index: Path) -> None:
    table = []
    for sev in SEVERITIES:
        table.append({"severity": sev, "findings": summary["by_severity"].get(sev, 0),
                      "new": sum(1 for r in diff["new"] if r["severity"] == sev),
                      "resolved": sum(1 for r in diff["resolved"] if r["severity"] == sev)})
    create_table_artifact(table=table, key="citeaudit-findings-by-severity",
                          description=f"Findings by severity, nightly run {summary['run_id']}")
    create_link_artifact(link=Path(index).resolve().as_uri(), link_text="Run index (index.html)",
                         key="citeaudit-run-index", description=f"Report index of run {summary['run_id']}")
    lines = [f"# Nightly audit {summary['run_id']}", "",
             f"{summary['articles']} articles, {summary['scored']} scored, {summary['reused']} unchanged.", "",
             f"- **{summary['new']} new** findings", f"- {summary['persisting']} persisting",
             f"- {summary['resolved']} resolved", ""]
    for r in diff["new"][:50]:
        lines.append(f"- new, {r['severity']}: `{r['article_id']}` {r['message']}")
    create_markdown_artifact(markdown="\n".join(lines), key="citeaudit-run-changes",
                             description="What changed since the previous run")


@flow(name="nightly-audit", log_prints=True)
def nightly_audit(config_path: str | None = None, progress: bool = True) -> dict:
    """Audit the whole corpus named by the config; resume an interrupted run."""
    return run_nightly(load_config(config_path), progress=progress)


# ---------------------------------------------------------------------------
# CLI


def _config_arg(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None


def run_nightly_cli(args) -> int:
    cfg_path = _config_arg(args.config)
    # A bad config, no contact email for NCBI, or a corrupt history fails here, before the engine starts.
    cfg = load_config(cfg_path)
    require_contact_email(cfg)
    History(cfg.output.history_db).close()
    s = nightly_audit(config_path=cfg_path, progress=True)
    print(f"Nightly run {s['run_id']}: {s['articles']} article(s), {s['scored']} scored, "
          f"{s['reused']} unchanged; {s['findings']} findings ({s['high']} high).")
    print(f"Since the previous run: {s['new']} new, {s['persisting']} persisting, {s['resolved']} resolved.")
    print(f"Index: {s['index']}")
    return 0


def run_recheck_cli(args) -> int:
    from flows.audit_flow import audit_article

    cfg_path = _config_arg(args.config)
    History(load_config(cfg_path).output.history_db).close()   # a corrupt history: one line, before the engine
    s = audit_article(article_id=args.article_id, config_path=cfg_path,
                      refresh_records=bool(getattr(args, "refresh_records", False)))
    print(f"Re-checked {s['article_id']}: {s['findings']} findings ({s['high']} high); "
          f"since the last audit: {s['new']} new, {s['persisting']} persisting, {s['resolved']} resolved.")
    print(f"Report: {s['report']}")
    return 0
