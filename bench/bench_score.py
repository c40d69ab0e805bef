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
from audit.evaluation.evaluate import default_data_dir
from audit.pubmed.records import load_records
from audit.scoring.score import prepare_record, prepare_text, score_pair, support_score

TARGET = 20_000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=300)
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
    n = 0
    acc = 0.0
    for c in cfs:
        for r in rfs:
            acc += support_score(c, r, cfg)
            n += 1
    t3 = time.perf_counter()
    subject = cfs[0]
    m = 0
    for c in cfs[:60]:
        for r in rfs:
            score_pair("c", "r", c, r, subject, cfg)
            m += 1
    t4 = time.perf_counter()

    rate = n / (t3 - t2)
    full = m / (t4 - t3)
    print(f"records: {len(rfs)} prepared in {t1 - t0:.2f} s ({len(rfs) / (t1 - t0):,.0f}/s)")
    print(f"claims: {len(cfs)} prepared in {t2 - t1:.2f} s ({len(cfs) / (t2 - t1):,.0f}/s)")
    print(f"support_score: {n:,} pairs in {t3 - t2:.2f} s = {rate:,.0f} pairs/s "
          f"(target {TARGET:,}/s, ratio {rate / TARGET:.2f})")
    print(f"score_pair (verdict + explanation): {m:,} pairs in {t4 - t3:.2f} s = {full:,.0f} pairs/s "
          f"(ratio {full / TARGET:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
