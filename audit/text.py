"""Words, once for the whole package: the tokeniser, the stemmer, the stop words, the background IDF and
the sentence splitter that scoring, the source search, stance and the embeddings all use.

One list of each, so that a claim's "key terms" are the same words wherever they are counted.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from audit.scoring import concepts as cx
from audit.scoring.mesh import spelling

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset("""a about above after again against all also although am among an and any are aren't as at
be because been before being below between both but by can could did do does doing done down during each either
et al etc few for from further had has have having he her here hers him his how however i if in into is it its
itself just may me might more most much must my no nor not now of off on once only or other our ours out over
own per rather same she should since so some such than that the their theirs them then there these they this
those through thus to too under until up upon very via was we were what when where whether which while who whom
why will with within without would yet you your versus vs e g i e ie eg use used using based whereas""".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stemmer: enough to meet plural and verb forms, cheap and predictable."""
    w = spelling(word)
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("'s"):
        w = w[:-2]
    if w.endswith("tic") and len(w) > 6:     # metastatic/metastasis, diagnostic/diagnosis meet
        w = w[:-4] + "sis" if w.endswith("stic") else w[:-3] + "sis"
    for suf, rep in (("ational", "ate"), ("ization", "ize"), ("isation", "ize"), ("ities", "ity"),
                     ("ies", "y"), ("sses", "ss"), ("ases", "asis"), ("oses", "osis"), ("ings", ""), ("ing", ""),
                     ("edly", ""), ("ed", ""), ("ly", ""), ("es", "e"), ("s", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            if suf == "s" and w.endswith(("ss", "us", "is")):
                continue
            w = w[: len(w) - len(suf)] + rep
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if w.endswith("is") and len(w) > 5:     # metastasis/metastases/metastatic meet at "metasta"
        w = w[:-2]
    elif w.endswith("ic") and len(w) > 5:
        w = w[:-2]
    return w


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())



class Idf:
    """Inverse document frequency from a background table; unseen terms count as rare."""

    def __init__(self, df: dict[str, int], n_docs: int):
        self.df = df
        self.n = n_docs
        self.max = math.log((n_docs + 1) / 1.5)

    def __call__(self, term: str) -> float:
        d = self.df.get(term)
        if d is None:
            return self.max
        return max(0.05, math.log((self.n + 1) / (d + 0.5)))


def build_df(texts) -> tuple[dict[str, int], int]:
    """Document frequencies of stemmed content terms over texts (to rebuild the background table)."""
    df: dict[str, int] = {}
    n = 0
    for t in texts:
        n += 1
        for s in {stem(w) for w in tokens(t) if w not in STOPWORDS}:
            df[s] = df.get(s, 0) + 1
    return df, n


@lru_cache(maxsize=1)
def default_idf() -> Idf:
    df, n = cx.background_df()
    return Idf(df, n)


# --------------------------------------------------------------------------- sentences

_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def split_sentences(text: str) -> list[str]:
    """Abstract sentences: split after . ! ? before a capital, digit or bracket (good enough for ranking)."""
    return [s.strip() for s in _SENT_END.split(text) if len(s.strip()) > 1]
