"""A PDF's pages as text lines in reading order (pdfminer.six's characters, boxes and sizes).

pdfminer.six gives every character with its box and font size.  Its lines are taken
as fragments and grouped into rows; the page's gutters are the x positions most rows
leave empty with text on both sides (a part of the page its gutters do not cut, such
as two columns above a wide figure, gets its own: a zone); each row is cut at the
gutters that run through it into one line per column.  Raised numbers become citation
markers, unless they are exponents.  Reading order: top to bottom between lines that
span the page (and between zones), each column top to bottom within.  The page
furniture (running heads, footers, page numbers: lines in the margins, and lines
repeated on most pages) is found for setting aside.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from audit.reading.markers import LABELS_ONLY, expand_labels

_MARGIN = 0.055                  # top and bottom share of a page where running heads and folios sit
_GUTTER = 8                      # points of white a gutter is at least wide
_SIDE = 24                       # points of text a gutter has at least on its left, in a row


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
    zone: int = 0                # the part of the page whose columns it belongs to (``_layout``)
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
        elif p[0] == "m" and len(merged) > 1 and merged[-2][0] == "m" and merged[-1][0] == "t" and \
                not merged[-1][1].strip():
            # "¹ ²": one marker of two references, set with a space
            space = merged.pop()
            first = merged.pop()
            merged.append(("m", first[1] + space[1] + p[1], first[2] + [lab for lab in p[2] if lab not in first[2]]))
        else:
            merged.append(p)
    return merged, body, bold


def _sup_piece(sup: str, before: list) -> tuple:
    m = LABELS_ONLY.match(sup)
    prev = "".join(p[1] for p in before[-3:])
    after_marker = bool(before) and (before[-1][0] == "m" or (
        len(before) > 1 and before[-2][0] == "m" and not before[-1][1].strip()))
    # a raised number after a digit or unit is an exponent ("10⁹", "m²"), and so is a raised 2
    # after a lone I, R or χ (the I² of heterogeneity, R², χ²); BMJ sets "active¹ ²" for
    # refs 1 and 2, so one after a marker and a space is a marker again
    exponent = not after_marker and (re.search(r"(?:\d|\b(?:m|cm|mm|kg|l|ml|s))\s*$", prev) or (
        sup.strip() == "2" and re.search(r"(?:^|[^\w])[IRrχ]\s*$", prev)))
    if m and sup.strip() and not exponent:
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
    active, zones = _layout([row[2] for row in rows], page.width)
    states = [_row_state(row[2], act) for row, act in zip(rows, active)]
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
    for row, st, act, zone in zip(rows, states, active, zones):
        cols: dict[int, list] = {}
        for f in row[2]:
            crosses = st == "span"
            col = 0 if crosses else 1 + sum(1 for g in act if f[0] >= g)
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
                                 max(f[3] for f in fs), size, pieces, column=col if act else 0, bold=bold,
                                 zone=zone))
    return out


_NEAR = 6                        # rows on either side that say whether a gutter runs through a row


def _cut(frags, g: float) -> int:
    """+1: the row's text stands on both sides of g; -1: a piece crosses g; 0: one side only."""
    if any(f[0] < g < f[2] for f in frags):
        return -1
    return 1 if len({f[0] >= g for f in frags}) == 2 else 0


def _active_gutters(rows: list[list], gutters: list[float]) -> list[list[float]]:
    """Per row, the page's gutters that run through it.

    A page's gutters are found over all its rows, but a table's column gaps run only
    through the table, and the text below it crosses them: a gutter runs through a row
    unless most of the rows around it cross it.  A row that crosses a gutter running
    through its neighbours spans the columns (a heading, a wide abstract line)."""
    signs = [[_cut(frags, g) for g in gutters] for frags in rows]
    out = []
    for k in range(len(rows)):
        near = signs[max(0, k - _NEAR):k + _NEAR + 1]
        out.append([g for j, g in enumerate(gutters) if sum(s[j] for s in near) >= 0])
    return out


def _layout(rows: list[list], width: float) -> tuple[list[list[float]], list[int]]:
    """Per row, the gutters that cut it, and its zone (0, or 1 for the second layout).

    The gutters that most rows leave empty are the page's (``_gutters``); a part of the
    page that they do not cut (two columns of text above a wide figure whose own gaps
    won the count) has its gutters looked for again over its rows alone, and is a zone
    of its own: its columns are read apart from the figure's."""
    gutters = _gutters([[(f[0], f[2]) for f in frags] for frags in rows], width)
    active = _active_gutters(rows, gutters)
    zones = [0] * len(rows)
    rest = [k for k, frags in enumerate(rows) if not any(_cut(frags, g) == 1 for g in active[k])]
    if len(rest) >= 8 and len(rest) < len(rows):
        again = _gutters([[(f[0], f[2]) for f in rows[k]] for k in rest], width)
        if again:
            for k, act in zip(rest, _active_gutters([rows[k] for k in rest], again)):
                if act:
                    active[k], zones[k] = act, 1
    return active, zones


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
        # empty over an 8pt window (a Lancet gutter is 9pt) after a stretch of text at least
        # _SIDE wide: a reference list's hanging indent ("12." then its text) leaves as wide a
        # gap on many rows, but after a label, not after a column's text
        run, start = 0, None         # start: where the text before this gap begins (gaps under _GUTTER join it)
        for x in range(min(a for a, _ in inside), max(a for a, _ in inside) + 1):
            if cov[x]:
                if start is None:
                    start = x
                run = 0
                continue
            run += 1
            if run >= _GUTTER and start is not None and x - run + 1 - start >= _SIDE:
                count[x - _GUTTER // 2] += 1
            if run >= _GUTTER and cov[x + 1]:
                start = None         # the text after a gap starts a new stretch
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
    """Top to bottom between spanning lines and zones; within, each column top to bottom, left to right."""
    lines = sorted(lines, key=lambda ln: (-ln.y1, ln.x0))
    out: list[Line] = []
    band: list[Line] = []
    for ln in lines:
        if band and (ln.column == 0 and any(b.column for b in band) or ln.zone != band[-1].zone):
            out.extend(sorted(band, key=lambda b: (b.column, -b.y1, b.x0)))
            band = []
        band.append(ln)
    out.extend(sorted(band, key=lambda b: (b.column, -b.y1, b.x0)))
    return out


def _norm(text: str) -> str:
    """A line's text with its numbers as "#" and without a page number at either end: a
    running head carries the folio on the left on even pages and on the right on odd ones."""
    return re.sub(r"^(?:#\s*)+|(?:\s*#)+$", "", re.sub(r"\d+", "#", " ".join(text.lower().split())))


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
