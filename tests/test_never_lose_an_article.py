"""Issue 12 and the readers' part of issue 13: every article read in full, or loudly.

Each test is one failure a new user met: a copied page lost after "Share this
answer", the tail of a PMC article set, citations in tables, ranges in one
xref, initials read as claims, false findings from reference years and "case
management", list numbers that raised ValueError, and the limits on size and
nesting.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit.config import ReadingConfig, load_config
from audit.errors import BadInputError
from bench.evaluation import page_corpus
from audit.findings import article_findings, metadata_findings
from audit.models import Article, Record
from audit.pipeline import audit_paths, read_all
from audit.pubmed.fetch import OfflineSource
from audit.pubmed.records import load_records
from audit.reading.references import parse_citation
from audit.reading.ingest import read_article, read_article_bytes, read_articles
from audit.scoring.score import evidence_type
from reports.writer import article_report

PAGES = Path(__file__).resolve().parent / "pages"


def _read(text: str, name: str = "page.txt"):
    return read_article_bytes(text.encode("utf-8"), name)


# --------------------------------------------------------------------------
# Copied pages


SHARE_TOOLBAR = """Is aspirin useful after a heart attack?

Share this answer
Save
Print

Answer

Aspirin lowers the risk of a second heart attack by about a quarter in people who have had one [1].

Benefits

The benefit is largest in the first months after the event [2]. It is weighed against a higher risk of major bleeding [3].

Who should not take it

People with active peptic ulcers or an aspirin allergy should not take it [3].

