"""PDF -> Article: text lines in reading order, page furniture set aside, markers, references.

pdfminer.six (MIT, pure Python) gives every character with its box and font size;
``pdf_layout`` makes them text lines in reading order (columns found per page), with
the page furniture (running heads, footers, page numbers) found and superscript numbers
read as citation markers.  Here the lines become paragraphs and the reference list:
the text after the last "References" heading, split into entries at their numbers or,
for author-year lists, at their hanging indent.

Each text line gets an ordinal ``line``; ``locations`` names its page and column,
and becomes ``Claim.location``.  A page with no text (a scan) is reported, per page,
as set aside: there is no OCR.
"""
from __future__ import annotations

import io
import logging
import re
from collections import Counter
from pathlib import Path

from audit.errors import BadInputError
from audit.models import Article, SetAside
from audit.reading import assemble
from audit.reading.blocks import Block, BlockBuilder
from audit.reading.formats.base import Reader
from audit.reading.formats.pdf_layout import Line, furniture, join_labels, page_lines, reading_order
from audit.reading.references import looks_like_authors, reference_from_entry, split_entry_label
from audit.reading.source import Source

_REF_HEAD = re.compile(r"(?i)^\s*(?:\d{1,2}\.?\s*)?(references?|bibliography|literature cited|works cited|"
                       r"reference list)\s*:?\s*$")
_MAX_PAGES = 400


class PdfReader(Reader):
    name = "pdf"
    suffixes = (".pdf",)
    what = "PDF with a text layer"

    def owns(self, data: bytes, path: str) -> bool:
        # the bytes decide; a file named .pdf may carry a few bytes before its header
        return data.startswith(b"%PDF-") or (Path(path).suffix.lower() == ".pdf" and b"%PDF-" in data[:1024])

    def refuse(self, data: bytes, path: str) -> str:
        return "not a PDF file (it does not start with %PDF-)"

    def read(self, src: Source) -> list[Article]:
        return read_pdf(src)


def read_pdf(src: Source) -> list[Article]:
    # pdfminer imported when a PDF is read: a run over text files never pays for it
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfparser import PDFSyntaxError

    path = src.path

    for name in ("pdfminer", "pdfminer.pdffont", "pdfminer.pdfinterp", "pdfminer.pdfpage"):
        logging.getLogger(name).setLevel(logging.ERROR)
    pages: list[list[Line]] = []
    heights: list[float] = []
    aside: list[SetAside] = []
    locations: dict[int, str] = {}
    scanned: list[int] = []
    # boxes_flow=None: pdfminer's grouping of text boxes is not asked for (pdf_layout orders
    # the lines itself); on a figure-heavy PDF it took minutes (the Yonsei PDF: 254 s, now 1.4 s)
    laparams = LAParams(line_margin=0.3, char_margin=1.0, boxes_flow=None)
    try:
        for pno, page in enumerate(extract_pages(io.BytesIO(src.data), laparams=laparams), start=1):
            if pno > _MAX_PAGES:
                raise BadInputError(path, f"more than {_MAX_PAGES} pages")
            lines = join_labels(page_lines(page, pno))
            pages.append(reading_order(lines))
            heights.append(page.height)
            if not lines:
                scanned.append(pno)
    except BadInputError:
        raise
    except PDFSyntaxError as exc:
        raise BadInputError(path, f"PDF file could not be read: {exc}")
    except RecursionError:
        raise BadInputError(path, "PDF objects nested too deeply to read")
    except Exception as exc:      # pdfminer raises many types on broken files
        raise BadInputError(path, f"PDF file could not be read ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})")
    if not pages:
        raise BadInputError(path, "PDF file with no pages")
    margins = furniture(pages, heights)
    ordered: list[Line] = []
    n = 0
    for pno, lines in enumerate(pages, start=1):
        if pno in scanned:
            n += 1
            locations[n] = f"page {pno}"
            aside.append(SetAside(f"page {pno}: no text layer (a scanned image?); not read, no OCR", n,
                                  "page with no text"))
        for ln in lines:
            n += 1
            ln.ordinal = n
            locations[n] = f"page {pno}" + (f", column {ln.column}" if ln.column else "")
            if id(ln) in margins:
                aside.append(SetAside(ln.text.strip(), n, "page furniture (running head, footer or page number)"))
            else:
                ordered.append(ln)
    if len(scanned) == len(pages):
        raise BadInputError(path, f"no page of this PDF has a text layer ({len(pages)} page(s), scanned images?): "
                                  "nothing to read without OCR")
    body, refs = _split_references(ordered)
    refs, after = _list_end(refs)
    aside += [SetAside(ln.text.strip(), ln.ordinal, "after the reference list, in another type (a publisher's page)")
              for ln in after if ln.text.strip()]
    blocks = _paragraphs(body)
    entries = _entries(refs)
    title = _title(ordered)
    art = assemble.article(src, "pdf", title, blocks, entries, chrome=False, aside=aside)
    for c in art.claims:
        c.location = locations.get(c.line, "")
    for s in art.set_aside:
        s.location = locations.get(s.line, "")
    for r in art.references:
        r.location = locations.get(r.line, "") if r.line else ""
    return [art]


