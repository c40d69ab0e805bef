"""The one SQLite layer: schema versions, migrations from the previous release, corruption, JSON.

The legacy files under tests/data/legacy were written by the previous release
(see the README there); every test works on a copy in tmp_path.
"""
from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from audit.history import SCHEMA as HISTORY_SCHEMA
from audit.history import History, finding_rows, pack_audit, unpack_audit
from audit.models import NOT_FOUND, RESOLVED, Article, ArticleAudit, from_dict, to_dict
from audit.pubmed.cache import SCHEMA as CACHE_SCHEMA
from audit.pubmed.cache import RecordCache
from audit.pubmed.records import load_raw_records, parse_records
from audit.scoring.semantic import EmbeddingCache
from audit.storage import StoreError, connect
from prefect_harness import prefect_harness  # noqa: F401

LEGACY = Path(__file__).parent / "data" / "legacy"
RUN1, RUN2 = "nightly-20261130T062855Z-d67560", "nightly-20261130T062930Z-1784fd"
RECHECK = "recheck-20261130T062952Z-b24561"


def _copy(name: str, tmp_path: Path) -> Path:
    dst = tmp_path / name
    shutil.copyfile(LEGACY / name, dst)
    return dst


def _pragmas(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return (con.execute("PRAGMA user_version").fetchone()[0], con.execute("PRAGMA application_id").fetchone()[0])
    finally:
        con.close()


def _example_records(root_dir: Path) -> dict:
    raw = load_raw_records([root_dir / "examples" / "records"])
    return {pmid: parse_records(xml)[0] for pmid, xml in raw.items()}


def _shared_records(data_dir: Path) -> list[tuple]:
    """(record, its XML) for the ten real records of an efetch answer in ../shared/data."""
    raw = load_raw_records([data_dir / "pubmed" / "biomedquery" / "efetch_sample.xml"])
    return [(parse_records(xml)[0], xml) for _, xml in sorted(raw.items())]


# --------------------------------------------------------------------------- the previous release's files

def test_legacy_files_are_unversioned_as_shipped():
    # The fixtures really are from before schema versions: version 0, no application id.
    assert _pragmas(LEGACY / "history.sqlite") == (0, 0)
    assert _pragmas(LEGACY / "records.sqlite") == (0, 0)


def test_a_history_from_the_previous_release_is_migrated_and_read(tmp_path, caplog):
    path = _copy("history.sqlite", tmp_path)
    with caplog.at_level(logging.INFO, logger="citeaudit.storage"):
        h = History(path)
    assert f"{path}: history migrated from schema 0 (the release before schema versions) to {HISTORY_SCHEMA.version}" in caplog.text
    with h:
        assert _pragmas(path) == (HISTORY_SCHEMA.version, HISTORY_SCHEMA.application_id)
        runs = h.runs()
        assert [(r["run_id"], r["kind"], r["status"]) for r in runs] == [
            (RUN1, "nightly", "completed"), (RUN2, "nightly", "completed"), (RECHECK, "recheck", "completed")]
        assert runs[1]["previous_run_id"] == RUN1 and runs[1]["summary"]["resolved"] == 3
        # Findings and their statuses, as the previous release recorded them.
        assert len(h.run_findings(RUN1)) == 22
        second = h.run_findings(RUN2)
        assert len(second) == 20 and sum(r["status"] == "new" for r in second) == 1
        diff = h.run_diff(RUN2)
        assert (len(diff["new"]), len(diff["persisting"]), len(diff["resolved"])) == (1, 19, 3)
        assert any("BRCA1" in r["claim_text"] for r in diff["resolved"])   # the claim removed before run 2
        done = h.completed_articles(RUN2)
        assert set(done) == {"broken", "colorectal-cancer-genetics", "nsclc-targeted-therapy"}
        assert "binary file" in done["broken"]["error"]
        # Each article's last finding rows survive; the serialized audits were dropped unread.
        states = h.article_states(["colorectal-cancer-genetics", "nsclc-targeted-therapy"])
        assert len(states["colorectal-cancer-genetics"].findings) == 11
        assert not any(s.has_audit for s in states.values())
        assert h.article_audit_blob("nsclc-targeted-therapy") is None
        # The next nightly is compared with the last one the old release completed.
        run = h.begin_run("nightly")
        assert run.previous_run_id == RUN2 and not run.resumed
        assert len(h.findings_by_article(run.previous_run_id)["nsclc-targeted-therapy"]) == 9
    con = sqlite3.connect(path)
    blobs = con.execute("SELECT COUNT(*) FROM article_state WHERE audit IS NOT NULL").fetchone()[0]
    blobs += con.execute("SELECT COUNT(*) FROM parsed_articles").fetchone()[0]
    assert blobs == 0
    # Runs own their rows now: a finding of no run is refused.
    with pytest.raises(sqlite3.IntegrityError):
        c = connect(path)
        c.execute("INSERT INTO findings (run_id, article_id, identity, kind, severity, message, status) "
                  "VALUES ('no-such-run', 'a', 'i', 'k', 'low', 'm', 'new')")


def test_a_migrated_history_opens_again_without_change(tmp_path):
    path = _copy("history.sqlite", tmp_path)
    History(path).close()
    before = path.read_bytes()
    with History(path) as h:
        assert len(h.runs()) == 3
    assert _pragmas(path)[0] == HISTORY_SCHEMA.version and path.read_bytes() == before


def test_threads_opening_one_legacy_history_migrate_it_once(tmp_path):
    path = _copy("history.sqlite", tmp_path)
    errors, counts = [], []

    def open_it():
        try:
            with History(path) as h:
                counts.append(len(h.run_findings(RUN2)))
        except Exception as exc:   # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and counts == [20] * 6


def test_a_record_cache_from_the_previous_release_is_migrated_and_read(tmp_path, root_dir):
    path = _copy("records.sqlite", tmp_path)
    expected = _example_records(root_dir)
    with RecordCache(path, ttl_days=100 * 365) as cache:      # the rows are from 2026: keep them fresh
        assert _pragmas(path) == (CACHE_SCHEMA.version, CACHE_SCHEMA.application_id)
        assert cache.counts() == {RESOLVED: 13, NOT_FOUND: 1, "ids": 3}
        got = cache.get_many(list(expected) + ["39999999"], with_xml=True)
        assert got["39999999"].status == NOT_FOUND
        for pmid, rec in expected.items():
            assert got[pmid].status == RESOLVED and got[pmid].record == rec
            assert parse_records(got[pmid].xml)[0] == rec
        assert cache.get_ids(["doi:10.1016/j.cllc.2012.12.004"]) == {"doi:10.1016/j.cllc.2012.12.004": "23415808"}


def test_expired_rows_are_purged_on_open_but_not_by_a_refresh(tmp_path, data_dir):
    recs = [r for r, _ in _shared_records(data_dir)]
    path = tmp_path / "c.sqlite"
    with RecordCache(path, ttl_days=1) as cache:
        cache.put_many([(r, None) for r in recs[:4]], now=time.time() - 2 * 86400)   # stale
        cache.put_many([(r, None) for r in recs[4:6]], not_found=["1"])                # fresh
        cache.put_ids({"doi:old": "2"}, now=time.time() - 2 * 86400)
    with RecordCache(path, ttl_days=0) as refresh:       # TTL 0 ignores rows, does not condemn them
        assert len(refresh) == 7 and refresh.stats()["purged"] == 0
    with RecordCache(path, ttl_days=1) as cache:
        assert cache.stats()["purged"] == 5
        assert cache.counts() == {RESOLVED: 2, NOT_FOUND: 1, "ids": 0}


# --------------------------------------------------------------------------- corruption

def _garbage(path: Path) -> bytes:
    data = b"this is not SQLite\n" * 400
    path.write_bytes(data)
    return data


def _corrupt_sqlite(path: Path) -> bytes:
    """A SQLite file whose header survives and whose pages do not: a cache that broke (a file
    that is not SQLite at all is refused instead: tests/test_adversarial_states.py)."""
    data = b"SQLite format 3\x00" + b"this is not SQLite\n" * 400
    path.write_bytes(data)
    return data


def test_a_corrupt_record_cache_is_set_aside_and_rebuilt(tmp_path, data_dir, caplog):
    path = tmp_path / "records.sqlite"
    data = _corrupt_sqlite(path)
    rec, xml = _shared_records(data_dir)[0]
    with caplog.at_level(logging.WARNING, logger="citeaudit.storage"):
        cache = RecordCache(path, ttl_days=7)
    aside = list(tmp_path.glob("records.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == data          # kept, for a look
    assert str(path) in caplog.text and str(aside[0]) in caplog.text and "corrupt record cache" in caplog.text
    cache.put_many([(rec, xml)])
    assert cache.get(rec.pmid).record == rec and cache.get_xml(rec.pmid) == xml
    cache.close()


def test_a_cache_that_breaks_while_in_use_is_rebuilt(tmp_path, data_dir, caplog):
    real = _shared_records(data_dir)
    recs = [r for r, _ in real]
    path = tmp_path / "records.sqlite"
    with RecordCache(path, ttl_days=7) as cache:
        cache.put_many(real)                                          # rows over several pages
    cache = RecordCache(path, ttl_days=7, purge=False)   # opened while sound (no purge reads the rows)
    with open(path, "r+b") as f:                 # then every page after the first is overwritten
        f.seek(4096)
        f.write(b"\xa5" * (path.stat().st_size - 4096))
    with caplog.at_level(logging.WARNING, logger="citeaudit.storage"):
        got = cache.get_many([r.pmid for r in recs])
    assert got == {}                              # a miss: the records are fetched again
    assert len(list(tmp_path.glob("records.sqlite.corrupt-*"))) == 1 and str(path) in caplog.text
    cache.put_many(real[:1])
    assert cache.get(recs[0].pmid).record == recs[0]
    cache.close()


def test_a_corrupt_embedding_cache_is_set_aside_and_rebuilt(tmp_path, caplog):
    path = tmp_path / "emb.sqlite"
    _corrupt_sqlite(path)
    with caplog.at_level(logging.WARNING, logger="citeaudit.storage"):
        cache = EmbeddingCache(path)
    assert "corrupt embedding cache" in caplog.text and list(tmp_path.glob("emb.sqlite.corrupt-*"))
    cache.put_many([("k", b"\x00\x01")])
    assert cache.get_many(["k", "other"]) == {"k": b"\x00\x01"}
    cache.close()


def test_a_corrupt_history_is_refused_with_its_path_and_how_to_recover(tmp_path):
    path = tmp_path / "history.sqlite"
    data = _garbage(path)
    with pytest.raises(StoreError) as exc:
        History(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: the history is corrupt") and "restore it from a backup" in msg
    assert "\n" not in msg
    assert path.read_bytes() == data and not list(tmp_path.glob("*.corrupt-*"))   # untouched


def test_a_history_damaged_inside_is_refused_on_open(tmp_path):
    path = _copy("history.sqlite", tmp_path)
    History(path).close()                         # migrated, sound
    size = path.stat().st_size
    with open(path, "r+b") as f:                  # pages in the middle overwritten, the header intact
        f.seek(size // 2 - (size // 2) % 4096)
        f.write(b"\xa5" * 3 * 4096)
    with pytest.raises(StoreError) as exc:
        History(path)
    assert str(exc.value).startswith(f"{path}: the history is corrupt") and "restore it from a backup" in str(exc.value)


def test_a_store_of_another_kind_or_a_newer_release_is_refused(tmp_path):
    cache_path = tmp_path / "records.sqlite"
    RecordCache(cache_path).close()
    with pytest.raises(StoreError, match="not a citeaudit history"):
        History(cache_path)
    hist = tmp_path / "history.sqlite"
    History(hist).close()
    con = sqlite3.connect(hist)
    con.execute(f"PRAGMA user_version={HISTORY_SCHEMA.version + 1}")
    con.close()
    with pytest.raises(StoreError, match="written by a newer citeaudit"):
        History(hist)


def test_every_store_follows_the_one_connection_rule(tmp_path):
    RecordCache(tmp_path / "c.sqlite").close()
    History(tmp_path / "h.sqlite").close()
    EmbeddingCache(tmp_path / "e.sqlite").close()
    for name in ("c.sqlite", "h.sqlite", "e.sqlite"):
        con = connect(tmp_path / name)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert con.execute("PRAGMA synchronous").fetchone()[0] == 2          # FULL
        assert con.execute("PRAGMA user_version").fetchone()[0] >= 1
        con.close()


# --------------------------------------------------------------------------- JSON instead of pickles

def test_audits_and_articles_round_trip_through_json(tmp_path, root_dir):
    from audit.config import load_config
    from audit.pipeline import audit_paths
    from audit.pubmed.fetch import open_source

    cfg = load_config(None, env={})
    audits = audit_paths([root_dir / "examples" / "articles"],
                         open_source(cfg, [str(root_dir / "examples" / "records")]), cfg)
    assert len(audits) == 2 and all(a.findings and a.pairs for a in audits)
    for audit in audits:
        back = unpack_audit(pack_audit(audit), audit.records)
        assert back == audit and finding_rows(back) == finding_rows(audit)
        assert from_dict(Article, to_dict(audit.article)) == audit.article
    h = History(tmp_path / "h.sqlite")
    arts = [a.article for a in audits]
    h.store_parsed([(a.path, a) for a in arts], "key")
    again = h.parsed_articles({a.path: a.sha256 for a in arts}, "key")
    assert again == {a.path: a for a in arts}
    h.close()
    bad = ArticleAudit(article=arts[0], pairs=[], findings=[], error="x.md:3: bad")
    assert unpack_audit(pack_audit(bad)) == bad


def test_no_pickle_left_in_the_code(root_dir):
    offenders = [str(p.relative_to(root_dir)) for folder in ("audit", "flows", "reports", "bench")
                 for p in (root_dir / folder).rglob("*.py")
                 if "import pickle" in p.read_text(encoding="utf-8") or "pickle.load" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_nightly_command_refuses_a_corrupt_history_in_one_line(tmp_path, capsys):
    from audit.cli import main
    hist = tmp_path / "history.sqlite"
    _garbage(hist)
    path = tmp_path / "config.yaml"
    path.write_text(f"corpus:\n  paths: [{tmp_path}]\noffline_records: [{tmp_path}]\n"
                    f"output:\n  history_db: {hist}\n  reports_dir: {tmp_path / 'out'}\n")
    assert main(["nightly", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"citeaudit: {hist}: the history is corrupt")


def test_a_nightly_run_continues_a_migrated_history(prefect_harness, tmp_path, root_dir):
    """The next nightly after an upgrade compares with the last run of the old release."""
    from flows.nightly import nightly_audit

    hist = _copy("history.sqlite", tmp_path)
    corpus = tmp_path / "articles"                 # the corpus as it was at the legacy run 2
    shutil.copytree(root_dir / "examples" / "articles", corpus)
    md = corpus / "nsclc-targeted-therapy.md"
    text = md.read_text(encoding="utf-8")
    md.write_text("".join(l for l in text.splitlines(keepends=True) if "Germline BRCA1" not in l)
                  .replace("2010;30(18)", "2012;30(18)"), encoding="utf-8")
    (corpus / "broken.html").write_bytes(b"not an article \xff\xfe\x00")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"corpus:\n  paths: [{corpus}]\noffline_records: [{root_dir / 'examples' / 'records'}]\n"
                   f"output:\n  reports_dir: {tmp_path / 'out'}\n  history_db: {hist}\n")
    with History(hist) as h:
        before = {(r["article_id"], r["identity"]) for r in h.run_findings(RUN2)}
    s = nightly_audit(config_path=str(cfg), progress=False)
    assert s["previous_run_id"] == RUN2 and s["scored"] == 2      # no stored audit survived: scored again
    with History(hist) as h:
        now = h.run_findings(s["run_id"])
        assert now and all(r["status"] == ("persisting" if (r["article_id"], r["identity"]) in before else "new")
                           for r in now)
        assert s["persisting"] == sum(r["status"] == "persisting" for r in now) > 0
        gone = before - {(r["article_id"], r["identity"]) for r in now}
        assert {(r["article_id"], r["identity"]) for r in h.run_diff(s["run_id"])["resolved"]} == gone
