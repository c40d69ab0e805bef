"""Reference-manager exports on the real files of ../shared/data/refs, and an export as an
article's reference list (citeaudit audit --references)."""
from __future__ import annotations

import re

import pytest

from audit.cli import main
from audit.config import ReadingConfig
from audit.errors import BadInputError
from audit.reading.formats.refexport import read_export, read_export_bytes
from audit.reading.ingest import read_article, read_article_bytes


def _norm(t: str) -> str:
    return " ".join("".join(ch.lower() if ch.isalnum() else " " for ch in t).split())


def test_one_endnote_library_three_ways_agrees(data_dir):
    xml = read_export(data_dir / "refs/endnote_xml/reflib_blue_light_102refs_endnote20.xml")
    ris = read_export(data_dir / "refs/ris/reflib_blue_light_102refs_endnote.ris")
    nbib = read_export(data_dir / "refs/medline/reflib_blue_light_80refs_pubmed.nbib")
    assert (len(xml), len(ris), len(nbib)) == (102, 102, 80)
    assert all(e.pmid for e in nbib)
    by_title = {_norm(e.title): e for e in nbib}
    agree = 0
    for x, r in zip(xml, ris):
        assert _norm(x.title) == _norm(r.title) and x.year == r.year
        m = by_title.get(_norm(x.title))
        if m is not None and m.doi and x.doi:
            assert m.doi.lower() == x.doi.lower() == (r.doi or "").lower()
            agree += 1
    assert agree >= 50


def test_ris_database_exports_and_csl_bibtex(data_dir):
    for name in ("asreview_embase_export.ris", "asreview_pubmed_via_zotero.ris", "asreview_pubmed_via_endnote.ris.txt",
                 "asreview_scopus_export.ris", "asreview_ovid_psycinfo_export.ris"):
        entries = read_export(data_dir / "refs/ris" / name)
        assert len(entries) == 6 and all(e.title for e in entries), name
    trio = [read_export(data_dir / f"refs/{d}/manubot_bibliography_2refs{s}")
            for d, s in (("ris", "_zotero.ris"), ("bibtex", "_zotero.bib"), ("csl_json", ".json"))]
    assert [e.doi.lower() for e in trio[0] if e.doi] == [e.doi.lower() for e in trio[1] if e.doi] == \
        [e.doi.lower() for e in trio[2] if e.doi] == ["10.7554/elife.32822"]
    bib = read_export(data_dir / "refs/bibtex/hellp_sysrev_70refs_scopus_jabref.bib")
    # 70 "@" blocks: 69 entries and JabRef's @Comment{jabref-meta: ...}
    assert len(bib) == 69
    text = (data_dir / "refs/bibtex/hellp_sysrev_70refs_scopus_jabref.bib").read_text()
    eprints = set(re.findall(r"(?im)^\s*eprint\s*=\s*[{\"]?(\d+)", text))
    assert len(eprints) == 18 and eprints <= {e.pmid for e in bib}
    dois = {re.sub(r"^https?://(dx\.)?doi\.org/", "", d.lower()) for d in re.findall(r"(?im)^\s*doi\s*=\s*[{\"]([^}\"]+)", text)}
    assert dois <= {e.doi.lower() for e in bib if e.doi}
    one = read_export(data_dir / "refs/csl_json/manubot_pubmed_csl_scihub_study.json")
    assert one[0].pmid == "29424689"


def test_endnote_xml_export_resolves_the_markers_of_an_article(data_dir, tmp_path):
    export = data_dir / "refs/endnote_xml/reflib_blue_light_102refs_endnote20.xml"
    records = read_export(export)
    art = tmp_path / "review.md"
    art.write_text("# Blue light and acne\n\nBlue light reduces acne lesions in several trials [1].\n\n"
                   "Combined red and blue light was studied as well [2, 3].\n")
    a = read_article(art, ReadingConfig(references=str(export)))
    refs = {r.id: r for r in a.references}
    for n in ("1", "2", "3"):
        assert refs[n].in_list and refs[n].cited_title == records[int(n) - 1].title
        assert refs[n].doi == records[int(n) - 1].doi
    assert a.claims[1].citations == ["2", "3"]


def test_bibtex_export_fills_a_manuscripts_typed_list(data_dir):
    bib = data_dir / "refs/bibtex/hellp_sysrev_70refs_scopus_jabref.bib"
    doc = data_dir / "docx/manuscript_hellp_corticosteroids_sysrev_plain_refs.docx"
    plain = read_article(doc)
    linked = read_article(doc, ReadingConfig(references=str(bib)))
    entries = read_export(bib)
    pmid_of = {e.doi.lower(): e.pmid for e in entries if e.doi and e.pmid}
    gained = [r for r, p in zip(linked.references, plain.references) if r.pmid and not p.pmid]
    assert gained and {r.pmid for r in gained} <= {e.pmid for e in entries}
    assert all(pmid_of[r.doi.lower()] == r.pmid for r in gained if r.doi and r.doi.lower() in pmid_of)
    assert [r.raw for r in linked.references] == [r.raw for r in plain.references]   # as printed


def test_bad_exports_are_clear_errors(data_dir, tmp_path, capsys):
    with pytest.raises(BadInputError, match="not a reference export"):
        read_export_bytes(b"just some words", "notes.txt")
    with pytest.raises(BadInputError, match="malformed CSL-JSON") as exc:
        read_export_bytes(b'[{"id": 1,\n "title": }]', "lib.json")
    assert exc.value.line == 2
    bad = tmp_path / "lib.ris"
    bad.write_text("nothing here")
    art = tmp_path / "a.md"
    art.write_text("Statins lower LDL cholesterol in adults [1].\n")
    assert main(["audit", str(art), "--out", str(tmp_path / "out"), "--references", str(bad),
                 "--offline-records", str(data_dir / "pubmed/biopython")]) == 2
    assert "lib.ris" in capsys.readouterr().err
