"""A local PubMed mirror: NLM's baseline and update files in one SQLite file, searchable.

Loading (``load_files``; ``citeaudit mirror load FILES...``) streams each file
through ``records.stream_file`` (the one PubMed parser; memory stays flat
however large the file) and applies it in **one transaction**: a load killed
half-way leaves the mirror as it was before that file, and the next load
applies it again from its start.  Table ``files`` keeps every file applied
(order, name, size, sha256, what it changed), so a file is applied once: given
again (same bytes, any name) it is skipped.

Files apply in NLM's order, the number in their names (``pubmed25n0001`` ...
``pubmed25n1274`` for the baseline, then the daily update files): within one
load they are sorted, and a file that sorts before the last one applied is
refused, since applying an older revision over a newer one would undo it.  A
record of a later file replaces the earlier one (a revision); a
``DeleteCitation`` removes the record and leaves a tombstone (table
``deleted``), so a deleted PMID is told apart from one the mirror never held.
A new annual baseline goes into a new file: records NLM dropped from it
without a DeleteCitation would otherwise linger.

What is stored per record: the parsed fields (JSON of ``models.Record``, as the
record cache keeps them, zlib-compressed with a dictionary kept in the file),
the DOI and PMCID for identifier look-ups, and the file that last wrote it; not
the XML (it would about double the disk of a full PubMed: ``bench/bench_mirror.py``
measures 1 kB of fields and 1 kB of index per record).  A release that adds a
``Record`` field needs the files loaded again: ``status`` says so.

The search index is SQLite FTS5 with the columns and tokenizer of the
in-memory ``LocalIndex`` (title, abstract, MeSH and keywords, journal, first
author; Porter stems), so the source search's queries and BM25 weights mean
the same on both.  It is contentless (the text lives once, in ``fields``); a
revised or deleted record is taken out of it with FTS5's ``delete`` command
and the values it was indexed with, rebuilt from its stored fields by the same
``index_row``.

At rest the mirror is one file: a load ends with a checkpoint and the rollback
journal instead of WAL, so readers (``Mirror``) can open it read-only
(``mode=ro``), from many threads and processes, also on shared storage where
they may not create files beside it.  Load between runs, not during one.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from audit.errors import BadInputError
from audit.models import Record
from audit.pubmed.cache import record_from_dict, record_json
from audit.pubmed.local_index import COLUMNS, COLUMN_WEIGHTS, TOKENIZE, index_row
from audit.pubmed.nlm_files import Deletion, file_order, file_sha256, stream_file
from audit.storage import Schema, StoreError, open_read_only, open_store, transaction

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
    recover="load the baseline and update files again into a new file (citeaudit mirror load)",
)
BATCH = 1000             # records written per statement batch (one transaction is still the whole file)
SQL_VARS = 500
ZLIB_LEVEL = 6           # level 1 was no faster on these records, and 4 % larger
# A preset dictionary of real records' JSON (the field names, common MeSH, publication types...): a
# record's fields alone are too short for zlib to learn them.  Taken from the first records the mirror
# is given and kept in it (table meta).  8 KB: a quarter smaller than plain zlib on the shared files at
# about plain zlib's time; 32 KB is 5 % smaller again but takes four times as long (zlib hashes the
# dictionary for every record).
ZDICT_BYTES = 8 * 1024
CACHE_KB = 64 * 1024     # page cache of the loading connection: FTS5 merges want it, memory stays bounded
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
class LoadResult:
    applied: list[AppliedFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)     # "name: already applied as ..."


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


def _zdict(con: sqlite3.Connection) -> bytes | None:
    row = con.execute("SELECT value FROM meta WHERE key = 'zdict'").fetchone()
    return bytes(row[0]) if row else None


def _new_zdict(con: sqlite3.Connection, records: Iterable[Record]) -> bytes:
    """The dictionary of a new mirror, from its first records (the last bytes count most: zlib's window)."""
    zdict = b"".join(record_json(r).encode("utf-8") for r in records)[-ZDICT_BYTES:] or b"{}"
    con.execute("INSERT INTO meta (key, value) VALUES ('zdict', ?)", (zdict,))
    return zdict


def _chunks(items: Sequence, n: int = SQL_VARS):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _fts_delete(con: sqlite3.Connection, rows: Iterable[tuple[int, bytes]], zdict: bytes | None) -> None:
    """Take records out of the contentless index: FTS5's 'delete' with the values they were indexed with."""
    con.executemany("INSERT INTO docs (docs, rowid, pmid, title, abstract, mesh, journal, author) "
                    "VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
                    [(pmid, *index_row(unpack(blob, zdict))) for pmid, blob in rows])


class _FileApply:
    """What one file does to the mirror, inside the caller's transaction."""

    def __init__(self, con: sqlite3.Connection, seq: int):
        self.con, self.seq = con, seq
        self.zdict = _zdict(con)
        self.pending: dict[int, Record] = {}
        self.records = self.added = self.revised = self.deleted = 0

    def record(self, rec: Record) -> None:
        self.records += 1
        key = int(rec.pmid)
        if key in self.pending:          # twice in one file: the later one is the revision
            self.revised += 1
        self.pending[key] = rec
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        if self.zdict is None:
            self.zdict = _new_zdict(self.con, list(self.pending.values())[:50])
        keys = list(self.pending)
        old = []
        for chunk in _chunks(keys):
            old += self.con.execute(f"SELECT pmid, fields FROM records WHERE pmid IN ({','.join('?' * len(chunk))})",
                                    chunk).fetchall()
        _fts_delete(self.con, old, self.zdict)
        self.revised += len(old)
        self.added += len(keys) - len(old)
        recs = list(self.pending.items())
        self.con.executemany("INSERT OR REPLACE INTO records (pmid, fields, doi, pmcid, file) VALUES (?, ?, ?, ?, ?)",
                             [(k, pack(r, self.zdict), r.doi.lower() if r.doi else None,
                               r.pmcid.upper() if r.pmcid else None, self.seq) for k, r in recs])
        self.con.executemany("INSERT INTO docs (rowid, pmid, title, abstract, mesh, journal, author) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", [(k, *index_row(r)) for k, r in recs])
        self.con.executemany("DELETE FROM deleted WHERE pmid = ?", [(k,) for k in keys])
        self.pending.clear()

    def delete(self, pmids: Sequence[str]) -> None:
        self.flush()                     # a record before the DeleteCitation is deleted by it
        keys = list(dict.fromkeys(int(p) for p in pmids))
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            old = self.con.execute(f"SELECT pmid, fields FROM records WHERE pmid IN ({marks})", chunk).fetchall()
            _fts_delete(self.con, old, self.zdict)
            self.con.execute(f"DELETE FROM records WHERE pmid IN ({marks})", chunk)
            self.deleted += len(old)
        self.con.executemany("INSERT OR REPLACE INTO deleted (pmid, file) VALUES (?, ?)",
                             [(k, self.seq) for k in keys])


def _apply(con: sqlite3.Connection, path: Path, size: int, sha: str) -> AppliedFile:
    t0 = time.perf_counter()
    with transaction(con):
        seq = (con.execute("SELECT coalesce(max(seq), 0) + 1 FROM files").fetchone()[0])
        con.execute("INSERT INTO files (seq, name, size, sha256, records, added, revised, deleted, applied_at, "
                    "seconds, record_fields) VALUES (?, ?, ?, ?, 0, 0, 0, 0, ?, 0, ?)",
                    (seq, path.name, size, sha, time.time(), json.dumps(RECORD_FIELDS)))
        job = _FileApply(con, seq)
        for item in stream_file(path):
            if isinstance(item, Deletion):
                job.delete(item.pmids)
            else:
                job.record(item)
        job.flush()
        seconds = time.perf_counter() - t0
        con.execute("UPDATE files SET records=?, added=?, revised=?, deleted=?, seconds=? WHERE seq=?",
                    (job.records, job.added, job.revised, job.deleted, seconds, seq))
    return AppliedFile(seq, path.name, size, sha, job.records, job.added, job.revised, job.deleted,
                       time.time(), seconds)


def _applied(con: sqlite3.Connection) -> list[AppliedFile]:
    rows = con.execute("SELECT seq, name, size, sha256, records, added, revised, deleted, applied_at, seconds "
                       "FROM files ORDER BY seq").fetchall()
    return [AppliedFile(*r) for r in rows]


def load_files(mirror_path: str | os.PathLike, files: Sequence[str | os.PathLike],
               progress: Callable[[AppliedFile], None] | None = None) -> LoadResult:
    """Apply baseline/update files to the mirror (created if missing), each once, in NLM's order.

    Every name is checked before any file is applied; a file that fails (a cut
    gzip, malformed XML) stops the load with a ``BadInputError`` naming it, the
    files before it applied and kept.
    """
    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise BadInputError(str(p), "no such file" if not p.exists() else "not a file")
    paths.sort(key=lambda p: (file_order(p), p.name))
    out = LoadResult()
    con = open_store(mirror_path, SCHEMA)
    try:
        con.execute(f"PRAGMA cache_size=-{CACHE_KB}")
        done = _applied(con)
        by_sha = {f.sha256: f for f in done}
        by_name = {f.name: f for f in done}
        for p in paths:
            size, sha = p.stat().st_size, file_sha256(p)
            if sha in by_sha:
                out.skipped.append(f"{p}: already applied (as {by_sha[sha].name}, file {by_sha[sha].seq})")
                continue
            if p.name in by_name:
                raise BadInputError(str(p), f"a file of this name was applied with other content "
                                            f"(sha256 {by_name[p.name].sha256[:12]}...); a file is applied once")
            last = done[-1] if done else None
            if last is not None and file_order(p) <= file_order(last.name):
                raise BadInputError(str(p), f"does not come after {last.name}, applied already; files apply in NLM's "
                                            "order (a new annual baseline goes into a new mirror file)")
            applied = _apply(con, p, size, sha)
            done.append(applied)
            by_sha[sha] = by_name[p.name] = applied
            out.applied.append(applied)
            if progress is not None:
                progress(applied)
    finally:
        _at_rest(con, str(mirror_path))         # also after a refused or broken file: what is applied stays
        con.close()
    return out


def _at_rest(con: sqlite3.Connection, path: str) -> None:
    """One file at rest (checkpointed, rollback journal): readers may open it read-only anywhere."""
    try:
        con.execute("PRAGMA busy_timeout=2000")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.OperationalError as exc:      # a reader holds it open: WAL stays, readers still work
        log.info("%s: left in WAL mode (%s)", path, exc)


class Mirror:
    """A mirror file opened to read: one read-only connection per thread (and per process)."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.path.expanduser(os.fspath(path))
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        con = self._con()           # a missing file, or not a mirror: refused here, with its name
        self.count = _count(con)
        self.zdict = _zdict(con)
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
        for chunk in _chunks(list(keys)):
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
        files = _applied(con)
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


__all__ = ["SCHEMA", "AppliedFile", "LoadResult", "Mirror", "MirrorStatus", "StoreError", "file_order",
           "load_files", "mirror_status"]
