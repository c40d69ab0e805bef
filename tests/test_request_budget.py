"""Online at NCBI's pace (issue 23): every request counted, none repeated, none over the cap.

Against the local E-utilities server capped at NCBI's 3 requests/s (no key), over the
real records of ../shared/data/pubmed: a corpus citing every one of them plus 8 PMIDs
that do not exist (bench/budget_corpus.py: 21 articles, 40 citations each, one claim
per citation, numbered reference lists).
"""
from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from audit.config import Config, CorpusConfig, CrossrefConfig, EntrezConfig, OutputConfig, SourcesConfig
from devtools.eutils_server import EutilsServer
from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED
from audit.pipeline import audit_paths, run_audit, run_nightly, run_recheck
from audit.pubmed.budget import RequestLedger
from audit.pubmed.cache import RecordCache
from audit.pubmed.entrez import EntrezSource
from audit.pubmed.fetch import open_source
from audit.pubmed.local_index import LocalIndex
from bench.budget_corpus import budget_corpus
from eutils_fixture import RECORDS_DIR, eutils_factory, record_store, start_server  # noqa: F401
from prefect_harness import prefect_harness  # noqa: F401

CAP = 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("budget") / "corpus"
    info = budget_corpus(RECORDS_DIR, folder)
    assert info["articles"] == 21 and info["pmids"] == 839
    return folder, info


def _cfg(srv, tmp_path, **entrez) -> Config:
    e = dict(base_url=srv.url, requests_per_second=0, email="tests@example.org",
             cache_path=str(tmp_path / "records.sqlite"), backoff_base=0.05, backoff_max=0.5)
    e.update(entrez)
    # E-utilities alone: Crossref's own pace and budget are tests/test_crossref.py's.
    return Config(entrez=EntrezConfig(**e), corpus=CorpusConfig(paths=[]), crossref=CrossrefConfig(enabled=False),
                  output=OutputConfig(reports_dir=str(tmp_path / "nightly"),
                                      history_db=str(tmp_path / "history.sqlite")))


def _over_cap(srv) -> int:
    """Requests the server saw beyond CAP in some one-second window (it answers them 429)."""
    return sum(1 for r in srv.requests if r["status"] == 429)


def _refs(audits) -> dict:
    return {(a.article.id, r.id): (r.status, r.pmid) for a in audits for r in a.article.references}


def test_cold_audit_costs_at_most_5_plus_3_per_article_and_warm_runs_send_nothing(corpus, tmp_path):
    folder, info = corpus
    srv = start_server(rate_cap=CAP)
    try:
        cfg = _cfg(srv, tmp_path)
        assert cfg.entrez.rate() == CAP                       # no key: NCBI's 3/s
        t = time.monotonic()
        s = run_audit([folder], tmp_path / "cold", cfg)
        cold_s = time.monotonic() - t
        cold = list(srv.requests)
        assert len(cold) <= 5 + 3 * info["articles"], Counter(r["endpoint"] for r in cold)
        assert _over_cap(srv) == 0 and all(r["status"] == 200 for r in cold)
        # Counted: the summary, run.json and the server agree, per run and per article.
        e = s["source"]["eutils"]
        assert s["entrez_requests"] == e["total"] == len(cold)
        assert e["by_endpoint"] == dict(Counter(r["endpoint"] for r in cold))
        assert sum(e["by_article"].values()) == len(cold)
        assert set(e["by_article"]) - {"(run)"} <= {f"budget-{i:02d}" for i in range(1, 22)}
        # The records are fetched for the run at once; each article's own requests are its search's.
        per_article = {k: v for k, v in e["by_article"].items() if k != "(run)"}
        assert per_article and max(per_article.values()) <= cfg.sources.requests_per_article
        assert e["by_purpose"]["search"] == sum(per_article.values())
        run_json = json.loads((tmp_path / "cold" / "run.json").read_text())
        assert json.dumps(run_json).count('"by_article"') >= 1
        assert s["fetch_failed"] == 0
        print(f"cold audit: {len(cold)} requests in {cold_s:.1f} s")

        # A second audit over the same cache asks PubMed nothing, records or searches.
        srv.reset_log()
        again = run_audit([folder], tmp_path / "warm", cfg)
        assert srv.requests == [] and again["entrez_requests"] == 0
        first = json.loads((tmp_path / "cold" / "articles" / "budget-01" / "report.json").read_text())
        second = json.loads((tmp_path / "warm" / "articles" / "budget-01" / "report.json").read_text())
        assert first["sources"] == second["sources"]           # the same search, answered from the cache

        # So does a nightly over the corpus (a new history: every article scored and searched), and a re-check.
        cfg.corpus.paths = [str(folder)]
        night = run_nightly(cfg, progress=False)
        assert srv.requests == [] and night["entrez_requests"] == 0 and night["scored"] == info["articles"]
        rc = run_recheck(cfg, "budget-05")
        assert srv.requests == [] and rc["entrez_requests"] == 0
    finally:
        srv.stop()


