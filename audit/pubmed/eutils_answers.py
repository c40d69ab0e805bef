"""What E-utilities answer, read safely: control answers through Bio.Entrez, efetch PubMed XML, ECitMatch lines.

Each reader returns the answer's content or says why it cannot be used, in the
transport's terms (``audit.transport``): ``Retry`` for an answer that may come
right next time (cut short, a transient NCBI error, a sick server's wrong
set), ``Refused`` for one that would fail the same way again (an NCBI error
that retrying will not fix, malformed or hostile XML).

Bio.Entrez parses the control answers (``Entrez.read`` on esearch/epost) once
the DOCTYPE has been checked: no internal subset (entity declarations: file
reads, entity bombs), and only a DTD Biopython ships (it would download any
other).  efetch PubMed XML goes through ``audit.pubmed.records`` (ElementTree):
Bio.Entrez would try to download PubMed DTDs it does not ship.  gzip answers are
inflated up to a ceiling.
"""
from __future__ import annotations

import io
import os
import re
from typing import Sequence

from Bio import Entrez
from Bio.Entrez import Parser as EntrezParser

from audit.errors import BadInputError
from audit.models import Record
from audit.pubmed.records import MAX_INFLATED, gunzip_bounded, parse_articles
from audit.transport import Refused, Retry

_TRANSIENT_NCBI = re.compile(r"backend|temporar|timed? ?out|unable to obtain|try again|"
                             r"too many|rate limit|unavailable", re.I)


_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[\w.:-]+\s+(?:PUBLIC\s+(?:\"[^\"]*\"|'[^']*')\s+|SYSTEM\s+)"
                      rb"(?:\"([^\"]*)\"|'([^']*)')\s*(\[|>)")


def _dtd_available(content: bytes) -> bool:
    """True unless the DOCTYPE names a DTD Biopython would have to download."""
    m = re.search(rb'<!DOCTYPE[^>]*?"([^"]+\.dtd)"', content[:2000])
    if not m:
        return True
    name = os.path.basename(m.group(1).decode("ascii", "replace"))
    dirs = [EntrezParser.DataHandler.global_dtd_dir, EntrezParser.DataHandler.local_dtd_dir]
    return any(d and os.path.isfile(os.path.join(d, name)) for d in dirs)


def _check_doctype(content: bytes) -> None:
    """Refuse what NCBI never sends and Bio.Entrez would act on: no DOCTYPE, an internal
    subset (entity declarations: file reads, entity bombs), a DTD that is not shipped
    offline (Bio.Entrez would download it).  Each fails the same way again: not retried."""
    head = content[:4000]
    if b"<!DOCTYPE" not in head:
        raise Refused("answer has no DOCTYPE (not an E-utilities answer)")
    m = _DOCTYPE.search(head)
    if not m:
        raise Refused("answer has a DOCTYPE this client does not read")
    if m.group(3) == b"[":
        raise Refused("answer declares its own entities (internal DTD subset): refused")
    system = (m.group(1) or m.group(2) or b"").decode("ascii", "replace")
    if not system.endswith(".dtd") or not _dtd_available(content):
        raise Refused("answer names a DTD that is not available offline")


def read_control(content: bytes):
    """esearch/epost/esummary answers through Bio.Entrez.read (no DTD download)."""
    _check_doctype(content)
    try:
        return Entrez.read(io.BytesIO(content), validate=False)
    except RuntimeError as exc:      # Bio.Entrez raises RuntimeError for <ERROR> answers
        msg = str(exc)
        if _TRANSIENT_NCBI.search(msg):
            raise Retry(f"NCBI error: {msg}")
        raise Refused(msg)
    except (EntrezParser.CorruptedXMLError, EntrezParser.NotXMLError, EntrezParser.ValidationError) as exc:
        raise Retry(f"unparsable answer ({type(exc).__name__})")     # a cut answer: worth a retry
    except (ValueError, LookupError) as exc:
        # Bio.Entrez's other refusals (external entity, missing DTD, unknown encoding...): the same answer
        # will be refused again.  Only the type and a short text: never the body.
        raise Refused(f"answer refused by the XML reader ({str(exc)[:80]})")
    except Exception as exc:
        # Bio.Entrez tripping over an answer it never expected (a DTD URL without a host
        # raises AttributeError inside it): refused the same way, not retried.
        raise Refused(f"answer refused by the XML reader ({type(exc).__name__})")


def read_search(content: bytes) -> dict:
    """An esearch answer: a mapping with an IdList of PMIDs, or a refusal (not retried)."""
    res = read_control(content)
    ids = res.get("IdList") if isinstance(res, dict) else None
    if not isinstance(ids, list) or not all(str(x).isdigit() for x in ids):
        raise Refused("not an esearch answer (no IdList of PMIDs)")
    return res


# A cut answer ends inside an element or a tag; other XML errors are in the answer itself.
_CUT_XML = re.compile(r"no element found|unclosed token|partial character")
# An efetch answer's first element (after the XML declaration, a DOCTYPE, comments) is the set.
_ROOT_SET = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
                       rb"<PubmedArticleSet[\s/>]", re.S)
