"""Word .docx on the real files of ../shared/data/docx: final wording, notes, comments,
and reference-manager fields read as structured references."""
from __future__ import annotations

import json
import re
import zipfile

import pytest

from audit.errors import BadInputError
from audit.reading.ingest import article_paths, read_article, read_article_bytes


def _fields(path) -> list[list[dict]]:
    """Each Zotero field's items, read here straight from the XML (not by the reader)."""
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    instr = "".join(re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>|(<w:fldChar w:fldCharType=\"begin\"/>)",
                               xml) and [m[0] or "\x00" for m in
                                         re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>|"
                                                    r"(<w:fldChar w:fldCharType=\"begin\"/>)", xml)])
    out = []
    for part in instr.split("\x00"):
        part = part.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        if "ZOTERO_ITEM" in part:
            data, _ = json.JSONDecoder().raw_decode(part[part.index("{"):])
            out.append([it["itemData"] for it in data["citationItems"]])
    return out


def test_zotero_numeric_manuscript_gives_22_citations_with_the_fields_ids(data_dir):
    path = data_dir / "docx/docxtojats_word_zotero_22cites_biomed_numeric.docx"
    fields = _fields(path)
    assert len(fields) == 22
    art = read_article(path)
    assert art.format == "docx"
    by_doi = {r.doi: r for r in art.references if r.doi}
    by_pmid = {r.pmid: r for r in art.references if r.pmid}
    by_title = {r.cited_title: r for r in art.references}
    cited = [set(c.citations) for c in art.claims if c.citations]
    for items in fields:
        labels = set()
        for it in items:
            pmid = re.search(r"PMID: (\d+)", it.get("note", ""))
            ref = by_doi.get(it.get("DOI")) if it.get("DOI") else \
                by_pmid.get(pmid.group(1)) if pmid else by_title.get(" ".join(it["title"].split()))
            assert ref is not None, it.get("title")
            assert ref.cited_title == " ".join(it["title"].split())
            if pmid:
                assert ref.pmid == pmid.group(1)      # from Zotero's note, never re-parsed from print
            labels.add(ref.id)
        # the field's place gives its claim: one claim carries all of the field's references
        assert any(labels <= c for c in cited)
    # the numeric style's printed numbers are the labels: "(1,2)" is references 1 and 2
    first = next(c for c in art.claims if c.citations)
    assert first.citations == ["1", "2"] and first.location == "paragraph 2"
    assert by_pmid["28478864"].id == "1" and by_pmid["28478864"].cited_journal == "Neuroscience Letters"


def test_tracked_deletions_never_in_claims_insertions_kept(data_dir):
    art = read_article(data_dir / "docx/pandoc_track_changes_deletion.docx")
    assert [c.text for c in art.claims] == ["This is a text with a deletion."]
    assert any("excessively modified" in s.text and "tracked deletion" in s.reason for s in art.set_aside)
    assert "excessively" not in art.text
    art = read_article(data_dir / "docx/pandoc_track_changes_insertion.docx")
    assert art.claims[0].text == "This is a text with two exciting insertions."
    moved = read_article(data_dir / "docx/pandoc_track_changes_move.docx")
    assert [c.text for c in moved.claims].count("Here is the text to be moved.") == 1


def test_footnote_citation_keeps_its_claim(data_dir):
    art = read_article(data_dir / "docx/metypeset_zotero_note_style_in_footnotes.docx")
    claims = {c.text: c for c in art.claims}
    journal = claims["Footnote reference to journal."]
    ref = next(r for r in art.references if r.id == journal.citations[0])
    assert ref.doi and ref.doi.startswith("10.7766/orbit.v2")
    assert journal.location == "paragraph 1"
    assert len(claims["Footnote reference to multiple books."].citations) == 2


def test_footnotes_and_endnotes_are_read_with_their_place(data_dir):
    art = read_article(data_dir / "docx/pandoc_footnote_and_endnote.docx")
    endnote = next(c for c in art.claims if "endnote at the end" in c.text)
    assert endnote.location == "endnote 1"
    assert "My note." in art.text


def test_comments_are_set_aside_and_listed(data_dir):
    art = read_article(data_dir / "docx/pandoc_comments.docx")
    comments = [s for s in art.set_aside if s.reason.startswith("Word comment")]
    assert len(comments) == 5 and comments[0].text == "I left a comment."
    assert comments[0].location == "comment 1"
    assert not any("comment" in c.text.lower() and "left" in c.text.lower() for c in art.claims)


def test_mendeley_and_zotero_bookmarks_read_from_the_document_properties(data_dir):
    art = read_article(data_dir / "docx/docxtojats_libreoffice_mendeley_bookmarks.docx")
    assert len(art.references) == 24 and all(r.in_list for r in art.references)
    assert any(r.pmid == "25565692" and r.doi == "10.1177/070674371405900902" for r in art.references)
    art = read_article(data_dir / "docx/metypeset_zotero_bookmark_mode_bref.docx")
    assert art.claims[0].text == "Document with Zotero bookmark mode"
    assert art.references[0].cited_title == "Gravity's Rainbow, domination, and freedom"


def test_mendeley_fields_and_printed_bibliography(data_dir):
    art = read_article(data_dir / "docx/pandoc_mendeley_citations_3cites_bibl.docx")
    assert [c.text for c in art.claims] == ["This is a Mendeley test.", "Another test.", "The last test."]
    assert all(r.in_list and r.cited_title for r in art.references)
    # the bibliography Mendeley printed is set aside: its data came from the fields
    assert any("bibliography printed" in s.reason for s in art.set_aside)


def test_plain_manuscript_typed_list_and_affiliation_numbers(data_dir):
    art = read_article(data_dir / "docx/manuscript_hellp_corticosteroids_sysrev_plain_refs.docx")
    found = {r.id for r in art.references if r.in_list}
    # 39 of its 41: entries 19 ("van Runnard ...") and 23 ("Çalişkan ...") open with a lower-case or
    # non-ASCII letter, which extract.split_entry_label does not take for an entry's start
    assert found == {str(n) for n in range(1, 42)} - {"19", "23"}
    first = next(c for c in art.claims if c.citations)
    assert first.text.startswith("The syndrome of hemolysis") and first.citations == ["1", "2"]
    assert not any("Kasem" in c.text and c.citations for c in art.claims)   # "Kasem1": an affiliation
    ckd = read_article(data_dir / "docx/manuscript_ckd_mortality_korea_plain_refs.docx")
    assert len([r for r in ckd.references if r.in_list]) == 22


def test_bad_word_files_are_one_clear_error(data_dir, tmp_path):
    with pytest.raises(BadInputError, match="corrupt zip|not a Word"):
        read_article_bytes(b"PK\x03\x04" + b"\x00" * 40, "broken.docx")
    data = (data_dir / "docx/pandoc_comments.docx").read_bytes()
    with pytest.raises(BadInputError) as exc:
        read_article_bytes(data[: len(data) // 2], "half.docx")
    assert exc.value.path == "half.docx"
    # a zip bomb: word/document.xml unpacking past the size limit is refused, not read
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<w:document>" + " " * 30_000_000 + "</w:document>")
    with pytest.raises(BadInputError, match="unpacks to more than"):
        read_article(bomb)


def test_folder_scan_picks_up_docx_and_pdf(data_dir):
    found = article_paths([data_dir / "docx"])
    assert len(found) == 15
