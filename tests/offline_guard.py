"""Tests never reach the internet: a name lookup or a connection to anything but this machine
fails at once, naming the host, instead of waiting on a network the sandbox may not have (a
test that forgets to point a client at its local server would otherwise hang in retries, or,
where there is a network, ask NCBI or Crossref for real).  Installed for the whole session by
conftest.py; processes the tests start are pointed at local servers by their environment.
"""
from __future__ import annotations

import ipaddress
import os
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class InternetRefused(OSError):
    pass


def _is_local(host) -> bool:
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _refused(what: str) -> "InternetRefused":
    """The refusal, also written to $CITEAUDIT_GUARD_LOG when set: a process the tests start (through
    tests/guarded_cli.py) may swallow the exception in a thread of its own, and the file still says."""
    log = os.environ.get("CITEAUDIT_GUARD_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(what + "\n")
    return InternetRefused(f"tests do not reach the internet: {what} refused")


def install() -> None:
    real_getaddrinfo, real_connect, real_connect_ex = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex

    def getaddrinfo(host, *a, **k):
        if not _is_local(host):
            raise _refused(f"lookup of {host!r}")
        return real_getaddrinfo(host, *a, **k)

    def _check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise _refused(f"connection to {address[0]!r}")

    def connect(self, address):
        _check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _check(self, address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
