"""The audit history: every run, every finding, and what changed between runs.

One SQLite file (``cfg.output.history_db``).  A finding is known across runs
by its identity (``Finding.identity``: article id, normalised claim text,
reference, kind), so renumbering claims does not make old findings look new.

Writes are short transactions: an article's findings, its completion mark and
its reusable state are committed together, so a run killed at any point
leaves the store consistent and the next run resumes where it stopped (a
nightly run that is not ``completed`` is picked up again by the next one).

The content key of an article (its bytes, the records it uses, the scoring
settings and the code) decides whether it has to be scored again: same key,
same findings.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sqlite3
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from audit.changes import claim_excerpt, diff_rows, finding_identities, is_baseline  # noqa: F401  (diff_rows: re-exported)
from audit.models import ArticleAudit, Article, Record, from_dict, to_dict
from audit.storage import Schema, connect, open_store, transaction

log = logging.getLogger("citeaudit.history")

# The schema of the release before schema versions (its files open as version 0).
_V1 = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                 -- nightly | recheck
    status TEXT NOT NULL,               -- running | completed
    started_at REAL NOT NULL,
    finished_at REAL,
    previous_run_id TEXT,               -- the run this one is compared with
    attempts INTEGER NOT NULL DEFAULT 1, -- invocations that worked on it (resumes + 1)
    summary TEXT                        -- JSON, when completed
);
CREATE TABLE IF NOT EXISTS run_articles (
    run_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content_key TEXT NOT NULL,
    scored INTEGER NOT NULL,            -- 1: scored in this run; 0: findings reused
    error TEXT,
    findings INTEGER NOT NULL,
    completed_at REAL NOT NULL,
    PRIMARY KEY (run_id, article_id)
);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    identity TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    claim_id TEXT,
    claim_text TEXT,
    reference_id TEXT,
    pmid TEXT,
    status TEXT NOT NULL,               -- new | persisting (against the run's previous run)
    PRIMARY KEY (run_id, identity)
);
CREATE INDEX IF NOT EXISTS findings_article ON findings (article_id, run_id);
CREATE TABLE IF NOT EXISTS article_state (
    article_id TEXT PRIMARY KEY,
    content_key TEXT NOT NULL,
    report_key TEXT NOT NULL DEFAULT '',
    findings TEXT NOT NULL,             -- JSON finding rows of the last audit
    audit BLOB,                         -- compressed Python-serialized audit (dropped by version 2)
    run_id TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS parsed_articles (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,               -- of the file's bytes when it was read
    parse_key TEXT NOT NULL,            -- the code that read it (parse_key())
    article BLOB NOT NULL               -- compressed Python-serialized Article (dropped by version 2)
)
"""


