"""Markers, sentences, chrome and reference entries on small inline articles."""
from __future__ import annotations

import pytest

from audit.reading.references import find_identifiers, parse_citation
from audit.reading.sentences import split_sentences
from audit.reading.ingest import read_article_bytes


def _read(text: str, name: str = "a.md"):
    return read_article_bytes(text.encode("utf-8"), name)


def _cites(text: str, name: str = "a.md") -> list[tuple[str, list[str]]]:
    return [(c.text, c.citations) for c in _read(text, name).claims]


# --------------------------------------------------------------------------
# Marker forms


@pytest.mark.parametrize("sentence,labels", [
    ("Statins lower LDL cholesterol [1].", ["1"]),
    ("Statins lower LDL cholesterol [1, 3-5].", ["1", "3", "4", "5"]),
    ("Statins lower LDL cholesterol [1–3].", ["1", "2", "3"]),
    ("Statins lower LDL cholesterol [2][3].", ["2", "3"]),
    ("Statins lower LDL cholesterol.[2]", ["2"]),
    ("Statins lower LDL cholesterol^1.", ["1"]),
    ("Statins lower LDL cholesterol^1,2.", ["1", "2"]),
    ("Statins lower LDL cholesterol<sup>1</sup>.", ["1"]),
    ("Statins lower LDL cholesterol<sup>1,2</sup>.", ["1", "2"]),
    ("Statins lower LDL cholesterol¹².", ["12"]),
    ("Statins lower LDL cholesterol¹,².", ["1", "2"]),
    ("Statins lower LDL cholesterol[^1].", ["1"]),
    ("Statins lower LDL cholesterol [1](#ref-1).", ["1"]),
    ("Statins lower LDL cholesterol in adults 1.", ["1"]),
    ("Statins lower LDL cholesterol in adults 1, 2.", ["1", "2"]),
    ("Statins lower LDL cholesterol in adults 1-3.", ["1", "2", "3"]),
])
def test_marker_forms(sentence, labels):
    (text, got), = _cites(sentence + "\n")
    assert got == labels
    assert text == "Statins lower LDL cholesterol." or text == "Statins lower LDL cholesterol in adults."


def test_bare_numbers_after_journal_names_and_at_item_ends():
    doc = ("Risk is high, as seen in a study published in the Journal of surgical oncology 1. "
           "Some key points follow:\n\n"
           "- Mesenteric nodes were involved in patients with ovarian cancer 2.\n"
           "- Peri-ileal spread occurred mainly in stage IV disease 3\n"
           "- Spread reached the common iliac lymph nodes 4. Overall, nodes come first.\n")
    claims = _read(doc, "a.txt").claims
    # "Some key points follow:" leads into the list; it is no claim
    assert [c.citations for c in claims] == [["1"], ["2"], ["3"], ["4"], []]
    assert claims[0].text.endswith("Journal of surgical oncology.")
    assert claims[2].text == "Peri-ileal spread occurred mainly in stage IV disease"
    assert claims[4].text == "Overall, nodes come first."


@pytest.mark.parametrize("sentence", [
    "About 60-80% of patients had nodal disease.",
    "Liver metastases are present in 30-50% of cases.",
    "Most had stage IV disease.",
    "Patients with type 2 diabetes were excluded.",
    "The trial ended in 2019.",
    "The study enrolled n = 12.",
    "Patients received 5 mg.",
    "Toxicity reached grade 3.",
    "Most tumours were stage 2.",
    "The difference was significant, p < 0.05.",
    "The hazard ratio was 1.5.",
    "It was the 2nd trial.",
    "The median age was 65.",
    "Results are shown in Table 2.",
    "Enrolment closed on April 30.",
    "The cohort comprised 1,200.",
    "The ratio was 3:1.",
    "The dose was raised to 3.",
    "Participants were followed for 12 weeks.",
    "Responses were seen in phase 2.",
    "Body surface area was 1.8 m^2.",
])
def test_numbers_that_are_not_markers(sentence):
    doc = "Statins lower LDL cholesterol 1.\n\n" + sentence + "\n"
    claims = _read(doc, "a.txt").claims
    assert claims[0].citations == ["1"]
    assert claims[1].citations == [], sentence
    assert claims[1].text == sentence


