"""Does the source say the same thing as the claim?  Rationale selection, stance and reasons.

Relevance (audit/scoring/score.py) says how much a source is *about* a claim; it cannot tell a
source that confirms a claim from one that refutes it (SciFact dev: AUROC 0.60 between supporting
and contradicting abstracts).  This step runs after relevance on every scored pair:

1. rationale selection: the abstract's sentences ranked by cosine with the claim (MiniLM vectors
   of audit/scoring/semantic.py); the best ``TOP_K`` are the candidate evidence sentences;
2. cues: words that carry a stance, found in the claim and in each candidate sentence: direction
   of an effect (increase / decrease, higher / lower, a ratio above / below 1), negation, a
   reported null result ("no difference", "not associated"), causal wording against associational
   wording, "all patients" against a subgroup, hedges, numbers missing from the evidence;
3. a multinomial logistic regression over those cues and the sentence cosines gives
   P(supports), P(contradicts), P(not enough information).  Its weights
   ship in ``stance_weights.json``, written by ``citeaudit eval fit-stance`` from training splits
   only (SciFact train; see bench/evaluation/stance_eval.py).

The verdict comes with the quoted evidence sentence, the words of claim and sentence that
disagree (for the report to mark) and a reason in words.  ``overstated`` is a rule on the cues,
not a class of the model: the source agrees on the direction but the claim says more (causes
vs associated; all patients vs a subgroup; certain vs "may").

Needs the ``semantic`` extra (numpy, the MiniLM package); runs only when scoring.semantic is on.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from audit.models import SUPPORTS, CONTRADICTS, NOT_ENOUGH_INFO, Stance
from audit.scoring import semantic
from audit.text import STOPWORDS, default_idf, split_sentences, stem, tokens

WEIGHTS_PATH = Path(__file__).with_name("stance_weights.json")
TOP_K = 3                                   # candidate evidence sentences per pair
CLASSES = (SUPPORTS, CONTRADICTS, NOT_ENOUGH_INFO)

# --------------------------------------------------------------------------- cues
# Each cue is a regular expression over lower-cased text; matches keep their spans so the
# report can mark the words.  Lists are short on purpose: the model weighs them.

def _rx(words: str) -> re.Pattern:
    """Any of the space-separated single-word patterns, as whole words."""
    return re.compile(r"\b(?:" + "|".join(words.split()) + r")\b")


_UP = _rx(r"increas\w* higher high greater more elevat\w* enhanc\w* improv\w* promot\w* rais\w* "
          r"up-?regulat\w* stimulat\w* activat\w* induc\w* gain\w* larger longer accelerat\w* exacerbat\w* "
          r"augment\w* boost\w* amplif\w* rise rises rising rose positive\w* positively worse worsen\w* excess\w* "
          r"benefit\w* better superior facilitat\w* potentiat\w* expan\w* grow\w* doubl\w*")
_DOWN = _rx(r"decreas\w* lower\w* low less fewer reduc\w* declin\w* diminish\w* inhibit\w* suppress\w* "
            r"attenuat\w* impair\w* down-?regulat\w* block\w* prevent\w* loss los\w* smaller shorter slow\w* "
            r"protect\w* abolish\w* abrogat\w* limit\w* negative\w* negatively depress\w* deplet\w* drop\w* "
            r"fall\w* fell inferior weaken\w* lessen\w* shrink\w* halv\w* deficien\w*")
_NEG = re.compile(r"\b(?:not|no|never|neither|nor|cannot|without|none|unable|fail(?:s|ed)? to|lack(?:s|ed|ing)?|"
                  r"absence of|absent)\b|n't\b")
_NULL = re.compile(
    r"\bno (?:statistically |clinically )?(?:significant |significantly |appreciable |detectable |measurable |major |"
    r"clear |meaningful |overall )?(?:difference|differences|effect|effects|association|associations|change|changes|"
    r"increase|decrease|reduction|improvement|benefit|correlation|relationship|impact|influence|advantage|role|"
    r"evidence)\b"
    r"|\bnot (?:significantly |statistically |independently )?(?:associated|correlated|different|related|"
    r"linked|affect\w*|alter\w*|change\w*|improv\w*|increas\w*|decreas\w*|reduc\w*|predict\w*|influenc\w*|"
    r"significant\w*|differ)\b"
    r"|\b(?:did|does|do|was|were|is|are|could|has|have) not (?:significantly )?(?:\w+ )?(?:differ|affect|alter|"
    r"change|improve|increase|decrease|reduce|influence|predict|show|find|reach|modify|prevent|lead|result)\w*"
    r"|\b(?:was|were|is|are|remained|remain) (?:\w+ )?(?:similar|comparable|unchanged|unaffected|equivalent)\b"
    r"|\b(?:unchanged|unaffected|unaltered|non-?significant\w*|insignificant)\b"
    r"|\bp\s*[>≥=]\s*0?\.(?:[1-9]|0[5-9])|\bfailed to\b")
# A sentence that states the study's conclusion: what the authors stand behind.
_CONCLUSION = re.compile(r"^\s*(?:conclusions?|interpretation|in conclusion|in summary|we conclude|these (?:results|"
                         r"findings|data) (?:suggest|indicate|show|demonstrate))\b")
_CAUSAL = re.compile(r"\b(?:caus\w*|leads? to|results? in|drives?|determines?|is responsible for|triggers?|cures?|"
                     r"prevents?)\b")
_ASSOC = re.compile(r"\b(?:associat\w*|correlat\w*|linked|link|relationship|related|predict\w*|risk factors?)\b")
_HEDGE = _rx(r"may might could possibl\w* potentially suggest\w* appears? likely unclear uncertain "
             r"preliminary hypothes\w* speculat\w* perhaps trend tended tendency")
_UNIVERSAL = _rx(r"all every always universally invariably regardless any entire whole")
_SUBGROUP = re.compile(r"\b(?:subgroups?|subsets?|subpopulations?|only in|a proportion of|some patients)\b")
_RATIO = re.compile(r"\b(?:or|rr|hr|irr|aor|ahr|odds ratio|hazard ratio|relative risk|risk ratio|rate ratio)"
                    r"\s*(?:\(95% ci\))?\s*[,:=]?\s*(?:of|was|were|=)?\s*(\d+(?:\.\d+)?)")
_RISK_UP = re.compile(r"\b(?:increas\w*|higher|greater|elevated|excess)\s+(?:\w+\s+)?(?:risk|odds|hazard|incidence)")
_RISK_DOWN = re.compile(r"\b(?:decreas\w*|lower|reduc\w*|less)\s+(?:\w+\s+)?(?:risk|odds|hazard|incidence)")
_NUM = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")

CUE_NAMES = ("up", "down", "neg", "null", "causal", "assoc", "hedge", "universal", "subgroup", "conclusion")
_CUES = dict(zip(CUE_NAMES, (_UP, _DOWN, _NEG, _NULL, _CAUSAL, _ASSOC, _HEDGE, _UNIVERSAL, _SUBGROUP,
                             _CONCLUSION)))


@dataclass
class Cues:
    """Which stance-bearing words a text holds, with their character spans."""

    spans: dict[str, list[tuple[int, int]]]
    ratio_dir: int          # +1 a ratio above 1 / "increased risk", -1 below 1 / "reduced risk", 0 neither
    numbers: frozenset[str]

    def has(self, name: str) -> bool:
        return bool(self.spans.get(name))

    @property
    def direction(self) -> int:
        """+1 the text says up, -1 down, 0 neither or both; a negation or null result flips or voids it."""
        up, down = self.has("up"), self.has("down")
        d = (1 if up and not down else -1 if down and not up else 0) or self.ratio_dir
        if self.has("null"):
            return 0
        return -d if self.has("neg") else d


@lru_cache(maxsize=20000)
def cues(text: str) -> Cues:
    low = text.lower()
    spans = {name: [m.span() for m in rx.finditer(low)] for name, rx in _CUES.items()}
    ratios = [float(m.group(1)) for m in _RATIO.finditer(low)]
    rdir = 0
    if ratios:
        above, below = sum(r > 1.0 for r in ratios), sum(r < 1.0 for r in ratios)
        rdir = 1 if above > below else -1 if below > above else 0
    if not rdir:
        up, down = bool(_RISK_UP.search(low)), bool(_RISK_DOWN.search(low))
        rdir = 1 if up and not down else -1 if down and not up else 0
    return Cues(spans, rdir, frozenset(_NUM.findall(low)))


def _word_overlap(a: str, b: str) -> float:
    wa = set(re.findall(r"[a-z0-9]{3,}", a.lower()))
    wb = set(re.findall(r"[a-z0-9]{3,}", b.lower()))
    return len(wa & wb) / len(wa) if wa else 0.0


# Words whose swap for the other turns a finding into its opposite (SciFact's contradicting claims
# are mostly a true claim with one such swap, or a negation).  Compared as stems.
_ANTONYM_WORDS = """increase/decrease increase/reduce higher/lower high/low more/less more/fewer positive/negative
peripheral/central gain/loss improve/worsen improve/impair benefit/harm better/worse superior/inferior larger/smaller
longer/shorter faster/slower earlier/later acute/chronic endogenous/exogenous innate/adaptive direct/indirect
directly/indirectly dominant/recessive sensitive/resistant susceptible/resistant upregulated/downregulated
upregulation/downregulation activate/inhibit promote/inhibit promote/suppress enhance/reduce enhance/impair
stimulate/inhibit induce/inhibit raise/lower rise/decline rise/fall above/below major/minor present/absent
effective/ineffective accurate/inaccurate stable/unstable safe/unsafe significant/insignificant
dependent/independent related/unrelated common/rare frequent/rare hyperglycemia/hypoglycemia
overexpression/knockdown male/female men/women mesoderm/endoderm mesodermal/endodermal ectoderm/endoderm
excitatory/inhibitory agonist/antagonist"""


@lru_cache(maxsize=1)
def _antonyms() -> list[tuple[str, str]]:
    return [tuple(stem(w) for w in p.split("/")) for p in _ANTONYM_WORDS.split()]


def _stems(text: str) -> set[str]:
    return {stem(w) for w in tokens(text)}


def _word_of(text: str, stem_: str) -> str:
    """The first word of text with the given stem, as written."""
    return next((w for w in tokens(text) if stem(w) == stem_), stem_)


def antonym_swaps(claim: str, source: str) -> list[tuple[str, str]]:
    """(claim stem, source stem) pairs where the claim has one of two opposites and the source only
    the other: "decreases" against a source that says "increased" and never "decreased"."""
    c, s = _stems(claim), _stems(source)
    out = []
    for a, b in _antonyms():
        for x, y in ((a, b), (b, a)):
            if x in c and y not in c and y in s and x not in s:
                out.append((x, y))
    return out


def missing_words(claim: str, source: str) -> tuple[float, float]:
    """IDF-weighted share of the claim's content words absent from the source, and the rarest
    missing word's IDF / 10: a contradicting claim is often the source's finding with a word swapped."""
    idf = default_idf()
    words = {stem(w) for w in tokens(claim) if w not in STOPWORDS and not w.isdigit()}
    if not words:
        return 0.0, 0.0
    have = _stems(source)
    weights = {w: idf(w) for w in words}
    miss = [weights[w] for w in words if w not in have]
    return sum(miss) / (sum(weights.values()) or 1.0), max(miss, default=0.0) / 10.0


def cue_features(claim: str, sentence: str) -> list[float]:
    """Hand features of a claim against one evidence sentence (names in RULE_FEATURES)."""
    c, s = cues(claim), cues(sentence)
    cd, sd = c.direction, s.direction
    c_effect = cd != 0 and not c.has("null")
    missing = [n for n in c.numbers if n not in s.numbers]
    f = [float(c.has(n)) for n in CUE_NAMES] + [float(s.has(n)) for n in CUE_NAMES]
    f += [
        float(cd * sd < 0),                                       # opposite directions
        float(cd * sd > 0),                                       # same direction
        float(c.has("neg") != s.has("neg")),                      # one side negated
        float(c_effect and s.has("null")),                        # effect claimed, null reported
        float(c.has("null") and sd != 0 and not s.has("null")),   # null claimed, effect reported
        float(c.ratio_dir * s.ratio_dir < 0),                     # ratio / risk the other way
        float(c.has("causal") and s.has("assoc") and not s.has("causal")),
        float(c.has("universal") and s.has("subgroup")),
        float(s.has("hedge") and not c.has("hedge")),
        len(missing) / max(1, len(c.numbers)) if c.numbers else 0.0,
        _word_overlap(claim, sentence),
        float(bool(antonym_swaps(claim, sentence))),
        float(c_effect and s.has("null") and s.has("conclusion")),   # the conclusion reports no effect
    ]
    return f


RULE_FEATURES = ([f"claim_{n}" for n in CUE_NAMES] + [f"ev_{n}" for n in CUE_NAMES] +
                 ["opposite_direction", "same_direction", "negation_mismatch", "null_vs_effect",
                  "effect_vs_null", "ratio_conflict", "causal_vs_assoc", "all_vs_subgroup", "hedged_source",
                  "numbers_missing", "word_overlap", "antonym_swap", "null_conclusion"])
SOURCE_FEATURES = ["source_antonym_swap", "missing_weight", "missing_max_idf", "cos_best", "cos_second",
                   "cos_top_mean"]


_CONFLICT = [RULE_FEATURES.index(n) for n in ("opposite_direction", "negation_mismatch", "null_vs_effect",
                                              "effect_vs_null", "ratio_conflict")]


def _conflicting(claim: str, sentence: str) -> bool:
    f = cue_features(claim, sentence)
    return any(f[i] for i in _CONFLICT)


def pair_features(claim: str, claim_vec, sentences: Sequence[str], sent_vecs):
    """Feature vector of a claim against a source's sentences, and the candidates' indices (best first).

    Rule features are taken on the best sentence and, as a maximum, over the top candidates (the
    sentence that carries the stance is not always the closest in meaning); source features look at
    the whole abstract.  The sentence vectors themselves (claim * evidence, claim - evidence) were
    tried and dropped: in 5-fold cross-validation on SciFact train they learn which abstract goes
    with which label, not the stance (AUROC below 0.5 on held-out folds)."""
    import numpy as np
    if len(sentences) == 0:
        raise ValueError("a source with no sentences has no stance")
    cos = np.asarray(sent_vecs, dtype=np.float32) @ np.asarray(claim_vec, dtype=np.float32)
    order = [int(i) for i in np.argsort(-cos)[:TOP_K]]
    rules = [cue_features(claim, sentences[i]) for i in order]      # order[0] is the best sentence
    rules_best = rules[0]
    rules_top = np.max(rules, axis=0)
    top = sorted(cos.tolist(), reverse=True)
    whole = " ".join(sentences)
    source = [float(bool(antonym_swaps(claim, whole))), *missing_words(claim, whole),
              top[0], top[1] if len(top) > 1 else top[0], float(np.mean(top[:TOP_K]))]
    x = np.concatenate([np.asarray(rules_best), rules_top, source]).astype(np.float64)
    return x, order


def feature_names() -> list[str]:
    return RULE_FEATURES + [f"top_{n}" for n in RULE_FEATURES] + SOURCE_FEATURES


# --------------------------------------------------------------------------- the model

@dataclass
class StanceModel:
    """Multinomial logistic regression on standardised features: p = softmax(W ((x - mean) / scale) + b)."""

    classes: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[list[float]]
    intercept: list[float]
    contradict_threshold: float          # P(contradicts) from which a pair is reported as contradicted
    info: dict = field(default_factory=dict)

    def proba(self, X):
        import numpy as np
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        z = (X - np.asarray(self.mean)) / np.asarray(self.scale)
        z = z @ np.asarray(self.coef).T + np.asarray(self.intercept)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_json(self) -> str:
        d = {k: getattr(self, k) for k in ("classes", "mean", "scale", "coef", "intercept",
                                           "contradict_threshold", "info")}
        d["mean"] = [round(v, 6) for v in d["mean"]]
        d["scale"] = [round(v, 6) for v in d["scale"]]
        d["coef"] = [[round(v, 5) for v in row] for row in d["coef"]]
        return json.dumps(d, indent=None, separators=(",", ":")) + "\n"

    @classmethod
    def load(cls, path: str | Path = WEIGHTS_PATH, head: str = "stance") -> "StanceModel":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            model = cls(**data[head])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a stance weights file with a '{head}' head "
                             f"({type(exc).__name__}: {exc}); refit with `citeaudit eval fit-stance`") from None
        if data.get("features") != feature_names() or any(len(r) != len(model.mean) for r in model.coef):
            raise ValueError(f"{path}: weights were fitted on other features than this version computes; "
                             "refit with `citeaudit eval fit-stance`")
        return model


@lru_cache(maxsize=4)
def default_model(head: str = "stance") -> StanceModel:
    return StanceModel.load(WEIGHTS_PATH, head)


# --------------------------------------------------------------------------- verdicts and reasons

def _mark(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    c = cues(text)
    out = sorted({sp for n in names for sp in c.spans.get(n, [])})
    merged: list[tuple[int, int]] = []
    for s, e in out:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


Spans = list[tuple[int, int]]


def explain(claim: str, sentence: str, verdict: str, overstated: bool) -> tuple[list[str], list[str], Spans, Spans]:
    """(reason codes, reasons in words, claim spans, sentence spans) for a verdict."""
    c, s = cues(claim), cues(sentence)
    codes: list[str] = []
    words: list[str] = []
    cmark: set[str] = set()
    smark: set[str] = set()
    if verdict == CONTRADICTS:
        if c.direction and s.direction and c.direction * s.direction < 0:
            codes.append("opposite_direction")
            words.append("the source reports the effect in the opposite direction")
            cmark |= {"up", "down", "neg"}
            smark |= {"up", "down", "neg"}
        if c.direction and not c.has("null") and s.has("null"):
            codes.append("null_result")
            words.append("the source reports no effect (a null result) where the claim states one")
            cmark |= {"up", "down"}
            smark |= {"null"}
        if c.has("null") and s.direction:
            codes.append("effect_reported")
            words.append("the claim denies an effect that the source reports")
            cmark |= {"null", "neg"}
            smark |= {"up", "down"}
        if c.ratio_dir * s.ratio_dir < 0:
            codes.append("ratio_direction")
            words.append("the source's risk estimate points the other way")
        swaps = antonym_swaps(claim, sentence)
        if swaps and not codes:
            codes.append("opposite_words")
            words.append("the claim says " + ", ".join(f"'{_word_of(claim, a)}'" for a, _ in swaps) +
                         " where the source says " + ", ".join(f"'{_word_of(sentence, b)}'" for _, b in swaps))
        if c.has("neg") != s.has("neg") and not codes:
            codes.append("negation")
            words.append("one of the two is negated")
            cmark |= {"neg"}
            smark |= {"neg"}
        if not codes:
            codes.append("model")
            words.append("the wording of the source disagrees with the claim (judged by the stance model; "
                         "no single cue word)")
        missing = [n for n in c.numbers if n not in s.numbers]
        if missing and c.numbers:
            codes.append("numbers_differ")
            words.append("numbers of the claim not in the evidence sentence: " + ", ".join(sorted(missing)))
    if overstated:
        if c.has("causal") and s.has("assoc") and not s.has("causal"):
            codes.append("causal_vs_association")
            words.append("the claim states cause and effect; the source reports an association")
            cmark |= {"causal"}
            smark |= {"assoc"}
        if c.has("universal") and s.has("subgroup"):
            codes.append("all_vs_subgroup")
            words.append("the claim speaks of everyone; the source of a subgroup")
            cmark |= {"universal"}
            smark |= {"subgroup"}
        if s.has("hedge") and not c.has("hedge"):
            codes.append("hedged_source")
            words.append("the source hedges (\"may\", \"suggest\"); the claim states it as fact")
            smark |= {"hedge"}
    return codes, words, _mark(claim, sorted(cmark)), _mark(sentence, sorted(smark))


def is_overstated(claim: str, sentence: str) -> bool:
    """The source agrees (no contrary direction) but the claim is stronger than it.

    Hedging alone is too common in abstracts to raise a finding; it counts only together with
    causal-vs-association or all-vs-subgroup wording."""
    c, s = cues(claim), cues(sentence)
    if c.direction * s.direction < 0 or s.has("null"):
        return False
    return bool((c.has("causal") and s.has("assoc") and not s.has("causal")) or
                (c.has("universal") and s.has("subgroup")))


def judge(claim: str, claim_vec, sentences: Sequence[str], sent_vecs, model: StanceModel | None = None) -> Stance:
    """The stance of one source's sentences towards a claim, with the quoted evidence and reasons."""
    model = model or default_model()
    x, order = pair_features(claim, claim_vec, sentences, sent_vecs)
    p = model.proba(x)[0]
    probs = {k: float(v) for k, v in zip(model.classes, p)}
    pc = probs[CONTRADICTS]
    if pc >= model.contradict_threshold:
        verdict = CONTRADICTS
    else:
        verdict = max((SUPPORTS, NOT_ENOUGH_INFO), key=lambda k: probs[k])
    # The quoted sentence: the candidate whose own cues back the verdict best, else the closest.
    quote = order[0]
    if verdict == CONTRADICTS:
        conflict = [i for i in order if _conflicting(claim, sentences[i])]
        if conflict:
            quote = conflict[0]
    sentence = sentences[quote]
    over = verdict == SUPPORTS and is_overstated(claim, sentence)
    codes, words, cspans, sspans = explain(claim, sentence, verdict, over)
    if verdict == SUPPORTS and not over:
        words = ["the evidence sentence says the same thing as the claim"]
    elif verdict == NOT_ENOUGH_INFO:
        words = ["no sentence of the abstract states the claim's finding"]
    return Stance(verdict=verdict, probability=round(probs[verdict], 3), contradict_probability=round(pc, 3),
                  evidence=sentence, evidence_index=quote, overstated=over, reasons=codes,
                  explanation="; ".join(words), claim_marks=[list(s) for s in cspans],
                  evidence_marks=[list(s) for s in sspans])