References
1. Antithrombotic Trialists' Collaboration. Collaborative meta-analysis of randomised trials of antiplatelet therapy. BMJ. 2002;324(7329):71-86.
2. Baigent C, Blackwell L, Collins R, et al. Aspirin in the primary and secondary prevention of vascular disease. Lancet. 2009;373(9678):1849-1860.
3. Patrono C, Baigent C. Role of aspirin in primary prevention of cardiovascular disease. Nat Rev Cardiol. 2019;16(11):675-686.
"""


def test_a_share_toolbar_does_not_swallow_the_answer():
    art = _read(SHARE_TOOLBAR)
    assert [c.citations for c in art.claims] == [["1"], ["2"], ["3"], ["3"]]
    assert art.subject == "Is aspirin useful after a heart attack?"
    aside = {s.text: s.line for s in art.set_aside}
    assert aside["Share this answer"] == 3 and aside["Save"] == 4 and aside["Print"] == 5
    # the content's own headings stay with it
    assert "Benefits" in art.text and "Who should not take it" in art.text
    assert not [f for f in article_findings(art, {}, [], []) if f.kind in ("no_citations", "no_claims")]


def test_the_page_corpus_keeps_every_claim_and_reads_no_chrome():
    rows, totals = page_corpus.run(PAGES)
    assert totals["pages"] >= 12
    kinds = {json.loads((PAGES / "expected.json").read_text())[r["page"]]["kind"].split(" ")[0] for r in rows}
    assert {"AI", "hospital", "journal", "preprint", "news", "page", "question-and-answer"} <= kinds
    assert totals["claim_recall"] >= 0.98, [m for r in rows for m in r["missed"]]
    assert totals["chrome_claims"] == 0, [c for r in rows for c in r["chrome_claims"]]


def test_set_aside_chrome_is_listed_with_lines_in_report_json(shared_dir):
    path = shared_dir / "seeds/ileal-net-answer.txt"
    art = read_article(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert art.set_aside
    for s in art.set_aside:
        assert s.text.split()[0] in lines[s.line - 1], (s.line, s.text)
        assert s.reason
    disclaimer = next(s for s in art.set_aside if "assumes no liability" in s.text)
    assert "Healthcare providers should verify" in disclaimer.text           # the whole block, kept
    report = article_report(__import__("audit.models", fromlist=["ArticleAudit"]).ArticleAudit(art, [], []))
    assert {"text": disclaimer.text, "line": disclaimer.line, "reason": disclaimer.reason} in report["set_aside"]


def test_nothing_of_the_input_disappears_unseen():
    """Every line of a copied page is in the article text, the set-aside chrome or the reference list."""
    for name in ("ai-answer-share-toolbar.txt", "forum-answer.txt", "patient-information.txt", "hospital-copied.txt"):
        art = read_article(PAGES / name)
        seen = " ".join([art.text] + [s.text for s in art.set_aside] + [r.raw for r in art.references])
        seen = " ".join(seen.split())
        for line in (PAGES / name).read_text(encoding="utf-8").splitlines():
            words = re.sub(r"^(\[\d+\]:|\d+\.)\s*", "", line.strip().lstrip("-•").strip())   # entry labels
            if words and words not in ("References", "Sources"):      # the list's heading
                assert " ".join(words.split())[:30] in seen, (name, line)


def test_prose_without_claims_and_markers_without_claims_get_their_own_finding():
    chrome_only = _read("Share\nPrint\nSign in\n\nWas this helpful?\n")
    kinds = {f.kind for f in article_findings(chrome_only, {}, [], [])}
    assert kinds == {"no_claims"}
    marked = Article(id="a", path="a.txt", format="text", title="t", subject="t",
                     text="Statins lower LDL [1].", sha256="", claims=[])
    found = article_findings(marked, {}, [], [])
    assert [f.kind for f in found] == ["no_claims"] and "markers" in found[0].message.lower()
    assert not any("cites no sources" in f.message for f in found)


# --------------------------------------------------------------------------
# PMC article sets, tables, ranges


def test_every_article_of_an_article_set_is_audited(data_dir):
    source = OfflineSource(load_records([data_dir / "pubmed/biopython"]), origin="biopython")
    audits = audit_paths([data_dir / "jats/ncbiutils/pmc.xml", data_dir / "jats/ncbiutils/pmc_no_iso_doi.xml"],
                         source, load_config(None, env={}))
    ids = [a.article.id for a in audits]
    assert len(ids) == 7 and len(set(ids)) == 7
    assert all(i.startswith(("pmc--PMC", "pmc_no_iso_doi--PMC")) for i in ids)
    assert sum(len([r for r in a.article.references if r.in_list]) for a in audits[:5]) == 361
    assert sum(sum(len(c.citations) for c in a.article.claims) for a in audits[:5]) >= 527
    uncited = [(a.article.id, f.reference_id) for a in audits for f in a.findings if f.kind == "uncited_reference"]
    # the one reference no <xref> of the file points to (citations in tables and captions count)
    assert uncited == [("pmc_no_iso_doi--PMC9512138", "33")]
    assert 'rid="bib33"' not in (data_dir / "jats/ncbiutils/pmc_no_iso_doi.xml").read_text(encoding="utf-8")


def test_pipeline_reads_all_articles_and_keeps_one_error_per_bad_file(tmp_path, data_dir):
    items = read_all(data_dir / "jats/ncbiutils/pmc_no_iso_doi.xml")
    assert [a.part.split(",")[0] for a in items] == ["article 1 of 2 (PMC9512138)", "article 2 of 2 (PMC8902543)"]
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body>" + "<div>" * 500 + "text" + "</div>" * 500 + "</body></html>")
    (err,) = read_all(bad)
    assert "bad.html:1" in err.error and "reading.max_depth" in err.error


# --------------------------------------------------------------------------
# References: years and evidence types


def test_the_reference_year_is_the_citations_not_one_in_its_title():
    raw = ("Tchuem Tchuente LA, Kamwa Ngassam RI, Sumo L, et al. Mapping of schistosomiasis and soil-transmitted "
           "helminthiasis in the regions of Centre, East and West Cameroon 2006-2012: a retrospective study. "
           "Acta Trop. 2015;149:1-8.")
    title, journal, year = parse_citation(raw)
    assert year == 2015 and journal == "Acta Trop" and "2006-2012" in title
    art = _read("Schistosomiasis is common in Cameroon [1].\n\nReferences\n1. " + raw + "\n")
    ref = art.references[0]
    rec = Record(pmid="1", title=title, journal="Acta tropica", journal_iso="Acta Trop", year=2015)
    assert not [f for f in metadata_findings(ref, rec) if f.detail == "year"]


@pytest.mark.parametrize("abstract,kind", [
    ("We describe the community case management of malaria by health workers in 12 districts.", ""),
    ("We present a case series of 14 patients treated with rituximab.", ""),
    ("We report a case-control study of 300 women with breast cancer.", "observational"),
    ("We report a case of ileal carcinoid presenting as bowel obstruction.", "case_report"),
])
def test_case_management_series_and_control_are_not_case_reports(abstract, kind):
    rec = Record(pmid="1", title="x", abstract=abstract, publication_types=["Journal Article"])
    assert evidence_type(rec) == kind


def test_publication_types_and_mesh_come_before_text_cues():
    from audit.models import MeshHeading
    rec = Record(pmid="1", title="A case report of statin myopathy in a trial cohort",
                 abstract="We report a case.", publication_types=["Journal Article"],
                 mesh=[MeshHeading("Humans"), MeshHeading("Cohort Studies")])
    assert evidence_type(rec) == "observational"


# --------------------------------------------------------------------------
# Hostile HTML and limits (issue 13, readers)


def test_list_numbers_that_are_not_integers_do_not_raise():
    sup = read_article_bytes('<html><body><ol start="²"><li>Statins lower LDL cholesterol in adults [1].</li></ol>'
                             '<h2>References</h2><ol><li>Smith J. Statins. Lancet. 2019;1:1.</li></ol>'
                             '</body></html>'.encode(), "a.html")
    assert [c.citations for c in sup.claims] == [["1"]]
    huge = read_article_bytes(('<html><body><h2>References</h2><ol><li value="' + "9" * 5000 + '">Smith J. Statins. '
                               'Lancet. 2019;1:1.</li><li value="-３">Doe A. Aspirin. BMJ. 2018;2:2.</li></ol>'
                               '</body></html>').encode(), "b.html")
    assert len([r for r in huge.references if r.in_list]) == 2


def test_size_and_depth_limits_are_bad_input_with_file_and_line(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Statins lower LDL [1].\n" * 100)
    with pytest.raises(BadInputError, match=r"big.txt: .*over the limit of 1,000 .*reading.max_bytes"):
        read_articles(big, ReadingConfig(max_bytes=1000))
    deep_xml = ("<?xml version='1.0'?>\n<article><body>\n" + "<sec>" * 50 + "\n<p>x</p>" + "</sec>" * 50
                + "</body></article>").encode()
    with pytest.raises(BadInputError) as exc:
        read_article_bytes(deep_xml, "deep.nxml", ReadingConfig(max_depth=30))
    assert exc.value.line == 3 and "nested more than 30 deep" in str(exc.value)
    deep_html = ("<html><body>\n" + "<div>\n" * 40 + "text").encode()
    with pytest.raises(BadInputError) as exc:
        read_article_bytes(deep_html, "deep.html", ReadingConfig(max_depth=30))
    assert exc.value.line == 30 and exc.value.path == "deep.html"
    assert read_article_bytes(deep_html, "deep.html", ReadingConfig(max_depth=100)).text == "text"
