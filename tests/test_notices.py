"""Notices from every source, each named for what it is (audit/notices.py).

PubMed's own tags come from the real records of shared/data/pubmed.  No real excerpt of the
Retraction Watch CSV exists in shared/data, so its rows are built here, in the database's exact
header, from the real retracted records the data README lists (their PMIDs, notice PMIDs and
titles).  "PubMed has not tagged it yet" is the record's real XML with its retraction tags taken
out, as PubMed held it before the notice was linked.
"""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from audit.config import load_config
from audit.models import RETRACTION
from audit.notices import RW_HEADER, RetractionWatch
from audit.pipeline import run_audit, run_nightly
from audit.pubmed.records import load_raw_records, wrap_article_set
from eutils_fixture import RECORDS_DIR

# PMID -> (retraction notice PMID, title): the retractions of the NLM baseline samples.
RETRACTED = {"11543891": "11600210", "8655018": "9867474", "8863847": "9499167"}
SAMPLE = RECORDS_DIR / "baseline" / "pubmedsample19n0001.xml"


def rw_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=RW_HEADER, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in RW_HEADER})
    return out.getvalue()


def rw_row(record_id: int, pmid: str, notice: str, title: str, journal: str, nature: str = "Retraction") -> dict:
    # The shape of a Retraction Watch row: dates as m/d/yyyy h:mm, ";"-separated lists with "+" prefixes.
    return {"Record ID": str(record_id), "Title": title, "Subject": "(BLS) Biology - Molecular;",
            "Journal": journal, "Publisher": "", "Country": "", "Author": "", "URLS": "",
            "ArticleType": "Research Article;", "RetractionDate": "10/1/2001 0:00", "RetractionDOI": "unavailable",
            "RetractionPubMedID": notice, "OriginalPaperDate": "9/1/2001 0:00", "OriginalPaperDOI": "unavailable",
            "OriginalPaperPubMedID": pmid, "RetractionNature": nature, "Reason": "+Concerns/Issues About Article;",
            "Paywalled": "No", "Notes": ""}


def untagged(xml: bytes) -> bytes:
    """The record as PubMed held it before the retraction was linked."""
    x = re.sub(rb'\s*<PublicationType[^>]*>Retracted Publication</PublicationType>', b"", xml)
    return re.sub(rb'\s*<CommentsCorrections RefType="RetractionIn">.*?</CommentsCorrections>', b"", x, flags=re.S)


@pytest.fixture(scope="module")
def raw():
    return load_raw_records([SAMPLE])


def write_article(folder, pmid: str, title: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "palestinians.md").write_text(
        "# HLA genes of Mediterranean populations\n\n"
        f"HLA genes suggest that Palestinians are related to other Mediterranean populations [1].\n\n"
        f"## References\n\n1. Arnaiz-Villena A, Elaiwa N. {title} Hum Immunol. 2001. PMID: {pmid}\n",
        encoding="utf-8")


def findings_of(out, kind):
    rep = json.loads(next(out.glob("articles/*/report.json")).read_text())
    return [f for f in rep["findings"] if f["kind"] == kind]


def test_rw_csv_rows_are_read_by_pmid_and_nature():
    rows = [rw_row(1, p, n, "t", "j") for p, n in RETRACTED.items()]
    rows.append(rw_row(2, "26702309", "26705261", "t", "j", nature="Correction"))
    rows.append(rw_row(3, "22395128", "", "t", "j", nature="Reinstatement"))
    rw = RetractionWatch.parse(rw_csv(rows))
    assert rw.rows == 5
    (n,) = rw.notices_for("11543891", None)
    assert (n.kind, n.source, n.notice_id, n.date) == (RETRACTION, "retraction-watch", "PMID 11600210", "2001-10-01")
    assert rw.notices_for("26702309", None)[0].kind == "correction"
    assert rw.notices_for("22395128", None) == []            # a reinstatement is not a notice against it
    with pytest.raises(Exception, match="not a Retraction Watch CSV"):
        RetractionWatch.parse("PMID,Title\n1,x\n")


