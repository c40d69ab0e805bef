"""The seed: a real AI-written answer copied from a web page, chrome and all."""
from __future__ import annotations

import re

import pytest

from audit.reading.ingest import read_article

CHROME = ["Review Status", "Under Review", "Approved", "Last updated", "Personalize", "tailor",
          "Which best describes you", "Disclaimer", "follow-up question", "Medical A.I.", "liability",
          "Educational purpose", "Submitted", "Advisory Board", "editorial policy", "From the Research"]


@pytest.fixture(scope="module")
def seed(shared_dir):
    return read_article(shared_dir / "seeds" / "ileal-net-answer.txt")


def _claim(article, label):
    found = [c for c in article.claims if label in c.citations]
    assert len(found) == 1, (label, [c.text for c in found])
    return found[0]


def test_subject_is_the_question_about_the_ileum(seed):
    assert "ileal" in seed.subject.lower()
    assert seed.subject.endswith("?")
    assert seed.format == "text"
    assert seed.id == "ileal-net-answer"


def test_page_chrome_yields_no_claims_and_leaves_the_text(seed):
    for c in seed.claims:
        for phrase in CHROME:
            assert phrase.lower() not in c.text.lower(), (phrase, c.text)
    for phrase in CHROME:
        assert phrase.lower() not in seed.text.lower(), phrase
    # the content itself is all there
    assert "mesenteric lymph node metastases typically occur before liver metastases" in seed.text


def test_each_marker_once_on_its_own_claim(seed):
    labels = [lab for c in seed.claims for lab in c.citations]
    assert sorted(labels) == ["1", "2", "3", "4", "5"]
    one = _claim(seed, "1")
    assert "Journal of surgical oncology" in one.text and "60-80%" in one.text and "30-50%" in one.text
    assert "ovarian cancer" in _claim(seed, "2").text
    assert "right-sided colon cancer" in _claim(seed, "3").text
    assert "colorectal cancer" in _claim(seed, "4").text and "model" in _claim(seed, "4").text
    five = _claim(seed, "5")
    assert "case report" in five.text and "rectal cancer" in five.text
    assert "Overall" not in five.text


def test_markers_are_stripped_and_numbers_in_text_are_not_markers(seed):
    one = _claim(seed, "1")
    assert one.text.endswith("Journal of surgical oncology.")
    assert not re.search(r"\s\d+\.$", one.text)
    labels = {lab for c in seed.claims for lab in c.citations}
    assert not labels & {"60", "80", "30", "50"}
    assert _claim(seed, "3").text.endswith("stage IV disease.")


def test_sentence_after_marker_5_is_its_own_uncited_claim(seed):
    overall = [c for c in seed.claims if c.text.startswith("Overall, while there may be")]
    assert len(overall) == 1
    assert overall[0].citations == []
    five = _claim(seed, "5")
    assert seed.claims.index(overall[0]) == seed.claims.index(five) + 1
    assert overall[0].line == five.line == 26


def test_claim_lines_and_offsets_point_into_the_source(seed, shared_dir):
    lines = (shared_dir / "seeds" / "ileal-net-answer.txt").read_text(encoding="utf-8").split("\n")
    for c in seed.claims:
        span = seed.text[c.start:c.end]
        # the span is the sentence as written, markers included
        assert span.split()[:3] == c.text.split()[:3], (span, c.text)
        assert c.text.split()[0] in lines[c.line - 1]
    assert seed.text[_claim(seed, "5").end - 3:_claim(seed, "5").end] == " 5."


def test_references_exist_for_every_marker_with_the_journal_named(seed):
    refs = {r.id: r for r in seed.references}
    assert sorted(refs) == ["1", "2", "3", "4", "5"]
    for r in refs.values():
        assert r.in_list is False and r.raw == "" and r.pmid is None
    assert refs["1"].cited_journal == "Journal of surgical oncology"
    assert refs["2"].cited_journal == "Annals of surgical oncology"
    assert refs["3"].cited_journal == "Diseases of the colon and rectum"
    assert refs["4"].cited_journal == "Nature communications"
    assert refs["5"].cited_journal == "International journal of surgery case reports"


def test_sha256_is_of_the_file_bytes(seed, shared_dir):
    import hashlib
    assert seed.sha256 == hashlib.sha256((shared_dir / "seeds" / "ileal-net-answer.txt").read_bytes()).hexdigest()
