"""The audit of one run of articles as a Prefect flow.

Thin on purpose: each task is one step of ``audit.pipeline``; all the logic
lives in the library so it can be tested without the engine.
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from audit.config import Config, load_config
from audit.fetch import open_source
from audit.ingest import article_paths
from audit.models import Article, ArticleAudit
from audit.pipeline import read_one, score_and_find, unique_ids
from audit.resolve import resolve
from reports.writer import write_article_report, write_run_index


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(path: str) -> Article | ArticleAudit:
    return read_one(path)


@task(name="resolve-and-fetch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def resolve_task(articles: list[Article], cfg: Config, offline_records: list[str] | None):
    # One call for the whole run so the Entrez layer batches every unique PMID.
    source = open_source(cfg, offline_records)
    return resolve(articles, source), source.stats()


@task(name="score", cache_policy=NO_CACHE)
def score_task(article: Article, records: dict, cfg: Config) -> ArticleAudit:
    return score_and_find(article, records, cfg.scoring)


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
    items = [f.result() for f in ingest_task.map(files)]
    unique_ids(items)
    good = [it for it in items if isinstance(it, Article)]
    resolved, stats = resolve_task(good, cfg, offline_records) if good else ([], {})
    scored = iter([f.result() for f in score_task.map([a for a, _ in resolved], [r for _, r in resolved], cfg)])
    audits = [next(scored) if isinstance(it, Article) else it for it in items]
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
