"""The PubMed mirror (audit/pubmed/mirror.py): load rate, lookups, searches, memory, disk.

``python -m bench.bench_mirror [--repeat 3] [--times 10]``

* load: the shared baseline/update files (shared/data/pubmed/baseline, 964 records in 5
  files) into a fresh mirror, records/s over the records the files hold, ``--repeat`` runs;
* a large file: the real articles of those files concatenated into one gzipped
  PubmedArticleSet ``--times`` the inflated size of the largest shared file, each copy of an
  article under a PMID of its own (so every record is a new one, as in a baseline file);
  loaded in a child process, whose peak RSS is compared with a child loading the largest
  shared file alone (flat memory: the two are close);
* lookups: batches of 1,000 PMIDs held by that large mirror, through ``Mirror.records`` and
  through ``MirrorSource.fetch`` (what an audit calls);
* searches: 100 source-search queries (the claim-side FTS5 query of ``local_queries`` for a
  record title) on the large mirror's index, the hit records read as the search does;
* disk: bytes per 1,000 records of the large mirror (and how they split: records table,
  FTS5 index, the rest, from SQLite's dbstat), and the extrapolation to 38 million records.

The extrapolation is linear from a mirror of about 10,000 records.  It is a lower bound for
the load time (B-tree depth and FTS5 segment merges grow with the index) and for the
search time (a query's words match millions of records in a full PubMed, and BM25 ranks
every match): not measured at that scale.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from audit.pubmed.mirror import Mirror
from audit.pubmed.mirror_load import load_files
from audit.pubmed.mirror_source import MirrorIndex, MirrorSource
from audit.pubmed.nlm_files import Deletion, file_order, stream_file
from audit.pubmed.records import split_articles, wrap_article_set
from audit.pubmed.search import Cues, local_queries
from bench.evaluation.evaluate import default_data_dir
from bench.spread import fmt, kv, spread

ROOT = Path(__file__).resolve().parent.parent
FULL_PUBMED = 38_000_000
PMID_STEP = 40_000_000        # copy k of an article takes PMID + k * this (below NLM's numbering today)
_FIRST_PMID = re.compile(rb"(<PMID\b[^>]*>)(\d+)(</PMID>)")

# A child that loads one file and says how long it took and its peak RSS.
# Peak RSS is VmHWM (this address space's high-water mark): ru_maxrss survives exec, so a child would
# report the parent's peak (the bench holds the large file in memory while it writes it).
_CHILD = """
import json, re, sys, time
from audit.pubmed.mirror_load import load_files
def hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
before = hwm()
t = time.perf_counter()
res = load_files(sys.argv[1], [sys.argv[2]])
print(json.dumps({"seconds": time.perf_counter() - t, "records": sum(f.records for f in res.applied),
                  "peak_kb": hwm(), "imports_kb": before}))
"""


def inflated_size(path: Path) -> int:
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    if not gz:
        return path.stat().st_size
    n = 0
    with gzip.open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n += len(chunk)
    return n


def big_file(files: list[Path], target: int, out: Path) -> Path:
    """One gzipped set of the files' real articles, repeated under new PMIDs up to ``target`` inflated bytes."""
    # Each PMID once (the shared files revise each other), so every record of the set is a new one.
    arts = list({p: xml for f in files for p, xml in split_articles(f.read_bytes(), str(f), 1 << 31)}.values())
    parts, size, k = [], 0, 0
    while size < target:
        for xml in arts:
            copy = _FIRST_PMID.sub(lambda m: m.group(1) + str(int(m.group(2)) + k * PMID_STEP).encode() + m.group(3),
                                   xml, count=1)
            parts.append(copy)
            size += len(copy)
        k += 1
    body = wrap_article_set(parts)
    out.write_bytes(gzip.compress(body, 6))
    return out


