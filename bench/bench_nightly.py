"""Benchmark: the nightly run over a large generated corpus, with warm record caches.

    .venv/bin/python -m bench.bench_nightly [--articles 2000] [--workers 2] [--runner thread|dask]
                                            [--prefect] [--repeat 3]

Articles are GENERATED from a few templates; each cites 3-6 real PMIDs from
shared/data/pubmed (records with a title), and its claims are built from the
cited records' titles, so scoring has real text to work on.  A local
E-utilities server serves those records; the record cache is warmed first
(one fetch of every PMID), so the runs measure the audit, not NCBI.

Measured in the same process:

* run 1: every article read, resolved from the cache and scored (empty history);
* run 2: nothing changed, so nothing is scored again (content keys match);
* articles per second for both, peak resident memory (getrusage), and the
  ratio of run 2's time to run 1's.

Each pair of runs is made ``--repeat`` times on a fresh output folder and
history; medians are printed with min/max.  The runs are what ``citeaudit
nightly`` does: in-process (``audit.pipeline.run_nightly``); with ``--prefect``
or ``--runner dask`` through the Prefect flow, against the local ephemeral API
server started before timing.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [
    "Evidence on {t}",
    "What is known about {t}",
    "A clinical overview: {t}",
]
LEADS = ["A study reported on {x}", "Researchers examined {x}", "It has been shown in work on {x} that results vary",
         "Published data describe {x}"]


def _shared() -> Path:
    env = os.environ.get("CITEAUDIT_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT.parent.parent / "shared"]:
        if (cand / "data" / "pubmed").is_dir():
            return cand / "data"
    sys.exit("shared/data not found beside the checkout (set CITEAUDIT_SHARED)")


def generate(corpus: Path, records: dict, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    pmids = sorted(p for p, r in records.items() if len(r.title) > 20)
    corpus.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        cited = rng.sample(pmids, rng.randint(3, 6))
        title = rng.choice(TEMPLATES).format(t=records[cited[0]].title.rstrip(".").lower())
        lines = [f"# {title}", ""]
        for k, p in enumerate(cited, 1):
            t = records[p].title.rstrip(".")
            lines += [rng.choice(LEADS).format(x=t[0].lower() + t[1:]) + f" [{k}].", ""]
        lines += ["## References", ""] + [f"{k}. PMID: {p}" for k, p in enumerate(cited, 1)]
        sub = corpus / f"batch{i // 500:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"article-{i:05d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runner", choices=("thread", "dask"), default="thread")
    ap.add_argument("--prefect", action="store_true", help="run the Prefect flow (as citeaudit nightly --prefect)")
    ap.add_argument("--repeat", type=int, default=3, help="pairs of runs (medians with min/max are printed)")
    args = ap.parse_args(argv)

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    import yaml

    from audit.pubmed.cache import RecordCache
    from audit.config import load_config
    from audit.pubmed.entrez import EntrezSource
    from devtools.eutils_server import EutilsServer
    from audit.pubmed.records import load_records
    from audit.pipeline import run_nightly
    from bench.spread import fmt, kv
    if args.prefect or args.runner == "dask":
        from flows.nightly import nightly_audit

    data = _shared()
    tmp = Path(tempfile.mkdtemp(prefix="bench-nightly-"))
    try:
        records = load_records([data / "pubmed"])
        corpus = tmp / "corpus"
        t = time.perf_counter()
        generate(corpus, records, args.articles)
        gen_s = time.perf_counter() - t
        srv = EutilsServer(records=[data / "pubmed"]).start()
        os.environ["CITEAUDIT_EUTILS_URL"] = srv.url
        os.environ["CITEAUDIT_CACHE"] = str(tmp / "records.sqlite")
        cfg_path = tmp / "config.yaml"
        base_cfg = {
            "corpus": {"paths": [str(corpus)]},
            "output": {"reports_dir": str(tmp / "out"), "history_db": str(tmp / "out" / "history.sqlite")},
            "entrez": {"requests_per_second": 50, "cache_ttl_days": 7, "email": "bench@example.org"},
            "concurrency": {"task_runner": args.runner, "workers": args.workers},
        }
        cfg_path.write_text(yaml.safe_dump(base_cfg))
        cfg = load_config(cfg_path)

        # Warm the record cache: every cited PMID once.
        t = time.perf_counter()
        src = EntrezSource(cfg.entrez, RecordCache(cfg.entrez.cache_path, cfg.entrez.cache_ttl_days))
        warmed = src.fetch(sorted(records))
        warm_s = time.perf_counter() - t
        src.cache.close()

        use_prefect = args.prefect or args.runner == "dask"
        api_s = 0.0
        if use_prefect:
            from prefect import flow

            @flow(name="bench-warmup")
            def warmup() -> int:
                return 1
            t = time.perf_counter()
            warmup()                      # starts the ephemeral API outside the timings
            api_s = time.perf_counter() - t

        def nightly(out: Path) -> dict:
            cfg_path.write_text(yaml.safe_dump(dict(base_cfg, output={
                "reports_dir": str(out), "history_db": str(out / "history.sqlite")})))
            if use_prefect:
                return nightly_audit(config_path=str(cfg_path), progress=False)
            return run_nightly(load_config(cfg_path), progress=False)

        run1_t, run2_t, req1_n, req2_n = [], [], [], []
        for rep in range(args.repeat):
            out = tmp / f"out-{rep}"
            srv.reset_log()
            t = time.perf_counter()
            s1 = nightly(out)
            run1_t.append(time.perf_counter() - t)
            req1_n.append(len(srv.requests))
            t = time.perf_counter()
            s2 = nightly(out)
            run2_t.append(time.perf_counter() - t)
            req2_n.append(len(srv.requests) - req1_n[-1])
            shutil.rmtree(out, ignore_errors=True)
        srv.stop()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        run1, run2 = statistics.median(run1_t), statistics.median(run2_t)
        req1, req2 = max(req1_n), max(req2_n)

        n = s1["articles"]
        print(f"corpus: {n} generated articles citing {len(records)} real records "
              f"(generated in {gen_s:.1f} s); runner {args.runner}, {args.workers} workers, "
              f"{'Prefect flow' if use_prefect else 'in-process'}")
        print(f"cache warm-up: {len(warmed)} PMIDs in {warm_s:.1f} s" +
              (f"; Prefect API start {api_s:.1f} s" if use_prefect else ""))
        print(f"run 1 (empty history): {fmt(run1_t, 's', 1)}, {n / run1:.0f} articles/s, {s1['scored']} scored, "
              f"{s1['findings']} findings, {req1} E-utilities requests")
        print(f"run 2 (unchanged):     {fmt(run2_t, 's', 1)}, {n / run2:.0f} articles/s, {s2['scored']} scored, "
              f"{s2['new']} new / {s2['persisting']} persisting / {s2['resolved']} resolved, {req2} requests")
        print(f"ratio run 2 / run 1: {run2 / run1:.3f}")
        print(f"peak resident memory of this process: {peak_mb:.0f} MB")
        print(kv(articles=n, run1_s=run1, run1_min_s=min(run1_t), run1_max_s=max(run1_t), run2_s=run2,
                 run2_min_s=min(run2_t), run2_max_s=max(run2_t), ratio=run2 / run1, peak_mb=peak_mb,
                 runs=args.repeat, prefect=int(use_prefect)))
        ok = s2["scored"] == 0 and s2["new"] == 0 and s2["resolved"] == 0 and req2 == 0
        if not ok:
            print("UNEXPECTED: the unchanged run re-scored or changed findings", file=sys.stderr)
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
