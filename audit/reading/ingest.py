"""Article files in, ``Article`` out: detect the format, read it, extract claims.

Each format has a small reader that turns the file into ``extract.Block``s
(headings, paragraphs, list items, each with its source line and any
structural citation markers) plus the reference list's entries; ``extract``
does the rest, the same way for every format.  Only the standard library
parses: html.parser for HTML and expat (under xml.etree's TreeBuilder) for
JATS, because expat tells us the line of every element.
"""
from __future__ import annotations

import codecs
import hashlib
import html
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

from audit.config import ReadingConfig
from audit.errors import BadInputError
from audit.reading.extract import (Block, BlockBuilder, extract, find_markers, reference_from_entry,
                                   split_entry_label, looks_like_heading, find_identifiers, _expand,
                                   _UNITS_BEFORE_EXPONENT, _YEAR_RE)
from audit.models import MAX_PMID_DIGITS, UNRESOLVED, Article, Reference, SetAside
from audit.reading.boilerplate import MainContent, main_text
from audit.reading.chrome import is_chrome_heading

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".xml", ".nxml")
_FORMAT_BY_SUFFIX = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html",
                     ".htm": "html", ".xml": "jats", ".nxml": "jats"}
_UNREADABLE = {".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".odt": "OpenDocument", ".rtf": "RTF",
               ".pages": "Pages", ".epub": "EPUB", ".xlsx": "Excel", ".pptx": "PowerPoint",
               ".zip": "zip", ".gz": "gzip", ".png": "image", ".jpg": "image", ".jpeg": "image"}
