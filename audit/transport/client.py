"""One paced, retried, bounded HTTP call for every service citeaudit asks: ``Transport.call``.

Modeled on Biopython's Bio.Entrez, where every request goes through one
function that paces and retries; here that one function serves E-utilities
and Crossref alike, and each service brings only its own rules: what its
answers mean and how its failures read (``Service``), its limits from its
config section (``RetryPolicy``), its pacing (``Pacing``), and the parameters
and headers it sends.

Every call:

* is refused at once while its endpoint's breaker is open (``audit.pubmed.budget``:
  a service that keeps failing is not asked again in the run);
* waits on the service's pacing before every attempt, and notes every attempt
  in the run's request ledger (by endpoint, purpose and article);
* refuses redirects: a 307 re-sends the body, api_key included, to whatever
  host the answer names, and neither service ever redirects;
* retries 429, 5xx, timeouts, connection errors and answers its parser finds
  cut or unusable (``Retry``) with exponential backoff and equal jitter,
  honouring Retry-After up to ``retry_after_max``;
* is bounded on every side: each attempt by ``request_deadline`` (headers
  included, ``audit.transport.session``) and by the body's size, the whole call
  by ``call_deadline``, the retries by ``max_retries`` and the wait budgets (per
  call, and per run and purpose in the ledger);
* does not retry what would fail the same way again (``Refused``: a 4xx other
  than 429, a redirect, an oversized or refused answer), and gives up on a
  server that ran out the deadline ``slow_attempts`` times: a trickle trickles
  again;
* masks credentials in every message, log line and counter (``redact``).
"""
from __future__ import annotations

import logging
import math
import random
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from audit.pubmed.budget import RequestLedger, current
from audit.transport.session import deadline_at, prepare_session, redact

log = logging.getLogger("audit.transport")

READ_CHUNK = 64 * 1024         # bytes asked of the socket per read while the deadline is watched


class TransportError(Exception):
    """A service could not be asked, or gave no usable answer (after retries, where retrying made sense)."""


class Retry(Exception):
    """This attempt failed in a way worth retrying; parsers raise it for a cut or unusable answer."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Refused(Exception):
    """The same request would get the same answer again: not retried."""


@dataclass(frozen=True)
class Answer:
    """A service's answer when the caller reads it itself (no parser given to ``call``)."""

    status: int
    body: bytes


class Pacing(Protocol):
    """What paces a service's requests: waited on before each attempt, told when it ends and what the answer announced."""

    def acquire(self) -> None: ...
    def release(self) -> None: ...
    def learn(self, headers) -> None: ...


def is_success(status: int) -> bool:
    return 200 <= status < 300


@dataclass(frozen=True)
class Service:
    """What one service's answers mean and how its failures are worded."""

    error: type[TransportError]                   # raised for every failed call
    stopped: type[TransportError]                 # raised while the endpoint's breaker is open
    answers: Callable[[int], bool] = is_success   # statuses whose body is the answer
    read_refusal: Callable[[bytes], str] | None = None   # the service's own words in a refused answer's body
    refusal_prefix: str = ""                      # before a refusal's text ("NCBI error: ")
    refused_key: str = "refused"                  # the failure count a refusal is counted under
    endpoint_in_errors: bool = True               # messages start with "endpoint: "
    secret: str = ""                              # masked wherever it would be printed
    too_large: str = "answer too large"           # why an answer over RetryPolicy.max_bytes is refused
    deadline_reason: str = "deadline exceeded"    # why an attempt that ran out its deadline failed
    call_deadline_setting: str = "call_deadline"  # the setting named when a call runs out of time
    redirect_note: str = "requests are never re-sent elsewhere"


@dataclass(frozen=True)
class RetryPolicy:
    """A service's limits (from its config section)."""

    max_retries: int
    backoff_base: float
    backoff_max: float
    timeout: float                  # seconds between two reads of one answer
    request_deadline: float         # wall-clock seconds for one attempt, body included
    retry_after_max: float          # a longer Retry-After is waited as this
    retry_wait_per_run: float       # seconds of retry waits per run and purpose; then no retries
    max_bytes: int                  # ceiling on one answer's body, inflated
    call_deadline: float = math.inf         # wall-clock seconds for one call: every attempt and wait
    retry_wait_per_call: float = math.inf
    slow_attempts: int = 0          # attempts that ran out the deadline before a call gives up (0: no such rule)

    def backoff(self, attempt: int) -> float:
        cap = min(self.backoff_max, self.backoff_base * (2 ** attempt))
        return cap / 2 + random.uniform(0, cap / 2)        # "equal jitter": never ~0, never > cap


def retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None    # an HTTP date: rare at both services; our own backoff is used


_CONNECTION_ERRORS = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                      requests.exceptions.ContentDecodingError, urllib3.exceptions.ProtocolError,
                      urllib3.exceptions.DecodeError, ConnectionError)


class Transport:
    """The one client every request of a service goes through (thread-safe)."""

    def __init__(self, service: Service, policy: RetryPolicy, pacing: Pacing, ledger: RequestLedger, *,
                 session: requests.Session | None = None, sleep: Callable[[float], None] = time.sleep):
        self.service = service
        self.policy = policy
        self.pacing = pacing
        self.ledger = ledger
        self.session = prepare_session(session)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._counts: dict = {"requests": {}, "calls": 0, "attempts": 0, "retries": 0, "failures": {},
                              "http_status": {}, "bytes": 0, "retry_wait_s": 0.0}

    # -- counters ----------------------------------------------------------------------
    def _bump(self, key: str, sub: str | None = None, n: float = 1) -> None:
        with self._lock:
            if sub is None:
                self._counts[key] += n
            else:
                self._counts[key][sub] = self._counts[key].get(sub, 0) + n

    def counts(self) -> dict:
        """requests (attempts by endpoint), calls, attempts, retries, failures (by reason), http_status, bytes,
        retry_wait_s."""
        with self._lock:
            return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self._counts.items()}

    # -- one call ------------------------------------------------------------------------
    def call(self, endpoint: str, url: str, params: dict, parse: Callable[[bytes], object] | None = None, *,
             post: bool = False, label: str | None = None):
        """``parse(body)`` of the answer (the ``Answer`` itself without a parser), behind the endpoint's
        breaker; raises the service's error.  ``label``: how log lines name the request (the endpoint)."""
        why = self.ledger.open_reason(endpoint)
        if why:
            self._bump("failures", "breaker_open")
            raise self.service.stopped(f"{endpoint}: not asked again in this run: {why}")
        try:
            out = self._send(endpoint, url, params, parse, post, label or endpoint)
        except TransportError as exc:
            self.ledger.call_failed(endpoint, str(exc).split(": ", 1)[-1][:80])
            raise
        self.ledger.answer_ok(endpoint)
        return out

    def _fail(self, text: str) -> TransportError:
        return self.service.error(redact(text, self.service.secret))

    def _budget_left(self, waited_call: float) -> float:
        # Each purpose (records, search) has the run's retry-wait budget of its own.
        run_left = self.policy.retry_wait_per_run - self.ledger.wait_spent(current()[0])
        return min(self.policy.retry_wait_per_call - waited_call, run_left)

    def _send(self, endpoint: str, url: str, params: dict, parse, post: bool, label: str):
        p, s = self.policy, self.service
        name = f"{endpoint}: " if s.endpoint_in_errors else ""
        tries = p.max_retries + 1
        reason = "no attempt made"
        waited = 0.0
        call_end = time.monotonic() + p.call_deadline
        slow = 0
        for attempt in range(tries):
            self.pacing.acquire()
            try:
                self._bump("requests", endpoint)
                self.ledger.note_request(endpoint)
                self._bump("attempts")
                self._bump("retries" if attempt else "calls")
                deadline = min(time.monotonic() + p.request_deadline, call_end)
                return self._attempt(endpoint, url, params, parse, post, deadline)
            except Retry as exc:
                reason, wait_at_least = exc.reason, exc.retry_after
            except Refused as exc:
                self._bump("failures", s.refused_key)
                raise self._fail(f"{name}{s.refusal_prefix}{exc}") from None
            finally:
                self.pacing.release()
            self._bump("failures", reason.split(" (")[0].split(":")[0])
            if attempt + 1 >= tries:
                break
            slow += reason == s.deadline_reason
            delay = p.backoff(attempt)
            if wait_at_least is not None:
                delay = max(delay, min(wait_at_least, p.retry_after_max))
            too_slow = bool(p.slow_attempts) and slow >= p.slow_attempts
            if too_slow or time.monotonic() + delay >= call_end:
                self._bump("failures", "call_deadline")
                why = (f"the deadline ran out {'twice' if slow == 2 else f'{slow} times'}" if too_slow else
                       f"{s.call_deadline_setting} is {p.call_deadline:g} s for one call")
                raise self._fail(f"{name}gave up after {attempt + 1} attempts ({why}): {reason}") from None
            if delay > self._budget_left(waited):
                self._bump("failures", "retry_budget")
                raise self._fail(f"{name}gave up after {attempt + 1} attempts (retry-wait budget spent): {reason}") \
                    from None
            log.info("%s: %s; retry %d/%d in %.2fs", label, redact(reason, s.secret), attempt + 1, tries - 1, delay)
            self._bump("retry_wait_s", n=delay)
            self.ledger.spend_wait(current()[0], delay)
            waited += delay
            self._sleep(delay)
        raise self._fail(f"{name}failed after {tries} attempts: {reason}") from None

    def _attempt(self, endpoint: str, url: str, params: dict, parse, post: bool, deadline: float):
        """One request: its parsed answer; ``Retry`` or ``Refused`` (or the service's error) when it fails."""
        s = self.service
        resp = None
        body_read = False
        # Never wait longer for one read than the whole request may take.
        timeout = max(0.001, min(self.policy.timeout, deadline - time.monotonic()))
        try:
            with deadline_at(deadline):
                if post:
                    resp = self.session.post(url, data=params, timeout=timeout, stream=True, allow_redirects=False)
                else:
                    resp = self.session.get(url, params=params, timeout=timeout, stream=True, allow_redirects=False)
            code = resp.status_code
            self._bump("http_status", str(code))
            self.pacing.learn(resp.headers)
            if code == 429 or code >= 500:
                raise Retry(f"HTTP {code}", retry_after(resp.headers.get("Retry-After")))
            if 300 <= code < 400:
                raise Refused(self._redirect_refused(resp))
            if not s.answers(code):
                if s.read_refusal is None:
                    raise Refused(f"HTTP {code}")
                body = self._read_body(resp, deadline)
                body_read = True
                raise Refused(f"HTTP {code}: {s.read_refusal(body)}")
            body = self._read_body(resp, deadline)          # a cut connection raises here
            body_read = True
            self._bump("bytes", n=len(body))
            if parse is None:
                return Answer(code, body)
            try:
                return parse(body)
            except Retry as exc:
                self._unusable(endpoint, exc)
                raise
            except Refused:
                raise
            except Exception as exc:
                # A reader bug on an answer nobody foresaw: the same answer would hit it
                # again, so no retry; what was asked ends fetch_failed.
                log.warning("%s: answer could not be read", endpoint, exc_info=True)
                raise Refused(f"answer could not be read ({type(exc).__name__})") from None
        except (requests.Timeout, urllib3.exceptions.ReadTimeoutError, socket.timeout):
            raise Retry("timeout") from None
        except _CONNECTION_ERRORS as exc:
            if time.monotonic() >= deadline:      # our own watchdog closed it
                raise Retry(s.deadline_reason) from None
            raise Retry(f"connection error ({type(exc).__name__})") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            # Any other transport failure (TooManyRedirects, InvalidURL...): its text may hold
            # the request URL, and a GET's URL holds the api_key, so only its type is kept.
            self._bump("failures", "request_error")
            name = f"{endpoint}: " if s.endpoint_in_errors else ""
            raise s.error(f"{name}request failed ({type(exc).__name__})") from None
        finally:
            if resp is not None:
                if body_read:
                    resp.raw.release_conn()     # whole answer read: the connection is reused
                else:
                    resp.close()                # part-read or refused: never reused

    def _unusable(self, endpoint: str, exc: Retry) -> None:
        """An answer that came but cannot be used; once the breaker opens, no more retries."""
        self.ledger.answer_unusable(endpoint, exc.reason)
        if self.ledger.is_open(endpoint):
            raise Refused(f"{exc.reason}; not asked again in this run")

    def _read_body(self, resp: requests.Response, deadline: float) -> bytes:
        """The whole answer, inflated (Content-Encoding), within the deadline and the size ceiling.

        requests' timeout is per socket read: a server sending one byte every few
        seconds would never time out.  read1 returns whatever has arrived, so the
        wall-clock deadline is checked at least once per ``timeout``.
        """
        limit = self.policy.max_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise Retry(self.service.deadline_reason)
            chunk = resp.raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise Refused(self.service.too_large)
            chunks.append(chunk)

    def _redirect_refused(self, resp: requests.Response) -> str:
        """Why a redirect was refused, naming where it pointed (never its query: it may echo a key)."""
        try:
            to = urlsplit(resp.headers.get("Location") or "")
            where = f"{to.scheme}://{to.hostname}{to.path}" if to.hostname else (to.path or "nowhere")
        except ValueError:
            where = "an address that is not a URL"
        return f"HTTP {resp.status_code} redirect to {where} refused ({self.service.redirect_note})"

    def close(self) -> None:
        self.session.close()
