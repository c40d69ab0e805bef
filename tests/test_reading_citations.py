"""Every citation form people use, read and resolved (issue 19, reading half).

Each test reads a real article of ``../shared/data/articles`` (or a page built from one) and resolves
its references against the real records of ``../shared/data/pubmed``, and asserts that the wrong
answer it gave before is gone (named in each test).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit.findings import metadata_findings
from audit.pubmed.eutils_queries import best_title_match
from audit.pubmed.fetch import OfflineSource
from audit.pubmed.resolve import identify
from audit.reading.author_year import find_author_year
from audit.reading.references import parse_citation
from audit.reading.ingest import read_article, read_article_bytes
from audit.models import Reference

from conftest import DATA  # noqa: E402  (../shared/data, or $CITEAUDIT_SHARED)
ARTICLES = DATA / "articles" / "articles"
EXPECTATIONS = DATA / "articles" / "expectations.json"

pytestmark = pytest.mark.skipif(not ARTICLES.is_dir(), reason="shared article set not present")


@pytest.fixture(scope="module")
def source() -> OfflineSource:
    return OfflineSource.from_paths([DATA / "pubmed"])


def _expectations(name: str) -> dict:
    arts = json.loads(EXPECTATIONS.read_text(encoding="utf-8"))
    arts = arts["articles"] if isinstance(arts, dict) else arts
    return next(a for a in arts if a["file"] == name)


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[*_]", "", s).lower().split())


def _claim(article, text: str):
    found = [c for c in article.claims if _norm(text) in _norm(c.text)]
    assert len(found) == 1, f"{len(found)} claims hold {text!r}"
    return found[0]


def _resolved(article, source) -> dict[str, Reference]:
    return {r.id: r for r in identify([article], source)[0].references}


# --------------------------------------------------------------------------
# Every citation of the author-year reviews and the footnoted notes: read, linked, resolved


@pytest.mark.parametrize("name", ["endometriosis-narrative-review.txt", "leishmania-animal-reservoirs-review.txt",
                                  "malaria-vector-control-review.md", "prostate-cancer-surveillance-review.md",
                                  "schizophrenia-recovery-review.md", "periodontal-treatment-plan-note.txt",
                                  "lupus-hrt-clinic-letter.txt", "post-cabg-discharge-note.txt"])
def test_every_citation_is_read_and_resolved_to_the_record_meant(name, source):
    """Before: author-year citations carried no marker (0 of 32 linked), "(1)" and "¹" lists were one
    merged entry resolved to one wrong record, and wrong-year entries ended unresolved."""
    exp = _expectations(name)
    art = read_article(ARTICLES / name)
    refs = _resolved(art, source)
    for cit in exp["citations"]:
        claim = _claim(art, cit["claim"])
        assert claim.citations, f"{cit['marker']} not attached to {cit['claim'][:50]!r}"
        meant = [refs[lab] for lab in claim.citations if lab in refs and
                 cit["reference"] and _norm(cit["reference"]) in _norm(refs[lab].raw)]
        assert meant, f"{cit['marker']} linked to {claim.citations}, not to the entry {cit['reference']!r}"
        pmid = cit.get("pmid")
        if pmid and not pmid.startswith("3999"):           # 3999xxxx: PMIDs that do not exist
            assert meant[0].pmid == pmid, f"{cit['marker']} resolved to {meant[0].pmid}, meant {pmid}"


def test_author_year_review_links_by_first_author_and_year(source):
    """Before: "(Saha et al., 2015)" was no marker and the list one entry; the article got
    markers_not_read and PMID 26363387 for every citation."""
    art = read_article(ARTICLES / "endometriosis-narrative-review.txt")
    refs = {r.id: r for r in art.references}
    assert len([r for r in art.references if r.in_list]) == 9
    twin = _claim(art, "genetic factors explained 47% of the variation")
    assert [refs[lab].raw.split(",")[0] for lab in twin.citations] == ["Saha"]
    assert "Saha" not in twin.text                    # the marker is not part of the claim's words
    # one author, no "et al.", and two authors joined by "&"
    assert refs[_claim(art, "moderate increase in ovarian cancer risk").citations[0]].raw.startswith("Guo, S. W.")
    assert refs[_claim(art, "explained more by associated adhesions").citations[0]].raw.startswith("Somigliana")
    resolved = _resolved(art, source)
    assert resolved[twin.citations[0]].pmid != "26363387"


def test_several_citations_in_one_bracket_and_year_letters():
    """Several citations in one bracket, "and", "2015a"/"2015b" against two entries of one author-year."""
    text = (b"Endometriosis\n\nGenetic factors explain about half of the variation in endometriosis "
            b"(Saha et al., 2015; Upson and Holt, 2015b). Screening is not justified (see Guo 2015a).\n\n"
            b"References\n"
            b"Guo, S. W. (2015a). Endometriosis and ovarian cancer: potential benefits and harms of screening and "
            b"risk-reducing surgery. Fertility and Sterility, 104(4), 813-830.\n"
            b"Saha, R., Pettersson, H. J., Svedberg, P., et al. (2015). Heritability of endometriosis. Fertility and "
            b"Sterility, 104(4), 947-952.\n"
            b"Upson, K., Sathyanarayana, S., Scholes, D., & Holt, V. L. (2015a). Early-life factors and "
            b"endometriosis risk. Fertility and Sterility, 104(4), 964-971.\n"
            b"Upson, K., & Holt, V. L. (2015b). Soy formula and endometriosis. Fertility and Sterility, 104(4), 1-2.\n")
    art = read_article_bytes(text, "review.txt")
    refs = {r.id: r for r in art.references}
    both = _claim(art, "half of the variation")
    assert [refs[lab].raw[:12] for lab in both.citations] == ["Saha, R., Pe", "Upson, K., &"]
    assert [refs[lab].raw[:6] for lab in _claim(art, "Screening is not justified").citations] == ["Guo, S"]


def test_author_year_forms_that_are_not_citations():
    """A year in brackets with no names, a month or a count is not a citation."""
    for text in ("Her lupus was diagnosed (March 2015) and has been quiet.", "Rates rose (2009-2015).",
                 "A cohort of women (n = 28,370; 2015) was followed.", "the SLEDAI (diagnosed 2009; skin) was low"):
        assert not [f for f in find_author_year(text) if any(c.certain for c in f.cites)], text


def test_unlinked_author_year_citation_is_a_marker_without_entry():
    """A citation in a certain form that names no entry is a marker without an entry (then
    missing_reference), and its names stay in the claim for the search for its source."""
    art = read_article_bytes(b"Sleep\n\nShort sleep raises blood pressure (Fernandez-Mendoza et al., 2012).\n",
                             "note.txt")
    claim = _claim(art, "Short sleep raises blood pressure")
    assert claim.citations == ["Fernandez-Mendoza et al., 2012"]
    assert "Fernandez-Mendoza" in claim.text
    assert [r.in_list for r in art.references] == [False]


# --------------------------------------------------------------------------
# Bare markers, markers after numbers, copied lists


def test_bare_markers_after_any_word():
    """Before: "... in about 60% of patients 1", "... factor 4", "... in most patients 7" and
    "(23% vs 6%) 2" carried no marker: the words were on the never-a-marker list."""
    art = read_article(ARTICLES / "migraine-weather-answer.txt")
    assert _claim(art, "in about 60% of patients").citations == ["1"]
    assert _claim(art, "brain-derived neurotrophic factor").citations == ["4"]
    assert _claim(art, "weather-triggered attacks in most patients").citations == ["7"]
    assert _claim(art, "more often than their peers").citations == ["2"]
    t2dm = read_article(ARTICLES / "t2dm-after-metformin-answer.txt")
    assert _claim(t2dm, "main factors linked to albuminuria in that cohort").citations == ["2"]
    assert _claim(t2dm, "did not differ from the control groups").citations == ["1"]


def test_a_quantity_is_still_not_a_marker():
    """The weak words count only where the page cites by bare numbers: a page with [n] markers keeps
    "stage 3" and "groups 2" as numbers."""
    art = read_article_bytes(b"Staging\n\nMost tumours were found at stage 3. Mortality was similar in both "
                             b"groups 2. Survival improved with surgery [1].\n\n"
                             b"References\n1. Okuma H, Okuma Y. Examination of fluctuations in atmospheric pressure "
                             b"related to migraine. SpringerPlus. 2015;4:790.\n2. Smith A. A study. BMJ. 2015;3:4.\n"
                             b"3. Jones B. Another study. BMJ. 2015;5:6.\n", "page.txt")
    assert _claim(art, "found at stage 3").citations == []
    assert _claim(art, "similar in both groups 2").citations == []


def test_marker_right_after_a_decimal_and_superscript_entry_labels(source):
    """Before: "a relative risk of 1.34¹" lost its marker (read as an exponent) and the "¹ Buyon JP ..."
    list was one entry, resolved to the nonexistent PMID of its last line."""
    art = read_article(ARTICLES / "lupus-hrt-clinic-letter.txt")
    claim = _claim(art, "with a relative risk of 1.34")
    assert claim.citations == ["1"] and claim.text.endswith("1.34.")
    refs = _resolved(art, source)
    assert refs["1"].raw.startswith("Buyon JP")
    assert [r.id for r in refs.values() if r.in_list] == [str(n) for n in range(1, 8)]
    assert refs["7"].pmid == "39995563" and refs["1"].pmid != "39995563"


def test_footnote_list_in_parentheses(source):
    """Before: "(1) Wennström JL ..." lines were one entry and "(n)" in the text no marker."""
    art = read_article(ARTICLES / "periodontal-treatment-plan-note.txt")
    refs = _resolved(art, source)
    assert [r.id for r in refs.values() if r.in_list] == [str(n) for n in range(1, 8)]
    assert _claim(art, "respond half as well to non-surgical therapy").citations == ["7"]
    assert _claim(art, "It took less chair time too").citations == ["1"]
    # "de Graaff J, van Winkelhoff AJ." are authors, not the title
    assert refs["2"].cited_title == "Microbiological diagnostics in periodontal treatment"


def test_copied_list_without_bullets_is_one_claim_a_line():
    """Before: the lines of a list copied without bullets or final stops were one claim that kept
    only its last marker, and the swallowed "2", "3", "1", "4" were read as the claim's numbers."""
    page = (ARTICLES / "migraine-weather-answer.txt").read_text(encoding="utf-8")
    unbulleted = re.sub(r"(?m)^• ", "", page)
    assert unbulleted != page
    art = read_article_bytes(unbulleted.encode("utf-8"), "migraine-copied.txt")
    want = {"more often than their peers": ["2"], "triggers cortical spreading depression": ["3"],
            "in about 60% of patients": ["1"], "neurotrophic factor": ["4"], "in most patients": ["7"]}
    for text, labels in want.items():
        claim = _claim(art, text)
        assert claim.citations == labels, (text, claim.citations, claim.text)
        assert not re.search(r"\s\d$", claim.text), claim.text      # no marker left as a number


