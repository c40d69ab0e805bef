"""audit/text.py and the article splitter (audit/reading/sentences.py) against kept libraries.

``python -m bench.bench_text [--repeat 3] [--only sentences|stems] [--no-evals]``

Each library is measured when it can be imported (pysbd, syntok, snowballstemmer; they are not
dependencies: ``pip install --target DIR pysbd syntok snowballstemmer`` and put DIR on PYTHONPATH);
one that cannot is reported as absent.  Accuracy figures are counted once (they do not vary between
runs); speeds are the median of ``--repeat`` runs.

1. Abstract sentences against the SciFact corpus's own sentence lists (5,183 abstracts joined with
   spaces, as ``eval scifact`` joins them): boundary precision, recall and F1, whole abstracts split
   exactly, abstracts per second.
2. The abstracts of ../shared/data/pubmed (no sentence lists there): how often a library splits an
   abstract exactly as text.py does, and abstracts per second.
3. Article sentences, where claims come from: audit.reading.sentences against pysbd, plainly and with
   the citation markers blanked before it looks (markers after the full stop stay with their sentence
   either way), by claim recall on tests/pages and ``expectations_met`` of ``eval articles``.
4. Stems: text.stem against Snowball English and Porter (after the same spelling folding and "'s"),
   with the background word table rebuilt under each as ``eval build-df`` builds it, by ``eval topic``,
   ``eval retrieval``, ``eval scifact`` and ``eval articles``; words stemmed per second (uncached) and
   ``bench_score`` support pairs per second.  (The shipped stance weights were fitted on text.stem's
   features; they are kept as they are.)

The product takes these functions by name from audit.text; a variant is measured in a child process
(``--inside SPEC``) that rebinds those names before running the evaluation, so no cache of one variant
reaches the next.  The last line is ``key=value`` figures.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import io
import runpy
import subprocess
import sys
import threading
import time
import zipfile
from functools import lru_cache
from pathlib import Path

import audit.reading.sentences as article_sentences
import audit.scoring.concepts as cx
import audit.text as audit_text
from audit.cli import main as cli_main
from audit.pubmed.records import load_records
from audit.reading.ingest import read_article
from audit.reading.sentences import _MARKER_GAP
from audit.scoring.mesh import spelling
from audit.text import split_sentences, stem, tokens
from bench.evaluation.evaluate import _parse_sentences, build_background, default_data_dir
from bench.spread import kv, spread

ROOT = Path(__file__).resolve().parent.parent
STEMMERS = ("snowball-english", "snowball-porter")
EVALS = ("topic", "retrieval", "scifact", "articles")


# --------------------------------------------------------------------------- the library variants

def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def pysbd_abstracts():
    import pysbd    # measured only when installed beside
    seg = pysbd.Segmenter(language="en", clean=False)
    return lambda text: [s.strip() for s in seg.segment(text) if len(s.strip()) > 1]


def syntok_abstracts():
    from syntok import segmenter    # measured only when installed beside
    return lambda text: ["".join(t.spacing + t.value for t in s).strip()
                         for p in segmenter.analyze(text) for s in p]


def pysbd_articles(blank_markers: bool):
    """pysbd's cuts as spans, with audit.reading.sentences' rules for what is not language: a cut never
    falls inside a marker, markers right after the stop stay with its sentence, inline bullets cut."""
    import pysbd    # measured only when installed beside
    # A Segmenter keeps the text it is working on in itself, and articles are read on several threads.
    local = threading.local()

    def split(text: str, markers) -> list[tuple[int, int]]:
        seg = getattr(local, "seg", None) or pysbd.Segmenter(language="en", clean=False, char_span=True)
        local.seg = seg
        spans = sorted((m.start, m.end) for m in markers)
        by_start = {m.start: m for m in markers}
        seen = text
        if blank_markers:       # "over 75.[2] An" reads to pysbd as the number 75.2
            chars = list(text)
            for s, e in spans:
                chars[s:e] = " " * (e - s)
            seen = "".join(chars)
        cuts = []
        for sp in (seg.segment(seen)[1:] if seen.strip() else []):
            b = sp.start
            while b > 0 and text[b - 1] == " ":
                b -= 1
            b = next((e for s, e in spans if s < b < e), b)
            k = b
            while True:
                gap = _MARKER_GAP.match(text, k)
                p = gap.end() if gap else k
                if p in by_start and (k > b or not gap.group().strip()):
                    k = by_start[p].end
                    continue
                break
            cuts.append(k)
        cuts += [i for i, ch in enumerate(text) if ch == "•" and i and text[i - 1] == " "]
        out, start = [], 0
        for c in sorted({c for c in cuts if 0 < c < len(text)}) + [len(text)]:
            s, e = start, c
            while s < e and text[s] in " •":
                s += 1
            while e > s and text[e - 1] == " ":
                e -= 1
            if s < e and text[s:e].strip(" •"):
                out.append((s, e))
            start = c
        return out
    return split


def snowball(algorithm: str):
    import snowballstemmer    # measured only when installed beside
    local = threading.local()      # a stemmer object keeps the word it is working on in itself

    @lru_cache(maxsize=200_000)
    def stem_(word: str) -> str:
        st = getattr(local, "st", None) or snowballstemmer.stemmer(algorithm)
        local.st = st
        w = spelling(word)
        return st.stemWord(w[:-2] if w.endswith("'s") else w)
    return stem_


def _rebind(old, new) -> None:
    """Every loaded module's name bound to ``old`` names ``new`` (the product imports these by name)."""
    for m in list(sys.modules.values()):
        for k, v in list(getattr(m, "__dict__", {}).items()):
            if v is old:
                setattr(m, k, new)


