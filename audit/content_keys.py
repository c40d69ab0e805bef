"""Content keys: what decides whether an article is scored again, its report rewritten, its source
search repeated or a file read again.  Same key, same result: the pipeline reuses what the history
stored under it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from audit.models import ArticleAudit, Article, Record, to_dict

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
_NOT_CODE = {"cli.py", "history.py", "history_schema.py", "content_keys.py", "audit_rows.py", "storage.py",
             "progress.py", "locks.py", "executor.py", "run_summary.py", "review"}


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


def report_key(content: str, diff: dict[str, list[dict]] | None) -> str:
    """What the article's report shows: its content and its new/resolved marks.

    Same key, the report on disk is already right.  Findings that merely
    persist carry no mark worth a rewrite, so an unchanged article's report is
    written once and left alone until its findings or its marks change.
    """
    new = sorted(r["identity"] for r in (diff or {}).get("new", [])) if diff else []
    gone = sorted(r["identity"] for r in (diff or {}).get("resolved", [])) if diff else []
    return digest(content, report_code_version(), "new", *new, "resolved", *gone)
