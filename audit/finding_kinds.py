"""The registry of finding kinds: the one place a kind is named, with its default severity, what it
means and what the reviewer should do about it.

Every ``models.Finding`` is checked against it when made, so a kind no code defines (a typo, a
fixture's invented kind, a kind a new module forgot to register) fails where it is written, not as
a blank row in a report.  The README's findings table, the report's "what to do" line, the grouping
of reference-level problems and the order of severities all read from here.

To add a kind: one ``Kind(...)`` line below, then emit it with ``Finding(<name>, ...)``.
"""
from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("high", "medium", "low")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}   # sort key: most severe first

# What a finding is about.  A reference-level finding holds for every marker of that reference
# (a retracted paper cited twice is one problem with two markers); a claim-level one for one use.
REFERENCE, CLAIM, ARTICLE = "reference", "claim", "article"


@dataclass(frozen=True)
class Kind:
    name: str
    severity: str                # the default; ``severities`` lists every one the code may give it
    about: str                   # REFERENCE | CLAIM | ARTICLE
    means: str                   # one line, for the README and the report's details
    todo: str = ""               # what the reviewer should do, one sentence ("" for information only)
    severities: tuple[str, ...] = ()
    fault: bool = False          # the run could not check something: not a judgement of the article

    def allowed(self) -> tuple[str, ...]:
        return self.severities or (self.severity,)


