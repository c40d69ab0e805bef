"""NLM's baseline and update files: their order, their bytes' hash, their records and deletions streamed.

NLM publishes PubMed as a yearly baseline (``pubmed25n0001.xml.gz`` ...) and
daily update files that continue its numbering; an update carries revised
records whole and a ``DeleteCitation`` of the PMIDs withdrawn.  Records are
read by the one PubMed parser (``audit.pubmed.records``), element by element.
"""
from __future__ import annotations

import gzip
import hashlib
import re
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from audit.errors import BadInputError
from audit.models import Record
from audit.pubmed.records import RECORD_TAGS, check_root, malformed_xml, record_from_element, stream_elements

DELETE_TAG = "DeleteCitation"
SET_TAGS = ("PubmedArticleSet", "MedlineCitationSet")   # the document elements of baseline and update files
_ORDER = re.compile(r"(\d{2})n(\d{4})")


@dataclass(frozen=True)
class Deletion:
    """A DeleteCitation of an update file: NLM withdrew these PMIDs from PubMed."""

    pmids: tuple[str, ...]


def file_order(path: str | Path) -> tuple[int, int]:
    """Where a file stands in NLM's order: (year, number) from a name like ``pubmed25n1234.xml.gz``."""
    m = _ORDER.search(Path(path).name)
    if not m:
        raise BadInputError(str(path), "cannot tell where this file goes in NLM's order (expected a name "
                                       "like pubmed25n1234.xml.gz, as NLM publishes it)")
    return int(m.group(1)), int(m.group(2))


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _open(path: Path) -> BinaryIO:
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def stream_file(path: str | Path) -> Iterator[Record | Deletion]:
    """Every record and DeleteCitation of a baseline or update file, in document order.

    Streamed: the file (gzipped or not) is read as it is parsed and each record
    dropped once yielded, so memory stays flat however large the file; no
    inflated-size ceiling is needed for that reason.  A fault anywhere (cut-short
    gzip, malformed XML, another kind of XML) raises ``BadInputError`` naming the
    file, possibly after records were yielded: a caller applying them must do so
    in one transaction.
    """
    source = str(path)
    try:
        with _open(Path(path)) as fh:
            check_root(fh.peek(4096)[:4096], source)
            for el in stream_elements(fh, RECORD_TAGS + (DELETE_TAG,), SET_TAGS):
                if el.tag == DELETE_TAG:
                    pmids = ("".join(x.itertext()).strip() for x in el.findall("PMID"))
                    yield Deletion(tuple(p for p in pmids if p.isdigit()))
                    continue
                rec = record_from_element(el)
                if rec is not None:
                    yield rec
    except BadInputError:
        raise
    except ET.ParseError as exc:
        raise malformed_xml(exc, source) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BadInputError(source, f"corrupt gzip data: {exc or 'cut short'}") from None
    except LookupError as exc:          # the XML declaration names an encoding Python lacks
        raise BadInputError(source, f"malformed XML: {exc}", 1) from None
    except ValueError as exc:           # another kind of XML (stream_elements' roots)
        raise BadInputError(source, f"not a PubMed baseline or update file: {exc}", 1) from None