def _v2_json_and_keys(con: sqlite3.Connection) -> None:
    """JSON instead of Python-serialized objects; runs own their rows (foreign keys).

    The Python-serialized audits and parsed articles of older files are dropped
    unread: loading one runs whatever code a tampered row holds.  Both are caches (an article with no
    stored audit is scored again, a file with no parsed copy is read again); the
    runs, their findings and each article's last finding rows are kept.
    """
    con.execute("""CREATE TABLE article_state_v2 (
        article_id TEXT PRIMARY KEY,
        content_key TEXT NOT NULL,
        report_key TEXT NOT NULL DEFAULT '',
        findings TEXT NOT NULL CHECK (json_valid(findings)),   -- JSON finding rows of the last audit
        audit TEXT CHECK (audit IS NULL OR json_valid(audit)), -- JSON ArticleAudit without records
        run_id TEXT NOT NULL,
        updated_at REAL NOT NULL)""")
    con.execute("INSERT INTO article_state_v2 SELECT article_id, content_key, report_key, findings, NULL, "
                "run_id, updated_at FROM article_state")
    con.execute("DROP TABLE article_state")
    con.execute("ALTER TABLE article_state_v2 RENAME TO article_state")
    con.execute("DROP TABLE parsed_articles")
    con.execute("""CREATE TABLE parsed_articles (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,               -- of the file's bytes when it was read
        parse_key TEXT NOT NULL,            -- the code that read it (parse_key())
        article TEXT NOT NULL CHECK (json_valid(article)))   -- JSON Article as read, before resolution""")
    con.execute("""CREATE TABLE run_articles_v2 (
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        article_id TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        content_key TEXT NOT NULL,
        scored INTEGER NOT NULL,            -- 1: scored in this run; 0: findings reused
        error TEXT,
        findings INTEGER NOT NULL,
        completed_at REAL NOT NULL,
        PRIMARY KEY (run_id, article_id))""")
    con.execute("INSERT INTO run_articles_v2 SELECT * FROM run_articles WHERE run_id IN (SELECT run_id FROM runs)")
    con.execute("DROP TABLE run_articles")
    con.execute("ALTER TABLE run_articles_v2 RENAME TO run_articles")
    con.execute("""CREATE TABLE findings_v2 (
        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        article_id TEXT NOT NULL,
        identity TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        claim_id TEXT,
        claim_text TEXT,
        reference_id TEXT,
        pmid TEXT,
        status TEXT NOT NULL,               -- new | persisting (against the run's previous run)
        PRIMARY KEY (run_id, identity))""")
    con.execute("INSERT INTO findings_v2 SELECT * FROM findings WHERE run_id IN (SELECT run_id FROM runs)")
    con.execute("DROP TABLE findings")
    con.execute("ALTER TABLE findings_v2 RENAME TO findings")
    con.execute("CREATE INDEX findings_article ON findings (article_id, run_id)")


# 3: what each article of a run could not check (its faults, by concern), and the hash of the
# report.json the run wrote for it, so a report edited or cut on disk is found and rewritten.
_V3 = """
ALTER TABLE run_articles ADD COLUMN faults TEXT;
ALTER TABLE article_state ADD COLUMN report_sha TEXT
"""

# Version 4: reviewers' decisions on findings (``citeaudit review``).  A decision is kept by the
# finding's identity (article, claim text, reference, kind) and the key of the cited record when it
# was taken: it holds while both are unchanged, so an edited claim or a changed record reopens it.
_V4_DECISIONS = """
CREATE TABLE decisions (
    article_id TEXT NOT NULL,
    identity TEXT NOT NULL,             -- Finding identity (audit/changes.py)
    record_key TEXT NOT NULL,           -- audit/review/decisions.record_key of the cited record ('' none)
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    note TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    claim_text TEXT NOT NULL DEFAULT '',
    pmid TEXT,
    decided_at REAL NOT NULL,
    PRIMARY KEY (article_id, identity)
);
CREATE INDEX decisions_kind ON decisions (kind)
"""
DECISION_FIELDS = ("article_id", "identity", "record_key", "decision", "note", "kind", "severity", "message",
                   "claim_text", "pmid", "decided_at")

SCHEMA = Schema(
    kind="history",
    application_id=0x43414849,   # "CAHI"
    migrations=(_V1, _v2_json_and_keys, _V3, _V4_DECISIONS),
    disposable=False,
    verify=True,
    recover=("restore it from a backup, or move it away (e.g. add .bad to its name) to start a new "
             "history, in which the next run reports every finding as new"),
)
FINDING_FIELDS = ("article_id", "identity", "kind", "severity", "message", "claim_id",
                  "claim_text", "reference_id", "pmid")


# ---------------------------------------------------------------------------
# Content keys


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def record_hash(record: Record) -> str:
    """Changes when anything the audit reads from the record changes (a retraction, an erratum)."""
    return digest(json.dumps(to_dict(record), sort_keys=True, ensure_ascii=False))


