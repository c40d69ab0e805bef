"""Word .docx -> Article: the author's final wording, notes, tables, and the citations a
reference manager wrote into the file.

lxml reads the OOXML parts directly (python-docx models neither field codes, tracked
changes, footnotes nor comments, and mammoth drops field codes): tracked insertions are
kept and deletions dropped (listed as set aside), comments are set aside and listed,
footnotes, endnotes and table rows are read, each with where it sits.

Citations a reference manager wrote (Zotero, Mendeley, EndNote: ``word_citations``) are read
as structured references from the manager's own data, each field a marker at its place in
its sentence.  Plain typed markers and a typed reference list are read as for every other
format (``reference_list``, ``claims``).

Each block's ``line`` is its paragraph's ordinal in the file; ``locations`` names it
("paragraph 12", "footnote 3", "table 1, row 4") and becomes ``Claim.location``.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import BadInputError
from audit.models import Article, SetAside
from audit.reading import assemble
from audit.reading.blocks import Block, BlockBuilder
from audit.reading.formats.base import Reader
from audit.reading.formats.refexport import parse_xml
from audit.reading.formats.word_citations import (BIBLIOGRAPHY_FIELD, CITATION_FIELD, SUP, Citations, bookmark_data,
                                                  mendeley_control, superscripts)
from audit.reading.formats.word_styles import W, number_formats, paragraph_styles
from audit.reading.markers import LABELS_ONLY, expand_labels
from audit.reading.reference_list import take_references
from audit.reading.source import Source


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
        self.cites = Citations(path, limits.max_depth)
        self.note_keys: dict[tuple[str, str], list[str]] = {}   # (footnote|endnote, id) -> citation keys
        self.note_number: dict[str, int] = {"footnote": 0, "endnote": 0}
        self.bookmarks: dict[str, str] = bookmark_data(self.part("docProps/custom.xml"))
        self.open_marks: dict[str, _Field] = {}
        self.styles = paragraph_styles(self.part("word/styles.xml"))
        self.numbering = number_formats(self.part("word/numbering.xml"))
        self.counters: dict[tuple[str, str], int] = {}
        self.fields: list[_Field] = []
        self.in_bibliography = False
        self.line = 0

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

    # -- citations ---------------------------------------------------------
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
        if superscript and LABELS_ONLY.match(text) and text.strip():
            labels = expand_labels(LABELS_ONLY.match(text).group(1))
            if labels:
                # decided for the whole document once it is read (``superscripts``)
                para.builder.add_marker(text, [SUP + lab for lab in labels], self.line)
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
                    f = _Field(instr=[mendeley_control(val)], phase="result", kind="citation")
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
        if CITATION_FIELD.match(instr):
            f.kind = "citation"
        elif BIBLIOGRAPHY_FIELD.match(instr):
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
        f.kind = "citation" if CITATION_FIELD.match(instr) else "other"

    def _emit_citation(self, f: _Field, para: _Para) -> None:
        shown = " ".join("".join(f.display).split())
        keys, plain = self.cites.cite("".join(f.instr), shown, self.line)
        if not keys:
            self.aside.append(SetAside(shown or "".join(f.instr)[:200], self.line,
                                       "citation field whose data could not be read"))
        plain = " ".join(plain.split())
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


def _title(reader: _Reader) -> str:
    core = reader.part("docProps/core.xml")
    if core is not None:
        for el in core:
            if el.tag.endswith("}title") and (el.text or "").strip():
                return " ".join(el.text.split())
    return ""


class WordReader(Reader):
    name = "docx"
    suffixes = (".docx",)
    what = "Word .docx"

    def owns(self, data: bytes, path: str) -> bool:
        """A zip holding word/document.xml, whatever its name; a .docx zip without one is refused."""
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise BadInputError(path, f"corrupt zip/Office file: {exc}")
        if "word/document.xml" in names:
            return True
        if Path(path).suffix.lower() == ".docx":
            raise BadInputError(path, "not a Word document (the zip holds no word/document.xml)")
        return False

    def refuse(self, data: bytes, path: str) -> str:
        return "not a Word .docx file (it is not a zip package)"

    def read(self, src: Source) -> list[Article]:
        return read_docx(src)


def read_docx(src: Source) -> list[Article]:
    path = src.path
    reader = _Reader(src.data, path, src.limits)
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

    labels = reader.cites.labels()
    entries = [reader.cites.items[k].reference(labels[k], 0) for k in reader.cites.order]
    superscripts(reader.paras, bool(entries))
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
        body, typed = take_references(lines[:-1])
        taken = {i + 1 for i, (was, now) in enumerate(zip(lines, body)) if was and not now}
        blocks = [b for b in blocks if b.line not in taken]
        entries = typed
    else:
        body, typed = take_references(lines[:-1])
        taken = {i + 1 for i, (was, now) in enumerate(zip(lines, body)) if was and not now}
        for b in blocks:
            if b.line in taken:
                aside.append(SetAside(b.text, b.line, "typed reference list (the references were read from "
                                                      "the reference manager's citation fields)"))
        blocks = [b for b in blocks if b.line not in taken]
    first = blocks[0] if blocks else None
    title = _title(reader) or next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "") or \
        (first.text if first is not None and first.kind == "heading" and len(first.text.split()) >= 3 else "")
    art = assemble.article(src, "docx", title, blocks, entries, chrome=False, aside=aside)
    for c in art.claims:
        c.location = reader.locations.get(c.line, "")
    for s in art.set_aside:
        s.location = reader.locations.get(s.line, "")
    for r in art.references:
        r.location = reader.locations.get(r.line, "") if r.line else ""
    return [art]
