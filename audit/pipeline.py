"""The audit, once: article files -> references resolved -> scores -> findings -> reports (and history).

``execute(RunPlan)`` is the one pipeline.  ``citeaudit audit`` (a one-off
audit, no history), the nightly run of the corpus and an editor's re-check of
one article are three plans for it (``run_audit``, ``run_nightly``,
``run_recheck``); the Prefect flows call the same functions with a Prefect
executor (``flows.engine``), which only decides where each step runs.

A run with a history: list the files, read them (unchanged files come back as
read last time), resolve their references through the record cache, score
only the articles whose content key changed (article bytes, records, scoring
settings, code), and commit each finished chunk before the next is awaited,
so a killed nightly is resumed by the next invocation without redoing
finished articles.  One run at a time writes a history (``audit.locks``).
Statuses (new / persisting / resolved, degraded runs) come from
``audit.changes``.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from audit import changes
from audit.config import Config, ReadingConfig, ScoringConfig, SourcesConfig
from audit.errors import BadInputError
from audit.executor import Executor, LocalExecutor, ordered
from audit.findings import article_findings
from audit.models import Article, ArticleAudit, Record
from audit.progress import Progress
from audit.pubmed.budget import with_requests
from audit.pubmed.fetch import OfflineSource, given_source, open_source
from audit.pubmed.resolve import resolve
from audit.reading.ingest import article_id, article_paths, file_sha256, read_articles
from audit.record_source import RecordSource
from audit.run_summary import AUDIT, NIGHTLY, RECHECK, finish
from audit.scoring.score import score_article

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


def unique_ids(items: Sequence[Article | ArticleAudit]) -> None:
    """Every article of a run gets an id that is its own report folder's name, unique in the run.

    Ids are cleaned and cut to the folder-name length first, so two long
    names with a common prefix, or two same-named files in different folders,
    get "-2", "-3"... rather than one report overwriting the other.
    """
    from reports.writer import DIRNAME_MAX, article_dirname

    arts = [_article_of(it) for it in items]
    for art in arts:
        art.id = article_dirname(art.id)
    taken = {a.id.casefold() for a in arts}
    seen: set[str] = set()
    for art in arts:
        key = art.id.casefold()
        if key in seen:
            n = 2
            while True:
                suffix = f"-{n}"
                cand = art.id[:DIRNAME_MAX - len(suffix)].rstrip(".-") + suffix
                if cand.casefold() not in taken:
                    break
                n += 1
            art.id = cand
            taken.add(cand.casefold())
            key = cand.casefold()
        seen.add(key)


def score_and_find(article: Article, records: dict[str, Record], cfg: ScoringConfig) -> ArticleAudit:
    try:
        pairs, drifts = score_article(article, records, cfg)
        if cfg.semantic and cfg.stance:
            # After relevance: what each source says about its claim (needs the sentence vectors).
            from audit.scoring.stance import judge_pairs
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


def audit_articles(articles: Sequence[Article], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    audits = [score_and_find(a, recs, cfg.scoring) for a, recs in resolve(articles, source)]
    return search_sources(audits, source, cfg)


def search_sources(audits: list[ArticleAudit], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    """Unreferenced claims' likely sources and replacements for unsupportive citations (audit.sources)."""
    if not cfg.sources.enabled:
        return audits
    from audit.sources import TIERS, SourceFinder, find_sources
    finder = SourceFinder.for_source(source, cfg.scoring, cfg.sources)
    # Tier by tier over every article: the search's budget goes where it matters most first.
    for tier in TIERS:
        finder.tiers = (tier,)
        audits = [_search_one(a, finder, find_sources) for a in audits]
    return audits


def _search_one(audit: ArticleAudit, finder, find_sources) -> ArticleAudit:
    # The search only adds to an audit that is already complete: a failure in it must not
    # cost the article its findings, nor the run its other articles.
    try:
        return find_sources(audit, finder)
    except Exception as exc:  # noqa: BLE001 - contained per article, as in score_and_find
        log.warning("%s: the source search failed (%s: %s); its findings are kept without it",
                    audit.article.path, type(exc).__name__, exc)
        return audit


