"""A local PubMed mirror: NLM's baseline and update files in one SQLite file, searchable.

The file is written by ``audit.pubmed.mirror_load`` (``citeaudit mirror load``)
and read here (``Mirror``: records, deletions, identifiers, the search index,
``status``).  Tables: ``files``, every file applied (order, name, size, sha256,
what it changed); ``records``; ``deleted``, the tombstones of PMIDs a
DeleteCitation withdrew, so a deleted PMID is told apart from one the mirror
never held; ``meta``; ``docs``, the index.

What is stored per record: the parsed fields (JSON of ``models.Record``, as the
record cache keeps them, zlib-compressed with a dictionary kept in the file),
the DOI and PMCID for identifier look-ups, and the file that last wrote it; not
the XML (it would about double the disk of a full PubMed: ``bench/bench_mirror.py``
measures 1 kB of fields and 1 kB of index per record).  A release that adds a
``Record`` field needs the files loaded again: ``status`` says so.

The search index is SQLite FTS5 with the columns and tokenizer of the
in-memory ``LocalIndex`` (title, abstract, MeSH and keywords, journal, first
author; Porter stems), so the source search's queries and BM25 weights mean
the same on both.  It is contentless: the text lives once, in ``fields``.

At rest the mirror is one file (a load ends with a checkpoint and the rollback
journal instead of WAL), so readers open it read-only (``mode=ro``), from many
threads and processes, also on shared storage where they may not create files
beside it.  Load between runs, not during one.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import threading
import zlib
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from audit.models import Record
from audit.pubmed.cache import record_from_dict, record_json
from audit.pubmed.local_index import COLUMNS, COLUMN_WEIGHTS, TOKENIZE
from audit.storage import Schema, open_read_only

log = logging.getLogger("citeaudit.mirror")

SCHEMA = Schema(
    kind="PubMed mirror",
    application_id=0x4341504D,   # "CAPM"
    migrations=(
        f"""
        CREATE TABLE files (
            seq INTEGER PRIMARY KEY,         -- the order files were applied in
            name TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            records INTEGER NOT NULL,        -- records the file holds
            added INTEGER NOT NULL,          -- of which new to the mirror
            revised INTEGER NOT NULL,        -- of which replaced one it held
            deleted INTEGER NOT NULL,        -- records its DeleteCitation removed
            applied_at REAL NOT NULL,        -- unix time
            seconds REAL NOT NULL,
            record_fields TEXT NOT NULL      -- models.Record's fields when applied (JSON list)
        );
        CREATE TABLE records (
            pmid INTEGER PRIMARY KEY,
            fields BLOB NOT NULL,            -- zlib(JSON of models.Record)
            doi TEXT,                        -- lower case
            pmcid TEXT,                      -- upper case, PMC...
            file INTEGER NOT NULL REFERENCES files (seq)
        );
        CREATE INDEX records_doi ON records (doi) WHERE doi IS NOT NULL;
        CREATE INDEX records_pmcid ON records (pmcid) WHERE pmcid IS NOT NULL;
        CREATE TABLE deleted (
            pmid INTEGER PRIMARY KEY,        -- withdrawn by a DeleteCitation, not (or no longer) held
            file INTEGER NOT NULL REFERENCES files (seq)
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,            -- zdict: the zlib dictionary every record's fields are packed with
            value BLOB NOT NULL
        );
        CREATE VIRTUAL TABLE docs USING fts5({COLUMNS}, content='', {TOKENIZE})
        """,
    ),
    disposable=False,        # a full PubMed takes hours to load: a damaged mirror is refused, never wiped
    recover="build one with `citeaudit mirror load` and NLM's baseline and update files (a damaged one: into "
            "a new file)",
)
SQL_VARS = 500
ZLIB_LEVEL = 6           # level 1 was no faster on these records, and 4 % larger
RECORD_FIELDS = [f.name for f in dataclasses.fields(Record)]


@dataclass
class AppliedFile:
    seq: int
    name: str
    size: int
    sha256: str
    records: int
    added: int
    revised: int
    deleted: int
    applied_at: float
    seconds: float


@dataclass
class MirrorStatus:
    path: str
    bytes: int
    records: int
    deleted: int                  # tombstones: PMIDs a DeleteCitation withdrew
    min_pmid: int | None
    max_pmid: int | None
    files: list[AppliedFile]
    stale_fields: list[str]       # Record fields this citeaudit has and the mirror's records lack

    @property
    def last_file(self) -> str:
        return self.files[-1].name if self.files else ""


def pack(rec: Record, zdict: bytes) -> bytes:
    c = zlib.compressobj(ZLIB_LEVEL, zdict=zdict)
    return c.compress(record_json(rec).encode("utf-8")) + c.flush()


def unpack(blob: bytes, zdict: bytes) -> Record:
    d = zlib.decompressobj(zdict=zdict)
    return record_from_dict(json.loads(d.decompress(blob) + d.flush()))


def stored_zdict(con: sqlite3.Connection) -> bytes | None:
    row = con.execute("SELECT value FROM meta WHERE key = 'zdict'").fetchone()
    return bytes(row[0]) if row else None


def chunks(items: Sequence, n: int = SQL_VARS):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def applied_files(con: sqlite3.Connection) -> list[AppliedFile]:
    rows = con.execute("SELECT seq, name, size, sha256, records, added, revised, deleted, applied_at, seconds "
                       "FROM files ORDER BY seq").fetchall()
    return [AppliedFile(*r) for r in rows]


class Mirror:
    """A mirror file opened to read: one read-only connection per thread (and per process)."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.path.expanduser(os.fspath(path))
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        con = self._con()           # a missing file, or not a mirror: refused here, with its name
        self.count = _count(con)
        self.zdict = stored_zdict(con)
        self.min_pmid, self.max_pmid = con.execute("SELECT min(pmid), max(pmid) FROM records").fetchone()
        last = con.execute("SELECT name FROM files ORDER BY seq DESC LIMIT 1").fetchone()
        self.last_file = last[0] if last else ""

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None or self._local.pid != os.getpid():
            con = open_read_only(self.path, SCHEMA)
            self._local.con, self._local.pid = con, os.getpid()
            with self._lock:
                self._all.append(con)
        return con

    def close(self) -> None:
        with self._lock:
            for con in self._all:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()

    def __enter__(self) -> "Mirror":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _rows(self, sql: str, keys: Sequence, extra: Sequence = ()) -> list[tuple]:
        out: list[tuple] = []
        for chunk in chunks(list(keys)):
            out += self._con().execute(sql.format(marks=",".join("?" * len(chunk))), [*chunk, *extra]).fetchall()
        return out

    def pmids(self) -> Iterator[str]:
        """Every PMID held, in order (a full PubMed: 38 million; the source search never lists them)."""
        for (p,) in self._con().execute("SELECT pmid FROM records ORDER BY pmid"):
            yield str(p)

    def records(self, pmids: Iterable[str]) -> dict[str, Record]:
        """pmid -> Record for the PMIDs the mirror holds."""
        keys = {int(p): p for p in pmids if str(p).isdigit()}
        rows = self._rows("SELECT pmid, fields FROM records WHERE pmid IN ({marks})", list(keys))
        return {keys[k]: unpack(blob, self.zdict) for k, blob in rows}

    def deletions(self, pmids: Iterable[str]) -> dict[str, str]:
        """pmid -> the file whose DeleteCitation withdrew it, for withdrawn PMIDs the mirror does not hold."""
        keys = {int(p): p for p in pmids if str(p).isdigit()}
        rows = self._rows("SELECT d.pmid, f.name FROM deleted d JOIN files f ON f.seq = d.file "
                          "WHERE d.pmid IN ({marks})", list(keys))
        return {keys[k]: name for k, name in rows}

    def by_doi(self, dois: Iterable[str]) -> dict[str, str]:
        """lower-case DOI -> PMID."""
        rows = self._rows("SELECT doi, pmid FROM records WHERE doi IN ({marks})", [d.lower() for d in dois])
        return {d: str(p) for d, p in rows}

    def by_pmcid(self, pmcids: Iterable[str]) -> dict[str, str]:
        """upper-case PMCID -> PMID."""
        rows = self._rows("SELECT pmcid, pmid FROM records WHERE pmcid IN ({marks})", [c.upper() for c in pmcids])
        return {c: str(p) for c, p in rows}

    def search(self, match: str, limit: int = 50, weights: Sequence[float] = COLUMN_WEIGHTS,
               only: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(pmid, BM25, higher better) of the best ``limit`` records for an FTS5 MATCH expression."""
        w = ", ".join(f"{float(x):g}" for x in weights)
        where = ""
        if only is not None:
            ids = [int(p) for p in only if str(p).isdigit()]
            if not ids:
                return []
            where = f" AND rowid IN ({','.join(str(i) for i in ids)})"
        try:
            rows = self._con().execute(f"SELECT rowid, bm25(docs, {w}) AS s FROM docs WHERE docs MATCH ?{where} "
                                       "ORDER BY s LIMIT ?", (match, int(limit))).fetchall()
        except sqlite3.OperationalError as exc:
            raise ValueError(f"mirror index cannot run query {match!r}: {exc}") from exc
        return [(str(p), -s) for p, s in rows]

    def status(self) -> MirrorStatus:
        con = self._con()
        lo, hi = con.execute("SELECT min(pmid), max(pmid) FROM records").fetchone()
        deleted = con.execute("SELECT count(*) FROM deleted").fetchone()[0]
        files = applied_files(con)
        # A field some file's records were written without (an older citeaudit) reads as its default there.
        stale = {f for (fields,) in con.execute("SELECT DISTINCT record_fields FROM files")
                 for f in RECORD_FIELDS if f not in json.loads(fields)}
        return MirrorStatus(self.path, os.path.getsize(self.path), _count(con), deleted, lo, hi, files,
                            sorted(stale))


def _count(con: sqlite3.Connection) -> int:
    """Records held, from the files' tallies: count(*) would read every page of a full PubMed."""
    return int(con.execute("SELECT coalesce(sum(added) - sum(deleted), 0) FROM files").fetchone()[0])


def mirror_status(path: str | os.PathLike) -> MirrorStatus:
    with Mirror(path) as m:
        return m.status()


__all__ = ["SCHEMA", "AppliedFile", "Mirror", "MirrorStatus", "mirror_status", "pack", "unpack"]
