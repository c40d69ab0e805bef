"""report.json, findings.csv and the static HTML, on audits built from real PubMed records."""
from __future__ import annotations

import base64
import hashlib
import json
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.models import Finding
from audit.pubmed.records import load_records
from reports import csvout, pages
from reports.highlight import article_segments, claim_spans, numbers, shared_marks
from reports.writer import (article_dirname, article_report, marker_verdicts, pubmed_url,
                            write_article_report, write_run_index)
from report_samples import (ASPIRIN, ASTHMA, PAYLOAD_IMG, PAYLOAD_SCRIPT, RECORD_FILES, RETRACTED,
                            UNKNOWN, aspirin_audit, error_audit, hostile_audit, uncited_audit)


@pytest.fixture(scope="module")
def audit(data_dir):
    return aspirin_audit(data_dir)


@pytest.fixture(scope="module")
def report(audit):
    return article_report(audit)


# ---------------------------------------------------------------- report.json


def test_report_has_the_contract_keys(report):
    assert {"article", "claims", "references", "pairs", "drifts", "findings", "summary"} <= set(report)
    assert {"id", "title", "subject", "sha256", "path", "format"} <= set(report["article"])
    assert {"id", "text", "citations", "line", "start", "end"} <= set(report["claims"][0])
    for ref in report["references"]:
        assert {"id", "raw", "pmid", "status", "reason", "title", "journal", "year", "mesh",
                "publication_types", "doi", "abstract", "retracted", "url"} <= set(ref)
    for p in report["pairs"]:
        assert {"claim_id", "reference_id", "relevance", "verdict", "explanation", "source_subject",
                "claim_subject", "evidence_type", "unsupported_numbers", "shared_terms"} <= set(p)
    for f in report["findings"]:
        assert {"kind", "severity", "claim_id", "reference_id", "pmid", "message"} <= set(f)
    assert "error" not in report and "diff" not in report
    # JSON-ready as is.
    assert json.loads(json.dumps(report)) == report


def test_references_carry_the_pubmed_record(report, audit, data_dir):
    refs = {r["id"]: r for r in report["references"]}
    aspirin = refs["1"]
    assert aspirin["title"] == "Low-dose aspirin for preventing recurrent venous thromboembolism."
    assert aspirin["journal"] == "The New England journal of medicine"
    assert aspirin["year"] == 2012
    assert aspirin["doi"] == "10.1056/NEJMoa1210384"
    assert "Randomized Controlled Trial" in aspirin["publication_types"]
    mesh = {m["descriptor"]: m["major"] for m in aspirin["mesh"]}
    assert mesh["Venous Thromboembolism"] is True and mesh["Humans"] is False
    assert aspirin["abstract"].startswith("BACKGROUND: Patients who have had a first episode")
    assert aspirin["url"] == "https://pubmed.ncbi.nlm.nih.gov/23121403/"
    assert aspirin["retracted"] is False
    assert refs["2"]["title"].startswith("Inhaled Combined Budesonide-Formoterol")
    assert refs["3"]["retracted"] is True and refs["3"]["pmid"] == RETRACTED
    # Unresolved references keep what the article says, but nothing from PubMed.
    assert refs["4"]["status"] == "not_found" and refs["4"]["title"] is None and refs["4"]["url"] is None
    assert refs["4"]["mesh"] == [] and refs["4"]["abstract"] == ""
    assert refs["5"]["in_list"] is False and refs["5"]["raw"] == ""
    # Every mesh heading of the record is there, in order.
    rec = load_records([data_dir / RECORD_FILES[0]])[ASPIRIN]
    assert [m["descriptor"] for m in aspirin["mesh"]] == rec.mesh_terms


def test_pairs_findings_and_summary(report, audit):
    assert report["summary"] == audit.summary
    assert report["summary"]["by_severity"] == {"high": 3, "medium": 4, "low": 0}
    assert [p["verdict"] for p in report["pairs"]] == ["relevant", "relevant", "relevant", "weak", "weak",
                                                       "unverifiable"]
    p5 = next(p for p in report["pairs"] if p["claim_id"] == "c5" and p["reference_id"] == "1")
    assert p5["unsupported_numbers"] == ["90"] and "recurrence" in p5["shared_terms"]
    f = next(f for f in report["findings"] if f["kind"] == "retracted")
    assert (f["severity"], f["claim_id"], f["reference_id"], f["pmid"]) == ("high", "c4", "3", RETRACTED)
    assert f["claim_text"] == "Extracellular ATP drives the proliferation of vascular smooth muscle cells."
    assert [d["claim_id"] for d in report["drifts"] if d["drifts"]] == ["c3", "c4"]


