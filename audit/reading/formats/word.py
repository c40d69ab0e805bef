"""Word .docx -> Article: the author's final wording, notes, tables, and the citations a
reference manager wrote into the file.

lxml reads the OOXML parts directly (python-docx models neither field codes, tracked
changes, footnotes nor comments, and mammoth drops field codes): tracked insertions are
kept and deletions dropped (listed as set aside), comments are set aside and listed,
footnotes, endnotes and table rows are read, each with where it sits.

Citations: Zotero (``ADDIN ZOTERO_ITEM CSL_CITATION {json}``, also in bookmark mode with
the JSON in docProps/custom.xml), Mendeley (``ADDIN CSL_CITATION``, its bookmarks, and
``MENDELEY_CITATION`` content controls) and EndNote (``ADDIN EN.CITE <EndNote>`` and its
base64 ``EN.CITE.DATA``) are read as structured references from the manager's own data,
each field a marker at its place in its sentence.  Plain typed markers and a typed
reference list are read as for every other format (``ingest``/``extract``).

Each block's ``line`` is its paragraph's ordinal in the file; ``locations`` names it
("paragraph 12", "footnote 3", "table 1, row 4") and becomes ``Claim.location``.
"""
from __future__ import annotations

import base64
import json
import re
import zipfile
import io
from dataclasses import dataclass, field

from audit.errors import BadInputError
from audit.models import Article, SetAside
from audit.reading.extract import Block, BlockBuilder, _expand
from audit.reading.formats.refexport import Entry, entry_from_csl, entry_from_endnote, parse_xml

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LABELISH = re.compile(r"^\s*[\[(]?\s*(\d{1,4}(?:\s*[-–—]\s*\d{1,4})?(?:\s*[,;]\s*\d{1,4}(?:\s*[-–—]\s*\d{1,4})?)*)"
                       r"\s*[\])]?\s*$")
_CITATION = re.compile(r"^\s*(?:ADDIN\s+)?(ZOTERO_ITEM|CSL_CITATION|EN\.CITE(?!\.DATA)|Mendeley Citation)")
_BIBLIOGRAPHY = re.compile(r"^\s*(?:ADDIN\s+)?(ZOTERO_BIBL|Mendeley Bibliography|EN\.REFLIST)")
_SUP = "\x01"                    # a superscript number's labels, until the document's style is known
_TYPED = re.compile(r"[\[(]\s*\d{1,4}(?:\s*[-–—,;]\s*\d{1,4})*\s*[\])]")


@dataclass
class _Field:
    instr: list[str] = field(default_factory=list)
    phase: str = "instr"         # instr | result
    display: list[str] = field(default_factory=list)
    kind: str = ""               # citation | bibliography | other (decided at "separate")
    keys: list[str] = field(default_factory=list)


@dataclass
class _Para:
    kind: str                    # heading | para | item
    level: int
    line: int
    builder: BlockBuilder
    label: str = ""              # an auto-numbered list's number ("3")
    where: str = ""              # body | table | note


