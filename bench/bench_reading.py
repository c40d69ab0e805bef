"""Reading articles: pasted pages, boilerplate libraries, JATS links, adversarial shapes.

``python -m bench.bench_reading [--mb 1.0] [--repeat 2]``

1. Claim recall and chrome precision over the page corpus in tests/pages
   (targets: recall >= 0.98, no chrome line read as a claim).
2. The boilerplate-removal libraries measured on its HTML pages, each as the
   reader's judge of pages with no <main>/<article> (the way the reader uses
   one), and alone (its text fed to the text reader): how reading.boilerplate
   was chosen.
3. JATS citation links against ground truth from the files
   (audit.evaluation.jats_links; targets: reference recall 1.0, link recall and
   precision >= 0.99, no spurious uncited_reference).
4. Adversarial shapes of ``--mb`` megabytes (HTML nested 100k deep, one long
   line, a wall of markers, thousands of references) timed beside a normal
   article of the same size and format, limits lifted so each is read in
   full (target: ratio <= 3).  At the default limits the deep page is refused.

The last line is ``key=value`` figures.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from audit.config import ReadingConfig
from audit.errors import BadInputError
from audit.evaluation import jats_links, page_corpus
from audit.reading.boilerplate import main_text
from audit.reading.ingest import read_article, read_article_bytes, read_articles_bytes

PAGES = Path(__file__).resolve().parent.parent / "tests" / "pages"
LIBRARIES = ["none", "justext", "trafilatura", "trafilatura-default", "trafilatura-recall", "readability"]


def _libraries() -> tuple[dict, dict]:
    judged, alone = {}, {}
    html = lambda n: n.endswith(".html")   # noqa: E731
    for lib in LIBRARIES:
        lim = ReadingConfig(boilerplate=lib)
        t0 = time.perf_counter()
        _, judged[lib] = page_corpus.run(PAGES, lambda p: read_article(p, lim), only=html)
        judged[lib]["seconds"] = time.perf_counter() - t0
        if lib == "none":
            continue

        def alone_reader(p: Path, lib=lib):
            text = main_text(p.read_text(encoding="utf-8"), lib) or ""
            return read_article_bytes((text or " ").encode("utf-8"), p.stem + ".txt")
        try:
            _, alone[lib] = page_corpus.run(PAGES, alone_reader, only=html)
        except BadInputError:            # the library found nothing in some page
            alone[lib] = None
    return judged, alone


def _shapes(mb: float) -> list[tuple[str, str, bytes, str]]:
    """(name, the normal article it is compared with, bytes, file name)."""
    size = int(mb * 1_000_000)
    sent = "Statins lower the risk of stroke in older adults with diabetes [1]. "
    n = size // len(sent)
    para_text = "\n\n".join(sent * 3 for _ in range(n // 3)).encode()
    rnd = random.Random(1)
    words = ("statins lower the risk of stroke in older adults with diabetes and blood pressure trial "
             "patients were followed for years mortality fell").split()
    paras, n_html = [], 0
    while n_html < size:
        p = "<p>" + " ".join(rnd.choice(words) for _ in range(30)).capitalize() + "<sup>1</sup>.</p>\n"
        paras.append(p)
        n_html += len(p)
    normal_html = ("<html><body>" + "".join(paras) + "</body></html>").encode()
    depth = max(1000, size // 11)
    refs = "\n".join(f"{i}. Smith J, Doe A. Statins and stroke in trial {i}. Lancet. 2019;1:{i}."
                     for i in range(1, size // 62))
    return [
        ("normal text", "normal text", para_text, "a.txt"),
        ("one long line", "normal text", (sent * n).encode(), "a.txt"),
        ("wall of markers", "normal text", ("Statins work " + "[1]" * (size // 3) + ".").encode(), "a.txt"),
        ("many references", "normal text", (sent + "\n\nReferences\n" + refs).encode(), "a.txt"),
        ("normal html", "normal html", normal_html, "a.html"),
        (f"html nested {depth // 1000}k deep", "normal html",
         ("<html><body>" + "<div>" * depth + sent + "</div>" * depth + "</body></html>").encode(), "a.html"),
        ("html unclosed spans", "normal html",
         ("<html><body><p>" + "<span>x " * (size // 8) + "<p>y</p>" * 1000 + "</body></html>").encode(), "a.html"),
    ]


def _time(data: bytes, name: str, limits: ReadingConfig, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        read_articles_bytes(data, name, limits)
        best = min(best, time.process_time() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=1.0, help="size of each adversarial shape (MB)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per shape (the fastest CPU time counts)")
    args = ap.parse_args(argv)

    print("== page corpus (tests/pages), default settings")
    rows, pages = page_corpus.run(PAGES)
    page_corpus.report(rows)
    print(f"   {pages['pages']} pages: claim recall {pages['claim_recall']:.4f}, {pages['claims']} claims read, "
          f"{pages['chrome_claims']} chrome lines read as claims")

    print("\n== boilerplate libraries on the HTML pages (recall, chrome lines as claims, claims read, seconds)")
    judged, alone = _libraries()
    for lib in LIBRARIES:
        j = judged[lib]
        line = (f"   {lib:20s} as the reader's judge: recall {j['claim_recall']:.3f}, chrome {j['chrome_claims']}, "
                f"claims {j['claims']}, {j['seconds']:.2f} s")
        a = alone.get(lib)
        if a is not None:
            line += f"   | alone: recall {a['claim_recall']:.3f}, chrome {a['chrome_claims']}"
        print(line)
    default = ReadingConfig().boilerplate

    print("\n== JATS citation links against ground truth from the files")
    jrows = [r for f in sorted(p for p in (jats_links_dir()).rglob("*") if p.suffix in (".xml", ".nxml"))
             for r in jats_links.compare(f)]
    jt = {k: sum(r[k] for r in jrows) for k in ("refs", "refs_found", "links", "links_found", "claimed",
                                                  "claimed_right", "spurious_uncited")}
    j_rr = jt["refs_found"] / max(1, jt["refs"])
    j_lr = jt["links_found"] / max(1, jt["links"])
    j_lp = jt["claimed_right"] / max(1, jt["claimed"])
    print(f"   {len(jrows)} articles: reference recall {j_rr:.4f}, link recall {j_lr:.4f}, "
          f"link precision {j_lp:.4f}, spurious uncited {jt['spurious_uncited']}")

    print(f"\n== adversarial shapes, {args.mb:g} MB each, CPU seconds (fastest of {args.repeat}), limits lifted")
    lifted = ReadingConfig(max_bytes=10**10, max_depth=10**9, boilerplate=default)
    times: dict[str, float] = {}
    ratios = []
    for name, base, data, fname in _shapes(args.mb):
        times[name] = _time(data, fname, lifted, args.repeat)
        if name == base:
            print(f"   {name:24s} {len(data) / 1e6:5.2f} MB  {times[name]:6.2f} s")
        else:
            ratio = times[name] / max(times[base], 1e-6)
            ratios.append(ratio)
            print(f"   {name:24s} {len(data) / 1e6:5.2f} MB  {times[name]:6.2f} s   {ratio:4.2f} x {base}")
    deep = next(d for n, _, d, _ in _shapes(args.mb) if "nested" in n)
    t0 = time.perf_counter()
    try:
        read_articles_bytes(deep, "deep.html")
        refused = "read"
    except BadInputError as exc:
        refused = f"refused as bad input in {time.perf_counter() - t0:.2f} s: {exc}"
    print(f"   at the default limits the deep page is {refused}")

    print(f"pages={pages['pages']} claim_recall={pages['claim_recall']:.4f} claims={pages['claims']} "
          f"chrome_claims={pages['chrome_claims']} chrome_precision={pages['chrome_precision']:.4f} "
          f"boilerplate={default} jats_reference_recall={j_rr:.4f} jats_link_recall={j_lr:.4f} "
          f"jats_link_precision={j_lp:.4f} spurious_uncited={jt['spurious_uncited']} "
          f"adversarial_max_ratio={max(ratios):.2f}")
    return 0


def jats_links_dir() -> Path:
    from audit.evaluation.evaluate import default_data_dir
    return default_data_dir() / "jats"


if __name__ == "__main__":
    sys.exit(main())
