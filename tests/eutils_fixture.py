"""Pytest fixtures that start the local E-utilities server on the real PubMed records.

Use from any test module::

    from eutils_fixture import eutils_server, eutils_factory, entrez_config  # noqa: F401

    def test_something(eutils_server, entrez_config):
        cfg = entrez_config(eutils_server)          # tiny backoffs, fast rate, its own cache path
        ...

``eutils_server`` is a healthy server (function scope: a fresh log and history
per test).  ``eutils_factory(**faults)`` starts servers with faults (see
``devtools.eutils_server.Faults``); they are stopped after the test.  The records
(``/work/shared/data/pubmed``, every PubmedArticle and MedlineCitation there)
are parsed once per test session.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from audit.config import EntrezConfig
from devtools.eutils_server import EutilsServer, RecordStore


def _records_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    env = os.environ.get("CITEAUDIT_SHARED")
    for cand in ([Path(env)] if env else []) + [here.parent / "shared", here.parent.parent / "shared"]:
        if (cand / "data" / "pubmed").is_dir():
            return cand / "data" / "pubmed"
    raise RuntimeError("../shared/data/pubmed not found beside the checkout (set CITEAUDIT_SHARED)")


RECORDS_DIR = _records_dir()


@functools.lru_cache(maxsize=1)
def record_store() -> RecordStore:
    """The real records, parsed once per process."""
    return RecordStore.from_paths([RECORDS_DIR])


def start_server(**faults) -> EutilsServer:
    return EutilsServer(store=record_store(), **faults).start()


@pytest.fixture
def eutils_server():
    srv = start_server()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def eutils_factory():
    started: list[EutilsServer] = []

    def make(**faults) -> EutilsServer:
        srv = start_server(**faults)
        started.append(srv)
        return srv

    try:
        yield make
    finally:
        for srv in started:
            srv.stop()


def make_entrez_config(server: EutilsServer, cache_path: str | Path = "", **overrides) -> EntrezConfig:
    """A config pointing at ``server``: fast rate and tiny backoffs so faults cost milliseconds."""
    base = dict(base_url=server.url, requests_per_second=200.0, timeout=2.0, max_retries=4,
                backoff_base=0.005, backoff_max=0.02, cache_path=str(cache_path), email="tests@example.org")
    base.update(overrides)
    return EntrezConfig(**base)


@pytest.fixture
def entrez_config(tmp_path):
    def make(server: EutilsServer, **overrides) -> EntrezConfig:
        overrides.setdefault("cache_path", tmp_path / "entrez-cache.sqlite")
        return make_entrez_config(server, **overrides)

    return make
