"""PDF on the real articles of ../shared/data/pdf: columns, page furniture, markers,
the reference list, and a page with no text layer."""
from __future__ import annotations

import io
import time

import pytest

from audit.errors import BadInputError
from audit.reading.ingest import read_article, read_article_bytes
from bench.evaluation import pdf_links

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


# ---------------------------------------------------------------------------------------
# Layouts and markers of the other journal PDFs (bench/data/reading_truth.json samples them)

PDF = "pdf/"


def _read(data_dir, name: str):
    return read_article(data_dir / PDF / name)


def _claim(art, words: str):
    return next(c for c in art.claims if words in c.text)


def test_a_9pt_gutter_parts_the_columns_and_a_labels_gap_does_not(data_dir):
    # The Lancet's columns are 9pt apart: read as one, the first sentence was interleaved
    # with the column beside it.
    art = _read(data_dir, "lancetrespirmed_2014_stopadvisor_rct_superscript.pdf")
    c = _claim(art, "Tobacco smoking is estimated")
    assert c.text == ("Tobacco smoking is estimated to cause more than 6 million deaths worldwide every year, "
                      "and is a major contributor to health inequalities.")
    assert c.citations == ["1", "2"] and c.location == "page 1, column 1"
    # a gap as wide after a reference's number ("12." then its text) is not a column
    cancer = _read(data_dir, "bmccancer_2016_t2dm_colorectal_adenoma_numbered.pdf")
    assert [r.id for r in cancer.references if r.in_list] == [str(n) for n in range(1, 66)]


def test_a_tables_column_gaps_do_not_cut_the_text_below_it(data_dir):
    art = _read(data_dir, "lancet_2018_inclusion_health_metaanalysis_superscript.pdf")
    c = _claim(art, "Prevalence of major depression")
    assert c.text == ("Prevalence of major depression in inclusion health populations ranged from 3% (one of "
                      "38 individuals) in the month before assessment to a 53% (25 of 47 individuals) lifetime "
                      "prevalence.")
    assert c.citations == ["48", "49"] and c.location == "page 5, column 2"


def test_two_columns_above_a_wide_figure_are_read_as_columns(data_dir):
    art = _read(data_dir, "yonseimedj_2016_sepsis_gdt_metaanalysis_superscript.pdf")
    c = _claim(art, "we evaluated RCT studies")
    assert c.text == "In the subgroup analysis (Table 2), we evaluated RCT studies only."
    assert c.citations == ["1", "4", "5", "13", "14", "15", "16", "17", "18", "21", "22", "29"]
    assert c.location == "page 7, column 1"


def test_a_figure_heavy_pdf_is_read_in_seconds(data_dir):
    # pdfminer's grouping of text boxes took 254 s on this file's forest plots; the reader
    # orders the lines itself, so it is not asked for
    t0 = time.perf_counter()
    _read(data_dir, "yonseimedj_2016_sepsis_gdt_metaanalysis_superscript.pdf")
    assert time.perf_counter() - t0 < 60


def test_a_running_head_with_its_page_number_on_either_side_is_set_aside(data_dir):
    # "6 Rehabilitation Research and Practice" on even pages, "... Practice 5" on odd ones:
    # read as entry 6, it swallowed entries 4 and 5
    art = _read(data_dir, "hindawi_rehabilrespract_2010_heart_failure_numbered.pdf")
    listed = [r for r in art.references if r.in_list]
    assert [r.id for r in listed] == [str(n) for n in range(1, 18)]
    assert listed[3].raw.startswith("W. C. Lee, Y. E. Chavez")
    assert any(s.text == "6 Rehabilitation Research and Practice" for s in art.set_aside)


def test_the_i_squared_of_heterogeneity_is_no_citation(data_dir):
    art = _read(data_dir, "bmccancer_2016_t2dm_colorectal_adenoma_numbered.pdf")
    c = _claim(art, "chi-square test and I-squared")
    assert c.citations == ["23"]