class _Reader:
    def __init__(self, data: bytes, path: str, limits):
        self.path = path
        self.limits = limits
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as exc:
            raise BadInputError(path, f"corrupt Word file: {exc}")
        self.names = set(self.zip.namelist())
        self.read_bytes = 0
        self.paras: list[_Para] = []
        self.locations: dict[int, str] = {}
        self.aside: list[SetAside] = []
        self.items: dict[str, Entry] = {}          # citation key -> the manager's record
        self.shown: dict[str, list[str]] = {}      # key -> numbers its citations displayed
        self.order: list[str] = []                 # keys in order of first citation
        self.note_keys: dict[tuple[str, str], list[str]] = {}   # (footnote|endnote, id) -> citation keys
        self.note_number: dict[str, int] = {"footnote": 0, "endnote": 0}
        self.bookmarks: dict[str, str] = self._bookmark_data()
        self.open_marks: dict[str, _Field] = {}
        self.styles = self._styles()
        self.numbering = self._numbering()
        self.counters: dict[tuple[str, str], int] = {}
        self.fields: list[_Field] = []
        self.in_bibliography = False
        self.line = 0
        self.plain = ""

    # -- parts -------------------------------------------------------------
    def part(self, name: str):
        if name not in self.names:
            return None
        info = self.zip.getinfo(name)
        cap = self.limits.max_bytes
        with self.zip.open(info) as fh:
            raw = fh.read(cap + 1)          # the declared size can lie: read at most the cap
        self.read_bytes += len(raw)
        if len(raw) > cap or self.read_bytes > 4 * cap:
            raise BadInputError(self.path, f"{name} unpacks to more than {cap:,} bytes "
                                           f"(reading.max_bytes in config.yaml)")
        return parse_xml(raw, f"{self.path}!{name}", self.limits.max_depth)

    def _styles(self) -> dict[str, tuple[str, int]]:
        """styleId -> (kind, heading level) from styles.xml names ("heading 2", "Title", "List ...")."""
        out: dict[str, tuple[str, int]] = {}
        root = self.part("word/styles.xml")
        if root is None:
            return out
        for st in root.iter(W + "style"):
            sid = st.get(W + "styleId") or ""
            name_el = st.find(W + "name")
            name = (name_el.get(W + "val") if name_el is not None else sid or "").lower()
            m = re.match(r"heading\s*(\d)", name)
            if m:
                out[sid] = ("heading", int(m.group(1)) + 1)
            elif name in ("title",):
                out[sid] = ("heading", 1)
            elif name.startswith("list"):
                out[sid] = ("item", 0)
        return out

    def _numbering(self) -> dict[tuple[str, str], str]:
        """(numId, ilvl) -> number format ("decimal", "bullet", ...)."""
        root = self.part("word/numbering.xml")
        if root is None:
            return {}
        abstract = {}
        for an in root.iter(W + "abstractNum"):
            for lvl in an.iter(W + "lvl"):
                fmt = lvl.find(W + "numFmt")
                abstract[(an.get(W + "abstractNumId"), lvl.get(W + "ilvl"))] = \
                    fmt.get(W + "val") if fmt is not None else ""
        out = {}
        for num in root.iter(W + "num"):
            aid = num.find(W + "abstractNumId")
            if aid is None:
                continue
            for (a, lvl), fmt in abstract.items():
                if a == aid.get(W + "val"):
                    out[(num.get(W + "numId"), lvl)] = fmt
        return out

    def _bookmark_data(self) -> dict[str, str]:
        """Zotero's and Mendeley's bookmark storage: the field code split over custom properties."""
        root = self.part("docProps/custom.xml")
        if root is None:
            return {}
        pieces: dict[str, list[tuple[int, str]]] = {}
        for prop in root:
            name = prop.get("name") or ""
            m = re.match(r"^((?:ZOTERO_BREF|Mendeley_Bookmark)_[A-Za-z0-9_]+?)_(\d+)$", name)
            if m:
                pieces.setdefault(m.group(1), []).append((int(m.group(2)), "".join(prop.itertext())))
        return {k: "".join(t for _, t in sorted(v)) for k, v in pieces.items()}

    # -- citations ---------------------------------------------------------
    def _cite(self, instr: str, shown: str, line: int) -> list[str]:
        """The keys of the items a citation field holds (registering each item once)."""
        found: list[tuple[str, Entry]] = []
        if "EN.CITE" in instr:
            found = self._endnote(instr, line)
        else:
            start = instr.find("{")
            try:
                data, _ = json.JSONDecoder().raw_decode(instr[start:]) if start >= 0 else ({}, 0)
            except ValueError:
                data = {}
            props = data.get("properties") if isinstance(data, dict) else None
            self.plain = str(props.get("plainCitation") or "") if isinstance(props, dict) else ""
            for i, it in enumerate(data.get("citationItems") or [] if isinstance(data, dict) else []):
                if not isinstance(it, dict):
                    continue
                item = it.get("itemData") if isinstance(it.get("itemData"), dict) else {}
                uris = it.get("uris") or it.get("uri") or []
                key = str((uris[0] if isinstance(uris, list) and uris else "") or it.get("id") or
                          item.get("DOI") or item.get("title") or f"{line}.{i}")
                found.append((key, entry_from_csl(item, key)))
        if not found:
            self.aside.append(SetAside(shown or instr[:200], line, "citation field whose data could not be read"))
            return []
        nums = [int(n) for n in _expand(_LABELISH.match(shown).group(1))] if _LABELISH.match(shown or "") else []
        keys = []
        for j, (key, entry) in enumerate(found):
            if key not in self.items:
                self.items[key] = entry
                self.order.append(key)
            if len(nums) == len(found):
                self.shown.setdefault(key, []).append(str(nums[j]))
            keys.append(key)
        return keys

    def _endnote(self, instr: str, line: int) -> list[tuple[str, Entry]]:
        body = instr.split("EN.CITE", 1)[1]
        m = re.search(r"EN\.CITE\.DATA\s+(\S+)", instr)
        if m and "<EndNote" not in body:
            try:
                body = base64.b64decode(m.group(1) + "===").decode("utf-8", "replace")
            except ValueError:
                return []
        start = body.find("<EndNote")
        if start < 0:
            return []
        try:
            root = parse_xml(body[start:body.rfind("</EndNote>") + 10].encode("utf-8"), self.path,
                             self.limits.max_depth)
        except BadInputError:
            return []
        out = []
        for cite in root.iter("Cite"):
            rec = cite.find("record")
            recnum = (cite.findtext("RecNum") or "").strip()
            if rec is None:
                continue
            entry = entry_from_endnote(rec, recnum)
            out.append((f"endnote:{recnum or entry.title}", entry))
        return out

    def labels(self) -> dict[str, str]:
        """Key -> reference label: the numbers the style printed when every citation agrees,
        else the order of first citation."""
        numeric = all(k in self.shown for k in self.order) and bool(self.order)
        out: dict[str, str] = {}
        if numeric:
            for k in self.order:
                if len(set(self.shown[k])) != 1:
                    numeric = False
                    break
                out[k] = self.shown[k][0]
            if len(set(out.values())) != len(out):
                numeric = False
        if not numeric:
            out = {k: str(i + 1) for i, k in enumerate(self.order)}
        return out

    # -- walking -----------------------------------------------------------
    def walk_part(self, root, where: str, prefix: str = "") -> None:
        body = root.find(W + "body") if root.tag == W + "document" else root
        if body is None:
            return
        tables = [0]
        count = [0]
        self._blocks(body, where, prefix, tables, count)

    def _blocks(self, el, where, prefix, tables, count) -> None:
        for child in el:
            tag = child.tag
            if tag == W + "p":
                count[0] += 1
                self._paragraph(child, where, f"{prefix}paragraph {count[0]}")
            elif tag == W + "tbl":
                tables[0] += 1
                self._table(child, where, f"{prefix}table {tables[0]}")
            elif tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo"):
                self._blocks(child, where, prefix, tables, count)

    def _table(self, tbl, where: str, name: str) -> None:
        for r, row in enumerate(tbl.iter(W + "tr"), start=1):
            self.line += 1
            para = _Para("item", 0, self.line, BlockBuilder(), where="table")
            self.locations[self.line] = f"{name}, row {r}"
            for c, cell in enumerate(row.findall(W + "tc")):
                if c:
                    para.builder.add_text(" ; ", self.line)
                for p in cell.iter(W + "p"):
                    self._inline(p, para)
                    para.builder.add_text(" ", self.line)
            self.paras.append(para)

    def _paragraph(self, p, where: str, name: str) -> None:
        self.line += 1
        self.locations[self.line] = name
        ppr = p.find(W + "pPr")
        kind, level, label = "para", 0, ""
        if ppr is not None:
            st = ppr.find(W + "pStyle")
            if st is not None:
                kind, level = self.styles.get(st.get(W + "val"), ("para", 0))
            outline = ppr.find(W + "outlineLvl")
            if outline is not None and (outline.get(W + "val") or "").isdigit() and int(outline.get(W + "val")) < 6:
                kind, level = "heading", int(outline.get(W + "val")) + 2
            num = ppr.find(W + "numPr")
            if num is not None and kind != "heading":
                nid = num.find(W + "numId")
                ilvl = num.find(W + "ilvl")
                key = (nid.get(W + "val") if nid is not None else "", ilvl.get(W + "val") if ilvl is not None else "0")
                if key[0] and key[0] != "0":
                    kind = "item"
                    if self.numbering.get(key) == "decimal":
                        self.counters[key] = self.counters.get(key, 0) + 1
                        label = str(self.counters[key])
        para = _Para(kind, level, self.line, BlockBuilder(), label=label, where=where)
        bib_before = self.in_bibliography
        self._inline(p, para)
        if bib_before or self.in_bibliography:
            # a reference manager's printed bibliography: its data came from the fields
            text = para.builder.build("para")
            if text is not None:
                self.aside.append(SetAside(text.text, self.line, "bibliography printed by the reference manager "
                                                                 "(the references were read from its citation fields)"))
            return
        self.paras.append(para)

    def _text(self, para: _Para, text: str, superscript: bool = False) -> None:
        if self.fields and self.fields[-1].phase == "result" and self.fields[-1].kind == "citation":
            self.fields[-1].display.append(text)
            return
        if self.open_marks:
            for mark in self.open_marks.values():
                mark.display.append(text)
            return
        if superscript and _LABELISH.match(text) and text.strip():
            labels = _expand(_LABELISH.match(text).group(1))
            if labels:
                # decided for the whole document once it is read (``_superscripts``)
                para.builder.add_marker(text, [_SUP + lab for lab in labels], self.line)
                return
        para.builder.add_text(text, self.line)

    def _inline(self, el, para: _Para) -> None:
        for child in el:
            tag = child.tag
            if tag == W + "r":
                self._run(child, para)
            elif tag in (W + "del", W + "moveFrom"):
                gone = " ".join("".join(t.text or "" for t in child.iter(W + "delText", W + "t")).split())
                if gone:
                    self.aside.append(SetAside(gone, self.line, "tracked deletion (not in the author's final wording)"))
            elif tag == W + "fldSimple":
                f = _Field(instr=[child.get(W + "instr") or ""])
                self._field_begin(f)
                self._field_separate(para)
                self._inline(child, para)
                self._field_end(para)
            elif tag == W + "bookmarkStart":
                name = child.get(W + "name") or ""
                if name in self.bookmarks:
                    f = _Field(instr=[self.bookmarks[name]], phase="result", kind="citation")
                    self.open_marks[child.get(W + "id") or name] = f
            elif tag == W + "bookmarkEnd":
                f = self.open_marks.pop(child.get(W + "id") or "", None)
                if f is not None:
                    self._emit_citation(f, para)
            elif tag == W + "sdt":
                pr = child.find(W + "sdtPr")
                tag_el = pr.find(W + "tag") if pr is not None else None
                val = tag_el.get(W + "val") if tag_el is not None else ""
                content = child.find(W + "sdtContent")
                if val and val.startswith("MENDELEY_CITATION") and content is not None:
                    f = _Field(instr=[_mendeley_control(val)], phase="result", kind="citation")
                    self.fields.append(f)
                    self._inline(content, para)
                    self.fields.pop()
                    self._emit_citation(f, para)
                elif content is not None:
                    self._inline(content, para)
            elif tag in (W + "ins", W + "moveTo", W + "hyperlink", W + "smartTag", W + "customXml",
                         W + "sdtContent", W + "dir", W + "bdo"):
                self._inline(child, para)
            elif tag == W + "commentReference" or tag == W + "pPr":
                continue

    def _run(self, r, para: _Para) -> None:
        rpr = r.find(W + "rPr")
        sup = False
        if rpr is not None:
            va = rpr.find(W + "vertAlign")
            sup = va is not None and va.get(W + "val") == "superscript"
        for c in r:
            tag = c.tag
            if tag == W + "t":
                self._text(para, c.text or "", sup)
            elif tag in (W + "tab", W + "br", W + "cr"):
                self._text(para, " ")
            elif tag == W + "noBreakHyphen":
                self._text(para, "-")
            elif tag == W + "instrText":
                if self.fields and self.fields[-1].phase == "instr":
                    self.fields[-1].instr.append(c.text or "")
            elif tag == W + "fldChar":
                kind = c.get(W + "fldCharType")
                if kind == "begin":
                    self._field_begin(_Field())
                elif kind == "separate":
                    self._field_separate(para)
                elif kind == "end":
                    self._field_end(para)
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                note = "footnote" if tag == W + "footnoteReference" else "endnote"
                self.note_number[note] += 1
                keys = self.note_keys.get((note, c.get(W + "id") or ""), [])
                if keys:
                    para.builder.add_marker(f"[{note} {self.note_number[note]}]", [f"\x00{k}" for k in keys],
                                            self.line)
            elif tag in (W + "drawing", W + "pict") or tag.endswith("}AlternateContent"):
                boxed = " ".join("".join(t.text or "" for t in c.iter(W + "t")).split())
                if boxed:
                    self.aside.append(SetAside(boxed, self.line, "text box or drawing (not read as the article)"))

    def _field_begin(self, f: _Field) -> None:
        self.fields.append(f)

    def _field_separate(self, para: _Para) -> None:
        if not self.fields:
            return
        f = self.fields[-1]
        f.phase = "result"
        instr = "".join(f.instr)
        if _CITATION.match(instr):
            f.kind = "citation"
        elif _BIBLIOGRAPHY.match(instr):
            f.kind = "bibliography"
            self.in_bibliography = True
        else:
            f.kind = "other"

    def _field_end(self, para: _Para) -> None:
        if not self.fields:
            return
        f = self.fields.pop()
        if f.phase == "instr" and self.fields and self.fields[-1].phase == "instr":
            # EndNote's EN.CITE.DATA is a field inside the instruction of its EN.CITE field
            self.fields[-1].instr.append(" " + "".join(f.instr))
            return
        if f.phase == "instr":       # a field with no result part
            self._field_separate_for(f)
        if f.kind == "citation":
            self._emit_citation(f, para)
        elif f.kind == "bibliography":
            self.in_bibliography = False

    def _field_separate_for(self, f: _Field) -> None:
        instr = "".join(f.instr)
        f.kind = "citation" if _CITATION.match(instr) else "other"

    def _emit_citation(self, f: _Field, para: _Para) -> None:
        shown = " ".join("".join(f.display).split())
        self.plain = ""
        keys = self._cite("".join(f.instr), shown, self.line)
        plain = " ".join(self.plain.split())
        if keys and plain and shown != plain and shown.endswith(plain) and para.where != "note":
            # a bookmark drawn round more than the citation: the words before it are text
            para.builder.add_text(shown[:-len(plain)], self.line)
            shown = plain
        if not keys:
            if shown:
                para.builder.add_text(shown, self.line)
            return
        if para.where == "note":
            # A note's citation belongs to the sentence that carries the note's number.
            para.builder.links.extend(f"\x00{k}" for k in keys)
            return
        # In a field nested in another field's result (rare), the outer one shows it.
        target = self.fields[-1].display if self.fields and self.fields[-1].phase == "result" and \
            self.fields[-1].kind in ("citation", "bibliography") else None
        if target is not None:
            target.append(shown)
            return
        para.builder.add_marker(shown or "[cite]", [f"\x00{k}" for k in keys], self.line)

    def read_notes(self, note: str) -> None:
        root = self.part(f"word/{note}s.xml")
        if root is None:
            return
        n = 0
        for el in root.findall(W + note):
            if el.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            n += 1
            keys: list[str] = []
            for p in el.iter(W + "p"):
                self.line += 1
                self.locations[self.line] = f"{note} {n}"
                para = _Para("para", 0, self.line, BlockBuilder(), where="note")
                self._inline(p, para)
                keys.extend(k[1:] for k in para.builder.links if k.startswith("\x00"))
                para.builder.links = [k for k in para.builder.links if not k.startswith("\x00")]
                self.paras.append(para)
            self.note_keys[(note, el.get(W + "id") or "")] = keys
            self.fields.clear()
            self.open_marks.clear()

    def read_comments(self) -> None:
        root = self.part("word/comments.xml")
        if root is None:
            return
        for n, c in enumerate(root.findall(W + "comment"), start=1):
            text = " ".join(" ".join("".join(t.text or "" for t in p.iter(W + "t")) for p in c.iter(W + "p")).split())
            if text:
                self.line += 1
                self.locations[self.line] = f"comment {n}"
                who = c.get(W + "author") or "unknown"
                self.aside.append(SetAside(text, self.line, f"Word comment by {who} (not the article's text)"))


