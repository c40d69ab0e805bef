"""What Crossref said about a DOI or a citation, kept in SQLite (``audit.storage``) with a time-to-live.

An unchanged re-run sends no request.  Only answers are kept: Crossref's record
for a DOI, its 404 (``not_found``), the work a citation search matched or that
it matched nothing; a fault is never stored.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Sequence

from audit.models import Record, from_dict, to_dict
from audit.storage import Schema, SharedConnection


SCHEMA = Schema(
    kind="Crossref cache",
    application_id=0x43524346,   # "CRCF"
    migrations=(
        """
        CREATE TABLE IF NOT EXISTS works (
            doi TEXT PRIMARY KEY,            -- lower-case DOI
            status TEXT NOT NULL,            -- resolved | not_found (Crossref's 404)
            fields TEXT,                     -- JSON of models.Record, for resolved rows
            fetched_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS searches (
            key TEXT PRIMARY KEY,            -- the query.bibliographic text asked
            doi TEXT,                        -- NULL: Crossref answered, nothing matched
            fields TEXT,                     -- JSON of the matched Record
            fetched_at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS works_age ON works (fetched_at);
        CREATE INDEX IF NOT EXISTS searches_age ON searches (fetched_at)
        """,
    ),
    disposable=True,
)


class CrossrefCache:
    """What Crossref said about a DOI or a citation, for ``ttl_days`` (faults are never stored)."""

    def __init__(self, path: str, ttl_days: float = 7.0):
        self.path = str(path)
        self.ttl = float(ttl_days) * 86400.0
        self._db = SharedConnection(Path(self.path).expanduser(), SCHEMA)

    def _fresh(self) -> float:
        return time.time() - self.ttl

    def get_works(self, dois: Sequence[str]) -> dict[str, tuple[str, Record | None]]:
        out = {}
        keys = [d.lower() for d in dois]
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self._db.guarded(lambda: self._db.read(
                f"SELECT doi, status, fields, fetched_at FROM works WHERE doi IN ({','.join('?' * len(chunk))})",
                chunk))
            for doi, status, fields, at in rows:
                if at > self._fresh():
                    out[doi] = (status, from_dict(Record, json.loads(fields)) if fields else None)
        return out

    def put_work(self, doi: str, status: str, rec: Record | None) -> None:
        row = (doi.lower(), status, json.dumps(to_dict(rec), ensure_ascii=False) if rec else None, time.time())

        def run():
            with self._db.write() as con:
                con.execute("INSERT OR REPLACE INTO works VALUES (?, ?, ?, ?)", row)
        self._db.guarded(run)

    def get_search(self, key: str) -> tuple[bool, Record | None]:
        rows = self._db.guarded(lambda: self._db.read(
            "SELECT doi, fields, fetched_at FROM searches WHERE key = ?", (key,)))
        if rows and rows[0][2] > self._fresh():
            return True, (from_dict(Record, json.loads(rows[0][1])) if rows[0][1] else None)
        return False, None

    def put_search(self, key: str, rec: Record | None) -> None:
        row = (key, rec.doi if rec else None, json.dumps(to_dict(rec), ensure_ascii=False) if rec else None,
               time.time())

        def run():
            with self._db.write() as con:
                con.execute("INSERT OR REPLACE INTO searches VALUES (?, ?, ?, ?)", row)
        self._db.guarded(run)

    def close(self) -> None:
        self._db.close()
