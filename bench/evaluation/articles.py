"""Whole-article accuracy on the labelled article set: ``citeaudit eval articles``.

``citeaudit eval articles [--set dev|heldout] [--data DIR] [--out DIR] [--config FILE] [--quiet]``

The set (``shared/data/articles``: 27 articles in five forms, every cited claim labelled) is audited
exactly as a user would audit it (``run_audit``, offline on ``shared/data/pubmed``, the built-in
settings or ``--config``), then the set's own scorer, ``check.py``, reads the reports.  The scorer is
the data set's, not ours, so what it counts as a hit cannot drift with the code: it prints the
per-article results, every miss and false alarm, and ends with

``offtopic_precision=... offtopic_recall=... clean_false_alarm=... other_recall=... expectations_met=N/M``

which is also this command's last line.  The set is for development (finding causes); the pair
benchmarks (``eval topic``, ``eval scifact``) are reported beside it.  ``--set heldout`` audits the three
articles of ``bench/data/heldout_articles`` (written apart from the fixes; see its README) and scores
them with the same checker and their own expectations.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from audit.config import load_config


HELDOUT = Path(__file__).resolve().parents[2] / "bench" / "data" / "heldout_articles"


def run_articles(data_dir: Path, out_dir: Path, config: str | None, quiet: bool, which: str = "dev") -> int:
    from audit.pipeline import run_audit

    checker = data_dir / "articles" / "check.py"
    if not checker.is_file():
        raise SystemExit(f"{checker}: the labelled article set is not there (set CITEAUDIT_SHARED)")
    folder, extra = (data_dir / "articles" / "articles", [])
    if which == "heldout":
        folder, extra = HELDOUT / "articles", ["--expectations", str(HELDOUT / "expectations.json")]
    cfg = load_config(config)
    summary = run_audit([folder], out_dir, cfg, [str(data_dir / "pubmed")])
    print(f"audited {summary['articles']} articles offline: {summary['findings']} findings, "
          f"{summary['high']} high, {summary['errors']} unreadable; reports in {out_dir}", flush=True)
    cmd = [sys.executable, str(checker), str(out_dir)] + extra + (["--quiet"] if quiet else [])
    # The checker prints its figures line last; passing its output through keeps that line last here.
    return subprocess.call(cmd)


def main(argv: list[str] | None = None) -> int:
    from bench.evaluation.evaluate import default_data_dir

    ap = argparse.ArgumentParser(prog="citeaudit eval articles", description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", dest="which", choices=["dev", "heldout"], default="dev",
                    help="the labelled development set (default) or the small held-out set of bench/data")
    ap.add_argument("--data", default=None, help="shared/data directory")
    ap.add_argument("--out", default=None, help="keep the reports here (default: a temporary folder)")
    ap.add_argument("--config", default=None, help="config.yaml to audit with (default: built-in settings)")
    ap.add_argument("--quiet", action="store_true", help="only the checker's figures line")
    args = ap.parse_args(argv)
    data_dir = Path(args.data) if args.data else default_data_dir()
    if args.out:
        return run_articles(data_dir, Path(args.out), args.config, args.quiet, args.which)
    with tempfile.TemporaryDirectory(prefix="citeaudit-articles-") as tmp:
        return run_articles(data_dir, Path(tmp) / "out", args.config, args.quiet, args.which)


if __name__ == "__main__":
    sys.exit(main())
