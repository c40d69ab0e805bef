"""Reading articles: pasted pages, boilerplate libraries, JATS links, adversarial shapes.

``python -m bench.bench_reading [--mb 1.0] [--repeat 2] [--only formats]``

1. Claim recall and chrome precision over the page corpus in tests/pages
   (targets: recall >= 0.98, no chrome line read as a claim).
2. The boilerplate-removal libraries measured on its HTML pages, each as the
   reader's judge of pages with no <main>/<article> (the way the reader uses
   one), and alone (its text fed to the text reader): how reading.boilerplate
   was chosen.
3. JATS citation links against ground truth from the files
   (bench.evaluation.jats_links; targets: reference recall 1.0, link recall and
   precision >= 0.99, no spurious uncited_reference).
4. Word and PDF files of ../shared/data/docx and pdf against bench/data/reading_truth.json
   (references found against the count in the document, the page where the list starts)
   and, for Word files with reference-manager fields, every field against its own data:
   the field's items must be the references of the claim it stands in, with the field's
   DOI/PMID (targets: 100% on fields, references found >= 95% on PDFs); and, per PDF, the
   hand-read sample of citations in reading_truth.json (bench.evaluation.pdf_links: the
   claim holding each sampled quote links exactly the references its markers cite;
   target >= 95% per file).  ``--only formats`` runs this part alone.
5. Adversarial shapes of ``--mb`` megabytes (HTML nested 100k deep, one long
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
from bench.evaluation import jats_links, page_corpus, pdf_links
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
    ap.add_argument("--only", choices=["formats"], help="run one part alone: formats (Word and PDF files)")
    args = ap.parse_args(argv)
    if args.only == "formats":
        print("== Word and PDF files (bench/data/reading_truth.json)")
        print(_format_figures(_formats()))
        return 0

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

    print("\n== Word and PDF files (bench/data/reading_truth.json)")
    fmt = _formats()

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
          f"adversarial_max_ratio={max(ratios):.2f} {_format_figures(fmt)}")
    return 0


def _format_figures(fmt: dict) -> str:
    return (f"docx_field_links={fmt['field_links']:.4f} docx_reference_recall={fmt['docx_refs']:.4f} "
            f"pdf_reference_recall={fmt['pdf_refs']:.4f} pdf_list_page_right={fmt['pdf_pages']} "
            f"pdf_link_accuracy={fmt['pdf_links']:.4f} pdf_link_worst_file={fmt['pdf_links_worst']:.4f} "
            f"pdf_links_sampled={fmt['pdf_links_sampled']}")


def _field_items(path: Path) -> list[list[tuple[str, str]]]:
    """Each Zotero/Mendeley field's items as (DOI or PMID or title) keys, read from the XML here."""
    import json
    import re
    import zipfile
    from lxml import etree
    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    out = []
    with zipfile.ZipFile(path) as z:
        for part in ("word/document.xml", "word/footnotes.xml"):
            if part not in z.namelist():
                continue
            root = etree.fromstring(z.read(part))
            instr, open_ = [], 0
            for el in root.iter(W + "fldChar", W + "instrText"):
                if el.tag == W + "fldChar" and el.get(W + "fldCharType") == "begin":
                    instr.append("")
                elif el.tag == W + "instrText" and instr:
                    instr[-1] += el.text or ""
            for code in instr:
                if "CSL_CITATION" not in code:
                    continue
                data, _ = json.JSONDecoder().raw_decode(code[code.index("{"):])
                items = []
                for it in data.get("citationItems", []):
                    d = it.get("itemData", {})
                    pmid = d.get("PMID") or (re.search(r"PMID: (\d+)", d.get("note", "")) or [None, None])[1]
                    items.append(("doi", d["DOI"].lower()) if d.get("DOI") else ("pmid", str(pmid)) if pmid
                                 else ("title", " ".join(d.get("title", "").split())))
                out.append(items)
    return out


def _pypdf_article(path: Path):
    import logging
    from pypdf import PdfReader
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(path).pages)
    return read_article_bytes(text.encode("utf-8"), path.stem + ".txt", ReadingConfig(max_bytes=10**8))


