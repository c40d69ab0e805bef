"""Two nightly runs over a corpus served by the local E-utilities server.

Between the runs one article is edited, one cited record is retracted (its
cached copy expired) and one article is removed: the second run must report
exactly those changes and re-score only what changed.
"""
from __future__ import annotations

import json
import time

import pytest

from audit.pubmed.cache import RecordCache
from audit.config import load_config
from devtools.eutils_server import EutilsServer
from audit.history import History
from nightly_corpus import (NOTICE_PMID, corpus_articles, raw_records, retract, write_config, write_corpus,
                            write_records)
from prefect_harness import prefect_harness  # noqa: F401

RETRACTED = "9627170"   # cited by 'bravo' only


def _serve(records_dir, monkeypatch) -> EutilsServer:
    srv = EutilsServer(records=[records_dir]).start()
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
    return srv


def _pubmed_queries(out, aids) -> int:
    """How many PubMed searches the reports of ``aids`` show in their source searches (audit.sources)."""
    reps = [json.loads((out / "articles" / a / "report.json").read_text()) for a in aids]
    return sum(q["where"] == "pubmed" for r in reps for s in r.get("sources") or [] for q in s["queries"])


def _ids(rows):
    return {(r["article_id"], r["identity"]) for r in rows}


def test_two_nightly_runs_report_changes_and_rescore_only_changes(prefect_harness, tmp_path, data_dir, monkeypatch):
    from flows.nightly import nightly_audit

    raw = raw_records(data_dir)
    records = write_records(tmp_path / "records", raw)
    arts = corpus_articles(data_dir)
    corpus = write_corpus(tmp_path / "corpus", arts)
    out = tmp_path / "out"
    cfg_path = write_config(tmp_path / "config.yaml", corpus, out)

    srv = _serve(records, monkeypatch)
    try:
        s1 = nightly_audit(config_path=str(cfg_path), progress=False)
        first_requests = srv.requests
    finally:
        srv.stop()
    assert s1["articles"] == 4 and s1["scored"] == 4 and s1["previous_run_id"] is None
    # Every unique PMID fetched once, in one batch.
    efetch = [r for r in first_requests if r["endpoint"] == "efetch"]
    assert len(efetch) == 1 and sorted(efetch[0]["ids"]) == sorted(raw)
    # The source search (issue 15) runs in the nightly too: one ESearch per PubMed query the four
    # reports show, 3 on this corpus: the fourth is held back by sources.requests_per_article = 3
    # (issue 23) and shown as "pubmed (not sent)" (before the nightly searched, run 1 sent the efetch alone).
    esearch = [r for r in first_requests if r["endpoint"] == "esearch"]
    assert len(esearch) == _pubmed_queries(out, arts) == 3
    assert len(first_requests) == len(efetch) + len(esearch)

    hist = History(out / "history.sqlite")
    run1 = hist.run_findings(s1["run_id"])
    assert s1["new"] == len(run1) > 0 and s1["resolved"] == 0
    by_article = {a: [r for r in run1 if r["article_id"] == a] for a in arts}
    assert by_article["delta"], "delta must have findings to resolve"
    assert any(r["kind"] == "missing_reference" for r in by_article["delta"])
    assert not any(r["kind"] == "retracted" for r in run1)

    # -- between the runs ------------------------------------------------------------
    # 1. an editor adds a claim to 'alpha' whose marker has no reference entry
    new_claim = "Early extubation halves the rate of stroke after cardiac surgery"
    alpha = arts["alpha"].replace("## References", f"{new_claim} [9].\n\n## References")
    (corpus / "alpha.md").write_text(alpha, encoding="utf-8")
    # 2. PubMed now marks 9627170 as retracted; the cached copy has expired
    (records / f"{RETRACTED}.xml").write_bytes(retract(raw[RETRACTED]))
    cfg = load_config(cfg_path)
    cache = RecordCache(cfg.entrez.cache_path, cfg.entrez.cache_ttl_days)
    entry = cache.get(RETRACTED)
    assert entry is not None and not entry.record.retracted
    cache.put_many([(entry.record, entry.xml)], now=time.time() - 8 * 86400)
    assert cache.get(RETRACTED) is None and cache.get("8941094") is not None
    cache.close()
    charlie_report = out / "articles" / "charlie" / "report.json"
    charlie_written = charlie_report.stat().st_mtime_ns
    # 3. 'delta' leaves the corpus
    (corpus / "delta.md").unlink()

    srv = _serve(records, monkeypatch)
    try:
        s2 = nightly_audit(config_path=str(cfg_path), progress=False)
        second_requests = srv.requests
    finally:
        srv.stop()

    # Only the expired record went to the server, and the searches of the two re-scored articles
    # (3 ESearch, alpha's and bravo's queries); unchanged charlie was not searched again.
    assert [(r["endpoint"], r.get("ids")) for r in second_requests if r["endpoint"] != "esearch"] == \
        [("efetch", [RETRACTED])]
    assert sum(r["endpoint"] == "esearch" for r in second_requests) == \
        _pubmed_queries(out, ["alpha", "bravo"]) == 3
    # Only the edited article and the one citing the retracted record were scored.
    assert s2["previous_run_id"] == s1["run_id"]
    assert s2["articles"] == 3 and s2["scored"] == 2 and s2["reused"] == 1
    assert hist.scored_articles(s2["run_id"]) == ["alpha", "bravo"]

    diff = hist.run_diff(s2["run_id"])
    # resolved: exactly the findings of the removed article
    assert _ids(diff["resolved"]) == _ids(by_article["delta"])
    # persisting: every finding of the articles that stayed
    assert _ids(diff["persisting"]) == _ids(by_article["alpha"] + by_article["bravo"] + by_article["charlie"])
    # new: the retraction, and findings of the new claim only
    new = diff["new"]
    assert any(r["article_id"] == "bravo" and r["kind"] == "retracted" and r["pmid"] == RETRACTED
               and NOTICE_PMID in r["message"] for r in new)
    assert any(r["article_id"] == "alpha" and r["kind"] == "missing_reference" for r in new)
    for r in new:
        assert (r["article_id"] == "bravo" and r["pmid"] == RETRACTED) or \
               (r["article_id"] == "alpha" and new_claim.lower() in (r["claim_text"] or "").lower()), r
    assert (s2["new"], s2["persisting"], s2["resolved"]) == (len(new), len(diff["persisting"]), len(diff["resolved"]))

    # The run summary and the index lead with the difference.
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["run"]["run_id"] == s2["run_id"]
    assert run_json["run"]["scored"] == 2
    assert {k: run_json["changes"][k]["count"] for k in ("new", "persisting", "resolved")} == \
        {"new": len(new), "persisting": len(diff["persisting"]), "resolved": len(diff["resolved"])}
    # bravo's report marks the retraction as new, its other findings as persisting
    bravo = json.loads((out / "articles" / "bravo" / "report.json").read_text())
    statuses = {(f["kind"], f["pmid"]): f["status"] for f in bravo["findings"]}
    assert statuses[("retracted", RETRACTED)] == "new"
    assert "persisting" in statuses.values() or len(statuses) == 1
    # the unchanged article's report (nothing new, nothing resolved) was left as it was
    assert charlie_report.stat().st_mtime_ns == charlie_written
    charlie = json.loads(charlie_report.read_text())
    assert not any(f.get("status") == "new" for f in charlie["findings"])

    # A third run with nothing changed: no request, nothing scored, nothing new.
    srv = _serve(records, monkeypatch)
    try:
        s3 = nightly_audit(config_path=str(cfg_path), progress=False)
        assert srv.requests == []
    finally:
        srv.stop()
    assert (s3["scored"], s3["new"], s3["resolved"]) == (0, 0, 0)
    assert s3["persisting"] == s2["new"] + s2["persisting"]
    hist.close()
