"""bench_fetch's request counts: the 21-article, 839-PMID corpus at a local server capped at NCBI's 3/s.

The corpus of tests/test_request_budget.py (bench/budget_corpus.py: every real record of
shared/data/pubmed cited once, plus 8 PMIDs that do not exist, 40 citations per article), audited
as ``citeaudit audit`` does (``run_audit``):

* cold: an empty record cache;
* warm: the same audit again over that cache (the issue's target: 0 requests);
* faults: an empty cache, the server answering 503 to every 4th request and leaving about 1 in 7
  records out of multi-record efetch answers; the references compared one by one with the healthy run.

For each: requests by endpoint, the ones the server answered 429 (over its cap) and seconds.  The
server runs in its own process (as NCBI does), its request log read back from its JSONL file.
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from audit.config import Config, CorpusConfig, CrossrefConfig, EntrezConfig, OutputConfig
from audit.pipeline import audit_paths, run_audit
from audit.pubmed.fetch import open_source
from bench.budget_corpus import budget_corpus
from bench.fetch_sweep import logged, server_process

CAP = 3
FAULTS = dict(fail_5xx_every=4, fail_status=503, drop_fraction=1 / 7, seed=3)


def _cfg(url: str, tmp: Path, cache: str) -> Config:
    e = EntrezConfig(base_url=url, requests_per_second=0, email="bench@example.org",
                     cache_path=str(tmp / cache), backoff_base=0.05, backoff_max=0.5)
    # E-utilities alone: Crossref has its own pace and ledger (crossref_bench).
    return Config(entrez=e, corpus=CorpusConfig(paths=[]), crossref=CrossrefConfig(enabled=False),
                  output=OutputConfig(reports_dir=str(tmp / "nightly"), history_db=str(tmp / "history.sqlite")))


def _refs(audits) -> dict:
    return {(a.article.id, r.id): (r.status, r.pmid) for a in audits for r in a.article.references}


def _phase(name: str, log: Path, before: int, secs: float, extra: str = "") -> dict:
    mine = logged(log)[before:]
    over = sum(1 for r in mine if r["status"] == 429)
    by = dict(sorted(Counter(r["endpoint"] for r in mine).items()))
    print(f"{name:6} {len(mine):5d} requests {by}, {over} over the {CAP}/s cap (429), {secs:.1f} s{extra}")
    return {f"budget_{name}_requests": len(mine), f"budget_{name}_over_cap": over, f"budget_{name}_s": round(secs, 1)}


def budget(records: Path, tmp: Path) -> dict:
    """Print the counts; returns their key=value fields."""
    folder = tmp / "budget-corpus"
    info = budget_corpus(records, folder)
    n = info["articles"]
    print(f"\nrequest budget: {n} articles, {info['pmids']} PMIDs ({len(info['missing'])} that do not exist), "
          f"server capped at {CAP}/s (no key); target: cold <= 5 + 3 x {n} = {5 + 3 * n}, warm 0, 0 over the cap")
    out: dict = {"budget_articles": n, "budget_pmids": info["pmids"]}
    log = tmp / "budget-healthy.jsonl"
    with server_process([records], log, rate_cap=CAP) as url:
        cfg = _cfg(url, tmp, "budget-records.sqlite")
        t = time.perf_counter()
        cold = run_audit([folder], tmp / "budget-cold", cfg)["source"]["eutils"]["by_purpose"]
        out.update(_phase("cold", log, 0, time.perf_counter() - t, f"; by purpose {dict(sorted(cold.items()))}"))
        out.update({f"budget_cold_{k}_requests": v for k, v in cold.items()})
        before = len(logged(log))
        t = time.perf_counter()
        run_audit([folder], tmp / "budget-warm", cfg)
        out.update(_phase("warm", log, before, time.perf_counter() - t))
        # The healthy answers, for the comparison below: from the warm cache, asking nothing.
        before = len(logged(log))
        healthy = _refs(audit_paths([folder], open_source(cfg), cfg))
        if len(logged(log)) != before:
            raise RuntimeError("the healthy comparison run sent requests")
    log = tmp / "budget-faults.jsonl"
    with server_process([records], log, rate_cap=CAP, **FAULTS) as url:
        cfg = _cfg(url, tmp, "budget-faults.sqlite")
        t = time.perf_counter()
        got = _refs(audit_paths([folder], open_source(cfg), cfg))
        secs = time.perf_counter() - t
        wrong = sum(1 for k, v in healthy.items() if got.get(k) != v)
        served = logged(log)
        note = (f"; {sum(1 for r in served if r['status'] == 503)} answered 503, "
                f"{sum(len(r.get('dropped', [])) for r in served)} records dropped; "
                f"{wrong} of {len(healthy)} references wrong")
        out.update(_phase("faults", log, 0, secs, note))
        out["budget_faults_wrong"] = wrong
    return out
