"""The HTTP session under every service request: a wall-clock deadline while headers arrive, secrets masked.

requests returns only once the status line and headers are in, and its
timeout is per socket read: a server sending its headers one byte every few
seconds would hold the call forever.  The connections of a session prepared
here (``prepare_session``) arm a timer for the header phase that shuts the
socket down at the request's deadline (set around each request by
``deadline_at``); the body is then read under the same deadline by the
transport (``audit.transport.client``).

urllib3 logs GET URLs at DEBUG, query string included: an api_key or a
password in a URL is masked there (``redact``), as in every message and
statistic the transport makes.
"""
from __future__ import annotations

import logging
import re
import socket
import threading
import time
from contextlib import contextmanager
from urllib.parse import quote

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool

from audit.config import mask_url_credentials


def redact(text: str, secret: str | None) -> str:
    """Hide the api_key and any password in a URL in anything printable: URLs, messages, reprs."""
    text = mask_url_credentials(re.sub(r"(api_key=)[^&\s'\"]+", r"\1***", str(text)))
    if secret:
        for form in {secret, quote(secret, safe="")}:
            text = text.replace(form, "***")
    return text


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


def guard_third_party_logs() -> None:
    for name in ("urllib3.connectionpool", "requests"):
        lg = logging.getLogger(name)
        if _REDACT not in lg.filters:
            lg.addFilter(_REDACT)


# The deadline of the request this thread is sending (monotonic seconds), read by its connection.
_DEADLINE = threading.local()


@contextmanager
def deadline_at(at: float):
    """Requests sent inside have their header phase cut off at ``at`` (time.monotonic())."""
    _DEADLINE.at = at
    try:
        yield
    finally:
        _DEADLINE.at = None


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


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def prepare_session(session: requests.Session | None = None) -> requests.Session:
    """``session`` (a new one for None) with the deadline adapter on http and https, third-party logs masked."""
    guard_third_party_logs()
    session = session or requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, DeadlineAdapter())
    return session
