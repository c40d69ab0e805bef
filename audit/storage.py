"""The one SQLite layer: how every store of citeaudit opens, migrates and guards its file.

Three stores use it: the record cache (``pubmed/cache.py``), the history
(``history.py``) and the embedding cache (``scoring/semantic.py``).  Every
connection comes from ``connect``, so they share one set of rules:

- WAL journal: readers run beside one writer, across threads and processes;
- a busy timeout: a writer from another process waits instead of failing;
- foreign keys enforced;
- ``synchronous=FULL``: a committed transaction survives power loss, not only a
  killed process (one rule for all stores; their writes are batched, so the
  extra fsync per commit costs little).

Each store declares a ``Schema``: an application id (so a cache is never opened
as a history) and an ordered list of migrations; ``PRAGMA user_version`` holds
how many have run.  Files from before the schema version (user_version 0, made
by the previous release) go through the same migrations as a new file: the
first one is that release's schema with ``IF NOT EXISTS``.

A file SQLite cannot read is handled by what the store is worth: a cache is
disposable, so it is set aside (renamed with a ``.corrupt-<time>`` suffix) and
rebuilt, with a warning naming both paths; a history is not, so opening it is
refused with one error naming the file and how to recover.  A file that is not
SQLite at all (no SQLite header: a typo naming an article, a config, a log) is
no cache that broke: it is refused, left as it is, whatever the store.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar, Union
from urllib.parse import quote

from audit.errors import BadInputError

log = logging.getLogger("citeaudit.storage")

BUSY_TIMEOUT_S = 60.0
# SQLite's primary result codes for "this is not a readable database".
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26

SQLITE_HEADER = b"SQLite format 3\x00"   # the first 16 bytes of every SQLite 3 database

T = TypeVar("T")
Migration = Union[str, Callable[[sqlite3.Connection], None]]


class StoreError(BadInputError):
    """A store file that cannot be used as it is (corrupt, newer, or another kind of store)."""


@dataclass(frozen=True)
class Schema:
    kind: str                          # "record cache", "history", ...: for messages
    application_id: int                # PRAGMA application_id written into the file
    migrations: tuple[Migration, ...]  # migrations[n] takes a file from version n to n + 1
    disposable: bool                   # corrupt: set aside and rebuild (True) or refuse (False)
    recover: str = ""                  # how to recover, for a refused file
    # PRAGMA quick_check on open (about 0.1 s for 40 MB): for a store that cannot be rebuilt,
    # so damage is found before a run works on it, not halfway through.  Caches skip it: a
    # cache found broken while in use is simply rebuilt (SharedConnection.guarded).
    verify: bool = False

    @property
    def version(self) -> int:
        return len(self.migrations)


def connect(path: str | os.PathLike, read_only: bool = False) -> sqlite3.Connection:
    """A connection with the house rules (see the module docstring); autocommit, any thread.

    ``read_only``: opened ``mode=ro``, journal mode left as the file has it (setting
    it is a write), for a store written by one job and read by many (the PubMed
    mirror): a reader cannot change it, and the file may sit on read-only storage.
    """
    if read_only:
        uri = "file:" + quote(os.path.abspath(os.fspath(path))) + "?mode=ro"
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                              check_same_thread=False)
        con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        return con
    con = sqlite3.connect(os.fspath(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                          check_same_thread=False)
    try:
        con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        # journal_mode=WAL is persistent in the file; setting it may itself wait on a
        # lock while another process creates the database.
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        con.close()
        raise
    return con


class transaction:
    """``with transaction(con):`` one IMMEDIATE transaction, committed or rolled back.

    IMMEDIATE takes the write lock up front: two writers never both hold read
    locks and then deadlock upgrading them.
    """

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def __enter__(self) -> sqlite3.Connection:
        self.con.execute("BEGIN IMMEDIATE")
        return self.con

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.con.execute("COMMIT")
            return
        try:
            self.con.execute("ROLLBACK")
        except sqlite3.Error:      # SQLite may have rolled back already; the first error is the one to see
            pass


def is_corrupt(exc: BaseException) -> bool:
    """An error that says the file is not a (readable) database, as opposed to busy or I/O."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)          # Python 3.11+
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def _run_sql(con: sqlite3.Connection, sql: str) -> None:
    # Not executescript: it commits first, and a migration must stay in its transaction.
    # Statements end where SQLite says one is complete (a ';' in a comment does not count).
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            con.execute(buf)
            buf = ""
    if buf.strip():
        con.execute(buf)


