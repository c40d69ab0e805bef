"""EntrezSource against the local E-utilities server on the real PubMed records.

Every test talks HTTP to a real server (tests/eutils_fixture.py); faults are
the server's, the retries and bookkeeping are the client's.
"""
from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import time

import pytest

from audit.pubmed.cache import RecordCache
from audit.pubmed.entrez import EntrezError, EntrezSource
from audit.pubmed.eutils_answers import read_control
from audit.pubmed.eutils_queries import search_complete
from audit.pubmed.eutils_terms import citation_query
from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED, Reference
from eutils_fixture import entrez_config, eutils_factory, eutils_server, record_store  # noqa: F401

MISSING = "99999998"        # not among the records: the server, like PubMed, has no such PMID


def _pmids(n: int, offset: int = 0) -> list[str]:
    ids = sorted(record_store().entries)
    assert len(ids) >= n + offset
    return ids[offset:offset + n]


def _cache(cfg) -> RecordCache:
    return RecordCache(cfg.cache_path, cfg.cache_ttl_days)


def _statuses(results) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results.values():
        out[r.status] = out.get(r.status, 0) + 1
    return out


# -- batching -------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [200, 100, 450])
def test_efetch_requests_are_batched(eutils_server, entrez_config, batch):
    cfg = entrez_config(eutils_server, batch_size=batch)
    src = EntrezSource(cfg, _cache(cfg))
    ids = _pmids(450)
    # Thirty "articles" citing overlapping subsets: 450 unique PMIDs in all.
    cited = [p for k in range(30) for p in ids[k * 15: k * 15 + 40]]
    results = src.fetch(cited)
    assert set(results) == set(ids)
    assert all(r.status == RESOLVED and r.record.pmid == p for p, r in results.items())
    efetch = eutils_server.requests_for("efetch")
    assert len(efetch) == math.ceil(450 / batch)
    assert all(len(r["ids"]) <= batch for r in efetch)
    assert sorted(eutils_server.fetched_ids()) == sorted(ids)            # each asked exactly once
    assert all(r["method"] == "POST" for r in efetch)
    assert src.stats()["requests"] == {"efetch": math.ceil(450 / batch)}
    # Records match what the server holds.
    store = record_store()
    assert all(results[p].record.title == store.entries[p].record.title for p in ids)


def test_large_sets_go_through_the_history_server(eutils_server, entrez_config):
    cfg = entrez_config(eutils_server, batch_size=200, history_threshold=300)
    src = EntrezSource(cfg, _cache(cfg))
    ids = _pmids(450)
    results = src.fetch(ids + [MISSING])
    assert _statuses(results) == {RESOLVED: 450, NOT_FOUND: 1}
    kinds = [(r["endpoint"], bool(r.get("ids")), bool(r["params"].get("WebEnv"))) for r in eutils_server.requests]
    assert kinds[0] == ("epost", True, False)
    history = [k for k in kinds if k == ("efetch", False, True)]
    assert len(history) == math.ceil(451 / 200)
    # Only the PMID PubMed does not have is asked again by id, then esearch confirms it is absent.
    assert eutils_server.fetched_ids() == [MISSING]
    assert len(eutils_server.requests) == 1 + 3 + 1 + 1
    assert eutils_server.requests[-1]["endpoint"] == "esearch"
    assert eutils_server.requests[-1]["params"]["term"] == f"{MISSING}[uid]"


def test_history_pages_missing_records_fall_back_to_ids_then_alone(eutils_factory, entrez_config):
    ids = _pmids(250)
    dropped = (ids[10], ids[200])
    srv = eutils_factory(drop_pmids=dropped)
    cfg = entrez_config(srv, batch_size=100, history_threshold=100)
    results = EntrezSource(cfg, _cache(cfg)).fetch(ids)
    assert _statuses(results) == {RESOLVED: 250}
    shape = [(r["endpoint"], len(r.get("ids", [])), "WebEnv" in r["params"]) for r in srv.requests]
    assert shape[0] == ("epost", 250, False)
    assert sum(1 for x in shape if x == ("efetch", 0, True)) == 3        # history pages
    by_id = sorted(r["ids"] for r in srv.requests_for("efetch") if r.get("ids"))
    assert by_id == sorted([sorted(dropped), [dropped[0]], [dropped[1]]])


# -- cache ------------------------------------------------------------------------------

