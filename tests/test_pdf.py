"""PDF on the real articles of ../shared/data/pdf: columns, page furniture, markers,
the reference list, and a page with no text layer."""
from __future__ import annotations

import io

import pytest

from audit.errors import BadInputError
from audit.reading.ingest import read_article, read_article_bytes

DVT = "pdf/bmc_jtraumamanagout_2010_dvt_prophylaxis_numbered.pdf"


@pytest.fixture(scope="module")
def dvt(data_dir):
    return read_article(data_dir / DVT)


def test_two_columns_are_read_one_after_the_other(dvt):
    claims = {c.text: c for c in dvt.claims}
    # the first page's left column, then its right one: sentences whole, with their markers
    left = claims["Without thromboprophylaxis, overall DVT rates exceed 50%."]
    assert left.citations == ["1", "2", "3"] and left.location == "page 1, column 1"
    pe = next(c for c in dvt.claims if c.text.startswith("PE is estimated to be the third leading cause"))
    assert pe.citations == ["2", "4", "5", "6"] and pe.location == "page 1, column 1"
    right = next(c for c in dvt.claims if c.text.startswith("This systematic review describes the potential"))
    assert right.location == "page 1, column 2"
    assert right.text.endswith("mechanical compression devices, and IVC filters.")
    # a right-column line read into a left-column sentence would leave these joined
    for c in dvt.claims:
        assert "Introduction weight heparins" not in c.text
        assert "risk factor compression devices" not in c.text


def test_abstract_across_the_page_is_not_cut_at_the_gutter(dvt):
    texts = [c.text for c in dvt.claims]
    assert "While the use of these techniques can be life saving, they must be appro- priately utilized." in texts or \
        "While the use of these techniques can be life saving, they must be appropriately utilized." in texts


def test_running_heads_and_page_numbers_are_set_aside(dvt):
    heads = [s for s in dvt.set_aside if s.text.startswith("Datta et al. Journal of Trauma Management")]
    assert len(heads) == 4 and all(s.location.startswith("page ") for s in heads)
    assert any(s.text == "Page 9 of 11" for s in dvt.set_aside)
    assert not any("traumamanagement.org/content" in c.text for c in dvt.claims)


def test_reference_list_split_into_entries(dvt):
    listed = [r for r in dvt.references if r.in_list]
    assert [r.id for r in listed] == [str(n) for n in range(1, 80)]
    assert listed[10].raw.startswith("Weitz JI: Low-molecular-weight heparins. N Engl J Med 1997")
    assert all(r.in_list for r in dvt.references)     # every marker has its entry


def test_superscript_markers(data_dir):
    art = read_article(data_dir / "pdf/lancetrespirmed_2014_stopadvisor_rct_superscript.pdf")
    cited = [c for c in art.claims if c.citations]
    assert len(cited) >= 30
    listed = {r.id for r in art.references if r.in_list}
    labels = [lab for c in cited for lab in c.citations]
    assert sum(lab in listed for lab in labels) >= 0.9 * len(labels)


def _with_blank_scan(pdf: bytes) -> tuple[bytes, bytes]:
    """(the PDF with a page added that is only an image, as a scanner makes it; that page alone)."""
    from PIL import Image, ImageDraw
    from pypdf import PdfReader, PdfWriter

    img = Image.new("RGB", (850, 1100), "white")
    ImageDraw.Draw(img).text((80, 80), "Scanned page: these words are pixels, not text.", fill="black")
    scan = io.BytesIO()
    img.save(scan, "PDF", resolution=100)
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer.add_page(page)
    writer.add_page(PdfReader(io.BytesIO(scan.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), scan.getvalue()


def test_a_scanned_page_is_reported_not_silently_empty(data_dir):
    data, scan_only = _with_blank_scan((data_dir / DVT).read_bytes())
    art = read_article_bytes(data, "with-scan.pdf")
    scans = [s for s in art.set_aside if s.reason == "page with no text"]
    assert len(scans) == 1 and scans[0].location == "page 5" and "no OCR" in scans[0].text
    assert any(c.citations for c in art.claims)           # the other pages are read as before
    with pytest.raises(BadInputError, match="no page of this PDF has a text layer"):
        read_article_bytes(scan_only, "scan.pdf")


def test_broken_pdfs_are_one_clear_error(data_dir):
    data = (data_dir / DVT).read_bytes()
    for bad in (b"%PDF-1.4\n" + b"\x00garbage" * 50, data[:2000]):
        with pytest.raises(BadInputError) as exc:
            read_article_bytes(bad, "broken.pdf")
        assert exc.value.path == "broken.pdf" and "PDF" in str(exc.value)


def test_a_folder_of_mixed_formats_audits_each_in_its_own(data_dir, root_dir, tmp_path):
    import json
    import shutil

    from audit.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(data_dir / DVT, folder / "dvt.pdf")
    shutil.copy(data_dir / "docx/docxtojats_word_zotero_22cites_biomed_numeric.docx", folder / "zotero.docx")
    shutil.copy(data_dir / "jats/ncbiutils/pmc_no_iso_doi.xml", folder / "pmc.xml")
    md = next((root_dir / "examples/articles").glob("*.md"))
    shutil.copy(md, folder / "note.md")
    out = tmp_path / "out"
    assert main(["audit", str(folder), "--out", str(out), "--offline-records", str(root_dir / "examples/records")]) in (0, 3)
    formats = {}
    for rep in (out / "articles").glob("*/report.json"):
        r = json.loads(rep.read_text())
        formats[r["article"]["path"].rsplit("/", 1)[-1]] = r["article"]["format"]
        if r["article"]["format"] in ("pdf", "docx"):
            assert r["claims"] and all(c["location"] for c in r["claims"])
    assert formats == {"dvt.pdf": "pdf", "zotero.docx": "docx", "pmc.xml": "jats", "note.md": "markdown"}