def _formats() -> dict:
    import json
    from bench.evaluation.evaluate import default_data_dir
    data = default_data_dir()
    truth = json.loads((Path(__file__).resolve().parent / "data" / "reading_truth.json").read_text())
    fields = linked = 0
    found = expected = 0
    for f in sorted((data / "docx").glob("*.docx")):
        art = read_article(f)
        key = {("doi", (r.doi or "").lower()): r.id for r in art.references if r.doi}
        key.update({("pmid", r.pmid): r.id for r in art.references if r.pmid})
        key.update({("title", r.cited_title or ""): r.id for r in art.references})
        cited = [set(c.citations) for c in art.claims if c.citations]
        items = _field_items(f)
        ok = sum(1 for its in items if all(k in key for k in its) and any({key[k] for k in its} <= c for c in cited))
        fields += len(items)
        linked += ok
        n = truth["docx"].get(f.name, {}).get("references")
        got = len([r for r in art.references if r.in_list])
        if n:
            found += min(got, n)
            expected += n
        print(f"   {f.name[:56]:56s} fields {ok}/{len(items)}  references {got}" + (f" of {n}" if n else ""))
    pfound = pexp = pages_right = 0
    links: list = []
    worst = 1.0
    totals = {"ours": 0, "pypdf": 0, "pypdf_refs": 0}
    for name, t in sorted(truth["pdf"].items()):
        t0 = time.perf_counter()
        art = read_article(data / "pdf" / name)
        listed = [r for r in art.references if r.in_list]
        right = bool(listed) and listed[0].location.startswith(f"page {t['list_page']}")
        pages_right += right
        line = f"   {name[:56]:56s} references {len(listed)}"
        if t["references"]:
            pfound += min(len(listed), t["references"])
            pexp += t["references"]
            line += f" of {t['references']}"
        cited = sum(1 for c in art.claims if c.citations)
        line += f", list on page {t['list_page']}: {'found' if right else 'not found'}; " \
                f"{cited} cited claims; {time.perf_counter() - t0:.1f} s"
        outcomes = pdf_links.compare(art, t)
        links += outcomes
        if outcomes:
            summ = pdf_links.summary(outcomes)
            worst = min(worst, summ["accuracy"])
            line += f"; sampled citations linked right {summ['right']}/{summ['sampled']} = {summ['accuracy']:.3f}"
        # the other pure-Python extractor, measured the same way: pypdf's text through the text reader
        t0 = time.perf_counter()
        alt = _pypdf_article(data / "pdf" / name)
        alt_listed = [r for r in alt.references if r.in_list]
        line += f"   | pypdf text: references {len(alt_listed)}, {sum(1 for c in alt.claims if c.citations)} " \
                f"cited claims; {time.perf_counter() - t0:.1f} s"
        totals["ours"] += cited
        totals["pypdf"] += sum(1 for c in alt.claims if c.citations)
        totals["pypdf_refs"] += min(len(alt_listed), t["references"] or 0)
        print(line)
    print(f"   cited claims: pdfminer.six reader {totals['ours']}, pypdf text {totals['pypdf']}; "
          f"references found: pdfminer.six {pfound / max(1, pexp):.3f}, pypdf text {totals['pypdf_refs'] / max(1, pexp):.3f}")
    ls = pdf_links.summary(links)
    print(f"   sampled citations linked right: {ls['right']}/{ls['sampled']} = {ls['accuracy']:.4f} "
          f"(missing {ls['missing']}, extra {ls['extra']}, not found {ls['not found']}; worst file {worst:.3f})")
    return {"field_links": linked / max(1, fields), "docx_refs": found / max(1, expected),
            "pdf_refs": pfound / max(1, pexp), "pdf_pages": f"{pages_right}/{len(truth['pdf'])}",
            "pdf_links": ls["accuracy"], "pdf_links_worst": worst, "pdf_links_sampled": ls["sampled"]}


def jats_links_dir() -> Path:
    from bench.evaluation.evaluate import default_data_dir
    return default_data_dir() / "jats"


if __name__ == "__main__":
    sys.exit(main())