_RECORD_START = re.compile(rb"<(?:PubmedArticle|PubmedBookArticle)[\s/>]")


def read_efetch(content: bytes, limit: int = MAX_INFLATED) -> list[tuple[Record, bytes]]:
    """(record, one-article XML) for every record in an efetch answer (gzip inflated up to ``limit``)."""
    if content[:2] == b"\x1f\x8b":
        try:
            content = gunzip_bounded(content, limit, "efetch answer")
        except BadInputError as exc:
            raise Refused(exc.reason)
    head = content[:1000]
    if b"<eFetchResult" in head or b"<ERROR>" in content[:4000]:
        m = re.search(rb"<ERROR>(.*?)</ERROR>", content, re.S)
        msg = m.group(1).decode("utf-8", "replace").strip() if m else "efetch error"
        if _TRANSIENT_NCBI.search(msg):
            raise Retry(f"NCBI error: {msg}")
        raise Refused(msg)
    # The root element itself, not the word anywhere: an HTML error page can name PubmedArticleSet.
    if not _ROOT_SET.match(content):
        raise Retry("not a PubmedArticleSet answer")
    try:
        found = parse_articles(content, "efetch answer")
    except BadInputError as exc:
        if _CUT_XML.search(exc.reason):
            raise Retry(f"unparsable answer ({exc.reason[:80]})")
        raise Refused(f"malformed answer ({exc.reason[:80]})")
    # Every record of the answer must be read as one: a record without a (valid) PMID is a
    # sick answer, and the PMIDs it leaves "missing" are no evidence of absence.
    elements = len(_RECORD_START.findall(content))
    if elements != len(found):
        raise Retry(f"{elements - len(found)} of the answer's {elements} records have no readable PMID")
    return found


def read_citmatch(content: bytes, keys: Sequence[str]) -> dict[str, str | None]:
    """key -> PMID or None from ECitMatch lines; a short or cut answer is retried."""
    text = content.decode("utf-8", "replace")
    if not text.endswith("\n"):
        raise Retry("ECitMatch answer cut short")
    out: dict[str, str | None] = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) < 7:
            continue
        key, result = parts[5].strip(), parts[6].strip()
        out[key] = result if result.isdigit() else None
    if set(keys) - set(out):
        raise Retry("ECitMatch answer is missing lines")
    return out



def check_consistent(asked: Sequence[str], found: list[tuple[Record, bytes]]) -> None:
    """An efetch answer may leave asked records out, never bring others: those make it a fault."""
    want = set(asked)
    others = [r.pmid for r, _ in found if r.pmid not in want]
    if others:
        raise Retry(f"answer holds {len(others)} record(s) that were not asked for (PMID {others[0]}...)")

