"""The steps of the pipeline, one article (or one chunk of articles) at a time: read, resolve, score,
find sources, write its report (or, in a run that writes nothing, keep the audit).  Module functions
with plain-data arguments, so the executor that ``audit.pipeline.execute`` is given (threads, Prefect,
Dask) can ship them.
"""
from __future__ import annotations

import dataclasses
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from audit import changes
from audit.audit_rows import finding_rows, pack_audit, unpack_audit
from audit.content_keys import report_key
from audit.config import Config, ReadingConfig, ScoringConfig
from audit.errors import BadInputError
from audit.findings import article_findings
from audit.history import ArticleResult
from audit.models import Article, ArticleAudit, Record
from audit.pubmed.budget import step_ledger
from audit.pubmed.fetch import given_source, open_source
from audit.pubmed.ratelimit import SharedGate
from audit.pubmed.resolve import resolve
from audit.record_source import RecordSource
from audit.reading.ingest import article_id, file_sha256, read_articles
from audit.scoring.score import score_article
from audit.scoring.stance import judge_pairs
from audit.search_step import score_and_search
from reports.writer import article_folder, write_report

log = logging.getLogger("audit.pipeline")


# ---------------------------------------------------------------------------
# One article


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
    except Exception as exc:     # a reader bug on odd input: this file's error, not the run's
        log.warning("reading %s failed", path, exc_info=True)
        return [error_audit(path, BadInputError(str(path), f"could not be read ({_what(exc)})", _line_of(exc)))]


def read_one(path: str | Path, limits: ReadingConfig | None = None) -> Article | ArticleAudit:
    """The file's first article (read_all gives every article of a multi-article file)."""
    return read_all(path, limits)[0]


def score_and_find(article: Article, records: dict[str, Record], cfg: ScoringConfig) -> ArticleAudit:
    try:
        pairs, drifts = score_article(article, records, cfg)
        if cfg.semantic and cfg.stance:
            # After relevance: what each source says about its claim (needs the sentence vectors).
            judge_pairs(article, records, pairs)
        findings = article_findings(article, records, pairs, drifts)
    except Exception as exc:     # one article's scoring failure is that article's error entry
        log.warning("scoring %s failed", article.path, exc_info=True)
        error = BadInputError(article.path, f"could not be scored ({_what(exc)})", _line_of(exc))
        return ArticleAudit(article=article, pairs=[], findings=[], records=records, error=str(error))
    return ArticleAudit(article=article, pairs=pairs, findings=findings, records=records, drifts=drifts)