def test_marker_verdicts(report):
    v = marker_verdicts(report)
    assert v[("c1", "1")] == "relevant"
    assert v[("c4", "3")] == "weak"
    assert v[("c5", "4")] == "unverifiable"     # a pair says so
    assert v[("c6", "5")] == "missing"          # no entry, no pair


def test_error_article_report():
    rep = article_report(error_audit())
    assert rep["error"].startswith("examples/articles/broken-file.xml:3:")
    assert rep["summary"]["error"] == rep["error"]
    assert rep["claims"] == [] and rep["findings"] == []


def test_diff_marks_new_findings_by_identity_not_claim_id(audit):
    # The history's rows know a finding by its identity (claim text, reference, kind): claim ids may have moved.
    from audit.history import finding_rows

    rows = {r["kind"]: r for r in finding_rows(audit)}
    new = [dict(rows["unsupported_number"], claim_id="c99")]
    resolved = [{"article_id": audit.article.id, "identity": '["aspirin-vte", "gone", "9", "not_found"]',
                 "kind": "not_found", "claim_id": "c1", "reference_id": "9", "severity": "high", "message": "gone"}]
    rep = article_report(audit, {"new": new, "persisting": [], "resolved": resolved})
    status = {f["kind"]: f["status"] for f in rep["findings"]}
    assert status["unsupported_number"] == "new"
    assert {k for k, s in status.items() if s == "new"} == {"unsupported_number"}
    assert rep["diff"]["resolved"] == resolved
    # The report's findings carry the identities the history keys them by.
    assert sorted(f["identity"] for f in rep["findings"]) == sorted(r["identity"] for r in finding_rows(audit))


def test_diff_tells_apart_findings_of_one_kind_on_one_pair(data_dir):
    audit = aspirin_audit(data_dir)
    audit.findings += [Finding("metadata_mismatch", "medium", "Cited year 2011; PubMed says 2012.", "c1", "1", ASPIRIN),
                       Finding("metadata_mismatch", "medium", "Cited journal Lancet; PubMed says NEJM.", "c1", "1", ASPIRIN)]
    rows = article_report(audit)["findings"]
    # Rows shaped like the history step's: claim text, no reliance on claim ids.
    as_history = [dict(f, article_id="aspirin-vte", claim_id=None) for f in rows]
    year, journal = as_history[-2], as_history[-1]
    rep = article_report(audit, {"new": [year], "persisting": [journal] + as_history[:-2], "resolved": []})
    assert [f["status"] for f in rep["findings"]] == ["persisting"] * 7 + ["new", "persisting"]


# ---------------------------------------------------------------- files and CSV


def test_write_article_report_files_and_csv(audit, tmp_path):
    folder = write_article_report(audit, tmp_path)
    assert folder == tmp_path / "articles" / "aspirin-vte"
    assert sorted(p.name for p in folder.iterdir()) == ["findings.csv", "report.html", "report.json"]
    assert json.loads((folder / "report.json").read_text()) == article_report(audit)
    df = pd.read_csv(folder / "findings.csv")
    assert list(df.columns) == csvout.COLUMNS
    assert len(df) == len(audit.findings) == 7
    assert set(df["article_id"]) == {"aspirin-vte"}
    assert list(df["kind"]) == [f.kind for f in audit.findings]
    row = df[df["kind"] == "retracted"].iloc[0]
    # pandas reads the id column as numbers (float: other rows lack a reference).
    assert (row["severity"], row["claim_id"], row["reference_id"], row["pmid"]) == ("high", "c4", 3, 8863847)
    assert row["claim_text"].startswith("Extracellular ATP")


def test_csv_survives_hostile_text(data_dir, tmp_path):
    audit = hostile_audit(data_dir)
    folder = write_article_report(audit, tmp_path)
    # An id with "../" stays inside the output folder.
    assert folder.parent == tmp_path / "articles" and folder.name == article_dirname("../hostile <b>") == "hostile-b"
    df = pd.read_csv(folder / "findings.csv")
    assert len(df) == 3
    assert PAYLOAD_SCRIPT in df["message"].iloc[0]
    assert df["claim_text"].iloc[2].startswith("A claim with a U+2028\u2028separator")


def test_csv_guards_spreadsheet_formulas():
    text = csvout.findings_csv([{"message": "=HYPERLINK(\"http://x\")", "claim_text": "-5% mortality",
                                 "kind": "@SUM(A1)", "article_id": "a,b\"c\nd"}])
    df = pd.read_csv(__import__("io").StringIO(text))
    assert df["message"].iloc[0] == "'=HYPERLINK(\"http://x\")"
    assert df["kind"].iloc[0] == "'@SUM(A1)"
    assert df["claim_text"].iloc[0] == "'-5% mortality"     # text after a minus: a formula to Excel
    assert df["article_id"].iloc[0] == "a,b\"c\nd"


