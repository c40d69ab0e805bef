"""What a record source is: the one interface that resolution, the Crossref step and the source search ask.

Three sources implement it: ``OfflineSource`` (PubMed XML on disk,
``audit.pubmed.fetch``), ``EntrezSource`` (PubMed over E-utilities,
``audit.pubmed.entrez``) and ``CrossrefSource`` (Crossref's REST API,
``audit.crossref.client``).  Callers ask only what is declared here: no
caller looks for attributes a source may or may not have, so a new source
(Europe PMC, say) is one module with a class that has these members, opened
where ``audit.pubmed.fetch.open_source`` opens the others, or handed to
``audit.pipeline.run_audit(..., source=...)``.  Its HTTP requests go through
``audit.transport.Transport``, which brings pacing, retries, deadlines, the
breaker and the ledger; the source keeps its service's own rules.

What each member promises:

* ``fetch(ids)``: a ``FetchResult`` for every id asked (the source's own
  identifier: a PMID for PubMed, a DOI for Crossref): ``resolved`` with its
  record, ``not_found`` only when the source is the authority that can say so
  (``can_say_not_found``), ``unresolved`` when it merely does not hold it,
  ``fetch_failed`` when it could not be asked;
* ``convert_ids(dois, pmcids)``: the identifier given -> the source's id, for
  those it knows;
* ``match_citations(refs)``: ``ref.id`` -> the source's id, for the references
  whose citation text names one of its records;
* ``lookup_failures``: identifier given (DOI, PMCID) or ``ref.id`` -> why its
  look-up failed in this run: such a reference ends ``fetch_failed``, not
  ``unresolved``;
* ``known_records()``: the records it already holds (offline records, the
  record cache);
* ``search_index()``: the index the source search runs its local queries on:
  a ``LocalIndex`` of ``known_records()``, or the source's own (the PubMed
  mirror's full-text index over every record it holds);
* ``stats()``: what it did, for the run summary; ``close()``: its resources;
* ``beyond``: what the run asks after this source (Crossref, Retraction Watch:
  ``audit.crossref.beyond.attach`` sets it), or None;
* ``can_say_not_found``: its silence is the authority's word (PubMed answered
  that it has no such record or DOI), so beside it a DOI Crossref lacks too is
  ``not_found``;
* ``can_search``: the source search may ask it (``SearchingSource``: PubMed's
  ESearch and ECitMatch); otherwise only the local index is searched.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

from audit.models import FetchResult, Record, Reference

if TYPE_CHECKING:                      # typing only: beyond imports the record sources
    from audit.pubmed.local_index import LocalIndex
    from audit.pubmed.mirror_source import MirrorIndex
    from audit.crossref.beyond import Beyond


class RecordSource(Protocol):
    can_say_not_found: bool
    can_search: bool
    lookup_failures: dict[str, str]
    beyond: "Beyond | None"

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]: ...
    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]: ...
    def match_citations(self, refs: Sequence[Reference]) -> dict[str, str]: ...
    def known_records(self) -> list[Record]: ...
    def search_index(self) -> "LocalIndex | MirrorIndex": ...
    def stats(self) -> dict: ...
    def close(self) -> None: ...


class SearchingSource(RecordSource, Protocol):
    """A source the source search asks (``can_search``): PubMed's ESearch and ECitMatch, counted against the
    search's budget (``audit.pubmed.budget``: ``SearchNotSent`` past it; ``TransportError`` when it fails)."""

    def esearch(self, term: str, retmax: int = 20, cached: bool = True, **extra) -> dict: ...
    def citmatch(self, lines: dict) -> dict[str, str | None]: ...
