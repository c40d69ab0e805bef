"""Reference-manager data as references: exports (RIS, BibTeX, CSL-JSON, EndNote XML,
PubMed .nbib/MEDLINE) and the items a Word file's citation fields carry.

A manager's own fields (DOI, PMID, title, journal, year, authors) are taken as they
are, never re-parsed from a printed citation.  ``read_export`` reads a file into
``Entry``s in the file's order; ``link_export`` makes them an article's reference
list (``citeaudit audit article.md --references library.ris``).
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import BadInputError
from audit.models import Article, Reference
from audit.reading.references import clean_doi, find_identifiers

_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


@dataclass
class Entry:
    """One record of a reference manager, in the manager's own fields."""

    key: str                     # the record's own id in the export (RIS ID, BibTeX key, CSL id, rec-number)
    title: str = ""
    journal: str = ""
    year: int | None = None
    authors: list[str] = field(default_factory=list)    # family names, in order
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    volume: str = ""
    pages: str = ""
    line: int = 0                # where the record starts in its file (0: not known)

    def raw(self) -> str:
        """The entry printed Vancouver-style, for the report (not parsed again)."""
        who = ", ".join(self.authors[:6]) + (", et al" if len(self.authors) > 6 else "")
        tail = f"{self.year}" if self.year else ""
        if self.volume:
            tail += f";{self.volume}"
        if self.pages:
            tail += f":{self.pages}"
        parts = [p for p in (who, self.title, self.journal, tail) if p]
        out = ". ".join(p.rstrip(". ") for p in parts) + "."
        if self.doi:
            out += f" doi:{self.doi}"
        if self.pmid:
            out += f" PMID: {self.pmid}"
        return out

    def reference(self, label: str, line: int | None = None) -> Reference:
        return Reference(id=label, raw=self.raw(), pmid=self.pmid, doi=self.doi, pmcid=self.pmcid,
                         line=self.line if line is None else line, cited_title=self.title or None,
                         cited_journal=self.journal or None, cited_year=self.year, in_list=True)


def _pmid(value) -> str | None:
    m = re.search(r"\d{1,9}", str(value or ""))
    return str(int(m.group())) if m else None


def _doi(value) -> str | None:
    m = re.search(r"10\.\d{4,9}/\S+", str(value or ""))
    return clean_doi(m.group()) if m else None


def _year(value) -> int | None:
    m = _YEAR.search(str(value or ""))
    return int(m.group(1)) if m else None


def _from_note(entry: Entry, note: str) -> None:
    """Zotero keeps PubMed's ids in the free-text note ("PMID: 28478864 PMCID: PMC5...")."""
    ids = find_identifiers(note or "")
    entry.pmid = entry.pmid or ids.get("pmid")
    entry.pmcid = entry.pmcid or ids.get("pmcid")
    entry.doi = entry.doi or ids.get("doi")


# --------------------------------------------------------------------------
# CSL-JSON (Zotero and Mendeley fields, CSL-JSON exports)


def entry_from_csl(item: dict, key: str = "") -> Entry:
    def text(v) -> str:
        if isinstance(v, list):
            v = v[0] if v else ""
        return " ".join(str(v or "").split())

    authors = []
    for a in item.get("author") or []:
        if isinstance(a, dict):
            name = a.get("family") or a.get("literal") or ""
            if name:
                authors.append(" ".join(str(name).split()))
    issued = item.get("issued") or {}
    year = None
    if isinstance(issued, dict):
        parts = issued.get("date-parts") or []
        if parts and isinstance(parts[0], list) and parts[0]:
            year = _year(parts[0][0])
        year = year or _year(issued.get("raw") or issued.get("literal"))
    entry = Entry(key=str(key or item.get("id") or ""), title=text(item.get("title")),
                  journal=text(item.get("container-title") or item.get("journalAbbreviation")),
                  year=year, authors=authors, pmid=_pmid(item.get("PMID")), doi=_doi(item.get("DOI")),
                  pmcid=(text(item.get("PMCID")).upper() or None), volume=text(item.get("volume")),
                  pages=text(item.get("page")))
    _from_note(entry, text(item.get("note")))
    return entry


