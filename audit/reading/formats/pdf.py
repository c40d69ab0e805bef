"""PDF -> Article: text lines in reading order, page furniture set aside, markers, references.

pdfminer.six (MIT, pure Python) gives every character with its box and font size;
from those this module finds, per page, the text columns (gutters no body line
crosses), reads them left to right and top to bottom between lines that span the
page, sets aside running heads, footers and page numbers (lines in the page margins,
and lines repeated on most pages), and reads superscript numbers as citation markers.
The reference list is the text after the last "References" heading, split into
entries at their numbers or, for author-year lists, at their hanging indent.

Each text line gets an ordinal ``line``; ``locations`` names its page and column,
and becomes ``Claim.location``.  A page with no text (a scan) is reported, per page,
as set aside: there is no OCR.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from audit.errors import BadInputError
from audit.models import Article, SetAside
from audit.reading.extract import Block, BlockBuilder, _expand, split_entry_label

_LABELISH = re.compile(r"^\s*[\[(]?\s*(\d{1,4}(?:\s*[-–—]\s*\d{1,4})?(?:\s*[,;]\s*\d{1,4}(?:\s*[-–—]\s*\d{1,4})?)*)"
                       r"\s*[\])]?\s*$")
_REF_HEAD = re.compile(r"(?i)^\s*(?:\d{1,2}\.?\s*)?(references?|bibliography|literature cited|works cited|"
                       r"reference list)\s*:?\s*$")
_MARGIN = 0.055                  # top and bottom share of a page where running heads and folios sit
_MAX_PAGES = 400
_GUTTER = 10                     # points of white a gutter is at least wide


@dataclass
class _Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    size: float                  # the body font size of the line
    pieces: list = field(default_factory=list)    # ("t", text) | ("m", display, labels)
    column: int = 0              # 0: spans the page; 1, 2, ...: its column
    bold: bool = False
    ordinal: int = 0             # the line's place in the document's reading order

    @property
    def text(self) -> str:
        return "".join(p[1] for p in self.pieces)


def _chars_to_pieces(chars) -> tuple[list, float, bool]:
    """A line's characters -> text and superscript markers; its body size; bold or not."""
    sizes = [round(c.size, 1) for c in chars if c.get_text().strip()]
    if not sizes:
        return [], 0.0, False
    body = Counter(sizes).most_common(1)[0][0]
    base = statistics.median(c.y0 for c in chars if round(c.size, 1) == body and c.get_text().strip())
    bold = sum(1 for c in chars if "bold" in (c.fontname or "").lower()) > 0.6 * len(sizes)
    pieces: list = []
    sup = ""
    for c in chars:
        t = c.get_text()
        small = c.get_text().strip() and c.size < 0.85 * body and c.y0 > base + 0.15 * body
        if small and (t.isdigit() or (sup and t in ",–-— ")):
            sup += t
            continue
        if sup:
            pieces.append(_sup_piece(sup, pieces))
            sup = ""
        pieces.append(("t", t))
    if sup:
        pieces.append(_sup_piece(sup, pieces))
    merged: list = []
    for p in pieces:                     # one piece per run of text, not per character
        if p[0] == "t" and merged and merged[-1][0] == "t":
            merged[-1] = ("t", merged[-1][1] + p[1])
        else:
            merged.append(p)
    return merged, body, bold


def _sup_piece(sup: str, before: list) -> tuple:
    m = _LABELISH.match(sup)
    prev = "".join(p[1] for p in before[-3:])
    # a raised number after a digit or unit is an exponent ("10⁹", "m²"), not a marker
    if m and sup.strip() and not re.search(r"(?:\d|\b(?:m|cm|mm|kg|l|ml|s))\s*$", prev):
        labels = _expand(m.group(1))
        if labels and all(int(lab) < 1000 for lab in labels):     # a raised "2017" is a year, not a citation
            return ("m", sup, labels)
    return ("t", sup)


