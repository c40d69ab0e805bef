"""The audit as plain functions: article -> references resolved -> scores -> findings.

The Prefect flows call these step by step; tests and benchmarks call them
directly.  No I/O here beyond reading the article files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from audit.config import Config, ScoringConfig
from audit.errors import BadInputError
from audit.pubmed.fetch import RecordSource
from audit.findings import article_findings
from audit.reading.ingest import article_id, article_paths, file_sha256, read_article
from audit.models import Article, ArticleAudit, Record
from audit.pubmed.resolve import resolve
from audit.scoring.score import score_article


def error_audit(path: str | Path, error: BadInputError | str) -> ArticleAudit:
    """An audit for an article that could not be read: the run goes on, the report says why."""
    p = Path(path)
    art = Article(id=article_id(p), path=str(p), format="unknown", title=p.name,
                  subject="", text="", sha256=file_sha256(p) or "")
    return ArticleAudit(article=art, pairs=[], findings=[], error=str(error))


def read_one(path: str | Path) -> Article | ArticleAudit:
    try:
        return read_article(path)
    except BadInputError as exc:
        return error_audit(path, exc)
    except OSError as exc:
        return error_audit(path, BadInputError(str(path), f"cannot read: {exc.strerror or exc}"))


def unique_ids(items: Sequence[Article | ArticleAudit]) -> None:
    """Two files with the same name in different folders must not share a report folder."""
    arts = [it.article if isinstance(it, ArticleAudit) else it for it in items]
    taken = {a.id for a in arts}
    seen: set[str] = set()
    for art in arts:
        if art.id in seen:
            n = 2
            while f"{art.id}-{n}" in taken:
                n += 1
            art.id = f"{art.id}-{n}"
            taken.add(art.id)
        seen.add(art.id)


def score_and_find(article: Article, records: dict[str, Record], cfg: ScoringConfig) -> ArticleAudit:
    pairs, drifts = score_article(article, records, cfg)
    if cfg.semantic and cfg.stance:
        # After relevance: what each source says about its claim (needs the sentence vectors).
        from audit.scoring.stance import judge_pairs
        judge_pairs(article, records, pairs)
    findings = article_findings(article, records, pairs, drifts)
    return ArticleAudit(article=article, pairs=pairs, findings=findings, records=records, drifts=drifts)


def audit_articles(articles: Sequence[Article], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    return [score_and_find(a, recs, cfg.scoring) for a, recs in resolve(articles, source)]


def audit_paths(paths: Sequence[str | Path], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    """Every article under ``paths``; unreadable ones become error audits, in input order."""
    items = [read_one(p) for p in article_paths(list(paths))]
    unique_ids(items)
    good = [it for it in items if isinstance(it, Article)]
    audited = iter(audit_articles(good, source, cfg))
    return [next(audited) if isinstance(it, Article) else it for it in items]


def audit_file(path: str | Path, source: RecordSource, cfg: Config) -> ArticleAudit:
    item = read_one(path)
    if isinstance(item, ArticleAudit):
        return item
    return audit_articles([item], source, cfg)[0]