def _read_csl_json(text: str, path: str) -> list[Entry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(path, f"malformed CSL-JSON: {exc.msg}", exc.lineno)
    if isinstance(data, dict):
        data = data.get("items") if isinstance(data.get("items"), list) else [data]
    if not isinstance(data, list) or not all(isinstance(it, dict) for it in data):
        raise BadInputError(path, "CSL-JSON must be a list of items (objects)")
    return [entry_from_csl(it, str(it.get("id") or i + 1)) for i, it in enumerate(data)]


# --------------------------------------------------------------------------
# EndNote XML (exports, and the <record> inside a Word ADDIN EN.CITE field)


def _en_text(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def entry_from_endnote(rec, key: str = "") -> Entry:
    """One EndNote ``<record>`` (lxml element)."""
    def first(xpath: str) -> str:
        found = rec.xpath(xpath)
        return _en_text(found[0]) if found else ""

    authors = [_en_text(a).split(",")[0].strip() for a in rec.xpath("./contributors/authors/author")]
    urls = " ".join(_en_text(u) for u in rec.xpath(".//urls//url"))
    entry = Entry(key=key or first("./rec-number"), title=first("./titles/title"),
                  journal=first("./titles/secondary-title") or first("./periodical/full-title"),
                  year=_year(first("./dates/year")), authors=[a for a in authors if a],
                  doi=_doi(first("./electronic-resource-num")), volume=first("./volume"), pages=first("./pages"),
                  line=rec.sourceline or 0)
    accession = first("./accession-num")
    if accession.isdigit() and ("pubmed" in first("./remote-database-name").lower() or
                                "nlm" in first("./remote-database-provider").lower()):
        entry.pmid = str(int(accession))
    _from_note(entry, " ".join([first("./notes"), urls, first("./custom2")]))
    return entry


def parse_xml(data: bytes, path: str, max_depth: int = 400):
    """lxml with no entities, no network, no DTD: a hostile file cannot reach out or blow up."""
    from lxml import etree
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise BadInputError(path, f"malformed XML: {exc.msg}", exc.lineno or None)
    depth_check(root, path, max_depth)
    return root


def depth_check(root, path: str, max_depth: int) -> None:
    stack = [(root, 1)]
    while stack:
        el, d = stack.pop()
        if d > max_depth:
            raise BadInputError(path, f"elements nested more than {max_depth} deep (reading.max_depth in config.yaml)",
                                el.sourceline)
        stack.extend((c, d + 1) for c in el)


def _read_endnote_xml(data: bytes, path: str) -> list[Entry]:
    root = parse_xml(data, path)
    records = root.xpath("//record")
    if not records:
        raise BadInputError(path, "no <record> in this EndNote XML", root.sourceline)
    return [entry_from_endnote(r, str(i + 1)) for i, r in enumerate(records)]


# --------------------------------------------------------------------------
# RIS (rispy), MEDLINE/.nbib (Biopython), BibTeX (bibtexparser)


def _read_ris(text: str, path: str) -> list[Entry]:
    import rispy
    # Ovid numbers its records ("1.") and EndNote writes CR line ends: rispy wants tags on their lines.
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    starts = [i + 1 for i, ln in enumerate(text.split("\n")) if ln.startswith("TY  -")]
    try:
        recs = rispy.loads(text, skip_unknown_tags=True)
    except Exception as exc:     # rispy raises IOError and ValueError subclasses on a bad line
        raise BadInputError(path, f"malformed RIS: {exc}")
    out = []
    for i, r in enumerate(recs):
        def one(*keys) -> str:
            for k in keys:
                v = r.get(k)
                if isinstance(v, list):
                    v = v[0] if v else ""
                if v:
                    return " ".join(str(v).split())
            return ""
        authors = [a.split(",")[0].strip() for a in (r.get("authors") or r.get("first_authors") or [])]
        entry = Entry(key=one("id") or str(i + 1), title=one("title", "primary_title"),
                      journal=one("secondary_title", "journal_name", "alternate_title3", "alternate_title1"),
                      year=_year(one("year", "publication_year", "date")), authors=[a for a in authors if a],
                      doi=_doi(one("doi")), volume=one("volume"), pages=one("start_page"),
                      line=starts[i] if i < len(starts) else 0)
        # PubMed's own id travels as the accession number (AN), or in notes and links
        an = one("accession_number")
        db = one("name_of_database", "database_provider").lower()
        if an.isdigit() and (not db or "pubmed" in db or "nlm" in db or "medline" in db):
            entry.pmid = str(int(an))
        urls = " ".join(r.get("urls") or [])
        _from_note(entry, " ".join([urls, " ".join(r.get("notes") or []), one("custom2"), one("note")]))
        out.append(entry)
    return out


def _read_medline(text: str, path: str) -> list[Entry]:
    from Bio import Medline
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    starts = [i + 1 for i, ln in enumerate(text.split("\n")) if ln.startswith("PMID-")]
    out = []
    for i, r in enumerate(Medline.parse(io.StringIO(text))):
        lids = r.get("LID", []) if isinstance(r.get("LID"), list) else [r.get("LID", "")]
        aids = r.get("AID", []) if isinstance(r.get("AID"), list) else [r.get("AID", "")]
        doi = next((_doi(x) for x in lids + aids if x.endswith("[doi]")), None)
        pmc = r.get("PMC") or ""
        out.append(Entry(key=r.get("PMID", str(i + 1)), title=" ".join((r.get("TI") or "").split()),
                         journal=r.get("JT") or r.get("TA") or "", year=_year(r.get("DP")),
                         authors=[a.split()[0] for a in r.get("AU", []) if a.split()],
                         pmid=_pmid(r.get("PMID")), doi=doi, pmcid=pmc.upper() or None, volume=r.get("VI", ""),
                         pages=r.get("PG", ""), line=starts[i] if i < len(starts) else 0))
    if not out:
        raise BadInputError(path, "no MEDLINE record (no PMID- line)")
    return out


def _read_bibtex(text: str, path: str) -> list[Entry]:
    import bibtexparser
    lib = bibtexparser.parse_string(text)
    out = []
    for i, e in enumerate(lib.entries):
        f = {k.lower(): " ".join(str(v.value).replace("{", "").replace("}", "").split())
             for k, v in e.fields_dict.items()}
        authors = [a.split(",")[0].strip() if "," in a else (a.split()[-1] if a.split() else "")
                   for a in re.split(r"\s+and\s+", f.get("author", "")) if a.strip()]
        entry = Entry(key=e.key or str(i + 1), title=f.get("title", ""),
                      journal=f.get("journal") or f.get("journaltitle") or f.get("booktitle", ""),
                      year=_year(f.get("year") or f.get("date")), authors=authors, doi=_doi(f.get("doi")),
                      volume=f.get("volume", ""), pages=f.get("pages", ""), line=e.start_line + 1)
        eprint = f.get("eprint", "")
        if f.get("pmid"):
            entry.pmid = _pmid(f["pmid"])
        elif eprint.isdigit() and f.get("eprinttype", "pubmed").lower() in ("pubmed", "pmid"):
            entry.pmid = str(int(eprint))
        entry.pmcid = (f.get("pmcid") or "").upper() or None
        _from_note(entry, " ".join([f.get("note", ""), f.get("url", "")]))
        out.append(entry)
    if not out:
        bad = [b for b in lib.failed_blocks]
        raise BadInputError(path, "no BibTeX entry could be read", bad[0].start_line + 1 if bad else None)
    return out


# --------------------------------------------------------------------------
# Which export is it


EXPORT_KINDS = ("ris", "bibtex", "csl-json", "endnote-xml", "medline")


def export_kind(data: bytes, path: str) -> str:
    """By content (exports are often renamed .txt), the name breaking ties."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    suffix = Path(path).suffix.lower()
    if head.startswith((b"[", b"{")):
        return "csl-json"
    if head.startswith(b"<") and b"<record" in data[:200000]:
        return "endnote-xml"
    if re.search(rb"(?m)^PMID- ", data[:20000]):
        return "medline"
    if re.search(rb"(?m)^TY  - ", data[:20000]):
        return "ris"
    if re.search(rb"(?m)^\s*@\w+\s*[{(]", data[:20000]) or suffix in (".bib", ".bibtex"):
        return "bibtex"
    raise BadInputError(path, "not a reference export this reads (RIS, BibTeX, CSL-JSON, EndNote XML, "
                              "PubMed .nbib/MEDLINE)")


def read_export(path: str | Path, max_bytes: int = 10_000_000) -> list[Entry]:
    p = Path(path)
    try:
        if p.stat().st_size > max_bytes:
            raise BadInputError(str(p), f"file of {p.stat().st_size:,} bytes is over the limit of {max_bytes:,} "
                                        f"(reading.max_bytes in config.yaml)")
        data = p.read_bytes()
    except OSError as exc:
        raise BadInputError(str(p), f"cannot read: {exc.strerror or exc}")
    return read_export_bytes(data, str(p))


def read_export_bytes(data: bytes, path: str) -> list[Entry]:
    kind = export_kind(data, path)
    if kind == "endnote-xml":
        return _read_endnote_xml(data, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return {"ris": _read_ris, "bibtex": _read_bibtex, "csl-json": _read_csl_json,
            "medline": _read_medline}[kind](text, path)


# --------------------------------------------------------------------------
# An export as an article's reference list


def _norm_title(s: str | None) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", (s or "").lower()).split())


def match_entry(ref: Reference, entries: list[Entry], index: dict) -> Entry | None:
    """The export's record for a typed reference: by DOI or PMID, else by its title."""
    if ref.doi and ref.doi.lower() in index["doi"]:
        return index["doi"][ref.doi.lower()]
    if ref.pmid and ref.pmid in index["pmid"]:
        return index["pmid"][ref.pmid]
    raw = _norm_title(ref.raw)
    for e in entries:
        t = _norm_title(e.title)
        if len(t) >= 20 and t in raw:
            return e
    return None


def link_export(article: Article, entries: list[Entry], export_path: str) -> Article:
    """The export as the article's reference list.

    A typed list is kept and each entry takes its record's fields (matched by DOI,
    PMID or title); with no typed list, numbered markers point at the export's
    records in order ("[3]" is the third record), as a manager exports a
    manuscript's cited references.
    """
    index = {"doi": {e.doi.lower(): e for e in entries if e.doi}, "pmid": {e.pmid: e for e in entries if e.pmid}}
    typed = [r for r in article.references if r.in_list]
    out: list[Reference] = []
    if typed:
        for r in article.references:
            e = match_entry(r, entries, index) if r.in_list else None
            if e is None:
                out.append(r)
                continue
            new = e.reference(r.id, r.line)
            new.raw = r.raw           # what the article printed stays what the report shows
            out.append(new)
    else:
        for r in article.references:
            n = int(r.id) if r.id.isdigit() else 0
            if 1 <= n <= len(entries):
                new = entries[n - 1].reference(r.id)
                out.append(new)
            else:
                out.append(r)
    article.references = out
    return article