def _mendeley_control(tag: str) -> str:
    """Mendeley Cite's content control: ``MENDELEY_CITATION_v3_<base64 JSON>``."""
    payload = tag.split("_", 3)[-1] if tag.count("_") >= 3 else ""
    try:
        return "CSL_CITATION " + base64.b64decode(payload + "===").decode("utf-8", "replace")
    except ValueError:
        return ""


def _superscripts(paras: list[_Para], fields: bool) -> None:
    """Superscript numbers are citations only in a manuscript that cites that way.

    A manuscript keeps one citation style: where its text cites with fields or typed
    "[1]"/"(1)" markers, a superscript number marks an author's affiliation or a
    footnote of a table ("Kasem1, Alqenawy1"), and is dropped from the text.  A
    superscript at the very start of a paragraph ("1Department of ...") never cites.
    """
    typed = sum(len(_TYPED.findall(p[1])) for para in paras for p in para.builder.pieces if p[0] == "t")
    keep = not fields and typed < 3
    for para in paras:
        out = []
        for p in para.builder.pieces:
            if p[0] == "m" and p[2] and p[2][0].startswith(_SUP):
                if keep and any(q[1].strip() for q in out):
                    out.append((p[0], p[1], [lab[1:] for lab in p[2]], p[3]))
                continue
            out.append(p)
        para.builder.pieces = out