def config_hash(obj) -> str:
    d = asdict(obj) if hasattr(obj, "__dataclass_fields__") else obj
    return digest(json.dumps(d, sort_keys=True, default=str))


# Modules that cannot change a finding: the CLI, the test server, the evaluation, locking,
# threading, run summaries and the stores themselves.  Every other module of the library counts (a hand-kept list of the
# ones that do would miss the next import, as it once missed fetch.py and semantic.py).
_NOT_CODE = {"cli.py", "history.py", "storage.py", "progress.py", "locks.py", "executor.py", "run_summary.py",
             "devtools", "evaluation"}


def _tree_hash(folder: Path, skip: set[str] = frozenset(), pattern: str = "*.py") -> list[str]:
    return [f"{p.relative_to(folder)}:{hashlib.sha256(p.read_bytes()).hexdigest()}"
            for p in sorted(folder.glob(pattern))
            if p.is_file() and "__pycache__" not in p.parts
            and not skip.intersection(p.relative_to(folder).parts)]


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the modules whose logic decides findings, and of the vocabularies and weights they
    ship (audit/scoring/data, e.g. MeSH; audit/scoring/stance_weights.json): a code, vocabulary or
    weights change re-scores everything."""
    here = Path(__file__).resolve().parent
    return digest(*_tree_hash(here, _NOT_CODE, pattern="**/*.py"),
                  *_tree_hash(here, _NOT_CODE, pattern="**/*.json"),
                  *_tree_hash(here / "scoring" / "data", pattern="*"))


@functools.lru_cache(maxsize=1)
def report_code_version() -> str:
    """Hash of the report writers, templates and assets: new report code rewrites every report."""
    reports = Path(__file__).resolve().parent.parent / "reports"
    return digest(*_tree_hash(reports, pattern="**/*"))


def parse_key() -> str:
    """What reading a file depends on besides its bytes: the code (and Python, for its parsers)."""
    return digest("parse", code_version(), sys.version)


def content_key(article: Article, records: dict[str, Record], scoring_hash: str, code: str,
                memo: dict[str, str] | None = None) -> str:
    """article bytes + how each reference resolved (and its record) + scoring config + code.

    ``memo`` (pmid -> record hash) lets a run hash each shared record once.
    """
    memo = {} if memo is None else memo
    refs = []
    for r in article.references:
        rec = records.get(r.pmid) if r.pmid else None
        h = ""
        if rec is not None:
            h = memo.get(rec.pmid) or memo.setdefault(rec.pmid, record_hash(rec))
        refs.append("|".join([r.id, r.pmid or "", r.status, r.reason, h]))
    return digest("article", article.id, article.sha256, *refs, "scoring", scoring_hash, "code", code)


def search_key(sources_cfg, offline_records: Sequence[str] | None = None, mirror: bool = False) -> str:
    """What decides an article's source search besides the article and its records (audit.sources).

    The search settings, and for an offline run the record set it searches (every record file's
    bytes): a record added to the offline set can become a candidate, so the stored search is stale.
    An online run searches PubMed, whose answers no key can pin; its stored search is kept until the
    article, its records, the settings or the code change.  A run over the PubMed mirror is keyed
    like an online one, plus the word "mirror" (switching to or from it searches again): keying
    its state would score every article again after each daily update file.
    """
    if not sources_cfg.enabled:
        return "sources off"
    files = []
    for p in offline_records or []:
        root = Path(p)
        found = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else [root]
        files += [f"{f}:{hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else ''}" for f in found]
    return digest("sources", config_hash(sources_cfg), *files, *(["mirror"] if mirror else []))


def error_key(audit: ArticleAudit) -> str:
    """The content key of an article that could not be read: its file and the error."""
    return digest("error", audit.article.id, audit.article.sha256, audit.error or "")


# ---------------------------------------------------------------------------
# Finding identities and differences (pure)


def finding_rows(audit: ArticleAudit) -> list[dict]:
    """The findings of one audit as rows with their stable ``identity`` (see audit.changes)."""
    art = audit.article
    claim_text = {c.id: claim_excerpt(c.text) for c in art.claims}
    rows = []
    for f, ident in zip(audit.findings, finding_identities(audit)):
        rows.append({"article_id": art.id, "identity": ident, "kind": f.kind, "severity": f.severity,
                     "message": f.message, "claim_id": f.claim_id,
                     "claim_text": claim_text.get(f.claim_id, "") if f.claim_id else "",
                     "reference_id": f.reference_id, "pmid": f.pmid})
    rows.sort(key=lambda r: r["identity"])
    return rows


def report_key(content: str, diff: dict[str, list[dict]] | None) -> str:
    """What the article's report shows: its content and its new/resolved marks.

    Same key, the report on disk is already right.  Findings that merely
    persist carry no mark worth a rewrite, so an unchanged article's report is
    written once and left alone until its findings or its marks change.
    """
    new = sorted(r["identity"] for r in (diff or {}).get("new", [])) if diff else []
    gone = sorted(r["identity"] for r in (diff or {}).get("resolved", [])) if diff else []
    return digest(content, report_code_version(), "new", *new, "resolved", *gone)


def pack_audit(audit: ArticleAudit) -> str:
    """The audit as JSON, without its records (those come back from the cache next time)."""
    slim = ArticleAudit(article=audit.article, pairs=audit.pairs, findings=audit.findings,
                        records={}, drifts=audit.drifts, error=audit.error,
                        sources=getattr(audit, "sources", []))
    return json.dumps(to_dict(slim), ensure_ascii=False, separators=(",", ":"))


_ROW_TEXT = ("identity", "kind", "severity", "message")


def finding_rows_of(text) -> list[dict] | None:
    """Stored finding rows (JSON), or None when they are not what ``finding_rows`` writes."""
    try:
        rows = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(rows, list):
        return None
    for r in rows:
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in _ROW_TEXT):
            return None
    return rows


def unpack_audit(blob: str | bytes, records: dict[str, Record] | None = None) -> ArticleAudit:
    audit = from_dict(ArticleAudit, json.loads(blob))
    audit.records = dict(records or {})
    return audit


def _summary_of(text) -> dict | None:
    """A run's stored summary; one that does not read as a mapping counts as degraded (no baseline)."""
    if not text:
        return None
    try:
        summary = json.loads(text)
    except (TypeError, ValueError):
        summary = None
    if not isinstance(summary, dict):
        log.warning("a run summary in the history does not read as one; that run is not compared with")
        return {"degraded": True, "unreadable_summary": True}
    return summary


