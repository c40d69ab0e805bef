"""Run every benchmark in turn: ``python -m bench`` (or ``make bench``).

Each benchmark is its own module, runnable alone with its own options
(``python -m bench.bench_fetch --help``); this runs them with their defaults,
each in a fresh process so one's memory and caches do not colour another's.
"""
from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = [
    ("articles: whole-article accuracy on the labelled set (citeaudit eval articles)", "bench.evaluation.articles"),
    ("cli: a cold `citeaudit audit` of one article vs the library call", "bench.bench_cli"),
    ("fetch: Entrez batching vs one request per PMID", "bench.bench_fetch"),
    ("mirror: PubMed mirror load rate, lookups, searches, memory, disk (and a full PubMed)", "bench.bench_mirror"),
    ("score: claim-source pairs per second", "bench.bench_score"),
    ("stance: claim-source pairs judged per second", "bench.bench_stance"),
    ("topic: off-topic judgement across medicine (MeSH), genuine citations", "bench.bench_topic"),
    ("nightly: 2,000 generated articles, warm caches", "bench.bench_nightly"),
    ("reports: 500-article run in the browser", "bench.bench_reports"),
    ("reading: pasted pages, boilerplate libraries, JATS links, adversarial shapes", "bench.bench_reading"),
]


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failed = []
    for title, module in BENCHMARKS:
        if wanted and not any(w in module for w in wanted):
            continue
        print(f"\n=== {title} ({module})", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, "-m", module])
        print(f"=== {module}: exit {rc}, {time.perf_counter() - t0:.1f} s", flush=True)
        if rc:
            failed.append(module)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
