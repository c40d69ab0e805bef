"""How long writing and opening the reports takes for a run of many articles.

    .venv/bin/python -m bench.bench_reports [--articles 500] [--no-browser]

The example articles are audited once (offline records), then copied under new
ids with varying subsets of their findings to make a run of N articles.  It
times report.json/CSV/HTML writing per article and the run index (median of
--repeat runs, with min/max), then (with
the system chromium) opening the index and filtering/sorting it, measured in
the page with performance.now() and a forced layout.  Figures go to stdout and
bench/results/reports.json.
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from audit.config import load_config
from audit.pubmed.fetch import OfflineSource
from audit.pipeline import audit_paths
from bench.spread import kv
from reports.writer import article_folder, article_report, write_article_report, write_run_index

ROOT = Path(__file__).resolve().parent.parent


def make_run(n: int) -> list:
    base = audit_paths([ROOT / "examples" / "articles"], OfflineSource.from_paths([ROOT / "examples" / "records"]),
                       load_config(None, env={}))
    audits = []
    for i in range(n):
        a = copy.deepcopy(base[i % len(base)])
        a.article.id = f"{a.article.id}-{i:04d}"
        a.findings = [f for j, f in enumerate(a.findings) if (i + j) % 3]
        audits.append(a)
    return audits


def _open_figures(page, path: Path, key: str, runs: int = 3) -> dict:
    """Median and spread of the time a page takes to open and build itself."""
    opens = []
    for _ in range(runs):
        t = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        opens.append(time.perf_counter() - t)
    return {key: round(statistics.median(opens), 3), key + "_min_max": [round(min(opens), 3), round(max(opens), 3)]}


def _browser_figures(index: Path, article: Path) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import chromium_path, launch   # the tests' launcher: system chromium only

    if chromium_path() is None:
        return {"browser": "no system chromium"}
    out: dict = {}
    with launch() as b:
        page = b.new_context(viewport={"width": 1400, "height": 900}).new_page()
        out.update(_open_figures(page, index, "index_open_s"))
        text = "const i = document.getElementById('text-filter'); i.value = '%s'; i.dispatchEvent(new Event('input'))"
        sev = "const s = document.getElementById('sev-filter'); s.value = '%s'; s.dispatchEvent(new Event('change'))"
        # Each step is timed on its own with a forced layout, so the browser's
        # work of hiding/showing rows is in the figure, not only the script's.
        steps = [("filter_text_ms", text % "-01"), ("unfilter_text_ms", text % ""),
                 ("filter_severity_ms", sev % "high"), ("unfilter_severity_ms", sev % ""),
                 ("sort_ms", "document.querySelector(\"th[data-key='findings'] button\").click()")]
        times: dict[str, list[float]] = {name: [] for name, _ in steps}
        for _ in range(5):
            for name, js in steps:
                times[name].append(page.evaluate("() => { const t = performance.now(); " + js +
                                                 "; document.body.offsetHeight; return performance.now() - t; }"))
        for name, ts in times.items():
            out[name] = round(statistics.median(ts), 2)
            out[name + "_min_max"] = [round(min(ts), 2), round(max(ts), 2)]
        out.update(_open_figures(page, article, "article_open_s"))
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (medians with min/max are printed)")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    audits = make_run(args.articles)
    audit_s = time.perf_counter() - t
    json_t, write_t, index_t, index_dicts_t = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeat):
            out = Path(tmp) / f"run-{rep}"
            t = time.perf_counter()
            reports = [article_report(a) for a in audits]
            json_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            for a in audits:
                write_article_report(a, out)
            write_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            index = write_run_index(out, audits)
            index_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            write_run_index(out, reports)           # a nightly run reusing loaded report.json dicts
            index_dicts_t.append(time.perf_counter() - t)
        json_s, write_s = statistics.median(json_t), statistics.median(write_t)
        index_s, index_dicts_s = statistics.median(index_t), statistics.median(index_dicts_t)
        article_html = article_folder(out, audits[0].article.id) / "report.html"
        fig = {
            "articles": len(audits),
            "findings": sum(len(a.findings) for a in audits),
            "audit_examples_s": round(audit_s, 3),
            "report_json_ms_per_article": round(1000 * json_s / len(audits), 3),
            "write_article_ms_per_article": round(1000 * write_s / len(audits), 3),
            "write_index_s": round(index_s, 3),
            "write_index_from_dicts_s": round(index_dicts_s, 3),
            "index_from_dicts_vs_audits": round(index_dicts_s / index_s, 2) if index_s else None,
            "write_article_ms_min_max": [round(1000 * min(write_t) / len(audits), 3),
                                         round(1000 * max(write_t) / len(audits), 3)],
            "write_index_s_min_max": [round(min(index_t), 3), round(max(index_t), 3)],
            "runs": args.repeat,
            "index_html_kb": round(index.stat().st_size / 1024, 1),
            "article_html_kb": round(article_html.stat().st_size / 1024, 1),
        }
        if not args.no_browser:
            fig.update(_browser_figures(index, article_html))
            if "index_open_s" in fig and "filter_text_ms" in fig:
                fig["filter_vs_open_ratio"] = round(fig["filter_text_ms"] / 1000 / fig["index_open_s"], 4)
    res = ROOT / "bench" / "results"
    res.mkdir(parents=True, exist_ok=True)
    (res / "reports.json").write_text(json.dumps(fig, indent=1))
    for k, v in fig.items():
        print(f"{k:32s} {v}")
    print(kv(**{k: v for k, v in fig.items() if isinstance(v, (int, float))}))
    return fig


if __name__ == "__main__":
    main()
