"""What changed between two audits: the one place a finding is called new, persisting or resolved.

A finding is known across runs by its identity (``Finding.identity``: article
id, normalised claim text, reference, kind), so renumbering claims does not
make old findings look new.  The pipeline, the history, the reports and the
run index all take their statuses from here.

Degraded runs live here too, because they are a rule about statuses: when
NCBI could not be reached for some references, a search went unanswered, or the
corpus came back empty or much smaller, the run says nothing about whether the
old findings it did not see were fixed.  An article with anything unchecked
keeps its previous findings (carried: persisting, never "resolved"), the run is
marked degraded and resolves nothing, and a degraded run is never the baseline
the next run is compared with (its "new" and "resolved" would be artefacts of
the outage).
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterable

from audit.finding_kinds import FAULT_KINDS, severity_rank
from audit.models import FETCH_FAILED, ArticleAudit

NEW, PERSISTING, RESOLVED = "new", "persisting", "resolved"


# A claim's text in an identity, and beside each of its findings, up to this many characters.  A
# normal claim is far shorter and keeps its text; a claim of 20,000 markers (hundreds of KB) with a
# finding per marker would otherwise cost markers x length in every row, report and identity.
CLAIM_KEY_MAX = 2000
CLAIM_EXCERPT_MAX = 1000


def claim_key(text: str) -> str:
    """The claim's part of a finding identity: its normalised text, or a digest of a very long one."""
    norm = " ".join(text.split()).lower()
    if len(norm) <= CLAIM_KEY_MAX:
        return norm
    return "sha256:" + hashlib.sha256(norm.encode("utf-8")).hexdigest()


def claim_excerpt(text: str) -> str:
    """The claim text shown with each of its findings; the full text is the claim's own (report claims[])."""
    if len(text) <= CLAIM_EXCERPT_MAX:
        return text
    return text[:CLAIM_EXCERPT_MAX].rstrip() + f" ... [{len(text):,} characters; the whole claim is in claims]"


def finding_identities(audit: ArticleAudit) -> list[str]:
    """The identity of each finding of ``audit``, in the order of ``audit.findings``.

    Two findings of one article can share an identity (a reference with a
    wrong year *and* a wrong journal); the n-th of them, in a fixed order
    (severity, message), gets ``#n`` appended so each stays distinct.
    Each claim's key is made once, so the cost is linear in findings and text.
    """
    art = audit.article
    keys = {c.id: claim_key(c.text) for c in art.claims}
    refs = {r.id: r for r in art.references}
    bases = []
    for f in audit.findings:
        text = keys.get(f.claim_id, "") if f.claim_id else ""
        ref = refs.get(f.reference_id) if f.reference_id else None
        reference = f.pmid or (ref.pmid if ref is not None and ref.pmid else "") or \
            (f"ref:{ref.raw.strip() or ref.id}" if ref is not None else (f"ref:{f.reference_id}" if f.reference_id else ""))
        bases.append(json.dumps(list(f.identity(art.id, text, reference)), ensure_ascii=False))
    order = sorted(range(len(bases)), key=lambda i: (bases[i], severity_rank(audit.findings[i].severity),
                                                     audit.findings[i].message))
    out = list(bases)
    seen: dict[str, int] = {}
    for i in order:
        n = seen.get(bases[i], 0)
        seen[bases[i]] = n + 1
        if n:
            out[i] = f"{bases[i]}#{n + 1}"
    return out


def diff_rows(previous: Iterable[dict], current: Iterable[dict]) -> dict[str, list[dict]]:
    """new / persisting (current rows) and resolved (previous rows), by identity."""
    prev = {r["identity"]: r for r in previous}
    cur = list(current)
    cur_ids = {r["identity"] for r in cur}
    return {NEW: [r for r in cur if r["identity"] not in prev],
            PERSISTING: [r for r in cur if r["identity"] in prev],
            RESOLVED: [r for i, r in prev.items() if i not in cur_ids]}


def statuses(diff: dict[str, list[dict]] | None, identities: Iterable[str]) -> dict[str, str]:
    """identity -> new | persisting for the current findings.

    With no comparison (``diff`` None: a first run, a one-off audit) every
    finding is new.  Otherwise a finding the diff calls new is new and any
    other was there before: persisting.
    """
    ids = list(identities)
    if diff is None:
        return {i: NEW for i in ids}
    new = {r.get("identity") for r in diff.get(NEW) or []}
    return {i: (NEW if i in new else PERSISTING) for i in ids}


