"""PubMed records: efetch answers, baseline/update files, MEDLINE text.

Records are read with ElementTree rather than ``Bio.Entrez.parse``: Biopython
validates against the DTD named in the DOCTYPE and downloads any DTD it does
not ship (pubmed_160101, nlmmedlinecitationset_160101, ...), which must never
happen in an offline audit.  MEDLINE text (``rettype=medline``) goes through
``Bio.Medline``.  Baseline files are streamed element by element so a 30,000
record file does not sit in memory as one tree.
"""
from __future__ import annotations

import io
import logging
import re
import zlib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from audit.errors import BadInputError
from audit.notices import pubmed_notices
from audit.models import MeshHeading, Record

log = logging.getLogger("audit.pubmed.records")

RECORD_TAGS = ("PubmedArticle", "MedlineCitation", "PubmedBookArticle")
# Default ceiling on inflated data (entrez.max_inflated_mb in config.yaml sets the real one):
# a 2 MB gzip can inflate to 2 GiB, and memory is the whole machine's.
MAX_INFLATED = 512 * 1024 * 1024
XML_SUFFIXES = (".xml", ".xml.gz", ".gz", ".nxml")
MEDLINE_SUFFIXES = (".txt", ".medline", ".nbib")


def gunzip_bounded(data: bytes, limit: int, source: str) -> bytes:
    """Inflate gzip data (every member), refusing to go beyond ``limit`` bytes."""
    out: list[bytes] = []
    size = 0
    rest = data
    try:
        while rest:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            buf = rest
            while True:
                chunk = d.decompress(buf, limit - size + 1)
                size += len(chunk)
                if size > limit:
                    raise BadInputError(source, f"gzip data inflates beyond {limit // (1024 * 1024)} MB "
                                                "(entrez.max_inflated_mb)")
                out.append(chunk)
                if d.eof:
                    break
                buf = d.unconsumed_tail
                if not buf and not chunk:
                    raise BadInputError(source, "corrupt gzip data: cut short")
            rest = d.unused_data.lstrip(b"\x00")       # concatenated members (bgzip), padding
    except zlib.error as exc:
        raise BadInputError(source, f"corrupt gzip data: {exc}")
    return b"".join(out)


def _maybe_gunzip(data: bytes, source: str, limit: int = MAX_INFLATED) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gunzip_bounded(data, limit, source)
    if len(data) > limit:
        raise BadInputError(source, f"larger than {limit // (1024 * 1024)} MB (entrez.max_inflated_mb)")
    return data


