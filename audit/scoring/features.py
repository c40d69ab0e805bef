"""What scoring reads of a claim or a record, prepared once: weighted stems, bigrams, numbers, its MeSH\nprofile (subject.py) and, for a record, its evidence type.\n"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from audit.models import Record
from audit.scoring import concepts as cx
from audit.scoring import mesh as mx
from audit.scoring import subject as sj
from audit.scoring.numbers import NumberMention, claim_numbers, source_numbers
from audit.text import STOPWORDS, Idf, default_idf, stem, tokens


# --------------------------------------------------------------------------- features

@dataclass
class TextFeatures:
    """A claim or subject, prepared once."""

    text: str
    weights: dict[str, float]            # stemmed content term -> IDF
    total: float                         # sum of weights
    bigrams: frozenset[tuple[str, str]]
    surface: dict[str, str]              # stem -> the word as written (for highlighting)
    numbers: list[NumberMention]
    profile: sj.Profile                  # MeSH descriptors named, by axis
    general: bool                        # population-level wording
    specific: bool                       # about one case or a model
    topic: str                           # "Ileal Neoplasms (C04.588.274.476.411.501)"
    embedding: object = None             # unit vector, set by audit.scoring.semantic when scoring.semantic is on
    tokens: object = None                # word-piece vectors for late interaction (audit.scoring.semantic)


@dataclass
class RecordFeatures:
    """A source record, prepared once (cache by PMID)."""

    pmid: str
    title: str
    sat: dict[str, float]                # stemmed term -> saturated term frequency in title+abstract, 0..1
    title_terms: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    numbers: frozenset[float]
    ranges: frozenset[tuple[float, float]]
    profile: sj.Profile                  # major MeSH topics (or title) as topic; every heading as named
    evidence_type: str
    major_topics: list[str]
    has_mesh: bool
    has_text: bool
    title_only: bool                     # no abstract: judged on the title alone
    topic: str
    embedding: object = None             # matrix of unit vectors (title, sentences), set by audit.scoring.semantic
    tokens: object = None                # word-piece vectors of title and sentences (audit.scoring.semantic)


# How a claim cites ("a study published in the Journal of ... found") is not what it claims.
CITING_WORDS = frozenset("""published publish journal journals annals proceedings study studies found find finds
showed shown show shows reported report reports described describes recent recently another author authors
according article paper""".split())


def _content(text: str) -> list[tuple[str, str]]:
    return [(stem(w), w) for w in tokens(text) if w not in STOPWORDS and not (w.isdigit() and len(w) < 2)]


def _bigrams(stems: list[str]) -> frozenset[tuple[str, str]]:
    return frozenset(zip(stems, stems[1:]))


def prepare_text(text: str, idf: Idf | None = None, known: dict[str, str] | None = None) -> TextFeatures:
    idf = idf or default_idf()
    pairs = [(s, w) for s, w in _content(text) if w not in CITING_WORDS]
    weights: dict[str, float] = {}
    surface: dict[str, str] = {}
    for s, w in pairs:
        if s not in weights:
            weights[s] = idf(s)
            surface[s] = w
    prof = sj.text_profile(text, known)
    low = text.lower()
    return TextFeatures(
        text=text, weights=weights, total=sum(weights.values()) or 1.0,
        bigrams=_bigrams([s for s, _ in pairs]), surface=surface, numbers=claim_numbers(text),
        profile=prof, general=bool(cx.GENERAL_CUES.search(low)), specific=bool(cx.SPECIFIC_CUES.search(low)),
        topic=prof.describe())


_PRECLINICAL_MESH = {"xenograft model antitumor assays", "mice, nude", "mice, scid", "disease models, animal",
                     "transplantation, heterologous", "mice, inbred balb c", "mice, transgenic"}


def evidence_type(record: Record, profile: sj.Profile | None = None) -> str:
    """case_report, animal, in_vitro, meta_analysis, systematic_review, rct, trial, review, observational, ..."""
    pts = {p.lower() for p in record.publication_types}
    mesh = {m.lower() for m in record.mesh_terms}
    for name, kind in cx.PUBLICATION_TYPES:
        if name in pts and kind in ("meta_analysis", "systematic_review", "rct", "case_report", "guideline"):
            return kind
    if record.mesh:
        if "animals" in mesh and "humans" not in mesh:
            return "animal"
        # Human cell lines grown in mice carry the Humans tag too: a xenograft study is
        # still animal evidence, whatever the cells' origin.
        if "animals" in mesh and mesh & _PRECLINICAL_MESH:
            return "animal"
        if "humans" not in mesh and mesh & {"cell line, tumor", "cells, cultured", "cell line", "in vitro techniques"}:
            return "in_vitro"
    for name, kind in cx.PUBLICATION_TYPES:
        if name in pts:
            return kind
    for m in mesh:
        if m in cx.MESH_STUDY_TYPES:
            return cx.MESH_STUDY_TYPES[m]
    # In-process citations have no MeSH: read the title and abstract, only then (an indexed
    # record's words are no better a guide than its indexing).
    low = (record.title + " " + record.abstract).lower()
    if not record.mesh:
        for rx, kind in cx.TEXT_STUDY_TYPES:
            if rx.search(low):
                return kind
    if profile is not None and not record.mesh:
        org = profile.on("organism")
        if org and sj.HUMANS not in org:
            return "animal"
        if _laboratory(record.title + " " + record.abstract):
            return "in_vitro"
    return ""


@lru_cache(maxsize=1)
def _laboratory_uis() -> frozenset[str]:
    m = mx.load()
    return frozenset(d.ui for d in map(m.named, cx.LABORATORY_HEADINGS) if d)


def _laboratory(text: str) -> bool:
    """Does the text name laboratory work (cells, cell lines, in vitro techniques), read by the term finder?"""
    return any(mt.ui in _laboratory_uis() for mt in mx.find_terms(text))


def prepare_record(record: Record, idf: Idf | None = None, k: float = 0.6) -> RecordFeatures:
    """Features of a record that every pair with it reuses."""
    body = f"{record.title} {record.abstract}"
    pairs = _content(body)
    stems = [s for s, _ in pairs]
    tf: dict[str, int] = {}
    for s in stems:
        tf[s] = tf.get(s, 0) + 1
    sat = {s: n / (n + k) for s, n in tf.items()}
    # MeSH names count as present terms: an in-text synonym may differ from the heading.
    for m in record.mesh:
        for s, _ in _content(m.descriptor):
            sat.setdefault(s, 0.5 if m.major else 0.3)
    prof = sj.record_profile(record.mesh, record.title, record.abstract)
    vals, ranges = source_numbers(body)
    rf = RecordFeatures(
        pmid=record.pmid, title=record.title, sat=sat,
        title_terms=frozenset(s for s, _ in _content(record.title)), bigrams=_bigrams(stems),
        numbers=vals, ranges=ranges, profile=prof, evidence_type="", major_topics=record.major_topics,
        has_mesh=bool(record.mesh), has_text=bool(record.title or record.abstract),
        title_only=bool(record.title) and not record.abstract, topic=prof.describe())
    rf.evidence_type = evidence_type(record, prof)
    return rf
