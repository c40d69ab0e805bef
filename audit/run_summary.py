"""What a finished run says: its summary, the run index and run.json, and its close in the history.

The pipeline (``audit.pipeline.execute``) calls ``finish`` once every article
of a run is audited.  The summary is what the command line prints and the
history keeps; the index covers the whole run (for a re-check: the last run's
index with the re-checked article's new state swapped in).
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from audit import changes
from audit.finding_row import CHANGE_FIELDS
from audit.models import SEVERITIES
from audit.severity import HIGH
from audit.progress import Progress
from reports.writer import apply_decisions, article_folder, write_run_index

if TYPE_CHECKING:
    from audit.pipeline import RunPlan

AUDIT, NIGHTLY, RECHECK = "audit", "nightly", "recheck"     # the kinds of run


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _public(row: dict) -> dict:
    return {k: row.get(k) for k in CHANGE_FIELDS}


def load_reports(out_dir: Path, ids: list[str], hashes: dict[str, str] | None = None) -> list[dict]:
    """The report.json of each article, or a stand-in saying it is missing or not the one written.

    ``hashes`` (article id -> sha256 of the report.json the run wrote, where known): a file
    that differs (edited, cut short) is not this run's output and is not read as it.  The
    index still lists the article.
    """

    out = []
    for aid in ids:
        try:
            data = (article_folder(out_dir, aid) / "report.json").read_bytes()
            want = (hashes or {}).get(aid)
            if want and hashlib.sha256(data).hexdigest() != want:
                raise ValueError("report.json is not the one this run wrote")
            rep = json.loads(data.decode("utf-8"))
            if not isinstance(rep, dict):
                raise ValueError("not a report")
            out.append(rep)
        except (OSError, ValueError) as exc:
            why = ("changed on disk since it was written" if "not the one" in str(exc) else "missing or unreadable")
            out.append({"article": {"id": aid, "title": aid}, "findings": [], "summary": {},
                        "error": f"report.json {why}; re-run or re-check this article"})
    return out


def _reports(out_dir: Path, ids: list[str], hashes: dict[str, str], written: dict[str, dict]) -> list[dict]:
    """Each article's report for the index: held in memory when this run wrote it, else read from disk."""
    missing = [aid for aid in ids if aid not in written]
    loaded = dict(zip(missing, load_reports(out_dir, missing, hashes)))
    return [written[aid] if aid in written else loaded[aid] for aid in ids]


def _tally(reports: list[dict]) -> dict:
    """Findings by severity and unreadable articles over some (verified) reports."""
    by_sev = {s: 0 for s in SEVERITIES}
    for rep in reports:
        for f in rep.get("findings") or []:
            if isinstance(f, dict):
                by_sev[f.get("severity")] = by_sev.get(f.get("severity"), 0) + 1
    return {"articles": len(reports), "errors": sum(1 for r in reports if r.get("error")),
            "findings": sum(by_sev.values()), "by_severity": by_sev, HIGH: by_sev.get(HIGH, 0)}


def _previous_articles(history, run) -> int | None:
    """How many articles the run this one is compared with had (for the corpus-shrink rule)."""
    if history is None or run is None or not run.previous_run_id:
        return None
    prev = history.run(run.previous_run_id) or {}
    n = (prev.get("summary") or {}).get("articles")
    return n if isinstance(n, int) else history.article_scored_counts(run.previous_run_id)["articles"]