# --------------------------------------------------------------------------
# References with wrong or missing fields, bracketed titles, group authors


def test_wrong_year_resolved_by_title_then_metadata_mismatch(source):
    """Before: a title with a wrong year (Perek 2012 for 2015) ended unresolved_reference, and
    "N Engl J Med 2012;367(21):1979-87" was read as year 1979, so Brighton's entry was unresolved."""
    art = read_article(ARTICLES / "post-cabg-discharge-note.txt")
    refs = _resolved(art, source)
    assert refs["8"].cited_year == 2012 and refs["8"].pmid == "23121403"
    perek = refs["6"]
    assert perek.pmid == "26702272"
    kinds = [(f.kind, f.detail) for f in metadata_findings(perek, source.records[perek.pmid])]
    assert ("metadata_mismatch", "year") in kinds


def test_title_in_another_year_needs_the_author_or_journal():
    """A title alone, far from the cited year, is not the paper: the author or journal must agree."""
    rec = OfflineSource.from_paths([DATA / "pubmed"]).records["26702272"]
    other = Reference(id="1", raw=f"Nobody Z. {rec.title} Some Other Journal. 2001;1:1.",
                      cited_title=rec.title, cited_journal="Some Other Journal", cited_year=2001)
    same = Reference(id="2", raw=f"{rec.first_author} B. {rec.title} Other J. 2001;1:1.",
                     cited_title=rec.title, cited_journal="Other J", cited_year=2001)
    assert best_title_match(other, [rec]) is None
    assert best_title_match(same, [rec]) == rec.pmid