def test_bare_numbers_must_continue_the_run_of_markers():
    # nothing before it: 17 cannot be the first marker of a document
    claims = _read("Mutations were found on chromosome arm 17.\n\nStatins help 1.\n", "a.txt").claims
    assert [c.citations for c in claims] == [[], ["1"]]
    # with a numbered reference list, a bare number must be one of its labels
    doc = ("Statins help 1. Aspirin helps 2. The effect lasted 9.\n\n"
           "References\n1. Smith J. Statins. Lancet. 2019;1:1.\n2. Doe A. Aspirin. BMJ. 2018;2:2.\n")
    claims = _read(doc, "a.txt").claims
    assert [c.citations for c in claims] == [["1"], ["2"], []]


def test_html_markers_and_exponents():
    page = """<html><head><title>Site | Statins</title><script>var s = "[9] no";</script></head><body>
<nav><ul><li>Home</li><li>About us [8]</li></ul></nav>
<aside><p>Related: something else entirely [7].</p></aside>
<main><h1>Statins in older adults</h1>
<p>Statins lower LDL<sup>1</sup>. Body surface was 1.8 m<sup>2</sup> on average.
Doses of 10<sup>9</sup> cells were used. Mortality fell<sup><a href="#ref-2">2,3</a></sup>.
Benefit persisted <a href="#cite-4">[4]</a>. Adverse events were rare [5].</p>
<ul><li>Myopathy is rare<sup>1</sup></li><li>Diabetes risk rises slightly <sup>[6]</sup></li></ul>
</main>
<footer><p>Copyright 2024. All rights reserved [7].</p></footer></body></html>"""
    art = _read(page, "p.html")
    assert art.title == art.subject == "Statins in older adults"
    got = [(c.text, c.citations) for c in art.claims]
    assert got == [
        ("Statins lower LDL.", ["1"]),
        ("Body surface was 1.8 m^2 on average.", []),
        ("Doses of 10^9 cells were used.", []),
        ("Mortality fell.", ["2", "3"]),
        ("Benefit persisted.", ["4"]),
        ("Adverse events were rare.", ["5"]),
        ("Myopathy is rare", ["1"]),
        ("Diabetes risk rises slightly", ["6"]),
    ]
    assert "Home" not in art.text and "Copyright" not in art.text and "Related" not in art.text
    assert [c.line for c in art.claims] == [5, 5, 6, 6, 7, 7, 8, 8]


def test_html_reference_list_with_links():
    page = """<!doctype html><html><body><article><h1>Q?</h1>
<p>Statins lower LDL<sup>1</sup>. Aspirin prevents events<sup>2</sup>. Metformin helps<sup>3</sup>.
Exercise helps too<sup>4</sup>.</p></article>
<section><h2>References</h2><ol>
<li>Smith J. Statin trial. Lancet. 2019;1:1-2. <a href="https://pubmed.ncbi.nlm.nih.gov/12345678/">PubMed</a></li>
<li>Doe A. Aspirin trial. BMJ. 2018. <a href="https://doi.org/10.1136/bmj.k1">link</a></li>
<li>Roe B. Metformin. PMCID: PMC1234567</li>
</ol></section></body></html>"""
    art = _read(page, "p.html")
    refs = {r.id: r for r in art.references}
    assert refs["1"].pmid == "12345678" and refs["1"].cited_journal == "Lancet" and refs["1"].cited_year == 2019
    assert refs["1"].cited_title == "Statin trial"
    assert refs["2"].doi == "10.1136/bmj.k1" and refs["2"].cited_journal == "BMJ"
    assert refs["3"].pmcid == "PMC1234567"
    assert all(refs[k].in_list for k in "123")
    assert refs["4"].in_list is False and refs["4"].raw == ""
    assert "Statin trial" not in art.text          # the list is not main text
    assert refs["1"].line == 5