def _title(reader: _Reader) -> str:
    core = reader.part("docProps/core.xml")
    if core is not None:
        for el in core:
            if el.tag.endswith("}title") and (el.text or "").strip():
                return " ".join(el.text.split())
    return ""


def read(data: bytes, path: str, sha: str, limits) -> list[Article]:
    from audit.reading import ingest

    reader = _Reader(data, path, limits)
    # Notes first: a body paragraph's footnote number needs the citations of its note.
    doc = reader.part("word/document.xml")
    if doc is None:
        raise BadInputError(path, "not a Word document (no word/document.xml)")
    note_paras_start = len(reader.paras)
    reader.line = 10**6                      # notes are numbered after the body, renumbered below
    reader.read_notes("footnote")
    reader.read_notes("endnote")
    notes = reader.paras[note_paras_start:]
    note_locations = dict(reader.locations)
    reader.paras, reader.locations, reader.line = [], {}, 0
    reader.walk_part(doc, "body")
    # renumber the notes after the body, keeping their order
    shift = reader.line - 10**6
    for para in notes:
        para.line += shift
        para.builder.pieces = [(p[0], p[1], p[2] + shift) if p[0] == "t" else (p[0], p[1], p[2], p[3] + shift)
                               for p in para.builder.pieces]
    for line, name in note_locations.items():
        reader.locations[line + shift] = name
    for s in reader.aside:
        if s.line > 10**6 - 1:
            s.line += shift
    reader.line = max(reader.line, max((p.line for p in notes), default=0))
    reader.paras.extend(notes)
    reader.read_comments()

    labels = reader.labels()
    entries = [reader.items[k].reference(labels[k], 0) for k in reader.order]
    _superscripts(reader.paras, bool(entries))
    blocks: list[Block] = []
    lines = [""] * (reader.line + 1)
    for para in reader.paras:
        para.builder.pieces = [(p[0], p[1], [labels.get(x[1:], x) if x.startswith("\x00") else x for x in p[2]], p[3])
                               if p[0] == "m" else p for p in para.builder.pieces]
        b = para.builder.build(para.kind, para.level)
        if b is None:
            continue
        if para.where == "body":
            prefix = "#" * max(1, b.level) + " " if b.kind == "heading" else (f"{para.label}. " if para.label else "")
            lines[b.line - 1] = prefix + b.text
        blocks.append(b)
    aside = list(reader.aside)
    if not entries:
        # A typed reference list, read as in a text file: one paragraph a line.
        body, typed = ingest._take_references(lines[:-1])
        taken = {i + 1 for i, (was, now) in enumerate(zip(lines, body)) if was and not now}
        blocks = [b for b in blocks if b.line not in taken]
        entries = typed
    else:
        body, typed = ingest._take_references(lines[:-1])
        taken = {i + 1 for i, (was, now) in enumerate(zip(lines, body)) if was and not now}
        for b in blocks:
            if b.line in taken:
                aside.append(SetAside(b.text, b.line, "typed reference list (the references were read from "
                                                      "the reference manager's citation fields)"))
        blocks = [b for b in blocks if b.line not in taken]
    first = blocks[0] if blocks else None
    title = _title(reader) or next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "") or \
        (first.text if first is not None and first.kind == "heading" and len(first.text.split()) >= 3 else "")
    art = ingest._finish(path, "docx", sha, title, blocks, entries, chrome=False, aside=aside)
    for c in art.claims:
        c.location = reader.locations.get(c.line, "")
    for s in art.set_aside:
        s.location = reader.locations.get(s.line, "")
    for r in art.references:
        r.location = reader.locations.get(r.line, "") if r.line else ""
    return [art]