def _page_lines(page, pno: int) -> list[_Line]:
    """The page's text lines, one per row and column.

    pdfminer's own lines are cut where justified text leaves wide gaps and may run
    across a narrow gutter; so its lines are taken as fragments, grouped into rows
    (fragments whose boxes overlap in height, superscripts included), and each row is
    cut at the page's gutters (``_gutters``) into one line per column.
    """
    from pdfminer.layout import LTChar, LTTextLine

    frags = []

    def visit(obj):
        if isinstance(obj, LTTextLine):
            seq = []
            for c in obj:
                if isinstance(c, LTChar):
                    seq.append(c)
                elif seq and c.get_text() == " ":
                    seq.append(_Space(seq[-1]))
            if any(c.get_text().strip() for c in seq):
                frags.append((obj.x0, obj.y0, obj.x1, obj.y1, seq))
        elif hasattr(obj, "__iter__"):
            for child in obj:
                visit(child)

    for obj in page:
        visit(obj)
    frags.sort(key=lambda f: -f[3])
    rows: list[list] = []
    for f in frags:
        mid = (f[1] + f[3]) / 2
        for row in rows[-4:]:
            if row[0] <= mid <= row[1]:
                row[2].append(f)
                row[0], row[1] = min(row[0], f[1]), max(row[1], f[3])
                break
        else:
            rows.append([f[1], f[3], [f]])
    gutters = _gutters([[(f[0], f[2]) for f in row[2]] for row in rows], page.width)
    states = [_row_state(row[2], gutters) for row in rows]
    # A row of a single-column part that happens to leave the gutter empty (a short last
    # line, justified gaps in line) reads with the spanning rows around it.
    def gap(k: int) -> bool:            # a blank line or more between row k-1 and row k
        return rows[k - 1][0] - rows[k][1] > 0.9 * max(rows[k][1] - rows[k][0], 1)

    i = 0
    while i < len(states):
        if states[i] == "span":
            i += 1
            continue
        j = i
        while j < len(states) and states[j] != "span" and (j == i or not gap(j)):
            j += 1
        # a short run (at most 3 rows) going on from spanning rows at the same spacing,
        # up to the next spanning row or a blank: the end of a single-column part
        if i and j - i <= 3 and not gap(i) and states[i - 1] == "span":
            for k in range(i, j):
                states[k] = "span"
        i = j
    out = []
    for row, st in zip(rows, states):
        cols: dict[int, list] = {}
        for f in row[2]:
            crosses = st == "span"
            col = 0 if crosses else 1 + sum(1 for g in gutters if f[0] >= g)
            cols.setdefault(col, []).append(f)
        if 0 in cols and len(cols) > 1:          # a row that spans the gutter is one line
            cols = {0: [f for fs in cols.values() for f in fs]}
        for col, fs in sorted(cols.items()):
            fs.sort(key=lambda f: f[0])
            chars = []
            for f in fs:
                if chars:
                    chars.append(_Space(chars[-1]))
                chars.extend(f[4])
            pieces, size, bold = _chars_to_pieces(chars)
            if pieces and "".join(p[1] for p in pieces).strip():
                out.append(_Line(pno, min(f[0] for f in fs), min(f[1] for f in fs), max(f[2] for f in fs),
                                 max(f[3] for f in fs), size, pieces, column=col if gutters else 0, bold=bold))
    return out


def _row_state(frags, gutters) -> str:
    """span: text crosses a gutter; cut: text on both sides of one; one: text on one side."""
    if not gutters:
        return "span"
    if any(f[0] < g < f[2] for f in frags for g in gutters):
        return "span"
    sides = {sum(1 for g in gutters if f[0] >= g) for f in frags}
    return "cut" if len(sides) > 1 else "one"


