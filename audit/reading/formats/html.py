"""HTML pages -> Article, with html.parser (standard library, one pass, the line of every tag).

Page parts a reader does not see as the article (navigation, headers, footers, asides,
cookie banners, share widgets) are set aside with why; with a <main> or <article> the
text outside it is set aside, without one a boilerplate-removal library judges the
content (``boilerplate``).  <sup> numbers and in-page links are structural markers; a
list under a References heading or in a reference-list class is the reference list.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from audit.errors import BadInputError
from audit.models import Article, Reference, SetAside
from audit.reading import assemble
from audit.reading.blocks import Block, BlockBuilder
from audit.reading.boilerplate import MainContent, main_text
from audit.reading.decode import decode
from audit.reading.formats.base import Reader
from audit.reading.markers import LABELS_ONLY, expand_labels, find_markers, is_exponent_context
from audit.reading.reference_list import REF_HEADING
from audit.reading.references import reference_from_entry, split_entry_label
from audit.reading.source import Source

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
_ASCII_INT = re.compile(r"\s*(-?[0-9]{1,6})\s*")     # list numbers: "²" or 5,000 digits are not one


def _list_number(value: str) -> int | None:
    m = _ASCII_INT.fullmatch(value or "")
    return int(m.group(1)) if m else None


def looks_html(data: bytes) -> bool:
    """An HTML page by its first bytes, whatever the file is called."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or (b"<html" in head and b"<body" in data[:20000].lower())


class HtmlReader(Reader):
    name = "html"
    suffixes = (".html", ".htm")
    what = "HTML pages"

    def sniff(self, data: bytes) -> bool:
        return looks_html(data)

    def read(self, src: Source) -> list[Article]:
        return read_html(decode(src.data, src.path), src)


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
            if REF_HEADING.match(b.text):
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
        m = LABELS_ONLY.match(text)
        before = cap["before"]
        exponent = is_exponent_context(before) and not cap["anchor"]
        if m and text.strip() and not exponent:
            labels = expand_labels(m.group(1))
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


def read_html(text: str, src: Source) -> list[Article]:
    reader = _HTMLReader(src.path, src.limits.max_depth)
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
        found = main_text(text, src.limits.boilerplate)
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
            aside.append(SetAside(b.text, b.line, f"not in the page's main content ({src.limits.boilerplate})"))
        else:
            body.append(b)
    aside.sort(key=lambda s: s.line)
    title = reader.h1 or html.unescape(reader.title)
    return [assemble.article(src, "html", title, body, entries, chrome=True, aside=aside)]
