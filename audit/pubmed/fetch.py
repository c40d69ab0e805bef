"""Where records come from: PubMed XML on disk (``OfflineSource``), or NCBI Entrez through the cache.

Both are record sources (``audit.record_source.RecordSource``), so resolution
does not care which one it talks to; ``open_source`` opens the one a run asks
for, or takes one it is given, and attaches what is asked after it (Crossref,
Retraction Watch).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Sequence

from audit.config import Config, contact_warning
from audit.crossref.beyond import attach
from audit.models import RESOLVED, UNRESOLVED, FetchResult, Record, Reference
from audit.pubmed.budget import ledger_for
from audit.pubmed.cache import RecordCache
from audit.pubmed.citation_match import match_citation, normalise_title
from audit.pubmed.entrez import EntrezSource
from audit.pubmed.local_index import LocalIndex
from audit.pubmed.mirror_source import MirrorSource
from audit.pubmed.ratelimit import SharedGate
from audit.pubmed.records import MAX_INFLATED, load_records
from audit.record_source import RecordSource


class OfflineSource:
    """Records from PubMed XML files; no network.

    A PMID missing here is ``unresolved``, never ``not_found``: only PubMed
    itself can say a record does not exist.
    """

    can_say_not_found = False
    can_search = False

    def __init__(self, records: dict[str, Record], origin: str = "offline records",
                 skipped: Sequence[str] = ()):
        self.records = records
        self.origin = origin
        self.skipped = list(skipped)     # "file:line: why" of records files that could not be read
        self.lookup_failures: dict[str, str] = {}   # nothing on disk can fail half-way
        self.beyond = None                          # what is asked after it (audit.crossref.beyond.attach)
        self._by_doi = {r.doi.lower(): p for p, r in records.items() if r.doi}
        self._by_pmc = {r.pmcid.upper(): p for p, r in records.items() if r.pmcid}
        self._titles = {p: normalise_title(r.title) for p, r in records.items() if r.title}
        self.requests = 0
        self._index_lock = threading.Lock()
        self._index: LocalIndex | None = None      # search_index(), built at the first search

    def __getstate__(self) -> dict:
        # Shipped to a worker process (Dask) without its index (an SQLite connection) or lock: it builds its own.
        state = dict(self.__dict__)
        state.pop("_index_lock", None)
        state["_index"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._index_lock = threading.Lock()

    @classmethod
    def from_paths(cls, paths: Sequence[str | Path], limit: int = MAX_INFLATED) -> "OfflineSource":
        skipped: list[str] = []
        records = load_records(paths, limit=limit, skipped=skipped)
        return cls(records, origin=", ".join(str(p) for p in paths), skipped=skipped)

    def fetch(self, pmids: Sequence[str]) -> dict[str, FetchResult]:
        out = {}
        for p in pmids:
            rec = self.records.get(p)
            if rec is not None:
                out[p] = FetchResult(p, RESOLVED, rec)
            else:
                out[p] = FetchResult(p, UNRESOLVED, None,
                                     f"PMID {p} is not in the offline records ({self.origin}); "
                                     "it may exist in PubMed")
        return out

    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]:
        out = {}
        for d in dois:
            if d.lower() in self._by_doi:
                out[d] = self._by_doi[d.lower()]
        for c in pmcids:
            if c.upper() in self._by_pmc:
                out[c] = self._by_pmc[c.upper()]
        return out

    def match_citations(self, refs: Sequence[Reference]) -> dict[str, str]:
        out = {}
        if not self._titles:
            return out
        for ref in refs:
            pmid = match_citation(ref, self._titles, self.records)
            if pmid is not None:
                out[ref.id] = pmid
        return out

    def known_records(self) -> list[Record]:
        return list(self.records.values())

    def search_index(self) -> LocalIndex:
        """One index of the records for every search of the run (they do not change)."""
        with self._index_lock:
            if self._index is None:
                self._index = LocalIndex(self.known_records())
            return self._index

    def stats(self) -> dict:
        out: dict = {"source": "offline", "records": len(self.records)}
        if self.skipped:
            out["skipped_files"] = list(self.skipped)
        return out

    def close(self) -> None:
        pass                    # records in memory: nothing to release


def given_source(records: "Sequence[str | Path] | RecordSource | None") -> RecordSource | None:
    """``records`` when it is a record source itself (not paths of records files), else None."""
    return None if records is None or isinstance(records, (str, Path, list, tuple)) else records


def open_source(cfg: Config, offline: "Sequence[str | Path] | RecordSource | None" = None,
                run: str | None = None, rate_gate: SharedGate | None = None) -> RecordSource:
    """A record source the run was given (an OfflineSource it loaded once, any other RecordSource), else
    offline records from their paths, else the PubMed mirror when ``mirror.path`` is set (E-utilities
    only for PMIDs newer than it), else Entrez through the SQLite cache; ``run``: the run's token (its
    sources share one request ledger: counts, budgets, breakers); ``rate_gate``: what every E-utilities
    request waits on besides this process's limiter (handed in by flows/: ``flows.rate_gate``)."""
    given = given_source(offline)
    if given is not None:
        return attach(given, cfg)
    paths = list(offline) if offline else []
    if paths:
        return attach(OfflineSource.from_paths(paths, cfg.entrez.max_inflated_bytes()), cfg)
    if cfg.mirror.path:
        return attach(MirrorSource.open(cfg.mirror.path, lambda: entrez_source(cfg, run, rate_gate)), cfg)
    return attach(entrez_source(cfg, run, rate_gate), cfg)


def entrez_source(cfg: Config, run: str | None = None, rate_gate: SharedGate | None = None) -> RecordSource:
    """NCBI E-utilities through the record cache, counted in run ``run``'s request ledger; ``rate_gate``:
    the run's shared gate, if it has one (``open_source``)."""
    warning = contact_warning(cfg.entrez)
    if warning:
        logging.getLogger("citeaudit").warning(warning)
    ledger = ledger_for(run).configure(search_per_article=cfg.sources.requests_per_article,
                                       search_per_run=cfg.sources.requests_per_run)
    return EntrezSource(cfg.entrez, RecordCache(cfg.entrez.cache_path, cfg.entrez.cache_ttl_days,
                                                search_ttl_days=cfg.entrez.search_cache_ttl_days),
                        ledger=ledger, shared_gate=rate_gate)
