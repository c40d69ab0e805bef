"""Per-article reports (report.json, report.html, findings.csv) and the run index.

``article_report`` is the one place the report.json shape is decided; the HTML
pages and the CSV files are all built from that dict, so a report.json loaded
from an earlier run renders exactly like a fresh audit.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from audit.article_ids import clean_id as article_dirname      # the library names articles and their folders
from audit.changes import statuses
from audit.finding_row import REPORT_FIELDS, finding_rows
from audit.models import (NOT_FOUND, RESOLVED, SEVERITIES, ArticleAudit, Record, to_dict)
from audit.printable import json_controls
from audit.review.decisions import apply

from . import csvout, findings_view, pages
from .outfolder import ARTICLES_DIR, UnsafeOutputError, _write_atomic, prepare_reports_folder  # noqa: F401  (re-exported)

SCHEMA_VERSION = 1
PMID_RE = re.compile(r"^[1-9]\d{0,9}$")
MISSING = "missing"          # a marker with no usable source behind it (report-only verdict)


def valid_pmid(pmid: Any) -> str | None:
    """The PMID as a string when it is a plain number, else None (never build URLs from it)."""
    s = str(pmid).strip() if pmid is not None else ""
    return s if PMID_RE.match(s) else None


def pubmed_url(pmid: Any) -> str | None:
    p = valid_pmid(pmid)
    return f"https://pubmed.ncbi.nlm.nih.gov/{p}/" if p else None


def article_folder(out_dir: Path | str, article_id: str) -> Path:
    """Where one article's report files go: out/articles/<id>/."""
    return Path(out_dir) / ARTICLES_DIR / article_dirname(article_id)


# ----------------------------------------------------------------------------
# report.json


def _reference(ref, record: Record | None) -> dict:
    resolved = record is not None and ref.status == RESOLVED
    return {
        "id": ref.id,
        "raw": ref.raw,
        "pmid": ref.pmid,
        "status": ref.status,
        "reason": ref.reason,
        "in_list": ref.in_list,
        "line": ref.line,
        "title": record.title if resolved else None,
        "journal": record.journal if resolved else None,
        "year": record.year if resolved else None,
        "mesh": [{"descriptor": m.descriptor, "major": bool(m.major)} for m in record.mesh] if resolved else [],
        "publication_types": list(record.publication_types) if resolved else [],
        "doi": (record.doi if resolved and record.doi else ref.doi),
        "pmcid": (record.pmcid if resolved and record.pmcid else ref.pmcid),
        "abstract": record.abstract if resolved else "",
        "retracted": bool(resolved and record.retracted),
        "retraction_notices": list(record.retraction_notices) if resolved else [],
        "expression_of_concern": bool(resolved and record.expression_of_concern),
        "first_author": record.first_author if resolved else "",
        "cited_title": ref.cited_title,
        "cited_journal": ref.cited_journal,
        "cited_year": ref.cited_year,
        "url": pubmed_url(ref.pmid) if resolved else None,
    }


def _location(item) -> dict:
    """Word and PDF items say where they stand ("page 2, column 1"); text formats have their line only."""
    return {"location": item.location} if getattr(item, "location", "") else {}