# --------------------------------------------------------------------------
# Reference lists in text and Markdown


def test_markdown_reference_forms():
    doc = """# Do statins help?

Statins lower LDL [1]. Aspirin helps [2]. Metformin helps [3]. Diet helps [4]. Sleep helps [5].
Exercise helps [6].

## References

1. Smith JA, Doe B. Effect of statins on mortality. J Surg Oncol. 2019;12(3):45-67. PMID: 31234567
[2] Doe A. Aspirin and events. BMJ. 2018;360:k1. doi:10.1136/bmj.k1
3) https://pubmed.ncbi.nlm.nih.gov/25368326/
4. Roe B. Metformin. Available from: https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/
5. PMID 8655018
6. Smith, J. A., & Doe, B. (2020). Exercise and the heart. Journal of Cardiology, 12(3), 45-67.
   https://doi.org/10.1016/j.jjcc.2020.01.001
"""
    art = _read(doc)
    assert art.subject == "Do statins help?"
    refs = {r.id: r for r in art.references}
    assert sorted(refs) == ["1", "2", "3", "4", "5", "6"]
    assert (refs["1"].pmid, refs["1"].cited_journal, refs["1"].cited_year) == ("31234567", "J Surg Oncol", 2019)
    assert refs["1"].cited_title == "Effect of statins on mortality"
    assert refs["1"].line == 8
    assert refs["2"].doi == "10.1136/bmj.k1" and refs["2"].cited_title == "Aspirin and events"
    assert refs["3"].pmid == "25368326"
    assert refs["4"].pmcid == "PMC1234567"
    assert refs["5"].pmid == "8655018"
    assert refs["6"].doi == "10.1016/j.jjcc.2020.01.001"
    assert (refs["6"].cited_title, refs["6"].cited_journal, refs["6"].cited_year) == \
        ("Exercise and the heart", "Journal of Cardiology", 2020)
    assert all(r.in_list for r in refs.values())
    assert "Smith JA" not in art.text
    assert [c.citations for c in art.claims] == [["1"], ["2"], ["3"], ["4"], ["5"], ["6"]]


def test_trailing_run_of_entries_without_heading_and_bibliography_heading():
    doc = ("Statins lower LDL [1]. Aspirin helps [2].\n\n"
           "1. Smith J. Statins. Lancet. 2019;1:1. PMID: 111\n"
           "2. Doe A. Aspirin. BMJ. 2018;2:2. PMID: 222\n")
    refs = {r.id: r.pmid for r in _read(doc, "a.txt").references}
    assert refs == {"1": "111", "2": "222"}
    doc = "Statins lower LDL [1].\n\nBibliography:\n- Smith J. Statins. Lancet. 2019. PMID: 333\n"
    refs = _read(doc, "a.txt").references
    assert [(r.id, r.pmid, r.in_list) for r in refs] == [("1", "333", True)]


def test_a_numbered_list_in_the_body_is_not_a_reference_list():
    doc = "Steps to take:\n\n1. Stop smoking now.\n2. Walk every day.\n"
    art = _read(doc, "a.txt")
    assert art.references == []
    assert [c.text for c in art.claims] == ["Stop smoking now.", "Walk every day."]


# --------------------------------------------------------------------------
# Sentences


def test_sentence_splitting_keeps_abbreviations_and_decimals():
    text = ("Smith et al. found that statins, e.g. atorvastatin, cut events vs. placebo by 1.5 times (Fig. 2). "
            "Dr. Jones disagreed. Levels in the U.S. rose. The end")
    spans = split_sentences(text, [])
    got = [text[s:e] for s, e in spans]
    assert got == ["Smith et al. found that statins, e.g. atorvastatin, cut events vs. placebo by 1.5 times (Fig. 2).",
                   "Dr. Jones disagreed.", "Levels in the U.S. rose.", "The end"]


