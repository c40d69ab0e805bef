"""Tests never reach the internet: a name lookup or a connection to anything but this machine
fails at once, naming the host, instead of waiting on a network the sandbox may not have (a
test that forgets to point a client at its local server would otherwise hang in retries, or,
where there is a network, ask NCBI or Crossref for real).  Installed for the whole session by
conftest.py; processes the tests start are pointed at local servers by their environment.
"""
from __future__ import annotations

import ipaddress
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


def install() -> None:
    real_getaddrinfo, real_connect, real_connect_ex = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex

    def getaddrinfo(host, *a, **k):
        if not _is_local(host):
            raise InternetRefused(f"tests do not reach the internet: lookup of {host!r} refused")
        return real_getaddrinfo(host, *a, **k)

    def _check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise InternetRefused(f"tests do not reach the internet: connection to {address[0]!r} refused")

    def connect(self, address):
        _check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _check(self, address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
