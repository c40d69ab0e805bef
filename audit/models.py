"""Plain records that flow between the pipeline's steps.

Every step takes and returns these dataclasses, so each module can be tested on
its own and the flows only move them around.  ``to_dict`` gives the JSON shape
used by ``report.json``.
"""
from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any

# Reference resolution status (report.json contract).
RESOLVED = "resolved"
NOT_FOUND = "not_found"          # PubMed itself has no such record
UNRESOLVED = "unresolved"        # we could not tell which record is meant
FETCH_FAILED = "fetch_failed"    # the network or NCBI failed; the record may exist
PENDING = "pending"              # not yet looked up
CROSSREF_ONLY = "crossref_only"  # PubMed does not hold it; Crossref does (Reference.work is its record)
REFERENCE_STATUSES = (RESOLVED, NOT_FOUND, UNRESOLVED, FETCH_FAILED)
# PubMed ids have 8 digits today; a much longer digit string is no PMID (and int() refuses 4,300+ digits).
MAX_PMID_DIGITS = 10


def is_pmid(value) -> bool:
    """A PMID as text: digits only, not all zeros, at most MAX_PMID_DIGITS of them."""
    return isinstance(value, str) and value.isdigit() and len(value) <= MAX_PMID_DIGITS and bool(value.strip("0"))

# Pair verdicts (report.json contract).
RELEVANT = "relevant"
WEAK = "weak"
OFF_TOPIC = "off_topic"
UNVERIFIABLE = "unverifiable"
VERDICTS = (RELEVANT, WEAK, OFF_TOPIC, UNVERIFIABLE)

from audit.finding_kinds import SEVERITIES, check as _check_kind  # noqa: E402  (SEVERITIES re-exported)

# Stance of a source towards a claim (audit/scoring/stance.py).
SUPPORTS = "supports"
CONTRADICTS = "contradicts"
NOT_ENOUGH_INFO = "not_enough_info"
STANCES = (SUPPORTS, CONTRADICTS, NOT_ENOUGH_INFO)


@dataclass
class Claim:
    """A sentence or list item of the article and the markers it carries."""

    id: str                      # "c1", "c2", ... in document order
    text: str                    # the claim with its markers stripped
    citations: list[str]         # reference labels as written ("1", "3")
    line: int = 0                # 1-based line in the source file
    start: int = -1              # offsets into Article.text (for highlighting)
    end: int = -1
    location: str = ""           # where it stands in the file, for formats without lines: "page 3, column 2",
                                 # "paragraph 12", "footnote 3" (Word, PDF); "" when ``line`` says it


# Notice kinds (audit/notices.py), named for what they are.
RETRACTION = "retraction"
WITHDRAWAL = "withdrawal"
EXPRESSION_OF_CONCERN = "expression_of_concern"
CORRECTION = "correction"
NOTICE_KINDS = (RETRACTION, WITHDRAWAL, EXPRESSION_OF_CONCERN, CORRECTION)


@dataclass
class Notice:
    """A notice about a paper (retraction, withdrawal, expression of concern, correction) and who reports it."""

    kind: str                    # one of NOTICE_KINDS
    source: str                  # pubmed | crossref | retraction-watch
    notice_id: str = ""          # the notice's PMID ("PMID 123") or DOI ("doi:10..."), "" when the source gives none
    date: str = ""               # as the source gives it (YYYY-MM-DD where known)
    label: str = ""              # the source's own name for it ("Correction", "ErratumIn", "Retraction")
    reason: str = ""             # Retraction Watch's reasons, where given


@dataclass
class Reference:
    """One entry of the article's reference list, or a marker that has none."""

    id: str                      # the label markers use ("1", "2", or "R12")
    raw: str                     # the entry as written ("" when the list has no entry)
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    line: int = 0
    # What the article says about the source, for metadata checks.
    cited_title: str | None = None
    cited_journal: str | None = None
    cited_year: int | None = None
    # Filled in by resolution.
    status: str = PENDING
    reason: str = ""
    in_list: bool = True         # False: a marker whose label has no entry
    location: str = ""           # where the entry stands, as Claim.location ("page 9, column 2")
    # Beyond PubMed (audit/crossref, audit/identity.py): Crossref's record of the reference's DOI
    # (status crossref_only: PubMed does not hold it; resolved: checked against both), and the
    # record its cited title alone resolves to, when that was asked ("PMID 456", "doi:10...").
    work: Record | None = None
    title_match: str | None = None


@dataclass
class SetAside:
    """Text of the input that was not read as the article (page chrome), kept so nothing vanishes unseen."""

    text: str
    line: int                    # 1-based line in the source file
    reason: str                  # why it was set aside, in words
    location: str = ""           # as Claim.location ("page 1, top margin", "comment 2")


