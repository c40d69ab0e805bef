"""The history's SQLite schema: every version since the first release, and the migrations between them
(audit.storage opens a file at any of them and brings it to the newest).
"""
from __future__ import annotations

import json
import sqlite3

from audit.storage import Schema

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