def _install(spec: str) -> None:
    for m in ("audit.pipeline", "audit.sources", "audit.pubmed.search", "audit.scoring.score",
              "audit.scoring.stance", "audit.scoring.features", "audit.scoring.semantic",
              "bench.evaluation.topic", "bench.evaluation.retrieval", "bench.evaluation.articles"):
        importlib.import_module(m)
    if spec == "text.py":
        return
    if spec.startswith("pysbd"):
        _rebind(article_sentences.split_sentences, pysbd_articles(spec == "pysbd-blanked"))
    elif spec.startswith("snowball-"):
        _rebind(audit_text.stem, snowball(spec.split("-", 1)[1]))

        @lru_cache(maxsize=1)
        def background_df():
            df, n = build_background(default_data_dir())
            return {t: c for t, c in df.items() if c >= 3}, n     # as write_background keeps it
        _rebind(cx.background_df, background_df)
        audit_text.default_idf.cache_clear()
    else:
        raise SystemExit(f"unknown variant {spec!r}")


def _inside(spec: str, argv: list[str]) -> int:
    _install(spec)
    if argv[0] == "citeaudit":
        return cli_main(argv[1:]) or 0
    sys.argv = argv
    runpy.run_module(argv[0], run_name="__main__")
    return 0


def _child(spec: str, *argv: str) -> dict[str, str]:
    """The key=value figures of the last line a command prints under variant ``spec``."""
    out = subprocess.run([sys.executable, "-m", "bench.bench_text", "--inside", spec, "--", *argv],
                         capture_output=True, text=True, cwd=ROOT, timeout=3600)
    last = (out.stdout.strip().splitlines() or [""])[-1]
    if out.returncode:
        raise SystemExit(f"{spec} {' '.join(argv)} failed: {out.stderr[-2000:]}")
    return dict(p.split("=", 1) for p in last.split() if "=" in p)


# --------------------------------------------------------------------------- measurements

def _timed(fn, items, repeat: int) -> float:
    """Items per second, median of ``repeat`` runs."""
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for x in items:
            fn(x)
        rates.append(len(items) / max(time.perf_counter() - t0, 1e-9))
    return spread(rates)["median"]


def _cuts(sents: list[str], text: str) -> set[int]:
    out, pos = set(), 0
    for s in sents[:-1]:
        i = text.find(s.strip(), pos)
        if i >= 0:
            pos = i + len(s.strip())
            out.add(pos)
    return out


def scifact_abstracts(data: Path) -> list[list[str]]:
    with zipfile.ZipFile(data / "scifact" / "third_party" / "scifact_hf_export_csv.zip") as z:
        name = next(n for n in z.namelist() if n.endswith("corpus_train.csv"))
        body = z.read(name).decode("utf-8")
    csv.field_size_limit(10**8)
    return [s for s in (_parse_sentences(r["abstract"]) for r in csv.DictReader(io.StringIO(body))) if s]


def abstract_splitters() -> dict:
    out = {"text.py": split_sentences}
    for name, make, module in (("pysbd", pysbd_abstracts, "pysbd"), ("syntok", syntok_abstracts, "syntok")):
        out[name] = make() if _have(module) else None
    return out


