"""Claim–source pairs scored per second on one core, once records are parsed.

``python -m bench.bench_score [--claims N]``

Records: every PubMed record in shared/data/pubmed (about 830).  Claims: SciFact
dev and train claims (a few hundred).  Preparing records and claims is timed
apart from the pairwise work; the target (20,000 pairs/s) is for
``support_score`` over prepared features.  ``score_pair`` (verdict,
explanation, numbers and evidence type) is timed too.
"""
from __future__ import annotations

import argparse
import json
import os
import time

from audit.config import ScoringConfig
from bench.evaluation.evaluate import default_data_dir
from audit.pubmed.records import load_records
from audit.scoring.score import prepare_record, prepare_text, score_pair, support_score
from bench.spread import fmt, kv, spread

TARGET = 20_000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (median and spread are printed)")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})   # one core
    data = default_data_dir()
    cfg = ScoringConfig()
    records = [r for r in load_records([data / "pubmed"]).values() if r.title or r.abstract]
    texts = []
    for split in ("dev", "train"):
        for line in (data / "scifact" / f"claims_{split}.jsonl").read_text(encoding="utf-8").splitlines():
            texts.append(json.loads(line)["claim"])
    texts = texts[: args.claims]

    t0 = time.perf_counter()
    rfs = [prepare_record(r) for r in records]
    t1 = time.perf_counter()
    cfs = [prepare_text(t) for t in texts]
    t2 = time.perf_counter()
    print(f"records: {len(rfs)} prepared in {t1 - t0:.2f} s ({len(rfs) / (t1 - t0):,.0f}/s)")
    print(f"claims: {len(cfs)} prepared in {t2 - t1:.2f} s ({len(cfs) / (t2 - t1):,.0f}/s)")

    rates, fulls = [], []
    subject = cfs[0]
    for _ in range(args.repeat):
        n = 0
        acc = 0.0
        t = time.perf_counter()
        for c in cfs:
            for r in rfs:
                acc += support_score(c, r, cfg)
                n += 1
        rates.append(n / (time.perf_counter() - t))
        m = 0
        t = time.perf_counter()
        for c in cfs[:60]:
            for r in rfs:
                score_pair("c", "r", c, r, subject, cfg)
                m += 1
        fulls.append(m / (time.perf_counter() - t))
    rate, full = spread(rates)["median"], spread(fulls)["median"]
    print(f"support_score: {n:,} pairs a run, {fmt(rates, 'pairs/s', 0)} "
          f"(target {TARGET:,}/s, ratio {rate / TARGET:.2f})")
    print(f"score_pair (verdict + explanation): {m:,} pairs a run, {fmt(fulls, 'pairs/s', 0)} "
          f"(ratio {full / TARGET:.2f})")
    print(kv(support_pairs_per_s=rate, support_min=min(rates), support_max=max(rates),
             score_pair_per_s=full, score_pair_min=min(fulls), score_pair_max=max(fulls),
             runs=args.repeat, target=TARGET, ratio=rate / TARGET))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