# ---------------------------------------------------------------------------
# The store


@dataclass
class RunInfo:
    run_id: str
    kind: str
    started_at: float
    previous_run_id: str | None
    resumed: bool = False
    attempts: int = 1


@dataclass
class ArticleState:
    article_id: str
    content_key: str
    report_key: str
    findings: list[dict]
    run_id: str
    has_audit: bool = True
    report_sha: str = ""                  # sha256 of the report.json written for it ("" unknown)


@dataclass
class ArticleResult:
    """What one article's audit in a run leaves in the history."""

    article_id: str
    path: str
    sha256: str
    content_key: str
    scored: bool
    rows: list[dict]                      # finding rows with identity
    statuses: dict[str, str]              # identity -> new | persisting
    error: str | None = None
    report_key: str = ""
    audit_blob: str | None = None         # set when scored: the reusable audit (pack_audit JSON)
    extra: dict = field(default_factory=dict)
    faults: dict = field(default_factory=dict)   # what it could not check, by concern (audit.changes)
    report_sha: str = ""                  # sha256 of its report.json as this run left it


class History:
    """The SQLite history store.  One instance per process; safe across threads."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.path.expanduser(str(path))
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # The first connection checks and migrates the file (a corrupt one is refused).
        self._keep(open_store(self.path, SCHEMA))

    def _keep(self, con: sqlite3.Connection) -> sqlite3.Connection:
        self._local.con = con
        with self._lock:
            self._conns.append(con)
        return con

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection: concurrent readers each have their own."""
        con = getattr(self._local, "con", None)
        return con if con is not None else self._keep(connect(self.path))

    def _txn(self) -> transaction:
        return transaction(self._conn())

    def close(self) -> None:
        with self._lock:
            for con in self._conns:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
            self._conns.clear()
        self._local = threading.local()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------------
    def begin_run(self, kind: str = "nightly", resume: bool = True, now: float | None = None) -> RunInfo:
        """Resume the unfinished run of this kind, or start one compared with the last completed."""
        now = time.time() if now is None else now
        with self._txn() as con:
            if resume:
                row = con.execute("SELECT run_id, started_at, previous_run_id, attempts FROM runs "
                                  "WHERE kind=? AND status='running' ORDER BY started_at DESC LIMIT 1",
                                  (kind,)).fetchone()
                if row:
                    con.execute("UPDATE runs SET attempts=attempts+1 WHERE run_id=?", (row[0],))
                    return RunInfo(row[0], kind, row[1], row[2], resumed=True, attempts=row[3] + 1)
            # The newest completed run that may be a baseline (a degraded one may not).
            prev = next(((rid,) for rid, summary in con.execute(
                "SELECT run_id, summary FROM runs WHERE kind=? AND status='completed' ORDER BY started_at DESC",
                (kind,)) if is_baseline(_summary_of(summary))), None)
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
            run_id = f"{kind}-{stamp}-{uuid.uuid4().hex[:6]}"
            con.execute("INSERT INTO runs (run_id, kind, status, started_at, previous_run_id) "
                        "VALUES (?, ?, 'running', ?, ?)", (run_id, kind, now, prev[0] if prev else None))
        return RunInfo(run_id, kind, now, prev[0] if prev else None)

    def run(self, run_id: str) -> dict | None:
        row = self._conn().execute("SELECT run_id, kind, status, started_at, finished_at, previous_run_id, "
                                   "attempts, summary FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if not row:
            return None
        keys = ("run_id", "kind", "status", "started_at", "finished_at", "previous_run_id", "attempts", "summary")
        d = dict(zip(keys, row))
        d["summary"] = _summary_of(d["summary"])
        return d

    def runs(self, kind: str | None = None) -> list[dict]:
        q = "SELECT run_id FROM runs" + (" WHERE kind=?" if kind else "") + " ORDER BY started_at"
        return [self.run(r[0]) for r in self._conn().execute(q, (kind,) if kind else ())]

    def last_run(self, kind: str = "nightly", status: str = "completed") -> dict | None:
        row = self._conn().execute("SELECT run_id FROM runs WHERE kind=? AND status=? "
                                   "ORDER BY started_at DESC LIMIT 1", (kind, status)).fetchone()
        return self.run(row[0]) if row else None

    # -- articles within a run --------------------------------------------------------
    def completed_articles(self, run_id: str) -> dict[str, dict]:
        """article id -> its completion row, for the articles this run has finished."""
        cur = self._conn().execute("SELECT article_id, path, sha256, content_key, scored, error, findings "
                                   "FROM run_articles WHERE run_id=?", (run_id,))
        keys = ("article_id", "path", "sha256", "content_key", "scored", "error", "findings")
        return {r[0]: dict(zip(keys, r)) for r in cur}

    def run_findings(self, run_id: str, article_ids: Iterable[str] | None = None) -> list[dict]:
        cols = ", ".join(FINDING_FIELDS) + ", status"
        con = self._conn()
        if article_ids is None:
            cur = con.execute(f"SELECT {cols} FROM findings WHERE run_id=? ORDER BY article_id, identity",
                              (run_id,))
            return [dict(zip(FINDING_FIELDS + ("status",), r)) for r in cur]
        ids = list(article_ids)
        out = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            cur = con.execute(f"SELECT {cols} FROM findings WHERE run_id=? AND article_id IN ({marks}) "
                              "ORDER BY article_id, identity", [run_id, *chunk])
            out += [dict(zip(FINDING_FIELDS + ("status",), r)) for r in cur]
        return out

    def findings_by_article(self, run_id: str | None, article_ids: Iterable[str] | None = None) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        if not run_id:
            return out
        for r in self.run_findings(run_id, article_ids):
            out.setdefault(r["article_id"], []).append(r)
        return out

    def article_states(self, article_ids: Iterable[str]) -> dict[str, ArticleState]:
        ids = list(article_ids)
        out = {}
        con = self._conn()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for aid, ck, rk, rows, run_id, has, rsha in con.execute(
                    f"SELECT article_id, content_key, report_key, findings, run_id, audit IS NOT NULL, report_sha "
                    f"FROM article_state WHERE article_id IN ({marks})", chunk):
                found = finding_rows_of(rows)
                if found is None or not isinstance(ck, str) or not isinstance(rk, str):
                    # One row of the wrong shape is that article's problem: with no state it is
                    # scored again (and its row rewritten), the run goes on.
                    log.warning("%s: the stored state of article %s does not read as finding rows; "
                                "it is scored again", self.path, aid)
                    continue
                out[aid] = ArticleState(aid, ck, rk, found, run_id, bool(has), rsha if isinstance(rsha, str) else "")
        return out

    def article_path(self, article_id: str) -> str | None:
        """Where the article was read from the last time any run audited it."""
        row = self._conn().execute("SELECT path FROM run_articles WHERE article_id=? "
                                   "ORDER BY completed_at DESC LIMIT 1", (article_id,)).fetchone()
        return row[0] if row else None

    def article_audit_blob(self, article_id: str) -> str | None:
        row = self._conn().execute("SELECT audit FROM article_state WHERE article_id=?", (article_id,)).fetchone()
        return row[0] if row else None

    # -- articles as read, so an unchanged file is not parsed again ---------------------
    def parsed_articles(self, hashes: dict[str, str], key: str) -> dict[str, Article]:
        """path -> the Article read from it, for files whose bytes hash and parse key still match.

        Each is a fresh copy (built from JSON), so callers may change it freely.
        """
        out: dict[str, Article] = {}
        paths = list(hashes)
        con = self._conn()
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for path, sha, pk, blob in con.execute(
                    f"SELECT path, sha256, parse_key, article FROM parsed_articles WHERE path IN ({marks})", chunk):
                if sha == hashes[path] and pk == key:
                    try:
                        out[path] = from_dict(Article, json.loads(blob))
                    except (ValueError, TypeError, KeyError):   # unreadable row: the file is simply read again
                        continue
        return out

    def store_parsed(self, articles: Iterable[tuple[str, Article]], key: str, keep: Iterable[str] | None = None) -> None:
        """Remember how (path, article) pairs were read; ``keep``: drop rows of every other path."""
        rows = [(path, art.sha256, key, json.dumps(to_dict(art), ensure_ascii=False, separators=(",", ":")))
                for path, art in articles]
        with self._txn() as con:
            con.executemany("INSERT OR REPLACE INTO parsed_articles (path, sha256, parse_key, article) "
                            "VALUES (?,?,?,?)", rows)
            if keep is not None:
                keep = set(keep)
                gone = [(p,) for (p,) in con.execute("SELECT path FROM parsed_articles") if p not in keep]
                con.executemany("DELETE FROM parsed_articles WHERE path=?", gone)

    def record_articles(self, run_id: str, results: Sequence[ArticleResult], now: float | None = None) -> None:
        """Commit the results of some articles of a run: all of them or none."""
        now = time.time() if now is None else now
        if not results:
            return
        with self._txn() as con:
            for res in results:
                con.execute("DELETE FROM findings WHERE run_id=? AND article_id=?", (run_id, res.article_id))
                con.executemany(
                    "INSERT INTO findings (run_id, article_id, identity, kind, severity, message, claim_id, "
                    "claim_text, reference_id, pmid, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [(run_id, res.article_id, r["identity"], r["kind"], r["severity"], r["message"],
                      r.get("claim_id"), r.get("claim_text"), r.get("reference_id"), r.get("pmid"),
                      res.statuses.get(r["identity"], "new")) for r in res.rows])
                con.execute("INSERT OR REPLACE INTO run_articles (run_id, article_id, path, sha256, content_key, "
                            "scored, error, findings, completed_at, faults) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (run_id, res.article_id, res.path, res.sha256, res.content_key, int(res.scored),
                             res.error, len(res.rows), now, json.dumps(res.faults or {})))
                rows_json = json.dumps(res.rows, ensure_ascii=False)
                if res.audit_blob is not None:
                    con.execute("INSERT OR REPLACE INTO article_state (article_id, content_key, report_key, "
                                "findings, audit, run_id, updated_at, report_sha) VALUES (?,?,?,?,?,?,?,?)",
                                (res.article_id, res.content_key, res.report_key, rows_json, res.audit_blob,
                                 run_id, now, res.report_sha))
                else:
                    con.execute("UPDATE article_state SET report_key=?, run_id=?, updated_at=?, "
                                "report_sha=COALESCE(NULLIF(?, ''), report_sha) "
                                "WHERE article_id=? AND content_key=?",
                                (res.report_key, run_id, now, res.report_sha, res.article_id, res.content_key))

    def forget_articles(self, run_id: str, article_ids: Iterable[str]) -> None:
        """Drop a run's rows for articles that left the corpus while it was interrupted."""
        ids = list(article_ids)
        if not ids:
            return
        with self._txn() as con:
            for aid in ids:
                con.execute("DELETE FROM findings WHERE run_id=? AND article_id=?", (run_id, aid))
                con.execute("DELETE FROM run_articles WHERE run_id=? AND article_id=?", (run_id, aid))

    def finish_run(self, run_id: str, summary: dict | None = None, now: float | None = None,
                   diff: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
        """Mark the run completed and return its difference from its previous run.

        Findings of articles no longer in the run (removed from the corpus) are
        resolved; those of articles that could not be read this time are left
        out of ``resolved`` (nobody checked them).  A re-check passes its own
        ``diff`` (against the article's last audit, not the last re-check run).
        """
        now = time.time() if now is None else now
        diff = self.run_diff(run_id) if diff is None else diff
        summary = dict(summary or {})
        summary.update({k: len(v) for k, v in diff.items()})
        with self._txn() as con:
            con.execute("UPDATE runs SET status='completed', finished_at=?, summary=? WHERE run_id=?",
                        (now, json.dumps(summary, default=str), run_id))
        return diff

    def run_diff(self, run_id: str) -> dict[str, list[dict]]:
        """The run's findings against its previous run's, by ``audit.changes.diff_rows``."""
        info = self.run(run_id)
        if info is None:
            raise KeyError(run_id)
        prev: list[dict] = []
        if info["previous_run_id"]:
            # An article that could not be read this time was not checked: its findings are not resolved.
            unreadable = {a for a, r in self.completed_articles(run_id).items() if r["error"]}
            prev = [r for r in self.run_findings(info["previous_run_id"]) if r["article_id"] not in unreadable]
        current = self.run_findings(run_id)
        if info["previous_run_id"] and not self._conn().execute(
                "SELECT 1 FROM run_articles WHERE run_id=? LIMIT 1", (info["previous_run_id"],)).fetchone():
            # The previous run was pruned: the statuses this run recorded are its difference (resolved unknown).
            return {"new": [r for r in current if r["status"] == "new"],
                    "persisting": [r for r in current if r["status"] != "new"], "resolved": []}
        diff = diff_rows(prev, current)
        return {k: [dict(r, status=k) for r in rows] for k, rows in diff.items()}

    def run_faults(self, run_id: str) -> dict[str, int]:
        """What the run's articles could not check, by concern, from the rows this run committed."""
        from audit.changes import add_faults
        total: dict[str, int] = {}
        for (text,) in self._conn().execute("SELECT faults FROM run_articles WHERE run_id=? AND faults IS NOT NULL",
                                            (run_id,)):
            try:
                add_faults(total, json.loads(text))
            except (TypeError, ValueError, AttributeError):
                continue
        return total

    def report_hashes(self, article_ids: Iterable[str]) -> dict[str, str]:
        """article id -> sha256 of the report.json its last audit wrote (where known)."""
        return {aid: st.report_sha for aid, st in self.article_states(article_ids).items() if st.report_sha}

    def article_scored_counts(self, run_id: str) -> dict[str, int]:
        row = self._conn().execute("SELECT COUNT(*), COALESCE(SUM(scored), 0) FROM run_articles WHERE run_id=?",
                                   (run_id,)).fetchone()
        return {"articles": row[0], "scored": row[1], "reused": row[0] - row[1]}

    def scored_articles(self, run_id: str) -> list[str]:
        return [r[0] for r in self._conn().execute(
            "SELECT article_id FROM run_articles WHERE run_id=? AND scored=1 ORDER BY article_id", (run_id,))]

    def prune(self, keep_runs: int = 60) -> int:
        """Drop the findings of all but the newest ``keep_runs`` runs of each kind (run rows stay)."""
        con = self._conn()
        old = [r[0] for r in con.execute(
            "SELECT run_id FROM (SELECT run_id, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY started_at DESC) n "
            "FROM runs WHERE status='completed') WHERE n > ?", (keep_runs,))]
        with self._txn() as c:
            for rid in old:
                c.execute("DELETE FROM findings WHERE run_id=?", (rid,))
                c.execute("DELETE FROM run_articles WHERE run_id=?", (rid,))
        return len(old)

    # -- reviewers' decisions (citeaudit review) -------------------------------------------
    def set_decisions(self, rows: Sequence[dict], now: float | None = None) -> None:
        """Store decisions (one per finding identity of an article; a new one replaces the old)."""
        now = time.time() if now is None else now
        with self._txn() as con:
            con.executemany(
                f"INSERT OR REPLACE INTO decisions ({', '.join(DECISION_FIELDS)}) VALUES "
                f"({', '.join('?' * len(DECISION_FIELDS))})",
                [tuple(now if k == "decided_at" else (r.get(k) if r.get(k) is not None else
                                                      ("" if k in ("note", "claim_text", "record_key") else None))
                       for k in DECISION_FIELDS) for r in rows])

    def clear_decisions(self, article_id: str, identities: Iterable[str]) -> None:
        with self._txn() as con:
            con.executemany("DELETE FROM decisions WHERE article_id=? AND identity=?",
                            [(article_id, i) for i in identities])

    def decisions(self, article_ids: Iterable[str] | None = None) -> list[dict]:
        """Every decision (of the given articles), oldest first."""
        cols = ", ".join(DECISION_FIELDS)
        con = self._conn()
        if article_ids is None:
            cur = con.execute(f"SELECT {cols} FROM decisions ORDER BY decided_at, article_id, identity")
            return [dict(zip(DECISION_FIELDS, r)) for r in cur]
        out: list[dict] = []
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            cur = con.execute(f"SELECT {cols} FROM decisions WHERE article_id IN ({','.join('?' * len(chunk))}) "
                              "ORDER BY decided_at, article_id, identity", chunk)
            out += [dict(zip(DECISION_FIELDS, r)) for r in cur]
        return out
