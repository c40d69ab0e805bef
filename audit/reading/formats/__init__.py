"""The reader registry: which module reads a file, by its first bytes and its name.

Every supported input sits behind one interface, ``read(data, path, sha, limits) ->
list[Article]``: text, Markdown, HTML and JATS are read by ``audit.reading.ingest``;
the binary formats have a module each here (``word`` for .docx, ``pdf``).  Reader
modules are imported only when a file of theirs is read, so a run over Markdown never
pays for importing a PDF library.
"""
from __future__ import annotations

import importlib
import zipfile
import io
from dataclasses import dataclass
from pathlib import Path

from audit.errors import BadInputError


@dataclass(frozen=True)
class Format:
    name: str                    # Article.format
    suffixes: tuple[str, ...]    # file names a folder scan picks up
    module: str                  # the module whose ``read`` reads it ("" : audit.reading.ingest)
    what: str                    # in words, for the README table and error messages


FORMATS: tuple[Format, ...] = (
    Format("text", (".txt",), "", "plain text, copied web pages"),
    Format("markdown", (".md", ".markdown"), "", "Markdown"),
    Format("html", (".html", ".htm"), "", "HTML pages"),
    Format("jats", (".xml", ".nxml"), "", "JATS XML, PMC article sets"),
    Format("docx", (".docx",), "audit.reading.formats.word", "Word .docx"),
    Format("pdf", (".pdf",), "audit.reading.formats.pdf", "PDF with a text layer"),
)
BINARY = {f.name: f for f in FORMATS if f.module}
SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS for s in f.suffixes)


def binary_format(data: bytes, path: str) -> Format | None:
    """The binary format the bytes are in (.docx, PDF), or None for the text formats.

    The bytes decide, not the name: a PDF saved as ``.txt`` is still read as a PDF,
    and a zip named ``.docx`` that holds no Word document is refused as such.
    """
    if data.startswith(b"%PDF-") or (Path(path).suffix.lower() == ".pdf" and b"%PDF-" in data[:1024]):
        return BINARY["pdf"]
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise BadInputError(path, f"corrupt zip/Office file: {exc}")
        if "word/document.xml" in names:
            return BINARY["docx"]
        if Path(path).suffix.lower() == ".docx":
            raise BadInputError(path, "not a Word document (the zip holds no word/document.xml)")
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        raise BadInputError(path, "not a PDF file (it does not start with %PDF-)")
    if suffix == ".docx":
        raise BadInputError(path, "not a Word .docx file (it is not a zip package)")
    return None


def read_binary(fmt: Format, data: bytes, path: str, sha: str, limits) -> list:
    return importlib.import_module(fmt.module).read(data, path, sha, limits)


def with_export(articles: list, limits) -> list:
    """With ``reading.references`` (``citeaudit audit --references FILE``), the export is each
    article's reference list (``refexport.link_export``)."""
    if not getattr(limits, "references", None):
        return articles
    from audit.reading.formats.refexport import link_export, read_export
    entries = read_export(limits.references, limits.max_bytes)
    return [link_export(a, entries, limits.references) for a in articles]