def test_hard_wrapped_text_is_joined_and_lines_are_kept():
    doc = ("Mesenteric lymph node metastases typically occur before liver metastases in\n"
           "ileal tumours [1]. The pattern reflects lymphatic drainage of the\n"
           "ileum [2].\n")
    claims = _read(doc, "a.txt").claims
    assert [(c.citations, c.line) for c in claims] == [(["1"], 1), (["2"], 2)]
    assert claims[0].text.endswith("in ileal tumours.")


# --------------------------------------------------------------------------
# Chrome


def test_chrome_rules_are_general():
    doc = """Does coffee raise blood pressure?

Reviewed by our editors
Last reviewed: 3 March 2024
Sign up for our newsletter

Coffee raises blood pressure briefly in people who rarely drink it [1]. Habitual drinkers develop tolerance [2].

Share this article

Disclaimer

This content is for informational purposes only. Always ask your doctor about treatment decisions.

Was this helpful?

We would love to hear from you. Tell us what you think.
"""
    art = _read(doc, "a.txt")
    texts = [c.text for c in art.claims]
    assert texts == ["Coffee raises blood pressure briefly in people who rarely drink it.",
                     "Habitual drinkers develop tolerance."]
    assert art.subject == "Does coffee raise blood pressure?"
    for phrase in ["newsletter", "Disclaimer", "informational", "helpful", "hear from you", "Share"]:
        assert phrase not in art.text


def test_cited_sentences_are_never_dropped_as_chrome():
    art = _read("Statins may cause liability to myopathy in frail adults [1].\n", "a.txt")
    assert art.claims[0].citations == ["1"]


# --------------------------------------------------------------------------
# Identifiers and free citations


def test_identifiers():
    assert find_identifiers("PMID: 12345678") == {"pmid": "12345678"}
    assert find_identifiers("see https://pubmed.ncbi.nlm.nih.gov/9876543/") == {"pmid": "9876543"}
    assert find_identifiers("doi:10.1056/NEJMoa2034577.") == {"doi": "10.1056/NEJMoa2034577"}
    assert find_identifiers("https://doi.org/10.1016/S0140-6736(20)30183-5") == \
        {"doi": "10.1016/S0140-6736(20)30183-5"}
    assert find_identifiers("(see doi:10.1016/S0140-6736(20)30183-5).") == {"doi": "10.1016/S0140-6736(20)30183-5"}
    assert find_identifiers("PMCID: pmc7654321") == {"pmcid": "PMC7654321"}


@pytest.mark.parametrize("raw,want", [
    ("Smith JA, Doe B, et al. Effect of statins on mortality. J Surg Oncol. 2019;12(3):45-67.",
     ("Effect of statins on mortality", "J Surg Oncol", 2019)),
    ("Smith JA, Doe B. Effect of statins on mortality. J. Surg. Oncol. 2019;12(3):45-67.",
     ("Effect of statins on mortality", "J. Surg. Oncol", 2019)),
    ("Effect of crizotinib on overall survival. Lancet Oncol 2011;12:1004-12.",
     ("Effect of crizotinib on overall survival", "Lancet Oncol", 2011)),
    ("Eight novel germline MLH1 mutations in families from Spain. Hum Mutat. 2001.",
     ("Eight novel germline MLH1 mutations in families from Spain", "Hum Mutat", 2001)),
    ("PMID: 1234567", (None, None, None)),
])
def test_parse_citation(raw, want):
    assert parse_citation(raw) == want


# --------------------------------------------------------------------------
# JATS variants (inline), and journals named in claims


