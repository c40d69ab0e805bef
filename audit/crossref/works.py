"""Crossref REST answers -> records (pure functions; no network).

A ``/works/{doi}`` answer is ``{"status": "ok", "message-type": "work",
"message": {...}}``; a search (``/works?query.bibliographic=``) is
``"message-type": "work-list"`` with ``message.items``.  A work becomes a
``Record`` with ``origin="crossref"`` (no PMID): title, container title
(journal), short container title, year (``issued``, else ``published``),
type, authors' family names, the abstract (JATS markup dropped), and its
notices from ``updated-by`` (``audit/notices.py`` names them; ``"source":
"retraction-watch"`` marks Retraction Watch's assertions, made through
Crossref).  A work with ``update-to`` a retraction is itself a notice.

Anything that is not such an answer raises ``CrossrefFault``: a 200 whose
body is not JSON, or JSON of another shape, says nothing about the DOI.  A
search hit is the cited work only when ``accepts`` agrees (title, then year).
"""
from __future__ import annotations

import json
import re
from typing import Any

from rapidfuzz import fuzz

from audit.models import RETRACTION, WITHDRAWAL, Notice, Record, Reference
from audit.notices import CROSSREF, CROSSREF_UPDATE_TYPES, RETRACTION_WATCH


TITLE_ACCEPT = 90        # token_set_ratio a Crossref search hit's title needs (as best_title_match for PubMed)
VIA_CROSSREF = " (via Crossref)"       # a Retraction Watch assertion Crossref carries in updated-by


class CrossrefFault(Exception):
    """An answer that is not a Crossref answer of the expected shape (never read as absence)."""


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _date(parts: Any) -> str:
    try:
        p = [int(x) for x in (parts.get("date-parts") or [[]])[0] if x is not None]
    except (AttributeError, TypeError, ValueError, IndexError):
        return ""
    return "-".join(f"{x:02d}" if i else str(x) for i, x in enumerate(p))


def _year(msg: dict) -> int | None:
    for key in ("issued", "published", "published-print", "published-online", "created"):
        d = _date(msg.get(key) or {})
        if d[:4].isdigit():
            return int(d[:4])
    return None


def _notices(entries: Any) -> list[Notice]:
    out = []
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, dict):
            continue
        kind = CROSSREF_UPDATE_TYPES.get(str(e.get("type") or "").lower())
        if kind is None:
            continue
        source = RETRACTION_WATCH if str(e.get("source") or "").lower() == RETRACTION_WATCH else CROSSREF
        doi = str(e.get("DOI") or "").strip()
        label = str(e.get("label") or e.get("type") or "")
        out.append(Notice(kind, source, f"doi:{doi}" if doi else "", _date(e.get("updated") or {}),
                          label + (VIA_CROSSREF if source == RETRACTION_WATCH else ""), ""))
    return out


def work_record(msg: dict) -> Record:
    """One Crossref work message as a Record (origin crossref)."""
    if not isinstance(msg, dict) or not msg.get("DOI"):
        raise CrossrefFault("not a Crossref work (no DOI)")
    authors = [str(a.get("family") or a.get("name") or "").strip() for a in msg.get("author") or []
               if isinstance(a, dict)]
    abstract = re.sub(r"<[^>]+>", " ", str(msg.get("abstract") or ""))
    title = re.sub(r"<[^>]+>", " ", _first(msg.get("title")))      # inline JATS/HTML (<i>KRAS</i>)
    own = _notices(msg.get("update-to"))
    return Record(
        pmid="", title=" ".join(title.split()), abstract=" ".join(abstract.split()),
        journal=_first(msg.get("container-title")), journal_iso=_first(msg.get("short-container-title")),
        year=_year(msg), doi=str(msg["DOI"]).strip(), first_author=authors[0] if authors else "",
        authors=[a for a in authors if a], notices=_notices(msg.get("updated-by")), origin=CROSSREF,
        work_type=str(msg.get("type") or ""),
        is_retraction_notice=any(n.kind in (RETRACTION, WITHDRAWAL) for n in own),
    )


def _envelope(body: bytes, message_type: str) -> Any:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CrossrefFault("answer is not JSON") from None
    if not isinstance(data, dict) or data.get("status") != "ok" or data.get("message-type") != message_type:
        got = data.get("message-type") if isinstance(data, dict) else type(data).__name__
        raise CrossrefFault(f"not a Crossref {message_type} answer (message-type {got!r})")
    return data.get("message")


def read_work(body: bytes) -> Record:
    """A ``/works/{doi}`` answer (status 200) as a Record."""
    return work_record(_envelope(body, "work"))


def read_work_list(body: bytes) -> list[tuple[Record, float]]:
    """A work-list answer: (record, Crossref's relevance score) per item, best first."""
    msg = _envelope(body, "work-list")
    items = msg.get("items") if isinstance(msg, dict) else None
    if not isinstance(items, list):
        raise CrossrefFault("work-list answer without items")
    out = []
    for it in items:
        try:
            out.append((work_record(it), float(it.get("score") or 0.0)))
        except (CrossrefFault, TypeError, ValueError):
            continue
    return out


def read_error(body: bytes) -> str:
    """Crossref's own words for an error answer (JSON validation failure, or plain text)."""
    try:
        data = json.loads(body.decode("utf-8"))
        msgs = data.get("message")
        if isinstance(msgs, list):
            return "; ".join(str(m.get("message") or m.get("type") or m) for m in msgs if m)[:200]
        return str(msgs or data.get("message-type") or "")[:200]
    except (UnicodeDecodeError, ValueError, AttributeError):
        return " ".join(body.decode("utf-8", "replace").split())[:200]


def accepts(ref: Reference, rec: Record) -> bool:
    """Is this Crossref search hit the cited work?  Its title must match (and its year, within one)."""
    want = ref.cited_title or ""
    if want:
        score = fuzz.token_set_ratio(want.lower(), rec.title.lower())
    else:
        score = fuzz.partial_ratio(rec.title.lower(), (ref.raw or "").lower()) if len(rec.title) > 20 else 0
    if score < TITLE_ACCEPT:
        return False
    return not (ref.cited_year and rec.year and abs(ref.cited_year - rec.year) > 1)
