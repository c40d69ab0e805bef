"""Shared fixtures: where the real data lives, and the repository root."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import audit  # noqa: F401  (Prefect's analytics off before any test imports prefect)
import offline_guard

offline_guard.install()

ROOT = Path(__file__).resolve().parent.parent

# The tests that go through Prefect on purpose (--prefect, flows, deployments) start its
# temporary API server; on a loaded 2-core machine it can take longer than Prefect's 20 s
# default to come up.  The one-shot commands themselves never start it.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _shared_dir() -> Path:
    env = os.environ.get("CITEAUDIT_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT.parent.parent / "shared"]:
        if (cand / "data").is_dir():
            return cand
    raise RuntimeError("../shared/data not found beside the checkout (set CITEAUDIT_SHARED)")


SHARED = _shared_dir()
DATA = SHARED / "data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def root_dir() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _no_real_ncbi(monkeypatch, tmp_path):
    # Tests never reach NCBI: anything that forgets to point at the local server
    # gets an address that refuses connections, and its own cache.
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", os.environ.get("CITEAUDIT_TEST_EUTILS_URL", "http://127.0.0.1:9/entrez/eutils/"))
    monkeypatch.setenv("CITEAUDIT_CACHE", str(tmp_path / "cache.sqlite"))
    # ... nor Crossref: off unless a test starts the local stand-in (tests/crossref_server.py) and turns it on.
    monkeypatch.setenv("CITEAUDIT_CROSSREF", "off")
    monkeypatch.setenv("CITEAUDIT_CROSSREF_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("CITEAUDIT_CROSSREF_CACHE", str(tmp_path / "crossref.sqlite"))
    monkeypatch.delenv("CROSSREF_MAILTO", raising=False)
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    monkeypatch.delenv("CITEAUDIT_PREFECT_RATE_LIMIT", raising=False)
