"""PubMed through NCBI Entrez: batched, rate-limited, retried, cached.

``EntrezSource`` answers the pipeline's three questions (fetch PMIDs, convert
DOI/PMCID, match free citations) with as few requests as the E-utilities
allow:

* efetch by POST in batches of ``cfg.batch_size``; above
  ``cfg.history_threshold`` PMIDs, one epost then efetch pages from the
  history server (WebEnv/query_key/retstart/retmax);
* DOIs and PMCIDs: one esearch per batch of OR-ed ``"doi"[aid]``/``PMCnnn[pmcid]`` (PubMed's documented Article Identifier and PMCID fields)
  terms, mapped back through the fetched records' ArticleIdList;
* citations: ECitMatch in batches of ``cfg.citmatch_batch``, then esearch on
  title words for what it could not match, checked against the fetched titles.

Transport is ``requests`` (Bio.Entrez's URLs are fixed to NCBI and it retries
429 at once); Biopython parses the control answers (``Entrez.read`` on
esearch/epost) and supplies the conventions (tool, email, api_key).  efetch
PubMed XML goes through ``audit.pubmed.records`` (ElementTree): Bio.Entrez would try to
download PubMed DTDs it does not ship.

Every request waits on the process-wide rate limiter; 429, 5xx, timeouts,
connection errors and truncated/unparsable answers are retried with
exponential backoff and jitter, honouring Retry-After.  A PMID ends
``resolved``, ``not_found`` (PubMed answered, twice, without it) or
``fetch_failed`` (we never got a usable answer) -- never a guess.

The api_key is a secret: it is never logged, never put in an exception
message, never in ``stats()``.
"""
from __future__ import annotations

import io
import logging
import os
import random
import re
import socket
import contextvars
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence
from urllib.parse import quote, urlsplit

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from Bio import Entrez
from Bio.Entrez import Parser as EntrezParser
from rapidfuzz import fuzz

from audit.pubmed.cache import RecordCache
from audit.config import EntrezConfig, mask_url_credentials
from audit.errors import BadInputError
from audit.pubmed.citation_match import best_match
from audit.pubmed.fetch import normalise_title
from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED, FetchResult, Record, Reference, is_pmid
from audit.pubmed.records import MAX_INFLATED, gunzip_bounded, parse_articles
from audit.pubmed.budget import RECORDS, SEARCH, RequestLedger, current, requests_for
from audit.pubmed.ratelimit import RequestGate

log = logging.getLogger("audit.pubmed.entrez")

READ_CHUNK = 64 * 1024         # bytes asked of the socket per read while the deadline is watched
TERMS_PER_SEARCH = 100         # OR-ed DOI/PMCID terms per esearch
TITLES_PER_SEARCH = 10         # OR-ed title queries per esearch
TITLE_WORDS = 6                # significant words AND-ed per title query
USER_AGENT = "citeaudit (+https://pubmed.ncbi.nlm.nih.gov/; E-utilities client)"
_TRANSIENT_NCBI = re.compile(r"backend|temporar|timed? ?out|unable to obtain|try again|"
                             r"too many|rate limit|unavailable", re.I)
_STOP = set("""a an and are as at be but by for from has have in into is it its of on or that the
their this to was were which with without between after before during among than vs versus""".split())


# A server too slow to answer within the deadline: the reason's first words are its failure count key.
_DEADLINE_REASON = "deadline exceeded (entrez.request_deadline or entrez.call_deadline)"


class EntrezError(Exception):
    """The network or NCBI failed (after retries, where retrying made sense)."""


class ServiceStopped(EntrezError):
    """The endpoint's breaker is open: it is not asked again in this run (``audit.pubmed.budget``)."""


class SearchNotSent(Exception):
    """A source-search request the search's budget does not allow (``audit.pubmed.budget``)."""


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _NcbiError(Exception):
    """Internal: NCBI answered with an ERROR that retrying will not fix."""


# ---------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------

def redact(text: str, secret: str | None) -> str:
    """Hide the api_key and any password in a URL in anything printable: URLs, messages, reprs."""
    text = mask_url_credentials(re.sub(r"(api_key=)[^&\s'\"]+", r"\1***", str(text)))
    if secret:
        for form in {secret, quote(secret, safe="")}:
            text = text.replace(form, "***")
    return text


def _words(text: str | None) -> list[str]:
    return normalise_title(text or "").split()


def clean_doi(doi: str) -> str:
    d = doi.strip().strip('"').strip()
    d = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d, flags=re.I)
    return d.rstrip(".,;")


def clean_pmcid(pmcid: str) -> str:
    p = pmcid.strip().upper()
    return p if p.startswith("PMC") else "PMC" + p


def title_query(title: str) -> str | None:
    """esearch clause for a cited title: its first significant words, each [ti]."""
    ws = [w for w in _words(title) if len(w) > 2 and w not in _STOP and not w.isdigit()]
    if len(ws) < 2:
        return None
    return "(" + " AND ".join(f"{w}[ti]" for w in ws[:TITLE_WORDS]) + ")"


@dataclass
class CitationQuery:
    journal: str
    year: str
    volume: str
    first_page: str
    author: str

    def line(self, key: str) -> str:
        fields = (self.journal, self.year, self.volume, self.first_page, self.author, key)
        return "|".join(f.replace("|", " ").replace("\r", " ").replace("\n", " ") for f in fields) + "|"


_VANCOUVER = re.compile(r"(?P<year>(?:1[89]|20)\d\d)[^;.]{0,20};\s*(?P<vol>\d+)\s*(?:\([^)]*\))?\s*:\s*"
                        r"(?P<page>[A-Za-z]?\d+)")
