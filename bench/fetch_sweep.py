"""bench_fetch's records/s sweep: 100, 400 and 800 PMIDs (cold cache) at a local server capped at 10/s.

The server (devtools.eutils_server) runs in a process of its own, as NCBI does: in the client's
process its threads would take the client's GIL, and the client's parsing would delay its answers.

Two limits are printed for each size:

* the physical one, ``rate x batch_size`` (10 x 200 = 2,000 records/s): what a long fetch could reach;
* the least time of these ``n`` requests: the pace lets the last one leave ``(n - 1) / rate`` s after
  the first, and it then takes one round trip (measured: one efetch of ``batch_size`` ids, answer read,
  not parsed).  For 4 requests that bound is well under 2,000/s of a long run.

What a fetch spends beyond that bound is reading the answers: the parse of one answer (measured alone,
one thread) and the cache write are printed, and the last answer's parse is on the critical path.
"""
from __future__ import annotations

import json
import math
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from audit.config import EntrezConfig
from audit.models import RESOLVED
from audit.pubmed.cache import RecordCache
from audit.pubmed.entrez import EntrezSource
from audit.pubmed.eutils_answers import read_efetch
from bench.spread import fmt

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 400, 800)


@contextmanager
def server_process(records: list[Path], log: Path, **flags) -> Iterator[str]:
    """A local E-utilities server in its own process; yields its base URL (the request log in ``log``)."""
    cmd = [sys.executable, "-m", "devtools.eutils_server", "--port", "0", "--log-jsonl", str(log)]
    for r in records:
        cmd += ["--records", str(r)]
    for k, v in flags.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = None
        for line in proc.stdout:
            m = re.search(r"records at (\S+)", line)
            if m:
                url = m.group(1)
                break
        if url is None:
            raise RuntimeError("the E-utilities server did not start")
        yield url if url.endswith("/") else url + "/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def logged(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def round_trip(url: str, pmids: list[str], repeat: int) -> list[float]:
    """Seconds for one efetch of ``pmids`` by POST, the whole answer read (not parsed), ``repeat`` times."""
    out = []
    with requests.Session() as s:
        for _ in range(repeat):
            time.sleep(1.1)                       # the pace's window empty: no 429 from the server
            t = time.perf_counter()
            r = s.post(url + "efetch.fcgi", data={"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"},
                       timeout=30)
            r.raise_for_status()
            out.append(time.perf_counter() - t)
    return out


def parse_cost(url: str, pmids: list[str], tmp: Path, repeat: int) -> tuple[list[float], list[float], int]:
    """(seconds to read one answer into records, seconds to write them to the cache, answer bytes)."""
    time.sleep(1.1)
    body = requests.post(url + "efetch.fcgi", data={"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"},
                         timeout=30).content
    parse, write = [], []
    for i in range(repeat):
        t = time.perf_counter()
        found = read_efetch(body)
        parse.append(time.perf_counter() - t)
        with RecordCache(tmp / f"parse-cost-{i}.sqlite", 30) as cache:
            t = time.perf_counter()
            cache.put_many(found)
            write.append(time.perf_counter() - t)
    return parse, write, len(body)


def sweep(records: list[Path], pmids: list[str], tmp: Path, rate: float, latency_ms: float,
          repeat: int) -> dict:
    """Print the sweep; returns its key=value fields."""
    log = tmp / "sweep-requests.jsonl"
    out: dict = {}
    with server_process(records, log, rate_cap=rate, latency_ms=latency_ms) as url:
        cfg = EntrezConfig(base_url=url, requests_per_second=rate, max_retries=5, backoff_base=0.5,
                           backoff_max=5.0)
        batch = cfg.batch_size
        rtt = round_trip(url, pmids[:batch], repeat)
        parse, write, size = parse_cost(url, pmids[:batch], tmp, repeat)
        limit = rate * batch
        print(f"\nrecords/s sweep: server in its own process, cap {rate:g}/s, latency {latency_ms:g} ms, "
              f"{batch} ids per efetch; physical limit {rate:g} x {batch} = {limit:,.0f} records/s")
        print(f"one efetch of {batch} ids ({size / 1e6:.2f} MB), answer read: {fmt(rtt, 's')}")
        print(f"reading that answer into records (one thread): {fmt(parse, 's')}; "
              f"writing them to the cache: {fmt(write, 's')}")
        rtt_s = statistics.median(rtt)
        parse_s = statistics.median(parse) + statistics.median(write)
        print(f"one core reads {batch / parse_s:,.0f} records/s (parse + cache write, measured alone): a fetch "
              f"on one core needs about one round trip + its records at that speed (the 'core s' column)")
        print(f"{'PMIDs':>6} {'requests':>8} {'seconds':>28} {'records/s':>10} {'/2000':>6} "
              f"{'bound s':>8} {'/bound':>7} {'core s':>7} {'429s':>5}")
        for n in SIZES:
            ids = pmids[:n]
            n_req = math.ceil(n / batch)
            bound = (n_req - 1) / rate + rtt_s
            secs, sent, refused = [], [], 0
            for rep in range(repeat):
                time.sleep(1.1)                   # a cold pace too: no earlier request in its window
                before = len(logged(log))
                src = EntrezSource(cfg, RecordCache(tmp / f"sweep-{n}-{rep}.sqlite", cfg.cache_ttl_days))
                t = time.perf_counter()
                res = src.fetch(ids)
                secs.append(time.perf_counter() - t)
                src.close()
                mine = logged(log)[before:]
                sent.append(len(mine))
                refused += sum(1 for r in mine if r["status"] == 429)
                ok = sum(1 for r in res.values() if r.status == RESOLVED)
                if ok != n:
                    raise RuntimeError(f"{n} PMIDs: {ok} resolved")
            rps = [n / s for s in secs]
            med = statistics.median(rps)
            print(f"{n:6d} {statistics.median(sent):8.0f} {fmt(secs, 's'):>28} {med:10.0f} "
                  f"{med / limit:6.3f} {bound:8.3f} {bound / statistics.median(secs):7.3f} "
                  f"{rtt_s + n / batch * parse_s:7.3f} {refused:5d}")
            print(f"       records/s {fmt(rps, '', 0)}")
            out[f"rps_{n}"] = med
            out[f"rps_{n}_min"] = min(rps)
            out[f"rps_{n}_max"] = max(rps)
            out[f"of_limit_{n}"] = med / limit
            out[f"of_bound_{n}"] = bound / statistics.median(secs)
        out["rtt_s"] = rtt_s
        out["parse_s_per_answer"] = statistics.median(parse)
        out["cache_write_s_per_answer"] = statistics.median(write)
    return out