@dataclass
class Article:
    id: str                      # stable id: file stem, slugged
    path: str
    format: str                  # text | markdown | html | jats
    title: str
    subject: str                 # what the article is about (title or question)
    text: str                    # main text, page chrome removed
    sha256: str                  # of the file's bytes
    claims: list[Claim] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)   # page chrome, with lines
    part: str = ""               # which article of a multi-article file ("" for single-article files)


@dataclass
class MeshHeading:
    descriptor: str
    major: bool = False          # descriptor or any qualifier is a major topic
    ui: str = ""
    qualifiers: list[str] = field(default_factory=list)


@dataclass
class Record:
    """The fields of a PubMed record that the audit uses."""

    pmid: str
    title: str = ""
    abstract: str = ""
    journal: str = ""
    journal_iso: str = ""
    year: int | None = None
    doi: str | None = None
    pmcid: str | None = None
    mesh: list[MeshHeading] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    chemicals: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    retracted: bool = False                  # a Retracted Publication
    retraction_notices: list[str] = field(default_factory=list)  # PMIDs of RetractionIn
    is_retraction_notice: bool = False       # the record is itself a notice
    expression_of_concern: bool = False
    first_author: str = ""
    authors: list[str] = field(default_factory=list)         # family names, in order
    notices: list[Notice] = field(default_factory=list)      # retraction, correction...: audit/notices.py
    origin: str = "pubmed"                   # pubmed | crossref (a Crossref work read as a record)
    work_type: str = ""                      # Crossref's type (journal-article, book-chapter, posted-content...)
    notice_sources: list[str] = field(default_factory=list)  # sources asked for notices ([]: its origin alone)

    @property
    def mesh_terms(self) -> list[str]:
        return [m.descriptor for m in self.mesh]

    @property
    def major_topics(self) -> list[str]:
        return [m.descriptor for m in self.mesh if m.major]

    def url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"


@dataclass
class FetchResult:
    """What looking up one PMID gave: a record, or why there is none."""

    pmid: str
    status: str                  # resolved | not_found | unresolved | fetch_failed
    record: Record | None = None
    reason: str = ""


@dataclass
class Stance:
    """What the source says about the claim: verdict, the quoted evidence sentence and why."""

    verdict: str                 # supports | contradicts | not_enough_info
    probability: float           # the model's probability of that verdict
    contradict_probability: float
    evidence: str                # the quoted sentence of the abstract
    evidence_index: int          # its place among the abstract's sentences
    overstated: bool = False     # the source agrees, but the claim says more than it
    reasons: list[str] = field(default_factory=list)        # codes: opposite_direction, null_result, ...
    explanation: str = ""        # the reasons in words
    claim_marks: list[list[int]] = field(default_factory=list)     # [start, end) of disagreeing words
    evidence_marks: list[list[int]] = field(default_factory=list)


@dataclass
class Pair:
    """A claim–reference pair with its scores and verdict."""

    claim_id: str
    reference_id: str
    relevance: float             # 0..1: claim <-> source
    verdict: str
    explanation: str
    source_subject: float | None = None   # 0..1: source <-> article subject
    claim_subject: float | None = None    # 0..1: claim <-> article subject (1 = on subject)
    evidence_type: str = ""               # case_report, animal, review, trial, ...
    weak_evidence: bool = False           # evidence type too narrow for the claim
    unsupported_numbers: list[str] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)
    pmid: str | None = None
    severity: str = ""                    # of an off_topic verdict: high (strong evidence) or medium (check);
                                          # audit.severity.pair_severity decides it
    stance: Stance | None = None          # set by the stance step (scoring.semantic and scoring.stance on)


@dataclass
class ClaimDrift:
    """Whether a claim itself has left the article's subject."""

    claim_id: str
    score: float                 # 0..1, 1 = on the article's subject
    drifts: bool
    explanation: str
    axes: list[str] = field(default_factory=list)   # subject.Conflict axes the claim differs on ("disease", ...)
    subject_recognised: bool = True                  # False: nothing to check the claim against


@dataclass
class Finding:
    kind: str
    severity: str
    message: str
    claim_id: str | None = None
    reference_id: str | None = None
    pmid: str | None = None
    detail: str = ""             # tells apart findings of one kind on one pair ("year", "journal")

    def __post_init__(self) -> None:
        _check_kind(self.kind, self.severity)     # one registry of kinds and severities (audit/finding_kinds.py)

    def identity(self, article_id: str, claim_text: str = "", reference: str = "") -> tuple:
        """Stable identity across runs: survives renumbering of claims."""
        ident = (article_id, " ".join(claim_text.split()).lower(), reference or "", self.kind)
        return ident + (self.detail,) if self.detail else ident


QUERY_NOT_SENT = "pubmed (not sent)"   # a query the search's request budget held back (audit.pubmed.budget)


