"""bench_fetch's request counts: the 21-article, 839-PMID corpus at a local server capped at NCBI's 3/s.

The corpus of tests/test_request_budget.py (bench/budget_corpus.py: every real record of
shared/data/pubmed cited once, plus 8 PMIDs that do not exist, 40 citations per article), audited
as ``citeaudit audit`` does (``run_audit``):

* cold: an empty record cache (``repeat`` times, each with a cache of its own: the median is printed,
  beside what its requests alone cost at the cap);
* warm: the same audit again over that cache (the issue's target: 0 requests);
* faults: an empty cache, the server answering 503 to every 4th request and leaving about 1 in 7
  records out of multi-record efetch answers; the references compared one by one with the healthy run.

For each: requests by endpoint, the ones the server answered 429 (over its cap) and seconds.  The
server runs in its own process (as NCBI does), its request log read back from its JSONL file.
"""
from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

from audit.config import Config, CorpusConfig, CrossrefConfig, EntrezConfig, OutputConfig
from audit.pipeline import audit_paths, run_audit
from audit.pubmed.fetch import open_source
from bench.budget_corpus import budget_corpus
from bench.fetch_sweep import logged, server_process
from bench.spread import fmt

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


def _phase(name: str, runs: list[tuple[float, list[dict]]], extra: str = "") -> dict:
    """One line for runs of a phase: the last run's requests by endpoint, 429s over all, median seconds."""
    mine = runs[-1][1]
    over = sum(1 for _, sent in runs for r in sent if r["status"] == 429)
    secs = [s for s, _ in runs]
    by = dict(sorted(Counter(r["endpoint"] for r in mine).items()))
    took = fmt(secs, "s", 1) if len(secs) > 1 else f"{secs[0]:.1f} s"
    print(f"{name:6} {len(mine):5d} requests {by}, {over} over the {CAP}/s cap (429), {took}{extra}")
    return {f"budget_{name}_requests": len(mine), f"budget_{name}_over_cap": over,
            f"budget_{name}_s": round(statistics.median(secs), 1)}


def budget(records: Path, tmp: Path, repeat: int = 3) -> dict:
    """Print the counts; returns their key=value fields."""
    folder = tmp / "budget-corpus"
    info = budget_corpus(records, folder)
    n = info["articles"]
    print(f"\nrequest budget: {n} articles, {info['pmids']} PMIDs ({len(info['missing'])} that do not exist), "
          f"server capped at {CAP}/s (no key); target: cold <= 5 + 3 x {n} = {5 + 3 * n}, warm 0, 0 over the cap")
    out: dict = {"budget_articles": n, "budget_pmids": info["pmids"]}
    log = tmp / "budget-healthy.jsonl"
    with server_process([records], log, rate_cap=CAP) as url:
        runs: dict[str, list] = {"cold": [], "warm": []}     # (seconds, the requests it sent) per run
        edges: list[tuple[float, float]] = []                 # cold: (first request at, after the last) s
        for rep in range(max(1, repeat)):
            cfg = _cfg(url, tmp, f"budget-records-{rep}.sqlite")
            for phase in ("cold", "warm"):
                before = len(logged(log))
                t, wall = time.perf_counter(), time.time()
                summary = run_audit([folder], tmp / f"budget-{phase}-{rep}", cfg)
                runs[phase].append((time.perf_counter() - t, logged(log)[before:]))
                if phase == "cold":
                    cold = summary["source"]["eutils"]["by_purpose"]
                    sent = runs[phase][-1][1]
                    # Where the run is not waiting on the pace: before its first request, after its last.
                    edges.append((sent[0]["time"] - wall, wall + runs[phase][-1][0] - sent[-1]["time"]))
        # The requests alone at the cap: what the issue asks the cold run to finish within.
        alone = len(runs["cold"][-1][1]) / CAP
        head = statistics.median(h for h, _ in edges)
        tail = statistics.median(t for _, t in edges)
        out.update(_phase("cold", runs["cold"], f"; its requests alone at {CAP}/s: {alone:.1f} s; first request "
                                                f"{head:.1f} s after the start, {tail:.1f} s from the last to the "
                                                f"end (medians); by purpose {dict(sorted(cold.items()))}"))
        out["budget_cold_head_s"], out["budget_cold_tail_s"] = round(head, 1), round(tail, 1)
        out["budget_cold_requests_alone_s"] = round(alone, 1)
        out.update({f"budget_cold_{k}_requests": v for k, v in cold.items()})
        out.update(_phase("warm", runs["warm"]))
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
        out.update(_phase("faults", [(secs, served)], note))
        out["budget_faults_wrong"] = wrong
    return out
