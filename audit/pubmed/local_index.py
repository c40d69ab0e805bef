"""A search index over every record citeaudit holds: SQLite FTS5 ranked by BM25.

Offline, this index is the only place a claim's source can be looked for; online
it adds what the record cache already holds to what PubMed's ESearch answers.
Records come from what the run's record source already holds
(``RecordSource.known_records()``: the record cache, offline PubMed XML) or from
any iterable of ``Record``.

The index lives in memory by default: building it from a few thousand records
takes well under a second, and a file would only go stale beside the cache.

Columns: title, abstract, MeSH headings (with keywords), journal (full name and
ISO abbreviation) and first author; ``bm25()`` weighs them (title and MeSH
above the abstract).  Words are stemmed by FTS5's Porter tokenizer.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import Iterable, Sequence

from audit.models import Record

# The index's columns and words, shared with the PubMed mirror's index (audit/pubmed/mirror.py), so one
# query and one set of weights mean the same in both.
COLUMNS = "pmid UNINDEXED, title, abstract, mesh, journal, author"
TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"
SCHEMA = f"CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5({COLUMNS}, {TOKENIZE});"
# bm25() column weights in schema order (pmid, title, abstract, mesh, journal, author).  Not fitted:
# the finding's words count alike wherever they stand; journal and author count half, since they name
# the source rather than what it found.
COLUMN_WEIGHTS = (0.0, 1.0, 1.0, 1.0, 0.5, 0.5)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class Hit:
    pmid: str
    bm25: float                  # higher is better (FTS5's bm25() negated)


def index_row(r: Record) -> tuple[str, str, str, str, str, str]:
    """A record's values for the columns of ``COLUMNS``."""
    mesh = " ; ".join(r.mesh_terms + list(r.keywords))
    return (r.pmid, r.title or "", r.abstract or "", mesh, f"{r.journal or ''} ; {r.journal_iso or ''}",
            r.first_author or "")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


def fts_or(words: Iterable[str]) -> str:
    """An FTS5 query OR-ing the words, each quoted (so no word is read as an operator)."""
    seen = list(dict.fromkeys(w for w in words if w))
    return " OR ".join(f'"{w}"' for w in seen)


def fts_phrase(text: str, column: str | None = None) -> str:
    """An FTS5 phrase of the words of text, optionally limited to one column."""
    ws = _words(text)
    if not ws:
        return ""
    phrase = '"' + " ".join(ws) + '"'
    return f"{column} : {phrase}" if column else phrase


class LocalIndex:
    def __init__(self, records: Iterable[Record] = ()):
        self.con = sqlite3.connect(":memory:", check_same_thread=False)
        # One search at a time (audit.article_steps.search_sources): a search adds what PubMed finds to
        # the index as it goes, and a run's chunks on parallel threads share one index.
        self.lock = threading.RLock()
        self.con.executescript(SCHEMA)
        self.records: dict[str, Record] = {}
        self.rowids: dict[str, int] = {}
        self.add(records)

    def __len__(self) -> int:
        return len(self.records)

    def add(self, records: Iterable[Record], replace: bool = False) -> int:
        """Index ``records``; a PMID already held is skipped, or with ``replace`` indexed anew at the end
        (a record cached again), so the index holds its rows in the order a fresh build would."""
        rows = []
        for r in records:
            if not r.pmid:
                continue
            if r.pmid in self.records:
                if not replace:
                    continue
                old = self.rowids.pop(r.pmid, None)
                if old is not None:
                    self.con.execute("DELETE FROM docs WHERE rowid = ?", (old,))
                rows = [row for row in rows if row[0] != r.pmid]      # the same PMID twice in this call
            self.records[r.pmid] = r
            rows.append(index_row(r))
        for row in rows:
            cur = self.con.execute("INSERT INTO docs (pmid, title, abstract, mesh, journal, author) "
                                   "VALUES (?, ?, ?, ?, ?, ?)", row)
            self.rowids[row[0]] = cur.lastrowid
        return len(rows)

    def search(self, match: str, limit: int = 50, weights: Sequence[float] = COLUMN_WEIGHTS,
               only: Iterable[str] | None = None) -> list[Hit]:
        """The best ``limit`` records for an FTS5 MATCH expression, best first (``only``: among these PMIDs)."""
        if not match.strip() or not self.records:
            return []
        w = ", ".join(f"{float(x):g}" for x in weights)
        where, args = "", [match]
        if only is not None:
            ids = [self.rowids[p] for p in only if p in self.rowids]
            if not ids:
                return []
            where = f" AND rowid IN ({','.join(str(int(i)) for i in ids)})"
        try:
            rows = self.con.execute(f"SELECT pmid, bm25(docs, {w}) AS s FROM docs WHERE docs MATCH ?{where} "
                                    "ORDER BY s LIMIT ?", (*args, int(limit))).fetchall()
        except sqlite3.OperationalError as exc:
            # A query built from an article's words must not stop the audit; say what failed.
            raise ValueError(f"local index cannot run query {match!r}: {exc}") from exc
        return [Hit(p, -s) for p, s in rows]

    def words(self, text: str, limit: int = 50, journal: str = "") -> list[Hit]:
        """Records matching any word of text (BM25), optionally only those in the named journal."""
        q = fts_or(_words(text))
        if not q:
            return []
        if journal:
            jp = fts_or(w for w in _words(journal) if w not in _JOURNAL_STOP)
            if jp:
                q = f"({q}) AND journal : ({jp})"
        return self.search(q, limit)


_JOURNAL_STOP = {"the", "of", "and", "journal", "j", "official", "a", "an", "in", "for", "on", "de", "la"}
