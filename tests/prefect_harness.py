"""One Prefect test server per pytest session, shared by every module that asks for it.

``prefect_test_harness`` starts a temporary API server (about 15 s); a
session fixture defined in two modules would start it twice, so the fixture
here only counts users and the first one starts it, the last one stops it.
"""
from __future__ import annotations

import os

import pytest

_state: dict = {"users": 0, "cm": None}


def _start() -> None:
    if _state["cm"] is None:
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        from prefect.testing.utilities import prefect_test_harness

        cm = prefect_test_harness(server_startup_timeout=90)
        cm.__enter__()
        _state["cm"] = cm


@pytest.fixture(scope="session")
def prefect_harness():
    _start()
    _state["users"] += 1
    try:
        from prefect.settings import PREFECT_API_URL

        yield PREFECT_API_URL.value()
    finally:
        _state["users"] -= 1
        if _state["users"] == 0 and _state["cm"] is not None:
            cm, _state["cm"] = _state["cm"], None
            cm.__exit__(None, None, None)
