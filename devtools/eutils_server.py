"""A local E-utilities server that answers like NCBI, and misbehaves on request.

It serves PubMed records from folders/files of efetch or baseline XML over
real HTTP (``ThreadingHTTPServer`` on 127.0.0.1), so the Entrez client is
tested through the same sockets, status codes, headers and XML it meets in
production:

* ``efetch.fcgi`` (GET/POST): ``id=`` list or ``WebEnv``+``query_key`` with
  ``retstart``/``retmax``; unknown PMIDs are simply absent, as at NCBI;
* ``esearch.fcgi``: ``NNN[pmid]``, ``"10.x/y"[doi]``, ``PMCnnn[pmc]``, title
  words/phrases ``[ti]``, ``[tiab]``, ``[au]``, ``[ta]``, ``[dp]``, ``[mh]``,
  combined with AND/OR/NOT and parentheses (left to right, as PubMed does);
  ``usehistory=y``;
* ``epost.fcgi``: ``ePostResult`` with ``QueryKey``/``WebEnv``;
* ``esummary.fcgi``: a minimal ``eSummaryResult``;
* ``ecitmatch.cgi``: pipe-delimited ``bdata`` lines matched on journal, year,
  volume, first page and first author;
* NCBI-style ``<ERROR>`` answers for a wrong ``db`` or missing parameters.

Faults (constructor keywords and CLI flags) let tests and benchmarks check the
client's retries: 429 bursts with ``Retry-After``, 500/502/503, slow answers,
truncated bodies (cut XML, or a connection closed before the promised
Content-Length), connection resets, records left out of multi-id answers,
NCBI's per-second rate cap (429 with its JSON error body) and a fixed latency.
Every request is logged (time of arrival, endpoint, parameters with the
api_key redacted, status) in memory and optionally to a JSONL file.

Attacks (``attack=``, see ``ATTACKS``) make it hostile rather than sick: an
answer trickled one byte at a time, gzip bombs (in the body or as
``Content-Encoding``), efetch sets that are empty, hold other PMIDs, are an HTML
error page naming PubmedArticleSet, hold records without a PMID or are
malformed, esearch answers with external entities, entity bombs, no DOCTYPE
or a DTD name without a dot, 400s, and 307 redirects to another server.  Huge ``Retry-After`` values come from
``fail_429_*`` with ``retry_after``.

Everything it serves is the real records given to it; it invents nothing.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import random
import re
import secrets
import socket
import sys
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, fields, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from audit.models import Record
from audit.pubmed.records import load_raw_records, parse_records, wrap_article_set

BASE_PATH = "/entrez/eutils/"
MAX_RETMAX = 10000
ESEARCH_DOCTYPE = ('<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
                   '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">')
EPOST_DOCTYPE = ('<!DOCTYPE ePostResult PUBLIC "-//NLM//DTD epost 20090526//EN" '
                 '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20090526/epost.dtd">')
ESUMMARY_DOCTYPE = ('<!DOCTYPE eSummaryResult PUBLIC "-//NLM//DTD esummary v1 20041029//EN" '
                    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20041029/esummary-v1.dtd">')
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>\n'
SECRET_PARAMS = ("api_key",)


def redact_params(params: dict) -> dict:
    return {k: ("***" if k.lower() in SECRET_PARAMS and v else v) for k, v in params.items()}


def norm(text: str) -> str:
    """Lowercase words without punctuation or accents: 'Proc. Natl. Acad. Sci. U.S.A.' -> 'proc natl acad sci u s a'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def words(text: str) -> list[str]:
    return norm(text).split()


# ---------------------------------------------------------------------------
# The records and what can be searched in them
# ---------------------------------------------------------------------------

@dataclass
class Entry:
    pmid: str
    xml: bytes
    record: Record
    title_words: list[str]
    text_words: set[str]
    journals: set[str]
    volume: str
    first_page: str
    authors: list[tuple[str, str]]   # (normalised last name, initials)


def _first_text(el: ET.Element, path: str) -> str:
    found = el.find(path)
    return " ".join("".join(found.itertext()).split()) if found is not None else ""


def _entry(pmid: str, xml: bytes, record: Record) -> Entry:
    root = ET.fromstring(xml)
    art = root.find("MedlineCitation/Article")
    volume = first_page = ""
    authors: list[tuple[str, str]] = []
    journals = {norm(record.journal), norm(record.journal_iso)}
    journals.add(norm(_first_text(root, "MedlineCitation/MedlineJournalInfo/MedlineTA")))
    if art is not None:
        volume = _first_text(art, "Journal/JournalIssue/Volume")
        first_page = _first_text(art, "Pagination/StartPage")
        if not first_page:
            first_page = re.split(r"[-,;\s]", _first_text(art, "Pagination/MedlinePgn") + " ")[0]
        for a in art.findall("AuthorList/Author"):
            last = _first_text(a, "LastName")
            if last:
                authors.append((norm(last), norm(_first_text(a, "Initials")).replace(" ", "")))
    journals.discard("")
    title_words = words(record.title)
    return Entry(pmid, xml, record, title_words, set(title_words) | set(words(record.abstract)),
                 journals, volume, first_page, authors)


