"""One finding as the outputs tell it: the history's rows, report.json's ``findings`` and run.json's changes.

``models.Finding`` is what scoring and the finding rules make (kind, severity, message, where); a
``FindingRow`` is that finding placed in its article: the article's id, the stable identity that
ties it across runs (audit.changes) and the claim's text.  The history row and the report.json
entry are two views of it, each with its own columns in its own order (the order is part of the
files' bytes, so each list is written once, here).

What the report layer adds after the fact (a ``status`` from the comparison with the last run,
the ``problem`` it was folded into, a reviewer's ``review``) stays on the report's dict: reports
are read back from disk by older runs' indexes and re-checks, so those readers take dicts.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from audit.changes import claim_excerpt, finding_identities
from audit.history_schema import FINDING_FIELDS
from audit.models import ArticleAudit

HISTORY_FIELDS = FINDING_FIELDS            # the history's findings table, and each stored row
REPORT_FIELDS = ("kind", "severity", "claim_id", "reference_id", "pmid", "message", "claim_text", "detail",
                 "identity")               # report.json findings[]
CHANGE_FIELDS = ("article_id", "kind", "severity", "message", "claim_id", "claim_text", "reference_id", "pmid",
                 "identity", "status")     # run.json new / persisting / resolved (a history row and its status)


@dataclass(frozen=True)
class FindingRow:
    article_id: str
    identity: str                # stable across runs (audit.changes.finding_identities)
    kind: str
    severity: str
    message: str
    claim_id: str | None = None
    claim_text: str = ""         # the claim's text, cut (audit.changes.claim_excerpt); "" for no claim
    reference_id: str | None = None
    pmid: str | None = None
    detail: str = ""             # tells apart findings of one kind on one pair (models.Finding.detail)

    def to_dict(self, fields: tuple[str, ...] = HISTORY_FIELDS) -> dict:
        return {k: getattr(self, k) for k in fields}

    @classmethod
    def from_dict(cls, d: dict, article_id: str | None = None) -> FindingRow:
        """From a history row or a report.json finding (which has no article id: give it); keys it does not
        know (status, problem, review) are left out."""
        names = {f.name for f in dataclasses.fields(cls)}
        given = {k: v for k, v in d.items() if k in names}
        if article_id is not None:
            given["article_id"] = article_id
        return cls(**given)


def finding_rows(audit: ArticleAudit) -> list[FindingRow]:
    """The findings of ``audit`` placed in their article, in the order of ``audit.findings``."""
    art = audit.article
    claim_text = {c.id: claim_excerpt(c.text) for c in art.claims}
    return [FindingRow(article_id=art.id, identity=ident, kind=f.kind, severity=f.severity, message=f.message,
                       claim_id=f.claim_id, claim_text=claim_text.get(f.claim_id, "") if f.claim_id else "",
                       reference_id=f.reference_id, pmid=f.pmid, detail=f.detail)
            for f, ident in zip(audit.findings, finding_identities(audit))]
