"""The audit as plain functions: article -> references resolved -> scores -> findings.

The Prefect flows call these step by step; tests and benchmarks call them
directly.  No I/O here beyond reading the article files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from audit.config import Config, ReadingConfig, ScoringConfig
from audit.errors import BadInputError
from audit.pubmed.fetch import RecordSource
from audit.findings import article_findings
from audit.reading.ingest import article_id, article_paths, file_sha256, read_articles
from audit.models import Article, ArticleAudit, Record
from audit.pubmed.resolve import resolve
from audit.scoring.score import score_article


def error_audit(path: str | Path, error: BadInputError | str) -> ArticleAudit:
    """An audit for an article that could not be read: the run goes on, the report says why."""
    p = Path(path)
    art = Article(id=article_id(p), path=str(p), format="unknown", title=p.name,
                  subject="", text="", sha256=file_sha256(p) or "")
    return ArticleAudit(article=art, pairs=[], findings=[], error=str(error))


def read_all(path: str | Path, limits: ReadingConfig | None = None) -> list[Article | ArticleAudit]:
    """Every article of the file (a PMC article set holds several), or one error audit.

    Any failure while reading one file, not only BadInputError, becomes that
    file's error entry: one bad input must not stop the run.
    """
    try:
        return list(read_articles(path, limits))
    except BadInputError as exc:
        return [error_audit(path, exc)]
    except OSError as exc:
        return [error_audit(path, BadInputError(str(path), f"cannot read: {exc.strerror or exc}"))]
    except (ValueError, RecursionError, MemoryError, LookupError, TypeError, AssertionError) as exc:
        return [error_audit(path, BadInputError(str(path), f"could not be read ({type(exc).__name__}: {exc})"))]


def read_one(path: str | Path, limits: ReadingConfig | None = None) -> Article | ArticleAudit:
    """The file's first article (read_all gives every article of a multi-article file)."""
    return read_all(path, limits)[0]


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
    audits = [score_and_find(a, recs, cfg.scoring) for a, recs in resolve(articles, source)]
    return search_sources(audits, source, cfg)


def search_sources(audits: list[ArticleAudit], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    """Unreferenced claims' likely sources and replacements for unsupportive citations (audit.sources)."""
    if not cfg.sources.enabled:
        return audits
    from audit.sources import SourceFinder, find_sources
    finder = SourceFinder.for_source(source, cfg.scoring, cfg.sources)
    return [find_sources(a, finder) for a in audits]


def audit_paths(paths: Sequence[str | Path], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    """Every article under ``paths``; unreadable ones become error audits, in input order."""
    items = [it for p in article_paths(list(paths)) for it in read_all(p, cfg.reading)]
    unique_ids(items)
    good = [it for it in items if isinstance(it, Article)]
    audited = iter(audit_articles(good, source, cfg))
    return [next(audited) if isinstance(it, Article) else it for it in items]


def audit_file(path: str | Path, source: RecordSource, cfg: Config) -> ArticleAudit:
    """The audit of a single-article file (audit_paths audits every article of a set)."""
    item = read_one(path, cfg.reading)
    if isinstance(item, ArticleAudit):
        return item
    return audit_articles([item], source, cfg)[0]
