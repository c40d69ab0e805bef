"""SQLite cache of PubMed answers, shared by threads and processes.

Keyed by PMID, each row holds what PubMed said: ``resolved`` with the raw
one-article XML and the parsed fields (JSON of ``models.Record``), or
``not_found``.  ``fetch_failed`` is never stored: a network failure says
nothing about the record.  Rows older than the TTL are ignored (and replaced
on the next fetch), so a nightly run sees retractions added since.

A second table remembers identifier look-ups (DOI, PMCID, citation text,
title -> PMID or "no match") with the same TTL, so re-auditing an unchanged
article makes no request at all.

Concurrency: WAL mode lets readers run beside one writer; a busy timeout makes
writers from other threads/processes wait instead of failing.  Each thread gets
its own connection.  Every ``put_*`` call is one short transaction, committed
before it returns, so a crash loses nothing already stored.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .models import NOT_FOUND, RESOLVED, MeshHeading, Record, to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    pmid TEXT PRIMARY KEY,
    status TEXT NOT NULL,            -- resolved | not_found
    xml BLOB,                        -- one <PubmedArticle>, for resolved rows
    fields TEXT,                     -- JSON of models.Record, for resolved rows
    fetched_at REAL NOT NULL         -- unix time
);
CREATE TABLE IF NOT EXISTS idmap (
    key TEXT PRIMARY KEY,            -- doi:<lower doi> | pmc:<PMCnnn> | cit:<line> | ti:<title>
    pmid TEXT,                       -- NULL: PubMed answered, no match
    fetched_at REAL NOT NULL
);
"""
BUSY_TIMEOUT_MS = 30_000
SQL_VARS = 500  # stay well under SQLite's host-parameter limit


def record_from_dict(d: dict) -> Record:
    """Rebuild a Record from ``models.to_dict(record)``."""
    d = dict(d)
    d["mesh"] = [MeshHeading(**m) for m in d.get("mesh") or []]
    known = Record.__dataclass_fields__
    return Record(**{k: v for k, v in d.items() if k in known})


@dataclass
class CachedEntry:
    pmid: str
    status: str                  # resolved | not_found
    record: Record | None
    xml: bytes | None
    fetched_at: float


def _chunks(items: Sequence, n: int = SQL_VARS):
    for i in range(0, len(items), n):
        yield items[i:i + n]