# ---------------------------------------------------------------------------
# Degraded runs

# The concerns a run can fail on: each is counted in the run summary, run.json and the index,
# and any of them makes the run degraded (exit 3, no baseline, nothing resolved).
FETCH_FAILED_FAULT = "fetch_failed"          # references NCBI could not be asked about
SEARCH_FAILED_FAULT = "search_failed"        # source searches with a PubMed query unanswered (a finding kind too)
CORPUS_EMPTY = "corpus_empty"                # the corpus named no article file
CORPUS_SHRANK = "corpus_shrank"              # fewer articles than the last baseline, by more than the share allowed


def audit_faults(audit: ArticleAudit) -> dict[str, int]:
    """What this audit could not check, by concern (empty: everything was checked)."""
    refs = sum(1 for r in audit.article.references if r.status == FETCH_FAILED)
    searches = sum(1 for s in getattr(audit, "sources", None) or [] if s.unanswered())
    return {k: n for k, n in ((FETCH_FAILED_FAULT, refs), (SEARCH_FAILED_FAULT, searches)) if n}


def row_faults(rows: Iterable[dict]) -> dict[str, int]:
    """The faults of an audit known only by its finding rows (an unchanged article, reused).

    Rows carried from an earlier audit (``carried``) are not this audit's faults.
    """
    out: dict[str, int] = {}
    for r in rows:
        if r.get("kind") in FAULT_KINDS and not r.get("carried"):
            out[r["kind"]] = out.get(r["kind"], 0) + 1
    return out


def add_faults(total: dict[str, int], more: dict[str, int] | None) -> dict[str, int]:
    for k, n in (more or {}).items():
        if isinstance(n, int) and n > 0:
            total[k] = total.get(k, 0) + n
    return total


def carried_rows(previous: Iterable[dict] | None, rows: Iterable[dict], faults: dict[str, int]) -> list[dict]:
    """Previous findings of an article that could not be wholly checked now, carried into this audit.

    Keyed by the article, not by one identifier kind: a reference cited by DOI or by its
    text has no PMID when its lookup fails, and findings of the whole article (its subject,
    its claims' drift, the source search) depend on every record.  So when anything of the
    article went unchecked, every previous finding it no longer has stands as it was
    (persisting, marked ``carried``), rather than being called resolved.
    """
    if not faults or previous is None:
        return []
    have = {r["identity"] for r in rows}
    return [dict(r, status=PERSISTING, carried=True) for r in previous if r["identity"] not in have]


def corpus_faults(articles: int, previous_articles: int | None, max_shrink: float) -> dict[str, int]:
    """An empty corpus, or one smaller than the last baseline's by more than ``max_shrink`` (a share):
    a mount that is missing tonight, a glob that no longer matches.  Its absent articles say
    nothing about their findings."""
    if articles == 0:
        return {CORPUS_EMPTY: 1}
    if previous_articles and articles < previous_articles * (1.0 - max_shrink):
        return {CORPUS_SHRANK: previous_articles - articles}
    return {}


def degraded_diff(diff: dict[str, list[dict]] | None, faults: dict[str, int]) -> dict[str, list[dict]] | None:
    """A degraded run resolves nothing: whatever its cause, what it did not see it cannot call fixed.

    The findings the comparison would have resolved are kept aside as ``unchecked``
    (the next complete run, compared with the last baseline, decides them).
    """
    if diff is None or not faults:
        return diff
    out = dict(diff)
    out["unchecked"] = list(diff.get(RESOLVED) or []) + list(diff.get("unchecked") or [])
    out[RESOLVED] = []
    return out


def fault_text(faults: dict[str, int]) -> str:
    """One line naming each fault: for the warning, run.json and the index."""
    names = {FETCH_FAILED_FAULT: "reference(s) could not be fetched from NCBI",
             SEARCH_FAILED_FAULT: "source search(es) failed (PubMed did not answer)",
             CORPUS_EMPTY: "the corpus named no article file",
             CORPUS_SHRANK: "article(s) fewer than the last complete run"}
    return "; ".join(f"{n} {names.get(k, k)}" if k != CORPUS_EMPTY else names[k] for k, n in sorted(faults.items()))


def is_baseline(summary: dict | None) -> bool:
    """May a completed run be the one the next run is compared with?  Not when it was degraded."""
    return not (summary or {}).get("degraded")
