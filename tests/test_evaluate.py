"""The SciFact evaluation on a sample of dev claims, and its rank-based AUROC."""
from __future__ import annotations

import math

from audit.config import ScoringConfig
from bench.evaluation.evaluate import _parse_sentences, auroc, load_scifact_corpus, main, precision_recall, run_scifact


def test_auroc_by_ranks():
    assert auroc([3, 4], [1, 2]) == 1.0
    assert auroc([1, 2], [3, 4]) == 0.0
    assert auroc([1], [1]) == 0.5                       # a tie counts half
    assert abs(auroc([0.9, 0.4, 0.6], [0.5, 0.1]) - 5 / 6) < 1e-12
    assert math.isnan(auroc([], [1.0]))
    assert precision_recall(9, 10, 1) == (0.9, 0.9)


def test_corpus_sentences_parse(data_dir):
    assert _parse_sentences("['It is.'\n \"Don't.\"]") == ["It is.", "Don't."]
    corpus = load_scifact_corpus(data_dir)
    assert len(corpus) == 5183
    assert all(r.abstract for r in list(corpus.values())[:200])


def test_scifact_dev_sample_meets_targets(data_dir):
    f = run_scifact(data_dir, "dev", 80, 5, ScoringConfig(), with_ci=False)
    assert f["n_pos"] >= 80
    # Targets on the full dev set: AUROC >= 0.97 and off_topic precision >= 0.95 at recall >= 0.90,
    # less a margin for an 80-claim sample.
    assert f["auroc_random"] >= 0.96
    assert f["off_topic_precision"] >= 0.92
    assert f["off_topic_recall"] >= 0.85
    # Hard negatives (the most BM25-similar other abstract) stay BELOW the 0.85 target with lexical
    # signals (about 0.70 on full dev); this guards against regressions only.
    assert f["auroc_hard"] >= 0.6


def test_cli_prints_the_figures_line(data_dir, capsys):
    assert main(["scifact", "--sample", "30", "--seed", "3", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("auroc_random=") and "off_topic_recall=" in out[-1]
    assert any(line.startswith("Citation-Integrity dev:") for line in out)