def audit_paths(paths: Sequence[str | Path], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    """Every article under ``paths`` as audits in memory (no files written); unreadable ones are error audits."""
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


def _article_of(item: Article | ArticleAudit) -> Article:
    return item.article if isinstance(item, ArticleAudit) else item


# ---------------------------------------------------------------------------
# The steps an executor runs (module functions: Prefect and Dask can ship them)


def read_chunk(files: list[str], limits: ReadingConfig | None = None) -> list[list[Article | ArticleAudit]]:
    """Per file, every article it holds (a PMC article set holds several), or its error entry."""
    return [read_all(f, limits) for f in files]


def resolve_records(articles: list[Article], cfg: Config, offline_records: "list[str] | RecordSource | None",
                    refresh: bool = False, run: str | None = None) -> tuple[list[tuple[Article, dict[str, Record]]], dict]:
    """Every article of the run in one call, so the Entrez layer fetches each unique PMID once, in batches.

    ``offline_records``: paths of records files, or the run's record source itself (an OfflineSource it
    loaded once, any RecordSource it was given); ``refresh`` treats every cached record as expired
    (TTL 0); ``run``: the run's request ledger.
    """
    with records_from(cfg, offline_records, refresh, run) as source:
        return resolve(articles, source), source.stats()


@contextmanager
def records_from(cfg: Config, offline_records: "Sequence[str] | RecordSource | None", refresh: bool = False,
                 run: str | None = None) -> Iterator[RecordSource]:
    """The record source, closed after unless it was given (the run shares a given one between its steps);
    ``refresh`` treats every cached record as expired (TTL 0); ``run``: the token of the run's request
    ledger (audit.pubmed.budget)."""
    import dataclasses

    given = given_source(offline_records)
    if refresh and not offline_records:
        cfg = dataclasses.replace(cfg, entrez=dataclasses.replace(cfg.entrez, cache_ttl_days=0.0))
    source = open_source(cfg, given if given is not None else (list(offline_records) if offline_records else None),
                         run)
    try:
        yield source
    finally:
        if given is None:
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


def audit_of(job: AuditJob, scoring: ScoringConfig) -> tuple[ArticleAudit, bool]:
    """The job's audit, and whether it was scored now (not unreadable, not reused)."""
    from audit.history import finding_rows, unpack_audit

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
    from audit.history import ArticleResult, finding_rows, pack_audit, report_key
    from reports.writer import article_folder, write_article_report

    rows = finding_rows(audit)
    faults = changes.audit_faults(audit)
    rows += changes.carried_rows(job.previous, rows, faults)
    diff = changes.diff_rows(job.previous, rows) if job.previous is not None else None
    folder = write_article_report(audit, Path(out_dir), diff)
    art = audit.article
    return ArticleResult(
        article_id=art.id, path=art.path, sha256=art.sha256, content_key=job.content_key,
        scored=scored, rows=rows, statuses=changes.statuses(diff, [r["identity"] for r in rows]),
        error=audit.error, report_key=report_key(job.content_key, diff),
        audit_blob=pack_audit(audit) if scored or isinstance(job.article, ArticleAudit) else None,
        extra={"diff": diff, "report_dir": str(article_folder(out_dir, art.id))},
        # What the run wrote, so an edited or cut report.json is known for what it is.
        faults=faults, report_sha=file_sha256(Path(folder) / "report.json") or "")


def audit_one(job: AuditJob, scoring: ScoringConfig, out_dir: str):
    """Score (or reuse), compare with the previous findings, write the report."""
    return report_one(job, *audit_of(job, scoring), out_dir)


def audit_chunk(jobs: list[AuditJob], scoring: ScoringConfig, out_dir: str, chunk_key: str = "",
                sources: dict | None = None) -> list:
    """``audit_one`` for each job.  With ``sources`` (cfg and offline_records), the source search
    (``search_sources``) runs on the chunk's audits after scoring, before the reports are written:
    the verdicts say which citations need replacements."""
    # chunk_key (a hash of the articles' content keys) names the Prefect task run.
    if not sources:
        return [audit_one(j, scoring, out_dir) for j in jobs]
    done = [audit_of(j, scoring) for j in jobs]
    audits = [a for a, _ in done]
    # Only audits scored now are searched: a reused audit (unchanged content key) comes back from
    # the history with its search and source findings, so an unchanged article sends no request.
    fresh = [i for i, (a, scored) in enumerate(done) if scored and not a.error]
    if fresh:
        with records_from(sources["cfg"], sources.get("offline_records"), run=sources.get("run")) as source:
            for i, a in zip(fresh, search_sources([audits[i] for i in fresh], source, sources["cfg"])):
                audits[i] = a
    return [report_one(j, a, scored, out_dir) for j, a, (_, scored) in zip(jobs, audits, done)]


def chunks(items: Sequence, size: int) -> list[list]:
    size = max(1, size)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def chunk_size(n: int, workers: int, smallest: int = 4, largest: int = 100) -> int:
    """About four chunks per worker, so a slow chunk does not hold up the run's tail."""
    return max(smallest, min(largest, -(-n // max(1, workers * 4))))


# ---------------------------------------------------------------------------
# A run

# The search settings of a plan that does not search (search_key says "off").
_NO_SEARCH = SourcesConfig(enabled=False)


@dataclass
class RunPlan:
    """What one run audits and where it writes."""

    kind: str                              # audit | nightly | recheck
    files: list[str]
    out_dir: Path
    cfg: Config
    offline_records: list[str] | None = None
    source: RecordSource | None = None     # the record source itself, given by the caller (then no records files)
    history_db: str | None = None          # None: a one-off audit, nothing remembered
    recheck_id: str | None = None          # a re-check: the corpus id its one file keeps
    refresh_records: bool = False
    progress: bool = False
    lock_wait: float = 0.0                 # seconds to wait for another run holding the history
    # Look for the sources of unreferenced claims (audit.sources) after scoring, in every kind of
    # run, so one article gets one report whichever command audits it (issue 15).
    find_sources: bool = True
    # Files of the run's own (reports, history, cache) that the corpus named and that were not audited.
    set_aside: list[str] = field(default_factory=list)


def check_out_dir(out_dir: str | Path, inputs: Sequence[str | Path]) -> None:
    """The output folder must be a folder, and not inside an input folder (a next run would audit its reports)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInputError(str(out), "the output folder is a file; give a folder for the reports")
    o = out.resolve()
    for p in inputs:
        r = Path(p).resolve()
        if r.is_dir() and (o == r or r in o.parents):
            raise BadInputError(str(out), f"the output folder is inside the input folder {p}: "
                                          "the next run would audit its own reports; write them elsewhere")


def check_cache_path(cfg: Config, offline_records: Sequence[str] | None) -> None:
    """A record cache path naming a file that is not SQLite (a typo) is refused before any work."""
    if not offline_records and cfg.entrez.cache_path:
        from audit.pubmed.cache import SCHEMA
        from audit.storage import check_is_sqlite
        check_is_sqlite(os.path.expanduser(cfg.entrez.cache_path), SCHEMA)


def run_audit(paths: Sequence[str | Path], out_dir: str | Path, cfg: Config,
              offline_records: Sequence[str] | None = None, executor: Executor | None = None,
              progress: bool = False, source: RecordSource | None = None) -> dict:
    """``citeaudit audit``: the articles under ``paths``, reports in ``out_dir``, no history.

    ``source``: the record source to ask instead of offline records or Entrez (any RecordSource)."""
    check_out_dir(out_dir, paths)
    files = [str(p) for p in article_paths([str(p) for p in paths])]
    if not files:
        # Nothing to audit is no clean audit: say so instead of an empty index and exit 0.
        raise BadInputError(", ".join(str(p) for p in paths),
                            "no article file here (.md, .txt, .html, .xml, .nxml); nothing was audited")
    if source is None:
        check_cache_path(cfg, offline_records)
    plan = RunPlan(AUDIT, files, Path(out_dir), cfg, list(offline_records) if offline_records else None,
                   source=source, progress=progress, find_sources=cfg.sources.enabled)
    return execute(plan, executor)


def check_nightly(cfg: Config) -> None:
    """What would make a nightly fail for certain, checked before any work (and before any engine starts)."""
    from audit.config import require_contact_email
    from audit.history import History

    require_contact_email(cfg)
    History(cfg.output.history_db).close()      # a corrupt history is refused here, with its path
    check_cache_path(cfg, cfg.offline_records)
    check_out_dir(cfg.output.reports_dir, [p for p in cfg.corpus.paths if not set(p) & set("*?[")])


def run_nightly(cfg: Config, executor: Executor | None = None, progress: bool = True,
                lock_wait: float = 0.0) -> dict:
    """The corpus named by the config, against the history; resumes an interrupted nightly."""
    from audit.corpus import corpus_files

    check_nightly(cfg)
    set_aside: list[str] = []
    files = corpus_files(cfg.corpus.paths, cfg.corpus.manifest, own_files(cfg), set_aside)
    if set_aside:
        log.warning("%d file(s) the corpus names are the run's own (reports folder, history, cache) and are "
                    "not audited, e.g. %s", len(set_aside), set_aside[0])
    plan = RunPlan(NIGHTLY, files, Path(cfg.output.reports_dir), cfg, list(cfg.offline_records) or None,
                   history_db=cfg.output.history_db, progress=progress, lock_wait=lock_wait,
                   find_sources=cfg.sources.enabled, set_aside=set_aside)
    return execute(plan, executor)


def own_files(cfg: Config) -> list[str]:
    """What a run writes, which no corpus glob or manifest may make an article: the reports
    folder, the history and the record cache (with their companions)."""
    return [cfg.output.reports_dir, cfg.output.history_db, cfg.entrez.cache_path]


def run_recheck(cfg: Config, article_id: str, refresh_records: bool = False, executor: Executor | None = None,
                lock_wait: float = 30.0) -> dict:
    """One article of the corpus now, compared with its last audit; refreshes the run index."""
    path = locate_article(article_id, cfg)
    plan = RunPlan(RECHECK, [path], Path(cfg.output.reports_dir), cfg, list(cfg.offline_records) or None,
                   history_db=cfg.output.history_db, recheck_id=article_id, refresh_records=refresh_records,
                   lock_wait=lock_wait, find_sources=cfg.sources.enabled)
    return execute(plan, executor)


def locate_article(wanted: str, cfg: Config) -> str:
    """The file of a corpus article: where the history last read it, else a scan of the corpus."""
    from audit.corpus import corpus_files

    if Path(cfg.output.history_db).is_file():      # looking must not create a history
        from audit.history import History
        with History(cfg.output.history_db) as history:
            known = history.article_path(wanted)
        if known and Path(known).is_file():
            return known
    files = corpus_files(cfg.corpus.paths, cfg.corpus.manifest, own_files(cfg))
    for f in files:
        if article_id(f) == wanted:
            return f
    # Ids of same-named files get suffixes ("-2") in corpus order, and a PMC article set holds
    # several articles ("pmc--PMC123"): read them all to match.
    pairs = [(f, it) for f in files for it in read_all(f, cfg.reading)]
    unique_ids([it for _, it in pairs])
    for f, it in pairs:
        if _article_of(it).id == wanted:
            return f
    raise BadInputError(wanted, "no article with this id in the corpus "
                                f"({', '.join(cfg.corpus.paths) or cfg.corpus.manifest})")


def execute(plan: RunPlan, executor: Executor | None = None) -> dict:
    """Run ``plan``; return its summary (the dict the CLI prints and the history keeps)."""
    from audit.locks import lock_path_for, run_lock

    out_dir = Path(plan.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_path_for(plan.history_db) if plan.history_db else out_dir / ".citeaudit.lock"
    executor = executor if executor is not None else LocalExecutor(plan.cfg.concurrency.workers)
    with run_lock(lock, plan.lock_wait, plan.kind):
        from reports.writer import prepare_reports_folder
        for stray in prepare_reports_folder(out_dir):      # a reports folder with links is refused here
            log.info("removed %s, left by a run that was killed", stray)
        history = None
        if plan.history_db:
            from audit.history import History
            history = History(plan.history_db)
        try:
            return _execute(plan, executor, history)
        finally:
            if history is not None:
                history.close()


def read_files(executor: Executor, files: list[str], history, size: int,
               limits: ReadingConfig | None = None) -> list[Article | ArticleAudit]:
    """Every article of every file (or the audit of an unreadable file), in ``files`` order.

    With a history, a file whose bytes hash and parse key (the reading code)
    match the last time it was read comes back as read then: parsing is the
    costliest part of a run that changes nothing.  Its references are still
    resolved afresh and its content key still decides whether it is scored.
    """
    known: dict[str, Article] = {}
    hashes: dict[str, str] = {}
    if history is not None:
        from audit.history import parse_key
        key = parse_key()
        hashes = {f: h for f in files if (h := file_sha256(f)) is not None}
        known = history.parsed_articles(hashes, key)
    to_read = [f for f in files if f not in known]
    parts = chunks(to_read, size)
    read: dict[str, list[Article | ArticleAudit]] = {}
    got = ordered(executor.run("read", read_chunk, [{"files": p, "limits": limits} for p in parts]), len(parts))
    for part, articles in zip(parts, got):
        read.update(zip(part, articles))
    if history is not None:
        # Stored before unique_ids renames duplicate ids: the row is the file as read.  A file
        # that changed between hashing and reading is not stored (its hashes differ), nor one
        # holding several articles (a row is one article; such a file is read again).
        history.store_parsed([(f, its[0]) for f, its in read.items()
                              if len(its) == 1 and isinstance(its[0], Article) and its[0].sha256 == hashes.get(f)],
                             key, keep=files)
    return [it for f in files for it in ([known[f]] if f in known else read[f])]


def _execute(plan: RunPlan, executor: Executor, history) -> dict:
    from audit.history import (ArticleResult, code_version, config_hash, content_key, digest, error_key,
                               report_key, search_key)
    from reports.writer import article_folder

    t0 = time.time()
    cfg, out_dir = plan.cfg, Path(plan.out_dir)
    run = history.begin_run(plan.kind, resume=plan.kind == NIGHTLY) if history is not None else None
    prog = Progress(len(plan.files), label=plan.kind, enabled=plan.progress)
    if run is not None and run.resumed:
        prog.note(f"resuming run {run.run_id} (attempt {run.attempts})")
    size = chunk_size(len(plan.files), cfg.concurrency.workers)
    stats: dict = {}
    ledger = uuid.uuid4().hex        # every record source of this run counts its requests in one ledger
    results: dict[str, ArticleResult] = {}
    with executor:
        items = read_files(executor, plan.files, history, size, cfg.reading)
        unique_ids(items)
        if plan.recheck_id:
            # The article of that id when the file holds several, else the file's one article;
            # it keeps the corpus id, "-2" suffix and all.
            item = next((it for it in items if _article_of(it).id == plan.recheck_id), items[0])
            _article_of(item).id = plan.recheck_id
            items = [item]
        ids = [_article_of(it).id for it in items]

        # Resume: articles this run already committed (and unchanged since) are done.
        done = history.completed_articles(run.run_id) if run is not None else {}
        if done:
            history.forget_articles(run.run_id, set(done) - set(ids))
        todo = [it for it in items
                if not (_article_of(it).id in done and done[_article_of(it).id]["sha256"] == _article_of(it).sha256)]
        if len(todo) < len(items):
            prog.advance(len(items) - len(todo), force=True)

        good = [it for it in todo if isinstance(it, Article)]
        # Offline records are parsed once for the run; every step that looks records up shares them
        # (as it shares a source the caller gave).
        if plan.source is not None:
            offline = plan.source
        elif plan.offline_records and (good or plan.find_sources):
            offline = OfflineSource.from_paths(plan.offline_records, cfg.entrez.max_inflated_bytes())
        else:
            offline = plan.offline_records
        resolved: list = []
        if good:
            (_, (resolved, stats)), = executor.run("resolve", resolve_records, [
                {"articles": good, "cfg": cfg, "offline_records": offline,
                 "refresh": plan.refresh_records, "run": ledger}])
        prog.set_records(int(stats.get("records_fetched", 0)))
        recs_by_id = {a.id: (a, r) for a, r in resolved}

        todo_ids = [_article_of(it).id for it in todo]
        previous = _previous_rows(plan.kind, history, run, todo_ids)
        states = history.article_states(todo_ids) if history is not None else {}
        keyed = history is not None
        scoring_hash, code = (config_hash(cfg.scoring), code_version()) if keyed else ("", "")
        if keyed:
            # The stored audit holds the source search: its key must change with what decides the search.
            scoring_hash = digest(scoring_hash, search_key(cfg.sources if plan.find_sources else _NO_SEARCH,
                                                           plan.offline_records))
        memo: dict[str, str] = {}

        direct: list[ArticleResult] = []
        jobs: list[AuditJob] = []
        for it in todo:
            aid = _article_of(it).id
            prev_rows = previous.get(aid, []) if previous is not None else None
            if isinstance(it, ArticleAudit):
                jobs.append(AuditJob(it, {}, error_key(it) if keyed else "", prev_rows))
                continue
            art, recs = recs_by_id[aid]
            key = content_key(art, recs, scoring_hash, code, memo) if keyed else ""
            st = states.get(aid)
            faults = changes.row_faults(st.findings) if st is not None else {}
            # A search that failed last time is tried again: its stored answer is no answer.
            if st is not None and st.content_key == key and changes.SEARCH_FAILED_FAULT not in faults:
                diff = changes.diff_rows(prev_rows, st.findings) if prev_rows is not None else None
                rkey = report_key(key, diff)
                # A re-check always writes the report: the editor asked to see it against the last audit.
                # The report on disk is reused only if it is the one the history says was written.
                if plan.kind == NIGHTLY and rkey == st.report_key and \
                        _report_intact(article_folder(out_dir, aid), st.report_sha):
                    direct.append(ArticleResult(
                        aid, art.path, art.sha256, key, False, st.findings,
                        changes.statuses(diff, [r["identity"] for r in st.findings]), None, rkey,
                        extra={"diff": diff, "report_dir": str(article_folder(out_dir, aid))},
                        faults=faults, report_sha=st.report_sha))
                    continue
                # Same findings, but the report's new/persisting marks must change.
                jobs.append(AuditJob(art, recs, key, prev_rows, reuse_blob=history.article_audit_blob(aid)))
            else:
                jobs.append(AuditJob(art, recs, key, prev_rows))

        def commit(part: list[ArticleResult], scored: int) -> None:
            if history is not None:
                history.record_articles(run.run_id, part)
            if plan.kind != NIGHTLY:      # a nightly's results live in the history, not in memory
                results.update((r.article_id, r) for r in part)
            prog.advance(len(part), scored=scored, findings=sum(len(r.rows) for r in part))

        for part in chunks(direct, 500):
            commit(part, 0)
        # The one-off audit searches with one record index for the run: one call.  A run with a
        # history keeps its chunks, each committed before the next, so a killed nightly resumes.
        parts = chunks(jobs, len(jobs) if plan.find_sources and history is None else size)
        sources = {"cfg": cfg, "offline_records": offline, "run": ledger} if plan.find_sources else None
        calls = [{"jobs": c, "scoring": cfg.scoring, "out_dir": str(out_dir), "sources": sources,
                  "chunk_key": digest(*(j.content_key for j in c))[:16]} for c in parts]
        for _, part in executor.run("audit", audit_chunk, calls):
            commit(part, sum(r.scored for r in part))

    stats = with_requests(stats, ledger)
    return finish(plan, history, run, ids, results, stats, prog, t0, executor.name)


def _report_intact(folder: Path, sha: str) -> bool:
    """Is the article's report.json the one the history recorded writing?  (Edited, cut or gone: no.)"""
    return bool(sha) and file_sha256(folder / "report.json") == sha


def _previous_rows(kind: str, history, run, ids: list[str]) -> dict[str, list[dict]] | None:
    """The finding rows each article is compared with; None: nothing to compare with.

    A nightly compares with the previous baseline nightly (``changes.is_baseline``);
    a re-check with the article's last audit, whichever run made it.
    """
    if history is None:
        return None
    if kind == RECHECK:
        return {aid: st.findings for aid, st in history.article_states(ids).items()}
    return history.findings_by_article(run.previous_run_id, ids) if run.previous_run_id else None