def _title(lines: list[Line]) -> str:
    """The largest text on the first page."""
    first = [ln for ln in lines if ln.page == 1 and len(ln.text.split()) >= 2]
    if not first:
        return ""
    big = max(ln.size for ln in first)
    return " ".join(ln.text.strip() for ln in first if ln.size >= big - 0.1)[:300]


_REF_WORD = re.compile(r"^(?:References|REFERENCES|Bibliography|BIBLIOGRAPHY)\b|\b(?:References|REFERENCES)$")


def _split_references(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Body and reference-list lines.  The list starts at a "References" heading: a line of
    its own, or (where a row of two columns was read as one) a line that starts or ends
    with the word.  Of several, the one followed by the most numbered entries wins (a
    publisher's page "References This article cites 35 articles" is not the list)."""
    heads = [i for i, ln in enumerate(lines) if _REF_HEAD.match(ln.text) or _REF_WORD.search(ln.text.strip())]
    if not heads:
        return lines, []

    def entries_after(i: int) -> int:
        nxt = next((h for h in heads if h > i), len(lines))
        return sum(1 for ln in lines[i + 1:nxt] if _entry_label(ln.text.strip())[0] is not None)

    exact = [i for i in heads if _REF_HEAD.match(lines[i].text)]
    i = max(heads, key=lambda h: (entries_after(h), h in exact, h))
    if _REF_HEAD.match(lines[i].text):
        return lines[:i], lines[i + 1:]
    return lines[:i], lines[i:]


_BARE_LABEL = re.compile(r"^\s*(\d{1,3})\s+(\S+)(?:\s+(\S))?")
_NAME_PARTICLES = {"van", "von", "de", "del", "della", "der", "den", "di", "da", "du", "dos", "das", "le", "la",
                   "ten", "ter", "el", "al"}


def _entry_label(text: str) -> tuple[str | None, str]:
    """An entry's number and its text, as ``split_entry_label`` reads them, and also where a
    bare number opens an entry whose first author starts with a particle or a capital
    outside A-Z ("37 van Santen DK", "23 Çalişkan E"), which that one does not take."""
    label, rest = split_entry_label(text)
    if label is None:
        m = _BARE_LABEL.match(text)
        word = m.group(2) if m else ""
        if m and (word[0].isupper() or (word in _NAME_PARTICLES and (m.group(3) or "").isupper())):
            return str(int(m.group(1))), text[m.end(1):].strip()
    return label, rest


def _list_end(refs: list[Line]) -> tuple[list[Line], list[Line]]:
    """The reference list, and what follows it in the file: the list ends at a page whose
    text is, from its first line on, mostly not in the list's type size (the publisher's
    page a journal PDF may end with: "Updated information and services ... This article
    cites 35 articles")."""
    sizes = Counter()
    for ln in refs:
        sizes[round(ln.size * 2) / 2] += len(ln.text)
    if not sizes:
        return refs, []
    size = sizes.most_common(1)[0][0]
    for k in range(1, len(refs)):
        if refs[k].page == refs[k - 1].page or abs(refs[k].size - size) <= 1.0:
            continue
        rest = refs[k:]
        same = sum(len(ln.text) for ln in rest if abs(ln.size - size) <= 0.5)
        if same < 0.5 * sum(len(ln.text) for ln in rest):
            return refs[:k], rest
    return refs, []


def _paragraphs(lines: list[Line]) -> list[Block]:
    """Lines -> paragraphs: a new one at a column or page change with a gap, a larger gap,
    a first-line indent, a change of font size, or a short heading line."""
    blocks: list[Block] = []
    cur: BlockBuilder | None = None
    prev: Line | None = None
    kind = "para"

    def flush():
        nonlocal cur
        if cur is not None:
            _affiliations(cur)
            b = cur.build(kind)
            if b is not None:
                blocks.append(b)
        cur = None

    # the body text's size: a line of it after a smaller caption or footer is no heading
    sizes = Counter()
    for ln in lines:
        sizes[round(ln.size, 1)] += len(ln.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        text = ln.text.strip()
        larger = ln.size > body + 0.4
        heading = (ln.bold or (larger and prev is not None and ln.size > prev.size + 1.5) or
                   (larger and nxt is not None and ln.size > nxt.size + 0.4 and len(text.split()) <= 8)) and \
            len(text.split()) <= 12 and not re.search(r"[.;,]$", text)
        new = prev is None or heading or (prev is not None and (
            abs(ln.size - prev.size) > 1.0 or
            (ln.page == prev.page and ln.column == prev.column and (prev.y0 - ln.y1) > 0.9 * ln.size) or
            (ln.page == prev.page and ln.column == prev.column and ln.x0 > prev.x0 + 0.8 * ln.size and
             re.search(r"[.:]$", prev.text.strip()))))
        if prev is not None and prev.bold and not ln.bold:
            new = True
        # a sentence runs on over a column or page break (single-column pages too), unless the
        # text moves between the page's width and its columns
        if prev is not None and (ln.column != prev.column or ln.page != prev.page) and \
                ((0 in (ln.column, prev.column) and ln.column != prev.column) or
                 re.search(r"[.:!?]$", prev.text.strip())):
            new = True
        if new or cur is None:
            flush()
            kind = "heading" if heading else "para"
            cur = BlockBuilder()
        elif cur is not None:
            last = cur.pieces[-1] if cur.pieces else None
            if last is not None and last[0] == "t" and re.search(r"[A-Za-z]-$", last[1].rstrip()) and \
                    text[:1].islower():
                cur.pieces[-1] = ("t", last[1].rstrip()[:-1], last[2])     # a word hyphenated at the line end
            else:
                cur.add_text(" ", ln.ordinal)
        for p in ln.pieces:
            if p[0] == "t":
                cur.add_text(p[1], ln.ordinal)
            else:
                cur.add_marker(p[1], p[2], ln.ordinal)
        if heading:
            flush()
            kind = "para"
        prev = ln
    flush()
    return blocks


def _affiliations(builder: BlockBuilder) -> None:
    """Raised numbers on an author list ("Datta1, Ball1*") or opening an address
    ("1Department of Surgery") mark affiliations, not citations: they are dropped."""
    text = "".join(p[1] for p in builder.pieces if p[0] == "t")
    first = next((p for p in builder.pieces if p[0] != "t" or p[1].strip()), None)
    names = re.sub(r"[*†‡§]", "", text).strip()
    title_case = all(w[0].isupper() or w.lower() in ("and", "et", "al", "van", "de", "der", "von", "da")
                     for w in re.findall(r"[^\W\d_]{3,}", names))
    if first is not None and first[0] == "m" or (not re.search(r"[.!?]$", names) and
                                                 (title_case or looks_like_authors(names))):
        builder.pieces = [p if p[0] == "t" else ("t", "", p[3]) for p in builder.pieces]


def _entries(lines: list[Line]):
    """Reference lines -> entries: at each number ("12.", "[12]", "12 "), else at each line
    that starts at the column's left edge while the entry's others are indented."""
    numbered = sum(1 for ln in lines if _entry_label(ln.text.strip())[0] is not None)
    items: list[tuple[str | None, int, list[str]]] = []
    lefts: dict[tuple[int, int], float] = {}
    for ln in lines:
        key = (ln.page, ln.column)
        lefts[key] = min(lefts.get(key, ln.x0), ln.x0)
    for ln in lines:
        text = " ".join(ln.text.split())
        if not text:
            continue
        label, rest = _entry_label(text)
        if numbered >= max(2, len(lines) // 6):
            # a numbered list counts up: "2005." opening a wrapped line is a year, not entry 2005
            last = next((int(it[0]) for it in reversed(items) if it[0]), 0)
            starts = label is not None and last < int(label) <= last + 3
            if not starts:
                label, rest = None, text
        else:
            starts = ln.x0 <= lefts[(ln.page, ln.column)] + 1.5
            label, rest = None, text
        if starts or not items:
            items.append((label, ln.ordinal, [rest]))
        else:
            tail = items[-1][2]
            if tail and re.search(r"[A-Za-z]-$", tail[-1]) and rest[:1].islower():
                tail[-1] = tail[-1][:-1] + rest
            else:
                tail.append(rest)
    out = []
    seen: set[str] = set()
    for pos, (label, line, pieces) in enumerate(items, start=1):
        lab = label or str(pos)
        if lab in seen:
            continue
        seen.add(lab)
        out.append(reference_from_entry(lab, " ".join(pieces), line))
    return out