def sentences(data: Path, repeat: int, evals: bool) -> dict:
    figs: dict = {}
    gold = scifact_abstracts(data)
    joined = [" ".join(d) for d in gold]
    pubmed = [r.abstract for r in load_records([data / "pubmed"]).values() if r.abstract]
    ours = [split_sentences(t) for t in pubmed]
    print(f"== abstract sentences: SciFact corpus ({len(gold)} abstracts, its sentence lists), "
          f"PubMed records ({len(pubmed)} abstracts, agreement with text.py)")
    for name, split in abstract_splitters().items():
        if split is None:
            print(f"   {name:10s} not installed")
            continue
        tp = fp = fn = exact = 0
        for sents, text in zip(gold, joined):
            want, got = _cuts(sents, text), _cuts(split(text), text)
            tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
            exact += want == got
        p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
        f1 = 2 * p * r / max(p + r, 1e-9)
        same = sum(split(t) == o for t, o in zip(pubmed, ours)) / max(1, len(pubmed))
        rate = _timed(split, joined[:1000] if name != "text.py" else joined, repeat)
        print(f"   {name:10s} SciFact boundaries P {p:.4f} R {r:.4f} F1 {f1:.4f}, exact {exact / len(gold):.3f}; "
              f"PubMed as text.py {same:.3f}; {rate:,.0f} abstracts/s")
        key = name.replace(".py", "")
        figs.update({f"{key}_abstract_f1": round(f1, 4), f"{key}_abstracts_per_s": round(rate)})
    print("== article sentences (claims): tests/pages claim recall, eval articles")
    for spec in ("text.py", "pysbd", "pysbd-blanked"):
        if spec != "text.py" and not _have("pysbd"):
            print(f"   {spec:14s} not installed")
            continue
        pages = _child(spec, "bench.evaluation.page_corpus")
        arts = _child(spec, "citeaudit", "eval", "articles", "--quiet") if evals else {}
        name = "reading.sentences" if spec == "text.py" else spec
        print(f"   {name:18s} claim recall {pages['claim_recall']}, chrome claims {pages['chrome_claims']}, "
              f"expectations met {arts.get('expectations_met', '-')}, "
              f"clean false alarms {arts.get('clean_false_alarm', '-')}")
        key = "reading" if spec == "text.py" else spec.replace("-", "_")
        figs[f"{key}_claim_recall"] = pages["claim_recall"]
        if arts:
            figs[f"{key}_expectations_met"] = arts["expectations_met"]
    if _have("pysbd"):
        figs.update(_article_speed(data, repeat))
    return figs


def _article_speed(data: Path, repeat: int) -> dict:
    """Seconds to read the article set and tests/pages, and to split one block of 100 kB of prose
    (a pasted page with no paragraph breaks), with each article splitter."""
    files = sorted((data / "articles" / "articles").iterdir()) + sorted(
        p for p in (ROOT / "tests" / "pages").iterdir() if p.suffix != ".json")
    para = "Statins lowered LDL cholesterol by 30% in adults over 75 (Smith et al. 2019). The effect was smaller [3]. "
    block = para * (100_000 // len(para))
    native = article_sentences.split_sentences
    figs = {}
    for spec, split in (("reading", native), ("pysbd_blanked", pysbd_articles(True))):
        _rebind(article_sentences.split_sentences, split)
        try:
            read = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                claims = sum(len(read_article(p).claims) for p in files)
                read.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            split(block, [])
            long_block = time.perf_counter() - t0
        finally:
            _rebind(split, native)
        print(f"   {spec:18s} reads {len(files)} files ({claims} claims) in {spread(read)['median']:.2f} s; "
              f"one 100 kB block split in {long_block:.2f} s")
        figs.update({f"{spec}_read_s": round(spread(read)["median"], 3), f"{spec}_100kb_block_s": round(long_block, 3)})
    return figs


def stems(data: Path, repeat: int, evals: bool) -> dict:
    figs: dict = {}
    words = sorted({w for r in load_records([data / "pubmed"]).values() for w in tokens(r.title + " " + r.abstract)})
    print(f"== stems: eval topic, retrieval, scifact, articles; {len(words):,} distinct words stemmed uncached")
    for spec in ("text.py",) + STEMMERS:
        if spec != "text.py" and not _have("snowballstemmer"):
            print(f"   {spec:17s} not installed")
            continue
        fn = stem.__wrapped__ if spec == "text.py" else snowball(spec.split("-", 1)[1]).__wrapped__
        rate = _timed(fn, words, repeat)
        got: dict[str, str] = {}
        if evals:
            for ev in EVALS:
                got.update(_child(spec, "citeaudit", "eval", ev, *(["--quiet"] if ev == "articles" else [])))
            got.update(_child(spec, "bench.bench_score", "--repeat", str(repeat)))
        shown = ("topic_precision", "topic_recall", "genuine_false_alarm", "ndcg_at_10", "recall_at_3",
                 "recall_at_10", "auroc_random", "auroc_hard", "off_topic_precision", "off_topic_recall",
                 "expectations_met", "support_pairs_per_s")
        print(f"   {spec:17s} " + " ".join(f"{k}={got[k]}" for k in shown if k in got) + f" words_per_s={rate:,.0f}")
        key = "text" if spec == "text.py" else spec.replace("-", "_")
        figs.update({f"{key}_{k}": got[k] for k in ("recall_at_3", "auroc_hard", "off_topic_recall",
                                                    "expectations_met", "support_pairs_per_s") if k in got})
        figs[f"{key}_words_per_s"] = round(rate)
    return figs


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--inside"]:
        return _inside(argv[1], argv[3:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (the median is printed)")
    ap.add_argument("--only", choices=["sentences", "stems"])
    ap.add_argument("--no-evals", action="store_true", help="skip the eval runs (intrinsic figures only)")
    args = ap.parse_args(argv)
    data = default_data_dir()
    figs: dict = {}
    if args.only in (None, "sentences"):
        figs.update(sentences(data, args.repeat, not args.no_evals))
    if args.only in (None, "stems"):
        figs.update(stems(data, args.repeat, not args.no_evals))
    print(kv(**figs, runs=args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