JATS_SAMPLE = """<?xml version="1.0"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.2 20190208//EN" "JATS-archivearticle1.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink">
<front><article-meta><title-group><article-title>Statins&nbsp;in <italic>older</italic> adults</article-title></title-group>
<abstract><p>Abstract text is not a claim [9].</p></abstract></article-meta></front>
<body><sec><title>Introduction</title>
<p>Statins lower LDL <xref ref-type="bibr" rid="r1">1</xref>. Aspirin prevents events <sup><xref ref-type="bibr" rid="r2 r3">2,3</xref></sup>.
Both were studied together <xref ref-type="bibr" rid="r1">[1]</xref>&#x2013;<xref ref-type="bibr" rid="r4">[4]</xref>. See <xref ref-type="fig" rid="f1">Figure 1</xref> for doses of 5 mg.</p>
<fig id="f1"><caption><p>Doses used <xref ref-type="bibr" rid="r4">4</xref>.</p></caption></fig>
<list><list-item><p>Myopathy is rare <xref ref-type="bibr" rid="nosuch">8</xref>.</p></list-item></list>
</sec></body>
<back><ref-list>
<ref id="r1"><label>1</label><mixed-citation>Smith J. Statin trial. <source>Lancet</source>. <year>2019</year>. <comment>PMID: 11111111</comment></mixed-citation></ref>
<ref id="r2"><label>2</label><element-citation><article-title>Aspirin</article-title><source>BMJ</source><year>2018</year><ext-link ext-link-type="uri" xlink:href="https://doi.org/10.1136/bmj.k1">link</ext-link></element-citation></ref>
<ref id="r3"><label>3</label><element-citation><article-title>Three</article-title><pub-id pub-id-type="pmc">7654321</pub-id></element-citation></ref>
<ref id="r4"><label>4</label><mixed-citation>Four. <ext-link xlink:href="https://pubmed.ncbi.nlm.nih.gov/44444444/">PubMed</ext-link></mixed-citation></ref>
</ref-list></back></article>
"""


def test_jats_variants():
    art = _read(JATS_SAMPLE, "s.nxml")
    assert art.title == art.subject == "Statins in older adults"     # &nbsp; from the unread DTD
    got = [(c.text, c.citations) for c in art.claims]
    assert got[:3] == [("Statins lower LDL.", ["1"]),
                       ("Aspirin prevents events.", ["2", "3"]),
                       ("Both were studied together.", ["1", "2", "3", "4"])]
    assert ("See Figure 1 for doses of 5 mg.", []) in got
    assert ("Myopathy is rare.", ["nosuch"]) in got
    assert not any("Abstract" in t for t, _ in got)
    assert ("Doses used.", ["4"]) in got                 # citations in figure captions count
    refs = {r.id: r for r in art.references}
    assert refs["1"].pmid == "11111111" and refs["1"].cited_journal == "Lancet" and refs["1"].cited_year == 2019
    assert refs["2"].doi == "10.1136/bmj.k1" and refs["2"].cited_title == "Aspirin"
    assert refs["3"].pmcid == "PMC7654321"
    assert refs["4"].pmid == "44444444"
    assert refs["nosuch"].in_list is False
    assert [c.line for c in art.claims[:3]] == [7, 7, 8]


def test_journal_named_in_a_claim_fills_only_missing_journals():
    doc = ("A trial published in The Lancet Oncology found longer survival [1]. "
           "A cohort published in BMJ reported fewer events [2].\n\n"
           "References\n1. PMID: 21933749\n2. Doe A. Aspirin. JAMA. 2018;2:2.\n")
    refs = {r.id: r for r in _read(doc, "a.txt").references}
    assert refs["1"].cited_journal == "The Lancet Oncology"
    assert refs["2"].cited_journal == "JAMA"          # the entry's own journal wins


def test_html_unit_exponent_is_not_a_marker():
    from audit.reading.ingest import read_article_bytes

    html = (b"<html><body><h1>Cell growth</h1><p>The cells covered 10 \xc2\xb5m<sup>2</sup> of the surface "
            b"in every dish that was examined.</p></body></html>")
    art = read_article_bytes(html, "units.html")
    assert [c.citations for c in art.claims] == [[]]


def test_one_line_article_of_many_sentences_stays_linear(tmp_path):
    # A page saved as one line is one block: sentence splitting once rescanned the whole
    # prefix at every full stop. 4,000 sentences must still split into 4,000 claims.
    from audit.reading.ingest import read_article_bytes

    body = " ".join(f"The tumour grew in case {i}, e.g. in Fig. 2 of the trial {i % 5 + 1}." for i in range(4000))
    art = read_article_bytes(("# Growth\n\n" + body + "\n").encode(), "long.md")
    assert len(art.claims) == 4000
