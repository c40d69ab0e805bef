"""An audit as the history stores it: its findings as rows with their stable identities, and the
whole audit packed as JSON for reuse (pure functions, no store).
"""
from __future__ import annotations

import json

from audit import finding_row
from audit.models import ArticleAudit, Record, from_dict, to_dict


def finding_rows(audit: ArticleAudit) -> list[dict]:
    """The findings of one audit as the history's rows (audit.finding_row), by their stable ``identity``."""
    rows = [r.to_dict(finding_row.HISTORY_FIELDS) for r in finding_row.finding_rows(audit)]
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
