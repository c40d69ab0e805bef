"""Plain text and Markdown -> Article: one reader, two names (``text``, ``markdown``).

Lines become blocks: Markdown and setext headings, bold lines read as headings, list
items, and paragraphs joined across the line breaks a copied page leaves (a line that
goes on in lower case, or a long line with no sentence end).  Code fences, HTML comments
and tables are blanked (line numbers kept); the reference list is split off by
``reference_list``.  A text file that holds an HTML page is read as HTML.
"""
from __future__ import annotations

import re

from audit.models import Article
from audit.reading import assemble
from audit.reading.blocks import Block, BlockBuilder
from audit.reading.decode import decode
from audit.reading.formats.base import Reader
from audit.reading.formats.html import looks_html
from audit.reading.markers import find_markers
from audit.reading.reference_list import MD_HEADING, take_references
from audit.reading.sentences import looks_like_heading
from audit.reading.source import Source

_ITEM = re.compile(r"^\s*(?:[•\-*+–·▪◦‣]|\d{1,3}[.)])\s+(?=\S)")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)([^*_]{1,120})(?:\*\*|__)\s*:?\s*$")
_RULE = re.compile(r"^\s*([-=*_])(\s*\1){2,}\s*$")
_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]?\s*$")


class TextReader(Reader):
    name = "text"
    suffixes = (".txt",)
    what = "plain text, copied web pages"

    def read_as(self, data: bytes) -> str:
        return "html" if looks_html(data) else ""     # a web page saved as text

    def read(self, src: Source) -> list[Article]:
        return [read_text(decode(src.data, src.path), src, self.name)]


class MarkdownReader(TextReader):
    name = "markdown"
    suffixes = (".md", ".markdown")
    what = "Markdown"


def read_text(text: str, src: Source, fmt: str) -> Article:
    lines = text.split("\n")
    lines = _blank_out_non_prose(lines)
    lines, entries = take_references(lines)
    blocks = _text_blocks(lines, {int(r.id) for r in entries if r.id.isdigit()})
    title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    if not title:
        first = next((b for b in blocks if b.kind != "item"), None)
        if first is not None and len(first.text.split()) <= 40 and \
                (first.kind == "heading" or looks_like_heading(first.text, False) or first.text.endswith("?")):
            title = first.text
    title = re.sub(r"(\*\*|__|`)", "", title).strip()
    return assemble.article(src, fmt, title, blocks, entries, chrome=True)


def _blank_out_non_prose(lines: list[str]) -> list[str]:
    """Code fences, HTML comments and tables become blank lines (keeping line numbers)."""
    out = list(lines)
    fence = False
    comment = False
    for i, ln in enumerate(lines):
        if comment:
            if "-->" in ln:
                comment = False
                out[i] = ln.split("-->", 1)[1]
            else:
                out[i] = ""
            continue
        if re.match(r"^\s*(```|~~~)", ln):
            fence = not fence
            out[i] = ""
            continue
        if fence or re.match(r"^\s*\|.*\|\s*$", ln):
            out[i] = ""
            continue
        s = re.sub(r"<!--.*?-->", "", ln)
        if "<!--" in s:
            s = s.split("<!--", 1)[0]
            comment = True
        out[i] = s
    return out


def _ends_in_marker(line: str, known: set[int]) -> bool:
    """Does the line end with a citation marker: "[2]", "²", or a bare number the reference list holds?

    A copied list without bullets or final stops ("... than their peers 2" / "Animal studies
    show ... 3") is one claim a line: the marker closing a line closes its claim."""
    explicit, bare = find_markers(line, [])
    end = len(line.rstrip())
    if any(m.end >= end for m in explicit):
        return True
    return bool(known) and any(m.end >= end and m.kind == "bare" and all(int(lab) in known for lab in m.labels)
                               for m in bare)


def _text_blocks(lines: list[str], known: set[int] = frozenset()) -> list[Block]:
    blocks: list[Block] = []
    cur: BlockBuilder | None = None
    kind = "para"
    last = ""

    def flush():
        nonlocal cur
        if cur is not None:
            b = cur.build(kind)
            if b is not None:
                blocks.append(b)
        cur = None

    for i, raw in enumerate(lines):
        lineno = i + 1
        ln = re.sub(r"^\s{0,3}>\s?", "", raw)       # block quotes read as text
        s = ln.strip()
        if not s:
            flush()
            last = ""
            continue
        if _RULE.match(ln):
            # setext underline turns a one-line paragraph into a heading
            if cur is not None and kind == "para" and len(cur.pieces) == 1 and s[0] in "=-":
                kind = "heading"
                b = cur.build("heading", level=1 if s[0] == "=" else 2)
                if b:
                    blocks.append(b)
                cur = None
            else:
                flush()
            last = ""
            continue
        m = MD_HEADING.match(ln) or _BOLD_HEADING.match(ln)
        if m:
            flush()
            level = len(m.group(1)) if m.re is MD_HEADING else 3
            text = m.group(2) if m.re is MD_HEADING else m.group(1)
            hb = BlockBuilder()
            hb.add_text(text, lineno)
            b = hb.build("heading", level=level)
            if b:
                blocks.append(b)
            last = ""
            continue
        item = _ITEM.match(ln)
        if item:
            flush()
            kind = "item"
            cur = BlockBuilder()
            cur.add_text(ln[item.end():], lineno)
            last = s
            continue
        open_end = not _TERMINAL.search(last) and not (s[0].isupper() and _ends_in_marker(last, known))
        continues = cur is not None and (
            s[0].islower() or (kind == "item" and raw[:1].isspace() and open_end)
            or (len(last) >= 50 and open_end))
        if not continues:
            flush()
            kind = "para"
            cur = BlockBuilder()
        else:
            cur.add_text("\n", lineno)
        cur.add_text(s, lineno)
        last = s
    flush()
    return blocks