def article_report(audit: ArticleAudit, diff: dict | None = None) -> dict:
    """The report.json content for one audited article (pure: no files, no clock)."""
    art = audit.article
    records = audit.records or {}
    refs = []
    for ref in art.references:
        rec = records.get(ref.pmid) if ref.pmid else None
        refs.append(_reference(ref, rec))
    pairs = []
    for p in audit.pairs:
        d = to_dict(p)
        d["unsupported_numbers"] = list(p.unsupported_numbers)
        d["shared_terms"] = list(p.shared_terms)
        pairs.append(d)
    told = finding_rows(audit)
    identities = [r.identity for r in told]
    findings = [r.to_dict(REPORT_FIELDS) for r in told]
    if diff is not None:
        marks = statuses(diff, identities)
        for f in findings:
            f["status"] = marks[f["identity"]]
    out = {
        "schema_version": SCHEMA_VERSION,
        "article": {"id": art.id, "title": art.title, "subject": art.subject, "sha256": art.sha256,
                    "path": art.path, "format": art.format, "text": art.text, "part": art.part},
        "claims": [{"id": c.id, "text": c.text, "citations": list(c.citations), "line": c.line,
                    "start": c.start, "end": c.end, **_location(c)} for c in art.claims],
        "references": refs,
        "set_aside": [{"text": x.text, "line": x.line, "reason": x.reason, **_location(x)} for x in art.set_aside],
        "pairs": pairs,
        "drifts": [to_dict(d) for d in audit.drifts],
        "findings": findings,
        "summary": audit.summary,
        "sources": source_searches(getattr(audit, "sources", None) or []),
    }
    if audit.error:
        out["error"] = audit.error
    if diff is not None:
        out["diff"] = {k: list(diff.get(k) or []) for k in ("new", "persisting", "resolved")}
    out["problems"] = findings_view.problems(out)
    for p in out["problems"]:
        for i in p["findings"]:
            findings[i]["problem"] = p["id"]
        if diff is not None:
            p["status"] = "new" if any(findings[i]["status"] == "new" for i in p["findings"]) else "persisting"
    return out


def pubmed_search_url(term: str) -> str:
    """PubMed's web search for an ESearch term, so a reviewer can repeat the query."""
    from urllib.parse import quote_plus
    return "https://pubmed.ncbi.nlm.nih.gov/?term=" + quote_plus(term)


def source_searches(searches) -> list[dict]:
    """audit.sources' searches for report.json: candidates with PubMed links, every query with its repeat link."""
    out = []
    for s in searches:
        d = to_dict(s)
        for c in d["candidates"]:
            c["url"] = pubmed_url(c["pmid"])
        for q in d["queries"]:
            q["url"] = pubmed_search_url(q["query"]) if q["where"] == "pubmed" else None
        out.append(d)
    return out


def marker_verdicts(report: dict) -> dict[tuple[str, str], str]:
    """(claim id, reference label) -> the verdict its marker is coloured by."""
    refs = {r["id"]: r for r in report.get("references", [])}
    out: dict[tuple[str, str], str] = {}
    for c in report.get("claims", []):
        for lab in c.get("citations") or []:
            ref = refs.get(str(lab))
            if ref is None or not ref.get("in_list", True) or ref.get("status") == NOT_FOUND:
                out[(c["id"], str(lab))] = MISSING
            else:
                out[(c["id"], str(lab))] = "unverifiable"
    for p in report.get("pairs", []):
        out[(p["claim_id"], str(p["reference_id"]))] = p["verdict"]
    return out


# ----------------------------------------------------------------------------
# files


# The reports folder is shared with readers and workers, so anything in it may have been planted:
# a link ``articles/<id> -> ../../victim`` must not send a write outside it.  Every write opens the
# folders below ``out_dir`` one by one relative to the parent's descriptor with O_NOFOLLOW, creates
# its temp file with O_EXCL | O_NOFOLLOW and renames it within that folder; a link is refused.
def _json(data: dict, **kw) -> str:
    """report.json / run.json text: controls escaped (C0 by json, C1 here), never raw in the file."""
    return json_controls(json.dumps(data, ensure_ascii=False, indent=1, **kw))


def write_article_report(audit: ArticleAudit, out_dir: Path, diff: dict | None = None) -> Path:
    """Write out_dir/articles/<article-id>/{report.json, report.html, findings.csv}; return that folder."""
    return write_report(audit, out_dir, diff)[0]


def index_entry(report: dict) -> dict:
    """What the run index needs of one report (its row, its findings for the run's CSV): the run keeps
    these in memory instead of reading back the report.json files it has just written."""
    art = report.get("article") or {}
    return {"article": {k: art.get(k) for k in ("id", "title", "format")}, "summary": report.get("summary") or {},
            "findings": report.get("findings") or [], "error": report.get("error")}