def test_run_index_from_audits_and_loaded_reports(audit, data_dir, tmp_path):
    audits = [audit, hostile_audit(data_dir), error_audit(), uncited_audit()]
    for a in audits:
        write_article_report(a, tmp_path)
    # A nightly run reuses report.json of unchanged articles.
    reused = json.loads((tmp_path / "articles" / "no-citations" / "report.json").read_text())
    index = write_run_index(tmp_path, audits[:3] + [reused])
    assert index == tmp_path / "index.html"
    df = pd.read_csv(tmp_path / "findings.csv")
    assert list(df.columns) == csvout.COLUMNS
    assert len(df) == sum(len(a.findings) for a in audits) == 11
    assert df.groupby("article_id").size().to_dict() == {"aspirin-vte": 7, "../hostile <b>": 3, "no-citations": 1}
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["totals"]["articles"] == 4 and run["totals"]["errors"] == 1 and run["totals"]["no_citations"] == 1
    assert run["totals"]["findings"] == 11 and run["totals"]["high"] == 4
    rows = {r["id"]: r for r in run["articles"]}
    assert rows["broken-file"]["error"].startswith("examples/articles/broken-file.xml:3")
    assert rows["no-citations"]["no_citations"] is True and rows["aspirin-vte"]["no_citations"] is False
    assert rows["aspirin-vte"]["dir"] == "aspirin-vte"
    assert run["by_kind"]["retracted"] == 1


def test_run_index_with_history(audit, tmp_path):
    new = [dict(f, article_id="aspirin-vte") for f in article_report(audit)["findings"][:2]]
    persisting = [dict(f, article_id="aspirin-vte") for f in article_report(audit)["findings"][2:]]
    resolved = [{"article_id": "gone-article", "kind": "retracted", "severity": "high", "message": "old"}]
    run = {"run_id": "2024-05-01T02:00", "started_at": "2024-05-01T02:00:00Z", "previous_run_id": "r0",
           "new": new, "persisting": persisting, "resolved": resolved}
    write_run_index(tmp_path, [audit, uncited_audit()], run)
    df = pd.read_csv(tmp_path / "findings.csv")
    assert list(df.columns) == csvout.COLUMNS + ["status"]
    assert list(df[df["article_id"] == "aspirin-vte"]["status"]) == ["new"] * 2 + ["persisting"] * 5
    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["changes"]["new"]["count"] == 2 and summary["changes"]["resolved"]["count"] == 1
    assert summary["changes"]["resolved"]["rows"][0]["dir"] is None     # the article is gone: no link
    assert summary["run"]["previous_run_id"] == "r0"
    assert {r["id"]: r["new"] for r in summary["articles"]} == {"aspirin-vte": 2, "no-citations": 0}


# ---------------------------------------------------------------- static HTML safety


def _island(html_text: str):
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html_text, re.S)
    return json.loads(m.group(1))


