"""Resolved references, scored pairs and drifts -> findings a reviewer acts on.

Each finding says in one line what is wrong and where.  Severity: ``high``
means the citation cannot stand as written (no such paper, retracted, off the
subject, wrong paper); ``medium`` needs a look (numbers, metadata, evidence
type, unresolved); ``low`` is advisory.  Which one a finding gets is decided
in audit/severity.py, from the facts passed to it here.
"""
from __future__ import annotations

from audit.finding_kinds import severity_rank
from audit.identity import crossref_only_findings, identity_findings, metadata_findings
from audit.notices import notice_findings
from audit.severity import severity_of
from audit.scoring.concepts import EVIDENCE_LABELS
# journal_matches: still importable from here (audit.sources asks for it by this name).
from audit.pubmed.citation_match import journal_matches  # noqa: F401
from audit.reading.markers import find_markers
from audit.models import (CONTRADICTS, CROSSREF_ONLY, FETCH_FAILED, NOT_FOUND, OFF_TOPIC, RESOLVED, UNRESOLVED, WEAK,
                     Article, ClaimDrift, Finding, Pair, Record, Reference)

def reference_findings(ref: Reference, records: dict[str, Record], citing: list[str]) -> list[Finding]:
    claim = citing[0] if citing else None
    where = f" (cited by {', '.join(citing)})" if citing else ""
    if not ref.in_list:
        return [Finding("missing_reference", severity_of("missing_reference"),
                        f"Marker {ref.id} has no entry in a reference list: the source cannot be checked{where}.",
                        claim, ref.id, None)]
    if ref.status == NOT_FOUND and not ref.pmid:     # a DOI that neither PubMed nor Crossref holds
        return [Finding("not_found", severity_of("not_found"), f"Reference {ref.id}: {ref.reason}.", claim, ref.id,
                        None)]
    if ref.status == NOT_FOUND:
        return [Finding("not_found", severity_of("not_found"),
                        f"PMID {ref.pmid} (reference {ref.id}) does not exist in PubMed.",
                        claim, ref.id, ref.pmid)]
    if ref.status == FETCH_FAILED:
        return [Finding("fetch_failed", severity_of("fetch_failed"),
                        f"Reference {ref.id}{f' (PMID {ref.pmid})' if ref.pmid else ''} could not be fetched "
                        f"from NCBI ({ref.reason}); "
                        "re-run to check it.", claim, ref.id, ref.pmid)]
    if ref.status == CROSSREF_ONLY and ref.work is not None:
        return crossref_only_findings(ref, claim)
    if ref.status == UNRESOLVED:
        return [Finding("unresolved_reference", severity_of("unresolved_reference"),
                        f"Reference {ref.id} could not be resolved to a PubMed record: {ref.reason}.",
                        claim, ref.id, ref.pmid)]
    rec = records.get(ref.pmid or "")
    if ref.status != RESOLVED or rec is None:
        return []
    # Notices from every source asked (audit/notices.py); a wrong paper behind the identifier (identity).
    out = notice_findings(ref, rec, claim, rec.notice_sources or [rec.origin])
    out += identity_findings(ref, rec, claim)
    if any(f.kind == "identifier_mismatch" for f in out):
        return out
    for f in metadata_findings(ref, rec):
        f.claim_id = claim
        out.append(f)
    return out


def pair_findings(pair: Pair, rec: Record | None, drift: ClaimDrift | None = None) -> list[Finding]:
    """Findings of one pair; ``drift``: the claim's own drift, told in the same finding (one per problem)."""
    out = []
    ref = f"reference {pair.reference_id}" + (f" (PMID {pair.pmid})" if pair.pmid else "")
    if pair.verdict == OFF_TOPIC:
        also = f" The claim itself drifts from the article's subject: {drift.explanation}" if drift else ""
        # high only on strong evidence; a conflict on a source that otherwise matches the claim is a "check".
        out.append(Finding("off_topic", severity_of("off_topic", pair=pair.severity),
                           f"Claim {pair.claim_id} cites {ref}, which is off topic: {pair.explanation}.{also}",
                           pair.claim_id, pair.reference_id, pair.pmid))
    elif pair.verdict == WEAK and pair.severity:
        # A subject conflict on a source that matches the claim's words: asked to be checked.
        out.append(Finding("off_topic", severity_of("off_topic", pair=pair.severity),
                           f"Claim {pair.claim_id} cites {ref}, which may be off topic: {pair.explanation}",
                           pair.claim_id, pair.reference_id, pair.pmid))
    elif pair.verdict == WEAK:
        out.append(Finding("weak_support", severity_of("weak_support"),
                           f"Claim {pair.claim_id} is only weakly supported by {ref}: {pair.explanation}",
                           pair.claim_id, pair.reference_id, pair.pmid))
    if pair.weak_evidence:
        kind = EVIDENCE_LABELS.get(pair.evidence_type, "a narrow study")
        out.append(Finding("weak_evidence", severity_of("weak_evidence"),
                           f"Claim {pair.claim_id} makes a general statement but {ref} is {kind}.",
                           pair.claim_id, pair.reference_id, pair.pmid))
    out += stance_findings(pair, ref)
    if pair.unsupported_numbers and rec is not None and rec.abstract:
        nums = ", ".join(pair.unsupported_numbers)
        out.append(Finding("unsupported_number", severity_of("unsupported_number"),
                           f"Claim {pair.claim_id} states {nums}, which the abstract of {ref} does not contain.",
                           pair.claim_id, pair.reference_id, pair.pmid))
    return out


