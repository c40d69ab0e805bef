"""Which reviewer's decision holds for which finding, and how decisions show in the reports.

A decision (confirmed, or dismissed as a false alarm, with a short note) is
stored in the history (``History.set_decisions``) under the finding's identity
(article, claim text, reference, kind: ``audit/changes.py``) and the key of the
cited record when it was taken.  It *holds* for a finding of a later audit
while both are the same: the claim text and the record unchanged.  An edited
claim changes the identity; a changed record (a retraction, a new abstract)
changes the key; either way the finding is open again.  Pure functions over
report.json dicts and decision rows.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Iterable

from reports.csvout import _cell

CONFIRMED, DISMISSED = "confirmed", "dismissed"
DECISIONS = (CONFIRMED, DISMISSED)
NOTE_MAX = 500

# The parts of a reference's record a finding is judged on (report.json "references").
_RECORD_FIELDS = ("pmid", "status", "title", "journal", "year", "abstract", "mesh", "publication_types",
                  "retracted", "retraction_notices", "expression_of_concern")


def record_key(ref: dict | None) -> str:
    """A key that changes when anything a finding is judged on changes in the cited record."""
    if not ref:
        return ""
    data = {k: ref.get(k) for k in _RECORD_FIELDS}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def finding_record_key(report: dict, finding: dict) -> str:
    refs = {str(r["id"]): r for r in report.get("references") or []}
    rid = finding.get("reference_id")
    return record_key(refs.get(str(rid))) if rid is not None else ""


def rows_for(report: dict, indexes: Iterable[int], decision: str, note: str) -> list[dict]:
    """Decision rows for some findings of a report (a reviewer decides on a whole problem)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    note = " ".join(str(note or "").split())[:NOTE_MAX]
    aid = (report.get("article") or {}).get("id", "")
    out = []
    for i in indexes:
        f = report["findings"][i]
        out.append({"article_id": aid, "identity": f["identity"], "record_key": finding_record_key(report, f),
                    "decision": decision, "note": note, "kind": f["kind"], "severity": f["severity"],
                    "message": f["message"], "claim_text": f.get("claim_text") or "", "pmid": f.get("pmid")})
    return out


def holding(report: dict, decisions: Iterable[dict]) -> dict[str, dict]:
    """identity -> the decision that holds for that finding of this report (same claim text, same record)."""
    by_id = {d["identity"]: d for d in decisions}
    out = {}
    for f in report.get("findings") or []:
        d = by_id.get(f.get("identity"))
        if d is not None and d["record_key"] == finding_record_key(report, f):
            out[f["identity"]] = d
    return out


def apply(report: dict, decisions: Iterable[dict]) -> bool:
    """Mark the report's findings and problems with the decisions that hold; True when anything changed.

    A problem carries a decision when every one of its findings has one; a
    dismissed problem is "dismissed", not new or persisting.
    """
    held = holding(report, decisions)
    changed = False
    findings = report.get("findings") or []
    for f in findings:
        d = held.get(f.get("identity"))
        want = {"decision": d["decision"], "note": d["note"], "decided_at": d["decided_at"]} if d else None
        if f.get("review") != want:
            changed = True
            if want is None:
                f.pop("review", None)
            else:
                f["review"] = want
    for p in report.get("problems") or []:
        marks = [findings[i].get("review") for i in p["findings"]]
        want = None
        if marks and all(marks):
            decision = DISMISSED if all(m["decision"] == DISMISSED for m in marks) else CONFIRMED
            notes = list(dict.fromkeys(m["note"] for m in marks if m["note"]))
            want = {"decision": decision, "note": " / ".join(notes)}
        if p.get("review") != want:
            changed = True
            if want is None:
                p.pop("review", None)
            else:
                p["review"] = want
    return changed


def is_dismissed(finding: dict) -> bool:
    return (finding.get("review") or {}).get("decision") == DISMISSED


EXPORT_COLUMNS = ("article_id", "kind", "severity", "decision", "note", "claim_text", "pmid", "message",
                  "identity", "decided_at")


def export_csv(rows: Iterable[dict]) -> str:
    """Decisions as labelled data: one row per finding decided (confirmed = a true problem)."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in EXPORT_COLUMNS])
    return buf.getvalue()