def _what(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _line_of(exc: BaseException) -> int | None:
    """The input line an error names, where it names one (parsers' lineno/position)."""
    for attr in ("lineno", "line"):
        v = getattr(exc, attr, None)
        if isinstance(v, int) and v > 0:
            return v
    pos = getattr(exc, "position", None)
    if isinstance(pos, tuple) and pos and isinstance(pos[0], int) and pos[0] > 0:
        return pos[0]
    return None


# ---------------------------------------------------------------------------
# The steps an executor runs (module functions: Prefect and Dask can ship them)


def read_chunk(files: list[str], limits: ReadingConfig | None = None) -> list[list[Article | ArticleAudit]]:
    """Per file, every article it holds (a PMC article set holds several), or its error entry."""
    return [read_all(f, limits) for f in files]


def resolve_records(articles: list[Article], cfg: Config, offline_records: "list[str] | RecordSource | None",
                    refresh: bool = False, run: str | None = None, rate_gate: SharedGate | None = None,
                    origin: int | None = None) -> tuple[list[tuple[Article, dict[str, Record]]], dict]:
    """Every article of the run in one call, so the Entrez layer fetches each unique PMID once, in batches.

    ``offline_records``: paths of records files, or the run's record source itself (an OfflineSource it
    loaded once, any RecordSource it was given); ``refresh`` treats every cached record as expired
    (TTL 0); ``run``: the run's request ledger; ``rate_gate``: the run's shared rate gate (flows/);
    ``origin``: the run's process (away from it, the stats carry the requests as ``ledger_counts``).
    """
    with step_ledger(run, origin) as (token, back):
        with records_from(cfg, offline_records, refresh, token, rate_gate) as source:
            resolved, stats = resolve(articles, source), source.stats()
    if back:
        stats["ledger_counts"] = back
    return resolved, stats


@contextmanager
def records_from(cfg: Config, offline_records: "Sequence[str] | RecordSource | None", refresh: bool = False,
                 run: str | None = None, rate_gate: SharedGate | None = None) -> Iterator[RecordSource]:
    """The record source: the run's own, as the run opened it (``audit.pipeline`` opens it once and shares
    it between its steps), else one opened here and closed after; ``refresh`` treats every cached record
    as expired (TTL 0); ``run``: the token of the run's request ledger (audit.pubmed.budget);
    ``rate_gate``: what its E-utilities requests wait on across processes (``fetch.open_source``)."""
    given = given_source(offline_records)
    if given is not None:
        yield given
        return
    if refresh and not offline_records:
        cfg = dataclasses.replace(cfg, entrez=dataclasses.replace(cfg.entrez, cache_ttl_days=0.0))
    source = open_source(cfg, list(offline_records) if offline_records else None, run, rate_gate)
    try:
        yield source
    finally:
        source.close()


@dataclass
class AuditJob:
    """One article to audit (or whose reusable audit needs a new report)."""

    article: Article | ArticleAudit       # an ArticleAudit: unreadable, already final
    records: dict[str, Record]
    content_key: str
    previous: list[dict] | None           # finding rows compared with; None: nothing to compare with
    reuse_blob: str | None = None         # the stored audit (JSON) for this content key: no scoring
    extra: dict = field(default_factory=dict)
    decisions: list[dict] = field(default_factory=list)   # reviewers' decisions on this article, marked in its report


def audit_of(job: AuditJob, scoring: ScoringConfig) -> tuple[ArticleAudit, bool]:
    """The job's audit, and whether it was scored now (not unreadable, not reused)."""

    if isinstance(job.article, ArticleAudit):
        return job.article, False
    if job.reuse_blob is not None:
        try:
            audit = unpack_audit(job.reuse_blob, job.records)
            finding_rows(audit)                 # the shape the report and the history need
            return audit, False
        except Exception as exc:  # noqa: BLE001 - one stored row of the wrong shape: re-score that article
            log.warning("%s: its stored audit in the history does not read (%s); it is scored again",
                        job.article.path, _what(exc))
    return score_and_find(job.article, job.records, scoring), True


def report_one(job: AuditJob, audit: ArticleAudit, scored: bool, out_dir: str):
    """Compare the audit with the previous findings, write its report, and say what the history keeps."""

    rows = finding_rows(audit)
    faults = changes.audit_faults(audit)
    rows += changes.carried_rows(job.previous, rows, faults)
    diff = changes.diff_rows(job.previous, rows) if job.previous is not None else None
    folder, entry = write_report(audit, Path(out_dir), diff, job.decisions)
    art = audit.article
    return ArticleResult(
        article_id=art.id, path=art.path, sha256=art.sha256, content_key=job.content_key,
        scored=scored, rows=rows, statuses=changes.statuses(diff, [r["identity"] for r in rows]),
        error=audit.error, report_key=report_key(job.content_key, diff),
        audit_blob=pack_audit(audit) if scored or isinstance(job.article, ArticleAudit) else None,
        extra={"diff": diff, "report_dir": str(article_folder(out_dir, art.id)), "index_entry": entry},
        # What the run wrote, so an edited or cut report.json is known for what it is.
        faults=faults, report_sha=file_sha256(Path(folder) / "report.json") or "")


def keep_one(job: AuditJob, audit: ArticleAudit, scored: bool) -> ArticleResult:
    """The audit itself, for a run that writes nothing (``audit.pipeline.audit_paths``): no report is
    written and there is no history to keep rows for; ``extra["audit"]`` is what the caller gets."""
    art = audit.article
    return ArticleResult(article_id=art.id, path=art.path, sha256=art.sha256, content_key=job.content_key,
                         scored=scored, rows=[], statuses={}, error=audit.error, extra={"audit": audit})


def audit_one(job: AuditJob, scoring: ScoringConfig, out_dir: str | None):
    """Score (or reuse), compare with the previous findings, write the report (``out_dir`` None: keep the audit)."""
    audit, scored = audit_of(job, scoring)
    return report_one(job, audit, scored, out_dir) if out_dir is not None else keep_one(job, audit, scored)


def audit_chunk(jobs: list[AuditJob], scoring: ScoringConfig, out_dir: str | None, chunk_key: str = "",
                sources: dict | None = None) -> tuple[list, dict]:
    """(``audit_one`` for each job, the requests it sent where the run cannot count them itself).

    With ``sources`` (cfg, offline_records, the run's ledger token, ``origin``: the run's process,
    ``search_share``: what of the run's search budget the chunk may spend away from it), the source
    search (``audit.search_step``) runs on the chunk's audits after scoring, before the reports are
    written: the verdicts say which citations need replacements.  ``out_dir`` None: nothing is written,
    each result holds its audit (``keep_one``)."""
    # chunk_key (a hash of the articles' content keys) names the Prefect task run.
    if not sources:
        return [audit_one(j, scoring, out_dir) for j in jobs], {}
    cfg = sources["cfg"]
    with step_ledger(sources.get("run"), sources.get("origin"), sources.get("search_share")) as (token, back):
        # Each article's report is written as soon as its search ends (while later ones still wait on the pace).
        results = score_and_search(jobs, lambda j: audit_of(j, scoring), cfg,
                                   lambda: records_from(cfg, sources.get("offline_records"), run=token,
                                                        rate_gate=sources.get("rate_gate")),
                                   (lambda i, a, scored: keep_one(jobs[i], a, scored)) if out_dir is None else
                                   (lambda i, a, scored: report_one(jobs[i], a, scored, out_dir)))
    return results, back


def chunks(items: Sequence, size: int) -> list[list]:
    size = max(1, size)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def chunk_size(n: int, workers: int, smallest: int = 4, largest: int = 100) -> int:
    """About four chunks per worker, so a slow chunk does not hold up the run's tail."""
    return max(smallest, min(largest, -(-n // max(1, workers * 4))))