@dataclass
class SearchQuery:
    """One query sent while looking for a claim's source, and what it found (for the report's query log)."""

    where: str                   # "pubmed" (ESearch) | "local index" (FTS5 over the records held)
    query: str                   # as sent: a PubMed term with field tags, or an FTS5 MATCH expression
    found: list[str] = field(default_factory=list)   # PMIDs in the order the search returned them
    count: int = 0               # how many matched in all (PubMed's Count; local: hits returned)
    error: str = ""              # why the query gave no answer (network, bad expression)


@dataclass
class Candidate:
    """A record that may be the source of a claim, or a suggested replacement for its citation."""

    pmid: str
    title: str
    journal: str
    year: int | None
    score: float                 # 0..1 rank score (retrieval fused with the scorer and the claim's cues)
    relevance: float             # the scorer's support score of the claim by this record
    verdict: str                 # the scorer's verdict for claim and record (relevant, weak, off_topic)
    why: str                     # the reasons, in words
    found_by: list[int] = field(default_factory=list)  # indexes into SourceSearch.queries
    stance: str = ""             # suggest: what the record says about the claim ("" when not judged)
    supports: bool = False       # suggest: relevant AND its stance supports the claim (never guessed)


# SourceSearch.purpose / status
IDENTIFY = "identify"            # the claim has no reference entry: what does it cite?
SUGGEST = "suggest"              # the citation does not support the claim: what would?
IDENTIFIED = "identified"
NOT_IDENTIFIED = "not_identified"
SUGGESTED = "suggested"
NONE_FOUND = "none_found"
SEARCH_FAILED = "search_failed"      # a PubMed query of the search got no answer: nothing may be concluded


@dataclass
class SourceSearch:
    claim_id: str
    purpose: str                 # identify | suggest
    status: str                  # identified | not_identified | suggested | none_found
    mode: str                    # "online" (PubMed + local index) | "offline" (local index only) | "mirror"
    reference_id: str | None = None        # suggest: the citation judged unsupportive
    cues: dict[str, str] = field(default_factory=dict)   # journal, year, author read from the claim
    queries: list[SearchQuery] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)   # up to three, best first
    identified: Pair | None = None         # identify: the likely source audited like a cited reference
    note: str = ""

    def unanswered(self) -> str:
        """Why a PubMed query of this search got no answer ("" when every one was answered).

        A query the request budget held back was never sent: that is a limit the run chose, said in
        the search's note, not an outage, so it does not make the search (or the run) failed."""
        return next((q.error for q in self.queries
                     if q.where.startswith("pubmed") and q.where != QUERY_NOT_SENT and q.error), "")


@dataclass
class ArticleAudit:
    article: Article
    pairs: list[Pair]
    findings: list[Finding]
    records: dict[str, Record] = field(default_factory=dict)
    drifts: list[ClaimDrift] = field(default_factory=list)
    error: str | None = None     # bad input: the article could not be read
    sources: list[SourceSearch] = field(default_factory=list)   # audit.sources: searches for claims' sources

    @property
    def summary(self) -> dict[str, Any]:
        by_sev = {s: 0 for s in SEVERITIES}
        by_kind: dict[str, int] = {}
        for f in self.findings:
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
            by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
        verdicts = {v: 0 for v in VERDICTS}
        for p in self.pairs:
            verdicts[p.verdict] = verdicts.get(p.verdict, 0) + 1
        return {
            "claims": len(self.article.claims),
            "cited_claims": sum(1 for c in self.article.claims if c.citations),
            "references": len(self.article.references),
            "pairs": len(self.pairs),
            "findings": len(self.findings),
            "by_severity": by_sev,
            "by_kind": by_kind,
            "verdicts": verdicts,
            "error": self.error,
        }


def to_dict(obj: Any) -> Any:
    """dataclasses -> JSON-ready dicts (properties excluded)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj


@functools.lru_cache(maxsize=None)
def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(typ: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        inner = [t for t in typing.get_args(typ) if t is not type(None)]
        return _build(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        (item,) = typing.get_args(typ) or (Any,)
        return [_build(item, v) for v in value]
    if origin is dict:
        _, item = typing.get_args(typ) or (Any, Any)
        return {k: _build(item, v) for k, v in value.items()}
    if dataclasses.is_dataclass(typ):
        return from_dict(typ, value)
    return value


def from_dict(cls: type, data: dict) -> Any:
    """The inverse of ``to_dict`` for the dataclasses above: JSON back to objects.

    Keys the class does not have are dropped and missing ones take their
    defaults, so rows written by a slightly older or newer version still load.
    """
    types_ = _field_types(cls)
    return cls(**{k: _build(types_[k], v) for k, v in data.items() if k in types_})