def test_pubmed_tags_named_for_what_they_are(tmp_path):
    # Real records: a retraction (8655018), an erratum (26702309) and an expression of concern (22395128).
    art = tmp_path / "in"
    art.mkdir()
    (art / "a.md").write_text(
        "# Notes\n\nFetal growth affects the occurrence of some diseases [1].\n\nAnti-malarials can be made by "
        "diversity oriented synthesis [2].\n\nRecalling moral behaviour changes the perception of brightness [3].\n\n"
        "## References\n\n1. PMID: 8655018\n2. PMID: 26702309\n3. PMID: 22395128\n", encoding="utf-8")
    run_audit([art], tmp_path / "out", load_config(None, env={}), [RECORDS_DIR])
    (r,) = findings_of(tmp_path / "out", "retracted")
    assert r["severity"] == "high" and "PMID 9867474" in r["message"] and "Reported by PubMed." in r["message"]
    (c,) = findings_of(tmp_path / "out", "corrected")
    assert c["severity"] == "low" and c["reference_id"] == "2" and "PMID 26705261" in c["message"]
    (e,) = findings_of(tmp_path / "out", "expression_of_concern")
    assert e["severity"] == "high" and e["reference_id"] == "3" and "PMID 34752162" in e["message"]


def test_retraction_only_in_the_csv_is_reported_naming_its_source(tmp_path, raw):
    pmid, notice = "11543891", RETRACTED["11543891"]
    records = tmp_path / "records"
    records.mkdir()
    (records / "r.xml").write_bytes(wrap_article_set([untagged(raw[pmid])]))
    title = "The origin of Palestinians and their genetic relatedness with other Mediterranean populations."
    write_article(tmp_path / "in", pmid, title)
    cfg = load_config(None, env={})
    run_audit([tmp_path / "in"], tmp_path / "plain", cfg, [records])
    assert findings_of(tmp_path / "plain", "retracted") == []          # PubMed has not tagged it
    rw = tmp_path / "rw.csv"
    rw.write_text(rw_csv([rw_row(1, pmid, notice, title, "Human Immunology")]), encoding="utf-8")
    cfg.notices.retraction_watch = str(rw)
    run_audit([tmp_path / "in"], tmp_path / "rw", cfg, [records])
    (f,) = findings_of(tmp_path / "rw", "retracted")
    assert f["severity"] == "high" and f"PMID {notice}" in f["message"]
    assert "Reported by Retraction Watch only; PubMed does not show it." in f["message"]


def test_nightly_with_a_new_csv_row_reports_a_new_retraction_for_an_unchanged_article(tmp_path, raw):
    pmid, notice = "11543891", RETRACTED["11543891"]
    title = "The origin of Palestinians and their genetic relatedness with other Mediterranean populations."
    records = tmp_path / "records"
    records.mkdir()
    (records / "r.xml").write_bytes(wrap_article_set([untagged(raw[pmid])]))
    write_article(tmp_path / "corpus", pmid, title)
    rw = tmp_path / "rw.csv"
    other = [rw_row(1, "8655018", RETRACTED["8655018"], "Effect of fetal growth", "Ginekol Pol")]
    rw.write_text(rw_csv(other), encoding="utf-8")
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(f"corpus: {{paths: [corpus]}}\noffline_records: [records]\nnotices: {{retraction_watch: rw.csv}}\n"
                        "output: {reports_dir: out, history_db: hist.sqlite}\nsources: {enabled: false}\n",
                        encoding="utf-8")
    s1 = run_nightly(load_config(cfg_path, env={}), progress=False)
    assert findings_of(tmp_path / "out", "retracted") == []
    # The nightly's refreshed file now lists the retraction (the article and the records are unchanged).
    rw.write_text(rw_csv(other + [rw_row(2, pmid, notice, title, "Human Immunology")]), encoding="utf-8")
    s2 = run_nightly(load_config(cfg_path, env={}), progress=False)
    assert s2["previous_run_id"] == s1["run_id"] and s2["scored"] == 1
    (f,) = findings_of(tmp_path / "out", "retracted")
    assert "Retraction Watch" in f["message"]
    from audit.history import History
    with History(str(tmp_path / "hist.sqlite")) as h:
        new = h.run_diff(s2["run_id"])["new"]
    assert [r["kind"] for r in new] == ["retracted"]
