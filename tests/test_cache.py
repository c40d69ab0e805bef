"""The SQLite record cache: round trips, TTL, not_found memory, concurrent writers."""
from __future__ import annotations

import functools
import multiprocessing as mp
import sqlite3
import threading
import time

from audit.pubmed.cache import RecordCache, record_from_dict
from audit.models import NOT_FOUND, RESOLVED, to_dict
from audit.pubmed.records import load_raw_records, parse_records


@functools.lru_cache(maxsize=1)
def _all_real(folder):
    raw = load_raw_records([folder])
    return [(parse_records(x)[0], x) for _, x in sorted(raw.items())]


def _real(data_dir, n=None):
    items = _all_real(data_dir / "pubmed")
    return list(items[:n] if n else items)


def test_records_round_trip_with_their_xml(tmp_path, data_dir):
    real = _real(data_dir)
    assert len(real) > 800
    for rec, _ in real:
        assert record_from_dict(to_dict(rec)) == rec
    cache = RecordCache(tmp_path / "sub" / "c.sqlite", ttl_days=7)
    assert cache.put_many(real) == len(real)
    got = cache.get_many([r.pmid for r, _ in real] + ["1"], with_xml=True)
    assert len(got) == len(real) and "1" not in got
    for rec, xml in real:
        e = got[rec.pmid]
        assert e.status == RESOLVED and e.record == rec and e.xml == xml
    assert cache.stats()["hits"] == len(real) and cache.stats()["misses"] == 1
    assert cache.get(real[0][0].pmid).xml is None           # audits read the fields, not the XML
    # The stored XML parses back to the same record: the cache can rebuild fields later.
    sample = real[len(real) // 2][0]
    assert parse_records(cache.get_xml(sample.pmid))[0] == sample


def test_ttl_expiry_and_not_found_memory(tmp_path, data_dir):
    real = _real(data_dir, 5)
    cache = RecordCache(tmp_path / "c.sqlite", ttl_days=1)
    t0 = time.time()
    cache.put_many(real[:3], not_found=["99999999"], now=t0)
    cache.put_many(real[3:], now=t0 - 86400 - 1)             # stored over a day ago
    ids = [r.pmid for r, _ in real] + ["99999999"]
    fresh = cache.get_many(ids, now=t0 + 10)
    assert set(fresh) == {r.pmid for r, _ in real[:3]} | {"99999999"}
    assert fresh["99999999"].status == NOT_FOUND and fresh["99999999"].record is None
    assert cache.get_many(ids, now=t0 + 86400 + 1) == {}      # a day later everything is stale
    assert cache.stats()["expired"] == 2 + 6
    assert cache.purge_expired(now=t0 + 10) == 2
    assert cache.counts() == {RESOLVED: 3, NOT_FOUND: 1, "ids": 0}


def test_id_lookups_remember_matches_and_misses(tmp_path):
    cache = RecordCache(tmp_path / "c.sqlite", ttl_days=7)
    cache.put_ids({"doi:10.1/x": "123", "pmc:PMC9": None})
    assert cache.get_ids(["doi:10.1/x", "pmc:PMC9", "doi:other"]) == {"doi:10.1/x": "123", "pmc:PMC9": None}
    assert cache.get_ids(["doi:10.1/x"], now=time.time() + 8 * 86400) == {}


def test_wal_mode_and_thread_writers(tmp_path, data_dir):
    real = _real(data_dir, 200)
    cache = RecordCache(tmp_path / "c.sqlite", ttl_days=7)
    chunks = [real[i::8] for i in range(8)]
    errors = []

    def write(chunk):
        try:
            for rec, xml in chunk:            # one commit per record: many small transactions
                cache.put_many([(rec, xml)])
                cache.get_many([rec.pmid])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(cache) == 200
    con = sqlite3.connect(tmp_path / "c.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _process_writer(path: str, pmids: list[str], xml: bytes, rec_dict: dict, start: float) -> None:
    cache = RecordCache(path, ttl_days=7)
    while time.time() < start:              # all processes write at the same moment
        time.sleep(0.001)
    for p in pmids:
        rec = record_from_dict({**rec_dict, "pmid": p})
        cache.put_many([(rec, xml)])
    cache.close()


def test_process_writers(tmp_path, data_dir):
    rec, xml = _real(data_dir, 1)[0]
    path = str(tmp_path / "c.sqlite")
    RecordCache(path, ttl_days=7).close()
    ctx = mp.get_context("fork")
    start = time.time() + 0.3
    procs = [ctx.Process(target=_process_writer,
                         args=(path, [str(9_000_000 + k * 1000 + i) for i in range(60)], xml, to_dict(rec), start))
             for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    cache = RecordCache(path, ttl_days=7)
    assert len(cache) == 240
    one = cache.get("9003059", with_xml=True)
    assert one.record.title == rec.title and one.xml == xml
