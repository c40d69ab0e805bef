"""The audit of one run of articles as a Prefect flow.

Thin on purpose: each task is one step of ``audit.pipeline``; all the logic
lives in the library so it can be tested without the engine.
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from audit.config import Config, load_config
from audit.errors import BadInputError
from audit.reading.ingest import article_paths
from audit.models import Article, ArticleAudit
from audit.pipeline import read_all, score_and_find, unique_ids
from flows.steps import resolve_records
from reports.writer import write_article_report, write_run_index


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(path: str, limits=None) -> list[Article | ArticleAudit]:
    """Every article of the file (a PMC article set holds several), or its error entry."""
    return read_all(path, limits)


@task(name="score", cache_policy=NO_CACHE)
def score_task(article: Article, records: dict, cfg: Config) -> ArticleAudit:
    return score_and_find(article, records, cfg.scoring)


@task(name="find-sources", cache_policy=NO_CACHE)
def sources_task(audits: list[ArticleAudit], cfg: Config, offline_records: list[str] | None) -> list[ArticleAudit]:
    # After scoring: the verdicts say which citations need replacements.  The records fetched by the
    # resolve step are in the cache by now, so the local index holds them.
    from audit.pipeline import search_sources
    from flows.steps import open_records
    source = open_records(cfg, offline_records)
    try:
        return search_sources(audits, source, cfg)
    finally:
        cache = getattr(source, "cache", None)
        if cache is not None:
            cache.close()


@task(name="report", cache_policy=NO_CACHE)
def report_task(audit: ArticleAudit, out_dir: str) -> str:
    return str(write_article_report(audit, Path(out_dir)))


@flow(name="audit-run", log_prints=True)
def audit_run(paths: list[str], out_dir: str, offline_records: list[str] | None = None,
              config_path: str | None = None) -> dict:
    """Audit every article under ``paths`` and write the reports to ``out_dir``."""
    logger = get_run_logger()
    cfg = load_config(config_path)
    files = [str(p) for p in article_paths(paths)]
    items = [it for f in ingest_task.map(files, unmapped(cfg.reading)) for it in f.result()]
    unique_ids(items)
    good = [it for it in items if isinstance(it, Article)]
    # One call for the whole run so the Entrez layer batches every unique PMID.
    resolved, stats = resolve_records(good, cfg, offline_records) if good else ([], {})
    scored = iter([f.result() for f in score_task.map([a for a, _ in resolved], [r for _, r in resolved], cfg)])
    audits = [next(scored) if isinstance(it, Article) else it for it in items]
    if cfg.sources.enabled and any(not a.error for a in audits):
        audits = sources_task(audits, cfg, offline_records)
    for a in audits:
        if a.error:
            logger.warning("could not read %s", a.error)
    for f in report_task.map(audits, out_dir):
        f.result()
    index = write_run_index(Path(out_dir), audits, {"source": stats})
    totals = {"articles": len(audits), "errors": sum(1 for a in audits if a.error),
              "findings": sum(len(a.findings) for a in audits),
              "high": sum(1 for a in audits for f in a.findings if f.severity == "high"),
              "index": str(index), "source": stats}
    logger.info("audited %d articles: %d findings (%d high); index at %s",
                totals["articles"], totals["findings"], totals["high"], index)
    return totals


# ---------------------------------------------------------------------------
# One article of the corpus: the editor's re-check (deployment "audit-article/recheck").


def locate_article(article_id: str, cfg: Config, history) -> str:
    """The file of a corpus article: where the history last read it, else a scan of the corpus."""
    from audit.reading.ingest import article_id as id_of_file
    from flows.steps import corpus_files

    known = history.article_path(article_id)
    if known and Path(known).is_file():
        return known
    files = corpus_files(cfg.corpus.paths, cfg.corpus.manifest)
    for f in files:
        if id_of_file(f) == article_id:
            return f
    # Ids of same-named files get suffixes ("-2") in corpus order, and a PMC article set holds
    # several articles ("pmc--PMC123"): read them all to match.
    pairs = [(f, it) for f in files for it in read_all(f, cfg.reading)]
    unique_ids([it for _, it in pairs])
    for f, it in pairs:
        if (it.article if isinstance(it, ArticleAudit) else it).id == article_id:
            return f
    raise BadInputError(article_id, "no article with this id in the corpus "
                                    f"({', '.join(cfg.corpus.paths) or cfg.corpus.manifest})")


@flow(name="audit-article", log_prints=True)
def audit_article(article_id: str, config_path: str | None = None, refresh_records: bool = False) -> dict:
    """Audit one article of the corpus now and compare it with its last audit.

    Writes the article's report with its difference from the last audit (new,
    persisting, resolved findings) and records the re-check in the history;
    the next nightly run reuses this audit when nothing changes in between.
    Also callable as a subflow.
    """
    from audit.history import History, code_version, config_hash, content_key, diff_rows, error_key
    from flows.steps import AuditJob, audit_chunk, ingest_chunk

    logger = get_run_logger()
    cfg = load_config(config_path)
    out_dir = Path(cfg.output.reports_dir)
    history = History(cfg.output.history_db)
    try:
        path = locate_article(article_id, cfg, history)
        items = ingest_chunk([path], cfg.reading)[0]
        # the article of that id when the file holds several, else the file's one article
        item = next((it for it in items if (it.article if isinstance(it, ArticleAudit) else it).id == article_id),
                    items[0])
        art = item.article if isinstance(item, ArticleAudit) else item
        art.id = article_id          # keep the corpus id even when it carries a "-2" suffix
        stats: dict = {}
        if isinstance(item, ArticleAudit):
            job_item, recs, key = item, {}, error_key(item)
        else:
            offline = list(cfg.offline_records) or None
            resolved, stats = resolve_records([item], cfg, offline, refresh_records)
            job_item, recs = resolved[0]
            key = content_key(job_item, recs, config_hash(cfg.scoring), code_version())
        state = history.article_states([article_id]).get(article_id)
        previous = state.findings if state is not None else []
        run = history.begin_run("recheck", resume=False)
        result = audit_chunk([AuditJob(job_item, recs, key, previous)], cfg.scoring, str(out_dir),
                             chunk_key=key[:16])[0]
        history.record_articles(run.run_id, [result])
        diff = diff_rows(previous, result.rows)
        by_sev = {s: sum(1 for r in result.rows if r["severity"] == s) for s in ("high", "medium", "low")}
        summary = {"run_id": run.run_id, "article_id": article_id, "path": path,
                   "report": str(Path(result.extra["report_dir"]) / "report.html"),
                   "findings": len(result.rows), "high": by_sev["high"], "by_severity": by_sev,
                   "new": len(diff["new"]), "persisting": len(diff["persisting"]),
                   "resolved": len(diff["resolved"]), "error": result.error,
                   "refresh_records": refresh_records,
                   "entrez_requests": int(stats.get("requests_total", 0))}
        history.finish_run(run.run_id, summary, diff=diff)
    finally:
        history.close()
    try:
        from prefect.artifacts import create_link_artifact, create_table_artifact

        create_table_artifact(table=[{"severity": s, "findings": n} for s, n in by_sev.items()],
                              key="citeaudit-recheck-findings",
                              description=f"Findings of {article_id} after the re-check")
        create_link_artifact(link=Path(summary["report"]).resolve().as_uri(), link_text=f"Report of {article_id}",
                             key="citeaudit-recheck-report")
    except Exception as exc:  # artifacts are a convenience; the report is on disk either way
        logger.warning("could not publish artifacts: %s", exc)
    logger.info("re-checked %s: %d findings (%d new, %d resolved); report at %s", article_id,
                summary["findings"], summary["new"], summary["resolved"], summary["report"])
    return summary
