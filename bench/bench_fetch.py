"""Benchmark: fetching PubMed records through the Entrez layer vs a naive loop.

    .venv/bin/python -m bench.bench_fetch [--records N] [--naive N] [--rate R] [--latency-ms MS]
                                          [--no-sweep] [--no-budget]

A local E-utilities server (devtools.eutils_server) serves the real records in
shared/data/pubmed plus, to reach the requested count, GENERATED clones of
them: real records copied with new synthetic PMIDs (90000000+), written to a
temporary folder for this benchmark only and deleted afterwards.  The server
emulates NCBI: it refuses (429) more than ``--rate`` requests per second and
adds ``--latency-ms`` to every answer.

Measured in the same run, through the same process-wide rate limiter, ``--repeat``
times (medians, with min/max):

* batched: ``EntrezSource.fetch`` of all PMIDs (default config: above 1000
  PMIDs it goes through epost + history; also shown with id batches only);
* warm: the same fetch again, served from the SQLite cache;
* naive: one efetch request per PMID, on a subset (``--naive``, default 100)
  and extrapolated linearly to the full count.

Then (``bench.fetch_sweep``) records/s for 100, 400 and 800 PMIDs at a 10/s cap against the physical
limit and the least time of those requests, and (``bench.fetch_budget``) the request counts of the
request-budget corpus at a 3/s cap: cold, warm, and with faults.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from audit.pubmed.cache import RecordCache
from audit.config import EntrezConfig
from audit.pubmed.entrez import EntrezSource
from devtools.eutils_server import run_server
from audit.models import RESOLVED
from audit.pubmed.records import load_raw_records, parse_records, wrap_article_set
from audit.pubmed.ratelimit import shared_limiter
from bench.fetch_budget import budget
from bench.fetch_sweep import sweep
from bench.spread import fmt, kv

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC_BASE = 90_000_000


def shared_pubmed() -> Path:
    for cand in (ROOT.parent / "shared" / "data" / "pubmed", ROOT.parent.parent / "shared" / "data" / "pubmed"):
        if cand.is_dir():
            return cand
    sys.exit("shared/data/pubmed not found beside the checkout")


def generate_clones(raw: dict[str, bytes], count: int, folder: Path) -> list[str]:
    """Write ``count`` copies of real records with synthetic PMIDs; return the PMIDs."""
    sources = [raw[p] for p in sorted(raw)]
    pmids, parts = [], []
    for i in range(count):
        xml = sources[i % len(sources)].decode("utf-8")
        new = str(SYNTHETIC_BASE + i)
        old = re.search(r"<PMID[^>]*>(\d+)</PMID>", xml).group(1)
        xml = re.sub(r"(<PMID[^>]*>)\d+(</PMID>)", rf"\g<1>{new}\g<2>", xml, count=1)
        xml = xml.replace(f'<ArticleId IdType="pubmed">{old}</ArticleId>',
                          f'<ArticleId IdType="pubmed">{new}</ArticleId>')
        pmids.append(new)
        parts.append(xml.encode("utf-8"))
    body = wrap_article_set(parts).replace(
        b"<PubmedArticleSet>",
        b"<!-- GENERATED for bench/bench_fetch.py only: copies of real PubMed records "
        b"with synthetic PMIDs (90000000+). Not real data. -->\n<PubmedArticleSet>", 1)
    (folder / "GENERATED-bench-only.xml").write_bytes(body)
    return pmids


def naive_loop(url: str, pmids: list[str], rate: float) -> tuple[float, int]:
    """One efetch per PMID, as a simple Bio.Entrez.efetch loop would do (same limiter)."""
    limiter = shared_limiter(rate)
    session = requests.Session()
    ok = 0
    t = time.perf_counter()
    for p in pmids:
        limiter.acquire()
        r = session.get(url + "efetch.fcgi", params={"db": "pubmed", "id": p, "retmode": "xml"}, timeout=30)
        r.raise_for_status()
        ok += len(parse_records(r.content))
    return time.perf_counter() - t, ok


def timed_fetch(cfg: EntrezConfig, cache_path: Path, pmids: list[str]) -> tuple[float, dict, dict]:
    src = EntrezSource(cfg, RecordCache(cache_path, cfg.cache_ttl_days))
    t = time.perf_counter()
    res = src.fetch(pmids)
    return time.perf_counter() - t, res, src.stats()


def crossref_bench(n: int, tmp: Path) -> dict:
    """``n`` DOIs of the shared records through CrossrefSource against the local stand-in
    (tests/crossref_server.py) at Crossref's documented polite-pool limits (10 requests/s, 3 in flight;
    the stand-in refuses more than 10 in any second with a 429), cold and then warm from its cache."""
    sys.path.insert(0, str(ROOT / "tests"))
    from crossref_server import CrossrefServer

    from audit.config import CrossrefConfig
    from audit.crossref.client import CrossrefCache, CrossrefSource
    from audit.pubmed.records import load_records

    recs = load_records([shared_pubmed()])
    dois = sorted({r.doi for r in recs.values() if r.doi})[:n]
    with CrossrefServer(recs.values(), rate_cap=10, concurrency_limit=3) as srv:
        cfg = CrossrefConfig(base_url=srv.url, mailto="bench@example.org", requests_per_second=10.0,
                             cache_path=str(tmp / "crossref.sqlite"))
        out = {}
        for phase in ("cold", "warm"):
            srv.reset_log()
            src = CrossrefSource(cfg, CrossrefCache(cfg.cache_path))
            t = time.perf_counter()
            res = src.fetch(dois)
            secs = time.perf_counter() - t
            log = srv.requests()
            ok = sum(1 for r in res.values() if r.status == RESOLVED)
            print(f"crossref {phase}: {len(dois)} DOIs, {ok} resolved, {len(log)} requests "
                  f"({len(log) / max(1, len(dois)):.3f} per reference), "
                  f"{sum(1 for r in log if r['status'] == 429)} refused (429), {secs:.2f} s, "
                  f"at most {src.pace.max_inflight_seen} in flight")
            out[f"crossref_{phase}_requests"] = len(log)
            out[f"crossref_{phase}_s"] = round(secs, 3)
            src.close()
        out["crossref_requests_per_ref"] = round(out["crossref_cold_requests"] / max(1, len(dois)), 3)
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_fetch")
    ap.add_argument("--records", type=int, default=1200, help="PMIDs to fetch (>= 1000)")
    ap.add_argument("--naive", type=int, default=100, help="PMIDs in the naive loop (extrapolated)")
    ap.add_argument("--rate", type=float, default=10.0, help="requests/s: 10 as with an API key, 3 without")
    ap.add_argument("--latency-ms", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (medians with min/max are printed)")
    ap.add_argument("--crossref", type=int, default=200, help="DOIs asked of the local Crossref stand-in (0: none)")
    ap.add_argument("--no-sweep", action="store_true", help="skip the records/s sweep (100, 400, 800 PMIDs at 10/s)")
    ap.add_argument("--no-budget", action="store_true", help="skip the request counts of the budget corpus at 3/s")
    a = ap.parse_args(argv)

    real_dir = shared_pubmed()
    raw = load_raw_records([real_dir])
    tmp = Path(tempfile.mkdtemp(prefix="citeaudit-bench-fetch-"))
    try:
        real = sorted(raw)
        need = max(0, a.records - len(real))
        gen_dir = tmp / "generated"
        gen_dir.mkdir()
        synthetic = generate_clones(raw, need, gen_dir) if need else []
        pmids = (real + synthetic)[: a.records]
        print(f"records: {len(real)} real PubMed records + {len(synthetic)} GENERATED clones "
              f"(synthetic PMIDs {SYNTHETIC_BASE}+, benchmark only) = {len(pmids)} PMIDs")
        with run_server([real_dir, gen_dir], rate_cap=a.rate, latency_ms=a.latency_ms) as srv:
            print(f"server: {srv.url}  rate cap {a.rate:g}/s (429 beyond), latency {a.latency_ms:g} ms")
            base = dict(base_url=srv.url, requests_per_second=a.rate, max_retries=5,
                        backoff_base=0.5, backoff_max=5.0)
            modes = (("batched (epost+history)", {}), ("batched (id batches)", {"history_threshold": 10**9}))
            secs: dict[str, list[float]] = {m: [] for m, _ in modes}
            stats: dict[str, tuple] = {}
            warm_t, naive_t = [], []
            for rep in range(a.repeat):
                for k, (label, extra) in enumerate(modes):
                    cfg = EntrezConfig(**base, **extra)
                    srv.reset_log()
                    cache = tmp / f"cache-{rep}-{k}.sqlite"      # empty: every run fetches everything
                    t, res, _ = timed_fetch(cfg, cache, pmids)
                    secs[label].append(t)
                    ok = sum(1 for r in res.values() if r.status == RESOLVED)
                    stats[label] = (ok, len(srv.requests), sum(1 for r in srv.requests if r["status"] == 429))
                    if extra == {}:
                        srv.reset_log()
                        t, warm_res, _ = timed_fetch(cfg, cache, pmids)
                        warm_t.append(t)
                        warm_req = len(srv.requests)
                subset = pmids[: a.naive]
                srv.reset_log()
                t, naive_ok = naive_loop(srv.url, subset, a.rate)
                naive_t.append(t)
                naive_429 = sum(1 for r in srv.requests if r["status"] == 429)

        naive_secs = statistics.median(naive_t)
        naive_rps = naive_ok / naive_secs
        naive_full = len(pmids) / naive_rps
        print()
        print(f"medians of {a.repeat} runs (spread below)")
        print(f"{'mode':28} {'seconds':>8} {'records':>8} {'rec/s':>8} {'requests':>9} {'req/rec':>8} {'429s':>5}")
        for label, _ in modes:
            ok, n_req, n429 = stats[label]
            t = statistics.median(secs[label])
            print(f"{label:28} {t:8.2f} {ok:8d} {ok / t:8.1f} {n_req:9d} {n_req / len(pmids):8.4f} {n429:5d}")
        warm_secs = statistics.median(warm_t)
        print(f"{'warm cache (same run)':28} {warm_secs:8.2f} {len(warm_res):8d} "
              f"{len(warm_res) / warm_secs:8.1f} {warm_req:9d} {warm_req / len(pmids):8.4f} {0:5d}")
        print(f"{'naive, 1 request per PMID':28} {naive_secs:8.2f} {naive_ok:8d} {naive_rps:8.1f} "
              f"{len(subset):9d} {1.0:8.4f} {naive_429:5d}   (measured on {len(subset)} PMIDs)")
        print(f"{'naive, extrapolated':28} {naive_full:8.2f} {len(pmids):8d} {naive_rps:8.1f} "
              f"{len(pmids):9d} {1.0:8.4f}   (linear extrapolation of the {len(subset)}-PMID run)")
        print()
        for label, _ in modes:
            print(f"seconds, {label}: {fmt(secs[label], 's', 2)}")
        print(f"seconds, warm cache: {fmt(warm_t, 's', 3)}")
        print(f"seconds, naive ({len(subset)} PMIDs): {fmt(naive_t, 's', 2)}")
        for label, _ in modes:
            t = statistics.median(secs[label])
            print(f"speed-up {label}: {naive_full / t:.1f}x faster than the naive loop; "
                  f"{len(pmids) / stats[label][1]:.0f}x fewer requests")
        xref = crossref_bench(a.crossref, tmp) if a.crossref else {}
        swept = {} if a.no_sweep else sweep([real_dir, gen_dir], pmids, tmp, 10.0, a.latency_ms, a.repeat)
        counted = {} if a.no_budget else budget(real_dir, tmp, a.repeat)
        epost = secs[modes[0][0]]
        print(kv(**xref, **swept, **counted, records=len(pmids), batched_s=statistics.median(epost), batched_min_s=min(epost),
                 batched_max_s=max(epost), warm_s=warm_secs, naive_extrapolated_s=naive_full,
                 speedup=naive_full / statistics.median(epost), requests=stats[modes[0][0]][1], runs=a.repeat))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