def migrate(con: sqlite3.Connection, schema: Schema, path: str) -> int:
    """Bring the file to ``schema.version``; returns the version it had.  One transaction."""
    tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]   # a broken header fails here
    found = con.execute("PRAGMA user_version").fetchone()[0]
    app = con.execute("PRAGMA application_id").fetchone()[0]
    if app not in (0, schema.application_id):
        raise StoreError(path, f"not a citeaudit {schema.kind} (application_id {app:#x}); "
                               "is the path pointing at another file?")
    if found > schema.version:
        raise StoreError(path, f"{schema.kind} written by a newer citeaudit (schema {found}, "
                               f"this one reads up to {schema.version}); upgrade citeaudit")
    if found == schema.version and app == schema.application_id:
        return found
    with transaction(con):
        # Another process may have migrated while this one waited for the lock.
        version = con.execute("PRAGMA user_version").fetchone()[0]
        for step in schema.migrations[version:]:
            if callable(step):
                step(con)
            else:
                _run_sql(con, step)
        con.execute(f"PRAGMA user_version={schema.version}")
        con.execute(f"PRAGMA application_id={schema.application_id}")
    if tables:
        log.info("%s: %s migrated from schema %d%s to %d", path, schema.kind, found,
                 " (the release before schema versions)" if found == 0 else "", schema.version)
    return found


def _inode(path: str) -> int:
    try:
        return os.stat(path).st_ino
    except OSError:
        return -1


def set_aside(path: str) -> str:
    """Rename a broken file (and its WAL companions) out of the way; returns the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    aside = f"{path}.corrupt-{stamp}"
    n = 1
    while os.path.exists(aside):
        n += 1
        aside = f"{path}.corrupt-{stamp}-{n}"
    for suffix in ("", "-wal", "-shm"):
        try:
            os.replace(path + suffix, aside + suffix)
        except FileNotFoundError:      # no companion, or another process moved it first
            pass
    return aside


def check_is_sqlite(path: str, schema: Schema) -> None:
    """Refuse an existing, non-empty file that does not start with the SQLite header.

    Setting such a file aside would rename someone's file because a path had a typo;
    a SQLite file damaged inside keeps its header and is handled as corrupt.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise StoreError(path, f"is a folder, not a {schema.kind} file") from None
    except OSError as exc:
        raise StoreError(path, f"cannot open the {schema.kind}: {exc.strerror or exc}") from None
    if head and head != SQLITE_HEADER:
        raise StoreError(path, f"is not a SQLite file, so it cannot be the {schema.kind}; is the path "
                               "mistyped? (the file was left as it is)")