def test_faults_leave_no_reference_wrong(corpus, tmp_path):
    folder, _ = corpus
    healthy_srv = start_server()
    (tmp_path / "h").mkdir()
    try:
        healthy = _refs(audit_paths([folder], open_source(_cfg(healthy_srv, tmp_path / "h")), Config()))
    finally:
        healthy_srv.stop()
    assert Counter(s for s, _ in healthy.values()) == {RESOLVED: 831, NOT_FOUND: 8}
    # Every 4th request a 503, about every 7th record left out of a multi-record efetch answer, at 3/s.
    srv = start_server(rate_cap=CAP, fail_5xx_every=4, fail_status=503, drop_fraction=1 / 7, seed=3)
    try:
        cfg = _cfg(srv, tmp_path / "f")
        (tmp_path / "f").mkdir()
        src = open_source(cfg, run=None)
        got = _refs(audit_paths([folder], src, cfg))
        assert sum(1 for r in srv.requests if r["status"] == 503) > 10
        assert sum(len(r.get("dropped", [])) for r in srv.requests) > 50
        wrong = {k: (got[k], v) for k, v in healthy.items() if got[k] != v}
        assert wrong == {}
        # Over the cap: none.  A request may reach the server well after its grant (measured: up to 92 ms on
        # the loaded machine, beyond the limiter's 50 ms margin), so the pace counts it until its answer is
        # back (audit/transport/answer_window.py); before, a few of ~250 arrived bunched and got a 429.
        assert _over_cap(srv) == 0
        # The records' retries were not spent by the search's, nor the search's by the records'.
        waits = src.stats()["ledger"]["retry_wait_s"]
        assert waits.get("records", 0) > 0
    finally:
        srv.stop()


class _SilentCitMatch(EutilsServer):
    """ECitMatch answers 200 with an empty body (NCBI does, at times); everything else is healthy."""

    def _ecitmatch(self, params, n):
        return 200, "text/plain", b"", {}


def _named_claims(n: int) -> list[str]:
    recs = [e.record for e in record_store().entries.values()
            if e.record.first_author and e.record.journal and e.record.year and e.record.title]
    return [f"{r.first_author} et al. reported in {r.journal} in {r.year} that "
            f"{r.title.rstrip('.')[0].lower() + r.title.rstrip('.')[1:]}." for r in recs[:n]]


def test_a_silent_ecitmatch_costs_a_few_requests_then_the_run_stops_asking_it(tmp_path):
    # 91 claims naming author, journal and year over 7 articles: each article's ECitMatch batch
    # would be retried max_retries times; the breaker stops the run asking after breaker_after.
    claims = _named_claims(91)
    folder = tmp_path / "named"
    folder.mkdir()
    for i in range(7):
        part = claims[i * 13:(i + 1) * 13]
        (folder / f"named-{i}.md").write_text("# Studies named in an answer\n\n" + "\n\n".join(part) + "\n")
    srv = _SilentCitMatch(store=record_store()).start()
    try:
        cfg = _cfg(srv, tmp_path, requests_per_second=50, backoff_base=0.5, backoff_max=5)
        cfg.sources = SourcesConfig(requests_per_article=0)
        t = time.monotonic()
        s = run_audit([folder], tmp_path / "out", cfg)
        took = time.monotonic() - t
        asked = srv.requests_for("ecitmatch")
        assert 1 <= len(asked) <= cfg.entrez.breaker_after
        e = s["source"]["eutils"]
        assert "ecitmatch" in e["breakers_open"] and "unusable" in e["breakers_open"]["ecitmatch"]
        assert e["by_endpoint"]["ecitmatch"] == len(asked)
        assert took < 120, took                   # was about 1,130 s of backoff for 91 claims
        # The searches still ran (ESearch, the local index); the claims say their source was not identified.
        assert srv.requests_for("esearch")
        rep = json.loads((tmp_path / "out" / "articles" / "named-3" / "report.json").read_text())
        cit = [q for src in rep["sources"] for q in src["queries"] if q["where"] == "pubmed ecitmatch"]
        assert cit and all("not asked again" in q["error"] or "unusable" in q["error"] for q in cit)
    finally:
        srv.stop()