class RecordCache:
    def __init__(self, path: str | os.PathLike, ttl_days: float = 7.0):
        self.path = str(path)
        self.ttl_seconds = float(ttl_days) * 86400.0
        Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._stats = {"hits": 0, "not_found_hits": 0, "misses": 0, "expired": 0,
                       "written": 0, "id_hits": 0, "id_misses": 0}
        self._conn().executescript(SCHEMA)

    # -- connections -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(os.path.expanduser(self.path), timeout=BUSY_TIMEOUT_MS / 1000,
                                  isolation_level=None, check_same_thread=False)
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # journal_mode=WAL is persistent in the file; setting it may itself
            # wait on a lock when another process is creating the database.
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
            with self._lock:
                self._conns.append(con)
        return con

    class _Txn:
        def __init__(self, con: sqlite3.Connection):
            self.con = con

        def __enter__(self) -> sqlite3.Connection:
            # IMMEDIATE takes the write lock up front: two writers never both
            # hold read locks and then deadlock upgrading them.
            self.con.execute("BEGIN IMMEDIATE")
            return self.con

        def __exit__(self, exc_type, exc, tb) -> None:
            self.con.execute("ROLLBACK" if exc_type else "COMMIT")

    def _write(self) -> "RecordCache._Txn":
        return RecordCache._Txn(self._conn())

    def close(self) -> None:
        with self._lock:
            for con in self._conns:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
            self._conns.clear()
        self._local = threading.local()

    def __enter__(self) -> "RecordCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._stats[key] += n

    def _fresh_after(self, now: float | None) -> float:
        return (time.time() if now is None else now) - self.ttl_seconds

    # -- records -----------------------------------------------------------
    def get_many(self, pmids: Iterable[str], now: float | None = None) -> dict[str, CachedEntry]:
        """Fresh entries (within the TTL) for the PMIDs that have one."""
        wanted = list(dict.fromkeys(str(p) for p in pmids))
        fresh_after = self._fresh_after(now)
        out: dict[str, CachedEntry] = {}
        expired = 0
        con = self._conn()
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = con.execute(f"SELECT pmid, status, xml, fields, fetched_at FROM records "
                               f"WHERE pmid IN ({marks})", chunk).fetchall()
            for pmid, status, xml, fields, fetched_at in rows:
                if fetched_at <= fresh_after:
                    expired += 1
                    continue
                rec = record_from_dict(json.loads(fields)) if fields else None
                out[pmid] = CachedEntry(pmid, status, rec, xml, fetched_at)
        found = sum(1 for e in out.values() if e.status == RESOLVED)
        self._count("hits", found)
        self._count("not_found_hits", len(out) - found)
        self._count("misses", len(wanted) - len(out))
        self._count("expired", expired)
        return out

    def put_many(self, records: Iterable[tuple[Record, bytes | None]] = (),
                 not_found: Iterable[str] = (), now: float | None = None) -> int:
        """Store resolved records (with their XML) and not_found PMIDs in one commit."""
        ts = time.time() if now is None else now
        rows = [(r.pmid, RESOLVED, xml, json.dumps(to_dict(r), ensure_ascii=False), ts)
                for r, xml in records]
        rows += [(str(p), NOT_FOUND, None, None, ts) for p in not_found]
        if not rows:
            return 0
        with self._write() as con:
            con.executemany("INSERT OR REPLACE INTO records (pmid, status, xml, fields, fetched_at) "
                            "VALUES (?, ?, ?, ?, ?)", rows)
        self._count("written", len(rows))
        return len(rows)

    def get(self, pmid: str, now: float | None = None) -> CachedEntry | None:
        return self.get_many([pmid], now).get(str(pmid))

    def get_xml(self, pmid: str, now: float | None = None) -> bytes | None:
        e = self.get(pmid, now)
        return e.xml if e else None

    # -- identifier look-ups -------------------------------------------------
    def get_ids(self, keys: Iterable[str], now: float | None = None) -> dict[str, str | None]:
        """Fresh look-ups: key -> PMID, or None when PubMed had no match."""
        wanted = list(dict.fromkeys(keys))
        fresh_after = self._fresh_after(now)
        out: dict[str, str | None] = {}
        con = self._conn()
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for key, pmid, fetched_at in con.execute(
                    f"SELECT key, pmid, fetched_at FROM idmap WHERE key IN ({marks})", chunk):
                if fetched_at > fresh_after:
                    out[key] = pmid
        self._count("id_hits", len(out))
        self._count("id_misses", len(wanted) - len(out))
        return out

    def put_ids(self, mapping: dict[str, str | None], now: float | None = None) -> None:
        ts = time.time() if now is None else now
        if not mapping:
            return
        with self._write() as con:
            con.executemany("INSERT OR REPLACE INTO idmap (key, pmid, fetched_at) VALUES (?, ?, ?)",
                            [(k, v, ts) for k, v in mapping.items()])

    # -- upkeep ----------------------------------------------------------------
    def purge_expired(self, now: float | None = None) -> int:
        fresh_after = self._fresh_after(now)
        with self._write() as con:
            n = con.execute("DELETE FROM records WHERE fetched_at <= ?", (fresh_after,)).rowcount
            n += con.execute("DELETE FROM idmap WHERE fetched_at <= ?", (fresh_after,)).rowcount
        return n

    def counts(self) -> dict[str, int]:
        con = self._conn()
        out = {s: n for s, n in con.execute("SELECT status, COUNT(*) FROM records GROUP BY status")}
        out["ids"] = con.execute("SELECT COUNT(*) FROM idmap").fetchone()[0]
        return out

    def __len__(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM records").fetchone()[0]

    def stats(self) -> dict:
        with self._lock:
            out = dict(self._stats)
        out.update(path=self.path, ttl_days=self.ttl_seconds / 86400.0)
        return out
