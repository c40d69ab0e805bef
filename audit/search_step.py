"""The source search as a step of the pipeline: on a chunk's freshly scored audits, before their reports.

The same searches in one of two orders:

* **tier by tier** over the chunk (``search_sources``): the unreferenced claims of every article, then
  the contradicted and off-topic citations, then the weak ones, so that when the run's search budget
  runs out, what is left unsearched is what matters least;
* **article by article, while the chunk is still being scored** (``score_and_search``): online, a
  search spends most of its time waiting for NCBI's pace (at 3 requests/s a query costs a third of a
  second, its ranking a fraction of that), so scoring the next articles in that time takes the
  scoring off the run's critical path.

The second is taken only where the order cannot change what anyone is given: the source asks PubMed
(an offline search waits on nothing, and keeps the order it always had), and the run's search budget
has room for every article left in the chunk to spend its whole per-article budget
(``RequestLedger.reserve_search``); within an article the tiers keep their order.  One search runs at a
time on the source's index (a search adds what PubMed finds to it), in the order of the articles.
"""
from __future__ import annotations

import contextvars
import logging
import queue
import threading
from contextlib import ExitStack
from typing import Callable, ContextManager, Iterator

from audit.config import Config
from audit.models import ArticleAudit
from audit.record_source import RecordSource
from audit.sources import TIERS, SourceFinder, find_sources

log = logging.getLogger("audit.pipeline")


def search_sources(audits: list[ArticleAudit], source: RecordSource, cfg: Config) -> list[ArticleAudit]:
    """Unreferenced claims' likely sources and replacements for unsupportive citations (audit.sources),
    tier by tier over ``audits``."""
    if not cfg.sources.enabled:
        return audits
    finder = SourceFinder.for_source(source, cfg.scoring, cfg.sources)
    # The run's chunks share the source's index, and a search adds to it: one chunk searches at a time
    # (online the searches wait on NCBI's pace anyway; offline they hold the GIL).
    with finder.searcher.index.lock:
        return _tier_by_tier(audits, finder)


def _tier_by_tier(audits: list[ArticleAudit], finder: SourceFinder) -> list[ArticleAudit]:
    for tier in TIERS:
        finder.tiers = (tier,)
        audits = [search_one(a, finder) for a in audits]
    return audits


def search_one(audit: ArticleAudit, finder: SourceFinder) -> ArticleAudit:
    """``find_sources`` for one audit, at the finder's tiers."""
    # The search only adds to an audit that is already complete: a failure in it must not
    # cost the article its findings, nor the run its other articles.
    try:
        return find_sources(audit, finder)
    except Exception as exc:  # noqa: BLE001 - contained per article, as in score_and_find
        log.warning("%s: the source search failed (%s: %s); its findings are kept without it",
                    audit.article.path, type(exc).__name__, exc)
        return audit


def score_and_search(jobs: list, score: Callable[[object], tuple[ArticleAudit, bool]], cfg: Config,
                     open_source: Callable[[], ContextManager[RecordSource]],
                     finish: Callable[[int, ArticleAudit, bool], object] | None = None) -> list:
    """``finish(i, audit, scored now)`` for each job, the freshly scored audits searched first.

    ``score(job)`` scores or reuses one job's audit; ``open_source()`` gives the run's record source,
    entered only once an audit needs searching (a chunk of reused audits opens nothing);
    ``job.article`` is an ``ArticleAudit`` where there is nothing to score; ``finish`` (its report
    written, say) is called in this thread once an audit is final, by default ``(audit, scored)``.
    Where the searches run beside the scoring, an article is finished as soon as its search is, while
    the later ones' searches still wait on the pace: the chunk ends with its last search, not after it.
    """
    finish = finish or (lambda i, audit, scored: (audit, scored))
    if not cfg.sources.enabled:
        return [finish(i, *score(j)) for i, j in enumerate(jobs)]
    done: list[tuple[ArticleAudit, bool]] = []
    out: dict[int, object] = {}
    with ExitStack() as stack:
        search: _Alongside | None = None
        later: dict[int, ArticleAudit] = {}        # searched tier by tier once the chunk is scored
        source: RecordSource | None = None
        for i, job in enumerate(jobs):
            audit, scored = score(job)
            done.append((audit, scored))
            # Only audits scored now are searched: a reused audit (unchanged content key) comes back from
            # the history with its search and source findings, so an unchanged article sends no request.
            if not scored or audit.error:
                continue
            if source is None:
                source = stack.enter_context(open_source())
                left = sum(1 for j in jobs[i:] if not isinstance(j.article, ArticleAudit))
                search = _Alongside.start(source, cfg, left, stack)
            if search is not None:
                search.add(i, audit)
            else:
                later[i] = audit
        if search is not None:
            searched = set(search.given)
            out.update((i, finish(i, *d)) for i, d in enumerate(done) if i not in searched)
            for i, audit in search.results():
                out[i] = finish(i, audit, True)
        if later:
            keys = list(later)
            for i, audit in zip(keys, search_sources([later[k] for k in keys], source, cfg)):
                done[i] = (audit, True)
    return [out[i] if i in out else finish(i, *d) for i, d in enumerate(done)]