def test_bracketed_translated_titles(source):
    """A record stored as "[Breast screening: ...]." is found from its title with or without brackets,
    offline and by the online matcher alike."""
    rec = source.records["26407465"]
    assert rec.title.startswith("[")
    plain = rec.title.strip("[].")
    for cited in (plain, "[" + plain + "]"):
        raw = f"Segnan N. {cited}. Epidemiol Prev. 2015;39(3):147-8."
        title, journal, year = parse_citation(raw)
        ref = Reference(id="1", raw=raw, cited_title=title, cited_journal=journal, cited_year=year)
        assert source.match_citations([ref]) == {"1": "26407465"}
        assert best_title_match(ref, [rec]) == "26407465"


def test_group_author_is_not_the_title(source):
    """Before: "U.S. Preventive Services Task Force. Screening ..." gave the title "U.S"."""
    raw = ("U.S. Preventive Services Task Force. Screening for osteoporosis in postmenopausal women: "
           "recommendations and rationale. Ann Intern Med. 2002;137(6):526-9.")
    title, journal, year = parse_citation(raw)
    assert title == "Screening for osteoporosis in postmenopausal women: recommendations and rationale"
    assert (journal, year) == ("Ann Intern Med", 2002)
    text = ("Osteoporosis\n\nWomen aged 65 and older should be screened for osteoporosis routinely "
            "(U.S. Preventive Services Task Force, 2002).\n\nReferences\n" + raw + "\n" +
            "Nelson HD, Helfand M. Screening for postmenopausal osteoporosis: a review of the evidence. "
            "Ann Intern Med. 2002;137(6):529-41.\n")
    art = read_article_bytes(text.encode(), "osteo.txt")
    claim = _claim(art, "should be screened for osteoporosis routinely")
    refs = _resolved(art, source)
    assert [refs[lab].raw[:4] for lab in claim.citations] == ["U.S."]
    assert refs[claim.citations[0]].pmid == "12230355"