_MAGIC = [(b"%PDF", "PDF"), (b"PK\x03\x04", "zip/Office"), (b"\xd0\xcf\x11\xe0", "Office"),
          (b"{\\rtf", "RTF"), (b"\x1f\x8b", "gzip"), (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image")]
_REF_HEADING = re.compile(r"(?i)^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*(references?|bibliography|sources|citations|"
                          r"works cited|literature cited|reference list|cited literature|footnotes)"
                          r"\s*(?:\*\*|__)?\s*:?\s*$")


# --------------------------------------------------------------------------
# Public interface


def article_paths(paths: list[str | Path]) -> list[Path]:
    """Article files named or found (recursively) in folders, sorted, hidden ones skipped.

    A file named explicitly is kept whatever its suffix, so that reading it
    reports why it cannot be read instead of the run silently skipping it.
    """
    out: set[Path] = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in p.rglob("*"):
                rel = f.relative_to(p).parts
                if any(part.startswith(".") for part in rel):
                    continue
                if f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES:
                    out.add(f)
        elif p.is_file():
            out.add(p)
        else:
            raise BadInputError(str(p), "no such file or folder")
    return sorted(out)


def read_articles(path: str | Path, limits: ReadingConfig | None = None) -> list[Article]:
    """Every article in the file: one, or each <article> of a PMC article set."""
    limits = limits or ReadingConfig()
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limits.max_bytes and p.is_file():
            raise BadInputError(str(p), f"file of {size:,} bytes is over the limit of {limits.max_bytes:,} "
                                        f"(reading.max_bytes in config.yaml)")
        data = p.read_bytes()
    except IsADirectoryError:
        raise BadInputError(str(p), "is a folder, not an article file")
    except OSError as exc:
        raise BadInputError(str(p), f"cannot read: {exc.strerror or exc}")
    return read_articles_bytes(data, str(p), limits)


def read_article(path: str | Path, limits: ReadingConfig | None = None) -> Article:
    """The article of a single-article file (the first of an article set: use read_articles for all)."""
    return read_articles(path, limits)[0]


def file_sha256(path: str | Path) -> str | None:
    """sha256 of a file's bytes, as Article.sha256 holds it; None when it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def read_articles_bytes(data: bytes, path: str, limits: ReadingConfig | None = None) -> list[Article]:
    limits = limits or ReadingConfig()
    if len(data) > limits.max_bytes:
        raise BadInputError(path, f"{len(data):,} bytes is over the limit of {limits.max_bytes:,} "
                                  f"(reading.max_bytes in config.yaml)")
    fmt = detect_format(data, path)
    sha = hashlib.sha256(data).hexdigest()
    try:
        if fmt == "jats":
            return _read_jats(data, path, sha, limits)
        text = decode(data, path)
        if fmt == "html":
            return _read_html(text, path, sha, limits)
        return [_read_text(text, path, sha, fmt)]
    except RecursionError:
        raise BadInputError(path, "nested too deeply to read")


def read_article_bytes(data: bytes, path: str, limits: ReadingConfig | None = None) -> Article:
    return read_articles_bytes(data, path, limits)[0]


def article_id(path: str | Path) -> str:
    """The file's stem, slugged: stable across runs and folders."""
    stem = Path(path).name
    for suffix in sorted(ARTICLE_SUFFIXES + (".gz",), key=len, reverse=True):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "article"


# --------------------------------------------------------------------------
# Format and encoding


def detect_format(data: bytes, path: str) -> str:
    if not data.strip():
        raise BadInputError(path, "empty file")
    suffix = Path(path).suffix.lower()
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise BadInputError(path, f"{kind} file: not a readable article format "
                                      f"(use text, Markdown, HTML or JATS XML)")
    if suffix in _UNREADABLE:
        raise BadInputError(path, f"{_UNREADABLE[suffix]} files are not supported "
                                  f"(use text, Markdown, HTML or JATS XML)")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    looks_html = head.startswith((b"<!doctype html", b"<html")) or (b"<html" in head and b"<body" in data[:20000].lower())
    looks_xml = head.startswith(b"<?xml") or head.startswith((b"<article", b"<pmc-articleset", b"<!doctype article",
                                                             b"<!doctype pmc-articleset"))
    if suffix in _FORMAT_BY_SUFFIX:
        fmt = _FORMAT_BY_SUFFIX[suffix]
        if fmt in ("text", "markdown") and looks_html:
            return "html"
        if fmt == "jats" and looks_html and not looks_xml:
            return "html"
        return fmt
    if looks_xml and b"<article" in data[:200000]:
        return "jats"
    if looks_html:
        return "html"
    if suffix and suffix not in ("", ".text"):
        raise BadInputError(path, f"unknown article format {suffix!r} (use .txt, .md, .html or .nxml/.xml JATS)")
    return "text"


def decode(data: bytes, path: str) -> str:
    """Bytes -> text; binary or undecodable input is a BadInputError naming the line."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInputError(path, f"undecodable UTF-16 text: {exc.reason}", _line_of(data, exc.start))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BadInputError(path, "binary file (contains NUL bytes)", _line_of(data, nul))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise BadInputError(path, f"undecodable text (not UTF-8): {exc.reason}", _line_of(data, exc.start))
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 100):
        first = next(i for i, ch in enumerate(text) if ord(ch) < 32 and ch not in "\t\n\r\f\v")
        raise BadInputError(path, "binary file (control characters)", text.count("\n", 0, first) + 1)
    # private-use characters are ours to mark with; nothing real uses them here
    return re.sub("[\ue000-\uf8ff]", "", text).replace("\r\n", "\n").replace("\r", "\n")


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _finish(path: str, fmt: str, sha: str, title: str, blocks: list[Block], entries: list[Reference],
            chrome: bool, lexical: bool = True, aside: list[SetAside] | None = None,
            part: tuple[str, str] | None = None) -> Article:
    """The Article of one set of blocks; ``part`` (id suffix, name) for one article of a multi-article file."""
    seen: set[str] = set()
    entries = [r for r in entries if not (r.id in seen or seen.add(r.id))]   # first entry of a label wins
    ex = extract(blocks, entries, chrome=chrome, lexical=lexical)
    title = " ".join(title.split())
    if ex.title and (not title or any(s.text == title for s in ex.set_aside)):
        title = re.sub(r"(\*\*|__|`)", "", ex.title).strip()      # the reader's guess was page chrome
    if fmt == "jats":
        subject = title
    else:
        subject = ex.question or title
    aid = article_id(path)
    if part is not None:
        aid = f"{aid}--{part[0]}"
    set_aside = sorted(list(aside or []) + ex.set_aside, key=lambda s: s.line)
    return Article(id=aid, path=str(path), format=fmt, title=title or Path(path).stem,
                   subject=subject or title or Path(path).stem, text=ex.text, sha256=sha,
                   claims=ex.claims, references=ex.references, set_aside=set_aside,
                   part=part[1] if part else "")


# --------------------------------------------------------------------------
# Plain text and Markdown

_ITEM = re.compile(r"^\s*(?:[•\-*+–·▪◦‣]|\d{1,3}[.)])\s+(?=\S)")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)([^*_]{1,120})(?:\*\*|__)\s*:?\s*$")
_RULE = re.compile(r"^\s*([-=*_])(\s*\1){2,}\s*$")
_FOOTNOTE_DEF = re.compile(r"^\s*\[\^([A-Za-z0-9_.-]{1,20})\]:\s*(.*)$")
_LINK_DEF = re.compile(r"^\s{0,3}\[(\d{1,4})\]:\s+(\S.*)$")
_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]?\s*$")


def _read_text(text: str, path: str, sha: str, fmt: str) -> Article:
    lines = text.split("\n")
    lines = _blank_out_non_prose(lines)
    lines, entries = _take_references(lines)
    blocks = _text_blocks(lines)
    title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    if not title:
        first = next((b for b in blocks if b.kind != "item"), None)
        if first is not None and len(first.text.split()) <= 40 and \
                (first.kind == "heading" or looks_like_heading(first.text, False) or first.text.endswith("?")):
            title = first.text
    title = re.sub(r"(\*\*|__|`)", "", title).strip()
    return _finish(path, fmt, sha, title, blocks, entries, chrome=True)


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


def _looks_like_citation(text: str) -> bool:
    return bool(find_identifiers(text) or re.search(r"https?://", text) or
                (_YEAR_RE.search(text) and len(text.split()) >= 3))


def _looks_like_unheaded_citation(text: str) -> bool:
    """Stricter, for a numbered list with no References heading: a closing list of
    dated points ("1. Screening guidelines were revised in 2018.") is text, not a
    bibliography.  A citation there needs an identifier or a link, or the dotted
    shape of one ("Author A. Title. Journal. 2019;12:45.")."""
    if find_identifiers(text) or re.search(r"https?://", text):
        return True
    return bool(_YEAR_RE.search(text)) and len(re.findall(r"\.\s+\S", text)) >= 2


def _take_references(lines: list[str]) -> tuple[list[str], list[Reference]]:
    """Split off the reference list: footnote definitions, a trailing References
    section, or a trailing run of numbered entries that read as citations."""
    entries: list[Reference] = []
    body = list(lines)
    # Markdown footnote definitions and numbered link definitions ("[1]: https://..."), wherever they are.
    for i, ln in enumerate(lines):
        m = _FOOTNOTE_DEF.match(ln) or _LINK_DEF.match(ln)
        if m:
            raw = m.group(2)
            j = i + 1
            while j < len(lines) and lines[j].startswith(("    ", "\t")) and lines[j].strip():
                raw += " " + lines[j].strip()
                body[j] = ""
                j += 1
            entries.append(reference_from_entry(m.group(1), raw, i + 1))
            body[i] = ""
    # Candidates: the sections under the last few reference headings, and a trailing
    # run of numbered entries with no heading.  The one with the most entries that read
    # as citations wins ("Sources" over a page's source cards, near the top, is not the
    # reference list at its foot).
    candidates: list[tuple[int, list[int], list[Reference]]] = []
    for heading in [i for i in range(len(body) - 1, -1, -1) if _REF_HEADING.match(body[i])][:3]:
        end = len(body)
        for j in range(heading + 1, len(body)):
            s = body[j].strip()
            if _MD_HEADING.match(body[j]) or (s and not _entry_start(s) and _is_chrome_heading(s)):
                end = j
                break
        found = _entries([(j + 1, body[j]) for j in range(heading + 1, end)])
        cited = sum(1 for r in found if _looks_like_citation(r.raw))
        if found and 2 * cited >= len(found):
            candidates.append((cited, list(range(heading, end)), found))
    run: list[int] = []
    for i in range(len(body) - 1, -1, -1):
        s = body[i].strip()
        if not s:
            continue
        label, rest = split_entry_label(s)
        if label is None or not _looks_like_unheaded_citation(rest):
            break
        run.append(i)
    run.reverse()
    if run and (len(run) >= 2 or find_identifiers(body[run[0]])):
        found = _entries([(i + 1, body[i]) for i in run])
        candidates.append((sum(1 for r in found if _looks_like_citation(r.raw)) - 0.5, run, found))
    if candidates:
        _, lines_used, found = max(candidates, key=lambda c: c[0])
        entries.extend(found)
        for j in lines_used:
            body[j] = ""
    return body, entries


def _entry_start(s: str) -> bool:
    return split_entry_label(s)[0] is not None or bool(re.match(r"^[•\-*+–·]\s+", s))


def _is_chrome_heading(s: str) -> bool:
    return looks_like_heading(s, False) and is_chrome_heading(s)


def _entries(section: list[tuple[int, str]]) -> list[Reference]:
    """Entries of a reference section: numbered ones, else bullets or paragraphs in order."""
    # label, line, text pieces (joined once at the end: appending to a growing string made a
    # long run of continuation lines quadratic)
    items: list[tuple[str | None, int, list[str]]] = []
    numbered = any(split_entry_label(ln.strip())[0] is not None for _, ln in section if ln.strip())
    for lineno, ln in section:
        s = ln.strip()
        if not s:
            if not numbered and items and items[-1][2]:
                items.append((None, 0, []))            # paragraph break between unlabelled entries
            continue
        label, rest = split_entry_label(s)
        bullet = re.match(r"^[•\-*+–·]\s+", s)
        if label is not None and numbered:
            items.append((label, lineno, [rest]))
        elif bullet and not numbered:
            items.append((None, lineno, [s[bullet.end():]]))
        elif items and items[-1][2]:
            items[-1][2].append(s)
        else:
            items.append((None, lineno, [s]))
    out: list[Reference] = []
    seen: set[str] = set()
    for pos, (label, lineno, pieces) in enumerate([it for it in items if it[2]], start=1):
        txt = " ".join(pieces)
        lab = label or str(pos)
        if lab in seen:
            continue
        seen.add(lab)
        txt = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1 \2", txt)   # keep a link's target for its ids
        out.append(reference_from_entry(lab, txt, lineno))
    return out


def _text_blocks(lines: list[str]) -> list[Block]:
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
        m = _MD_HEADING.match(ln) or _BOLD_HEADING.match(ln)
        if m:
            flush()
            level = len(m.group(1)) if m.re is _MD_HEADING else 3
            text = m.group(2) if m.re is _MD_HEADING else m.group(1)
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
        continues = cur is not None and (
            s[0].islower() or (kind == "item" and raw[:1].isspace() and not _TERMINAL.search(last))
            or (len(last) >= 50 and not _TERMINAL.search(last)))
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


# --------------------------------------------------------------------------
# HTML

_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
              "button", "select", "iframe", "canvas", "object", "head", "math"}
# Skipped without a trace: code, styles and widgets hold no words a reader saw as text.
_SILENT_TAGS = {"script", "style", "noscript", "template", "svg", "select", "iframe", "canvas", "object", "head",
                "math"}
_SKIP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"}
_SKIP_CLASS = re.compile(r"(?i)(?:^|[\s_-])(nav|navbar|menu|breadcrumbs?|sidebar|cookies?|advert\w*|ads|share|"
                         r"social|newsletter|related|comments?|banner|promo|disclaimer|footer|modal|popup)(?:$|[\s_-])")
_REF_CLASS = re.compile(r"(?i)(?:^|[\s_-])(references?|reflist|ref-list|bibliography|citations|footnotes|works-cited)"
                        r"(?:$|[\s_-])")
_BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote", "dd", "dt",
               "section", "article", "main", "pre", "figcaption", "caption", "tr", "table", "ul", "ol", "dl",
               "body", "html", "address", "details", "summary", "figure"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr",
         "param", "keygen"}
_LABELISH = re.compile(r"^\s*[\[(]?\s*(\d{1,4}(?:\s*[-–—]\s*\d{1,4})?(?:\s*[,;]\s*\d{1,4}(?:\s*[-–—]\s*\d{1,4})?)*)"
                       r"\s*[\])]?\s*$")
_ASCII_INT = re.compile(r"\s*(-?[0-9]{1,6})\s*")     # list numbers: "²" or 5,000 digits are not one


def _list_number(value: str) -> int | None:
    m = _ASCII_INT.fullmatch(value or "")
    return int(m.group(1)) if m else None


class _HTMLReader(HTMLParser):
    """html.parser events -> blocks, in one pass with O(1) work per tag.

    The open-element stack keeps, per entry, what its ancestors decide (skipped,
    inside <main>, inside a reference list, block kind), so no event scans the
    stack: a page nested 100k levels deep reads in linear time (or is refused at
    ``max_depth``).
    """

    def __init__(self, path: str, max_depth: int):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.max_depth = max_depth
        self.stack: list[dict] = []
        self.open_tags: dict[str, int] = {}       # tag -> how many are open
        self.blocks: list[tuple[Block, bool, bool]] = []       # block, in main, in references
        self.aside: list[tuple[Block, str]] = []  # text of skipped page parts, and why
        self.cur = BlockBuilder()
        self.title = ""
        self.h1 = ""
        self.in_title = False
        self.capture: dict | None = None          # a <sup> or an in-page link being read
        self.lists: list[list] = []               # [ordered, counter]
        self.li_label: str | None = None
        self.ref_heading_level: int | None = None
        self.ref_heading_depth: int | None = None
        self.saw_main = False

    # state of the innermost open element (each entry inherits its parent's)
    def _top(self, key: str, default=None):
        return self.stack[-1][key] if self.stack else default

    def _skipping(self) -> bool:
        return bool(self._top("skip", ""))

    def _flush(self) -> None:
        if self.cur.empty():
            self.cur = BlockBuilder()
            return
        kind, level = self._top("kind", ("para", 0))
        label = self.li_label if kind == "item" else None
        b = self.cur.build(kind, level, label=label)
        self.cur = BlockBuilder()
        if b is None:
            return
        why = self._top("skip", "")
        if why:
            if why != "silent":
                self.aside.append((b, why))
            return
        if kind == "heading":
            if level == 1 and not self.h1:
                self.h1 = b.text
            if _REF_HEADING.match(b.text):
                self.ref_heading_level = level
                # the list under the heading ends with the element that holds both
                self.ref_heading_depth = len(self.stack) - 1
                return
            if self.ref_heading_level is not None and level <= self.ref_heading_level:
                self.ref_heading_level = None
        in_refs = self._top("refs", False) or self.ref_heading_level is not None
        self.blocks.append((b, self._top("main", False), in_refs))

    # parser callbacks
    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        line = self.getpos()[0]
        if tag == "title":
            self.in_title = True
            return
        if tag in _VOID:
            if tag == "br" and self.capture is None:
                self._flush()
            return
        if self.capture is not None:
            if tag == "a":
                self.capture["anchor"] = True
                href = a.get("href", "")
                if href and not href.startswith("#"):
                    self.cur.links.append(href)
            self.capture["depth"] += 1
            return
        if len(self.stack) >= self.max_depth:
            raise BadInputError(self.path, f"elements nested more than {self.max_depth} deep "
                                           f"(reading.max_depth in config.yaml)", line)
        cls = a.get("class", "") + " " + a.get("id", "")
        parent_skip = self._top("skip", "")
        if parent_skip:
            skip = parent_skip
        elif tag in _SILENT_TAGS:
            skip = "silent"
        elif tag in _SKIP_TAGS:
            skip = f"<{tag}>"
        elif a.get("role", "") in _SKIP_ROLES:
            skip = f"role={a['role']}"
        elif _SKIP_CLASS.search(cls):
            skip = f"class {_SKIP_CLASS.search(cls).group(1)}"
        elif "hidden" in a or a.get("aria-hidden") == "true":
            skip = "silent"                      # never shown to a reader
        else:
            skip = ""
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            kind = ("heading", int(tag[1]))
        elif tag == "li":
            kind = ("item", 0)
        elif tag in _BLOCK_TAGS:
            kind = ("para", 0)
        else:
            kind = self._top("kind", ("para", 0))
        main = tag in ("main", "article") or a.get("role") == "main"
        entry = {"tag": tag, "skip": skip, "kind": kind,
                 "main": main or self._top("main", False),
                 "refs": (bool(_REF_CLASS.search(cls)) and tag not in ("a", "span", "sup")) or self._top("refs", False)}
        if main:
            self.saw_main = True
        if tag in _BLOCK_TAGS:
            self._flush()
        self.stack.append(entry)
        self.open_tags[tag] = self.open_tags.get(tag, 0) + 1
        if skip:
            return
        if tag in ("ol", "ul"):
            start = _list_number(a.get("start", "1"))
            self.lists.append([tag == "ol", start - 1 if start is not None else 0])
        elif tag == "li":
            if self.lists:
                lst = self.lists[-1]
                val = _list_number(a.get("value", ""))
                lst[1] = val if val is not None else lst[1] + 1
                self.li_label = str(lst[1]) if lst[0] else None
            else:
                self.li_label = None
            m = re.search(r"([0-9]{1,4})$", a.get("id", ""))
            if m and re.search(r"(?i)ref|cite|fn|note|bib", a.get("id", "")):
                self.li_label = str(int(m.group(1)))
        elif tag == "sup":
            self.capture = {"kind": "sup", "text": "", "anchor": False, "depth": 0, "line": line,
                            "before": self._tail_text()}
        elif tag == "a":
            href = a.get("href", "")
            if href.startswith("#"):
                self.capture = {"kind": "a", "text": "", "anchor": True, "depth": 0, "line": line,
                                "before": self._tail_text()}
            elif href:
                self.cur.links.append(href)

    def _tail_text(self) -> str:
        for p in reversed(self.cur.pieces):
            if p[0] == "t":
                return p[1][-40:]
            return ""
        return ""

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
            return
        if tag in _VOID:
            return
        if self.capture is not None:
            if self.capture["depth"] > 0:
                self.capture["depth"] -= 1
                return
            if tag in (self.capture["kind"], "sup", "a"):
                self._end_capture()
                if tag in ("sup", "a"):
                    self.stack_pop(tag)
                return
            self._end_capture()
        if not self.open_tags.get(tag):
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        was_skipping = self._skipping()
        self.stack_pop(tag)
        if tag in ("ol", "ul") and self.lists and not was_skipping:
            self.lists.pop()

    def stack_pop(self, tag):
        """Close ``tag`` and whatever was left open inside it (each entry is popped once: linear overall)."""
        if not self.open_tags.get(tag):
            return
        while self.stack:
            e = self.stack.pop()
            self.open_tags[e["tag"]] -= 1
            if e["tag"] == tag:
                break
        if self.ref_heading_depth is not None and len(self.stack) < self.ref_heading_depth:
            self._flush()
            self.ref_heading_level = self.ref_heading_depth = None

    def _end_capture(self):
        cap, self.capture = self.capture, None
        text = cap["text"]
        m = _LABELISH.match(text)
        before = cap["before"]
        exponent = bool(_UNITS_BEFORE_EXPONENT.search(before)) and not cap["anchor"]
        if m and text.strip() and not exponent:
            labels = _expand(m.group(1))
            if labels:
                self.cur.add_marker(text, labels, cap["line"])
                return
        # an exponent stays one: "10^9 cells", "1.8 m^2"
        self.cur.add_text("^" + text.strip() if exponent and m else text, cap["line"])

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if self._top("skip", "") == "silent":
            return
        if self.capture is not None:
            self.capture["text"] += data
            return
        self.cur.add_text(data, self.getpos()[0])

    def close(self):
        super().close()
        if self.capture is not None:
            self._end_capture()
        self._flush()


def _read_html(text: str, path: str, sha: str, limits: ReadingConfig) -> list[Article]:
    reader = _HTMLReader(path, limits.max_depth)
    reader.feed(text)
    reader.close()
    keep_main = any(in_main for _, in_main, _ in reader.blocks)
    body: list[Block] = []
    entries: list[Reference] = []
    aside: list[SetAside] = [SetAside(b.text, b.line, f"page part outside the content ({why})")
                             for b, why in reader.aside]
    # No <main>/<article>: a boilerplate-removal library says which text is the content.
    main = None
    if not keep_main:
        found = main_text(text, limits.boilerplate)
        main = MainContent(found) if found else None
    seen: set[str] = set()
    for b, in_main, in_refs in reader.blocks:
        if in_refs:
            label, rest = split_entry_label(b.text)
            label = label or b.label or str(len(entries) + 1)
            if label in seen or not rest:
                continue
            seen.add(label)
            entries.append(reference_from_entry(label, rest, b.line, b.links))
        elif (b.kind == "heading" and b.level == 1) or b.markers or find_markers(b.text, [])[0]:
            body.append(b)                   # a block with markers is kept wherever it sits
        elif keep_main and not in_main:
            aside.append(SetAside(b.text, b.line, "outside the page's <main>/<article>"))
        elif main is not None and not main.holds(b.text):
            aside.append(SetAside(b.text, b.line, f"not in the page's main content ({limits.boilerplate})"))
        else:
            body.append(b)
    aside.sort(key=lambda s: s.line)
    title = reader.h1 or html.unescape(reader.title)
    return [_finish(path, "html", sha, title, body, entries, chrome=True, aside=aside)]


# --------------------------------------------------------------------------
# JATS


class _LinedTree:
    """expat -> ElementTree, remembering each element's start and end lines."""

    def __init__(self, data: bytes, path: str, max_depth: int = 400):
        self.start: dict[int, int] = {}
        self.end: dict[int, int] = {}
        builder = ET.TreeBuilder()
        parser = expat.ParserCreate()
        parser.buffer_text = True
        stack: list[ET.Element] = []

        def start(tag, attrs):
            if len(stack) >= max_depth:
                raise BadInputError(path, f"elements nested more than {max_depth} deep "
                                          f"(reading.max_depth in config.yaml)", parser.CurrentLineNumber)
            el = builder.start(tag, attrs)
            self.start[id(el)] = parser.CurrentLineNumber
            stack.append(el)

        def end(tag):
            el = builder.end(tag)
            self.end[id(el)] = parser.CurrentLineNumber
            stack.pop()

        def skipped(name, is_param):
            # an entity the (unread) DTD defines: HTML names cover what JATS uses
            if not is_param and stack:
                builder.data(html.unescape(f"&{name};") if not name.startswith("#") else "")

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = builder.data
        parser.SkippedEntityHandler = skipped
        try:
            parser.Parse(data, True)
            self.root = builder.close()
        except expat.ExpatError as exc:
            raise BadInputError(path, f"malformed XML: {expat.ErrorString(exc.code)} (column {exc.offset})",
                                exc.lineno)
        except (ValueError, AssertionError) as exc:       # TreeBuilder on inconsistent input
            raise BadInputError(path, f"malformed XML: {exc}", parser.CurrentLineNumber)

    def line(self, el: ET.Element) -> int:
        return self.start.get(id(el), 0)

    def end_line(self, el: ET.Element) -> int:
        return self.end.get(id(el), self.line(el))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] if isinstance(tag, str) else ""


def _text_of(el: ET.Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


_JATS_BLOCK = {"p", "list", "list-item", "table-wrap", "fig", "disp-formula", "disp-quote", "boxed-text", "sec",
               "def-list", "statement", "table-wrap-group", "fig-group", "preformat", "code", "speech",
               "verse-group", "supplementary-material", "media", "graphic", "array", "chem-struct-wrap"}
_JATS_SKIP = {"disp-formula", "media", "graphic", "ref-list", "fn-group", "preformat", "code", "array",
              "chem-struct-wrap", "label", "alternatives", "object-id", "fn"}
# Figures and tables: their captions, cells and table footnotes are read (citations there count).
_JATS_FLOAT = {"table-wrap", "fig", "supplementary-material", "table-wrap-group", "fig-group"}


def _read_jats(data: bytes, path: str, sha: str, limits: ReadingConfig) -> list[Article]:
    tree = _LinedTree(data, path, limits.max_depth)
    root = tree.root
    if _local(root.tag) == "article":
        arts = [root]
    else:
        # every <article> of a PMC article set, not only the first
        arts = [el for el in root.iter() if _local(el.tag) == "article"]
    if not arts:
        raise BadInputError(path, f"no <article> element: <{_local(root.tag)}> is not a JATS article", tree.line(root))
    if len(arts) == 1:
        return [_jats_article(arts[0], tree, path, sha, None)]
    out = []
    used: set[str] = set()
    for n, art in enumerate(arts, start=1):
        pmc = _jats_article_id(art)
        key = pmc if pmc and pmc not in used else f"a{n}"
        used.add(key)
        name = f"article {n} of {len(arts)}" + (f" ({pmc})" if pmc else "") + f", line {tree.line(art)}"
        out.append(_jats_article(art, tree, path, sha, (key, name)))
    return out


def _jats_article_id(art: ET.Element) -> str:
    """The article's PMC id (PMC123), else its PMID, from <front>/<article-meta>."""
    found = {}
    for el in art.iter():
        if _local(el.tag) == "article-id":
            kind = (el.get("pub-id-type") or "").lower()
            val = _text_of(el)
            if val and kind not in found:
                found[kind] = val
        elif _local(el.tag) in ("body", "back"):
            break
    pmc = found.get("pmc") or found.get("pmcid")
    if pmc:
        return pmc.upper() if pmc.upper().startswith("PMC") else f"PMC{pmc}"
    if found.get("pmid", "").isdigit():
        return f"PMID{found['pmid']}"
    return ""


def _jats_article(art: ET.Element, tree: "_LinedTree", path: str, sha: str, part) -> Article:
    title_el = next((el for el in art.iter() if _local(el.tag) == "article-title"), None)
    title = _text_of(title_el)
    for el in art:
        if _local(el.tag) == "front":
            meta = next((m for m in el.iter() if _local(m.tag) == "title-group"), None)
            if meta is not None:
                t = next((m for m in meta if _local(m.tag) == "article-title"), None)
                title = _text_of(t) or title
            break

    refs, label_of, order = _jats_references(art, tree)
    position = {key: i for i, key in enumerate(order)}

    def expand(a: str, b: str | int) -> list[str] | None:
        """Labels from ``a`` to ``b`` in list order (``b`` a label, or how many entries on)."""
        if a not in position:
            return None
        i = position[a]
        j = i + b if isinstance(b, int) else position.get(b, -1)
        if i < j <= i + 50 and j < len(order):
            return order[i:j + 1]
        return None

    blocks: list[Block] = []
    body = next((el for el in art if _local(el.tag) == "body"), None)
    if body is not None:
        _jats_walk(body, tree, label_of, expand, blocks, level=1)
    # Floats kept in <back> or <floats-group> (PMC puts tables there) are read too.
    for el in art:
        if _local(el.tag) in ("floats-group", "floats-wrap"):
            _jats_walk(el, tree, label_of, expand, blocks, level=1)
    return _finish(path, "jats", sha, title, blocks, refs, chrome=False, lexical=False, part=part)


def _jats_references(art: ET.Element, tree: "_LinedTree") -> tuple[list[Reference], dict[str, str], list[str]]:
    back = next((el for el in art if _local(el.tag) == "back"), None)
    ref_els = [el for el in back.iter() if _local(el.tag) == "ref"] if back is not None else []
    labels = []
    for el in ref_els:
        lab = next((c for c in el if _local(c.tag) == "label"), None)
        labels.append(re.sub(r"^[\[(]\s*|\s*[\])]?\.?$", "", _text_of(lab)).strip())
    ids = [el.get("id", "") for el in ref_els]
    use_labels = all(labels) and len(set(labels)) == len(labels)
    keys = []
    for i, el in enumerate(ref_els):
        key = labels[i] if use_labels else (ids[i] or labels[i] or str(i + 1))
        keys.append(key)
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    if any(c > 1 for c in counts.values()):        # ids repeated (broken file): position is unique
        keys = [f"{k or 'ref'}#{i + 1}" if counts[k] > 1 else k for i, k in enumerate(keys)]
    label_of = {ids[i]: keys[i] for i in range(len(ref_els)) if ids[i]}
    refs = []
    for el, key in zip(ref_els, keys):
        refs.append(_jats_reference(el, key, tree))
    return refs, label_of, keys


def _jats_reference(el: ET.Element, key: str, tree: _LinedTree) -> Reference:
    cit = next((c for c in el.iter() if _local(c.tag) in ("mixed-citation", "element-citation", "citation",
                                                           "nlm-citation")), el)
    # Element texts joined with spaces: element-citations (and some mixed ones)
    # carry no punctuation between author, title and journal.
    raw = " ".join(" ".join(t.strip() for t in _iter_text_skip(cit, {"label"}) if t.strip()).split())
    raw = re.sub(r"([(\[])\s+", r"\1", re.sub(r"\s+([,.;:)\]])", r"\1", raw))
    pmid = doi = pmcid = None
    bad_pmid = ""
    for pid in el.iter():
        name = _local(pid.tag)
        if name not in ("pub-id", "object-id"):
            continue
        kind = (pid.get("pub-id-type") or "").lower()
        val = _text_of(pid)
        if kind == "pmid" and val.isdigit() and not pmid:
            # A PMID has 8 digits; thousands of them are this reference's error, not the file's
            # (int() of such a string raises, and once took the whole article set with it).
            if len(val.lstrip("0")) > MAX_PMID_DIGITS or not val.strip("0"):
                bad_pmid = bad_pmid or val
            else:
                pmid = val.lstrip("0")
        elif kind == "doi" and val and not doi:
            doi = val
        elif kind in ("pmc", "pmcid") and val and not pmcid:
            pmcid = val.upper() if val.upper().startswith("PMC") else f"PMC{val}"
    hrefs = []
    for x in el.iter():
        for k, v in x.attrib.items():
            if _local(k) == "href":
                hrefs.append(v)
    found = find_identifiers(raw + " " + " ".join(hrefs))
    pmid = pmid or found.get("pmid")
    doi = doi or found.get("doi")
    pmcid = pmcid or found.get("pmcid")
    title = _text_of(next((c for c in cit.iter() if _local(c.tag) in ("article-title", "chapter-title")), None))
    journal = _text_of(next((c for c in cit.iter() if _local(c.tag) == "source"), None))
    year_txt = _text_of(next((c for c in cit.iter() if _local(c.tag) == "year"), None))
    ym = _YEAR_RE.search(year_txt or "")
    year = int(ym.group(1)) if ym else None
    if not title and not journal:
        from audit.reading.extract import parse_citation
        title, journal, year2 = parse_citation(raw)
        year = year or year2
    ref = Reference(id=key, raw=raw, pmid=pmid, doi=doi, pmcid=pmcid, line=tree.line(el),
                    cited_title=title or None, cited_journal=journal or None, cited_year=year, in_list=True)
    if bad_pmid and not (pmid or doi or pmcid):
        shown = bad_pmid if len(bad_pmid) <= 20 else f"{bad_pmid[:12]}... ({len(bad_pmid):,} digits)"
        ref.status, ref.reason = UNRESOLVED, f"its pub-id PMID {shown} is not a PMID"
    return ref


def _iter_text_skip(el: ET.Element, skip: set[str]):
    if _local(el.tag) in skip:
        return
    if el.text:
        yield el.text
    for c in el:
        yield from _iter_text_skip(c, skip)
        if c.tail:
            yield c.tail


def _jats_walk(el: ET.Element, tree: _LinedTree, label_of: dict[str, str], expand, blocks: list[Block],
               level: int) -> None:
    for child in el:
        name = _local(child.tag)
        if name in _JATS_SKIP:
            continue
        if name in _JATS_FLOAT:
            _jats_float(child, tree, label_of, expand, blocks, level)
        elif name == "sec":
            t = next((c for c in child if _local(c.tag) == "title"), None)
            if t is not None and _text_of(t):
                hb = BlockBuilder()
                hb.add_text(_text_of(t), tree.line(t))
                b = hb.build("heading", level=min(level + 1, 6))
                if b:
                    blocks.append(b)
            _jats_walk(child, tree, label_of, expand, blocks, level + 1)
        elif name == "title":
            continue
        elif name == "p":
            _jats_paragraph(child, tree, label_of, expand, blocks, "para", level)
        elif name == "list-item":
            _jats_paragraph(child, tree, label_of, expand, blocks, "item", level)
        else:
            _jats_walk(child, tree, label_of, expand, blocks, level)


_XREF_RANGE = re.compile(r"^\s*[\[(]?\s*(\d{1,4})\s*[-–—]\s*(\d{1,4})\s*[\])]?\s*$")


def _xref_range(shown: str, labels: list[str], expand) -> list[str]:
    """One <xref> written "44–46" points at 44 only: the run is 44, 45, 46 of the list."""
    m = _XREF_RANGE.match(shown)
    if not m or len(labels) != 1:
        return labels
    a, b = int(m.group(1)), int(m.group(2))
    if not a < b <= a + 50:
        return labels
    run = expand(labels[0], b - a)
    return run or labels


def _jats_float(el: ET.Element, tree: _LinedTree, label_of, expand, blocks: list[Block], level: int) -> None:
    """A figure or table: caption title and paragraphs, each table cell, table footnotes."""
    for child in el:
        name = _local(child.tag)
        if name in ("label", "graphic", "media", "object-id", "disp-formula", "colgroup", "col"):
            continue
        if name == "caption":
            for c in child:
                if _local(c.tag) in ("title", "p"):
                    _jats_paragraph(c, tree, label_of, expand, blocks, "para", level)
        elif name == "tr":
            # A row is one statement ("HNRNPK | P61978 | Moumen et al., 2013"): a cell holding
            # only a citation cites what its row says.
            cells = [c for c in child if _local(c.tag) in ("td", "th")]
            if cells:
                _jats_paragraph(child, tree, label_of, expand, blocks, "item", level, cells=cells)
        elif name in ("p", "attrib", "title"):
            _jats_paragraph(child, tree, label_of, expand, blocks, "para", level)
        else:                   # table, thead, tbody, alternatives, table-wrap-foot, fn-group, fn, nested floats
            _jats_float(child, tree, label_of, expand, blocks, level)


def _jats_paragraph(el: ET.Element, tree: _LinedTree, label_of, expand, blocks: list[Block], kind: str,
                    level: int, cells: list[ET.Element] | None = None) -> None:
    """A <p> (or list item) as one block; block-level children become blocks of their own."""
    state = {"b": BlockBuilder(expand)}

    def flush():
        b = state["b"].build(kind)
        if b is not None:
            blocks.append(b)
        state["b"] = BlockBuilder(expand)

    def inline(node: ET.Element, line: int):
        if node.text:
            state["b"].add_text(node.text, line)
        for c in node:
            cname = _local(c.tag)
            if cname in _JATS_BLOCK:
                flush()
                if cname in ("p", "list-item"):
                    _jats_paragraph(c, tree, label_of, expand, blocks, "item" if cname == "list-item" else kind,
                                    level)
                elif cname in _JATS_FLOAT:
                    _jats_float(c, tree, label_of, expand, blocks, level)
                elif cname not in _JATS_SKIP:
                    _jats_walk(c, tree, label_of, expand, blocks, level)
            elif cname == "xref" and (c.get("ref-type") == "bibr" or
                                      any(r in label_of for r in (c.get("rid") or "").split())):
                rids = (c.get("rid") or "").split()
                labels = [label_of.get(r, r) for r in rids]
                shown = _text_of(c)
                labels = _xref_range(shown, labels, expand)
                state["b"].add_marker(shown, labels, tree.line(c))
            elif cname in ("fn", "label", "alternatives") and cname in _JATS_SKIP:
                pass
            else:
                inline(c, tree.line(c))
            if c.tail:
                state["b"].add_text(c.tail, tree.end_line(c))

    if cells is None:
        inline(el, tree.line(el))
    else:
        for i, cell in enumerate(cells):
            if i and not state["b"].empty():
                state["b"].add_text(" ; ", tree.line(cell))
            inline(cell, tree.line(cell))
    flush()