class RecordStore:
    """pmid -> one-article XML, with the indexes the endpoints search."""

    def __init__(self, raw: dict[str, bytes]):
        self.entries: dict[str, Entry] = {}
        for pmid, xml in raw.items():
            recs = parse_records(xml, f"<record {pmid}>")
            if recs:
                self.entries[pmid] = _entry(pmid, xml, recs[0])
        self.by_doi: dict[str, set[str]] = {}
        self.by_pmc: dict[str, set[str]] = {}
        for e in self.entries.values():
            if e.record.doi:
                self.by_doi.setdefault(e.record.doi.strip().lower(), set()).add(e.pmid)
            if e.record.pmcid:
                self.by_pmc.setdefault(e.record.pmcid.strip().upper(), set()).add(e.pmid)

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path]) -> "RecordStore":
        return cls(load_raw_records(list(paths)))

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, pmid: str) -> bool:
        return pmid in self.entries


# ---------------------------------------------------------------------------
# esearch term language (the subset the client and tests use)
# ---------------------------------------------------------------------------

FIELD_ALIASES = {
    "pmid": "pmid", "uid": "pmid", "pubmed id": "pmid",
    "doi": "doi", "aid": "doi", "lid": "doi", "location id": "doi", "article identifier": "doi",
    "pmc": "pmc", "pmcid": "pmc",
    "ti": "ti", "title": "ti",
    "tiab": "tiab", "title/abstract": "tiab",
    "au": "au", "author": "au", "1au": "1au", "first author": "1au", "author - first": "1au",
    "ta": "ta", "journal": "ta", "jour": "ta",
    "dp": "dp", "pdat": "dp", "publication date": "dp",
    "vi": "vi", "volume": "vi", "pg": "pg", "pagination": "pg",
    "mh": "mh", "mesh terms": "mh", "mesh": "mh",
    "all": "all", "all fields": "all",
}
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|([^\s()\[\]"]+))(?:\[([^\]]*)\])?')


class QueryError(ValueError):
    pass


def _tokens(term: str) -> list[tuple[str, str, str | None]]:
    """(kind, text, field) with kind in '(' ')' 'op' 'term'."""
    out: list[tuple[str, str, str | None]] = []
    pos = 0
    term = term.strip()
    while pos < len(term):
        m = _TOKEN.match(term, pos)
        if not m or m.end() == pos:
            raise QueryError(f"cannot parse query near {term[pos:pos + 20]!r}")
        pos = m.end()
        lpar, rpar, quoted, bare, fld = m.groups()
        if lpar:
            out.append(("(", "(", None))
        elif rpar:
            out.append((")", ")", None))
        elif quoted is None and bare in ("AND", "OR", "NOT") and fld is None:
            out.append(("op", bare, None))
        else:
            out.append(("term", quoted if quoted is not None else bare, fld))
    return out


class _Evaluator:
    def __init__(self, store: RecordStore):
        self.store = store
        self.unknown_fields: list[str] = []
        self.not_found: list[str] = []

    def run(self, term: str) -> set[str]:
        self.toks = _tokens(term)
        self.i = 0
        result = self._expr()
        if self.i != len(self.toks):
            raise QueryError("unbalanced parentheses")
        return result

    def _expr(self) -> set[str]:
        # PubMed applies Boolean operators left to right; adjacent terms are AND-ed.
        acc = self._atom()
        while self.i < len(self.toks) and self.toks[self.i][0] != ")":
            kind, text, _ = self.toks[self.i]
            op = "AND"
            if kind == "op":
                op = text
                self.i += 1
            rhs = self._atom()
            acc = acc | rhs if op == "OR" else acc - rhs if op == "NOT" else acc & rhs
        return acc

    def _atom(self) -> set[str]:
        if self.i >= len(self.toks):
            raise QueryError("query ends where a term was expected")
        kind, text, fld = self.toks[self.i]
        self.i += 1
        if kind == "(":
            inner = self._expr()
            if self.i >= len(self.toks) or self.toks[self.i][0] != ")":
                raise QueryError("unbalanced parentheses")
            self.i += 1
            return inner
        if kind != "term":
            raise QueryError(f"unexpected {text!r}")
        hits = self._match(text, fld)
        if not hits:
            self.not_found.append(text)
        return hits

    def _match(self, text: str, fld: str | None) -> set[str]:
        s = self.store
        key = FIELD_ALIASES.get((fld or "all").strip().lower())
        if key is None:
            self.unknown_fields.append(fld or "")
            return set()
        value = text.strip()
        if key == "pmid":
            return {value} if value in s.entries else set()
        if key == "doi":
            return set(s.by_doi.get(value.lower(), ()))
        if key == "pmc":
            v = value.upper()
            return set(s.by_pmc.get(v if v.startswith("PMC") else "PMC" + v, ()))
        if key == "all":
            if value.isdigit() and value in s.entries:
                return {value}
            if value.lower() in s.by_doi:
                return set(s.by_doi[value.lower()])
            return self._words(value, lambda e: e.title_words, e_set=lambda e: e.text_words)
        if key == "ti":
            return self._words(value, lambda e: e.title_words)
        if key == "tiab":
            return self._words(value, lambda e: e.title_words, e_set=lambda e: e.text_words)
        if key in ("au", "1au"):
            want = words(value)
            if not want:
                return set()
            out = set()
            for e in s.entries.values():
                cands = e.authors[:1] if key == "1au" else e.authors
                for last, initials in cands:
                    if last == want[0] and (len(want) == 1 or initials.startswith(want[1])):
                        out.add(e.pmid)
                        break
            return out
        if key == "ta":
            n = norm(value)
            return {e.pmid for e in s.entries.values() if n in e.journals}
        if key == "dp":
            return {e.pmid for e in s.entries.values() if e.record.year and str(e.record.year) == value[:4]}
        if key == "vi":
            return {e.pmid for e in s.entries.values() if e.volume == value}
        if key == "pg":
            return {e.pmid for e in s.entries.values() if e.first_page == value}
        if key == "mh":
            n = norm(value)
            return {e.pmid for e in s.entries.values() if any(norm(m) == n for m in e.record.mesh_terms)}
        return set()

    def _words(self, value: str, seq, e_set=None) -> set[str]:
        want = words(value)
        if not want:
            return set()
        out = set()
        prefix = value.endswith("*")
        for e in self.store.entries.values():
            toks = seq(e)
            if len(want) == 1:
                pool = e_set(e) if e_set else set(toks)
                if (any(t.startswith(want[0]) for t in pool) if prefix else want[0] in pool):
                    out.add(e.pmid)
            else:  # a quoted phrase: consecutive words
                n = len(want)
                if any(toks[i:i + n] == want for i in range(len(toks) - n + 1)):
                    out.add(e.pmid)
        return out


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------

# attack -> the endpoints it applies to (None: every endpoint)
ATTACKS: dict[str, tuple[str, ...] | None] = {
    "trickle": None,                 # headers at once, then the body one byte every trickle_seconds
    "trickle_headers": None,         # the status line and headers themselves one byte at a time
    "gzip_bomb": ("efetch",),        # a gzip body that inflates to bomb_mb of XML
    "gzip_bomb_encoding": None,      # the same bomb sent as Content-Encoding: gzip
    "empty_set": ("efetch",),        # an empty PubmedArticleSet whatever was asked
    "wrong_pmids": ("efetch",),      # as many records as asked, none of them the asked ones
    "html_set": ("efetch",),         # an HTML error page (status 200) whose text names PubmedArticleSet
    "no_pmid": ("efetch",),          # the real answer with every <PMID> element taken out
    "malformed_xml": ("efetch",),    # the real answer with a mismatched tag in the middle
    "xxe": ("esearch", "epost"),     # an external entity reading file:///etc/passwd
    "entity_bomb": ("esearch", "epost"),  # nested internal entities ("billion laughs")
    "no_doctype": ("esearch", "epost"),
    "dtd_no_dot": ("esearch", "epost"),   # DOCTYPE system id "esearch": Bio.Entrez would download it
    "http_400": None,                # 400 Bad Request: retrying will not help
    "redirect": None,                # 307 to redirect_to (another host): a client that follows re-sends the body
}


@dataclass
class Faults:
    latency_ms: float = 0.0          # added to every answer
    rate_cap: float = 0.0            # >0: 429 (NCBI JSON body) beyond this many requests per second
    fail_429_first: int = 0          # the first K requests get 429
    fail_429_every: int = 0          # every Nth request gets 429
    retry_after: float | None = 1.0  # Retry-After seconds sent with fault 429s (None: no header)
    fail_5xx_first: int = 0
    fail_5xx_every: int = 0
    fail_status: int = 503           # 500, 502 or 503 for the 5xx faults and fail_after
    fail_after: int | None = None    # after this many requests, every request fails (a dead server)
    slow_first: int = 0
    slow_every: int = 0
    slow_seconds: float = 0.0        # how long slow answers wait before answering
    truncate_first: int = 0
    truncate_every: int = 0
    truncate_mode: str = "xml"       # xml: cut XML in a complete answer; connection: close mid-body
    reset_first: int = 0             # close the connection without answering
    reset_every: int = 0
    drop_fraction: float = 0.0       # leave this share of records out of multi-id efetch answers
    drop_pmids: tuple[str, ...] = () # always left out of multi-id efetch answers
    endpoints: tuple[str, ...] = ()  # faults apply only to these endpoints (empty: all)
    seed: int = 0
    attack: str = ""                 # one of ATTACKS, on every request it applies to ...
    attack_first: int = 0            # ... or only on the first K of them (0: all)
    trickle_seconds: float = 5.0     # pause between two bytes of a trickled answer
    bomb_mb: int = 64                # inflated size of the gzip bombs
    redirect_to: str = ""            # base URL the redirect attack sends clients to (same path and query)
    esearch_none: bool = False       # every esearch answers Count 0, an empty IdList (a sick index)

    def __post_init__(self) -> None:
        if self.fail_status not in (500, 502, 503, 504):
            raise ValueError("fail_status must be 500, 502, 503 or 504")
        if self.truncate_mode not in ("xml", "connection"):
            raise ValueError("truncate_mode must be xml or connection")
        self.drop_pmids = tuple(str(p) for p in self.drop_pmids)
        self.endpoints = tuple(self.endpoints)
        if self.attack and self.attack not in ATTACKS:
            raise ValueError(f"attack must be one of {', '.join(ATTACKS)}")
        if self.attack == "redirect" and not self.redirect_to:
            raise ValueError("the redirect attack needs redirect_to (--redirect-to URL)")


@functools.lru_cache(maxsize=4)
def gzip_bomb(mb: int) -> bytes:
    """A PubmedArticleSet padded with spaces to ``mb`` MB, gzipped (about 1000:1)."""
    head = wrap_article_set([]).replace(b"\n</PubmedArticleSet>\n", b"")
    body = head + b" " * (mb * 1024 * 1024) + b"</PubmedArticleSet>\n"
    return gzip.compress(body, compresslevel=9, mtime=0)


def hostile_control(body: bytes, attack: str) -> bytes:
    """A real esearch/epost answer with its DOCTYPE turned into an attack."""
    m = re.search(rb"<!DOCTYPE [^>]*>\n?", body)
    if not m:
        return body
    doctype = m.group(0).rstrip(b"\n").rstrip(b">")
    root = re.search(rb"<(eSearchResult|ePostResult)>", body)
    if attack == "no_doctype":
        return body[:m.start()] + body[m.end():]
    if attack == "dtd_no_dot":
        name = root.group(1) if root else b"eSearchResult"
        return body[:m.start()] + b'<!DOCTYPE ' + name + b' PUBLIC "-//NLM//DTD esearch//EN" "esearch">\n' + body[m.end():]
    if attack == "xxe":
        subset = b' [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        out = body[:m.start()] + doctype + subset + body[m.end():]
        return out.replace(b"<Count>", b"<Count>&xxe;", 1)
    if attack == "entity_bomb":
        ents = b'<!ENTITY e0 "lol">' + b"".join(
            b'<!ENTITY e%d "%s">' % (i, b"".join(b"&e%d;" % (i - 1) for _ in range(10))) for i in range(1, 10))
        out = body[:m.start()] + doctype + b" [" + ents + b"]>\n" + body[m.end():]
        return out.replace(b"<Count>", b"<Count>&e9;", 1)
    return body


def _hit(n: int, first: int, every: int) -> bool:
    return (first > 0 and n <= first) or (every > 0 and n % every == 0)


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (as clients under attack should) is no server error."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Abort(Exception):
    """Close the connection without (or part-way through) an answer."""


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------

class EutilsServer:
    """The server object: ``.url``, ``.requests``, ``.reset_log()``, ``.set_faults()``."""

    def __init__(self, records: str | Path | Iterable[str | Path] | None = None, *,
                 store: RecordStore | None = None, host: str = "127.0.0.1", port: int = 0,
                 log_path: str | Path | None = None, faults: Faults | None = None, **fault_kw):
        if store is None:
            if records is None:
                raise ValueError("give records (folders/files of PubMed XML) or a store")
            paths = [records] if isinstance(records, (str, Path)) else list(records)
            store = RecordStore.from_paths(paths)
        self.store = store
        self.faults = replace(faults or Faults(), **fault_kw)
        self.log_path = Path(log_path) if log_path else None
        self._lock = threading.Lock()
        self._log: list[dict] = []
        self._n = 0                      # requests subject to faults, for first/every
        self._arrivals: deque[float] = deque()
        self._history: dict[str, list[list[str]]] = {}
        self._httpd = _QuietServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self.host, self.port = self._httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{BASE_PATH}"

    def start(self) -> "EutilsServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"eutils-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "EutilsServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- control and inspection ---------------------------------------------------
    def set_faults(self, **kw) -> None:
        """Replace fault settings (unnamed ones go back to none) and restart the counters."""
        with self._lock:
            self.faults = Faults(**kw)
            self._n = 0
            self._arrivals.clear()

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def requests_for(self, endpoint: str) -> list[dict]:
        return [r for r in self.requests if r["endpoint"] == endpoint]

    def fetched_ids(self) -> list[str]:
        """Every PMID asked for by id in efetch requests, in order (repeats kept)."""
        return [p for r in self.requests_for("efetch") for p in r.get("ids", [])]

    # -- request bookkeeping ------------------------------------------------------
    def _admit(self, endpoint: str, arrived: float) -> tuple[int, str | None, dict]:
        """Count the request and decide its fault: (n, fault, info)."""
        f = self.faults
        with self._lock:
            info: dict = {}
            if f.rate_cap > 0:
                # NCBI counts every request that arrives, refused or not.
                self._arrivals.append(arrived)
                while self._arrivals and self._arrivals[0] <= arrived - 1.0:
                    self._arrivals.popleft()
                if len(self._arrivals) > f.rate_cap:
                    info["count"] = len(self._arrivals)
                    return 0, "rate_cap", info
            if f.endpoints and endpoint not in f.endpoints:
                return 0, None, info
            self._n += 1
            n = self._n
        if f.attack and (f.attack_first <= 0 or n <= f.attack_first):
            applies = ATTACKS[f.attack]
            if applies is None or endpoint in applies:
                return n, "attack", info
        if f.fail_after is not None and n > f.fail_after:
            return n, "dead", info
        for name, first, every in (("429", f.fail_429_first, f.fail_429_every),
                                   ("5xx", f.fail_5xx_first, f.fail_5xx_every),
                                   ("reset", f.reset_first, f.reset_every),
                                   ("slow", f.slow_first, f.slow_every),
                                   ("truncate", f.truncate_first, f.truncate_every)):
            if _hit(n, first, every):
                return n, name, info
        return n, None, info

    def _record(self, entry: dict) -> None:
        with self._lock:
            self._log.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry) + "\n")

    # -- endpoint logic (pure: params -> (status, content type, body, extra log)) ----
    def answer(self, endpoint: str, params: dict[str, str], n: int) -> tuple[int, str, bytes, dict]:
        handler = {"efetch": self._efetch, "esearch": self._esearch, "epost": self._epost,
                   "esummary": self._esummary, "ecitmatch": self._ecitmatch}.get(endpoint)
        if handler is None:
            return 404, "text/plain", b"Not Found", {}
        return handler(params, n)

    @staticmethod
    def _error(root: str, doctype: str, *messages: str) -> bytes:
        errs = "".join(f"\t<ERROR>{escape(m)}</ERROR>\n" for m in messages)
        # No DOCTYPE on efetch errors: Bio.Entrez lacks efetch.dtd and would try to download it.
        return f"{XML_HEAD}{doctype + chr(10) if doctype else ''}<{root}>\n{errs}</{root}>\n".encode()

    @staticmethod
    def _ids(params: dict) -> list[str]:
        raw = params.get("id", "")
        return [x.strip() for x in re.split(r"[,\s]+", raw) if x.strip()]

    def _bad_db(self, params: dict) -> str | None:
        db = params.get("db", "")
        if db != "pubmed":
            return f"Invalid db name specified: {db}"
        return None

    def _history_ids(self, params: dict) -> list[str] | None:
        env = self._history.get(params.get("WebEnv", params.get("webenv", "")))
        try:
            qk = int(params.get("query_key", "0"))
        except ValueError:
            return None
        if env is None or not 1 <= qk <= len(env):
            return None
        return env[qk - 1]

    def _efetch(self, params: dict, n: int):
        bad = self._bad_db(params)
        if bad:
            return 200, "text/xml", self._error("eFetchResult", "", bad), {}
        ids = self._ids(params)
        extra: dict = {"ids": ids}
        if not ids and params.get("query_key"):
            hist = self._history_ids(params)
            if hist is None:
                return 200, "text/xml", self._error("eFetchResult", "",
                                                    "Cannot retrieve query from history"), extra
            start = int(params.get("retstart", "0") or 0)
            count = int(params.get("retmax", str(MAX_RETMAX)) or MAX_RETMAX)
            ids = hist[start:start + min(count, MAX_RETMAX)]
            extra = {"ids": [], "history_ids": ids}
        if not ids:
            return 200, "text/xml", self._error("eFetchResult", "",
                                                "Empty id list - nothing todo"), extra
        found = [p for p in dict.fromkeys(ids) if p in self.store.entries]
        f = self.faults
        if len(found) > 1 and (f.drop_fraction > 0 or f.drop_pmids):
            rng = random.Random(f.seed * 1_000_003 + n)
            kept = [p for p in found if p not in f.drop_pmids and rng.random() >= f.drop_fraction]
            extra["dropped"] = [p for p in found if p not in kept]
            found = kept
        extra["answered"] = len(found)
        body = wrap_article_set(self.store.entries[p].xml for p in found)
        return 200, "text/xml; charset=UTF-8", body, extra

    def _esearch(self, params: dict, n: int):
        bad = self._bad_db(params)
        if bad:
            return 200, "text/xml", self._error("eSearchResult", ESEARCH_DOCTYPE, bad), {}
        term = params.get("term", "")
        if not term.strip():
            return 200, "text/xml", self._error("eSearchResult", ESEARCH_DOCTYPE,
                                                "Empty term and query_key - nothing todo"), {}
        ev = _Evaluator(self.store)
        try:
            hits = ev.run(term)
        except QueryError as exc:
            return 200, "text/xml", self._error("eSearchResult", ESEARCH_DOCTYPE, str(exc)), {}
        if self.faults.esearch_none:
            hits = set()
        ids = sorted(hits, key=int, reverse=True)   # PubMed's default: newest (highest) first
        start = int(params.get("retstart", "0") or 0)
        retmax = min(int(params.get("retmax", "20") or 20), MAX_RETMAX)
        page = ids[start:start + retmax]
        hist = ""
        if params.get("usehistory", "").lower() == "y":
            webenv, qk = self._store_history(params.get("WebEnv", ""), ids)
            hist = f"<QueryKey>{qk}</QueryKey><WebEnv>{webenv}</WebEnv>"
        idlist = "<IdList>\n" + "".join(f"<Id>{p}</Id>\n" for p in page) + "</IdList>" if page else "<IdList/>"
        errors = ""
        if ev.unknown_fields or (not ids and ev.not_found):
            errors = ("<ErrorList>" + "".join(f"<PhraseNotFound>{escape(t)}</PhraseNotFound>"
                                              for t in ev.not_found)
                      + "".join(f"<FieldNotFound>{escape(t)}</FieldNotFound>" for t in ev.unknown_fields)
                      + "</ErrorList>")
        warn = "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>" if not ids else ""
        body = (f"{XML_HEAD}{ESEARCH_DOCTYPE}\n<eSearchResult><Count>{len(ids)}</Count>"
                f"<RetMax>{len(page)}</RetMax><RetStart>{start}</RetStart>{hist}{idlist}"
                f"<TranslationSet/><QueryTranslation>{escape(term)}</QueryTranslation>"
                f"{errors}{warn}</eSearchResult>\n")
        return 200, "text/xml; charset=UTF-8", body.encode(), {"count": len(ids)}

    def _store_history(self, webenv: str, ids: list[str]) -> tuple[str, int]:
        with self._lock:
            if webenv not in self._history:
                webenv = "MCID_" + secrets.token_hex(12)
                self._history[webenv] = []
            self._history[webenv].append(list(ids))
            return webenv, len(self._history[webenv])

    def _epost(self, params: dict, n: int):
        bad = self._bad_db(params)
        if bad:
            return 200, "text/xml", self._error("ePostResult", EPOST_DOCTYPE, bad), {}
        ids = self._ids(params)
        valid = [p for p in ids if p.isdigit()]
        extra = {"ids": ids}
        if not valid:
            msgs = ["Empty ID list; Nothing to store"]
            if ids:
                msgs.append("Some IDs have invalid value and were omitted. "
                            "Maximum ID value 18446744073709551615")
            return 200, "text/xml", self._error("ePostResult", EPOST_DOCTYPE, *msgs), extra
        webenv, qk = self._store_history(params.get("WebEnv", ""), list(dict.fromkeys(valid)))
        body = (f"{XML_HEAD}{EPOST_DOCTYPE}<ePostResult>\n\t<QueryKey>{qk}</QueryKey>\n"
                f"\t<WebEnv>{webenv}</WebEnv>\n</ePostResult>\n")
        return 200, "text/xml; charset=UTF-8", body.encode(), extra

    def _esummary(self, params: dict, n: int):
        bad = self._bad_db(params)
        if bad:
            return 200, "text/xml", self._error("eSummaryResult", ESUMMARY_DOCTYPE, bad), {}
        ids = self._ids(params)
        if not ids and params.get("query_key"):
            ids = self._history_ids(params) or []
        if not ids:
            return 200, "text/xml", self._error("eSummaryResult", ESUMMARY_DOCTYPE,
                                                "Neither query_key nor id specified"), {}
        parts = []
        for p in ids:
            e = self.store.entries.get(p)
            if e is None:
                continue
            r = e.record
            items = [("PubDate", "Date", str(r.year or "")), ("Source", "String", r.journal_iso),
                     ("Title", "String", r.title), ("DOI", "String", r.doi or "")]
            parts.append(f"<DocSum>\n\t<Id>{p}</Id>\n" + "".join(
                f'\t<Item Name="{nm}" Type="{tp}">{escape(v)}</Item>\n' for nm, tp, v in items) + "</DocSum>\n")
        body = f"{XML_HEAD}{ESUMMARY_DOCTYPE}\n<eSummaryResult>\n{''.join(parts)}</eSummaryResult>\n"
        return 200, "text/xml; charset=UTF-8", body.encode(), {"ids": ids}

    def citmatch_line(self, line: str) -> str:
        """One bdata line -> NCBI's answer line (input fields echoed, PMID or NOT_FOUND appended)."""
        parts = line.split("|")
        parts += [""] * (6 - len(parts))
        journal, year, volume, page, author, key = (x.strip() for x in parts[:6])
        j, a = norm(journal), norm(author)
        given = [x for x in (year, volume, page, author) if x]
        matches = []
        if j and len(given) >= 2:
            for e in self.store.entries.values():
                if j not in e.journals:
                    continue
                if year and str(e.record.year or "") != year:
                    continue
                if volume and e.volume != volume:
                    continue
                if page and e.first_page.lower() != page.lower():
                    continue
                if a:
                    # "mann bj" against (last="mann", initials="bj"); last names may have spaces.
                    if not e.authors:
                        continue
                    last, initials = e.authors[0]
                    if not (a == last or a.startswith(last + " ")):
                        continue
                    given_initials = a[len(last):].strip().replace(" ", "")
                    if given_initials and initials and given_initials[0] != initials[0]:
                        continue
                matches.append(e.pmid)
        result = matches[0] if len(matches) == 1 else ("AMBIGUOUS" if matches else "NOT_FOUND")
        return "|".join([journal, year, volume, page, author, key, result])

    def _ecitmatch(self, params: dict, n: int):
        if params.get("db", "") != "pubmed":
            return 200, "text/plain", f"Invalid db name specified: {params.get('db', '')}\n".encode(), {}
        lines = [ln for ln in re.split(r"[\r\n]+", params.get("bdata", "")) if ln.strip()]
        if not lines:
            return 400, "text/plain", b"Empty bdata\n", {}
        out = "".join(self.citmatch_line(ln) + "\n" for ln in lines)
        return 200, "text/plain; charset=UTF-8", out.encode(), {"lines": len(lines)}

    # -- HTTP ---------------------------------------------------------------------
    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "citeaudit-eutils/1.0"

            def log_message(self, fmt, *args):  # the request log replaces stderr chatter
                pass

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def _params(self, method: str) -> dict[str, str]:
                query = urlsplit(self.path).query
                if method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length).decode("utf-8", errors="replace")
                    query = "&".join(x for x in (query, body) if x)
                return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}

            def _send(self, status: int, ctype: str, body: bytes, headers: dict | None = None,
                      promise: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if promise is None else promise))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def _attack(self, f: Faults, endpoint: str, status: int, ctype: str, body: bytes,
                        extra: dict, log) -> None:
                a = f.attack
                headers: dict = {}
                if a == "http_400":
                    status, ctype, body = 400, "text/plain", b"Bad Request\n"
                elif a == "redirect":
                    # 307 keeps the method and body: the client is asked to POST it, key and all, there.
                    path = urlsplit(self.path)
                    to = f.redirect_to.rstrip("/") + "/" + path.path.rsplit("/", 1)[-1]
                    status, ctype, body = 307, "text/plain", b"Temporary Redirect\n"
                    headers = {"Location": to + (f"?{path.query}" if path.query else "")}
                elif a == "trickle":
                    log(status)
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.flush()
                    for i in range(len(body)):      # ends when the client hangs up (BrokenPipe)
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(f.trickle_seconds)
                    return
                elif a == "trickle_headers":
                    log(status)
                    head = (f"HTTP/1.1 {status} OK\r\nContent-Type: {ctype}\r\n"
                            f"Content-Length: {len(body)}\r\n\r\n").encode()
                    for i in range(len(head)):
                        self.wfile.write(head[i:i + 1])
                        self.wfile.flush()
                        time.sleep(f.trickle_seconds)
                    self.wfile.write(body)
                    self.wfile.flush()
                    return
                elif a == "gzip_bomb":
                    body = gzip_bomb(f.bomb_mb)
                elif a == "gzip_bomb_encoding":
                    body, headers = gzip_bomb(f.bomb_mb), {"Content-Encoding": "gzip"}
                elif a == "empty_set":
                    body = wrap_article_set([])
                elif a == "wrong_pmids":
                    asked = set(extra.get("ids") or extra.get("history_ids") or [])
                    others = [p for p in sorted(server.store.entries) if p not in asked][:max(1, len(asked))]
                    extra["answered_with"] = others
                    body = wrap_article_set(server.store.entries[p].xml for p in others)
                elif a == "html_set":
                    ctype = "text/html; charset=UTF-8"
                    body = (b"<html><head><title>Error</title></head><body><h1>Service unavailable</h1>"
                            b"<p>The PubmedArticleSet could not be retrieved. Try again later.</p></body></html>\n")
                elif a == "no_pmid":
                    body = re.sub(rb"<PMID[^>]*>\s*\d+\s*</PMID>", b"", body)
                elif a == "malformed_xml":
                    if b"</PubmedArticle>" in body:
                        body = body.replace(b"</PubmedArticle>", b"</PubmedArticl>", 1)
                    else:
                        body = body.replace(b"<PubmedArticleSet>", b"<PubmedArticleSet><x></y>", 1)
                else:
                    body = hostile_control(body, a)
                log(status)
                self._send(status, ctype, body, headers)

            def _serve(self, method: str) -> None:
                arrived = time.time()
                name = urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1]
                endpoint = name.split(".")[0]
                params = self._params(method)
                f = server.faults
                n, fault, info = server._admit(endpoint, arrived)
                entry = {"n": n, "time": arrived, "endpoint": endpoint, "method": method,
                         "params": redact_params(params), "status": None, "fault": fault}
                if params.get("id"):
                    entry["ids"] = EutilsServer._ids(params)
                logged = False

                def log(status) -> None:
                    # Logged before the answer leaves, so a client that reads the
                    # log right after its response always finds its request there.
                    nonlocal logged
                    entry["status"] = status
                    entry["duration"] = round(time.time() - arrived, 4)
                    server._record(entry)
                    logged = True

                try:
                    if f.latency_ms > 0:
                        time.sleep(f.latency_ms / 1000.0)
                    if fault == "rate_cap":
                        body = json.dumps({"error": "API rate limit exceeded",
                                           "api-key": self.client_address[0],
                                           "count": str(info["count"]),
                                           "limit": str(int(f.rate_cap))}).encode()
                        log(429)
                        self._send(429, "application/json", body)
                        return
                    if fault in ("dead", "5xx"):
                        msg = {500: "Internal Server Error", 502: "Bad Gateway",
                               503: "Service Unavailable", 504: "Gateway Timeout"}[f.fail_status]
                        log(f.fail_status)
                        self._send(f.fail_status, "text/html",
                                   f"<html><body><h1>{f.fail_status} {msg}</h1></body></html>".encode())
                        return
                    if fault == "429":
                        headers = {}
                        if f.retry_after is not None:
                            ra = float(f.retry_after)
                            headers["Retry-After"] = str(int(ra)) if ra.is_integer() else str(ra)
                        log(429)
                        self._send(429, "application/json", b'{"error":"API rate limit exceeded"}', headers)
                        return
                    if fault == "reset":
                        log("reset")
                        raise _Abort()
                    status, ctype, body, extra = server.answer(endpoint, params, n)
                    entry.update(extra)
                    if fault == "attack":
                        entry["attack"] = f.attack
                        self._attack(f, endpoint, status, ctype, body, extra, log)
                        return
                    if fault == "slow":
                        log(status)          # logged on arrival; the answer leaves late
                        time.sleep(f.slow_seconds)
                    if fault == "truncate" and status == 200:
                        cut = body[: max(1, len(body) // 2)]
                        if f.truncate_mode == "connection":
                            log("truncated-connection")
                            self._send(status, ctype, cut, promise=len(body))
                            raise _Abort()
                        log("truncated")
                        self._send(status, ctype, cut)
                        return
                    if not logged:
                        log(status)
                    self._send(status, ctype, body)
                except _Abort:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                    entry["client_gone"] = True
                except Exception as exc:   # a bug here must still answer and be logged
                    entry["error"] = repr(exc)
                    if not logged:
                        log(500)
                        with contextlib.suppress(OSError):
                            self._send(500, "text/plain", b"Internal Server Error")
                finally:
                    if not logged:
                        log("client-gone")

        return Handler


@contextlib.contextmanager
def run_server(records: str | Path | Iterable[str | Path] | None = None, port: int = 0,
               **kw) -> Iterator[EutilsServer]:
    """Start a server (on a free port by default), yield it, stop it."""
    srv = EutilsServer(records, port=port, **kw)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


# ---------------------------------------------------------------------------
# CLI: citeaudit eutils-server
# ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="citeaudit eutils-server",
                                description="Serve PubMed XML as a local NCBI E-utilities endpoint, "
                                            "optionally misbehaving.")
    p.add_argument("--records", action="append", required=True,
                   help="folder or file of PubMed XML (plain or .gz); repeatable")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--log-jsonl", help="append every request to this JSONL file")
    d = Faults()
    p.add_argument("--latency-ms", type=float, default=d.latency_ms)
    p.add_argument("--rate-cap", type=float, default=d.rate_cap,
                   help="answer 429 beyond this many requests per second (NCBI: 3, or 10 with a key)")
    p.add_argument("--fail-429-first", type=int, default=0, metavar="K")
    p.add_argument("--fail-429-every", type=int, default=0, metavar="N")
    p.add_argument("--retry-after", type=float, default=d.retry_after,
                   help="Retry-After seconds on fault 429s (negative: send none)")
    p.add_argument("--fail-5xx-first", type=int, default=0, metavar="K")
    p.add_argument("--fail-5xx-every", type=int, default=0, metavar="N")
    p.add_argument("--fail-status", type=int, default=d.fail_status, choices=(500, 502, 503, 504))
    p.add_argument("--fail-after", type=int, default=None, metavar="N",
                   help="after N requests, every request fails with --fail-status")
    p.add_argument("--slow-first", type=int, default=0, metavar="K")
    p.add_argument("--slow-every", type=int, default=0, metavar="N")
    p.add_argument("--slow-seconds", type=float, default=0.0)
    p.add_argument("--truncate-first", type=int, default=0, metavar="K")
    p.add_argument("--truncate-every", type=int, default=0, metavar="N")
    p.add_argument("--truncate-mode", choices=("xml", "connection"), default=d.truncate_mode)
    p.add_argument("--reset-first", type=int, default=0, metavar="K")
    p.add_argument("--reset-every", type=int, default=0, metavar="N")
    p.add_argument("--drop-fraction", type=float, default=0.0)
    p.add_argument("--drop-pmid", action="append", default=[])
    p.add_argument("--fault-endpoint", action="append", default=[],
                   help="apply faults only to this endpoint (efetch, esearch, ...); repeatable")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--attack", choices=sorted(ATTACKS), default="",
                   help="answer with this attack (see ATTACKS in the module)")
    p.add_argument("--attack-first", type=int, default=0, metavar="K",
                   help="only the first K requests the attack applies to (0: all)")
    p.add_argument("--esearch-none", action="store_true",
                   help="every esearch answers Count 0 with an empty IdList (a sick search index)")
    p.add_argument("--trickle-seconds", type=float, default=d.trickle_seconds)
    p.add_argument("--bomb-mb", type=int, default=d.bomb_mb)
    p.add_argument("--redirect-to", default=d.redirect_to, metavar="URL",
                   help="where the redirect attack sends clients (another server's base URL)")
    return p