def test_reaudit_within_ttl_makes_no_request_and_expiry_refetches(eutils_server, entrez_config):
    cfg = entrez_config(eutils_server, cache_ttl_days=0.8 / 86400)     # a TTL of 0.8 s
    ids = _pmids(30) + [MISSING]
    first = EntrezSource(cfg, _cache(cfg)).fetch(ids)
    assert _statuses(first) == {RESOLVED: 30, NOT_FOUND: 1}
    n = len(eutils_server.requests)
    assert n == 2                                   # one batch, then esearch: the missing PMID is absent
    again = EntrezSource(cfg, _cache(cfg))
    second = again.fetch(ids)
    assert len(eutils_server.requests) == n         # zero requests: records and the not_found answer
    assert {p: (r.status, r.record) for p, r in second.items()} == {p: (r.status, r.record) for p, r in first.items()}
    assert again.stats()["cache_hits"] == 30 and again.stats()["cache_not_found_hits"] == 1
    time.sleep(0.9)                                 # the TTL passes: a nightly run must look again
    eutils_server.reset_log()
    third = EntrezSource(cfg, _cache(cfg)).fetch(ids)
    assert _statuses(third) == {RESOLVED: 30, NOT_FOUND: 1}
    assert sorted(eutils_server.fetched_ids()) == sorted(ids)
    assert [r["endpoint"] for r in eutils_server.requests] == ["efetch", "esearch"]


# -- rate limiting --------------------------------------------------------------------------