def _text(el: ET.Element | None) -> str:
    """All text inside an element, inline markup (<i>, <sup>, MathML) flattened."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _year(article: ET.Element | None, citation: ET.Element) -> int | None:
    candidates = []
    if article is not None:
        candidates += [
            article.find("Journal/JournalIssue/PubDate/Year"),
            article.find("Journal/JournalIssue/PubDate/MedlineDate"),
            article.find("ArticleDate/Year"),
        ]
    candidates += [citation.find("DateCompleted/Year"), citation.find("DateCreated/Year")]
    for el in candidates:
        m = re.search(r"(1[89]\d\d|20\d\d)", _text(el))
        if m:
            return int(m.group(1))
    return None


def record_from_element(el: ET.Element) -> Record | None:
    if el.tag == "PubmedArticle":
        citation = el.find("MedlineCitation")
        pubmed_data = el.find("PubmedData")
    elif el.tag == "MedlineCitation":
        citation, pubmed_data = el, None
    else:  # PubmedBookArticle: books have a different shape; keep the basics.
        citation = el.find("BookDocument")
        pubmed_data = el.find("PubmedBookData")
    if citation is None:
        return None
    pmid = _text(citation.find("PMID"))
    if not pmid.isdigit():
        return None
    article = citation.find("Article")
    if article is None and el.tag == "PubmedBookArticle":
        article = citation
    title = _text(article.find("ArticleTitle")) if article is not None else ""
    if not title and article is not None:
        title = _text(article.find("VernacularTitle")) or _text(article.find("Book/BookTitle"))
    abstract_parts = []
    if article is not None:
        for part in article.findall("Abstract/AbstractText"):
            label = part.get("Label")
            txt = _text(part)
            abstract_parts.append(f"{label}: {txt}" if label and txt else txt)
    if not abstract_parts:
        abstract_parts = [_text(p) for p in citation.findall("OtherAbstract/AbstractText")]
    journal = _text(article.find("Journal/Title")) if article is not None else ""
    iso = _text(article.find("Journal/ISOAbbreviation")) if article is not None else ""
    if not iso:
        iso = _text(citation.find("MedlineJournalInfo/MedlineTA"))

    mesh = []
    for mh in citation.findall("MeshHeadingList/MeshHeading"):
        d = mh.find("DescriptorName")
        if d is None:
            continue
        quals = mh.findall("QualifierName")
        major = d.get("MajorTopicYN") == "Y" or any(q.get("MajorTopicYN") == "Y" for q in quals)
        mesh.append(MeshHeading(descriptor=_text(d), major=major, ui=d.get("UI", ""),
                                qualifiers=[_text(q) for q in quals]))
    pub_types = [_text(p) for p in (article.findall("PublicationTypeList/PublicationType")
                                    if article is not None else [])]
    keywords = [_text(k) for k in citation.findall("KeywordList/Keyword")]
    chemicals = [_text(c) for c in citation.findall("ChemicalList/Chemical/NameOfSubstance")]
    languages = [_text(x) for x in (article.findall("Language") if article is not None else [])]

    doi = pmcid = None
    for aid in (pubmed_data.findall("ArticleIdList/ArticleId") if pubmed_data is not None else []):
        kind = aid.get("IdType")
        if kind == "doi" and not doi:
            doi = _text(aid)
        elif kind == "pmc" and not pmcid:
            pmcid = _text(aid)
    if not doi and article is not None:
        for loc in article.findall("ELocationID"):
            if loc.get("EIdType") == "doi":
                doi = _text(loc)
                break

    retraction_notices, concern = [], False
    is_notice = "Retraction of Publication" in pub_types
    for cc in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        ref_type = cc.get("RefType")
        if ref_type == "RetractionIn":
            retraction_notices.append(_text(cc.find("PMID")))
        elif ref_type == "ExpressionOfConcernIn":
            concern = True
        elif ref_type == "RetractionOf":
            is_notice = True
    first_author = ""
    if article is not None:
        a = article.find("AuthorList/Author")
        if a is not None:
            first_author = _text(a.find("LastName")) or _text(a.find("CollectiveName"))

    return Record(
        pmid=pmid, title=title, abstract=" ".join(p for p in abstract_parts if p),
        journal=journal, journal_iso=iso, year=_year(article, citation), doi=doi, pmcid=pmcid,
        mesh=mesh, publication_types=pub_types, keywords=keywords, chemicals=chemicals,
        languages=languages,
        retracted="Retracted Publication" in pub_types or bool(retraction_notices),
        retraction_notices=[p for p in retraction_notices if p],
        is_retraction_notice=is_notice, expression_of_concern=concern,
        first_author=first_author,
        authors=[_text(a.find("LastName")) or _text(a.find("CollectiveName"))
                 for a in (article.findall("AuthorList/Author") if article is not None else [])],
        notices=pubmed_notices(citation, pub_types),
    )


# Below this size a records document is parsed as one tree (expat in C, no Python event loop:
# about a third faster than iterparse); above it, streamed so a baseline file's memory stays flat.
TREE_MAX = 32 * 1024 * 1024


def _outermost_records(root: ET.Element) -> Iterator[ET.Element]:
    """The outermost PubmedArticle/MedlineCitation/PubmedBookArticle elements under ``root``, in order."""
    stack = [root]
    while stack:
        el = stack.pop()
        if el.tag in RECORD_TAGS:
            yield el
        else:
            stack.extend(reversed(el))


# Fed to the parser this much at a time: one ET.fromstring of a 2 MB efetch answer holds the GIL for
# 70-150 ms, and meanwhile no other thread of the process can send its request at its pacing slot.
FEED_CHUNK = 64 * 1024


def _tree(data: bytes) -> ET.Element:
    """The document's root, parsed in chunks so other threads run between them (same tree as fromstring)."""
    parser = ET.XMLParser()
    for i in range(0, len(data), FEED_CHUNK):
        parser.feed(data[i:i + FEED_CHUNK])
    return parser.close()