def source_sentences(abstract: str) -> list[str]:
    """The sentences of an abstract that can be quoted as evidence (a title is not evidence)."""
    return split_sentences(abstract)[:60]


def judge_pairs(article, records: dict, pairs: list) -> None:
    """Set ``pair.stance`` on every pair whose source has an abstract (one embedding batch)."""
    if not semantic.available():
        return
    todo = []
    claims = {c.id: c.text for c in article.claims}
    for p in pairs:
        rec = records.get(p.pmid or "")
        if rec is None or p.claim_id not in claims:
            continue
        sents = source_sentences(rec.abstract)
        if sents:
            todo.append((p, claims[p.claim_id], sents))
    if not todo:
        return
    emb = semantic.default_embedder()
    texts = list(dict.fromkeys([c for _, c, _ in todo] + [s for _, _, ss in todo for s in ss]))
    vecs = dict(zip(texts, emb.embed(texts)))
    import numpy as np
    for p, claim, sents in todo:
        p.stance = judge(claim, vecs[claim], sents, np.stack([vecs[s] for s in sents]))


__all__ = ["cues", "cue_features", "pair_features", "judge", "judge_pairs", "StanceModel", "default_model",
           "is_overstated", "explain", "feature_names", "source_sentences", "TOP_K", "CLASSES"]
