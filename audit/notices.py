"""Notices about a cited paper, from every source, each named for what it is.

A retraction, a withdrawal, an expression of concern and a correction (erratum,
corrigendum) are different things, and a reviewer acts on each differently: a
retracted paper cannot be cited as evidence, an expression of concern needs a
look before it is, a corrected paper is cited with its correction in mind.
Sources:

- PubMed: publication types (``Retracted Publication``) and CommentsCorrections
  (``RetractionIn``, ``ExpressionOfConcernIn``, ``ErratumIn``, ...), read by
  ``pubmed_notices`` while a record is parsed;
- Crossref: ``updated-by`` on a work (``audit/crossref/works.py``), whose
  ``source`` says who asserted it (``publisher``, ``retraction-watch``);
- the Retraction Watch database, a CSV distributed by Crossref
  (``--retractions FILE`` / ``notices.retraction_watch``), read by
  ``RetractionWatch``; a nightly reading a newer file sees new rows.

``notice_findings`` turns a record's notices into findings and says which
sources report a retraction when not all that were asked do.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from audit.errors import BadInputError
from audit.models import (CORRECTION, EXPRESSION_OF_CONCERN, RETRACTION, WITHDRAWAL, Finding, Notice, Record,
                          Reference)
from audit.severity import severity_of

PUBMED, CROSSREF, RETRACTION_WATCH = "pubmed", "crossref", "retraction-watch"
SOURCE_NAMES = {PUBMED: "PubMed", CROSSREF: "Crossref", RETRACTION_WATCH: "Retraction Watch"}

# PubMed CommentsCorrections RefType -> notice kind (NLM's list of reference types).  "...Of"
# types mark the record itself as the notice (a retraction notice is cited, not a retracted paper).
PUBMED_REF_TYPES = {
    "RetractionIn": RETRACTION,
    "RetractedandRepublishedIn": RETRACTION,
    "ExpressionOfConcernIn": EXPRESSION_OF_CONCERN,
    "ErratumIn": CORRECTION,
    "CorrectedandRepublishedIn": CORRECTION,
}

# Crossref update types (its schema's update "type" values) -> notice kind; others
# (new_version, addendum, clarification, ...) do not question the paper.
CROSSREF_UPDATE_TYPES = {
    "retraction": RETRACTION, "partial_retraction": RETRACTION, "removal": WITHDRAWAL,
    "withdrawal": WITHDRAWAL, "expression_of_concern": EXPRESSION_OF_CONCERN,
    "correction": CORRECTION, "erratum": CORRECTION, "corrigendum": CORRECTION,
}

# Retraction Watch RetractionNature -> notice kind ("Reinstatement" undoes a notice: not one).
RW_NATURES = {"retraction": RETRACTION, "expression of concern": EXPRESSION_OF_CONCERN,
              "correction": CORRECTION, "withdrawal": WITHDRAWAL}

RW_HEADER = ("Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,"
             "RetractionDate,RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,"
             "OriginalPaperPubMedID,RetractionNature,Reason,Paywalled,Notes").split(",")


def _text(el: ET.Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def pubmed_notices(citation: ET.Element, pub_types: list[str]) -> list[Notice]:
    """Notices a PubMed record carries (its MedlineCitation and publication types)."""
    out: list[Notice] = []
    for cc in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        kind = PUBMED_REF_TYPES.get(cc.get("RefType") or "")
        if kind:
            pmid = _text(cc.find("PMID"))
            out.append(Notice(kind, PUBMED, f"PMID {pmid}" if pmid.isdigit() else "", "",
                              cc.get("RefType") or "", ""))
    if "Retracted Publication" in pub_types and not any(n.kind == RETRACTION for n in out):
        out.append(Notice(RETRACTION, PUBMED, "", "", "Retracted Publication"))
    return out


def notices_of(rec: Record) -> list[Notice]:
    """The record's notices; a record cached before notices were kept has only its flags."""
    out = list(rec.notices)
    if rec.origin == PUBMED:
        if rec.retracted and not any(n.kind == RETRACTION and n.source == PUBMED for n in out):
            out += [Notice(RETRACTION, PUBMED, f"PMID {p}" if p else "", "", "RetractionIn")
                    for p in (rec.retraction_notices or [""])]
        if rec.expression_of_concern and not any(n.kind == EXPRESSION_OF_CONCERN and n.source == PUBMED
                                                 for n in out):
            out.append(Notice(EXPRESSION_OF_CONCERN, PUBMED, "", "", "ExpressionOfConcernIn"))
    return out


def with_notices(rec: Record, extra: Iterable[Notice]) -> Record:
    """A copy of ``rec`` with ``extra`` notices added (those it already holds are not repeated)."""
    have = {(n.kind, n.source, n.notice_id) for n in rec.notices}
    new = [n for n in extra if (n.kind, n.source, n.notice_id) not in have]
    return dataclasses.replace(rec, notices=list(rec.notices) + new) if new else rec


# ---------------------------------------------------------------------------
# Retraction Watch


def _doi_key(doi: str) -> str:
    d = (doi or "").strip().lower()
    d = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d)
    return d if d.startswith("10.") else ""


def _pmid_key(value: str) -> str:
    v = (value or "").strip()
    return v if v.isdigit() and v.strip("0") else ""


def _rw_date(value: str) -> str:
    """Retraction Watch dates ("5/14/2019 0:00") as YYYY-MM-DD; anything else as given."""
    m = re.match(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})", value or "")
    return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}" if m else (value or "").strip()