def _gutters(rows: list[list[tuple[float, float]]], width: float, lo: float = 0.0, hi: float | None = None,
             depth: int = 0) -> list[float]:
    """x positions of the page's gutters: the x that the most rows leave empty while
    having text on both sides (a justified line's wide gaps move from row to row; a
    gutter stays).  Searched again inside each side, for a third column."""
    hi = width if hi is None else hi
    size = int(width) + 2
    count = [0] * size
    for row in rows:
        inside = [(max(0, int(a)), min(size - 1, int(b) + 1)) for a, b in row if a < hi and b > lo]
        if len(inside) < 2:
            continue
        cov = bytearray(size)
        for a, b in inside:
            cov[a:b] = b"\x01" * (b - a)
        # empty over a 10pt window: a reference list's hanging indent ("12." then its text) is
        # narrower than a gutter
        run = 0
        for x in range(min(b for _, b in inside), max(a for a, _ in inside) + 1):
            run = run + 1 if not cov[x] else 0
            if run >= _GUTTER:
                count[x - _GUTTER // 2] += 1
    best, best_n = None, 0
    for x in range(int(lo + 0.2 * (hi - lo)), int(hi - 0.2 * (hi - lo))):
        if count[x] > best_n:
            best, best_n = x, count[x]
    if best is None or best_n < 8:
        return []
    # the middle of the empty band around the best x, on the rows that leave it empty
    left = max((b for row in rows for a, b in row if b <= best and not any(a2 < best < b2 for a2, b2 in row)),
               default=best)
    right = min((a for row in rows for a, b in row if a >= best and not any(a2 < best < b2 for a2, b2 in row)),
                default=best)
    g = (left + right) / 2 if left < right else best
    out = [g]
    if depth == 0:
        out += _gutters(rows, width, lo, g, 1) + _gutters(rows, width, g, hi, 1)
    return sorted(out)


class _Space:
    """An inferred space, shaped like the character before it (size and baseline)."""

    def __init__(self, like):
        self.size = like.size
        self.y0 = like.y0
        self.fontname = like.fontname

    def get_text(self) -> str:
        return " "


_LABEL_ONLY = re.compile(r"^\s*(?:\[\d{1,4}\]|\d{1,4}\.?)\s*$")


def _join_labels(lines: list[_Line]) -> list[_Line]:
    """A reference number set apart from its entry ("12." right-aligned before the text)
    joins the line it stands beside."""
    out = []
    labels = [ln for ln in lines if _LABEL_ONLY.match(ln.text)]
    used: set[int] = set()
    for lab in labels:
        beside = [ln for ln in lines if ln is not lab and not _LABEL_ONLY.match(ln.text) and
                  abs(ln.y1 - lab.y1) < 0.5 * max(ln.size, 1) and 0 <= ln.x0 - lab.x1 < 3 * max(ln.size, 1)]
        if beside:
            target = min(beside, key=lambda ln: ln.x0 - lab.x1)
            target.pieces = [("t", lab.text.strip() + " ")] + target.pieces
            target.x0 = min(target.x0, lab.x0)
            used.add(id(lab))
    for ln in lines:
        if id(ln) not in used:
            out.append(ln)
    return out


def _reading_order(lines: list[_Line]) -> list[_Line]:
    """Top to bottom between spanning lines; within, each column top to bottom, left to right."""
    lines = sorted(lines, key=lambda ln: (-ln.y1, ln.x0))
    out: list[_Line] = []
    band: list[_Line] = []
    for ln in lines:
        if ln.column == 0 and band and any(b.column for b in band):
            out.extend(sorted(band, key=lambda b: (b.column, -b.y1, b.x0)))
            band = []
        band.append(ln)
    out.extend(sorted(band, key=lambda b: (b.column, -b.y1, b.x0)))
    return out


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _furniture(pages: list[list[_Line]], heights: list[float]) -> set[int]:
    """ids of lines that are page furniture: in the top or bottom margin, or repeated on
    most pages (running heads, journal footers, licence lines), or a lone page number."""
    out: set[int] = set()
    seen = Counter()
    for lines in pages:
        for key in {_norm(ln.text) for ln in lines}:
            seen[key] += 1
    many = max(3, len(pages) // 2 + 1) if len(pages) >= 3 else 99
    for lines, h in zip(pages, heights):
        for ln in lines:
            t = ln.text.strip()
            in_margin = ln.y0 > h * (1 - _MARGIN) or ln.y1 < h * _MARGIN
            # repeated on most pages, near the top or foot of the page: a running head or footer
            repeated = seen[_norm(t)] >= many and len(re.findall(r"[A-Za-z]{2,}", t)) >= 2 and \
                (ln.y0 > h * 0.85 or ln.y1 < h * 0.15)
            if in_margin or repeated or re.fullmatch(r"(?:page\s*)?\d{1,4}(?:\s*of\s*\d+)?", t, re.I):
                out.add(id(ln))
    return out


def read(data: bytes, path: str, sha: str, limits) -> list[Article]:
    from audit.reading import ingest
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfparser import PDFSyntaxError

    for name in ("pdfminer", "pdfminer.pdffont", "pdfminer.pdfinterp", "pdfminer.pdfpage"):
        logging.getLogger(name).setLevel(logging.ERROR)
    pages: list[list[_Line]] = []
    heights: list[float] = []
    aside: list[SetAside] = []
    locations: dict[int, str] = {}
    scanned: list[int] = []
    try:
        for pno, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams(line_margin=0.3, char_margin=1.0)), start=1):
            if pno > _MAX_PAGES:
                raise BadInputError(path, f"more than {_MAX_PAGES} pages")
            lines = _join_labels(_page_lines(page, pno))
            pages.append(_reading_order(lines))
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
    furniture = _furniture(pages, heights)
    ordered: list[_Line] = []
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
            if id(ln) in furniture:
                aside.append(SetAside(ln.text.strip(), n, "page furniture (running head, footer or page number)"))
            else:
                ordered.append(ln)
    if len(scanned) == len(pages):
        raise BadInputError(path, f"no page of this PDF has a text layer ({len(pages)} page(s), scanned images?): "
                                  "nothing to read without OCR")
    body, refs = _split_references(ordered)
    blocks = _paragraphs(body)
    entries = _entries(refs)
    title = _title(ordered)
    art = ingest._finish(path, "pdf", sha, title, blocks, entries, chrome=False, aside=aside)
    for c in art.claims:
        c.location = locations.get(c.line, "")
    for s in art.set_aside:
        s.location = locations.get(s.line, "")
    for r in art.references:
        r.location = locations.get(r.line, "") if r.line else ""
    return [art]


