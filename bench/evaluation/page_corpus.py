"""Claim recall and chrome precision of the readers over a corpus of pasted pages.

``python -m bench.evaluation.page_corpus [FOLDER]`` (default: tests/pages)

The folder holds copied pages and saved HTML pages in the layouts people paste
(AI answer sites, hospital and patient-information pages, journal and preprint
HTML, news, forum answers, a page saved from a browser) and ``expected.json``:
for each page the claims a reader must get (a distinctive part of the claim's
text, with its citation labels) and lines of page chrome that must never be
read as a claim.

* claim recall: expected claims found with exactly their labels, over all pages;
* chrome claims: claims holding a chrome line (target 0); chrome precision is
  the share of claims that hold none.

The last line is ``key=value`` figures.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from audit.models import Article

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "tests" / "pages"


def _norm(s: str) -> str:
    return " ".join(s.split()).lower()


def load_expected(folder: Path) -> dict[str, dict]:
    data = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def score_page(art: Article, exp: dict) -> dict:
    """Found and missed expected claims, and claims that hold chrome, for one page."""
    claims = [(_norm(c.text), list(c.citations), c.text) for c in art.claims]
    found, missed = 0, []
    for snippet, labels in exp["claims"]:
        s = _norm(snippet)
        hits = [c for c in claims if s in c[0]]
        if any(c[1] == labels for c in hits):
            found += 1
        else:
            missed.append(f"{snippet!r} {labels}: got " + (", ".join(f"{c[1]}" for c in hits) or "no claim"))
    chrome = [c[2] for c in claims if any(_norm(line) in c[0] for line in exp.get("chrome", []))]
    return {"expected": len(exp["claims"]), "found": found, "missed": missed, "claims": len(claims),
            "chrome_claims": chrome}


def run(folder: Path, reader: Callable[[Path], Article] | None = None,
        only: Callable[[str], bool] | None = None) -> tuple[list[dict], dict]:
    if reader is None:
        from audit.reading.ingest import read_article
        reader = read_article
    rows = []
    for name, exp in sorted(load_expected(folder).items()):
        if only is not None and not only(name):
            continue
        row = score_page(reader(folder / name), exp)
        row["page"] = name
        rows.append(row)
    expected = sum(r["expected"] for r in rows)
    claims = sum(r["claims"] for r in rows)
    chrome = sum(len(r["chrome_claims"]) for r in rows)
    totals = {"pages": len(rows), "expected_claims": expected,
              "claim_recall": sum(r["found"] for r in rows) / expected if expected else 1.0,
              "claims": claims, "chrome_claims": chrome,
              "chrome_precision": (claims - chrome) / claims if claims else 1.0}
    return rows, totals


def report(rows: list[dict], verbose: bool = True) -> None:
    for r in rows:
        print(f"{r['page']:32s} claims {r['found']}/{r['expected']} found, {r['claims']} read, "
              f"{len(r['chrome_claims'])} chrome")
        if verbose:
            for m in r["missed"]:
                print(f"    missed: {m}")
            for c in r["chrome_claims"]:
                print(f"    chrome as claim: {c!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT))
    args = ap.parse_args(argv)
    rows, t = run(Path(args.folder))
    report(rows)
    print(f"pages={t['pages']} expected_claims={t['expected_claims']} claim_recall={t['claim_recall']:.4f} "
          f"claims={t['claims']} chrome_claims={t['chrome_claims']} chrome_precision={t['chrome_precision']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