def child_load(mirror: Path, file: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(mirror), str(file)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def disk_split(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:            # SQLite built without dbstat
        return {}
    finally:
        con.close()
    out = {"records": 0, "index": 0, "other": 0}
    for name, n in rows:
        out["records" if name in ("records", "records_doi", "records_pmcid") else
            "index" if name.startswith("docs") else "other"] += n
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (median and spread are printed)")
    ap.add_argument("--times", type=int, default=10, help="the large file is this many times the largest shared one")
    args = ap.parse_args(argv)
    data = default_data_dir()
    files = sorted((data / "pubmed" / "baseline").iterdir(), key=file_order)
    held = sum(1 for f in files for it in stream_file(f) if not isinstance(it, Deletion))
    tmp = Path(tempfile.mkdtemp(prefix="bench-mirror-"))
    try:
        # 1. The shared files, into a fresh mirror each run.
        rates = []
        for i in range(args.repeat):
            path = tmp / f"shared-{i}.sqlite"
            t = time.perf_counter()
            load_files(path, files)
            rates.append(held / (time.perf_counter() - t))
        print(f"load: {len(files)} shared files, {held} records a run, {fmt(rates, 'records/s', 0)}")

        # 2. A file --times the largest shared one, and the largest alone, each loaded by a child.
        sizes = {f: inflated_size(f) for f in files}
        largest = max(sizes, key=sizes.get)
        big = big_file(files, args.times * sizes[largest], tmp / "pubmed99n0001.xml.gz")
        small = child_load(tmp / "small.sqlite", largest)
        large = child_load(tmp / "large.sqlite", big)
        big_rate = large["records"] / large["seconds"]
        print(f"largest shared file: {largest.name}, {sizes[largest] / 1e6:.1f} MB inflated, {small['records']} "
              f"records, peak RSS {small['peak_kb'] / 1024:.0f} MB (after imports {small['imports_kb'] / 1024:.0f} MB)")
        print(f"large file: {inflated_size(big) / 1e6:.1f} MB inflated ({big.stat().st_size / 1e6:.1f} MB gzipped), "
              f"{large['records']} records in {large['seconds']:.1f} s ({big_rate:,.0f} records/s), peak RSS "
              f"{large['peak_kb'] / 1024:.0f} MB ({large['peak_kb'] / small['peak_kb']:.2f}x the largest shared "
              "file's)")

        # 3. Lookups and searches on the large mirror.
        mirror_path = tmp / "large.sqlite"
        m = Mirror(mirror_path)
        pmids = list(m.pmids())
        rnd = random.Random(1)
        look, fetch = [], []
        src = MirrorSource(m)
        for _ in range(args.repeat):
            batch = rnd.sample(pmids, min(1000, len(pmids)))
            t = time.perf_counter()
            got = m.records(batch)
            look.append(len(batch) / (time.perf_counter() - t))
            assert len(got) == len(batch)
            batch = rnd.sample(pmids, min(1000, len(pmids)))
            t = time.perf_counter()
            src.fetch(batch)
            fetch.append(len(batch) / (time.perf_counter() - t))
        print(f"lookup: 1,000 PMIDs a batch, Mirror.records {fmt(look, 'PMIDs/s', 0)}; "
              f"MirrorSource.fetch {fmt(fetch, 'PMIDs/s', 0)}")
        titles = [r.title for r in m.records(rnd.sample(pmids, 400)).values() if len(r.title) > 40][:100]
        queries = [local_queries(t, Cues())[-1] for t in titles]
        per_s = []
        for _ in range(args.repeat):
            index = MirrorIndex(m)           # a fresh index: no record kept at hand from the last run
            t = time.perf_counter()
            for q in queries:
                for h in index.search(q, 30):
                    index.records[h.pmid]
            per_s.append(len(queries) / (time.perf_counter() - t))
        print(f"search: {len(queries)} queries of the source search (30 hits each, records read), "
              f"{fmt(per_s, 'searches/s', 0)}")

        # 4. Disk, and a full PubMed.
        size = mirror_path.stat().st_size
        per_1000 = size / m.count * 1000
        split = disk_split(mirror_path)
        m.close()
        parts = ", ".join(f"{k} {v / m.count * 1000 / 1e3:.0f} kB" for k, v in split.items())
        load_rate = spread(rates)["median"]
        disk_gb = per_1000 * FULL_PUBMED / 1000 / 1e9
        hours = FULL_PUBMED / load_rate / 3600
        hours_big = FULL_PUBMED / big_rate / 3600
        print(f"disk: {per_1000 / 1e3:.0f} kB per 1,000 records ({parts}); {size / 1e6:.1f} MB for {m.count} records")
        print(f"a full PubMed ({FULL_PUBMED:,} records), linear from here: {disk_gb:.0f} GB on disk; load "
              f"{hours:.1f} h at the shared files' rate, {hours_big:.1f} h at the large file's (lower bounds)")
        print(kv(load_records_per_s=load_rate, load_min=min(rates), load_max=max(rates),
                 large_file_records=large["records"], large_file_records_per_s=big_rate,
                 peak_rss_mb_large=large["peak_kb"] / 1024, peak_rss_mb_largest_shared=small["peak_kb"] / 1024,
                 lookup_pmids_per_s=spread(look)["median"], fetch_pmids_per_s=spread(fetch)["median"],
                 searches_per_s=spread(per_s)["median"], bytes_per_1000_records=per_1000,
                 full_pubmed_disk_gb=disk_gb, full_pubmed_load_hours=hours, runs=args.repeat))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
