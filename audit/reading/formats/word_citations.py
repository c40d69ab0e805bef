"""The citations a reference manager wrote into a Word file, as the manager's own records.

Zotero (``ADDIN ZOTERO_ITEM CSL_CITATION {json}``, also in bookmark mode with the JSON in
docProps/custom.xml), Mendeley (``ADDIN CSL_CITATION``, its bookmarks, and
``MENDELEY_CITATION`` content controls) and EndNote (``ADDIN EN.CITE <EndNote>`` and its
base64 ``EN.CITE.DATA``).  ``Citations`` keeps each cited item once, in the order first
cited, with the numbers its citations showed; ``word`` walks the document and asks it.
"""
from __future__ import annotations

import base64
import json
import re

from audit.errors import BadInputError
from audit.reading.formats.refexport import Entry, entry_from_csl, entry_from_endnote, parse_xml
from audit.reading.markers import LABELS_ONLY, expand_labels

CITATION_FIELD = re.compile(r"^\s*(?:ADDIN\s+)?(ZOTERO_ITEM|CSL_CITATION|EN\.CITE(?!\.DATA)|Mendeley Citation)")
BIBLIOGRAPHY_FIELD = re.compile(r"^\s*(?:ADDIN\s+)?(ZOTERO_BIBL|Mendeley Bibliography|EN\.REFLIST)")
SUP = "\x01"                     # a superscript number's labels, until the document's style is known
_TYPED = re.compile(r"[\[(]\s*\d{1,4}(?:\s*[-–—,;]\s*\d{1,4})*\s*[\])]")


class Citations:
    """The items of a document's citation fields, by key."""

    def __init__(self, path: str, max_depth: int):
        self.path = path
        self.max_depth = max_depth
        self.items: dict[str, Entry] = {}          # citation key -> the manager's record
        self.shown: dict[str, list[str]] = {}      # key -> numbers its citations displayed
        self.order: list[str] = []                 # keys in order of first citation

    def cite(self, instr: str, shown: str, line: int) -> tuple[list[str], str]:
        """The keys of the items a citation field holds (registering each item once), and the
        plain citation text the manager stored for it ("" : none); no keys when its data cannot be read."""
        plain = ""
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
            plain = str(props.get("plainCitation") or "") if isinstance(props, dict) else ""
            for i, it in enumerate(data.get("citationItems") or [] if isinstance(data, dict) else []):
                if not isinstance(it, dict):
                    continue
                item = it.get("itemData") if isinstance(it.get("itemData"), dict) else {}
                uris = it.get("uris") or it.get("uri") or []
                key = str((uris[0] if isinstance(uris, list) and uris else "") or it.get("id") or
                          item.get("DOI") or item.get("title") or f"{line}.{i}")
                found.append((key, entry_from_csl(item, key)))
        if not found:
            return [], plain
        nums = [int(n) for n in expand_labels(LABELS_ONLY.match(shown).group(1))] if LABELS_ONLY.match(shown or "") else []
        keys = []
        for j, (key, entry) in enumerate(found):
            if key not in self.items:
                self.items[key] = entry
                self.order.append(key)
            if len(nums) == len(found):
                self.shown.setdefault(key, []).append(str(nums[j]))
            keys.append(key)
        return keys, plain

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
                             self.max_depth)
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


def bookmark_data(root) -> dict[str, str]:
    """Zotero's and Mendeley's bookmark storage: the field code split over custom properties
    (``root``: docProps/custom.xml, or None)."""
    if root is None:
        return {}
    pieces: dict[str, list[tuple[int, str]]] = {}
    for prop in root:
        name = prop.get("name") or ""
        m = re.match(r"^((?:ZOTERO_BREF|Mendeley_Bookmark)_[A-Za-z0-9_]+?)_(\d+)$", name)
        if m:
            pieces.setdefault(m.group(1), []).append((int(m.group(2)), "".join(prop.itertext())))
    return {k: "".join(t for _, t in sorted(v)) for k, v in pieces.items()}


def mendeley_control(tag: str) -> str:
    """Mendeley Cite's content control: ``MENDELEY_CITATION_v3_<base64 JSON>``."""
    payload = tag.split("_", 3)[-1] if tag.count("_") >= 3 else ""
    try:
        return "CSL_CITATION " + base64.b64decode(payload + "===").decode("utf-8", "replace")
    except ValueError:
        return ""


def superscripts(paras: list, fields: bool) -> None:
    """Superscript numbers are citations only in a manuscript that cites that way.

    A manuscript keeps one citation style: where its text cites with fields or typed
    "[1]"/"(1)" markers, a superscript number marks an author's affiliation or a
    footnote of a table ("Kasem1, Alqenawy1"), and is dropped from the text.  A
    superscript at the very start of a paragraph ("1Department of ...") never cites.
    ``paras``: the Word reader's paragraphs, each with its ``builder``.
    """
    typed = sum(len(_TYPED.findall(p[1])) for para in paras for p in para.builder.pieces if p[0] == "t")
    keep = not fields and typed < 3
    for para in paras:
        out = []
        for p in para.builder.pieces:
            if p[0] == "m" and p[2] and p[2][0].startswith(SUP):
                if keep and any(q[1].strip() for q in out):
                    out.append((p[0], p[1], [lab[1:] for lab in p[2]], p[3]))
                continue
            out.append(p)
        para.builder.pieces = out