def _csp_hashes_match(html_text: str) -> None:
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html_text).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    script = re.search(r"<script>(.*?)</script>", html_text, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", html_text, re.S).group(1)
    for body, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp


def test_article_html_escapes_everything(data_dir, tmp_path):
    audit = hostile_audit(data_dir)
    html_text = (write_article_report(audit, tmp_path) / "report.html").read_text()
    # Two script elements only: the JSON island and our own code.
    assert len(re.findall(r"<script\b", html_text, re.I)) == 2
    markup = re.sub(r'<script type="application/json".*?</script>', "", html_text, flags=re.S)
    assert re.findall(r"<[^>]*alert", markup) == []             # no tag carries a payload
    assert not re.search(r"<(img|svg)\b", markup, re.I) and "javascript:" not in markup
    assert PAYLOAD_SCRIPT not in html_text and PAYLOAD_IMG not in html_text
    assert "\u2028" not in html_text and "</script><script>alert(4)" not in html_text
    assert "<title>Hostile &lt;script&gt;alert(1)&lt;/script&gt; article" in html_text
    data = _island(html_text)
    # The island gives the payloads back exactly, as data.
    assert PAYLOAD_SCRIPT in data["article"]["title"]
    assert any(PAYLOAD_IMG in (r["raw"] or "") for r in data["references"])
    assert data["references"][0]["abstract"].startswith(PAYLOAD_SCRIPT)
    assert data["references"][1]["url"] is None             # "javascript:alert(1)" is no PMID
    _csp_hashes_match(html_text)


def test_index_html_escapes_and_csp(data_dir, tmp_path):
    index = write_run_index(tmp_path, [hostile_audit(data_dir), error_audit()])
    html_text = index.read_text()
    assert len(re.findall(r"<script\b", html_text, re.I)) == 2
    assert PAYLOAD_SCRIPT not in html_text and "<oops>" not in html_text
    data = _island(html_text)
    assert data["articles"][0]["title"] == "Hostile <script>alert(1)</script> article"
    assert data["articles"][1]["error"].endswith("<oops>")
    _csp_hashes_match(html_text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_json_island_never_closes_its_element(text):
    island = pages.json_island({"t": text})
    assert not set(island) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(island) == {"t": text}


def test_pubmed_urls_only_from_numbers():
    assert pubmed_url("23121403") == "https://pubmed.ncbi.nlm.nih.gov/23121403/"
    for bad in ("javascript:alert(1)", "123/../x", "0", "", None, "12 34", "１２３"):
        assert pubmed_url(bad) is None


# ---------------------------------------------------------------- highlighting


def test_claims_are_placed_by_offsets_or_by_search(report):
    text = report["article"]["text"]
    spans = claim_spans(text, report["claims"])
    assert set(spans) == {c["id"] for c in report["claims"]}
    c4 = next(c for c in report["claims"] if c["id"] == "c4")
    assert c4["start"] == -1                  # placed by search, markers skipped
    s, e = spans["c4"]
    assert text[s:e] == "Extracellular ATP drives the proliferation of vascular smooth muscle cells [3]."


def test_segments_rebuild_the_text_and_colour_markers(report):
    text = report["article"]["text"]
    segs, unplaced = article_segments(text, report["claims"], marker_verdicts(report))
    assert "".join(s["t"] for s in segs) == text and unplaced == []
    markers = [(s["c"], s["r"], s["v"]) for s in segs if "r" in s]
    assert markers == [("c1", "1", "relevant"), ("c2", "1", "relevant"), ("c3", "2", "relevant"),
                       ("c4", "3", "weak"), ("c5", "1", "weak"), ("c5", "4", "unverifiable"),
                       ("c6", "5", "missing")]


def test_markers_not_in_text_are_added_and_code_calls_are_not_markers():
    text = "Aspirin alert(1) helps [1-3]. Rest."
    claims = [{"id": "c1", "text": "Aspirin alert(1) helps.", "citations": ["1", "2", "3"], "start": 0, "end": 29}]
    segs, _ = article_segments(text, claims, {})
    shown = [(s["r"], s.get("x", 0)) for s in segs if "r" in s]
    assert shown == [("1", 0), ("3", 0), ("2", 1)]


def test_shared_marks_on_a_real_abstract(data_dir):
    rec = load_records([data_dir / RECORD_FILES[0]])[ASPIRIN]
    claim = "In a randomised trial of 822 patients, aspirin 100 mg daily reduced events by 34%."
    marks = shared_marks(rec.abstract, ["aspirin", "thromboembol"], numbers(claim))
    found = {rec.abstract[s:e] for s, e in marks}
    assert {"aspirin", "Aspirin", "thromboembolism", "822", "100", "34%"} <= found
    assert "0.74" not in found and all(e > s for s, e in marks)
    # Numbers match whole: "34" is not found inside "0.34" or "134".
    assert shared_marks("rates 0.34 and 134 and 34", [], ["34"]) == [[23, 25]]


# ---------------------------------------------------------------- a real pipeline audit


@pytest.fixture(scope="module")
def pipeline_audit(root_dir):
    from audit.config import load_config
    from audit.pubmed.fetch import OfflineSource
    from audit.pipeline import audit_file

    source = OfflineSource.from_paths([root_dir / "examples" / "records"])
    return audit_file(root_dir / "examples" / "articles" / "nsclc-targeted-therapy.md", source,
                      load_config(None, env={}))


def test_pipeline_audit_renders(pipeline_audit, tmp_path):
    audit = pipeline_audit
    assert audit.error is None and audit.findings
    folder = write_article_report(audit, tmp_path)
    rep = json.loads((folder / "report.json").read_text())
    resolved = [r for r in rep["references"] if r["status"] == "resolved"]
    assert resolved and all(r["title"] and r["url"] == f"https://pubmed.ncbi.nlm.nih.gov/{r['pmid']}/"
                            for r in resolved)
    assert any(r["retracted"] for r in rep["references"])
    # Every cited claim is placed in the text with one marker per citation.
    segs, unplaced = article_segments(rep["article"]["text"], rep["claims"], marker_verdicts(rep))
    assert "".join(s["t"] for s in segs) == rep["article"]["text"]
    cited = {c["id"] for c in rep["claims"] if c["citations"]}
    assert not cited & set(unplaced)
    markers = {(s["c"], s["r"]) for s in segs if "r" in s}
    assert markers == {(c["id"], str(r)) for c in rep["claims"] for r in c["citations"]}
    assert all(s.get("x") is None for s in segs if "r" in s)   # the markdown shows every marker
    df = pd.read_csv(folder / "findings.csv")
    assert len(df) == len(audit.findings) and set(df["kind"]) == {f.kind for f in audit.findings}