def test_no_second_sees_more_requests_than_the_cap(eutils_factory, entrez_config):
    import threading

    cap = 10
    srv = eutils_factory(rate_cap=cap)              # the server refuses what NCBI would refuse
    cfg = entrez_config(srv, requests_per_second=cap, batch_size=1)
    ids = _pmids(30)
    # Two sources in two threads, each with two workers: all draw on the one shared limiter.
    sources = [EntrezSource(cfg, None, workers=2) for _ in range(2)]
    out: list[dict] = []
    threads = [threading.Thread(target=lambda s=s, part=part: out.append(s.fetch(part)))
               for s, part in zip(sources, (ids[:15], ids[15:]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(_statuses(r).get(RESOLVED, 0) for r in out) == 30
    log = srv.requests
    assert len(log) == 30 and all(r["status"] == 200 for r in log)   # never throttled
    times = sorted(r["time"] for r in log)
    for i, t in enumerate(times):                   # any one-second window, not just aligned ones
        assert sum(1 for u in times[i:] if u < t + 1.0) <= cap
    per_second: dict[int, int] = {}
    for t in times:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    assert max(per_second.values()) <= cap
    assert times[-1] - times[0] >= (30 - cap) / cap  # the limiter did space them


def test_the_server_cap_bites_an_unlimited_client_and_it_recovers(eutils_factory, entrez_config):
    srv = eutils_factory(rate_cap=5)
    cfg = entrez_config(srv, requests_per_second=1000, batch_size=1, max_retries=10,
                        backoff_base=0.25, backoff_max=0.6)
    results = EntrezSource(cfg, None, workers=1).fetch(_pmids(7))
    assert _statuses(results) == {RESOLVED: 7}
    assert any(r["fault"] == "rate_cap" and r["status"] == 429 for r in srv.requests)


# -- faults ---------------------------------------------------------------------------------

def test_429_burst_honours_retry_after(eutils_factory, entrez_config):
    srv = eutils_factory(fail_429_first=2, retry_after=1)
    cfg = entrez_config(srv)
    src = EntrezSource(cfg, _cache(cfg))
    results = src.fetch(_pmids(20))
    assert _statuses(results) == {RESOLVED: 20}
    log = srv.requests
    assert [r["status"] for r in log] == [429, 429, 200]
    assert log[1]["time"] - log[0]["time"] >= 0.95 and log[2]["time"] - log[1]["time"] >= 0.95
    assert src.stats()["retries"] == 2 and src.stats()["failures"] == {"HTTP 429": 2}


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(eutils_factory, entrez_config, status):
    srv = eutils_factory(fail_5xx_every=2, fail_status=status)
    cfg = entrez_config(srv, batch_size=50)
    results = EntrezSource(cfg, _cache(cfg)).fetch(_pmids(200) + [MISSING])
    assert _statuses(results) == {RESOLVED: 200, NOT_FOUND: 1}
    assert [r["status"] for r in srv.requests].count(status) >= 2


def test_slow_answers_beyond_the_timeout_are_retried(eutils_factory, entrez_config):
    srv = eutils_factory(slow_first=1, slow_seconds=1.0)
    cfg = entrez_config(srv, timeout=0.3)
    src = EntrezSource(cfg, _cache(cfg))
    results = src.fetch(_pmids(10))
    assert _statuses(results) == {RESOLVED: 10}
    assert src.stats()["failures"] == {"timeout": 1}
    assert len(srv.requests_for("efetch")) == 2


@pytest.mark.parametrize("mode", ["xml", "connection"])
def test_truncated_answers_are_retried_never_half_used(eutils_factory, entrez_config, mode):
    srv = eutils_factory(truncate_every=2, truncate_mode=mode)
    cfg = entrez_config(srv, batch_size=40)
    src = EntrezSource(cfg, _cache(cfg))
    ids = _pmids(120)
    results = src.fetch(ids)
    assert _statuses(results) == {RESOLVED: 120}
    store = record_store()
    assert all(results[p].record.abstract == store.entries[p].record.abstract for p in ids)
    assert any(str(r["status"]).startswith("truncated") for r in srv.requests)
    assert src.stats()["retries"] >= 1


def test_connection_resets_are_retried(eutils_factory, entrez_config):
    srv = eutils_factory(reset_first=2)
    cfg = entrez_config(srv)
    results = EntrezSource(cfg, _cache(cfg)).fetch(_pmids(5))
    assert _statuses(results) == {RESOLVED: 5}
    assert [r["status"] for r in srv.requests] == ["reset", "reset", 200]


def test_records_left_out_of_a_batch_are_asked_again_alone(eutils_factory, entrez_config):
    ids = _pmids(100)
    dropped = (ids[3], ids[50])
    srv = eutils_factory(drop_pmids=dropped, drop_fraction=0.1, seed=7)
    cfg = entrez_config(srv, batch_size=50)
    results = EntrezSource(cfg, _cache(cfg)).fetch(ids + [MISSING])
    assert _statuses(results) == {RESOLVED: 100, NOT_FOUND: 1}
    left_out = {p for r in srv.requests for p in r.get("dropped", [])}
    assert set(dropped) <= left_out
    singles = [r["ids"] for r in srv.requests_for("efetch") if len(r["ids"]) == 1]
    # Asked alone: the ones esearch lists (MISSING is the third batch, of one, and is not asked again).
    assert sorted(s[0] for s in singles) == sorted(left_out | {MISSING})
    assert srv.fetched_ids().count(MISSING) == 1
    assert MISSING in srv.requests_for("esearch")[0]["params"]["term"]


def test_a_server_that_keeps_failing_gives_fetch_failed_never_not_found(eutils_factory, entrez_config):
    srv = eutils_factory(fail_after=0, fail_status=503)
    cfg = entrez_config(srv, max_retries=2)
    cache = _cache(cfg)
    results = EntrezSource(cfg, cache).fetch(_pmids(10) + [MISSING])
    assert _statuses(results) == {FETCH_FAILED: 11}
    assert all("503" in r.reason for r in results.values())
    assert len(srv.requests) == 3                     # one batch, tried 1 + max_retries times
    assert len(cache) == 0                            # failures are never cached


def test_left_out_then_failing_alone_is_fetch_failed(eutils_factory, entrez_config):
    # The batch answer lacks a real record (dropped) and a nonexistent one; the
    # server then dies, so asking them alone fails: neither may be called not_found.
    ids = _pmids(10)
    srv = eutils_factory(drop_pmids=(ids[4],), fail_after=1)
    cfg = entrez_config(srv, max_retries=1)
    results = EntrezSource(cfg, _cache(cfg)).fetch(ids + [MISSING])
    assert results[ids[4]].status == FETCH_FAILED
    assert results[MISSING].status == FETCH_FAILED
    assert _statuses(results) == {RESOLVED: 9, FETCH_FAILED: 2}


# -- interrupted runs -------------------------------------------------------------------------

class _Crash(Exception):
    pass


def test_interrupted_run_resumes_without_refetching(eutils_server, entrez_config):
    cfg = entrez_config(eutils_server, batch_size=100)
    ids = _pmids(450)
    batches_seen = []

    def crash_after_first(asked, records):
        batches_seen.append(asked)
        raise _Crash("killed after the first committed batch")

    with pytest.raises(_Crash):
        EntrezSource(cfg, _cache(cfg), on_batch=crash_after_first, workers=1).fetch(ids)
    first_run = set(eutils_server.fetched_ids())
    assert len(first_run) == 100
    kept = set(_cache(cfg).get_many(ids))
    assert kept == first_run
    eutils_server.reset_log()
    results = EntrezSource(cfg, _cache(cfg)).fetch(ids)
    assert _statuses(results) == {RESOLVED: 450}
    second_run = eutils_server.fetched_ids()
    assert sorted(second_run) == sorted(set(ids) - kept)
    assert len(eutils_server.requests) == math.ceil(350 / 100)


def _crashing_child(url: str, cache_path: str, ids: list[str]) -> None:
    from eutils_fixture import make_entrez_config

    class _Srv:
        pass

    srv = _Srv()
    srv.url = url
    cfg = make_entrez_config(srv, cache_path, batch_size=100)

    def die(asked, records):
        os._exit(9)                                  # no cleanup, no commit hooks: a kill

    EntrezSource(cfg, RecordCache(cache_path, 7), on_batch=die, workers=1).fetch(ids)


def test_killed_process_loses_nothing_already_committed(eutils_server, entrez_config):
    cfg = entrez_config(eutils_server, batch_size=100)
    ids = _pmids(300)
    proc = mp.get_context("fork").Process(target=_crashing_child, args=(eutils_server.url, str(cfg.cache_path), ids))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 9
    asked_before = set(eutils_server.fetched_ids())
    assert set(_cache(cfg).get_many(ids)) == asked_before and len(asked_before) == 100
    eutils_server.reset_log()
    EntrezSource(cfg, _cache(cfg)).fetch(ids)
    assert sorted(eutils_server.fetched_ids()) == sorted(set(ids) - asked_before)


def test_dead_server_midway_then_rerun_asks_only_for_the_rest(eutils_factory, entrez_config):
    srv = eutils_factory(fail_after=2)
    cfg = entrez_config(srv, batch_size=100, max_retries=1)
    ids = _pmids(400)
    first = EntrezSource(cfg, _cache(cfg), workers=1).fetch(ids)
    assert _statuses(first) == {RESOLVED: 200, FETCH_FAILED: 200}
    srv.set_faults()                                  # the server recovers
    srv.reset_log()
    second = EntrezSource(cfg, _cache(cfg)).fetch(ids)
    assert _statuses(second) == {RESOLVED: 400}
    assert sorted(srv.fetched_ids()) == sorted(p for p, r in first.items() if r.status == FETCH_FAILED)


# -- secrets ----------------------------------------------------------------------------------

def test_api_key_never_leaks(eutils_factory, entrez_config, caplog):
    key = "SECRETKEY0123456789abcdef"
    srv = eutils_factory(fail_429_first=1, retry_after=0, fail_after=2)
    cfg = entrez_config(srv, api_key=key, max_retries=1)
    assert cfg.rate() == 200.0
    caplog.set_level(logging.DEBUG)
    src = EntrezSource(cfg, _cache(cfg))
    results = src.fetch(_pmids(3))
    ref = Reference(id="1", raw="Mann BJ, et al. A title here. Proc Natl Acad Sci U S A. 1991;88(8):3248-52.")
    matched = src.match_citations([ref])              # GET: the key travels in the URL
    assert matched == {}
    with pytest.raises(EntrezError) as err:
        src.call("esearch", {"db": "pubmed", "term": "x"}, read_control)
    closed = EntrezSource(entrez_config(srv, api_key=key, base_url="http://127.0.0.1:9/entrez/eutils/",
                                        max_retries=0), None)
    with pytest.raises(EntrezError) as err2:
        closed.call("ecitmatch", {"db": "pubmed", "bdata": "a|b|"}, read_control, post=False)
    # The key was sent (the server saw the parameter) ...
    assert all(r["params"].get("api_key") == "***" for r in srv.requests)
    # ... and shows nowhere on our side.
    texts = [caplog.text, str(err.value), str(err2.value), repr(src.stats()), repr(closed.stats()),
             repr(results)] + [r.reason for r in results.values()]
    assert [t for t in texts if key in t] == []
    assert "failed after" in str(err.value) and "connection error" in str(err2.value)


# -- NCBI ERROR answers ---------------------------------------------------------------------------

def test_ncbi_error_answers_are_detected_and_not_retried(eutils_server, entrez_config):
    src = EntrezSource(entrez_config(eutils_server), None)
    with pytest.raises(EntrezError, match="Invalid db name specified: nothing"):
        src.call("epost", {"db": "nothing", "id": "1"}, read_control)
    with pytest.raises(EntrezError, match="Empty ID list"):
        src.call("epost", {"db": "pubmed", "id": ""}, read_control)
    assert len(eutils_server.requests) == 2


# -- DOI / PMCID conversion --------------------------------------------------------------------

def test_convert_ids_in_one_search(eutils_server, entrez_config):
    store = record_store()
    with_doi = [e for e in store.entries.values() if e.record.doi][:40]
    with_pmc = [e for e in store.entries.values() if e.record.pmcid][:10]
    dois = [e.record.doi.upper() for e in with_doi[:20]] + [f"https://doi.org/{e.record.doi}" for e in with_doi[20:]]
    dois.append("10.9999/not.a.real.doi")
    pmcids = [e.record.pmcid for e in with_pmc] + ["PMC1"]
    cfg = entrez_config(eutils_server)
    src = EntrezSource(cfg, _cache(cfg))
    out = src.convert_ids(dois, pmcids)
    want = {d: e.pmid for d, e in zip(dois, with_doi)} | {c: e.pmid for c, e in zip(pmcids, with_pmc)}
    assert out == want
    assert src.stats()["requests"] == {"esearch": 1, "efetch": 1}
    eutils_server.reset_log()
    again = EntrezSource(cfg, _cache(cfg))
    assert again.convert_ids(dois, pmcids) == want
    assert eutils_server.requests == []             # matches and misses both remembered


# -- citations --------------------------------------------------------------------------------

def _vancouver(e) -> str:
    r = e.record
    last, initials = e.authors[0]
    return (f"{last.title()} {initials.upper()}, Other A. {r.title} {r.journal_iso}. "
            f"{r.year};{e.volume}:{e.first_page}-{e.first_page}9.")


def test_match_citations_ecitmatch_batches_then_title_search(eutils_server, entrez_config):
    store = record_store()
    usable = [e for e in store.entries.values()
              if e.authors and e.volume and e.first_page.isdigit() and e.record.year and e.record.journal_iso
              and " " not in e.authors[0][0] and "." not in e.record.journal_iso and e.record.title]
    cits = usable[:60]
    refs = [Reference(id=f"r{i}", raw=_vancouver(e)) for i, e in enumerate(cits)]
    # Titles only (no volume/page): ECitMatch cannot be asked, the title search finds them.
    titled = [e for e in store.entries.values() if len(e.title_words) >= 6 and e not in cits][:5]
    refs += [Reference(id=f"t{i}", raw=e.record.title, cited_title=e.record.title, cited_year=e.record.year)
             for i, e in enumerate(titled)]
    refs.append(Reference(id="bogus", raw="Nobody X. Imaginary results. Fake J. 1999;1:1-2.",
                          cited_title="Imaginary quantum results in fictional medicine"))
    assert citation_query(refs[0]) is not None and citation_query(refs[-2]) is None
    cfg = entrez_config(eutils_server, citmatch_batch=25)
    src = EntrezSource(cfg, _cache(cfg))
    out = src.match_citations(refs)
    expected = {f"r{i}": e.pmid for i, e in enumerate(cits)} | {f"t{i}": e.pmid for i, e in enumerate(titled)}
    assert out == expected
    reqs = src.stats()["requests"]
    assert reqs["ecitmatch"] == math.ceil(61 / 25)       # 60 real + the bogus one
    assert reqs["esearch"] == 1                          # six titles OR-ed in one search
    eutils_server.reset_log()
    assert EntrezSource(cfg, _cache(cfg)).match_citations(refs) == expected
    assert eutils_server.requests == []


def test_citation_query_reads_vancouver_and_apa():
    v = citation_query(Reference(id="1", raw="1. Mann BJ, Torian BE, Vedvick TS. Sequence of a lectin. "
                                              "Proc Natl Acad Sci U S A. 1991;88(8):3248-52."))
    assert (v.journal, v.year, v.volume, v.first_page, v.author) == \
        ("Proc Natl Acad Sci U S A", "1991", "88", "3248", "mann bj")
    a = citation_query(Reference(id="2", raw="Mann, B. J., & Torian, B. E. (1991). Sequence of a lectin. "
                                              "Proceedings of the National Academy of Sciences, 88(8), 3248-3252."))
    assert (a.journal, a.year, a.volume, a.first_page, a.author) == \
        ("Proceedings of the National Academy of Sciences", "1991", "88", "3248", "mann bj")


def test_a_search_cut_by_retmax_caches_no_misses():
    # A broad title can fill retmax alone; the batch's other terms then prove nothing.
    from audit.models import FetchResult

    ok = {"1": FetchResult("1", RESOLVED)}
    assert search_complete({"Count": "1", "IdList": ["1"]}, ["1"], ok)
    assert not search_complete({"Count": "150000", "IdList": ["1"]}, ["1"], ok)
    assert not search_complete({"Count": "1", "IdList": ["1"]}, ["1"], {"1": FetchResult("1", "fetch_failed")})