def write_report(audit: ArticleAudit, out_dir: Path, diff: dict | None = None,
                 decisions: Iterable[dict] = ()) -> tuple[Path, dict]:
    """``write_article_report`` with the reviewers' decisions on this article marked (citeaudit review);
    returns the folder and the report's ``index_entry``."""
    report = article_report(audit, diff)
    decisions = list(decisions)
    if decisions:
        apply(report, decisions)
    folder = article_folder(out_dir, audit.article.id)
    _write_atomic(folder / "report.json", _json(report), out_dir)
    _write_atomic(folder / "findings.csv",
                  csvout.findings_csv(_csv_rows(report), with_status=diff is not None), out_dir)
    _write_atomic(folder / "report.html", pages.article_page(report, marker_verdicts(report)), out_dir)
    return folder, index_entry(report)


def _csv_rows(report: dict, run_diff: dict | None = None) -> list[dict]:
    aid = report["article"]["id"]
    found = report.get("findings", [])
    marks = statuses(run_diff, [f.get("identity") for f in found]) if run_diff is not None else {}
    rows = []
    for f in found:
        review = f.get("review") or {}
        row = dict(f, article_id=aid, decision=review.get("decision", ""), decision_note=review.get("note", ""))
        if run_diff is not None:
            row["status"] = marks[f.get("identity")]
        rows.append(row)
    return rows


def _as_report(a: ArticleAudit | dict) -> dict:
    return article_report(a) if isinstance(a, ArticleAudit) else a


def _index_row(rep: dict) -> dict:
    s = rep.get("summary") or {}
    by_sev = s.get("by_severity") or {}
    art = rep.get("article") or {}
    error = rep.get("error") or s.get("error")
    return {
        "id": art.get("id", ""),
        "dir": article_dirname(art.get("id", "")),
        "title": art.get("title") or "",
        "format": art.get("format") or "",
        "claims": s.get("claims", len(rep.get("claims", []))),
        "cited_claims": s.get("cited_claims", 0),
        "references": s.get("references", len(rep.get("references", []))),
        "findings": s.get("findings", len(rep.get("findings", []))),
        **{sev: by_sev.get(sev, 0) for sev in SEVERITIES},
        "by_kind": s.get("by_kind") or {},
        "dismissed": sum(1 for f in rep.get("findings") or [] if (f.get("review") or {}).get("decision") == "dismissed"),
        "error": error,
        "no_citations": bool(not error and s.get("cited_claims", 0) == 0),
    }


def _change_rows(items: Iterable[dict], dirs: dict[str, str], limit: int = 1000) -> dict:
    items = list(items or [])
    rows = [{"article_id": str(f.get("article_id", "")),
             "dir": dirs.get(str(f.get("article_id", ""))),
             "kind": f.get("kind"), "severity": f.get("severity"),
             "message": f.get("message", ""), "claim_text": f.get("claim_text", ""),
             "reference_id": f.get("reference_id")} for f in items[:limit]]
    return {"count": len(items), "rows": rows}


def run_summary(reports: list[dict], run: dict | None = None) -> dict:
    """What the index shows and run.json keeps: one row per article, totals, changes."""
    rows = [_index_row(r) for r in reports]
    by_kind: dict[str, int] = {}
    for r in rows:
        for k, n in r["by_kind"].items():
            by_kind[k] = by_kind.get(k, 0) + n
    totals = {
        "articles": len(rows),
        "with_findings": sum(1 for r in rows if r["findings"]),
        "errors": sum(1 for r in rows if r["error"]),
        "no_citations": sum(1 for r in rows if r["no_citations"]),
        "claims": sum(r["claims"] for r in rows),
        "references": sum(r["references"] for r in rows),
        "findings": sum(r["findings"] for r in rows),
        **{sev: sum(r[sev] for r in rows) for sev in SEVERITIES},
    }
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "articles": rows, "totals": totals,
                           "by_kind": dict(sorted(by_kind.items(), key=lambda kv: -kv[1]))}
    if run:
        dirs = {r["id"]: r["dir"] for r in rows}
        out["run"] = {k: v for k, v in run.items() if k not in ("new", "persisting", "resolved")
                      and isinstance(v, (str, int, float, bool, type(None)))}
        has_diff = any(k in run for k in ("new", "persisting", "resolved"))
        if has_diff:
            # A finding a reviewer dismissed is told as dismissed, not as new or persisting.
            gone = {(r["id"], f.get("identity")) for rep, r in zip(reports, rows)
                    for f in rep.get("findings") or [] if (f.get("review") or {}).get("decision") == "dismissed"}
            keep = {k: [f for f in run.get(k) or [] if (str(f.get("article_id", "")), f.get("identity")) not in gone]
                    for k in ("new", "persisting")}
            dismissed = [f for k in ("new", "persisting") for f in run.get(k) or []
                         if (str(f.get("article_id", "")), f.get("identity")) in gone]
            out["changes"] = {"new": _change_rows(keep["new"], dirs), "persisting": _change_rows(keep["persisting"], dirs),
                              "resolved": _change_rows(run.get("resolved"), dirs),
                              "dismissed": _change_rows(dismissed, dirs)}
            counts: dict[str, dict[str, int]] = {}
            for k in ("new", "persisting"):
                for f in keep[k]:
                    c = counts.setdefault(str(f.get("article_id", "")), {"new": 0, "persisting": 0})
                    c[k] += 1
            for r in rows:
                r["new"] = counts.get(r["id"], {}).get("new", 0)
    return out


