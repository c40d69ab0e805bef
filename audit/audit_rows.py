"""An audit as the history stores it: its findings as rows with their stable identities, and the
whole audit packed as JSON for reuse (pure functions, no store).
"""
from __future__ import annotations

import json

from audit.changes import claim_excerpt, finding_identities
from audit.models import ArticleAudit, Record, from_dict, to_dict

def finding_rows(audit: ArticleAudit) -> list[dict]:
    """The findings of one audit as rows with their stable ``identity`` (see audit.changes)."""
    art = audit.article
    claim_text = {c.id: claim_excerpt(c.text) for c in art.claims}
    rows = []
    for f, ident in zip(audit.findings, finding_identities(audit)):
        rows.append({"article_id": art.id, "identity": ident, "kind": f.kind, "severity": f.severity,
                     "message": f.message, "claim_id": f.claim_id,
                     "claim_text": claim_text.get(f.claim_id, "") if f.claim_id else "",
                     "reference_id": f.reference_id, "pmid": f.pmid})
    rows.sort(key=lambda r: r["identity"])
    return rows


def pack_audit(audit: ArticleAudit) -> str:
    """The audit as JSON, without its records (those come back from the cache next time)."""
    slim = ArticleAudit(article=audit.article, pairs=audit.pairs, findings=audit.findings,
                        records={}, drifts=audit.drifts, error=audit.error,
                        sources=getattr(audit, "sources", []))
    return json.dumps(to_dict(slim), ensure_ascii=False, separators=(",", ":"))


_ROW_TEXT = ("identity", "kind", "severity", "message")


def finding_rows_of(text) -> list[dict] | None:
    """Stored finding rows (JSON), or None when they are not what ``finding_rows`` writes."""
    try:
        rows = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(rows, list):
        return None
    for r in rows:
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in _ROW_TEXT):
            return None
    return rows


def unpack_audit(blob: str | bytes, records: dict[str, Record] | None = None) -> ArticleAudit:
    audit = from_dict(ArticleAudit, json.loads(blob))
    audit.records = dict(records or {})
    return audit