def open_store(path: str | os.PathLike, schema: Schema) -> sqlite3.Connection:
    """Connect, check and migrate a store file (created if missing).

    A file that is not SQLite at all is refused (``check_is_sqlite``).  A SQLite
    file that cannot be read: a disposable store is set aside and rebuilt with a
    warning; any other is refused with a ``StoreError`` naming it and how to recover.
    """
    spath = os.path.expanduser(os.fspath(path))
    Path(spath).parent.mkdir(parents=True, exist_ok=True)
    if schema.disposable:
        check_is_sqlite(spath, schema)
    inode = _inode(spath)
    con = None
    try:
        con = connect(spath)
        migrate(con, schema, spath)
        if schema.verify:
            problems = [r[0] for r in con.execute("PRAGMA quick_check(3)")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("database disk image is malformed: " + "; ".join(problems))
        return con
    except sqlite3.DatabaseError as exc:
        if con is not None:
            con.close()
        if not is_corrupt(exc):
            raise StoreError(spath, f"cannot open the {schema.kind}: {exc}") from None
        if not schema.disposable:
            raise StoreError(spath, f"the {schema.kind} is corrupt ({exc}); {schema.recover}") from None
        reason = str(exc)
    except BaseException:
        if con is not None:
            con.close()
        raise
    if _inode(spath) == inode:     # else another process has already replaced it
        aside = set_aside(spath)
        log.warning("%s: corrupt %s (%s) set aside as %s; starting an empty one",
                    spath, schema.kind, reason, aside)
    con = connect(spath)
    migrate(con, schema, spath)
    return con


def open_read_only(path: str | os.PathLike, schema: Schema) -> sqlite3.Connection:
    """A read-only connection to an existing store of ``schema``, at its current version.

    Nothing is created or migrated (a reader must not write); a missing file, another
    kind of store, or another schema version is a ``StoreError`` naming the file.
    """
    spath = os.path.expanduser(os.fspath(path))
    if not os.path.isfile(spath):
        raise StoreError(spath, f"no {schema.kind} here{'; ' + schema.recover if schema.recover else ''}")
    check_is_sqlite(spath, schema)
    con = connect(spath, read_only=True)
    try:
        app = con.execute("PRAGMA application_id").fetchone()[0]
        found = con.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        con.close()
        raise StoreError(spath, f"cannot read the {schema.kind}: {exc}") from None
    if app != schema.application_id:
        con.close()
        raise StoreError(spath, f"not a citeaudit {schema.kind} (application_id {app:#x}); "
                                "is the path pointing at another file?")
    if found != schema.version:
        con.close()
        newer = found > schema.version
        raise StoreError(spath, f"{schema.kind} of schema {found}, this citeaudit reads schema {schema.version}; "
                                + ("upgrade citeaudit" if newer else "open it for writing once to upgrade it"))
    return con


class SharedConnection:
    """One connection per process, serialised by a lock, for stores shared by many threads.

    Threads of a fetch pool come and go, and per-thread connections would pile
    up; other processes get their own connection (a forked child reopens), and
    WAL and the busy timeout arbitrate between them.  The first connection of
    the object goes through ``open_store`` (checks, migrations, corruption).
    """

    def __init__(self, path: str | os.PathLike, schema: Schema):
        self.path = os.path.expanduser(os.fspath(path))
        self.schema = schema
        self.lock = threading.RLock()
        self._con: sqlite3.Connection | None = None
        self._pid = -1
        with self.lock:
            self._con, self._pid = open_store(self.path, schema), os.getpid()
            self._ino = _inode(self.path)             # which file this is, to notice it being replaced

    def rebuild(self, exc: BaseException) -> None:
        """The file turned out corrupt while in use: set it aside and start an empty one.

        For disposable stores only.  Another process may have done it already (the
        path then names a new file): this one only reconnects.
        """
        if not self.schema.disposable:
            raise StoreError(self.path, f"the {self.schema.kind} is corrupt ({exc}); {self.schema.recover}")
        with self.lock:
            if self._con is not None:
                try:
                    self._con.close()
                except sqlite3.Error:
                    pass
            self._con = None
            if _inode(self.path) == self._ino:
                aside = set_aside(self.path)
                log.warning("%s: corrupt %s (%s) set aside as %s; starting an empty one",
                            self.path, self.schema.kind, exc, aside)
            self._con, self._pid = open_store(self.path, self.schema), os.getpid()
            self._ino = _inode(self.path)

    def guarded(self, fn: Callable[[], T]) -> T:
        """``fn()``, and once more on a fresh file if the store proves corrupt while in use."""
        try:
            return fn()
        except sqlite3.DatabaseError as exc:
            if not is_corrupt(exc):
                raise
            self.rebuild(exc)
        return fn()

    def get(self) -> sqlite3.Connection:
        """The connection (call with ``lock`` held)."""
        if self._con is None or self._pid != os.getpid():
            self._con, self._pid = connect(self.path), os.getpid()
        return self._con

    def read(self, sql: str, args=()) -> list[tuple]:
        with self.lock:
            return self.get().execute(sql, args).fetchall()

    class _Write:
        def __init__(self, shared: "SharedConnection"):
            self.shared = shared

        def __enter__(self) -> sqlite3.Connection:
            self.shared.lock.acquire()
            try:
                self.txn = transaction(self.shared.get())
                return self.txn.__enter__()
            except BaseException:
                self.shared.lock.release()
                raise

        def __exit__(self, *exc) -> None:
            try:
                self.txn.__exit__(*exc)
            finally:
                self.shared.lock.release()

    def write(self) -> "SharedConnection._Write":
        """``with shared.write() as con:`` one transaction, other threads held off."""
        return SharedConnection._Write(self)

    def close(self) -> None:
        with self.lock:
            if self._con is not None and self._pid == os.getpid():
                try:
                    self._con.close()
                except sqlite3.Error:
                    pass
            self._con = None
