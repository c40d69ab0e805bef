"""The guard conftest.py installs: the suite cannot reach the internet, and says so at once."""
from __future__ import annotations

import socket
import time

import pytest
import requests

from offline_guard import InternetRefused


def test_a_request_to_a_real_host_fails_at_once_naming_it():
    t = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError, match="eutils.ncbi.nlm.nih.gov"):
        requests.get("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/einfo.fcgi", timeout=30)
    with pytest.raises(InternetRefused, match="104.16"):
        socket.create_connection(("104.16.1.1", 443), timeout=30)
    assert time.monotonic() - t < 2


def test_this_machine_is_still_reachable():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    try:
        socket.create_connection(srv.getsockname(), timeout=5).close()
        assert socket.getaddrinfo("localhost", 80)
    finally:
        srv.close()
