"""SQLite cache of PubMed answers, shared by threads and processes.

Keyed by PMID, each row holds what PubMed said: ``resolved`` with the raw
one-article XML and the parsed fields (JSON of ``models.Record``), or
``not_found``.  ``fetch_failed`` is never stored: a network failure says
nothing about the record.  Rows older than the TTL are ignored (and replaced
on the next fetch), so a nightly run sees retractions added since; opening the
cache purges them, so it does not grow without end.

A second table remembers identifier look-ups (DOI, PMCID, citation text,
title -> PMID or "no match") with the same TTL, so re-auditing an unchanged
article makes no request at all.  A third keeps the answers of ESearch and
ECitMatch (the ``[uid]`` checks and the source search's queries), keyed by
the normalised query, with a time-to-live of its own
(``entrez.search_cache_ttl_days``): a second run over the same cache asks
PubMed nothing it asked before.

The file is opened through ``audit.storage`` (WAL, busy timeout, schema
version with migrations).  The cache is disposable: a corrupt file, found on
opening or while in use, is set aside with a warning naming it and rebuilt
empty.  Within a process the threads share one connection behind a lock.
Every ``put_*`` call is one short transaction, committed before it returns, so
a crash loses nothing already stored.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from audit.models import NOT_FOUND, RESOLVED, MeshHeading, Record, from_dict, is_pmid, to_dict
from audit.pubmed.records import parse_records
from audit.storage import Schema, SharedConnection

SCHEMA = Schema(
    kind="record cache",
    application_id=0x43415243,   # "CARC"
    migrations=(
        # 1: the schema of the release before schema versions (its files open as version 0).
        """
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
        )
        """,
        # 2: purging expired rows on open reads them by age.
        """
        CREATE INDEX IF NOT EXISTS records_age ON records (fetched_at);
        CREATE INDEX IF NOT EXISTS idmap_age ON idmap (fetched_at)
        """,
        # 3: ESearch and ECitMatch answers (audit.pubmed.eutils_terms.search_key), with their own TTL.
        """
        CREATE TABLE IF NOT EXISTS searches (
            key TEXT PRIMARY KEY,            -- endpoint and normalised query
            answer TEXT NOT NULL,            -- JSON: {"Count", "IdList"} | {"pmid"}
            fetched_at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS searches_age ON searches (fetched_at)
        """,
    ),
    disposable=True,
)
SQL_VARS = 500  # stay well under SQLite's host-parameter limit
log = logging.getLogger("citeaudit.cache")


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(Record))
_MESH_FIELDS = tuple(f.name for f in dataclasses.fields(MeshHeading))
_RECORD_FIELDS_SET = frozenset(_RECORD_FIELDS)


def _reparsed(pmid: str, xml: bytes) -> Record | None:
    for rec in parse_records(xml):
        if rec.pmid == pmid:
            return rec
    return None


def record_json(r: Record) -> str:
    """JSON of ``models.to_dict(r)``, built directly: the generic walk was a third of a fetch's time."""
    d = {n: getattr(r, n) for n in _RECORD_FIELDS}
    d["mesh"] = [{n: getattr(m, n) for n in _MESH_FIELDS} for m in r.mesh]
    # Other lists of dataclasses (the notices of audit/notices.py) take the generic walk: they are short.
    for n, v in d.items():
        if n != "mesh" and isinstance(v, list) and v and dataclasses.is_dataclass(v[0]):
            d[n] = to_dict(v)
    return json.dumps(d, ensure_ascii=False)


def _flat_item_class(typ) -> type | None:
    """The dataclass of a ``list[SomeDataclass]`` field whose own fields hold no dataclass, else None."""
    args = typing.get_args(typ)
    if typing.get_origin(typ) is not list or len(args) != 1 or not dataclasses.is_dataclass(args[0]):
        return None
    inner = typing.get_type_hints(args[0]).values()
    return None if any(dataclasses.is_dataclass(a) for t in inner for a in (t, *typing.get_args(t))) else args[0]


# Record fields that are lists of flat dataclasses (mesh, notices): built directly, the rest taken as
# JSON gives them, which is what models.from_dict does with them, at a fifth of its time.
_NESTED = {n: (c, frozenset(f.name for f in dataclasses.fields(c)))
           for n, t in typing.get_type_hints(Record).items() if (c := _flat_item_class(t)) is not None}
_GENERIC = {n for n, t in typing.get_type_hints(Record).items()
            if n not in _NESTED and any(dataclasses.is_dataclass(a) for a in (t, *typing.get_args(t)))}


def record_from_dict(d: dict) -> Record:
    """Rebuild a Record from ``models.to_dict(record)`` (the same object ``models.from_dict`` builds)."""
    if _GENERIC:        # a field this fast path does not know how to build
        return from_dict(Record, d)
    kw = {k: v for k, v in d.items() if k in _RECORD_FIELDS_SET}
    for name, (cls, names) in _NESTED.items():
        items = kw.get(name)
        if items:
            kw[name] = [cls(**{k: v for k, v in x.items() if k in names}) for x in items]
    return Record(**kw)


@dataclass
class CachedEntry:
    pmid: str
    status: str                  # resolved | not_found
    record: Record | None
    xml: bytes | None
    fetched_at: float


def _entry(row: tuple) -> CachedEntry | None:
    """One records row as an entry, or None when it does not read as what ``put_many`` writes.

    One garbled row (a hand edit, a bit flip inside a sound page) must cost that record a
    re-fetch, not every reference of the run its lookup.
    """
    pmid, status, xml, fields, fetched_at = row
    if not is_pmid(pmid) or not isinstance(fetched_at, (int, float)):
        return None
    if status == NOT_FOUND:
        return CachedEntry(pmid, status, None, None, float(fetched_at))
    if status != RESOLVED or not fields:
        return None
    try:
        d = json.loads(fields)
        if xml and isinstance(d, dict) and not _RECORD_FIELDS_SET <= d.keys():
            # Written by an older release, before a field existed: the stored XML is the record,
            # so read it again rather than hand back the new field empty (authors, notices...).
            rec = _reparsed(pmid, xml)
        else:
            rec = record_from_dict(d)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(rec, Record) or rec.pmid != pmid or (xml is not None and not isinstance(xml, bytes)):
        return None
    return CachedEntry(pmid, status, rec, xml, float(fetched_at))


def _chunks(items: Sequence, n: int = SQL_VARS):
    for i in range(0, len(items), n):
        yield items[i:i + n]


class RecordCache:
    def __init__(self, path: str | os.PathLike, ttl_days: float = 7.0, purge: bool = True,
                 search_ttl_days: float = 7.0):
        self.path = str(path)
        self.ttl_seconds = float(ttl_days) * 86400.0
        self.search_ttl_seconds = float(search_ttl_days) * 86400.0
        self._lock = threading.Lock()
        self._stats = {"hits": 0, "not_found_hits": 0, "misses": 0, "expired": 0,
                       "written": 0, "id_hits": 0, "id_misses": 0, "purged": 0, "garbled": 0,
                       "search_hits": 0, "search_misses": 0}
        self._db = SharedConnection(Path(self.path).expanduser(), SCHEMA)
        # A TTL of 0 (a refresh) ignores rows without condemning them for other readers.
        if purge and self.ttl_seconds > 0:
            self._stats["purged"] = self.purge_expired()

    def _write(self, fn):
        """``fn(con)`` in one transaction; on a file found corrupt, once more on a fresh one."""
        def run():
            with self._db.write() as con:
                return fn(con)
        return self._db.guarded(run)

    def _read(self, sql: str, args: Sequence = ()) -> list[tuple]:
        return self._db.guarded(lambda: self._db.read(sql, args))

    def close(self) -> None:
        self._db.close()

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
        expired = garbled = 0
        xml_col = "xml" if with_xml else "NULL"
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = self._read(f"SELECT pmid, status, {xml_col}, fields, fetched_at FROM records "
                              f"WHERE pmid IN ({marks})", chunk)
            for row in rows:
                entry = _entry(row)
                if entry is None:          # garbled: that record is fetched again, and its row replaced
                    garbled += 1
                    continue
                if entry.fetched_at <= fresh_after:
                    expired += 1
                    continue
                out[entry.pmid] = entry
        if garbled:
            log.warning("%s: %d record cache row(s) could not be read; those records are fetched again",
                        self.path, garbled)
        found = sum(1 for e in out.values() if e.status == RESOLVED)
        self._count("hits", found)
        self._count("not_found_hits", len(out) - found)
        self._count("misses", len(wanted) - len(out))
        self._count("expired", expired)
        self._count("garbled", garbled)
        return out

    def put_many(self, records: Iterable[tuple[Record, bytes | None]] = (),
                 not_found: Iterable[str] = (), now: float | None = None) -> int:
        """Store resolved records (with their XML) and not_found PMIDs in one commit."""
        ts = time.time() if now is None else now
        rows = [(r.pmid, RESOLVED, xml, record_json(r), ts) for r, xml in records]
        rows += [(str(p), NOT_FOUND, None, None, ts) for p in not_found]
        if not rows:
            return 0
        self._write(lambda con: con.executemany(
            "INSERT OR REPLACE INTO records (pmid, status, xml, fields, fetched_at) VALUES (?, ?, ?, ?, ?)", rows))
        self._count("written", len(rows))
        return len(rows)

    def get(self, pmid: str, now: float | None = None, with_xml: bool = False) -> CachedEntry | None:
        return self.get_many([pmid], now, with_xml).get(str(pmid))

    def get_xml(self, pmid: str, now: float | None = None) -> bytes | None:
        e = self.get(pmid, now, with_xml=True)
        return e.xml if e else None

    def resolved_records(self) -> list[Record]:
        """Every resolved record kept, fresh or not (a stale record still names its paper): the local index."""
        return self.resolved_since(0)[0]

    def resolved_since(self, after: int) -> tuple[list[Record], int]:
        """The resolved records written after row ``after`` (0: all), in the order they were written, and
        the last row now: a run's search index takes in what was cached since it last looked.  A row
        written again (INSERT OR REPLACE) gets a new, higher rowid, so a revised record comes back too."""
        rows = self._read("SELECT rowid, fields FROM records WHERE rowid > ? AND status = 'resolved' "
                          "AND fields IS NOT NULL ORDER BY rowid", (int(after),))
        last = self._read("SELECT COALESCE(MAX(rowid), 0) FROM records")[0][0]
        return [record_from_dict(json.loads(f)) for _, f in rows], max(int(after), int(last or 0))

    def any_resolved_pmid(self, now: float | None = None) -> str | None:
        """A PMID PubMed answered with a record lately: what an empty efetch answer is checked against."""
        rows = self._read("SELECT pmid FROM records WHERE status=? AND fetched_at > ? "
                          "ORDER BY fetched_at DESC LIMIT 20", (RESOLVED, self._fresh_after(now)))
        return next((p for (p,) in rows if is_pmid(p)), None)

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
                # A row that is not "a PMID or no match" is a miss (asked again), never an answer.
                if not isinstance(fetched_at, (int, float)) or not (pmid is None or is_pmid(pmid)):
                    self._count("garbled")
                    continue
                if fetched_at > fresh_after:
                    out[key] = pmid
        self._count("id_hits", len(out))
        self._count("id_misses", len(wanted) - len(out))
        return out

    def put_ids(self, mapping: dict[str, str | None], now: float | None = None) -> None:
        ts = time.time() if now is None else now
        if not mapping:
            return
        rows = [(k, v, ts) for k, v in mapping.items()]
        self._write(lambda con: con.executemany(
            "INSERT OR REPLACE INTO idmap (key, pmid, fetched_at) VALUES (?, ?, ?)", rows))

    # -- ESearch / ECitMatch answers ------------------------------------------
    def get_search(self, key: str, now: float | None = None) -> dict | None:
        """The stored answer to this query, while younger than the search TTL."""
        fresh_after = (time.time() if now is None else now) - self.search_ttl_seconds
        rows = self._read("SELECT answer, fetched_at FROM searches WHERE key = ?", (key,))
        if rows and rows[0][1] > fresh_after:
            self._count("search_hits")
            return json.loads(rows[0][0])
        self._count("search_misses")
        return None

    def put_search(self, key: str, answer: dict, now: float | None = None) -> None:
        ts = time.time() if now is None else now
        row = (key, json.dumps(answer, ensure_ascii=False), ts)
        self._write(lambda con: con.execute(
            "INSERT OR REPLACE INTO searches (key, answer, fetched_at) VALUES (?, ?, ?)", row))

    # -- upkeep ----------------------------------------------------------------
    def purge_expired(self, now: float | None = None) -> int:
        """Delete rows older than their TTL; returns how many."""
        fresh_after = self._fresh_after(now)
        search_after = (time.time() if now is None else now) - self.search_ttl_seconds

        def purge(con) -> int:
            n = sum(con.execute(f"DELETE FROM {t} WHERE fetched_at <= ?", (fresh_after,)).rowcount
                    for t in ("records", "idmap"))
            return n + con.execute("DELETE FROM searches WHERE fetched_at <= ?", (search_after,)).rowcount
        return self._write(purge)

    def counts(self) -> dict[str, int]:
        out = {s: n for s, n in self._read("SELECT status, COUNT(*) FROM records GROUP BY status")}
        out["ids"] = self._read("SELECT COUNT(*) FROM idmap")[0][0]
        return out

    def search_count(self) -> int:
        """How many ESearch/ECitMatch answers are kept."""
        return self._read("SELECT COUNT(*) FROM searches")[0][0]

    def __len__(self) -> int:
        return self._read("SELECT COUNT(*) FROM records")[0][0]

    def stats(self) -> dict:
        with self._lock:
            out = dict(self._stats)
        out.update(path=self.path, ttl_days=self.ttl_seconds / 86400.0)
        return out