# --------------------------------------------------------------------------
# Copied pages: what is not chrome, and what is the question


def test_show_more_in_a_sentence_is_prose():
    """Before: "... who attempt suicide show more hostility" was set aside as a "Show more" button."""
    art = read_article(ARTICLES / "psoriasis-and-mental-health-answer.txt")
    _claim(art, "people with psoriasis who attempt suicide show more hostility")


def test_question_block_is_the_subject_not_a_claim():
    """Before: the breadcrumb "HealthQ ▸ Diabetes ▸ Treatment" was the title and the asker's
    "My metformin isn't controlling my type 2 diabetes any more." a claim."""
    art = read_article(ARTICLES / "t2dm-after-metformin-answer.txt")
    assert "▸" not in art.subject and "metformin" in art.subject.lower()
    assert not [c for c in art.claims if "isn't controlling" in c.text]


def test_narrative_author_year_and_page_numbers():
    """"Saha et al. (2015) found", "Guo and Smith (2015)" and "(e.g., Upson et al. 2015, p. 966)"
    link to their entries; the names stay in the sentence, the year goes."""
    text = (b"Endometriosis\n\nSaha et al. (2015) found that genetic factors explained 47% of the variation. "
            b"Guo and Smith (2015) argued that screening is not justified. Early-life soy formula doubled "
            b"the risk (e.g., Upson et al. 2015, p. 966).\n\nReferences\n"
            b"Guo, S. W., & Smith, A. (2015). Endometriosis and ovarian cancer: potential benefits and harms of "
            b"screening. Fertility and Sterility, 104(4), 813-830.\n"
            b"Saha, R., Pettersson, H. J., et al. (2015). Heritability of endometriosis. Fertility and Sterility, "
            b"104(4), 947-952.\n"
            b"Upson, K., Sathyanarayana, S., et al. (2015). Early-life factors and endometriosis risk. Fertility "
            b"and Sterility, 104(4), 964-971.\n")
    art = read_article_bytes(text, "review.txt")
    refs = {r.id: r for r in art.references}
    for words, author in (("genetic factors explained 47%", "Saha"), ("screening is not justified", "Guo"),
                          ("soy formula doubled the risk", "Upson")):
        claim = _claim(art, words)
        assert [refs[lab].raw.split(",")[0] for lab in claim.citations] == [author]
        assert "2015" not in claim.text
    assert _claim(art, "genetic factors").text.startswith("Saha et al. found")


def test_square_brackets_year_letters_and_reference_words():
    """"[Saha et al., 2015]", "(Guo, 2015a, b)" against two Guo 2015 entries, and "(refs 1, 2)"."""
    text = (b"Endometriosis\n\nGenetic factors explain about half of the variation [Saha et al., 2015]. "
            b"Screening is not justified (Guo, 2015a, b).\n\nReferences\n"
            b"Guo, S. W. (2015a). Endometriosis and ovarian cancer: potential benefits and harms of screening and "
            b"risk-reducing surgery. Fertility and Sterility, 104(4), 813-830.\n"
            b"Guo, S. W. (2015b). Endometriosis and ovarian cancer: a second look at screening. Fertility and "
            b"Sterility, 104(4), 831-832.\n"
            b"Saha, R., Pettersson, H. J., et al. (2015). Heritability of endometriosis. Fertility and Sterility, "
            b"104(4), 947-952.\n")
    art = read_article_bytes(text, "review.txt")
    refs = {r.id: r for r in art.references}
    assert [refs[lab].raw[:6] for lab in _claim(art, "half of the variation").citations] == ["Saha, "]
    assert [refs[lab].raw[11:18] for lab in _claim(art, "Screening is not justified").citations] == \
        ["(2015a)", "(2015b)"]
    numbered = read_article_bytes(b"Statins\n\nStatins lower mortality in older adults (refs 1, 2).\n\nReferences\n"
                                  b"1. Smith A. A study of statins. BMJ. 2015;3:4.\n"
                                  b"2. Jones B. Another study of statins. BMJ. 2016;5:6.\n", "n.txt")
    assert _claim(numbered, "Statins lower mortality").citations == ["1", "2"]
