"""The Prefect tasks shared by the nightly and the one-article flows.

Tasks work on chunks of articles, not single articles: an engine task run
costs a few milliseconds, which for a corpus of thousands of articles would
cost more than the audit itself.  Each task is a thin wrapper around library
functions, so what they do is tested without the engine.
"""
from __future__ import annotations

import dataclasses
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from prefect import task
from prefect.cache_policies import NO_CACHE

from audit.config import Config, ScoringConfig
from audit.errors import BadInputError
from audit.pubmed.fetch import RecordSource, open_source
from audit.history import (ArticleResult, diff_rows, finding_rows, pack_audit, report_key,
                           unpack_audit)
from audit.models import Article, ArticleAudit, Record
from audit.pipeline import read_all, score_and_find
from audit.pubmed.resolve import resolve
from reports.writer import article_dirname, write_article_report

GLOB_CHARS = set("*?[")


# ---------------------------------------------------------------------------
# The corpus


def manifest_paths(manifest: str) -> list[str]:
    """One path (or glob) a line; blank lines and ``#`` comments skipped; relative to the manifest."""
    p = Path(manifest)
    if not p.is_file():
        raise BadInputError(manifest, "corpus manifest not found")
    out = []
    for line in p.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line if os.path.isabs(line) else str(p.parent / line))
    return out


def corpus_files(paths: Sequence[str], manifest: str = "") -> list[str]:
    """Every article file named by folders, files, globs and the manifest; sorted, no repeats."""
    from audit.reading.ingest import article_paths

    entries = list(paths) + (manifest_paths(manifest) if manifest else [])
    plain: list[str] = []
    for e in entries:
        e = os.path.expanduser(e)
        if GLOB_CHARS & set(e):
            plain += sorted(glob.glob(e, recursive=True))
        elif not Path(e).exists():
            raise BadInputError(e, "corpus path not found")
        else:
            plain.append(e)
    files = [str(Path(f).resolve()) for f in article_paths(plain)] if plain else []
    return sorted(dict.fromkeys(files))


def chunks(items: Sequence, size: int) -> list[list]:
    size = max(1, size)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def chunk_size(n: int, workers: int, smallest: int = 4, largest: int = 100) -> int:
    """About four chunks per worker, so a slow chunk does not hold up the run's tail."""
    return max(smallest, min(largest, -(-n // max(1, workers * 4))))


# ---------------------------------------------------------------------------
# Tasks


@task(name="ingest-chunk", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def ingest_chunk(files: list[str], limits=None) -> list[list[Article | ArticleAudit]]:
    """Per file, every article it holds (a PMC article set holds several), or its error entry."""
    return [read_all(f, limits) for f in files]


def open_records(cfg: Config, offline_records: Sequence[str] | None, refresh: bool = False) -> RecordSource:
    """The record source; ``refresh`` treats every cached record as expired (TTL 0)."""
    if refresh and not offline_records:
        cfg = dataclasses.replace(cfg, entrez=dataclasses.replace(cfg.entrez, cache_ttl_days=0.0))
    return open_source(cfg, list(offline_records) if offline_records else None)


@task(name="resolve-and-fetch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def resolve_records(articles: list[Article], cfg: Config, offline_records: list[str] | None,
                    refresh: bool = False) -> tuple[list[tuple[Article, dict[str, Record]]], dict]:
    # One call for every article of the run: the Entrez layer then fetches each
    # unique PMID once, in batches, and only those whose cached copy expired.
    source = open_records(cfg, offline_records, refresh)
    try:
        return resolve(articles, source), source.stats()
    finally:
        cache = getattr(source, "cache", None)
        if cache is not None:
            cache.close()


@dataclass
class AuditJob:
    """One article to audit (or whose reusable audit needs a new report)."""

    article: Article | ArticleAudit       # an ArticleAudit: unreadable, already final
    records: dict[str, Record]
    content_key: str
    previous: list[dict] | None           # finding rows of the run compared with; None: first run
    reuse_blob: bytes | None = None       # the stored audit for this content key: no scoring
    extra: dict = field(default_factory=dict)


def audit_one(job: AuditJob, scoring: ScoringConfig, out_dir: str) -> ArticleResult:
    """Score (or reuse), compare with the previous findings, write the report."""
    if isinstance(job.article, ArticleAudit):
        audit, scored = job.article, False
    elif job.reuse_blob is not None:
        audit, scored = unpack_audit(job.reuse_blob, job.records), False
    else:
        audit, scored = score_and_find(job.article, job.records, scoring), True
    rows = finding_rows(audit)
    diff = diff_rows(job.previous or [], rows) if job.previous is not None else None
    statuses = {r["identity"]: "new" for r in rows}
    if diff is not None:
        statuses.update({r["identity"]: "persisting" for r in diff["persisting"]})
    write_article_report(audit, Path(out_dir), diff)
    art = audit.article
    return ArticleResult(
        article_id=art.id, path=art.path, sha256=art.sha256, content_key=job.content_key,
        scored=scored, rows=rows, statuses=statuses, error=audit.error,
        report_key=report_key(job.content_key, diff),
        audit_blob=pack_audit(audit) if scored or isinstance(job.article, ArticleAudit) else None,
        extra={"diff": {k: len(v) for k, v in diff.items()} if diff else None,
               "report_dir": str(Path(out_dir) / article_dirname(art.id))})


@task(name="audit-chunk", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2,
      task_run_name="audit-chunk-{chunk_key}")
def audit_chunk(jobs: list[AuditJob], scoring: ScoringConfig, out_dir: str, chunk_key: str = "") -> list[ArticleResult]:
    # chunk_key (a hash of the articles' content keys) names the task run, so the
    # UI shows which content a run scored.
    return [audit_one(j, scoring, out_dir) for j in jobs]