def _iter_elements(data: bytes, source: str) -> Iterator[ET.Element]:
    """Yield each top-level record element: one tree for an answer-sized document, else streamed."""
    try:
        if len(data) <= TREE_MAX:
            yield from _outermost_records(_tree(data))
            return
        yield from stream_elements(io.BytesIO(data))
    except ET.ParseError as exc:
        raise malformed_xml(exc, source)
    except LookupError as exc:          # the XML declaration names an encoding Python lacks
        raise BadInputError(source, f"malformed XML: {exc}", 1)


def malformed_xml(exc: ET.ParseError, source: str) -> BadInputError:
    line = exc.position[0] if getattr(exc, "position", None) else None
    return BadInputError(source, f"malformed XML: {exc}", line)


def stream_elements(fh: BinaryIO, tags: tuple[str, ...] = RECORD_TAGS,
                     roots: tuple[str, ...] = ()) -> Iterator[ET.Element]:
    """Each outermost element named in ``tags``, read from ``fh`` as it is parsed.

    Each is cleared once the caller has it, and dropped from the root, so memory
    stays flat however many records the file holds.  ``roots``: the document
    element must be one of these (a ValueError naming it otherwise).
    """
    inside = 0                      # elements of ``tags`` open around the parser's position
    root: ET.Element | None = None
    for event, el in ET.iterparse(fh, events=("start", "end")):
        if event == "start":
            if root is None:
                root = el
                if roots and el.tag not in roots:
                    raise ValueError(f"root element <{el.tag}>, not {' or '.join(f'<{r}>' for r in roots)}")
            if el.tag in tags:
                inside += 1
            continue
        if el.tag in tags:
            inside -= 1
            if inside == 0:
                yield el
                el.clear()
                if root is not el:
                    root.clear()    # the finished records' husks, else a list as long as the file


# One record's bytes as the document holds them.  Exact on UTF-8 XML with no comment, CDATA
# section or processing instruction past the declaration: "<" then starts a tag and nothing
# else, and records do not nest in themselves.
_RECORD_OPEN = re.compile(rb"<(PubmedArticle|PubmedBookArticle|MedlineCitation)[\s>]")
_PMID_OF_SPAN = re.compile(rb"<PMID\b[^>]*>\s*(\d+)\s*</PMID>")


def _record_spans(data: bytes) -> list[bytes] | None:
    """Each outermost record's own bytes, or None where slicing could misread the document."""
    decl_end = data.find(b"?>") if data.lstrip().startswith(b"<?xml") else -1
    body = data[decl_end + 2:] if decl_end >= 0 else data
    head = data[:200].lower()
    if b"<!--" in body or b"<![CDATA[" in body or b"<?" in body:
        return None
    if b"encoding" in head and not re.search(rb"encoding\s*=\s*[\"']utf-?8[\"']", head):
        return None
    out, pos = [], 0
    while (m := _RECORD_OPEN.search(body, pos)) is not None:
        # The first closing tag of the name closes it ("</PubmedArticleSet" comes only after).
        end = body.find(b"</" + m.group(1), m.end())
        close = body.find(b">", end) if end >= 0 else -1
        if close < 0:
            return None
        out.append(body[m.start():close + 1])
        pos = close + 1
    return out


def _element_pmid(el: ET.Element) -> str:
    path = {"PubmedArticle": "MedlineCitation/PMID", "PubmedBookArticle": "BookDocument/PMID"}.get(el.tag, "PMID")
    return _text(el.find(path))


def _one_article_xml(el: ET.Element, span: bytes | None) -> bytes:
    """One record as an efetch answer holds it (a bare MedlineCitation wrapped in PubmedArticle)."""
    xml = span if span is not None else ET.tostring(el, encoding="utf-8")
    if el.tag == "MedlineCitation":
        xml = b"<PubmedArticle>" + xml + b"</PubmedArticle>"
    return xml