def faults_from_args(a: argparse.Namespace) -> Faults:
    return Faults(
        latency_ms=a.latency_ms, rate_cap=a.rate_cap,
        fail_429_first=a.fail_429_first, fail_429_every=a.fail_429_every,
        retry_after=None if a.retry_after is not None and a.retry_after < 0 else a.retry_after,
        fail_5xx_first=a.fail_5xx_first, fail_5xx_every=a.fail_5xx_every, fail_status=a.fail_status,
        fail_after=a.fail_after, slow_first=a.slow_first, slow_every=a.slow_every,
        slow_seconds=a.slow_seconds, truncate_first=a.truncate_first,
        truncate_every=a.truncate_every, truncate_mode=a.truncate_mode,
        reset_first=a.reset_first, reset_every=a.reset_every,
        drop_fraction=a.drop_fraction, drop_pmids=tuple(a.drop_pmid),
        endpoints=tuple(a.fault_endpoint), seed=a.seed, attack=a.attack, attack_first=a.attack_first,
        esearch_none=a.esearch_none,
        trickle_seconds=a.trickle_seconds, bomb_mb=a.bomb_mb, redirect_to=a.redirect_to)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        faults = faults_from_args(args)
        srv = EutilsServer(args.records, host=args.host, port=args.port,
                           log_path=args.log_jsonl, faults=faults)
    except (ValueError, OSError) as exc:
        print(f"citeaudit eutils-server: {exc}", file=sys.stderr)
        return 2
    active = {f.name: getattr(faults, f.name) for f in fields(Faults)
              if getattr(faults, f.name) != getattr(Faults(), f.name)}
    print(f"serving {len(srv.store)} PubMed records at {srv.url}", flush=True)
    if active:
        print(f"faults: {active}", flush=True)
    print(f"export CITEAUDIT_EUTILS_URL={srv.url}", flush=True)
    srv.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