def _title(lines: list[_Line]) -> str:
    """The largest text on the first page."""
    first = [ln for ln in lines if ln.page == 1 and len(ln.text.split()) >= 2]
    if not first:
        return ""
    big = max(ln.size for ln in first)
    return " ".join(ln.text.strip() for ln in first if ln.size >= big - 0.1)[:300]


_REF_WORD = re.compile(r"^(?:References|REFERENCES|Bibliography|BIBLIOGRAPHY)\b|\b(?:References|REFERENCES)$")


def _split_references(lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
    """Body and reference-list lines.  The list starts at a "References" heading: a line of
    its own, or (where a row of two columns was read as one) a line that starts or ends
    with the word.  Of several, the one followed by the most numbered entries wins (a
    publisher's page "References This article cites 35 articles" is not the list)."""
    heads = [i for i, ln in enumerate(lines) if _REF_HEAD.match(ln.text) or _REF_WORD.search(ln.text.strip())]
    if not heads:
        return lines, []

    def entries_after(i: int) -> int:
        nxt = next((h for h in heads if h > i), len(lines))
        return sum(1 for ln in lines[i + 1:nxt] if split_entry_label(ln.text.strip())[0] is not None)

    exact = [i for i in heads if _REF_HEAD.match(lines[i].text)]
    i = max(heads, key=lambda h: (entries_after(h), h in exact, h))
    if _REF_HEAD.match(lines[i].text):
        return lines[:i], lines[i + 1:]
    return lines[:i], lines[i:]


def _paragraphs(lines: list[_Line]) -> list[Block]:
    """Lines -> paragraphs: a new one at a column or page change with a gap, a larger gap,
    a first-line indent, a change of font size, or a short heading line."""
    blocks: list[Block] = []
    cur: BlockBuilder | None = None
    prev: _Line | None = None
    kind = "para"

    def flush():
        nonlocal cur
        if cur is not None:
            _affiliations(cur)
            b = cur.build(kind)
            if b is not None:
                blocks.append(b)
        cur = None

    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        text = ln.text.strip()
        heading = (ln.bold or (prev is not None and ln.size > prev.size + 1.5) or
                   (nxt is not None and ln.size > nxt.size + 0.4 and len(text.split()) <= 8)) and \
            len(text.split()) <= 12 and not re.search(r"[.;,]$", text)
        new = prev is None or heading or (prev is not None and (
            abs(ln.size - prev.size) > 1.0 or
            (ln.page == prev.page and ln.column == prev.column and (prev.y0 - ln.y1) > 0.9 * ln.size) or
            (ln.page == prev.page and ln.column == prev.column and ln.x0 > prev.x0 + 0.8 * ln.size and
             re.search(r"[.:]$", prev.text.strip()))))
        if prev is not None and prev.bold and not ln.bold:
            new = True
        if prev is not None and (ln.column != prev.column or ln.page != prev.page) and \
                (0 in (ln.column, prev.column) or re.search(r"[.:!?]$", prev.text.strip())):
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
    from audit.reading.extract import _looks_like_authors
    text = "".join(p[1] for p in builder.pieces if p[0] == "t")
    first = next((p for p in builder.pieces if p[0] != "t" or p[1].strip()), None)
    names = re.sub(r"[*†‡§]", "", text).strip()
    title_case = all(w[0].isupper() or w.lower() in ("and", "et", "al", "van", "de", "der", "von", "da")
                     for w in re.findall(r"[^\W\d_]{3,}", names))
    if first is not None and first[0] == "m" or (not re.search(r"[.!?]$", names) and
                                                 (title_case or _looks_like_authors(names))):
        builder.pieces = [p if p[0] == "t" else ("t", "", p[3]) for p in builder.pieces]


def _entries(lines: list[_Line]):
    """Reference lines -> entries: at each number ("12.", "[12]", "12 "), else at each line
    that starts at the column's left edge while the entry's others are indented."""
    from audit.reading.extract import reference_from_entry

    numbered = sum(1 for ln in lines if split_entry_label(ln.text.strip())[0] is not None)
    items: list[tuple[str | None, int, list[str]]] = []
    lefts: dict[tuple[int, int], float] = {}
    for ln in lines:
        key = (ln.page, ln.column)
        lefts[key] = min(lefts.get(key, ln.x0), ln.x0)
    for ln in lines:
        text = " ".join(ln.text.split())
        if not text:
            continue
        label, rest = split_entry_label(text)
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
