"""Blocks: what every format reader hands to extraction.

A reader turns its file into ``Block``s (headings, paragraphs, list items), each with
its text already whitespace-normalised, the source line of every stretch of it, and the
markers the structure gave (HTML ``<sup>``, JATS ``<xref>``, a Word citation field).
``BlockBuilder`` collects text pieces and markers into one.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field


@dataclass
class Marker:
    start: int                   # span in the block's text
    end: int
    labels: list[str]
    kind: str                    # structural | bracket | footnote | caret | sup | unisup | authoryear | bare | paren
    cites: list = field(default_factory=list)   # authoryear: the AuthorYear citations, one per label
    weak: bool = False           # bare: after a word a quantity may follow ("patients 2"), see accept_bare
    keep_text: bool = False      # authoryear linked to no entry: the names stay in the claim for the search


@dataclass
class Block:
    kind: str                    # heading | para | item
    text: str                    # whitespace-normalised, as the reader will see it
    line: int                    # source line of text[0]
    level: int = 0               # heading level (1 = title)
    breaks: list[tuple[int, int]] = field(default_factory=list)  # (offset, line) where the line changes
    markers: list[Marker] = field(default_factory=list)          # structural markers
    links: list[str] = field(default_factory=list)               # hrefs inside the block
    label: str | None = None     # a reference entry's label given by structure

    def line_at(self, offset: int) -> int:
        i = bisect.bisect_right(self.breaks, (offset, float("inf")))
        return self.breaks[i - 1][1] if i else self.line


class BlockBuilder:
    """Collects text pieces (each with its source line) and markers into a Block.

    ``expand(a, b)`` (optional) turns two labels joined by a dash into the
    labels between them, for structural ranges such as ``[4]–[7]``.
    """

    def __init__(self, expand=None):
        self.pieces: list[tuple] = []
        self.links: list[str] = []
        self.expand = expand

    def add_text(self, text: str, line: int) -> None:
        if text:
            self.pieces.append(("t", text, line))

    def add_marker(self, display: str, labels: list[str], line: int) -> None:
        labels = [lab for lab in labels if lab]
        if not labels:
            self.add_text(display, line)
            return
        display = display.strip() or "[" + ",".join(labels) + "]"
        if re.fullmatch(r"[\d\s,;\-–—]+", display):
            display = "[" + display + "]"         # "cancer1." reads as "cancer[1]."
        # "[4]–[7]": two markers joined by a dash stand for the run between them.
        if self.expand is not None:
            i = len(self.pieces) - 1
            gap = ""
            while i >= 0 and self.pieces[i][0] == "t" and not self.pieces[i][1].strip(" \t\n-–—"):
                gap = self.pieces[i][1] + gap
                i -= 1
            if i >= 0 and self.pieces[i][0] == "m" and gap.strip() and gap.strip() in "-–—":
                prev = self.pieces[i]
                run = self.expand(prev[2][-1], labels[0])
                if run:
                    merged = prev[2] + [lab for lab in run if lab not in prev[2]] + \
                        [lab for lab in labels if lab not in run and lab not in prev[2]]
                    del self.pieces[i:]
                    self.pieces.append(("m", prev[1] + gap.strip() + display, merged, prev[3]))
                    return
        self.pieces.append(("m", display, labels, line))

    def empty(self) -> bool:
        return not any(p[1].strip() for p in self.pieces)

    def build(self, kind: str, level: int = 0, label: str | None = None) -> Block | None:
        out: list[str] = []
        size = 0
        breaks: list[tuple[int, int]] = []
        markers: list[Marker] = []
        first_line = 0
        last_line = 0
        pending_space = False

        def emit(s: str, line: int) -> None:
            nonlocal size, first_line, last_line, pending_space
            if pending_space and size:
                out.append(" ")
                size += 1
            pending_space = False
            if not first_line:
                first_line = last_line = line
            elif line != last_line:
                breaks.append((size, line))
                last_line = line
            out.append(s)
            size += len(s)

        for piece in self.pieces:
            if piece[0] == "t":
                line = piece[2]
                for m in re.finditer(r"\s+|\S+", piece[1]):
                    tok = m.group()
                    if tok.isspace():
                        pending_space = True
                        line += tok.count("\n")
                    else:
                        emit(tok, line)
            else:
                _, display, labels, line = piece
                display = " ".join(display.split())
                emit(display, line)
                start = size - len(display)
                markers.append(Marker(start, size, list(labels), "structural"))
        text = "".join(out)
        if not text.strip():
            return None
        return Block(kind=kind, text=text, line=first_line or 1, level=level, breaks=breaks,
                     markers=markers, links=list(self.links), label=label)