def test_raised_numbers_set_apart_by_a_space_are_one_citation(data_dir):
    # BMJ prints refs 1 and 2 as "active¹ ²": the "2" after "1 " is no exponent
    art = _read(data_dir, "bmjopen_2016_goactive_pilot_superscript.pdf")
    c = _claim(art, "Most adolescents are")
    assert c.citations == ["1", "2", "3", "4", "5", "6"]


def test_a_body_line_after_a_smaller_caption_is_no_heading(data_dir):
    # after page 1's licence footer or a figure legend in 8pt, the first 9.5pt line of a
    # column was taken for a heading and the sentence lost its start
    art = _read(data_dir, "bmc_jneuroengrehabil_2016_fes_hand_numbered.pdf")
    c = _claim(art, "most FES applications use pairs")
    assert c.text == "Due to its simplicity, most FES applications use pairs of electrodes in bi- or monopolar configuration."
    assert c.citations == ["15"] and c.location == "page 2, column 1"
    assert _claim(art, "further computational methods").citations == ["24", "33"]


def test_a_sentence_runs_on_over_a_single_column_page_break(data_dir):
    art = _read(data_dir, "peerjcs_2017_vespa_authoryear.pdf")
    c = _claim(art, "workflow systems such as GALAXY")
    refs = {r.id: r for r in art.references}
    assert [refs[lab].raw[:10] for lab in c.citations] == ["Afgan E, B"]


def test_author_year_forms_of_a_real_article(data_dir):
    art = _read(data_dir, "intpsychogeriatr_2014_stress_dementia_authoryear.pdf")
    refs = {r.id: r for r in art.references}

    def cited(words):
        return [refs[lab].raw[:16] for lab in _claim(art, words).citations]

    # "(Nilsson et al., 1997; 2004)": the second year is a second work of the same authors
    assert cited("Betula prospective cohort study") == ["Nilsson, L-G. et", "Nilsson, L-G., A"]
    # "Norton et al., 2009; 2011" inside a longer parenthesis
    assert "Norton, M. C. et" in cited("Our ﬁndings contradict earlier")
    # "highlighted by Fountoulakis and colleagues (2011)"
    assert cited("highlighted by Fountoulakis") == ["Fountoulakis, K.", "Tsolaki, M. et a"]
    vespa = _read(data_dir, "peerjcs_2017_vespa_authoryear.pdf")
    vrefs = {r.id: r for r in vespa.references}
    # "Blackburne & Whelan, (2013)": a comma before the year
    assert [vrefs[lab].raw[:10] for lab in _claim(vespa, "positively selected as in").citations] == ["Blackburne"]


def test_the_list_ends_before_a_publishers_page(data_dir):
    art = _read(data_dir, "bmjopen_2016_goactive_pilot_superscript.pdf")
    listed = [r for r in art.references if r.in_list]
    assert [r.id for r in listed] == [str(n) for n in range(1, 39)]
    assert listed[-1].raw.endswith("Prev Med 2012;55:548–9.")
    after = [s for s in art.set_aside if s.reason.startswith("after the reference list")]
    assert any(s.text.startswith("Updated information and services") and s.location == "page 15" for s in after)


def test_entries_opening_with_a_name_particle(data_dir):
    art = _read(data_dir, "lancet_2018_inclusion_health_metaanalysis_superscript.pdf")
    listed = {r.id: r for r in art.references if r.in_list}
    assert len(listed) == 62
    assert listed["37"].raw.startswith("van Santen DK") and listed["43"].raw.startswith("del Amo J")
    assert not listed["36"].raw.count("van Santen") and not listed["42"].raw.count("del Amo")


def test_every_hand_read_sample_is_linked_right(data_dir):
    """bench/data/reading_truth.json: citations read from each PDF by hand (page, quote,
    references); the claim holding each quote must link exactly them, in 95% of each file's."""
    for name, truth in pdf_links.load_truth().items():
        out = pdf_links.compare(read_article(data_dir / PDF / name), truth)
        wrong = [(o.page, o.marker, o.verdict) for o in out if o.verdict != "right"]
        assert len(out) >= 8 and len(wrong) <= 0.05 * len(out), (name, wrong)
