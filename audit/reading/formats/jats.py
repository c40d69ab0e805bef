"""JATS XML and PMC article sets -> Article(s): every <article> of a set, each its own.

expat (under xml.etree's TreeBuilder) parses, because expat tells the line of every
element; no DTD is read (the HTML entity names cover what JATS uses).  <xref ref-type=
"bibr"> are the markers, so no marker is read from the words; figures and tables
(captions, cells, table footnotes) are read; a reference's pub-ids are taken as given.
"""
from __future__ import annotations

import html
import re
from xml.etree import ElementTree as ET
from xml.parsers import expat

from audit.errors import BadInputError
from audit.models import MAX_PMID_DIGITS, UNRESOLVED, Article, Reference
from audit.reading import assemble
from audit.reading.blocks import Block, BlockBuilder
from audit.reading.formats.base import Reader
from audit.reading.formats.html import looks_html
from audit.reading.references import YEAR_RE, find_identifiers, parse_citation
from audit.reading.source import Source


def looks_xml(data: bytes) -> bool:
    """An XML document, or a JATS article or article set, by its first bytes."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<?xml") or head.startswith((b"<article", b"<pmc-articleset", b"<!doctype article",
                                                         b"<!doctype pmc-articleset"))


class JatsReader(Reader):
    name = "jats"
    suffixes = (".xml", ".nxml")
    what = "JATS XML, PMC article sets"

    def read_as(self, data: bytes) -> str:
        return "html" if looks_html(data) and not looks_xml(data) else ""   # a web page saved as .xml

    def sniff(self, data: bytes) -> bool:
        return looks_xml(data) and b"<article" in data[:200000]

    def read(self, src: Source) -> list[Article]:
        return read_jats(src)


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


def read_jats(src: Source) -> list[Article]:
    path = src.path
    tree = _LinedTree(src.data, path, src.limits.max_depth)
    root = tree.root
    if _local(root.tag) == "article":
        arts = [root]
    else:
        # every <article> of a PMC article set, not only the first
        arts = [el for el in root.iter() if _local(el.tag) == "article"]
    if not arts:
        raise BadInputError(path, f"no <article> element: <{_local(root.tag)}> is not a JATS article", tree.line(root))
    if len(arts) == 1:
        return [_jats_article(arts[0], tree, src, None)]
    out = []
    used: set[str] = set()
    for n, art in enumerate(arts, start=1):
        pmc = _jats_article_id(art)
        key = pmc if pmc and pmc not in used else f"a{n}"
        used.add(key)
        name = f"article {n} of {len(arts)}" + (f" ({pmc})" if pmc else "") + f", line {tree.line(art)}"
        out.append(_jats_article(art, tree, src, (key, name)))
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


def _jats_article(art: ET.Element, tree: "_LinedTree", src: Source, part) -> Article:
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
    # The title is the authors' statement of the subject; a JATS article asks no question of its own.
    return assemble.article(src, "jats", title, blocks, refs, chrome=False, lexical=False, part=part,
                            subject_is_title=True)


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
    ym = YEAR_RE.search(year_txt or "")
    year = int(ym.group(1)) if ym else None
    if not title and not journal:
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
