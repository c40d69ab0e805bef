"""A local Crossref REST API stand-in for tests and benchmarks (real HTTP on 127.0.0.1).

Outside the library: it is test equipment.  It serves

* the real recorded Crossref answers of ``shared/data/crossref`` (habanero's VCR
  cassettes: ``/works/{doi}`` works, the plain-text 404 "Resource not found.",
  the 400 validation failure), byte for byte, with their status and headers;
* answers built in the recorded answers' exact shape (``status``/``message-type``/
  ``message-version`` envelope, the work fields Crossref sends) for the DOIs of
  the shared PubMed records, from those records' title, journal, year and
  authors; ``add_work`` adds more (a test's Retraction Watch assertion on a real
  retracted record's DOI, for instance);
* ``/works?query.bibliographic=...&rows=N``: a work-list ranked by the words a
  work's title, authors, journal and year share with the query;
* any other DOI: the recorded 404 (``text/plain``, "Resource not found.").

Every answer carries Crossref's ``x-ratelimit-limit`` / ``x-ratelimit-interval``
(and ``x-concurrency-limit``) headers, and ``x-api-pool: polite`` when the
User-Agent holds a ``mailto:``.  Faults: ``fail_429_first`` (429 with
``Retry-After``), ``fail_5xx_first``, ``non_json_first`` (a 200 whose body is an
HTML error page), ``trickle`` (the body one byte every ``trickle_seconds``),
``rate_cap`` (429 past N requests in any second) and ``latency_ms``.  Every
request is logged (path, query, User-Agent, status).

    python tests/crossref_server.py --port 8766      # serve until interrupted
"""
from __future__ import annotations

import functools
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
LIMIT_HEADERS = {"x-ratelimit-limit": "50", "x-ratelimit-interval": "1s"}
NOT_FOUND_BODY = b"Resource not found."


