"""Topic judgement across medicine, and the cost of the MeSH vocabulary.

``python -m bench.bench_topic [--runs 3]``

Figures: ``citeaudit eval topic`` (held-out cross-field pairs and genuine
citations, see bench/evaluation/topic.py).  Costs: loading the shipped MeSH
file in a fresh interpreter (median of ``--runs`` with the spread; target well
under 1 s) and finding MeSH terms in the title and abstract of every PubMed
record in shared/data (milliseconds per record).  Ends with one line:
``topic_precision=… topic_recall=… genuine_false_alarm=… fields=… pairs=… mesh_load_s=… mesh_load_spread_s=… terms_ms_per_record=…``.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from audit.config import load_config
from bench.evaluation.evaluate import default_data_dir
from bench.evaluation.topic import ROOT, run


def mesh_load_seconds() -> float:
    code = ("import time; t = time.perf_counter(); from audit.scoring import mesh; mesh.load(); "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    loads = sorted(mesh_load_seconds() for _ in range(max(1, args.runs)))
    from audit.pubmed.records import load_records
    from audit.scoring import mesh
    data = default_data_dir()
    texts = [r.title + " " + r.abstract for r in load_records([data / "pubmed"]).values() if r.title or r.abstract]
    mesh.find_terms("warm up")
    t = time.perf_counter()
    for x in texts:
        mesh.find_terms(x)
    per_ms = (time.perf_counter() - t) / len(texts) * 1000
    f = run(data, load_config(str(ROOT / "config.yaml"), env={}).scoring)
    print(f"MeSH load: median {statistics.median(loads):.3f} s of {len(loads)} fresh processes "
          f"(min {loads[0]:.3f}, max {loads[-1]:.3f}); terms in {len(texts)} records: {per_ms:.2f} ms each")
    print(f"topic_precision={f['topic_precision']:.3f} topic_recall={f['topic_recall']:.3f} "
          f"genuine_false_alarm={f['genuine_false_alarm']:.3f} fields={f['fields']} pairs={f['pairs']} "
          f"mesh_load_s={statistics.median(loads):.3f} mesh_load_spread_s={loads[-1] - loads[0]:.3f} "
          f"terms_ms_per_record={per_ms:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
