"""Is the paper behind a reference's identifier the paper the reference describes?

The commonest fabricated reference (CITADEL, Lancet 2026) pairs a real
identifier with another paper's title.  That is not a typo in a year or a
journal: the citation points at one paper and names another.  It gets its own
high finding, ``identifier_mismatch``, when there is positive evidence of a
second paper:

- the cited title alone resolves to another record than the identifier does
  (``Reference.title_match``, asked by ``audit/crossref/beyond.py``): "PMID 123
  is 'X'; the reference's title 'Y' is PMID 456";
- the reference's PMID and DOI name two different papers (PubMed's record of
  the PMID against Crossref's record of the DOI);
- the title differs and so do the authors: none of the record's authors is
  named where the reference names its authors.

A title that differs while the authors agree (an invented or garbled title on
the right paper) stays ``metadata_mismatch``, as does a wrong year or journal
(``metadata_findings``, here beside the rule that tells the two apart).
"""
from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from audit.models import Finding, Record, Reference
from audit.notices import CROSSREF, notice_findings
from audit.pubmed.citation_match import journal_matches, normalise_title
from audit.severity import severity_of

TITLE_SAME = 80          # token_set_ratio at or above which two titles name one paper (metadata_findings' rule)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def titles_differ(a: str | None, b: str | None) -> bool:
    """Two titles that name different papers (both must be known)."""
    if not a or not b:
        return False
    return fuzz.token_set_ratio(_norm(a), _norm(b)) < TITLE_SAME


def cited_author_words(ref: Reference) -> list[str]:
    """Surname-like words where the reference names its authors: before its title (Vancouver, APA)."""
    raw = ref.raw or ""
    if not ref.cited_title:
        return []
    at = _norm(raw).find(_norm(ref.cited_title)[:40])
    if at <= 0:
        return []
    head = _norm(raw)[:at]
    words = [w for w in head.split() if len(w) >= 3 and not w.isdigit() and w not in ("and", "et", "al", "the")]
    return words


def authors_differ(ref: Reference, rec: Record) -> bool:
    """True when the reference names authors and none of them is an author of the record."""
    cited = set(cited_author_words(ref))
    names = {w for a in rec.authors or ([rec.first_author] if rec.first_author else []) for w in _norm(a).split()}
    if not cited or not names:
        return False
    return not (cited & names)


def label(rec: Record) -> str:
    return f"PMID {rec.pmid}" if rec.pmid else f"DOI {rec.doi}"


def _q(text: str) -> str:
    return text if len(text) <= 100 else text[:97] + "..."


def identity_findings(ref: Reference, rec: Record, claim: str | None) -> list[Finding]:
    """``identifier_mismatch`` for ``ref`` against ``rec``, the record its identifier resolved to."""
    me = label(rec)
    pmid = rec.pmid or None

    def found(msg: str, detail: str) -> list[Finding]:
        return [Finding("identifier_mismatch", severity_of("identifier_mismatch"), msg, claim, ref.id, pmid, detail)]

    if ref.title_match and ref.title_match.lower() != me.lower() and titles_differ(ref.cited_title, rec.title):
        return found(f"Reference {ref.id}: {me} is \"{_q(rec.title)}\"; the reference's title "
                     f"\"{_q(ref.cited_title or '')}\" is {ref.title_match}. The identifier and the title name "
                     "two different papers.", "title")
    work = ref.work
    if work is not None and rec.origin != CROSSREF and titles_differ(work.title, rec.title) \
            and (work.doi or "").lower() != (rec.doi or "").lower():
        return found(f"Reference {ref.id}: {me} is \"{_q(rec.title)}\", but its DOI {work.doi} is "
                     f"\"{_q(work.title)}\" (Crossref). The two identifiers name two different papers.", "doi")
    if titles_differ(ref.cited_title, rec.title) and authors_differ(ref, rec):
        by = ", ".join(rec.authors[:3]) + (" et al." if len(rec.authors) > 3 else "")
        return found(f"Reference {ref.id}: {me} is \"{_q(rec.title)}\"{f' by {by}' if by else ''}; the reference "
                     f"gives \"{_q(ref.cited_title or '')}\" by other authors. The identifier points to another "
                     "paper.", "authors")
    return []


def metadata_findings(ref: Reference, rec: Record) -> list[Finding]:
    """``metadata_mismatch``: the year, journal or title a reference gives against its record's (the same
    paper, told wrongly; identity_findings says when it is another paper)."""
    out = []
    who = f"PMID {rec.pmid}" if rec.pmid else f"DOI {rec.doi}"    # a Crossref record has no PMID
    def add(msg: str, detail: str, **facts) -> None:
        out.append(Finding("metadata_mismatch", severity_of("metadata_mismatch", field=detail, **facts), msg, None,
                           ref.id, rec.pmid, detail))
    if ref.cited_year and rec.year and ref.cited_year != rec.year:
        add(f"Reference {ref.id} gives year {ref.cited_year}; {who} was published in {rec.year}.", "year",
            year_gap=ref.cited_year - rec.year)
    if ref.cited_journal and not journal_matches(ref.cited_journal, rec):
        add(f"Reference {ref.id} names the journal \"{ref.cited_journal}\"; "
            f"{who} appeared in \"{rec.journal or rec.journal_iso}\".", "journal")
    if ref.cited_title and rec.title:
        score = fuzz.token_set_ratio(normalise_title(ref.cited_title), normalise_title(rec.title))
        if score < 80:
            add(f"Reference {ref.id} gives the title \"{ref.cited_title[:90]}\", but {who} "
                f"is \"{rec.title[:90]}\": the identifier may point to another paper.", "title")
    return out


def crossref_only_findings(ref: Reference, claim: str | None) -> list[Finding]:
    """A reference PubMed does not hold, checked against Crossref's record of its DOI."""
    work = ref.work
    assert work is not None
    out = notice_findings(ref, work, claim, work.notice_sources or [CROSSREF])
    out += identity_findings(ref, work, claim)
    if not any(f.kind == "identifier_mismatch" for f in out):
        for f in metadata_findings(ref, work):
            f.claim_id, f.pmid = claim, None
            out.append(f)
    what = (work.work_type or "work").replace("-", " ")
    preprint = work.work_type == "posted-content"
    where = ", ".join(str(x) for x in (work.journal, work.year) if x)
    out.append(Finding(
        "not_in_pubmed", severity_of("not_in_pubmed", preprint=preprint),
        f"Reference {ref.id} (DOI {work.doi}) is not in PubMed; Crossref holds it as a {what}"
        f"{' (a preprint, not peer reviewed)' if preprint else ''}: \"{_q(work.title)}\""
        f"{f' ({where})' if where else ''}. Its title, journal and year were checked; its content was not "
        "compared with the claim (Crossref holds no PubMed abstract).", claim, ref.id, None))
    return out
