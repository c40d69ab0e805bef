"""JATS citations against ground truth taken from the files by lxml alone (bench.evaluation.jats_links)."""
from __future__ import annotations

from bench.evaluation.jats_links import compare, main
from audit.reading.ingest import read_articles


def _all_rows(data_dir):
    files = sorted(p for p in (data_dir / "jats").rglob("*") if p.suffix in (".xml", ".nxml"))
    return [r for f in files for r in compare(f)]


def test_every_reference_and_citation_of_every_article_is_read(data_dir):
    rows = _all_rows(data_dir)
    assert len(rows) == 18                      # 9 + 1 + 1 single-article files, 5 + 2 in the article sets
    assert sum(r["refs"] for r in rows) == 823
    assert sum(r["refs_found"] for r in rows) == sum(r["refs"] for r in rows)
    links = sum(r["links"] for r in rows)
    assert links > 1200
    assert sum(r["links_found"] for r in rows) >= 0.99 * links
    claimed = sum(r["claimed"] for r in rows)
    assert sum(r["claimed_right"] for r in rows) >= 0.99 * claimed
    # references cited only in tables and figure captions are cited, not "uncited_reference"
    assert sum(r["spurious_uncited"] for r in rows) == 0


def test_the_command_ends_with_its_figures(data_dir, capsys):
    main([str(data_dir / "jats")])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    fields = dict(kv.split("=") for kv in last.split())
    assert fields["articles"] == "18" and fields["reference_recall"] == "1.0000"
    assert float(fields["link_recall"]) >= 0.99 and float(fields["link_precision"]) >= 0.99


def _article(data_dir, pmc):
    return next(a for a in read_articles(data_dir / "jats/ncbiutils/pmc.xml") if a.id.endswith(pmc))


def test_a_range_inside_one_xref_is_expanded(data_dir):
    art = _article(data_dir, "PMC8809986")      # <xref rid="cit0044">44–46</xref>
    cited = [c for c in art.claims if "45" in c.citations]
    assert cited and all({"44", "45", "46"} <= set(c.citations) for c in cited if "44" in c.citations)
    assert any({"44", "45", "46"} <= set(c.citations) for c in art.claims)


def test_bracketed_initials_are_not_claims(data_dir):
    art = _article(data_dir, "PMC8809986")      # "...of D. melanogaster [A. A. 34, A. A. 35, 36]."
    assert not [c.text for c in art.claims if c.citations and len(c.text.split()) <= 3
                and not any(len(w.strip(".,;[]()")) >= 4 for w in c.text.split())]
    mel = [c for c in art.claims if "initial embryos of" in c.text]
    assert len(mel) == 1 and {"34", "35", "36"} <= set(mel[0].citations)


def test_a_table_cell_citation_cites_its_row(data_dir):
    art = _article(data_dir, "PMC7953258")      # <td>HNRNPK</td> ... <td><xref rid="bib53">Moumen et al., 2013</xref></td>
    row = [c for c in art.claims if c.text.startswith("HNRNPK")]
    assert row and row[0].citations == ["bib53"]