def test_the_search_budget_goes_to_unreferenced_claims_first(tmp_path):
    # An article with unreferenced claims and weak citations, a budget of 2 queries: both go to the
    # unreferenced claims; the other queries are logged as not sent, with the reason.
    claims = _named_claims(3)
    recs = [e.record for e in record_store().entries.values() if e.record.title][:4]
    text = "# Notes\n\n" + "\n\n".join(claims) + "\n\n" + "\n\n".join(
        f"The weather was mild that year [{i + 1}]." for i in range(len(recs))) + \
        "\n\n## References\n\n" + "\n".join(f"{i + 1}. PMID: {r.pmid}" for i, r in enumerate(recs)) + "\n"
    (tmp_path / "a.md").write_text(text)
    srv = start_server()
    try:
        cfg = _cfg(srv, tmp_path, requests_per_second=50)
        cfg.sources = SourcesConfig(requests_per_article=2)
        with RecordCache(cfg.entrez.cache_path) as cache:
            led = RequestLedger().configure(search_per_article=2)
            (audit,) = audit_paths([tmp_path / "a.md"], EntrezSource(cfg.entrez, cache, ledger=led), cfg)
        sent_for = [s.purpose for s in audit.sources
                    if any(q.where.startswith("pubmed") and q.where != "pubmed (not sent)" for q in s.queries)]
        assert sent_for and set(sent_for) == {"identify"}
        held = [q for s in audit.sources for q in s.queries if q.where == "pubmed (not sent)"]
        assert held and all("requests_per_article = 2" in q.error for q in held)
        assert led.snapshot()["search_budget"]["spent"] == 2
        suggest = [s for s in audit.sources if s.purpose == "suggest"]
        assert all("not sent" in s.note for s in suggest)
    finally:
        srv.stop()


