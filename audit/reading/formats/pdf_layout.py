"""A PDF's pages as text lines in reading order (pdfminer.six's characters, boxes and sizes).

Per page: the text columns (gutters no body line crosses), each row cut into one line per
column, read left to right and top to bottom between lines that span the page; raised
small numbers become markers; the page furniture (running heads, footers, page numbers:
lines in the margins, and lines repeated on most pages) is found for setting aside.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from audit.reading.markers import LABELS_ONLY, expand_labels

_MARGIN = 0.055                  # top and bottom share of a page where running heads and folios sit
_GUTTER = 10                     # points of white a gutter is at least wide


@dataclass
class Line:
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
    m = LABELS_ONLY.match(sup)
    prev = "".join(p[1] for p in before[-3:])
    # a raised number after a digit or unit is an exponent ("10⁹", "m²"), not a marker
    if m and sup.strip() and not re.search(r"(?:\d|\b(?:m|cm|mm|kg|l|ml|s))\s*$", prev):
        labels = expand_labels(m.group(1))
        if labels and all(int(lab) < 1000 for lab in labels):     # a raised "2017" is a year, not a citation
            return ("m", sup, labels)
    return ("t", sup)


def page_lines(page, pno: int) -> list[Line]:
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
                out.append(Line(pno, min(f[0] for f in fs), min(f[1] for f in fs), max(f[2] for f in fs),
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


def join_labels(lines: list[Line]) -> list[Line]:
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


def reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom between spanning lines; within, each column top to bottom, left to right."""
    lines = sorted(lines, key=lambda ln: (-ln.y1, ln.x0))
    out: list[Line] = []
    band: list[Line] = []
    for ln in lines:
        if ln.column == 0 and band and any(b.column for b in band):
            out.extend(sorted(band, key=lambda b: (b.column, -b.y1, b.x0)))
            band = []
        band.append(ln)
    out.extend(sorted(band, key=lambda b: (b.column, -b.y1, b.x0)))
    return out


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def furniture(pages: list[list[Line]], heights: list[float]) -> set[int]:
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