@dataclass
class RetractionWatch:
    """The Retraction Watch CSV, indexed by the original paper's PMID and DOI."""

    path: str = ""
    by_pmid: dict[str, list[Notice]] = field(default_factory=dict)
    by_doi: dict[str, list[Notice]] = field(default_factory=dict)
    rows: int = 0

    @classmethod
    def load(cls, path: str | Path) -> "RetractionWatch":
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise BadInputError(str(p), f"cannot read the Retraction Watch file: {exc.strerror or exc}")
        return cls.parse(data.decode("utf-8-sig", "replace"), str(p))

    @classmethod
    def parse(cls, text: str, source: str = "<retraction watch>") -> "RetractionWatch":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        missing = [c for c in ("OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature") if c not in header]
        if missing:
            raise BadInputError(source, "not a Retraction Watch CSV: no column " + ", ".join(missing), 1)
        out = cls(path=source)
        for row in reader:
            out.rows += 1
            nature = (row.get("RetractionNature") or "").strip()
            kind = RW_NATURES.get(nature.lower())
            if kind is None:
                continue
            rdoi, rpmid = _doi_key(row.get("RetractionDOI") or ""), _pmid_key(row.get("RetractionPubMedID") or "")
            notice = Notice(kind, RETRACTION_WATCH, f"PMID {rpmid}" if rpmid else (f"doi:{rdoi}" if rdoi else ""),
                            _rw_date(row.get("RetractionDate") or ""), nature,
                            " ".join((row.get("Reason") or "").replace(";", " ").split()).strip("+ "))
            pmid, doi = _pmid_key(row.get("OriginalPaperPubMedID") or ""), _doi_key(row.get("OriginalPaperDOI") or "")
            if pmid:
                out.by_pmid.setdefault(pmid, []).append(notice)
            if doi:
                out.by_doi.setdefault(doi, []).append(notice)
        return out

    def notices_for(self, pmid: str | None, doi: str | None) -> list[Notice]:
        found = list(self.by_pmid.get(_pmid_key(pmid or ""), []))
        for n in self.by_doi.get(_doi_key(doi or ""), []):
            if n not in found:
                found.append(n)
        return found


# ---------------------------------------------------------------------------
# Findings


def _names(sources: Iterable[str]) -> str:
    names = [SOURCE_NAMES.get(s, s) for s in dict.fromkeys(sources)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _linked(notices: list[Notice]) -> str:
    ids = [n.notice_id for n in notices if n.notice_id]
    return f" (notice {', '.join(dict.fromkeys(ids))})" if ids else ""


def _who(rec: Record, notices: list[Notice], asked: Iterable[str]) -> str:
    """Which sources report it; when only some of those asked do, say so."""
    said = list(dict.fromkeys(n.source for n in notices))
    # Retraction Watch's assertions reach Crossref's records ("source": "retraction-watch"): Crossref shows them.
    via = [CROSSREF] if any(n.label.endswith("(via Crossref)") for n in notices) else []
    silent = [s for s in dict.fromkeys(asked) if s not in said + via]
    if not silent:
        return f" Reported by {_names(said + via)}."
    verb = "does" if len(silent) == 1 else "do"
    return f" Reported by {_names(said + via)} only; {_names(silent)} {verb} not show it."


def _ident(ref: Reference, rec: Record) -> str:
    return f"PMID {rec.pmid}" if rec.origin == PUBMED and rec.pmid else f"DOI {rec.doi or ref.doi}"


def notice_findings(ref: Reference, rec: Record, claim: str | None, asked: Iterable[str] = (PUBMED,)) -> list[Finding]:
    """Findings for the notices on ``rec``: retracted / withdrawn / expression_of_concern high, corrected low.

    ``asked``: the sources consulted about this record, so a retraction that only one of them
    reports says which (PubMed lags publishers and Retraction Watch by weeks to years).
    """
    asked = list(dict.fromkeys(list(asked) + [n.source for n in rec.notices]))
    notices = notices_of(rec)
    by_kind: dict[str, list[Notice]] = {}
    for n in notices:
        by_kind.setdefault(n.kind, []).append(n)
    who = _ident(ref, rec)
    out = []

    def add(kind: str, text: str, ns: list[Notice]) -> None:
        out.append(Finding(kind, severity_of(kind),
                           f"Reference {ref.id}, {who}, {text}{_linked(ns)}." + _who(rec, ns, asked),
                           claim, ref.id, rec.pmid if rec.origin == PUBMED else None))

    if RETRACTION in by_kind:
        add("retracted", "has been retracted", by_kind[RETRACTION])
    elif WITHDRAWAL in by_kind:
        add("withdrawn", "has been withdrawn", by_kind[WITHDRAWAL])
    elif rec.is_retraction_notice:
        out.append(Finding("retracted", severity_of("retracted", notice_only=True),
                           f"Reference {ref.id}, {who}, is a retraction notice, not a study.",
                           claim, ref.id, rec.pmid if rec.origin == PUBMED else None))
    if EXPRESSION_OF_CONCERN in by_kind:
        add("expression_of_concern", "carries an expression of concern", by_kind[EXPRESSION_OF_CONCERN])
    if CORRECTION in by_kind and RETRACTION not in by_kind:
        add("corrected", "has a published correction; cite it with the correction in mind",
            by_kind[CORRECTION])
    return out
