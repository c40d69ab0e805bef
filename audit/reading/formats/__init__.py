"""The reader registry: every input format, and the one place a file's format is decided.

Each format is one module of this package with one ``Reader`` (``base.Reader``):
``pdf``, ``word`` (.docx), ``jats`` (JATS XML, PMC article sets), ``html``, ``text``
(plain text and Markdown).  ``READERS`` holds them in the order they are asked; a new
format is one more module and one ``register`` call (``unregister`` undoes it).

``reader_for`` decides, for every file the same way:

1. a reader that ``owns`` the bytes, whatever the name (a PDF saved as .txt);
2. a file named for a reader that did not own it and ``refuse``s it (a .docx that is no zip);
3. what no reader reads: an empty file, a known binary type, a known unsupported suffix;
4. the reader its suffix names, unless that reader says the bytes are another's (``read_as``:
   an HTML page saved as .md);
5. no suffix a reader claims: the first reader whose ``sniff`` knows the bytes; with no
   suffix at all (or .text), plain text.

Reference-manager exports (``--references``) are no article format: ``refexport`` reads
them, by their own content (RIS, BibTeX, CSL-JSON, EndNote XML, MEDLINE).
"""
from __future__ import annotations

import re
from pathlib import Path

from audit.config import ReadingConfig
from audit.errors import BadInputError
from audit.models import Article
from audit.reading.formats.base import Reader
from audit.reading.formats.html import HtmlReader
from audit.reading.formats.jats import JatsReader
from audit.reading.formats.pdf import PdfReader
from audit.reading.formats.text import MarkdownReader, TextReader
from audit.reading.formats.word import WordReader
from audit.reading.source import Source

# Asked in this order: a PDF's magic before a zip's; a JATS article before an XHTML page.
READERS: list[Reader] = [PdfReader(), WordReader(), JatsReader(), HtmlReader(), MarkdownReader(), TextReader()]

_USE = "use text, Markdown, HTML, JATS XML, Word .docx or PDF"
_UNREADABLE = {".doc": "Word 97-2003 (save it as .docx)", ".odt": "OpenDocument", ".rtf": "RTF",
               ".pages": "Pages", ".epub": "EPUB", ".xlsx": "Excel", ".pptx": "PowerPoint",
               ".zip": "zip", ".gz": "gzip", ".png": "image", ".jpg": "image", ".jpeg": "image"}
_MAGIC = [(b"%PDF", "PDF"), (b"PK\x03\x04", "zip/Office"), (b"\xd0\xcf\x11\xe0", "Office"),
          (b"{\\rtf", "RTF"), (b"\x1f\x8b", "gzip"), (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image")]
_PLAIN = ("", ".text")           # no suffix (README) or .text, and no reader knows the bytes: plain text
_FALLBACK = "text"


def register(reader: Reader) -> Reader:
    """Add a format (asked after those already there).  Its name and suffixes must be new."""
    if not reader.name or any(r.name == reader.name for r in READERS):
        raise ValueError(f"a reader named {reader.name!r} is already registered (or it has no name)")
    for s in reader.suffixes:
        if s != s.lower() or not s.startswith("."):
            raise ValueError(f"suffix {s!r}: lower case, starting with a dot")
        if s in suffixes():
            raise ValueError(f"suffix {s!r} is already read by {_by_suffix(s).name!r}")
    READERS.append(reader)
    return reader


def unregister(name: str) -> None:
    READERS[:] = [r for r in READERS if r.name != name]


def by_name(name: str) -> Reader | None:
    return next((r for r in READERS if r.name == name), None)


def suffixes() -> tuple[str, ...]:
    """Every suffix a reader claims: what a folder scan picks up."""
    return tuple(s for r in READERS for s in r.suffixes)


def _by_suffix(suffix: str) -> Reader | None:
    return next((r for r in READERS if suffix in r.suffixes), None)


def reader_for(data: bytes, path: str) -> Reader:
    """The reader of these bytes, or BadInputError saying why none reads them (see the module's steps)."""
    for r in READERS:
        if r.owns(data, path):
            return r
    suffix = Path(path).suffix.lower()
    named = _by_suffix(suffix)
    if named is not None:
        why = named.refuse(data, path)
        if why:
            raise BadInputError(path, why)
    if not data.strip():
        raise BadInputError(path, "empty file")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise BadInputError(path, f"{kind} file: not a readable article format ({_USE})")
    if suffix in _UNREADABLE:
        raise BadInputError(path, f"{_UNREADABLE[suffix]} files are not supported ({_USE})")
    if named is not None:
        other = by_name(named.read_as(data) or named.name)
        return other if other is not None else named
    for r in READERS:
        if r.sniff(data):
            return r
    fallback = by_name(_FALLBACK)
    if suffix not in _PLAIN or fallback is None:
        raise BadInputError(path, f"unknown article format {suffix!r} (use .txt, .md, .html or .nxml/.xml JATS)")
    return fallback


def read(data: bytes, path: str, sha: str, limits: ReadingConfig) -> list[Article]:
    """Every article of the file, read by its reader."""
    reader = reader_for(data, path)
    try:
        return reader.read(Source(data, path, sha, article_id(path), limits))
    except RecursionError:
        raise BadInputError(path, "nested too deeply to read")


def article_id(path: str | Path) -> str:
    """The file's stem, slugged: stable across runs and folders."""
    stem = Path(path).name
    for suffix in sorted(suffixes() + (".gz",), key=len, reverse=True):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "article"
