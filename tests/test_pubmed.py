"""The record parser on every real PubMed file in ../shared/data/pubmed."""
from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET

import pytest

from audit.errors import BadInputError
from audit.pubmed.records import (load_raw_records, load_records, parse_medline_text, parse_records,
                          split_articles, wrap_article_set)

def _xml_files(data_dir):
    return sorted(p for p in (data_dir / "pubmed").rglob("*") if p.name.endswith((".xml", ".xml.gz")))


def test_every_efetch_file_parses_and_counts_match(data_dir):
    files = _xml_files(data_dir)
    assert len(files) >= 20
    total = 0
    for f in files:
        raw = f.read_bytes()
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        # Count records independently of the parser: top-level records with a numeric PMID
        # (the scicopia sample holds a record with an empty PMID, which is skipped).
        root = ET.fromstring(text)
        tops = root.findall("PubmedArticle") or root.findall("MedlineCitation")
        if root.tag in ("PubmedArticle", "MedlineCitation"):
            tops = [root]
        expected = sum(1 for t in tops
                       if (t.findtext("MedlineCitation/PMID") or t.findtext("PMID") or "").strip().isdigit())
        recs = parse_records(raw, str(f))
        assert len(recs) == expected, f.name
        assert all(r.pmid.isdigit() for r in recs)
        total += len(recs)
    assert total > 800


def test_medline_citation_set_2016_form(data_dir):
    f = data_dir / "pubmed/baseline/medline16n0902.xml.gz"
    recs = parse_records(f.read_bytes(), str(f))
    assert len(recs) == 604
    first = recs[0]
    assert first.pmid == "17942999"
    assert first.journal == "Restorative neurology and neuroscience"
    assert first.year == 2007
    assert first.abstract.startswith("PURPOSE: An auditory electrophysiological study")


def test_retractions_are_marked(data_dir):
    recs = load_records([data_dir / "pubmed/baseline"])
    assert recs["8655018"].retracted and recs["8655018"].retraction_notices == ["9867474"]
    assert recs["8863847"].retracted and recs["8863847"].retraction_notices == ["9499167"]
    assert recs["11543891"].retracted
    assert recs["11600210"].is_retraction_notice and not recs["11600210"].retracted
    assert recs["9634358"].is_retraction_notice
    assert sum(r.retracted for r in recs.values()) == 3


def test_fields_of_a_known_record(data_dir):
    recs = load_records([data_dir / "pubmed"])
    r = recs["21933749"]
    assert r.title.startswith("Effect of crizotinib on overall survival")
    assert r.journal == "The Lancet. Oncology" and r.year == 2011
    assert r.doi == "10.1016/S1470-2045(11)70232-7"
    assert "Carcinoma, Non-Small-Cell Lung" in r.major_topics
    assert "Humans" in r.mesh_terms and "Adult" not in r.major_topics
    # In-process citation: no MeSH, still a title and abstract to judge from.
    r2 = recs["26162689"]
    assert r2.mesh == [] and r2.abstract and "MERTK" in r2.title


def test_inline_markup_and_missing_title(data_dir):
    markup = parse_records((data_dir / "pubmed/ncbiutils/markup.xml").read_bytes())
    assert markup and "<" not in markup[0].title and markup[0].abstract
    empty = parse_records((data_dir / "pubmed/ncbiutils/no_title_abstract.xml").read_bytes())
    # No ArticleTitle and no abstract: the vernacular title stands in.
    assert len(empty) == 1 and empty[0].title == "Pere Barceló." and empty[0].abstract == ""


def test_medline_text_format(data_dir):
    recs = parse_medline_text((data_dir / "pubmed/biopython/medline_pubmed_result2.txt").read_bytes())
    assert len(recs) == 4 and all(r.pmid.isdigit() and r.title for r in recs)


def test_split_and_wrap_round_trip(data_dir):
    raw = load_raw_records([data_dir / "pubmed"])
    parsed = load_records([data_dir / "pubmed"])
    xml_pmids = {p for p in parsed}
    assert set(raw) <= xml_pmids
    sample = sorted(raw)[:50]
    again = parse_records(wrap_article_set([raw[p] for p in sample]))
    assert [r.pmid for r in again] == sample
    for r in again:
        assert r.title == parsed[r.pmid].title and r.mesh_terms == parsed[r.pmid].mesh_terms
    pairs = split_articles((data_dir / "pubmed/biocommons_eutils/medlinecitation_20412080.xml.gz").read_bytes())
    assert [p for p, _ in pairs] == ["20412080"] and pairs[0][1].startswith(b"<PubmedArticle>")


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"\x00\x01\x02binary", "binary"),
    (b"PMID 123 just text", "not XML"),
    (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>\n<Article>", "malformed XML"),
    (b"\x1f\x8b\x08\x00garbage", "gzip"),
])
def test_bad_input_names_the_file(data, needle):
    with pytest.raises(BadInputError) as exc:
        parse_records(data, "records/bad.xml")
    assert "records/bad.xml" in str(exc.value) and needle in str(exc.value)


def test_malformed_xml_gives_line(tmp_path):
    with pytest.raises(BadInputError) as exc:
        parse_records(b"<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation>\n</Oops>\n", "x.xml")
    assert exc.value.line == 4 and "x.xml:4" in str(exc.value)