def finish(plan: "RunPlan", history, run, ids: list[str], results: dict, stats: dict, prog: Progress,
           t0: float, executor_name: str, written: dict[str, dict] | None = None) -> dict:
    """Write the run index and run.json, close the run in the history, and say what the run found.

    ``own``: what this run changed (a nightly: against the previous baseline
    run; a re-check: the article against its last audit).  The index shows
    the whole run: for a re-check, the last run's index with this article's
    new state swapped in.  ``written``: the index entries of the reports this run wrote
    (``reports.writer.index_entry``); only the others are read from disk.
    """
    written = written or {}

    out_dir = Path(plan.out_dir)
    base: dict = {}
    own: dict | None = None
    # Faults, by concern, from what this run itself committed (never from report files on disk).
    faults: dict[str, int] = {}
    if plan.kind == RECHECK:
        res = results[ids[0]]
        faults = dict(res.faults)
        own = changes.degraded_diff(res.extra.get("diff") or changes.diff_rows([], res.rows), faults)
        index_ids, index_diff, base = _index_after_recheck(out_dir, res.article_id, own)
        reports = _reports(out_dir, index_ids, dict(history.report_hashes(index_ids),
                                                    **{res.article_id: res.report_sha}), written)
        tally = _tally([r for r in reports if (r.get("article") or {}).get("id") == res.article_id])
    else:
        if run is not None:
            faults = history.run_faults(run.run_id)
            changes.add_faults(faults, changes.corpus_faults(len(ids), _previous_articles(history, run),
                                                             plan.cfg.corpus.max_shrink))
            own = changes.degraded_diff(history.run_diff(run.run_id), faults)
            hashes = history.report_hashes(ids)
        else:
            for r in results.values():
                changes.add_faults(faults, r.faults)
            hashes = {aid: r.report_sha for aid, r in results.items() if r.report_sha}
        index_diff = own
        reports = _reports(out_dir, ids, hashes, written)
        tally = _tally(reports)
    counts = history.article_scored_counts(run.run_id) if run is not None else \
        {"scored": sum(r.scored for r in results.values()), "reused": 0}
    summary = {"kind": plan.kind, "run_id": run.run_id if run else None,
               "previous_run_id": run.previous_run_id if run else None, "resumed": bool(run and run.resumed),
               **tally, "degraded": bool(faults), "faults": faults,
               "fetch_failed": faults.get(changes.FETCH_FAILED_FAULT, 0),
               "scored": counts["scored"], "reused": counts["reused"], "scored_now": prog.scored,
               "task_runner": executor_name, "entrez_requests": int(stats.get("requests_total", 0)),
               "records_fetched": int(stats.get("records_fetched", 0))}
    if own is not None:
        summary.update({k: len(own.get(k) or []) for k in ("new", "persisting", "resolved", "unchecked")})
    if plan.set_aside:
        summary["set_aside_own_files"] = len(plan.set_aside)
    if plan.kind == RECHECK:
        summary.update({"article_id": res.article_id, "path": res.path, "error": res.error,
                        "report": str(Path(res.extra["report_dir"]) / "report.html"),
                        "refresh_records": plan.refresh_records})

    run_info = dict(base, **{k: v for k, v in summary.items() if isinstance(v, (str, int, float, bool))
                             and k not in ("kind", "articles", "errors", "findings", HIGH)})
    run_info["faults"] = faults
    if faults:
        run_info["degraded_because"] = changes.fault_text(faults)     # the index shows this line
    if run is not None:
        run_info.update(started_at=_iso(run.started_at), attempts=run.attempts)
    if index_diff is not None:
        run_info.update({k: [_public(r) for r in index_diff.get(k) or []] for k in ("new", "persisting", "resolved")})
    run_info["source"] = stats
    index = write_run_index(out_dir, reports, run_info)
    if history is not None:
        # Reviewers' decisions that still hold (citeaudit review) are marked in the static reports.
        # Those written now were marked as they were written.
        apply_decisions(out_dir, history.decisions(), None if plan.kind != RECHECK else ids, skip=written)
    summary.update({"index": str(index), "run_json": str(out_dir / "run.json"),
                    "seconds": round(time.time() - t0, 3), "source": stats})
    if history is not None:
        history.finish_run(run.run_id, {k: v for k, v in summary.items() if k != "source"}, diff=own)
        if plan.kind == NIGHTLY:
            history.prune()          # findings of the newest 60 runs are kept; older ones only grow the store
    summary["diff"] = own
    if plan.kind == NIGHTLY:
        prog.note(f"done: {summary['articles']} articles, {summary['scored']} scored; {summary['new']} new, "
                  f"{summary['persisting']} persisting, {summary['resolved']} resolved findings"
                  + (f"; degraded: {changes.fault_text(faults)}" if faults else ""))
    return summary


def _index_after_recheck(out_dir: Path, aid: str, diff: dict) -> tuple[list[str], dict, dict]:
    """The run index as the last run left it (out/run.json), with the re-checked article's changes swapped in."""
    try:
        last = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = {}
    ids = [str(a.get("id")) for a in last.get("articles") or [] if a.get("id")]
    if aid not in ids:
        ids.append(aid)
    full = last.get("changes_full") or {}
    mine = {k: [_public(dict(r, status=k)) for r in diff.get(k) or []]
            for k in ("new", "persisting", "resolved")}
    run_diff = {k: [r for r in full.get(k) or [] if r.get("article_id") != aid] + mine[k]
                for k in ("new", "persisting", "resolved")}
    # The run the index stands for: the last nightly, however many re-checks came since.
    last_run = last.get("run") or {}
    base_id = last_run.get("base_run_id") or last_run.get("run_id")
    return ids, run_diff, ({"base_run_id": base_id, "rechecked": aid} if base_id else {"rechecked": aid})