def _articles(data: bytes, source: str) -> Iterator[tuple[ET.Element, str, bytes]]:
    """(element, PMID, one-article XML) of every record with a numeric PMID, in one pass.

    The XML is the record's own bytes where the document can be sliced exactly
    (checked: as many spans as records, each holding its record's PMID), else
    the element serialised again.
    """
    spans = _record_spans(data)
    for i, el in enumerate(_iter_elements(data, source)):
        pmid = _element_pmid(el)
        span = None
        if spans is not None and i < len(spans):
            m = _PMID_OF_SPAN.search(spans[i])
            span = spans[i] if m and m.group(1).decode() == pmid else None
        if span is None:
            spans = None            # misaligned once: serialise every later record
        if pmid.isdigit():
            yield el, pmid, _one_article_xml(el, span)


def check_root(data: bytes, source: str) -> None:
    head = data[:4096].lstrip()
    if not head:
        raise BadInputError(source, "empty file")
    if b"\x00" in data[:4096]:
        raise BadInputError(source, "binary data, not PubMed XML")
    if not head.startswith(b"<"):
        raise BadInputError(source, "not XML (expected PubmedArticleSet or MedlineCitationSet)", 1)


def parse_records(data: bytes, source: str = "<bytes>", limit: int = MAX_INFLATED) -> list[Record]:
    """Every record in an efetch answer or a baseline/update file."""
    data = _maybe_gunzip(data, source, limit)
    check_root(data, source)
    out = []
    for el in _iter_elements(data, source):
        rec = record_from_element(el)
        if rec is not None:
            out.append(rec)
    return out


def parse_articles(data: bytes, source: str = "<bytes>", limit: int = MAX_INFLATED) -> list[tuple[Record, bytes]]:
    """(record, one-article XML) for every record, from one parse of the data (an efetch answer is read once)."""
    data = _maybe_gunzip(data, source, limit)
    check_root(data, source)
    out = []
    for el, _, xml in _articles(data, source):
        rec = record_from_element(el)
        if rec is not None:
            out.append((rec, xml))
    return out


def split_articles(data: bytes, source: str = "<bytes>", limit: int = MAX_INFLATED) -> list[tuple[str, bytes]]:
    """(pmid, one-article XML) pairs; a bare MedlineCitation is wrapped as efetch answers it."""
    data = _maybe_gunzip(data, source, limit)
    check_root(data, source)
    return [(pmid, xml) for _, pmid, xml in _articles(data, source)]


def wrap_article_set(parts: Iterable[bytes]) -> bytes:
    """An efetch answer holding the given one-article XML fragments."""
    return (b'<?xml version="1.0" encoding="utf-8"?>\n'
            b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
            b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
            b"<PubmedArticleSet>\n" + b"\n".join(parts) + b"\n</PubmedArticleSet>\n")


def parse_medline_text(data: bytes, source: str = "<bytes>", limit: int = MAX_INFLATED) -> list[Record]:
    """MEDLINE text format (efetch rettype=medline) through Bio.Medline."""
    from Bio import Medline

    text = _maybe_gunzip(data, source, limit).decode("utf-8", errors="replace")
    out = []
    try:
        for rec in Medline.parse(io.StringIO(text)):
            pmid = str(rec.get("PMID", "")).strip()
            if not pmid.isdigit():
                continue
            pts = rec.get("PT", [])
            mesh = []
            for mh in rec.get("MH", []):
                name = mh.split("/")[0]
                major = "*" in mh
                mesh.append(MeshHeading(descriptor=name.lstrip("*"), major=major,
                                        qualifiers=[q.lstrip("*") for q in mh.split("/")[1:]]))
            m = re.search(r"(1[89]\d\d|20\d\d)", rec.get("DP", ""))
            doi = next((x.split(" ")[0] for x in rec.get("AID", []) if x.endswith("[doi]")), None)
            out.append(Record(
                pmid=pmid, title=rec.get("TI", ""), abstract=rec.get("AB", ""),
                journal=rec.get("JT", ""), journal_iso=rec.get("TA", ""),
                year=int(m.group(1)) if m else None, doi=doi, pmcid=rec.get("PMC"),
                mesh=mesh, publication_types=pts,
                retracted="Retracted Publication" in pts,
                is_retraction_notice="Retraction of Publication" in pts,
                first_author=(rec.get("AU") or [""])[0].split(" ")[0],
            ))
    except Exception as exc:  # Bio.Medline raises plain ValueError/KeyError on junk
        raise BadInputError(source, f"not MEDLINE text: {exc}")
    return out