_KINDS = (
    Kind("not_found", "high", REFERENCE,
         "the PMID does not exist in PubMed; or the DOI exists neither in PubMed nor at Crossref (both asked)",
         "Check the PMID and cite the paper that was meant."),
    Kind("contradicted", "high", CLAIM,
         "the source's evidence sentence says otherwise (opposite direction, a null result, ...); quoted",
         "Correct the claim, or cite a source that supports it."),
    Kind("retracted", "high", REFERENCE,
         "the cited paper was retracted (medium: it is itself a retraction notice); says which sources report it "
         "when not all that were asked do",
         "Remove the retracted paper or replace it with a sound source.", ("high", "medium")),
    Kind("withdrawn", "high", REFERENCE,
         "the cited paper was withdrawn (Crossref `withdrawal`/`removal`, Retraction Watch)",
         "Remove the withdrawn paper or replace it with a sound source."),
    Kind("expression_of_concern", "high", REFERENCE,
         "the journal published an expression of concern about the paper",
         "Read the expression of concern before relying on this paper."),
    Kind("identifier_mismatch", "high", REFERENCE,
         "the identifier and the reference name two different papers (\"PMID 123 is 'X'; the reference's title "
         "'Y' is PMID 456\"), or its PMID and DOI name two papers",
         "Correct the identifier to the paper that was meant, or the title to the paper cited."),
    Kind("corrected", "low", REFERENCE,
         "the paper has a published correction (erratum, corrigendum); the notice is linked",
         "Cite the paper with its correction in mind."),
    Kind("not_in_pubmed", "low", REFERENCE,
         "the DOI is not in PubMed but Crossref holds it: title, journal and year checked against Crossref's "
         "record (medium for a preprint)",
         "Check the source by hand: its content was not compared with the claim.", ("low", "medium")),
    Kind("search_failed", "low", CLAIM,
         "a PubMed query of the source search got no answer (outage): nothing is concluded from it; re-run",
         "Run the audit again when NCBI can be reached.", fault=True),
    Kind("off_topic", "high", CLAIM,
         "the source, or the claim itself, is about another disease, tumour type, species or age group than the "
         "article (named in MeSH terms); medium (\"check: ...\") when the source otherwise matches the claim "
         "closely, or the only difference is species, age group or the body part the claim names",
         "Cite a source on the article's subject, or check that the claim belongs here.", ("high", "medium")),
    Kind("metadata_mismatch", "medium", REFERENCE,
         "journal, year or title in the article disagree with the record (a year one off is low; a title high)",
         "Correct the reference's details, or check that the PMID is the paper meant.", ("high", "medium", "low")),
    Kind("overstated", "medium", CLAIM,
         "the source agrees but says less: an association cited as a cause, a subgroup as everyone; quoted",
         "Word the claim no stronger than the source."),
    Kind("unsupported_number", "medium", CLAIM,
         "a number in the claim that the cited abstract does not contain",
         "Check the figure against the source, or cite the source that gives it."),
    Kind("weak_evidence", "medium", CLAIM,
         "a case report, animal or cell study cited for a general claim",
         "Cite stronger evidence (a trial, a review), or narrow the claim."),
    Kind("unresolved_reference", "medium", REFERENCE,
         "the reference could not be tied to a PubMed record",
         "Give the reference a PMID or DOI so it can be checked."),
    Kind("missing_reference", "medium", REFERENCE,
         "a citation marker with no entry in a reference list",
         "Add the reference entry this marker points to."),
    Kind("weak_support", "low", CLAIM,
         "the source only loosely addresses the claim",
         "Check that the source says this; cite a closer one if not."),
    Kind("fetch_failed", "low", REFERENCE,
         "NCBI could not be reached for this record; re-run",
         "Run the audit again when NCBI can be reached.", fault=True),
    Kind("uncited_reference", "low", REFERENCE,
         "a reference list entry that no claim cites",
         "Cite the reference where it is used, or remove it."),
    Kind("no_citations", "low", ARTICLE,
         "the article cites nothing",
         "Add references for the article's claims."),
    Kind("no_claims", "medium", ARTICLE,
         "no claim could be read from the input (its page chrome is listed in the report)",
         "Check how the article was read (set-aside text is listed on the page)."),
    Kind("markers_not_read", "medium", ARTICLE,
         "markers or a reference list were found but no claim carries a marker",
         "Check how the article was read (set-aside text is listed on the page)."),
    Kind("subject_unrecognised", "low", ARTICLE,
         "no disease, tumour type, body part or species could be recognised in the article's title, question, "
         "claims or sources: nothing was checked against its subject",
         "Name the disease, organ or species in the title or question."),
    Kind("source_identified", "low", CLAIM,
         "the likely source of a claim without a reference entry (identified, not given)",
         "Add the identified paper to the reference list if it is the source."),
    Kind("source_not_identified", "medium", CLAIM,
         "no record matches the claim's cues and supports it",
         "Add the reference the claim relies on."),
    Kind("search_held_back", "low", ARTICLE,
         "PubMed queries of the source search that the run's search budget (sources.requests_per_run) did not "
         "send: those searches looked in the local index only; a later run sends them, as far as its budget goes",
         "Nothing, unless the sources are needed now: raise sources.requests_per_run and re-check the article."),
    Kind("suggested_sources", "low", CLAIM,
         "records offered for a citation that does not support its claim: \"supporting\" only when relevance and "
         "stance both say so, else \"related records to look at\""),
)
KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}
REFERENCE_KINDS = frozenset(k.name for k in _KINDS if k.about == REFERENCE)
FAULT_KINDS = tuple(k.name for k in _KINDS if k.fault)


class UnknownKind(ValueError):
    pass


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"finding kind {name!r} is not in the registry (audit/finding_kinds.py)") from None


def check(name: str, severity: str) -> None:
    """Raise UnknownKind for a kind not registered or a severity the kind is not given."""
    k = kind(name)
    if severity not in k.allowed():
        raise UnknownKind(f"finding kind {name!r} is not given severity {severity!r} "
                          f"(registered: {', '.join(k.allowed())})")


def severity_rank(severity: str | None) -> int:
    """Sort key, most severe first; an unknown severity (an old history row) last."""
    return SEVERITY_RANK.get(severity or "", len(SEVERITIES))


def todo(name: str | None) -> str:
    k = KINDS.get(name or "")
    return k.todo if k else ""