class _Alongside(threading.Thread):
    """One chunk's searches in a thread of their own, one article at a time in the order they come, every
    tier each, holding the source index's lock from the first to the last (taken by this thread, not
    by the scoring one: the chunk goes on being scored while another chunk's searches hold it)."""

    def __init__(self, finder: SourceFinder, ledger, left: int):
        super().__init__(name="citeaudit-search", daemon=True)
        self.finder, self.ledger, self.left = finder, ledger, left
        self.todo: queue.Queue = queue.Queue()
        self.searched: queue.Queue = queue.Queue()     # (i, audit) as each search ends; None after the last
        self.given: list[int] = []
        self.failure: BaseException | None = None

    @classmethod
    def start(cls, source: RecordSource, cfg: Config, left: int, stack: ExitStack) -> "_Alongside | None":
        """The thread, started, when the order of the searches is free; else None (tier by tier)."""
        ledger = getattr(source, "ledger", None)
        if not source.can_search or ledger is None or not ledger.reserve_search(left):
            return None
        # The finder (the source's index brought up to date) is made here, before the scoring goes on:
        # in the search thread, while this one scores, each of its SQLite reads would wait for the GIL
        # (measured: bringing the index up to 831 cached records took about 7 s there, well under one here).
        t = cls(SourceFinder.for_source(source, cfg.scoring, cfg.sources), ledger, left)
        threading.Thread.start(t)
        # Also when the scoring or a finish fails: the searches not yet started are dropped, the thread
        # ends, the room is let go.
        stack.push(lambda kind, *_: t.stop(drop=kind is not None))
        return t

    def add(self, i: int, audit: ArticleAudit) -> None:
        # The request context (purpose, article) and anything else the caller set travels with the audit.
        self.given.append(i)
        self.todo.put((i, audit, contextvars.copy_context()))

    def run(self) -> None:
        try:
            with self.finder.searcher.index.lock:
                while (item := self.todo.get()) is not None:
                    i, audit, ctx = item
                    self.searched.put((i, ctx.run(search_one, audit, self.finder)))
        except BaseException as exc:   # noqa: BLE001 - handed to the scoring thread, which raises it
            self.failure = exc
        finally:
            self.searched.put(None)

    def results(self) -> Iterator[tuple[int, ArticleAudit]]:
        """Each (i, searched audit) as its search ends, until the last; then the thread is done."""
        self.todo.put(None)                 # nothing more comes
        while (item := self.searched.get()) is not None:
            yield item
        self.stop()
        if self.failure is not None:
            raise self.failure

    def stop(self, drop: bool = False) -> None:
        while drop:
            try:
                self.todo.get_nowait()
            except queue.Empty:
                break
        if self.is_alive():
            self.todo.put(None)
            self.join()
        if self.ledger is not None:
            self.ledger.release_search(self.left)
            self.ledger = None