def shared_data() -> Path:
    import os
    env = os.environ.get("CITEAUDIT_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT.parent.parent / "shared"]:
        if (cand / "data" / "crossref").is_dir():
            return cand / "data"
    raise RuntimeError("../shared/data/crossref not found beside the checkout (set CITEAUDIT_SHARED)")


@dataclass
class Recorded:
    status: int
    content_type: str
    body: bytes


@functools.lru_cache(maxsize=4)
def load_cassettes(folder: Path) -> tuple[dict[str, Recorded], dict[str, Recorded]]:
    """(DOI -> recorded /works/{doi} answer, name -> recorded error answer) from the VCR cassettes."""
    works: dict[str, Recorded] = {}
    errors: dict[str, Recorded] = {}
    for f in sorted(folder.glob("*.yaml")):
        for it in yaml.safe_load(f.read_text(encoding="utf-8"))["interactions"]:
            resp = it["response"]
            ctype = (resp["headers"].get("Content-Type") or ["application/json"])[0]
            rec = Recorded(int(resp["status_code"]), ctype, str(resp["content"]).encode("utf-8"))
            path = urlsplit(it["request"]["uri"]).path
            if rec.status == 200 and path.startswith("/works/"):
                works[unquote(path[len("/works/"):]).lower()] = rec
            elif rec.status != 200:
                errors[f.stem] = rec
    return works, errors


def work_message(doi: str, title: str, journal: str, journal_iso: str, year: int | None,
                 authors: Iterable[str], work_type: str = "journal-article", **extra) -> dict:
    """A work message in the shape of the recorded ones (the fields the recorded /works answers carry)."""
    parts = [[year]] if year else [[]]
    msg = {
        "indexed": {"date-parts": [[2025, 7, 12]], "date-time": "2025-07-12T00:00:00Z", "timestamp": 1752278400000},
        "reference-count": 0, "publisher": "", "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [journal_iso] if journal_iso else [],
        "DOI": doi, "type": work_type,
        "created": {"date-parts": parts}, "source": "Crossref", "is-referenced-by-count": 0,
        "title": [title] if title else [], "prefix": doi.split("/", 1)[0], "member": "0",
        "author": [{"given": "", "family": a, "sequence": "first" if i == 0 else "additional", "affiliation": []}
                   for i, a in enumerate(authors) if a],
        "container-title": [journal] if journal else [], "original-title": [], "language": "en",
        "deposited": {"date-parts": parts}, "score": 1, "resource": {"primary": {"URL": f"https://doi.org/{doi}"}},
        "subtitle": [], "short-title": [], "issued": {"date-parts": parts}, "references-count": 0,
        "URL": f"https://doi.org/{doi}", "relation": {}, "ISSN": [], "issn-type": [], "subject": [],
        "published": {"date-parts": parts},
    }
    msg.update(extra)
    return msg


def envelope(message: dict, message_type: str = "work") -> bytes:
    return json.dumps({"status": "ok", "message-type": message_type, "message-version": "1.0.0",
                       "message": message}, ensure_ascii=False).encode("utf-8")


def record_works(records) -> dict[str, dict]:
    """Work messages for the shared PubMed records that have a DOI."""
    return {r.doi.lower(): work_message(r.doi, r.title, r.journal, r.journal_iso, r.year, r.authors)
            for r in records if r.doi}


def _words(text: str) -> set[str]:
    import re
    return {w for w in re.findall(r"[a-z0-9]+", (text or "").lower()) if len(w) > 2}


@dataclass
class Faults:
    fail_429_first: int = 0
    retry_after: str = "1"
    fail_5xx_first: int = 0
    status_5xx: int = 503
    non_json_first: int = 0
    bad_request_first: int = 0   # the recorded 400 validation failure
    trickle: bool = False
    trickle_seconds: float = 0.5
    rate_cap: int = 0            # 429 when more than this many requests arrive in one second (0: none)
    latency_ms: float = 0.0
    concurrency_limit: int = 3   # announced in x-concurrency-limit


class _QuietServer(ThreadingHTTPServer):
    """A client that closes a kept-alive connection is no server error."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class CrossrefServer:
    def __init__(self, records=(), *, port: int = 0, **faults):
        folder = shared_data() / "crossref" / "habanero"
        recorded, errors = load_cassettes(folder)
        self.recorded, self.errors = dict(recorded), dict(errors)
        self.built: dict[str, dict] = record_works(records)
        self.faults = Faults(**faults)
        self.log: list[dict] = []
        self._lock = threading.Lock()
        self._arrivals: deque[float] = deque()
        self._count = 0
        self._server = _QuietServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> "CrossrefServer":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_work(self, message: dict) -> None:
        self.built[message["DOI"].lower()] = message

    def set_faults(self, **kw) -> None:
        with self._lock:
            for k, v in kw.items():
                setattr(self.faults, k, v)
            self._count = 0

    def requests(self) -> list[dict]:
        with self._lock:
            return list(self.log)

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- answers -------------------------------------------------------------------
    def work_answer(self, doi: str) -> Recorded:
        key = doi.lower()
        if key in self.recorded:
            return self.recorded[key]
        if key in self.built:
            return Recorded(200, "application/json", envelope(self.built[key]))
        return Recorded(404, "text/plain", NOT_FOUND_BODY)

    def search_answer(self, query: str, rows: int) -> Recorded:
        want = _words(query)
        scored = []
        recorded = [json.loads(r.body)["message"] for r in self.recorded.values()]
        for msg in list(self.built.values()) + recorded:
            have = _words(" ".join([" ".join(msg.get("title") or []), " ".join(msg.get("container-title") or []),
                                    " ".join(a.get("family", "") for a in msg.get("author") or []),
                                    str(((msg.get("issued") or {}).get("date-parts") or [[""]])[0][0])]))
            hit = len(want & have)
            if hit:
                scored.append((hit / max(1, len(want)) * 100, msg))
        scored.sort(key=lambda x: -x[0])
        items = [dict(m, score=round(s, 3)) for s, m in scored[:rows]]
        return Recorded(200, "application/json", envelope(
            {"facets": {}, "total-results": len(scored), "items": items, "items-per-page": rows,
             "query": {"start-index": 0, "search-terms": query}}, "work-list"))

    def _admit(self) -> tuple[int, str | None]:
        now = time.monotonic()
        with self._lock:
            self._count += 1
            n = self._count
            f = self.faults
            self._arrivals.append(now)
            while self._arrivals and self._arrivals[0] <= now - 1.0:
                self._arrivals.popleft()
            if f.rate_cap and len(self._arrivals) > f.rate_cap:
                return n, "rate_cap"
            if n <= f.fail_429_first:
                return n, "429"
            if n <= f.fail_429_first + f.fail_5xx_first:
                return n, "5xx"
            if n <= f.fail_429_first + f.fail_5xx_first + f.non_json_first:
                return n, "non_json"
            if n <= f.fail_429_first + f.fail_5xx_first + f.non_json_first + f.bad_request_first:
                return n, "400"
            return n, None

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                n, fault = server._admit()
                f = server.faults
                if f.latency_ms:
                    time.sleep(f.latency_ms / 1000.0)
                headers = dict(LIMIT_HEADERS)
                headers["x-concurrency-limit"] = str(f.concurrency_limit)
                ua = self.headers.get("User-Agent", "")
                headers["x-api-pool"] = "polite" if "mailto:" in ua else "public"
                if fault in ("429", "rate_cap"):
                    headers["Retry-After"] = f.retry_after
                    ans = Recorded(429, "application/json",
                                   b'{"status":"failed","message-type":"rate-limit","message":"Too many requests"}')
                elif fault == "5xx":
                    ans = Recorded(f.status_5xx, "text/html", b"<html><body>Service unavailable</body></html>")
                elif fault == "non_json":
                    ans = Recorded(200, "text/html", b"<html><head><title>Error</title></head><body>Oops</body></html>")
                elif fault == "400":
                    ans = server.errors["works_400_validation_failure"]
                elif parts.path.startswith("/works/"):
                    doi = unquote(parts.path[len("/works/"):])
                    if any(k.startswith("query") for k in params):
                        ans = server.errors["works_400_validation_failure"]
                    else:
                        ans = server.work_answer(doi)
                elif parts.path.rstrip("/") == "/works" and "query.bibliographic" in params:
                    ans = server.search_answer(params["query.bibliographic"], int(params.get("rows", "20") or 20))
                else:
                    ans = Recorded(404, "text/plain", NOT_FOUND_BODY)
                with server._lock:
                    server.log.append({"n": n, "t": time.monotonic(), "path": unquote(parts.path), "params": params,
                                       "user_agent": ua, "status": ans.status, "fault": fault})
                self.send_response(ans.status)
                self.send_header("Content-Type", ans.content_type)
                self.send_header("Content-Length", str(len(ans.body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if f.trickle and fault is None:
                    try:
                        for i in range(len(ans.body)):
                            self.wfile.write(ans.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(f.trickle_seconds)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                else:
                    self.wfile.write(ans.body)

        return Handler


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--rate-cap", type=int, default=0)
    p.add_argument("--latency-ms", type=float, default=0.0)
    a = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from audit.pubmed.records import load_records
    recs = load_records([shared_data() / "pubmed"])
    srv = CrossrefServer(recs.values(), port=a.port, rate_cap=a.rate_cap, latency_ms=a.latency_ms).start()
    print(f"Crossref stand-in on {srv.url} ({len(srv.recorded)} recorded works, {len(srv.built)} built)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
