"""What changed between two audits: the one place a finding is called new, persisting or resolved.

A finding is known across runs by its identity (``Finding.identity``: article
id, normalised claim text, reference, kind), so renumbering claims does not
make old findings look new.  The pipeline, the history, the reports and the
run index all take their statuses from here.

Degraded runs live here too, because they are a rule about statuses: when
NCBI could not be reached for some references, the audit of those references
says nothing about whether their old findings were fixed.  Their previous
findings are carried forward (persisting, never "resolved"), the run is marked
degraded, and a degraded run is never the baseline the next run is compared
with (its "new" and "resolved" would be artefacts of the outage).
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterable

from audit.models import FETCH_FAILED, ArticleAudit

NEW, PERSISTING, RESOLVED = "new", "persisting", "resolved"
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


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
    order = sorted(range(len(bases)), key=lambda i: (bases[i], SEVERITY_ORDER.get(audit.findings[i].severity, 3),
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


def failed_pmids(audit: ArticleAudit) -> set[str]:
    """The PMIDs of the references NCBI could not be asked about in this audit."""
    return {r.pmid for r in audit.article.references if r.status == FETCH_FAILED and r.pmid}


def carried_rows(previous: Iterable[dict] | None, rows: Iterable[dict], failed: set[str]) -> list[dict]:
    """Previous findings of references whose fetch failed now, carried into this audit.

    Nobody checked those references this time, so their findings stand as
    they were (status persisting), rather than being called resolved.
    """
    if not failed or previous is None:
        return []
    have = {r["identity"] for r in rows}
    return [dict(r, status=PERSISTING) for r in previous
            if r.get("pmid") in failed and r["identity"] not in have]


def is_baseline(summary: dict | None) -> bool:
    """May a completed run be the one the next run is compared with?  Not when it was degraded."""
    return not (summary or {}).get("degraded")