def test_an_in_process_nightly_opens_its_record_cache_once_and_finds_what_per_step_sources_find(corpus, tmp_path,
                                                                                              monkeypatch):
    # Issue 25: online, every step of a run used to open its own record cache (and the source search
    # its own index from it), once per chunk.  Threads of one process now share the run's source.
    from audit.article_steps import chunk_size
    from audit.executor import LocalExecutor

    part = _first_articles(corpus[0], tmp_path / "corpus", 9)
    assert -(-9 // chunk_size(9, 1)) > 1                  # more than one audit chunk
    opened = []
    real_init = RecordCache.__init__

    def counting_init(self, *a, **k):
        opened.append(a[0] if a else k.get("path"))
        real_init(self, *a, **k)

    monkeypatch.setattr(RecordCache, "__init__", counting_init)
    indexes = []
    real_index_init = LocalIndex.__init__

    def counting_index(self, *a, **k):
        indexes.append(1)
        real_index_init(self, *a, **k)

    monkeypatch.setattr(LocalIndex, "__init__", counting_index)
    srv = start_server(rate_cap=CAP)
    try:
        cfg = _cfg(srv, tmp_path)
        cfg.corpus.paths = [str(part)]
        shared = run_nightly(cfg, executor=LocalExecutor(1), progress=False)
        assert shared["scored"] == 9 and _over_cap(srv) == 0
        assert len(opened) == 1, opened
        assert len(indexes) == 1                    # and the source search's index built once for the run
        first = {p.parent.name: json.loads(p.read_text())["findings"]
                 for p in (tmp_path / "nightly" / "articles").glob("*/report.json")}

        # The same corpus with every step opening its own source (as for Prefect or Dask workers),
        # over the same cache and a fresh history: the same findings.
        class Shipping(LocalExecutor):
            def __init__(self, workers: int = 1):
                super().__init__(workers)
                self.in_process = False

        opened.clear()
        indexes.clear()
        cfg.output = OutputConfig(reports_dir=str(tmp_path / "again"), history_db=str(tmp_path / "again.sqlite"))
        per_step = run_nightly(cfg, executor=Shipping(1), progress=False)
        assert per_step["scored"] == 9 and len(opened) > 1 and len(indexes) > 2
        second = {p.parent.name: json.loads(p.read_text())["findings"]
                  for p in (tmp_path / "again" / "articles").glob("*/report.json")}
        assert len(first) == 9 and first == second
    finally:
        srv.stop()


def test_the_kept_search_index_takes_in_records_cached_since_and_revised_ones(tmp_path):
    # The index a source keeps for its run's searches must hold what a fresh build from the cache would.
    import dataclasses

    from audit.pubmed.fetch import OfflineSource

    real = OfflineSource.from_paths([RECORDS_DIR], 1 << 30).records
    recs = [real[p] for p in sorted(real)[:3]]
    cache = RecordCache(str(tmp_path / "records.sqlite"), 7)
    src = EntrezSource(EntrezConfig(base_url="http://127.0.0.1:9/", email="tests@example.org"), cache)
    try:
        cache.put_many([(recs[0], None), (recs[1], None)])
        idx = src.search_index()
        assert set(idx.records) == {recs[0].pmid, recs[1].pmid}
        cache.put_many([(recs[2], None)])
        cache.put_many([(dataclasses.replace(recs[0], title="Quokka xylophone trial"), None)])
        assert src.search_index() is idx and set(idx.records) == {r.pmid for r in recs}
        assert [h.pmid for h in idx.search('"quokka"')] == [recs[0].pmid]
        fresh = LocalIndex(cache.resolved_records())
        for r in recs[1:]:
            q = " OR ".join(f'"{w}"' for w in r.title.split()[:6] if w.isalpha())
            assert [(h.pmid, round(h.bm25, 9)) for h in idx.search(q)] == \
                [(h.pmid, round(h.bm25, 9)) for h in fresh.search(q)]
    finally:
        src.close()


# --- The search beside the scoring (audit/search_step.py) ------------------------------------------

def _searches(srv) -> list[dict]:
    """The source search's ESearch requests (not the records' ``[uid]`` checks)."""
    return [r for r in srv.requests if r["endpoint"] == "esearch" and "[uid]" not in r["params"]["term"]]


def _first_articles(folder, dest, n: int):
    """A corpus of the first ``n`` articles of ``folder``."""
    dest.mkdir()
    for f in sorted(folder.iterdir())[:n]:
        (dest / f.name).write_bytes(f.read_bytes())
    return dest


def _sources_of(out_dir) -> dict:
    return {p.parent.name: json.loads(p.read_text())["sources"] for p in sorted((out_dir / "articles").glob("*/report.json"))}


def test_online_the_search_runs_while_the_chunk_is_scored_and_finds_what_tier_by_tier_finds(corpus, tmp_path,
                                                                                            monkeypatch):
    from audit import article_steps, search_step
    some = _first_articles(corpus[0], tmp_path / "some", 6)
    scored_at: list[float] = []
    audit_of = article_steps.audit_of

    def timed(job, scoring):
        out = audit_of(job, scoring)
        # Scoring made slow (half a second an article, without holding the GIL) so that "while" does not
        # hang on how loaded the machine is: tier by tier, no search could start within these 3 s.
        time.sleep(0.5)
        scored_at.append(time.time())
        return out
    monkeypatch.setattr(article_steps, "audit_of", timed)
    srv = start_server(rate_cap=CAP)
    try:
        cfg = _cfg(srv, tmp_path, cache_path=str(tmp_path / "beside.sqlite"))
        run_audit([some], tmp_path / "beside", cfg)
        searches = _searches(srv)
        assert len(scored_at) == 6 and searches
        # PubMed was searched for the first articles while the last ones were still being scored, and
        # the first articles' reports were written while the last ones' searches still waited on the pace.
        assert searches[0]["time"] < scored_at[-1], (searches[0]["time"], scored_at)
        written = sorted(p.stat().st_mtime for p in (tmp_path / "beside" / "articles").glob("*/report.json"))
        assert len(written) == 6 and written[0] < searches[-1]["time"], (written, searches[-1]["time"])

        # The same searches tier by tier, after the whole chunk is scored (the order the run keeps where
        # its search budget could run out): the same sources, the same requests.
        monkeypatch.setattr(search_step._Alongside, "start", classmethod(lambda cls, *a: None))
        srv.reset_log()
        scored_at.clear()
        cfg = _cfg(srv, tmp_path, cache_path=str(tmp_path / "tiers.sqlite"))
        run_audit([some], tmp_path / "tiers", cfg)
        again = _searches(srv)
        assert again[0]["time"] > scored_at[-1]
        assert sorted(r["params"]["term"] for r in again) == sorted(r["params"]["term"] for r in searches)
        assert _sources_of(tmp_path / "beside") == _sources_of(tmp_path / "tiers")
        assert _over_cap(srv) == 0
    finally:
        srv.stop()


def test_the_runs_search_budget_is_set_aside_only_where_every_article_can_spend_its_own():
    led = RequestLedger().configure(search_per_article=3, search_per_run=10)
    assert led.reserve_search(3)                      # 9 of 10
    assert not led.reserve_search(1)                  # 9 held + 3 > 10: this chunk searches tier by tier
    led.release_search(3)
    assert led.spend_search("a") == "" and led.reserve_search(3)        # 1 spent + 9 <= 10
    assert not RequestLedger().configure(search_per_article=0, search_per_run=10).reserve_search(1)
    assert RequestLedger().configure(search_per_article=3, search_per_run=0).reserve_search(10 ** 6)


def test_a_step_away_from_the_runs_process_counts_in_its_own_ledger_and_hands_the_counts_back():
    import os
    from audit.pubmed.budget import ledger_for, requests_for, step_ledger, with_requests
    with step_ledger("run-a", os.getpid(), share=1) as (token, back):
        assert token == "run-a"                       # at home: the run's own ledger, nothing handed back
    assert back == {}
    with step_ledger("run-a", os.getpid() + 1, share=1) as (token, back):
        led = ledger_for(token)
        led.configure(search_per_article=3, search_per_run=10)
        with requests_for("search", "x"):
            led.note_request("esearch")
        assert led.spend_search("x") == "" and "requests_per_run" in led.spend_search("x")   # its share: 1
    run = ledger_for("run-a")
    run.absorb(back)
    snap = run.snapshot()
    assert snap["by_endpoint"] == {"esearch": 1} and snap["by_purpose"] == {"search": 1}
    assert snap["search_budget"]["spent"] == 1 and snap["search_budget"]["not_sent"] == {"x": 1}
    assert ledger_for(token) is not led                 # the step's ledger was dropped
    with_requests({}, "run-a")


def _sent(search) -> int:
    return sum(1 for q in search.queries if q.where.startswith("pubmed") and q.where != "pubmed (not sent)")


def _held(search) -> int:
    return sum(1 for q in search.queries if q.where == "pubmed (not sent)")


def _write_named(folder, n: int) -> None:
    """``n`` articles, each a claim naming its study with no reference entry (its source is searched
    for), then citations of three records the scorer finds weak (suggestions are searched for)."""
    recs = [e.record for e in record_store().entries.values() if e.record.title][:3]
    folder.mkdir()
    for k, claim in enumerate(_named_claims(n)):
        (folder / f"art-{k}.md").write_text(
            "# Notes\n\n" + claim + "\n\n" +
            "\n\n".join(f"The weather was mild that year [{i + 1}]." for i in range(len(recs))) +
            "\n\n## References\n\n" + "\n".join(f"{i + 1}. PMID: {r.pmid}" for i, r in enumerate(recs)) + "\n")


def test_where_the_runs_budget_may_run_out_no_suggestion_is_searched_before_every_source_is(tmp_path):
    # Two articles, each with an unreferenced claim naming its study and weak citations; the run may
    # send 7, each article 5.  Article by article, the first would spend its 5, weak citations included,
    # and leave the second's unreferenced claim too few; tier by tier, every article's unreferenced claims
    # are searched before anyone's weak citations.
    folder = tmp_path / "two"
    _write_named(folder, 2)
    srv = start_server()
    try:
        cfg = _cfg(srv, tmp_path, requests_per_second=50)
        cfg.sources = SourcesConfig(requests_per_article=5, requests_per_run=7)
        audits = audit_paths([folder], open_source(cfg), cfg)
        searches = [s for a in audits for s in a.sources]
        identify = [s for s in searches if s.purpose == "identify"]
        suggest = [s for s in searches if s.purpose == "suggest"]
        assert sum(_sent(s) for s in searches) == 7 and any(_held(s) for s in suggest)    # the budget ran out
        assert len(identify) == 2 and not any(_held(s) for s in identify)
        assert not any(_sent(s) for s in suggest)
    finally:
        srv.stop()


def _held_rows(reports) -> dict:
    return {p.parent.name: [f["message"] for f in json.loads(p.read_text())["findings"] if f["kind"] == "search_held_back"]
            for p in sorted((reports / "articles").glob("*/report.json"))}


def test_searches_the_runs_budget_held_back_are_sent_on_later_nights_as_far_as_each_nights_budget_goes(tmp_path):
    # Three unchanged articles, a run budget of 4 queries, 3 per article: the first night's budget runs
    # out (tier by tier: unreferenced claims first) and what it held back is said in a search_held_back
    # finding; each later night scores again only as many held-back articles as its budget can search
    # (4 // 3 = 1), the first in corpus order, until every search has been sent; then a night scores
    # nothing.  In the end each article has the sources a run with budget enough finds.
    folder = tmp_path / "three"
    _write_named(folder, 3)
    srv = start_server()
    try:
        cfg = _cfg(srv, tmp_path, requests_per_second=50)
        cfg.corpus.paths = [str(folder)]
        cfg.sources = SourcesConfig(requests_per_article=3, requests_per_run=4)
        reports = tmp_path / "nightly"
        nights, held = [], []
        for _ in range(6):
            nights.append(run_nightly(cfg, progress=False)["scored"])
            rows = _held_rows(reports)
            held.append([a for a, m in rows.items() if m])
            if len(nights) == 1:
                assert all("sources.requests_per_run = 4" in m[0] for m in rows.values() if m)
        assert nights[0] == 3 and len(held[0]) >= 2, held[0]
        for k in range(1, 6):
            assert nights[k] == min(1, len(held[k - 1])), (nights, held)
            assert held[k] == held[k - 1][nights[k]:], (k, held)      # the first held back, searched
        assert held[-1] == [] and nights[-1] == 0

        # A one-off audit with budget enough for all three, over the same cache: the same sources.
        cfg.sources = SourcesConfig(requests_per_article=3, requests_per_run=0)
        run_audit([folder], tmp_path / "enough", cfg)
        assert _sources_of(reports) == _sources_of(tmp_path / "enough")
    finally:
        srv.stop()


def test_a_nightly_on_two_dask_workers_counts_what_they_send_and_keeps_to_the_runs_search_budget(
        prefect_harness, tmp_path, monkeypatch):
    # Issue 23: "every request counted per run, shown in the run summary".  On Dask the steps run in
    # worker processes, whose ledgers the run cannot read: their requests went uncounted (the summary
    # said 0 where the server saw them), and each worker spent the whole run's search budget again.
    # Now each step away from the run counts in a ledger of its own, given a share of the run's search
    # budget, and hands its counts back with its results.
    pytest.importorskip("prefect_dask")
    from flows.nightly import nightly_audit
    from nightly_corpus import write_config

    folder = tmp_path / "named"
    _write_named(folder, 10)          # 10 articles: 3 chunks of at most 4
    srv = start_server()
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
    try:
        cfg = write_config(tmp_path / "dask.yaml", folder, tmp_path / "out",
                           entrez={"cache_path": str(tmp_path / "records.sqlite")},
                           concurrency={"task_runner": "dask", "workers": 2},
                           sources={"requests_per_article": 3, "requests_per_run": 7})
        s = nightly_audit(config_path=str(cfg), progress=False)
        sent = list(srv.requests)
    finally:
        srv.stop()
    assert s["task_runner"] == "DaskTaskRunner" and s["scored"] == 10
    e = s["source"]["eutils"]
    assert s["entrez_requests"] == e["total"] == len(sent) > 0
    assert e["by_endpoint"] == dict(Counter(r["endpoint"] for r in sent))
    # The run's search budget held across the workers: at most 7 queries asked (cached or sent), the
    # rest held back and said so in the articles' reports (to be sent on a later night).
    assert 0 < e["search_budget"]["spent"] <= 7 and e["search_budget"]["per_run"] == 7
    assert len([r for r in sent if r["endpoint"] == "ecitmatch" or r in _searches(srv)]) <= 7
    held = _held_rows(tmp_path / "out")
    assert sum(1 for m in held.values() if m) >= 5, held