_APA = re.compile(r"(?P<journal>[A-Z][^.,()]{2,}),\s*(?P<vol>\d+)\s*(?:\(\s*[\w-]+\s*\))?,\s*"
                  r"(?P<page>[A-Za-z]?\d+)")


def citation_query(ref: Reference) -> CitationQuery | None:
    """ECitMatch fields from a reference (Vancouver or APA style), or None."""
    raw = re.sub(r"^\s*(?:\[\d+\]|\d+[.)])\s*", "", ref.raw or "")
    journal = ref.cited_journal or ""
    year = str(ref.cited_year) if ref.cited_year else ""
    volume = page = ""
    m = _VANCOUVER.search(raw)
    if m:
        year = year or m.group("year")
        volume, page = m.group("vol"), m.group("page")
        if not journal:
            # "... Title. Journal Abbrev. 1991;88(8):3248-52." -> the sentence before the year.
            before = raw[:m.start()].rstrip(" .")
            journal = re.split(r"[.?!]\s+", before)[-1] if before else ""
    else:
        m = _APA.search(raw)
        if m:
            volume, page = m.group("vol"), m.group("page")
            journal = journal or m.group("journal")
            y = re.search(r"\((?P<y>(?:1[89]|20)\d\d)[a-z]?\)", raw)
            year = year or (y.group("y") if y else "")
    first = re.split(r"[,;]", raw, 1)[0].strip() if raw else ""
    author = ""
    am = re.match(r"^([A-Z][\w'\- ]+?)\s+([A-Z]{1,3})$", first)        # "Mann BJ"
    if am:
        author = f"{am.group(1)} {am.group(2)}".lower()
    else:
        am = re.match(r"^([A-Z][\w'\-]+)$", first)                      # APA "Mann, B. J."
        if am:
            nxt = re.match(r"^[^,]+,\s*([A-Z])\.?\s*([A-Z])?", raw)
            author = am.group(1).lower() + (" " + "".join(x for x in nxt.groups() if x).lower() if nxt else "")
    if not journal or not (volume and page):
        return None
    return CitationQuery(journal.strip(), year, volume, page, author)


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
        raise _NcbiError("answer has no DOCTYPE (not an E-utilities answer)")
    m = _DOCTYPE.search(head)
    if not m:
        raise _NcbiError("answer has a DOCTYPE this client does not read")
    if m.group(3) == b"[":
        raise _NcbiError("answer declares its own entities (internal DTD subset): refused")
    system = (m.group(1) or m.group(2) or b"").decode("ascii", "replace")
    if not system.endswith(".dtd") or not _dtd_available(content):
        raise _NcbiError("answer names a DTD that is not available offline")


def read_control(content: bytes):
    """esearch/epost/esummary answers through Bio.Entrez.read (no DTD download)."""
    _check_doctype(content)
    try:
        return Entrez.read(io.BytesIO(content), validate=False)
    except RuntimeError as exc:      # Bio.Entrez raises RuntimeError for <ERROR> answers
        msg = str(exc)
        if _TRANSIENT_NCBI.search(msg):
            raise _Retry(f"NCBI error: {msg}")
        raise _NcbiError(msg)
    except (EntrezParser.CorruptedXMLError, EntrezParser.NotXMLError, EntrezParser.ValidationError) as exc:
        raise _Retry(f"unparsable answer ({type(exc).__name__})")     # a cut answer: worth a retry
    except (ValueError, LookupError) as exc:
        # Bio.Entrez's other refusals (external entity, missing DTD, unknown encoding...): the same answer
        # will be refused again.  Only the type and a short text: never the body.
        raise _NcbiError(f"answer refused by the XML reader ({str(exc)[:80]})")
    except Exception as exc:
        # Bio.Entrez tripping over an answer it never expected (a DTD URL without a host
        # raises AttributeError inside it): refused the same way, not retried.
        raise _NcbiError(f"answer refused by the XML reader ({type(exc).__name__})")


def read_search(content: bytes) -> dict:
    """An esearch answer: a mapping with an IdList of PMIDs, or a refusal (not retried)."""
    res = read_control(content)
    ids = res.get("IdList") if isinstance(res, dict) else None
    if not isinstance(ids, list) or not all(str(x).isdigit() for x in ids):
        raise _NcbiError("not an esearch answer (no IdList of PMIDs)")
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
            raise _NcbiError(exc.reason)
    head = content[:1000]
    if b"<eFetchResult" in head or b"<ERROR>" in content[:4000]:
        m = re.search(rb"<ERROR>(.*?)</ERROR>", content, re.S)
        msg = m.group(1).decode("utf-8", "replace").strip() if m else "efetch error"
        if _TRANSIENT_NCBI.search(msg):
            raise _Retry(f"NCBI error: {msg}")
        raise _NcbiError(msg)
    # The root element itself, not the word anywhere: an HTML error page can name PubmedArticleSet.
    if not _ROOT_SET.match(content):
        raise _Retry("not a PubmedArticleSet answer")
    try:
        found = parse_articles(content, "efetch answer")
    except BadInputError as exc:
        if _CUT_XML.search(exc.reason):
            raise _Retry(f"unparsable answer ({exc.reason[:80]})")
        raise _NcbiError(f"malformed answer ({exc.reason[:80]})")
    # Every record of the answer must be read as one: a record without a (valid) PMID is a
    # sick answer, and the PMIDs it leaves "missing" are no evidence of absence.
    elements = len(_RECORD_START.findall(content))
    if elements != len(found):
        raise _Retry(f"{elements - len(found)} of the answer's {elements} records have no readable PMID")
    return found


