"""A cold ``citeaudit audit`` of one example article: wall time, peak memory, and its cost over the library.

    .venv/bin/python -m bench.bench_cli [--runs 5]

Each run is a fresh process (``python -m audit.cli audit <article> --out <new folder>
--offline-records examples/records``), so interpreter start and imports are in
the figure, as a user meets them.  Peak memory is the child's own maximum
resident set (``os.wait4``).  The reference is the same audit made by a fresh
process that calls the library directly (``audit.pipeline.run_audit``, which
writes the same reports), so the ratio is what the command line adds: it was
the Prefect API server (17 s, 223 MB) before the CLI ran the pipeline in-process.

Targets: median wall <= 1.5 s, peak RSS <= 150 MB, median ratio to the library <= 2.
Ends with one ``key=value`` line; exit 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.spread import fmt, kv, spread

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "articles" / "nsclc-targeted-therapy.md"
RECORDS = ROOT / "examples" / "records"
WALL_S, RSS_MB, RATIO = 1.5, 150.0, 2.0

LIBRARY = ("import sys\n"
           "from audit.config import load_config\n"
           "from audit.pipeline import run_audit\n"
           "run_audit([sys.argv[1]], sys.argv[2], load_config(None), [sys.argv[3]])\n")


def timed_child(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024       # Linux: kilobytes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_cli", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args(argv)
    env_note = "PREFECT_API_URL set: unset it to measure the in-process path" if os.environ.get("PREFECT_API_URL") else ""
    if env_note:
        print(env_note, file=sys.stderr)
    cli, lib = [], []
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        for i in range(a.runs):
            # Interleaved, so a busy moment on the machine hits both alike.
            cli.append(timed_child([sys.executable, "-m", "audit.cli", "audit", str(ARTICLE),
                                    "--out", f"{tmp}/cli-{i}", "--offline-records", str(RECORDS)]))
            lib.append(timed_child([sys.executable, "-c", LIBRARY, str(ARTICLE), f"{tmp}/lib-{i}", str(RECORDS)]))
            if not (Path(tmp) / f"cli-{i}" / "articles" / "nsclc-targeted-therapy" / "report.json").is_file():
                sys.exit("the CLI wrote no report")
    cli_wall, cli_rss = [w for w, _ in cli], [r for _, r in cli]
    lib_wall, lib_rss = [w for w, _ in lib], [r for _, r in lib]
    ratios = [c / l for c, l in zip(cli_wall, lib_wall)]
    print(f"article: {ARTICLE.relative_to(ROOT)} (offline records), {a.runs} cold runs each, interleaved")
    print(f"citeaudit audit   wall {fmt(cli_wall, 's')}  peak RSS {fmt(cli_rss, 'MB', 1)}")
    print(f"library call      wall {fmt(lib_wall, 's')}  peak RSS {fmt(lib_rss, 'MB', 1)}")
    print(f"ratio CLI/library {fmt(ratios, '', 2)}")
    w, r, q = spread(cli_wall), spread(cli_rss), spread(ratios)
    ok = w["median"] <= WALL_S and r["max"] <= RSS_MB and q["median"] <= RATIO
    print(kv(cli_wall_s=w["median"], cli_wall_min_s=w["min"], cli_wall_max_s=w["max"],
             cli_peak_rss_mb=r["max"], lib_wall_s=spread(lib_wall)["median"], ratio=q["median"],
             ratio_min=q["min"], ratio_max=q["max"], runs=a.runs, target_wall_s=WALL_S, target_rss_mb=RSS_MB,
             target_ratio=RATIO, ok=int(ok)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