def stance_findings(pair: Pair, ref: str) -> list[Finding]:
    """What the source says against the claim (audit/scoring/stance.py), quoting its evidence sentence."""
    st = pair.stance
    if st is None:
        return []
    if st.verdict == CONTRADICTS:
        return [Finding("contradicted", severity_of("contradicted"),
                        f"Claim {pair.claim_id} is contradicted by {ref}: {st.explanation}. "
                        f"The source says: \"{st.evidence}\"", pair.claim_id, pair.reference_id, pair.pmid)]
    if st.overstated:
        return [Finding("overstated", severity_of("overstated"),
                        f"Claim {pair.claim_id} says more than {ref}: {st.explanation}. "
                        f"The source says: \"{st.evidence}\"", pair.claim_id, pair.reference_id, pair.pmid)]
    return []


def drift_findings(drift: ClaimDrift) -> list[Finding]:
    if not drift.drifts:
        return []
    return [Finding("off_topic", severity_of("off_topic", drift_axes=drift.axes),
                    f"Claim {drift.claim_id} drifts from the article's subject: {drift.explanation}",
                    drift.claim_id, None, None)]


def _markers_seen(article: Article) -> bool:
    """Citation markers anywhere in what was read, the set-aside page chrome included."""
    texts = [article.text] + [s.text for s in article.set_aside]
    return any(find_markers(t, [])[0] for t in texts if t) or any(r.in_list for r in article.references)


def reading_findings(article: Article) -> list[Finding]:
    """When reading gave no claims, say why: never "cites no sources" for a page that was not read."""
    if article.claims:
        if not any(c.citations for c in article.claims) and _markers_seen(article):
            return [Finding("markers_not_read", severity_of("markers_not_read"),
                            "Citation markers or a reference list were found, but no claim carries a marker: "
                            "check how the article was read (set-aside page text is listed in the report).",
                            None, None, None)]
        return []
    aside = len(article.set_aside)
    where = f" {aside} block(s) were set aside as page chrome (listed in the report)." if aside else ""
    if _markers_seen(article):
        return [Finding("no_claims", severity_of("no_claims"),
                        "Citation markers or references were found but no claim could be "
                        "read from the article." + where, None, None, None)]
    if article.text.strip() or aside:
        return [Finding("no_claims", severity_of("no_claims"),
                        "The article has text but no claim could be read from it." + where,
                        None, None, None)]
    return [Finding("no_claims", severity_of("no_claims"), "The article holds no text to audit.", None, None, None)]


def article_findings(article: Article, records: dict[str, Record], pairs: list[Pair],
                     drifts: list[ClaimDrift]) -> list[Finding]:
    citing: dict[str, list[str]] = {}
    for c in article.claims:
        for label in c.citations:
            citing.setdefault(label, []).append(c.id)
    out: list[Finding] = []
    out += reading_findings(article)
    if article.claims and not any(c.citations for c in article.claims) and not _markers_seen(article):
        out.append(Finding("no_citations", severity_of("no_citations"),
                           "The article cites no sources: no citation markers were found.", None, None, None))
    # One finding per problem: a drifting claim whose source is off topic is told once, on the pair.
    off_claims = {p.claim_id for p in pairs if p.verdict == OFF_TOPIC}
    drift_of = {d.claim_id: d for d in drifts if d.drifts}
    for d in drifts:
        if d.claim_id not in off_claims:
            out += drift_findings(d)
    if drifts and not any(d.subject_recognised for d in drifts):
        out.append(Finding("subject_unrecognised", severity_of("subject_unrecognised"),
                           "The article's subject was not recognised in MeSH terms (no disease, tumour type, body "
                           "part or species in its title, question or sources): claims and sources could not be "
                           "checked against it.", None, None, None))
    for ref in article.references:
        out += reference_findings(ref, records, citing.get(ref.id, []))
        if ref.in_list and not citing.get(ref.id):
            out.append(Finding("uncited_reference", severity_of("uncited_reference"),
                               f"Reference {ref.id} is listed but no claim cites it.", None, ref.id, ref.pmid))
    told: set[str] = set()
    for p in pairs:
        d = drift_of.get(p.claim_id) if p.verdict == OFF_TOPIC and p.claim_id not in told else None
        if d:
            told.add(p.claim_id)
        out += pair_findings(p, records.get(p.pmid or ""), d)
    return sorted(out, key=lambda f: severity_rank(f.severity))