def read_citmatch(content: bytes, keys: Sequence[str]) -> dict[str, str | None]:
    """key -> PMID or None from ECitMatch lines; a short or cut answer is retried."""
    text = content.decode("utf-8", "replace")
    if not text.endswith("\n"):
        raise _Retry("ECitMatch answer cut short")
    out: dict[str, str | None] = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) < 7:
            continue
        key, result = parts[5].strip(), parts[6].strip()
        out[key] = result if result.isdigit() else None
    if set(keys) - set(out):
        raise _Retry("ECitMatch answer is missing lines")
    return out


def _redirect_refused(resp: requests.Response) -> str:
    """Why a redirect answer was refused, naming where it pointed (never its query: it may echo the key)."""
    try:
        to = urlsplit(resp.headers.get("Location") or "")
        where = f"{to.scheme}://{to.hostname}{to.path}" if to.hostname else (to.path or "nowhere")
    except ValueError:
        where = "an address that is not a URL"
    return (f"HTTP {resp.status_code} redirect to {where} refused (E-utilities requests are never re-sent "
            "elsewhere, so the api_key stays with the configured host; set entrez.base_url to the address "
            "that answers)")


class _RedactFilter(logging.Filter):
    """urllib3 logs GET URLs at DEBUG, query string included: hide api_key there."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:
            return True
        if "api_key=" in msg or "@" in msg:
            record.msg, record.args = redact(msg, None), ()
        return True


_REDACT = _RedactFilter()


def _guard_third_party_logs() -> None:
    for name in ("urllib3.connectionpool", "requests"):
        lg = logging.getLogger(name)
        if _REDACT not in lg.filters:
            lg.addFilter(_REDACT)


# ---------------------------------------------------------------------------
# The wall-clock deadline while the status line and headers arrive
# ---------------------------------------------------------------------------
#
# requests returns only once the headers are in, and its timeout is per socket
# read: a server sending its headers one byte every few seconds would hold the
# call forever.  The connections of our session arm a timer for the header phase
# that shuts the socket down at the request's deadline (set by ``call`` for its
# thread); the body is then read under the same deadline by ``_read_body``.

_DEADLINE = threading.local()


def _shutdown(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _DeadlineMixin:
    def getresponse(self, *args, **kwargs):
        at = getattr(_DEADLINE, "at", None)
        sock = getattr(self, "sock", None)
        timer = None
        if at is not None and sock is not None:
            timer = threading.Timer(max(0.0, at - time.monotonic()), _shutdown, (sock,))
            timer.daemon = True
            timer.start()
        try:
            return super().getresponse(*args, **kwargs)
        finally:
            if timer is not None:
                timer.cancel()


class _HTTPConnection(_DeadlineMixin, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineMixin, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


# ---------------------------------------------------------------------------
# The source
# ---------------------------------------------------------------------------

class EntrezSource:
    """PubMed over E-utilities, behind the SQLite cache and the shared rate limiter."""

    def __init__(self, cfg: EntrezConfig, cache: RecordCache | None = None, *,
                 session: requests.Session | None = None, gate: RequestGate | None = None,
                 use_prefect: bool | None = None, workers: int = 2,
                 on_batch: Callable[[list[str], list[Record]], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep, ledger: RequestLedger | None = None):
        self.cfg = cfg
        self.cache = cache
        # The run's requests, budgets and breakers; shared by every source the run opens.
        self.ledger = (ledger or RequestLedger()).configure(breaker_after=cfg.breaker_after)
        _guard_third_party_logs()
        self.base_url = cfg.base_url if cfg.base_url.endswith("/") else cfg.base_url + "/"
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _DeadlineAdapter())
        if use_prefect is None:
            use_prefect = getattr(cfg, "prefect_rate_limit", False) or None  # None: the env decides
        self.gate = gate or RequestGate(cfg.rate(), use_prefect=use_prefect,
                                        limit_name=cfg.concurrency_limit_name)
        self.workers = max(1, workers)
        # DOI/PMCID given, or citation key -> why its lookup failed (network/NCBI): those
        # references end fetch_failed, not "no PubMed record" (resolve.identify reads this).
        self.lookup_failures: dict[str, str] = {}
        self.on_batch = on_batch       # called after each batch is committed (tests, progress)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._stats: dict = {"requests": {}, "attempts": 0, "retries": 0, "failures": {},
                             "http_status": {}, "records_fetched": 0, "not_found": 0,
                             "fetch_failed": 0, "cache_hits": 0, "cache_not_found_hits": 0,
                             "id_cache_hits": 0, "search_cache_hits": 0, "bytes": 0, "retry_wait_s": 0.0}

    # -- bookkeeping -----------------------------------------------------------------
    def _bump(self, key: str, sub: str | None = None, n: float = 1) -> None:
        with self._lock:
            if sub is None:
                self._stats[key] += n
            else:
                self._stats[key][sub] = self._stats[key].get(sub, 0) + n

    def stats(self) -> dict:
        with self._lock:
            out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self._stats.items()}
        out["requests_total"] = sum(out["requests"].values())
        out["rate_per_s"] = self.cfg.rate()
        out["base_url"] = redact(self.base_url, self.cfg.api_key.get_secret_value())
        out["prefect_rate_limit"] = self.gate.use_prefect
        out["ledger"] = self.ledger.snapshot()
        if self.cache is not None:
            c = self.cache.stats()
            out["cache"] = {k: v for k, v in c.items() if k != "path"}
        return out

    # -- one request, retried ------------------------------------------------------------
    def _backoff(self, attempt: int) -> float:
        cap = min(self.cfg.backoff_max, self.cfg.backoff_base * (2 ** attempt))
        return cap / 2 + random.uniform(0, cap / 2)        # "equal jitter": never ~0, never > cap

    def _read_body(self, resp: requests.Response, deadline: float) -> bytes:
        """The whole answer, inflated (Content-Encoding), within the deadline and the size ceiling.

        requests' timeout is per socket read: a server sending one byte every few
        seconds would never time out.  read1 returns whatever has arrived, so the
        wall-clock deadline is checked at least once per ``timeout``.
        """
        limit = self.cfg.max_inflated_bytes()
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise _Retry(_DEADLINE_REASON)
            chunk = resp.raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise _NcbiError(f"answer larger than {self.cfg.max_inflated_mb:g} MB (entrez.max_inflated_mb)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _budget_left(self, waited_call: float) -> float:
        # Each purpose (records, search) has the run's retry-wait budget of its own.
        run_left = self.cfg.retry_wait_per_run - self.ledger.wait_spent(current()[0])
        return min(self.cfg.retry_wait_per_call - waited_call, run_left)

    def call(self, endpoint: str, params: dict, parse: Callable[[bytes], object], post: bool = True):
        """``_send`` behind the endpoint's breaker: a service that keeps failing is not asked again this run."""
        why = self.ledger.open_reason(endpoint)
        if why:
            self._bump("failures", "breaker_open")
            raise ServiceStopped(f"{endpoint}: not asked again in this run: {why}")
        try:
            out = self._send(endpoint, params, parse, post)
        except EntrezError as exc:
            self.ledger.call_failed(endpoint, str(exc).split(": ", 1)[-1][:80])
            raise
        self.ledger.answer_ok(endpoint)
        return out

    def _unusable(self, endpoint: str, exc: _Retry) -> None:
        """An answer that came (HTTP 200) but cannot be used; once the breaker opens, no more retries."""
        self.ledger.answer_unusable(endpoint, exc.reason)
        if self.ledger.is_open(endpoint):
            raise _NcbiError(f"{exc.reason}; not asked again in this run")

    def _send(self, endpoint: str, params: dict, parse: Callable[[bytes], object], post: bool = True):
        """One E-utility call with rate limiting and retries; returns ``parse(body)``.

        Bounded on every side: each attempt by ``request_deadline`` and
        ``max_inflated_mb``, the whole call (attempts and waits) by ``call_deadline``,
        the retries by ``max_retries`` and the wait budgets (``retry_wait_per_call``,
        ``retry_wait_per_run``), Retry-After by ``retry_after_max``.  Answers that will
        fail the same way again (4xx other than 429, redirects, refused or malformed
        XML, oversized) are not retried, and a server that ran out the deadline is
        given one more attempt, not ``max_retries``: a trickle trickles again.
        """
        url = self.base_url + endpoint + (".cgi" if endpoint == "ecitmatch" else ".fcgi")
        full = dict(params)
        full["tool"] = self.cfg.tool
        if self.cfg.email:
            full["email"] = self.cfg.email
        key = self.cfg.api_key.get_secret_value()
        if key:
            full["api_key"] = key
        tries = self.cfg.max_retries + 1
        reason = "no attempt made"
        waited = 0.0
        call_end = time.monotonic() + self.cfg.call_deadline
        slow = 0
        for attempt in range(tries):
            self.gate.acquire()
            self._bump("requests", endpoint)
            self.ledger.note_request(endpoint)
            self._bump("attempts")
            if attempt:
                self._bump("retries")
            retry_after = None
            resp = None
            body_read = False
            deadline = min(time.monotonic() + self.cfg.request_deadline, call_end)
            # Never wait longer for one read than the whole request may take.
            timeout = max(0.001, min(self.cfg.timeout, deadline - time.monotonic()))
            try:
                _DEADLINE.at = deadline
                try:
                    # Redirects are not followed: a 307 re-sends the body, api_key included, to
                    # whatever host the answer names (NCBI's E-utilities never redirect).
                    if post:
                        resp = self.session.post(url, data=full, timeout=timeout, stream=True,
                                                 allow_redirects=False)
                    else:
                        resp = self.session.get(url, params=full, timeout=timeout, stream=True,
                                                allow_redirects=False)
                finally:
                    _DEADLINE.at = None
                self._bump("http_status", str(resp.status_code))
                if resp.status_code == 429 or resp.status_code >= 500:
                    retry_after = _retry_after(resp.headers.get("Retry-After"))
                    raise _Retry(f"HTTP {resp.status_code}", retry_after)
                if resp.status_code >= 400:
                    raise _NcbiError(f"HTTP {resp.status_code}")
                if 300 <= resp.status_code < 400:
                    raise _NcbiError(_redirect_refused(resp))
                body = self._read_body(resp, deadline)          # a cut connection raises here
                body_read = True
                self._bump("bytes", n=len(body))
                try:
                    return parse(body)
                except _Retry as exc:
                    self._unusable(endpoint, exc)
                    raise
                except _NcbiError:
                    raise
                except Exception as exc:
                    # A reader bug on an answer we never foresaw: the same answer would
                    # hit it again, so no retry; the references asked end fetch_failed.
                    log.warning("%s: answer could not be read", endpoint, exc_info=True)
                    raise _NcbiError(f"answer could not be read ({type(exc).__name__})")
            except (requests.Timeout, urllib3.exceptions.ReadTimeoutError, socket.timeout):
                reason = "timeout"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError, urllib3.exceptions.ProtocolError,
                    urllib3.exceptions.DecodeError, ConnectionError) as exc:
                if time.monotonic() >= deadline:      # our own watchdog closed it
                    reason = _DEADLINE_REASON
                else:
                    reason = f"connection error ({type(exc).__name__})"
            except _Retry as exc:
                reason, retry_after = exc.reason, exc.retry_after
            except _NcbiError as exc:
                self._bump("failures", "ncbi_error")
                raise EntrezError(redact(f"{endpoint}: NCBI error: {exc}", key)) from None
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                # Any other transport failure (TooManyRedirects, InvalidURL...): its text may hold
                # the request URL, and a GET's URL holds the api_key, so only its type is kept.
                self._bump("failures", "request_error")
                raise EntrezError(f"{endpoint}: request failed ({type(exc).__name__})") from None
            finally:
                if resp is not None:
                    if body_read:
                        resp.raw.release_conn()     # whole answer read: the connection is reused
                    else:
                        resp.close()                # part-read or refused: never reused
            self._bump("failures", reason.split(" (")[0].split(":")[0])
            if attempt + 1 >= tries:
                break
            slow += reason == _DEADLINE_REASON
            delay = self._backoff(attempt)
            if retry_after is not None:
                delay = max(delay, min(retry_after, self.cfg.retry_after_max))
            if slow >= 2 or time.monotonic() + delay >= call_end:
                self._bump("failures", "call_deadline")
                why = ("the deadline ran out twice" if slow >= 2 else
                       f"entrez.call_deadline is {self.cfg.call_deadline:g} s for one call")
                raise EntrezError(redact(f"{endpoint}: gave up after {attempt + 1} attempts ({why}): {reason}",
                                         key)) from None
            if delay > self._budget_left(waited):
                self._bump("failures", "retry_budget")
                raise EntrezError(redact(f"{endpoint}: gave up after {attempt + 1} attempts "
                                         f"(retry-wait budget spent): {reason}", key)) from None
            log.info("%s: %s; retry %d/%d in %.2fs", endpoint, redact(reason, key), attempt + 1,
                     tries - 1, delay)
            self._bump("retry_wait_s", n=delay)
            self.ledger.spend_wait(current()[0], delay)
            waited += delay
            self._sleep(delay)
        raise EntrezError(redact(f"{endpoint}: failed after {tries} attempts: {reason}", key)) from None

    # -- fetch -------------------------------------------------------------------------
    def fetch(self, pmids: Sequence[str]) -> dict[str, FetchResult]:
        # Record look-ups, wherever they are asked from (a search's hits too): the records' budgets.
        with requests_for(RECORDS):
            return self._fetch(pmids)

    def _fetch(self, pmids: Sequence[str]) -> dict[str, FetchResult]:
        wanted = list(dict.fromkeys(str(p).strip() for p in pmids if str(p).strip()))
        results: dict[str, FetchResult] = {}
        valid = []
        for p in wanted:
            if is_pmid(p):
                valid.append(p)
            else:
                results[p] = FetchResult(p, NOT_FOUND, None, f"{p!r} is not a PMID")
        todo = valid
        if self.cache is not None and valid:
            cached = self.cache.get_many(valid)
            for p, e in cached.items():
                if e.status == RESOLVED and e.record is not None:
                    results[p] = FetchResult(p, RESOLVED, e.record)
                    self._bump("cache_hits")
                else:
                    results[p] = FetchResult(p, NOT_FOUND, None, "PubMed has no such record (cached answer)")
                    self._bump("cache_not_found_hits")
            todo = [p for p in valid if p not in cached]
        if not todo:
            return {p: results[p] for p in wanted}

        got: dict[str, Record] = {}
        failed: dict[str, str] = {}
        if len(todo) > self.cfg.history_threshold:
            self._fetch_history(todo, got)
        rest = [p for p in todo if p not in got]
        batches = [rest[i:i + self.cfg.batch_size] for i in range(0, len(rest), self.cfg.batch_size)]
        empty: list[str] = []
        self._run_batches(batches, got, failed, empty)
        if not got:        # no answer of this call held a record: check the empty ones beside a known one
            self._check_empty(empty, next((p for p, r in results.items() if r.status == RESOLVED), None),
                              got, failed)
        # Left out of a consistent efetch answer: only PubMed's own word makes a PMID not_found.
        missing = [p for p in todo if p not in got and p not in failed]
        for p, reason in self._confirm_missing(missing, got, failed).items():
            if self.cache is not None:
                self.cache.put_many(not_found=[p])
            results[p] = FetchResult(p, NOT_FOUND, None, reason)
            self._bump("not_found")
        for p, rec in got.items():
            results[p] = FetchResult(p, RESOLVED, rec)
        for p, why in failed.items():
            if p not in got:
                results[p] = FetchResult(p, FETCH_FAILED, None, why)
                self._bump("fetch_failed")
        return {p: results[p] for p in wanted}

    def _confirm_missing(self, missing: list[str], got: dict, failed: dict) -> dict[str, str]:
        """PMIDs no efetch answer held: ask esearch whether PubMed has them.

        An efetch answer can lack a record for reasons of its own (a dropped record,
        an empty or wrong set from a sick server), so its silence proves nothing.
        esearch on ``NNN[uid]`` answers for each PMID: the ones it does not list are
        ``not_found`` (returned, with the reason); the ones it lists are asked alone,
        retried while the answer lacks them, and end ``fetch_failed`` if it never
        comes -- never cached as absent.
        """
        absent: dict[str, str] = {}
        for i in range(0, len(missing), TERMS_PER_SEARCH):
            chunk = missing[i:i + TERMS_PER_SEARCH]
            try:
                res = self.esearch(" OR ".join(f"{p}[uid]" for p in chunk), retmax=len(chunk), cached=False)
                listed = {str(x) for x in res["IdList"]}
                complete = int(res.get("Count", len(listed))) <= len(listed)
            except EntrezError as exc:
                for p in chunk:
                    failed[p] = f"left out of the efetch answer, and the check failed: {exc}"
                continue
            except (KeyError, TypeError, ValueError):
                for p in chunk:
                    failed[p] = "left out of the efetch answer, and the esearch check answered no IdList"
                continue
            for p in chunk:
                if p not in listed:
                    if complete:
                        absent[p] = "PubMed has no such record (efetch left it out; esearch does not list it)"
                    else:
                        failed[p] = "left out of the efetch answer; esearch answer incomplete"
                    continue
                try:
                    got.update(self._efetch_ids([p], require=True))
                except EntrezError as exc:
                    failed[p] = f"PubMed lists this PMID but efetch did not return it: {exc}"
        return absent

    def _check_empty(self, empty: list[str], known: str | None, got: dict, failed: dict) -> None:
        """PMIDs whose efetch answer held no record at all: ask again beside a record known to exist.

        PubMed answers an empty set for ids it lacks, and so does a sick server for ids it
        has; only an answer that returns the known record and leaves these out is one whose
        silence the esearch check may confirm (called when no other answer of the same
        fetch held a record: one that did shows the server is answering).  With no known record at hand (a fresh cache,
        every reference absent) or when even the known one is missing, nothing is absent:
        ``fetch_failed``, not cached.
        """
        if not empty:
            return
        if known is None and self.cache is not None:
            known = self.cache.any_resolved_pmid()
        if known is None:
            for p in empty:
                failed[p] = ("efetch answered an empty set, and no record known to exist was at hand to "
                             "check that answer: absence not confirmed")
            return
        size = max(1, self.cfg.batch_size - 1)
        for i in range(0, len(empty), size):
            chunk = empty[i:i + size]
            try:
                found = self._efetch_ids([known] + chunk, need=[known])
            except EntrezError as exc:
                for p in chunk:
                    failed[p] = f"efetch answered an empty set, and the check beside a known record failed: {exc}"
                continue
            with self._lock:
                got.update({p: r for p, r in found.items() if p in chunk})

    def _commit(self, asked: Iterable[str], found: list[tuple[Record, bytes]]) -> dict[str, Record]:
        asked = set(asked)
        keep = [(r, x) for r, x in found if r.pmid in asked]
        if self.cache is not None and keep:
            self.cache.put_many(keep)
        self._bump("records_fetched", n=len(keep))
        return {r.pmid: r for r, _ in keep}

    def _efetch_ids(self, ids: list[str], require: bool = False, need: Sequence[str] = ()) -> dict[str, Record]:
        """efetch by id; ``require``: an answer lacking any of ``ids`` is a fault, retried
        (``need``: lacking any of those).  An answer holding a record that was not asked
        for is a fault too: it is not PubMed answering this question."""
        limit = self.cfg.max_inflated_bytes()
        must = set(ids) if require else set(need)

        def parse(body: bytes) -> list[tuple[Record, bytes]]:
            found = read_efetch(body, limit)
            _consistent(ids, found)
            lacking = must - {r.pmid for r, _ in found}
            if lacking:
                raise _Retry(f"answer lacks {len(lacking)} of the {len(ids)} asked records")
            return found

        found = self.call("efetch", {"db": "pubmed", "id": ",".join(ids), "retmode": "xml"}, parse)
        return self._commit(ids, found)

    def _run_batches(self, batches: list[list[str]], got: dict, failed: dict, empty: list[str]) -> None:
        def one(ids: list[str]) -> None:
            try:
                found = self._efetch_ids(ids)
            except EntrezError as exc:
                # A stopped efetch (its breaker open) is a fault like any other: absence is only
                # concluded from a consistent efetch answer, never from esearch alone.
                with self._lock:
                    for p in ids:
                        failed[p] = str(exc)
                return
            with self._lock:
                got.update(found)
                if not found:
                    empty.extend(ids)
            if self.on_batch:
                self.on_batch(ids, list(found.values()))

        self._parallel(one, batches)

    def _parallel(self, fn, jobs: list) -> None:
        if len(jobs) <= 1 or self.workers == 1:
            for j in jobs:
                fn(j)
            return
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="entrez") as pool:
            # Each job in a copy of this context: its requests count for the same purpose and article.
            futures = [pool.submit(contextvars.copy_context().run, fn, j) for j in jobs]
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for f in pending:
                f.cancel()
            for f in futures:
                if f.done() and not f.cancelled() and f.exception() is not None:
                    raise f.exception()

    def _fetch_history(self, todo: list[str], got: dict) -> None:
        """epost the PMIDs once, then efetch pages from the history server.

        Pages that fail are not retried here: their PMIDs fall through to the
        id batches, where a failure is attributable to known PMIDs.
        """
        try:
            posted = self.call("epost", {"db": "pubmed", "id": ",".join(todo)}, read_control)
            webenv, query_key = posted["WebEnv"], posted["QueryKey"]
        except (EntrezError, KeyError, TypeError) as exc:
            log.info("epost failed, falling back to id batches: %s", redact(str(exc), self.cfg.api_key.get_secret_value()))
            return
        size = self.cfg.batch_size
        limit = self.cfg.max_inflated_bytes()

        def page(start: int) -> None:
            params = {"db": "pubmed", "WebEnv": webenv, "query_key": query_key,
                      "retstart": start, "retmax": size, "retmode": "xml"}
            def parse(body: bytes) -> list[tuple[Record, bytes]]:
                found = read_efetch(body, limit)
                _consistent(todo, found)
                return found

            try:
                found = self._commit(todo, self.call("efetch", params, parse))
            except EntrezError as exc:
                log.info("history page %d failed: %s", start, exc)
                return
            with self._lock:
                got.update(found)
            if self.on_batch:
                self.on_batch(list(found), list(found.values()))

        self._parallel(page, list(range(0, len(todo), size)))

    # -- ESearch and ECitMatch, kept in the cache ---------------------------------------------
    def _search_allowed(self) -> None:
        """One query of the source search, counted whether the cache or PubMed answers it (so a warm
        run asks the same queries and sends nothing); past the budget it is not asked.  Record
        look-ups are never counted here."""
        purpose, article = current()
        if purpose == SEARCH:
            why = self.ledger.spend_search(article)
            if why:
                raise SearchNotSent(why)

    def esearch(self, term: str, retmax: int = 20, cached: bool = True, **extra) -> dict:
        """An ESearch answer ({"Count", "IdList"}): from the cache while fresh, else asked and kept.

        ``cached=False``: always asked, never kept (the ``[uid]`` checks: what they prove is
        kept in the records table, with the records' own time-to-live).
        """
        params = {"db": "pubmed", "term": term, "retmax": retmax, **extra}
        key = search_key("esearch", params)
        # History answers (WebEnv) expire at NCBI: never kept.
        keep = cached and self.cache is not None and "usehistory" not in params
        self._search_allowed()
        if keep:
            hit = self.cache.get_search(key)
            if hit is not None:
                self._bump("search_cache_hits")
                return hit
        res = self.call("esearch", params, read_search)
        answer = {"Count": str(res.get("Count", len(res["IdList"]))), "IdList": [str(x) for x in res["IdList"]]}
        if keep:
            self.cache.put_search(key, answer)
        return answer if keep else res

    def citmatch(self, lines: dict[str, CitationQuery]) -> dict[str, str | None]:
        """ECitMatch for many citations in one request (``citmatch_batch`` lines each), answers cached.

        name -> PMID, or None where PubMed matched nothing; a batch that fails
        raises ``EntrezError`` (``SearchNotSent`` past the search's budget).
        """
        out: dict[str, str | None] = {}
        names = list(lines)
        size = max(1, self.cfg.citmatch_batch)
        for i in range(0, len(names), size):
            self._search_allowed()                      # one query a batch, cached or not
            todo: dict[str, str] = {}                   # name -> cache key
            for name in names[i:i + size]:
                key = search_key("ecitmatch", {"bdata": lines[name].line("")})
                hit = self.cache.get_search(key) if self.cache is not None else None
                if hit is not None:
                    self._bump("search_cache_hits")
                    out[name] = hit.get("pmid")
                else:
                    todo[name] = key
            if not todo:
                continue
            batch = list(todo)
            keys = [f"c{j}" for j in range(len(batch))]
            bdata = "\r".join(lines[n].line(k) for n, k in zip(batch, keys))
            ans = self.call("ecitmatch", {"db": "pubmed", "retmode": "xml", "bdata": bdata},
                            lambda body, keys=keys: read_citmatch(body, keys), post=False)
            for n, k in zip(batch, keys):
                out[n] = ans.get(k)
                if self.cache is not None:
                    self.cache.put_search(todo[n], {"pmid": ans.get(k)})
        return out

    # -- DOI / PMCID -> PMID ----------------------------------------------------------------

    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]:
        items: list[tuple[str, str, str, str]] = []      # (given, cache key, term, kind)
        for d in dict.fromkeys(dois):
            c = clean_doi(d)
            if c:
                items.append((d, "doi:" + c.lower(), f'"{c}"[aid]', "doi"))
        for p in dict.fromkeys(pmcids):
            c = clean_pmcid(p)
            if re.fullmatch(r"PMC\d+", c):
                items.append((p, "pmc:" + c, f"{c}[pmcid]", "pmc"))
        out: dict[str, str] = {}
        cached = self.cache.get_ids([k for _, k, _, _ in items]) if self.cache is not None else {}
        pending = []
        for it in items:
            if it[1] in cached:
                self._bump("id_cache_hits")
                if cached[it[1]]:
                    out[it[0]] = cached[it[1]]
            else:
                pending.append(it)
        for i in range(0, len(pending), TERMS_PER_SEARCH):
            batch = pending[i:i + TERMS_PER_SEARCH]
            try:
                res = self.esearch(" OR ".join(t for _, _, t, _ in batch), retmax=len(batch) * 5 + 20)
            except EntrezError as exc:
                log.info("id conversion search failed: %s", exc)
                for given, _, _, _ in batch:
                    self.lookup_failures[given] = f"identifier search failed: {exc}"
                continue
            ids = list(res.get("IdList", []))
            fetched = self.fetch(ids)
            by_doi = {r.record.doi.lower(): p for p, r in fetched.items() if r.record and r.record.doi}
            by_pmc = {r.record.pmcid.upper(): p for p, r in fetched.items() if r.record and r.record.pmcid}
            complete = _complete(res, ids, fetched)
            learned: dict[str, str | None] = {}
            for given, key, _, kind in batch:
                value = key.split(":", 1)[1]
                pmid = (by_doi if kind == "doi" else by_pmc).get(value)
                if pmid is None and len(batch) == 1 and len(ids) == 1:
                    pmid = ids[0]                   # one term, one hit: no need to map back
                if pmid:
                    out[given] = learned[key] = pmid
                elif complete:
                    learned[key] = None             # PubMed answered: no such DOI/PMCID
                elif any(r.status == FETCH_FAILED for r in fetched.values()):
                    self.lookup_failures[given] = "the records found for this identifier could not be fetched"
            if self.cache is not None:
                self.cache.put_ids(learned)
        return out

    # -- citations -> PMID ------------------------------------------------------------------
    def match_citations(self, refs: Sequence[Reference]) -> dict[str, str]:
        out: dict[str, str] = {}
        queries = {ref.id: citation_query(ref) for ref in refs}
        cit_keys = {rid: "cit:" + q.line("").lower() for rid, q in queries.items() if q}
        ti_keys = {ref.id: f"ti:{' '.join(_words(ref.cited_title))}|{ref.cited_year or ''}"
                   for ref in refs if ref.cited_title and title_query(ref.cited_title)}
        cached = (self.cache.get_ids(list(cit_keys.values()) + list(ti_keys.values()))
                  if self.cache is not None else {})
        for rid, key in cit_keys.items():
            if key in cached:
                self._bump("id_cache_hits")
                if cached[key]:
                    out[rid] = cached[key]
        # 1. ECitMatch, batched.
        pending = [rid for rid in cit_keys if rid not in out and cit_keys[rid] not in cached]
        size = max(1, self.cfg.citmatch_batch)
        for i in range(0, len(pending), size):
            batch = pending[i:i + size]
            keys = [f"c{j}" for j in range(len(batch))]
            bdata = "\r".join(queries[rid].line(k) for rid, k in zip(batch, keys))
            try:
                ans = self.call("ecitmatch", {"db": "pubmed", "retmode": "xml", "bdata": bdata},
                                lambda body, keys=keys: read_citmatch(body, keys), post=False)
            except EntrezError as exc:
                log.info("ECitMatch batch failed: %s", exc)
                for rid in batch:
                    self.lookup_failures[rid] = f"citation match failed: {exc}"
                continue
            learned = {}
            for rid, k in zip(batch, keys):
                learned[cit_keys[rid]] = ans.get(k)
                if ans.get(k):
                    out[rid] = ans[k]
            if self.cache is not None:
                self.cache.put_ids(learned)
        # 2. Title search for the rest.
        rest = [ref for ref in refs if ref.id not in out and ref.id in ti_keys]
        todo = []
        for ref in rest:
            key = ti_keys[ref.id]
            if key in cached:
                self._bump("id_cache_hits")
                self.lookup_failures.pop(ref.id, None)        # answered before: not a failure
                if cached[key]:
                    out[ref.id] = cached[key]
            else:
                todo.append(ref)
        for i in range(0, len(todo), TITLES_PER_SEARCH):
            batch = todo[i:i + TITLES_PER_SEARCH]
            term = " OR ".join(title_query(r.cited_title) for r in batch)
            try:
                res = self.esearch(term, retmax=200)
            except EntrezError as exc:
                log.info("title search failed: %s", exc)
                for ref in batch:
                    self.lookup_failures[ref.id] = f"title search failed: {exc}"
                continue
            ids = list(res.get("IdList", []))
            fetched = self.fetch(ids)
            complete = _complete(res, ids, fetched)
            records = [r.record for r in fetched.values() if r.record]
            learned: dict[str, str | None] = {}
            for ref in batch:
                pmid = best_title_match(ref, records)
                if pmid:
                    out[ref.id] = learned[ti_keys[ref.id]] = pmid
                elif complete:
                    learned[ti_keys[ref.id]] = None
                    self.lookup_failures.pop(ref.id, None)     # PubMed answered after all
                elif any(r.status == FETCH_FAILED for r in fetched.values()):
                    self.lookup_failures[ref.id] = "the records found for this citation could not be fetched"
            if self.cache is not None:
                self.cache.put_ids(learned)
        for rid in out:
            self.lookup_failures.pop(rid, None)
        return out


