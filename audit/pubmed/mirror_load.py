"""Loading the PubMed mirror (audit/pubmed/mirror.py): NLM's files applied, each once, in order.

``load_files`` (``citeaudit mirror load FILES...``) streams each file through
``nlm_files.stream_file`` (the one PubMed parser; memory stays flat however
large the file) and applies it in **one transaction**: a load killed half-way
leaves the mirror as it was before that file, and the next load applies it
again from its start.  A file already applied (same bytes, any name) is
skipped.

Files apply in NLM's order, the number in their names (``pubmed25n0001`` ...
``pubmed25n1274`` for the baseline, then the daily update files): within one
load they are sorted, and a file that does not sort after the last one applied
is refused, since applying an older revision over a newer one would undo it.
A record of a later file replaces the earlier one (a revision); a
``DeleteCitation`` removes the record and leaves a tombstone.  A new annual
baseline goes into a new file: records NLM dropped from it without a
DeleteCitation would otherwise linger.

The index is contentless, so a revised or deleted record is taken out of it
with FTS5's ``delete`` command and the values it was indexed with, rebuilt
from its stored fields by the same ``index_row``.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from audit.errors import BadInputError
from audit.models import Record
from audit.pubmed.cache import record_json
from audit.pubmed.local_index import index_row
from audit.pubmed.mirror import (RECORD_FIELDS, SCHEMA, AppliedFile, applied_files, chunks, pack, stored_zdict,
                                 unpack)
from audit.pubmed.nlm_files import Deletion, file_order, file_sha256, stream_file
from audit.storage import open_store, transaction

log = logging.getLogger("citeaudit.mirror")

BATCH = 1000             # records written per statement batch (one transaction is still the whole file)


# A preset dictionary of real records' JSON (the field names, common MeSH, publication types...): a
# record's fields alone are too short for zlib to learn them.  Taken from the first records the mirror
# is given and kept in it (table meta).  8 KB: a quarter smaller than plain zlib on the shared files at
# about plain zlib's time; 32 KB is 5 % smaller again but takes four times as long (zlib hashes the
# dictionary for every record).
ZDICT_BYTES = 8 * 1024
CACHE_KB = 16 * 1024     # page cache of the loading connection; peak memory of a load is about this + 25 MB


@dataclass
class LoadResult:
    applied: list[AppliedFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)     # "name: already applied as ..."


def _new_zdict(con: sqlite3.Connection, records: Iterable[Record]) -> bytes:
    """The dictionary of a new mirror, from its first records (the last bytes count most: zlib's window)."""
    zdict = b"".join(record_json(r).encode("utf-8") for r in records)[-ZDICT_BYTES:] or b"{}"
    con.execute("INSERT INTO meta (key, value) VALUES ('zdict', ?)", (zdict,))
    return zdict


def _fts_delete(con: sqlite3.Connection, rows: Iterable[tuple[int, bytes]], zdict: bytes | None) -> None:
    """Take records out of the contentless index: FTS5's 'delete' with the values they were indexed with."""
    con.executemany("INSERT INTO docs (docs, rowid, pmid, title, abstract, mesh, journal, author) "
                    "VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
                    [(pmid, *index_row(unpack(blob, zdict))) for pmid, blob in rows])


class _FileApply:
    """What one file does to the mirror, inside the caller's transaction."""

    def __init__(self, con: sqlite3.Connection, seq: int):
        self.con, self.seq = con, seq
        self.zdict = stored_zdict(con)
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
        for chunk in chunks(keys):
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
        for chunk in chunks(keys):
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
        done = applied_files(con)
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
