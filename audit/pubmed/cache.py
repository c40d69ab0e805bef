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
writers from other processes wait instead of failing.  Within a process the
threads share one connection behind a lock.  Every ``put_*`` call is one short transaction, committed
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

from audit.models import NOT_FOUND, RESOLVED, MeshHeading, Record, to_dict

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
        # One connection per process, serialised by a lock: threads of a fetch
        # pool come and go, and per-thread connections would pile up.  Other
        # processes get their own connection; SQLite's WAL and busy timeout
        # arbitrate between them.
        self._db_lock = threading.RLock()
        self._con: sqlite3.Connection | None = None
        self._pid = -1
        self._lock = threading.Lock()
        self._stats = {"hits": 0, "not_found_hits": 0, "misses": 0, "expired": 0,
                       "written": 0, "id_hits": 0, "id_misses": 0}
        with self._db_lock:
            self._conn().executescript(SCHEMA)

    # -- connections -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """The connection (call with _db_lock held); a forked child opens its own."""
        if self._con is None or self._pid != os.getpid():
            con = sqlite3.connect(os.path.expanduser(self.path), timeout=BUSY_TIMEOUT_MS / 1000,
                                  isolation_level=None, check_same_thread=False)
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # journal_mode=WAL is persistent in the file; setting it may itself
            # wait on a lock when another process is creating the database.
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            self._con, self._pid = con, os.getpid()
        return self._con

    class _Txn:
        def __init__(self, cache: "RecordCache"):
            self.cache = cache

        def __enter__(self) -> sqlite3.Connection:
            self.cache._db_lock.acquire()
            try:
                self.con = self.cache._conn()
                # IMMEDIATE takes the write lock up front: two writers never both
                # hold read locks and then deadlock upgrading them.
                self.con.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.cache._db_lock.release()
                raise
            return self.con

        def __exit__(self, exc_type, exc, tb) -> None:
            try:
                self.con.execute("ROLLBACK" if exc_type else "COMMIT")
            finally:
                self.cache._db_lock.release()

    def _write(self) -> "RecordCache._Txn":
        return RecordCache._Txn(self)

    def _read(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._db_lock:
            return self._conn().execute(sql, args).fetchall()

    def close(self) -> None:
        with self._db_lock:
            if self._con is not None and self._pid == os.getpid():
                try:
                    self._con.close()
                except sqlite3.Error:
                    pass
            self._con = None

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
    def get_many(self, pmids: Iterable[str], now: float | None = None,
                 with_xml: bool = False) -> dict[str, CachedEntry]:
        """Fresh entries (within the TTL) for the PMIDs that have one.

        The raw XML (kilobytes a record) is read only when asked for: an audit
        needs the parsed fields alone.
        """
        wanted = list(dict.fromkeys(str(p) for p in pmids))
        fresh_after = self._fresh_after(now)
        out: dict[str, CachedEntry] = {}
        expired = 0
        xml_col = "xml" if with_xml else "NULL"
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = self._read(f"SELECT pmid, status, {xml_col}, fields, fetched_at FROM records "
                              f"WHERE pmid IN ({marks})", chunk)
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

    def get(self, pmid: str, now: float | None = None, with_xml: bool = False) -> CachedEntry | None:
        return self.get_many([pmid], now, with_xml).get(str(pmid))

    def get_xml(self, pmid: str, now: float | None = None) -> bytes | None:
        e = self.get(pmid, now, with_xml=True)
        return e.xml if e else None

    # -- identifier look-ups -------------------------------------------------
    def get_ids(self, keys: Iterable[str], now: float | None = None) -> dict[str, str | None]:
        """Fresh look-ups: key -> PMID, or None when PubMed had no match."""
        wanted = list(dict.fromkeys(keys))
        fresh_after = self._fresh_after(now)
        out: dict[str, str | None] = {}
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            for key, pmid, fetched_at in self._read(
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
        out = {s: n for s, n in self._read("SELECT status, COUNT(*) FROM records GROUP BY status")}
        out["ids"] = self._read("SELECT COUNT(*) FROM idmap")[0][0]
        return out

    def __len__(self) -> int:
        return self._read("SELECT COUNT(*) FROM records")[0][0]

    def stats(self) -> dict:
        with self._lock:
            out = dict(self._stats)
        out.update(path=self.path, ttl_days=self.ttl_seconds / 86400.0)
        return out