def _consistent(asked: Sequence[str], found: list[tuple[Record, bytes]]) -> None:
    """An efetch answer may leave asked records out, never bring others: those make it a fault."""
    want = set(asked)
    others = [r.pmid for r, _ in found if r.pmid not in want]
    if others:
        raise _Retry(f"answer holds {len(others)} record(s) that were not asked for (PMID {others[0]}...)")


def search_key(endpoint: str, params: dict) -> str:
    """The cache key of a query: endpoint and parameters, whitespace collapsed, case folded (PubMed ignores both)."""
    parts = [f"{k}={' '.join(str(v).split()).lower()}" for k, v in sorted(params.items()) if k != "db"]
    return endpoint + "|" + "&".join(parts)


def _complete(res: dict, ids: list[str], fetched: dict[str, FetchResult]) -> bool:
    """Did this search answer every term of its batch?  Only then may a miss be cached as "no match".

    A broad term ("Breast cancer.") can fill retmax on its own and push the other terms'
    hits out of IdList: their absence then says nothing.
    """
    try:
        total = int(res.get("Count", len(ids)))
    except (TypeError, ValueError):
        total = len(ids) + 1
    return total <= len(ids) and all(r.status in (RESOLVED, NOT_FOUND) for r in fetched.values())


def best_title_match(ref: Reference, records: list[Record]) -> str | None:
    return best_match(ref, records)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None    # an HTTP date: rare at NCBI; fall back to our own backoff