def write_run_index(out_dir: Path, audits: list[ArticleAudit] | list[dict],
                    run: dict | None = None) -> Path:
    """Write out_dir/index.html, out_dir/findings.csv (every finding) and out_dir/run.json."""
    out_dir = Path(out_dir)
    reports = [_as_report(a) for a in audits]
    summary = run_summary(reports, run)
    has_diff = bool(run) and any(k in run for k in ("new", "persisting", "resolved"))
    rows: list[dict] = []
    for rep in reports:
        rows += _csv_rows(rep, run if has_diff else None)
    _write_atomic(out_dir / "findings.csv", csvout.findings_csv(rows, with_status=has_diff))
    run_json = dict(summary)
    if run:
        # Everything the run step passed (source statistics...), the full change lists included.
        run_json["run"] = {k: v for k, v in run.items() if k not in ("new", "persisting", "resolved")}
        if has_diff:
            run_json["changes_full"] = {k: list(run.get(k) or []) for k in ("new", "persisting", "resolved")}
    _write_atomic(out_dir / "run.json", _json(run_json, default=str))
    index = out_dir / "index.html"
    _write_atomic(index, pages.index_page(summary))
    return index


def apply_decisions(out_dir: Path, decisions: list[dict], article_ids: Iterable[str] | None = None,
                    skip: Iterable[str] = ()) -> int:
    """Mark reviewers' decisions in the written reports (report.json, report.html, findings.csv) and
    rewrite the run index when any changed; returns how many articles changed.  The static files
    then show the decisions with no server (``audit/review/decisions.py`` says which hold)."""

    out_dir = Path(out_dir)
    by_article: dict[str, list[dict]] = {}
    for d in decisions:
        by_article.setdefault(d["article_id"], []).append(d)
    root = out_dir / ARTICLES_DIR
    folders = [article_folder(out_dir, a) for a in article_ids] if article_ids is not None else \
        (sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else [])
    done = {article_folder(out_dir, a) for a in skip}    # written this run with the decisions marked
    folders = [f for f in folders if f not in done]
    changed = 0
    for folder in folders:
        try:
            report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not apply(report, by_article.get((report.get("article") or {}).get("id", ""), [])):
            continue
        changed += 1
        diff = report.get("diff")
        _write_atomic(folder / "report.json", json.dumps(report, ensure_ascii=False, indent=1))
        _write_atomic(folder / "findings.csv", csvout.findings_csv(_csv_rows(report), with_status=diff is not None))
        _write_atomic(folder / "report.html", pages.article_page(report, marker_verdicts(report)))
    if changed:
        refresh_run_index(out_dir)
    return changed


def refresh_run_index(out_dir: Path) -> Path | None:
    """Rewrite index.html, findings.csv and run.json from the reports on disk and the last run.json."""
    out_dir = Path(out_dir)
    try:
        last = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    reports = []
    for a in last.get("articles") or []:
        try:
            reports.append(json.loads((out_dir / ARTICLES_DIR / a["dir"] / "report.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError):
            continue
    run = dict(last.get("run") or {})
    run.update(last.get("changes_full") or {})
    return write_run_index(out_dir, reports, run or None)
