"""Records and the source search over the PubMed mirror (audit/pubmed/mirror.py).

``MirrorSource`` answers what ``OfflineSource`` and ``EntrezSource`` answer
(fetch, convert_ids, match_citations, stats, lookup_failures), from the mirror:

* a PMID the mirror holds is ``resolved`` from it;
* a PMID a DeleteCitation withdrew is ``not_found``: NLM's own update file
  says PubMed dropped it, and the reason names that file;
* a PMID above the mirror's highest is newer than its last file: only these
  are asked of PubMed, through the ``EntrezSource`` of the run (record cache,
  rate limit, request ledger), opened on first need, so a run whose PMIDs the
  mirror holds sends no request;
* any other PMID the mirror lacks is ``unresolved``, never ``not_found``:
  PubMed was not asked, and the reason says what was checked (the mirror, up
  to which file and PMID).

DOIs, PMCIDs and citation text are looked up in the mirror alone (its DOI and
PMCID columns, and its title index, checked by the same title matching as
offline records); what it does not hold stays unresolved, and Crossref
(``audit.crossref.beyond``) is asked about DOIs as in any online run.

``MirrorIndex`` is the mirror's FTS5 index behind the interface the source
search uses (``LocalIndex``'s ``search``, ``records``, ``add``): the search
runs on the whole mirror and asks PubMed nothing (its mode is ``mirror``).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from audit.models import NOT_FOUND, RESOLVED, UNRESOLVED, FetchResult, Record, Reference, is_pmid
from audit.pubmed.citation_match import match_citation, normalise_title
from audit.pubmed.eutils_terms import clean_doi, clean_pmcid       # the one spelling of DOIs and PMCIDs
from audit.pubmed.local_index import COLUMN_WEIGHTS, Hit, fts_or
from audit.pubmed.mirror import Mirror
from audit.pubmed.search import key_words
from audit.record_source import RecordSource

TITLE_CANDIDATES = 20      # records the title index offers per citation, for the title matching to judge
MEMO = 20_000              # records a search index keeps at hand (the candidates of recent claims)


class MirrorRecords(Mapping):
    """pmid -> Record over the mirror, the records last looked up kept at hand (least recent dropped)."""

    def __init__(self, mirror: Mirror, keep: int = MEMO):
        self.mirror = mirror
        self.keep = keep
        self._memo: OrderedDict[str, Record] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, records: Iterable[Record]) -> None:
        with self._lock:
            for r in records:
                self._memo[r.pmid] = r
                self._memo.move_to_end(r.pmid)
            while len(self._memo) > self.keep:
                self._memo.popitem(last=False)

    def prefetch(self, pmids: Iterable[str]) -> None:
        with self._lock:
            todo = [p for p in pmids if p not in self._memo]
        if todo:
            self.remember(self.mirror.records(todo).values())

    def __getitem__(self, pmid: str) -> Record:
        with self._lock:
            rec = self._memo.get(pmid)
        if rec is None:
            self.prefetch([pmid])
            with self._lock:
                rec = self._memo.get(pmid)
        if rec is None:
            raise KeyError(pmid)
        return rec

    def __contains__(self, pmid: object) -> bool:
        try:
            self[str(pmid)]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return self.mirror.pmids()

    def __len__(self) -> int:
        return self.mirror.count


class MirrorIndex:
    """The source search's index over the whole mirror (LocalIndex's interface)."""

    mode = "mirror"

    def __init__(self, mirror: Mirror):
        self.mirror = mirror
        self.records = MirrorRecords(mirror)
        self.lock = threading.RLock()      # LocalIndex's interface; the mirror's own reads need none
        self.note = (f"the PubMed mirror was searched ({mirror.count} records, through {mirror.last_file}); "
                     "PubMed was not asked")

    def __len__(self) -> int:
        return self.mirror.count

    def add(self, records: Iterable[Record]) -> int:
        recs = [r for r in records if r.pmid]
        self.records.remember(recs)
        return len(recs)

    def search(self, match: str, limit: int = 50, weights: Sequence[float] = COLUMN_WEIGHTS,
               only: Iterable[str] | None = None) -> list[Hit]:
        if not match.strip():
            return []
        hits = self.mirror.search(match, limit, weights, only)
        self.records.prefetch(p for p, _ in hits)
        return [Hit(p, s) for p, s in hits]


class MirrorSource:
    """Records from the PubMed mirror; E-utilities (``pubmed()``, opened on first need) only for newer PMIDs."""

    # NLM's own records (a DeleteCitation is PubMed's word, and PubMed is asked beyond the mirror), so
    # beside it a DOI Crossref lacks too is not found; the source search runs on the mirror's own index.
    can_say_not_found = True
    can_search = False
    beyond = None

    def __init__(self, mirror: Mirror, pubmed: Callable[[], RecordSource] | None = None):
        self.mirror = mirror
        self._open_pubmed = pubmed
        self._pubmed: RecordSource | None = None
        self._lock = threading.Lock()
        self.lookup_failures: dict[str, str] = {}     # the mirror cannot fail half-way; PubMed's are fetch results
        self._stats = {"mirror_records": 0, "deleted": 0, "not_in_mirror": 0, "newer_than_mirror": 0}

    @classmethod
    def open(cls, path: str, pubmed: Callable[[], RecordSource] | None = None) -> "MirrorSource":
        return cls(Mirror(path), pubmed)

    def pubmed(self) -> RecordSource | None:
        with self._lock:
            if self._pubmed is None and self._open_pubmed is not None:
                self._pubmed = self._open_pubmed()
            return self._pubmed

    def _where(self) -> str:
        m = self.mirror
        return f"the PubMed mirror ({m.count} records, PMIDs up to {m.max_pmid}, through {m.last_file})"

    def fetch(self, pmids: Sequence[str]) -> dict[str, FetchResult]:
        wanted = list(dict.fromkeys(str(p).strip() for p in pmids if str(p).strip()))
        out: dict[str, FetchResult] = {}
        valid = []
        for p in wanted:
            if is_pmid(p):
                valid.append(p)
            else:
                out[p] = FetchResult(p, NOT_FOUND, None, f"{p!r} is not a PMID")
        held = self.mirror.records(valid)
        gone = self.mirror.deletions([p for p in valid if p not in held])
        top = self.mirror.max_pmid or 0
        newer = []
        for p in valid:
            if p in held:
                out[p] = FetchResult(p, RESOLVED, held[p])
            elif p in gone:
                out[p] = FetchResult(p, NOT_FOUND, None, f"PubMed deleted this record: a DeleteCitation in NLM's "
                                                         f"file {gone[p]}, applied to the PubMed mirror")
            elif int(p) > top:
                newer.append(p)
            else:
                out[p] = FetchResult(p, UNRESOLVED, None, f"PMID {p} is not in {self._where()}; PubMed was not "
                                                          "asked (only PMIDs above the mirror's highest are)")
        self._bump(mirror_records=len(held), deleted=len(gone), newer_than_mirror=len(newer),
                   not_in_mirror=len(valid) - len(held) - len(gone) - len(newer))
        if newer:
            source = self.pubmed()
            if source is None:
                out.update({p: FetchResult(p, UNRESOLVED, None, f"PMID {p} is newer than {self._where()}, and "
                                                                "PubMed is not asked in this run") for p in newer})
            else:
                out.update(source.fetch(newer))
        return {p: out[p] for p in wanted}

    def _bump(self, **counts: int) -> None:
        with self._lock:
            for k, n in counts.items():
                self._stats[k] += n

    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]:
        out = {}
        given_doi = {d: clean_doi(d).lower() for d in dois if clean_doi(d)}
        found = self.mirror.by_doi(given_doi.values())
        out.update({d: found[c] for d, c in given_doi.items() if c in found})
        given_pmc = {c: clean_pmcid(c) for c in pmcids}
        found = self.mirror.by_pmcid(given_pmc.values())
        out.update({c: found[k] for c, k in given_pmc.items() if k in found})
        return out

    def match_citations(self, refs: Sequence[Reference]) -> dict[str, str]:
        out = {}
        for ref in refs:
            pmids: dict[str, None] = {}
            for text in (ref.cited_title or "", ref.raw or ""):
                words = key_words(text)[:12]
                if len(normalise_title(text)) >= 15 and words:
                    pmids.update(dict.fromkeys(p for p, _ in self.mirror.search(
                        f"title : ({fts_or(words)})", TITLE_CANDIDATES)))
            records = self.mirror.records(pmids)
            titles = {p: normalise_title(r.title) for p, r in records.items() if r.title}
            pmid = match_citation(ref, titles, records) if titles else None
            if pmid is not None:
                out[ref.id] = pmid
        return out

    def search_index(self) -> MirrorIndex:
        return MirrorIndex(self.mirror)

    def stats(self) -> dict:
        out: dict = {}
        if self._pubmed is not None:
            out.update(self._pubmed.stats())
        with self._lock:
            mine = dict(self._stats)
        m = self.mirror
        out.update(source="mirror", records=m.count,
                   mirror={"path": m.path, "max_pmid": m.max_pmid, "through": m.last_file, **mine,
                           "pubmed_asked": self._pubmed is not None})
        return out

    def known_records(self) -> list[Record]:
        return []              # millions: the search index reads them from the file as it needs them

    def close(self) -> None:
        if self._pubmed is not None:
            self._pubmed.close()
        self.mirror.close()