def _looks_like_medline(data: bytes) -> bool:
    return bool(re.match(rb"\s*PMID- ", data[:200]))


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        elif p.is_file():
            out.append(p)
        else:
            raise BadInputError(str(p), "no such file or folder")
    return out


def _read_source(path: Path, limit: int) -> bytes | None:
    """Bytes of a records file, or None for files that are not records (READMEs...)."""
    name = path.name.lower()
    if not (name.endswith(XML_SUFFIXES) or name.endswith(MEDLINE_SUFFIXES)):
        return None
    if path.stat().st_size > limit:      # not read at all: the size alone is over the ceiling
        raise BadInputError(str(path), f"larger than {limit // (1024 * 1024)} MB (entrez.max_inflated_mb)")
    return _maybe_gunzip(path.read_bytes(), str(path), limit)


def _records_of(f: Path, strict: bool, limit: int) -> list[Record]:
    data = _read_source(f, limit)
    if data is None:
        return []
    if _looks_like_medline(data):
        return parse_medline_text(data, str(f), limit)
    if data.lstrip()[:1] == b"<":
        if not re.search(rb"<(PubmedArticleSet|MedlineCitationSet|PubmedArticle|MedlineCitation)\b",
                         data[:20000]):
            if strict:
                raise BadInputError(str(f), "XML but not PubMed records")
            return []
        return parse_records(data, str(f), limit)
    if strict:
        raise BadInputError(str(f), "neither PubMed XML nor MEDLINE text", 1)
    return []


def load_records(paths: Iterable[str | Path], strict: bool = False, limit: int = MAX_INFLATED,
                 skipped: list[str] | None = None) -> dict[str, Record]:
    """pmid -> Record from files and folders of PubMed XML (plain or gzipped) or MEDLINE text.

    Later files win for a PMID given twice (an update file revises a baseline).
    Files that hold no PubMed records (other XML) are skipped unless ``strict``.
    A broken file (malformed XML, corrupt or oversized gzip, unreadable) is skipped
    unless ``strict``, with a warning naming it (and appended to ``skipped``): one
    bad download must not cost the run every other file's records.
    """
    out: dict[str, Record] = {}
    for f in _files(paths):
        try:
            recs = _records_of(f, strict, limit)
        except BadInputError as exc:
            if strict:
                raise
            _skip(str(exc), skipped)
            continue
        except OSError as exc:
            if strict:
                raise BadInputError(str(f), f"cannot read: {exc.strerror or exc}")
            _skip(f"{f}: cannot read: {exc.strerror or exc}", skipped)
            continue
        for r in recs:
            out[r.pmid] = r
    return out


def _skip(message: str, skipped: list[str] | None) -> None:
    log.warning("records file skipped: %s", message)
    if skipped is not None:
        skipped.append(message)


def load_raw_records(paths: Iterable[str | Path], limit: int = MAX_INFLATED) -> dict[str, bytes]:
    """pmid -> one-article efetch XML, for serving and caching."""
    out: dict[str, bytes] = {}
    for f in _files(paths):
        data = _read_source(f, limit)
        if data is None or data.lstrip()[:1] != b"<":
            continue
        if not re.search(rb"<(PubmedArticleSet|MedlineCitationSet|PubmedArticle|MedlineCitation)\b",
                         data[:20000]):
            continue
        for pmid, xml in split_articles(data, str(f), limit):
            out[pmid] = xml
    return out
