"""Relevance and support scoring: does the cited source address the claim, is it
about the article's subject, and does the claim itself stay on that subject?

Work is split so the pairwise step is cheap: ``prepare_record`` and
``prepare_text`` do the tokenising, stemming, concept and number extraction
once per record and per claim (both cacheable); ``support_score`` and
``subject_conflicts`` then use only set and dict look-ups.

Signals:
* lexical: claim terms found in the title and abstract, weighted by how rare
  the term is (IDF from a background table of biomedical abstracts, see
  ``concepts.BACKGROUND_DF``) and saturated by term frequency as in BM25;
  adjacent-term pairs (bigrams) found in the source; claim terms in the title.
* subject (audit/scoring/subject.py): MeSH descriptors by axis (disease,
  tumour type, body part, species, age group) from the text and from the
  record's headings (major topics first); a source about another disease,
  species or age group than the claim or the article's subject conflicts, and
  tree distance is a relatedness signal.
* numbers: numbers, ranges and percentages in the claim looked for in the
  title and abstract ("60-80%" matches "60% to 80%").
* evidence type: publication types and MeSH (case report, animal study, ...)
  against how general the claim is.
"""
from __future__ import annotations

import copy

import math


from audit.scoring import concepts as cx
from audit.scoring import semantic
from audit.scoring import subject as sj
from audit.scoring.mesh import initialisms
from audit.text import STOPWORDS, Idf, build_df, default_idf, stem, tokens  # noqa: F401  (re-exported)
from audit.config import ScoringConfig
from audit.models import OFF_TOPIC, RELEVANT, RESOLVED, UNVERIFIABLE, WEAK, Article, ClaimDrift, Pair, Record
from audit.severity import CHECK, FEW_WORDS, HOST, NONE, SUBJECT, asks_check, pair_severity
from audit.scoring.numbers import NumberMention, claim_numbers, source_numbers  # noqa: F401  (re-exported)
from audit.scoring.features import (CITING_WORDS, RecordFeatures, TextFeatures, evidence_type,  # noqa: F401  (re-exported)
                                    prepare_record, prepare_text)

# --------------------------------------------------------------------------- text

# --------------------------------------------------------------------------- pairwise

def subject_conflicts(a: TextFeatures, b: TextFeatures | RecordFeatures, cfg: ScoringConfig | None = None
                      ) -> list[sj.Conflict]:
    """Axes on which a claim (or subject) and a subject or source are about different things."""
    cfg = cfg or ScoringConfig()
    return sj.conflicts(a.profile, b.profile, cfg.mesh_depth, organism_depth=cfg.mesh_depth_organism,
                        site_depth=cfg.mesh_depth_site)


def lexical_parts(c: TextFeatures, r: RecordFeatures) -> tuple[float, float, float]:
    """(coverage of the claim's weighted terms in the source, in its title, share of bigrams found)."""
    sat = r.sat
    w = c.weights
    cov = 0.0
    tcov = 0.0
    tt = r.title_terms
    for t, wt in w.items():
        v = sat.get(t)
        if v is not None:
            cov += wt * v
            if t in tt:
                tcov += wt
    bg = len(c.bigrams & r.bigrams) / len(c.bigrams) if c.bigrams else 0.0
    return cov / c.total, tcov / c.total, bg


def match_score(c: TextFeatures, r: RecordFeatures, cfg: ScoringConfig) -> float:
    """0..1: how well the source addresses the claim, before any subject conflict."""
    cov, tcov, bg = lexical_parts(c, r)
    if cfg.semantic and cfg.late_interaction and c.tokens is not None and r.tokens is not None:
        return _late_score(c, r, cov, cfg)
    raw = (cfg.w_lexical * cov + cfg.w_title * tcov + cfg.w_bigram * bg
           + cfg.w_mesh * (sj.relatedness(c.profile, r.profile) - 0.5))
    if cfg.semantic and c.embedding is not None and r.embedding is not None:
        raw += cfg.w_semantic * (_semantic_similarity(c, r) - cfg.semantic_mid)
    return _squash(raw, cfg)


def _penalised(score: float, conf: list[sj.Conflict], cfg: ScoringConfig) -> float:
    axes = {x.axis for x in conf}
    if axes & {"disease", "histology"}:
        return score * (1.0 - cfg.conflict_penalty)
    if axes:
        return score * (1.0 - cfg.conflict_penalty / 2)
    return score


def support_score(c: TextFeatures, r: RecordFeatures, cfg: ScoringConfig) -> float:
    """0..1: how well the source addresses the claim (no subject involved)."""
    return _penalised(match_score(c, r, cfg), subject_conflicts(c, r, cfg), cfg)


def _semantic_similarity(c: TextFeatures, r: RecordFeatures) -> float:
    # Only reached when embeddings were attached (scoring.semantic on and the extra installed).
    return semantic.source_similarity(c.embedding, r.embedding)


def late_features(c: TextFeatures, r: RecordFeatures, cov: float | None = None) -> tuple[float, float, float]:
    """(MaxSim, weakest word-piece match, lexical coverage): the inputs of the late-interaction formula."""
    maxsim, weakest = semantic.late_interaction(c.tokens, r.tokens)
    if cov is None:
        cov = lexical_parts(c, r)[0]
    return maxsim, weakest, cov


def _late_score(c: TextFeatures, r: RecordFeatures, cov: float, cfg: ScoringConfig) -> float:
    # A logistic regression fitted on SciFact train (cited abstracts against BM25-nearest and random
    # uncited ones); its weights are config values, so the score stays a fixed formula.
    maxsim, weakest, cov = late_features(c, r, cov)
    z = cfg.late_bias + cfg.late_w_maxsim * maxsim + cfg.late_w_weakest * weakest + cfg.late_w_coverage * cov
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _squash(raw: float, cfg: ScoringConfig) -> float:
    # A logistic map puts the configured thresholds at meaningful places of the raw scale.
    return 1.0 / (1.0 + math.exp(-cfg.squash_slope * (raw - cfg.squash_mid)))


def unsupported_numbers(c: TextFeatures, r: RecordFeatures) -> list[str]:
    out = []
    for n in c.numbers:
        if len(n.values) == 2:
            ok = n.values in r.ranges or all(v in r.numbers for v in n.values)
        else:
            ok = n.values[0] in r.numbers
        if not ok:
            out.append(n.text)
    return out


def shared_terms(c: TextFeatures, r: RecordFeatures, limit: int = 12) -> list[str]:
    """Claim words (as written) whose stems occur in the source, rarest first."""
    hits = [(c.weights[s], c.surface[s]) for s in c.weights if s in r.sat and c.weights[s] > 1.0]
    hits.sort(key=lambda x: -x[0])
    return [w for _, w in hits[:limit]]


# --------------------------------------------------------------------------- drift

_DRIFT_PENALTY = {"disease": "drift_disease_penalty", "histology": "drift_disease_penalty",
                  "organism": "drift_species_penalty", "age": "drift_age_penalty"}


def _names_host(claim: TextFeatures, subject: TextFeatures, cfg: ScoringConfig) -> bool:
    """Does the claim name another species as a host of the subject's own infection ("Leishmania major in
    hedgehogs" in a page on human cutaneous leishmaniasis)?  The animal reservoirs of a zoonosis are its
    business; an experimental model (a mouse model of the disease) is not a host and still differs."""
    infections = [u for u in subject.profile.on("disease")
                  if any(t.startswith("C01") for t in sj.axis_trees(u).get("disease", ()))]
    org = claim.profile.on("organism")
    hosts = subject.profile.on("organism")
    # (On a review of a zoonosis's animal reservoirs, whose subject is itself another species, every host is.)
    return bool(infections) and bool(org) and sj.ANIMALS not in org and sj.HUMANS not in org and (
        any(sj.related("disease", u, v, cfg.mesh_depth, cfg.mesh_depth_site)
            for u in infections for v in claim.profile.on("disease"))
        or bool(hosts) and sj.HUMANS not in hosts)


def drift_score(claim: TextFeatures, subject: TextFeatures, cfg: ScoringConfig) -> tuple[float, list[sj.Conflict]]:
    # A claim that names its own age group ("in children, ...") says whom it is about: it is checked against
    # its source, not called a drift from the article's age group.
    conf = [x for x in subject_conflicts(claim, subject, cfg) if x.axis != "age"]
    if _names_host(claim, subject, cfg):
        conf = [x for x in conf if x.axis != "organism"]
    pen = sum(getattr(cfg, _DRIFT_PENALTY[x.axis]) for x in conf)
    return max(0.0, 1.0 - pen), conf


def _conflict_text(conf: list[sj.Conflict], mine: str, theirs: str) -> str:
    return "; ".join(x.text(mine, theirs) for x in conf)


def claim_drift(claim_id: str, claim: TextFeatures, subject: TextFeatures, cfg: ScoringConfig) -> ClaimDrift:
    score, conf = drift_score(claim, subject, cfg)
    drifts = score < cfg.drift_threshold
    if conf:
        expl = _conflict_text(conf, "the claim", "the article")
    elif not subject.profile.recognised():
        expl = ("the article's subject was not recognised in MeSH terms (no disease, tumour type, body part or "
                "species named in its title, question or sources): the claim could not be checked against it")
    elif claim.topic:
        expl = f"claim is about {claim.topic}, in line with the article's subject ({subject.topic})"
    else:
        expl = "claim names no disease, species or age group that differs from the article's subject"
    return ClaimDrift(claim_id=claim_id, score=round(score, 3), drifts=drifts, explanation=expl,
                      axes=[x.axis for x in conf], subject_recognised=bool(conf) or subject.profile.recognised())


# --------------------------------------------------------------------------- pairs

def _source_desc(r: RecordFeatures) -> str:
    if r.major_topics:
        return f"source's major MeSH topics: {', '.join(r.major_topics[:6])}"
    if r.has_mesh:
        return "source has no major MeSH topics"
    how = "title" if r.title_only else "title and abstract"
    return f"source has no MeSH headings; judged from its {how} \"{r.title[:100]}\"" if r.title else \
        "source has no MeSH headings and no title"


def _thresholds(r: RecordFeatures, cfg: ScoringConfig) -> tuple[float, float]:
    # A title alone shares few words with any claim: it gets an off_topic threshold of its own.  Being
    # called relevant (and suggested as a source) still takes the full threshold.
    if r.title_only:
        return cfg.off_topic_threshold_title, cfg.relevant_threshold
    return cfg.off_topic_threshold, cfg.relevant_threshold


def _treatment_effect(c: TextFeatures, r: RecordFeatures, subject: TextFeatures) -> bool:
    """Is the claim about an effect of the subject's treatment, and the source a study of it?  The claim names a
    drug that the source studies and the subject's own sources treat it with (the speech effects of atypical
    antipsychotics in a schizophrenia review): the source's other disease is the treatment's adverse effect."""
    treated = subject.profile.names.get("treatment", set())
    return bool(c.profile.on("treatment") & r.profile.named("treatment") & treated)


def score_pair(claim_id: str, reference_id: str, c: TextFeatures, r: RecordFeatures, subject: TextFeatures,
               cfg: ScoringConfig) -> Pair:
    """One claim–source pair: relevance, subject fit, evidence type, numbers and a verdict."""
    match = match_score(c, r, cfg)
    cconf = subject_conflicts(c, r, cfg)
    rel = _penalised(match, cconf, cfg)
    sconf = subject_conflicts(subject, r, cfg) if subject is not c else cconf
    # A source on a companion of the subject (chronic kidney disease in a diabetes article whose own sources
    # name albuminuria beside diabetes) is the subject's business.
    sconf = [x for x in sconf if x.axis not in ("disease", "histology")
             or not sj.accompanies(subject.profile, r.profile, x, cfg)]
    if c.profile.on("age"):
        # The claim names its age group: the source answers to the claim's, not to the article's.
        sconf = [x for x in sconf if x.axis != "age"]
    if _names_host(c, subject, cfg) and not any(x.axis == "organism" for x in cconf):
        sconf = [x for x in sconf if x.axis != "organism"]     # a host the claim names, and its source studies
    subj = (_penalised(match_score(subject, r, cfg), sconf, cfg) if subject.weights else 1.0) \
        if subject is not c else rel
    claim_subj, _ = drift_score(c, subject, cfg)
    nums = unsupported_numbers(c, r)
    etype = r.evidence_type
    weak_ev = etype in cx.NARROW_EVIDENCE and c.general and not c.specific
    off_thr, rel_thr = _thresholds(r, cfg)
    hard_s = [x for x in sconf if x.axis in ("disease", "histology")]
    hard_c = [x for x in cconf if x.axis in ("disease", "histology")]
    if hard_s and not hard_c and _treatment_effect(c, r, subject):
        hard_s = []
    soft = [x for x in sconf + cconf if x.axis in ("organism", "age")]
    # The body part the claim names against the one its source studies (a kidney claim on a liver study).
    # Only the claim's: an article's title names its organ broadly, and its sources range over others.
    soft += sj.conflicts(c.profile, r.profile, cfg.mesh_depth, axes=("anatomy",), site_depth=cfg.mesh_depth_site)
    reasons: list[str] = []
    severity = NONE
    why_medium = ""
    if not r.has_text:
        verdict = WEAK
        reasons.append("source has no title or abstract to compare with")
    elif hard_s or hard_c:
        reasons.append(_conflict_text(hard_s, "the article", "the source") if hard_s
                       else _conflict_text(hard_c, "the claim", "the source"))
        # A conflict on a source whose words match the claim closely, and whose subject the claim's own MeSH
        # terms are near in the tree (more than a quarter of the path shared), may be the vocabulary's mistake: the reviewer is asked to check it (medium), the pair is
        # not called off topic.  Shared generic words ("safe", "procedures") alone do not make it close.
        # Without MeSH the source's subject is only our reading of its title, so its words, when they match
        # the claim closely, outweigh it.
        axes = {x.axis for x in hard_s + hard_c}
        close = match >= rel_thr and c.profile.recognised() and \
            (not r.has_mesh or sj.closeness(c.profile, r.profile, axes) > cfg.unrelated_below)
        verdict = WEAK if close else OFF_TOPIC
        severity = pair_severity(SUBJECT, close=close)
        why_medium = f" (though it matches the claim's words, relevance {match:.2f})"
    elif soft and match < rel_thr:
        verdict = OFF_TOPIC
        reasons.append(_conflict_text(soft[:1], "the article" if soft[0] in sconf else "the claim", "the source"))
        severity = pair_severity(HOST, title_only=r.title_only)
        why_medium = " (judged from the title alone)"
    elif rel < off_thr:
        verdict = OFF_TOPIC
        reasons.append(f"source shares few of the claim's key terms (relevance {rel:.2f})")
        # Few shared words alone is a weaker sign than a subject conflict: high only when the claim's
        # subject is recognised and the source names nothing near it in the MeSH tree.
        unrelated = c.profile.recognised() and r.profile.recognised() and \
            sj.relatedness(c.profile, r.profile) < cfg.unrelated_below
        severity = pair_severity(FEW_WORDS, unrelated=unrelated, title_only=r.title_only)
        why_medium = " (judged from the title alone)" if r.title_only else \
            " (the claim's and the source's MeSH terms are not far apart, or one names none)"
    elif rel < rel_thr or weak_ev or soft:
        verdict = WEAK
        if rel < rel_thr:
            reasons.append(f"source only partly matches the claim (relevance {rel:.2f})")
        if soft:
            # Another species or age group on a source that matches the claim's words: a "check" (medium).
            severity = pair_severity(CHECK)
            reasons.append("check: " + _conflict_text(soft[:1], "the article" if soft[0] in sconf else "the claim",
                                                      "the source"))
    else:
        verdict = RELEVANT
        reasons.append(f"source matches the claim (relevance {rel:.2f})")
    if asks_check(severity) and not reasons[-1].startswith("check: "):
        reasons[-1] = "check: " + reasons[-1] + why_medium
    if weak_ev:
        reasons.append(f"source is {cx.NARROW_EVIDENCE[etype]}, cited for a claim about patients in general")
    terms = shared_terms(c, r)
    if terms and verdict != OFF_TOPIC:
        reasons.append("shared terms: " + ", ".join(terms[:6]))
    if nums:
        reasons.append("not found in the title or abstract: " + ", ".join(nums))
    reasons.append(_source_desc(r))
    return Pair(
        claim_id=claim_id, reference_id=reference_id, relevance=round(rel, 3), verdict=verdict,
        explanation="; ".join(reasons), source_subject=round(subj, 3), claim_subject=round(claim_subj, 3),
        evidence_type=etype, weak_evidence=weak_ev, unsupported_numbers=nums, shared_terms=terms, pmid=r.pmid,
        severity=severity)


_RECORD_CACHE: dict[tuple[str, int], RecordFeatures] = {}


def cached_record(record: Record) -> RecordFeatures:
    """prepare_record, remembered per PMID and content (records do not change within a run)."""
    key = (record.pmid, hash((record.title, record.abstract, tuple(m.ui for m in record.mesh))))
    rf = _RECORD_CACHE.get(key)
    if rf is None:
        if len(_RECORD_CACHE) > 50_000:
            _RECORD_CACHE.clear()
        rf = _RECORD_CACHE[key] = prepare_record(record)
    return rf


def article_subject(article: Article, records: dict[str, Record], claims: list[TextFeatures] | None = None,
                    cfg: ScoringConfig | None = None) -> TextFeatures:
    """The article's subject: its title or question, and, on axes those leave open, what most of its resolved
    sources and cited claims agree on (a paper on sheep is on sheep; a handover note on several unrelated
    patients is about none of them).  A side term of one claim or one source is not the subject."""
    subject = prepare_text(article.subject or article.title)
    prof = subject.profile
    # "Animal" in a title ("animal reservoirs of Leishmania") names no species: the sources say which.
    if prof.on("organism") == {sj.ANIMALS}:
        del prof.about["organism"]
    sources = [cached_record(records[r.pmid]).profile for r in article.references
               if r.status == RESOLVED and r.pmid in records]
    # Sources and claims are asked apart: a claim read from its source's title and that source are one voice.
    # Claims count against all the cited claims: most state a finding and name no disease, and two of seven
    # naming albuminuria do not make an answer on diabetes about albuminuria.
    for agreed in (sj.consensus(sources), sj.consensus([c.profile for c in claims or []], of_all=True)):
        for ax in sj.AXES:
            if prof.on(ax) or not agreed.on(ax):
                continue
            prof.about[ax] = set(agreed.on(ax))
            prof.weight.update({u: agreed.weight.get(u, 0.5) for u in agreed.on(ax)})
    # Age groups are people's (MeSH gives them to human studies only): "older adults" are a human subject.
    if prof.on("age") and not prof.on("organism"):
        prof.add(sj.HUMANS)
    # What the article's own sources name beside its subject is the subject's business (glaucoma and dry eye
    # after cataract surgery, Down syndrome in tetralogy of Fallot): a claim about it does not drift.
    for ax, uis in sj.companions(prof, sources, cfg or ScoringConfig()).items():
        prof.names.setdefault(ax, set()).update(uis)
        prof.companions.setdefault(ax, set()).update(uis)
    subject.topic = prof.describe()
    return subject


def cited_claim_features(article: Article) -> dict[str, TextFeatures]:
    """The features of each cited claim, with the article's own abbreviations known."""
    known = initialisms(article.text)      # "DLBCL" in a claim, "diffuse large B-cell lymphoma" elsewhere
    return {c.id: prepare_text(c.text, known=known) for c in article.claims if c.citations}


def subject_of(article: Article, records: dict[str, Record], cfg: ScoringConfig) -> TextFeatures:
    """The subject every judgement of the article is made against: its cited claims and the source search's
    candidates alike."""
    return article_subject(article, records, list(cited_claim_features(article).values()), cfg)


def score_article(article: Article, records: dict[str, Record], cfg: ScoringConfig
                  ) -> tuple[list[Pair], list[ClaimDrift]]:
    """Every cited claim–reference pair of the article, and each cited claim's drift from the subject."""
    cited = [c for c in article.claims if c.citations]
    feats = cited_claim_features(article)
    subject = article_subject(article, records, list(feats.values()), cfg)
    refs = {r.id: r for r in article.references}
    sem = semantic if cfg.semantic else None
    if sem:
        sem.prefetch_article(article, records)      # one batch through the model for the whole article
        sem.attach_text(subject)
    pairs: list[Pair] = []
    drifts: list[ClaimDrift] = []
    attached: dict[str, RecordFeatures] = {}
    for claim in cited:
        cf = feats[claim.id]
        if sem:
            sem.attach_text(cf)
        drifts.append(claim_drift(claim.id, cf, subject, cfg))
        for label in claim.citations:
            ref = refs.get(label)
            if ref is None or not ref.in_list:
                continue
            rec = records.get(ref.pmid or "") if ref.status == RESOLVED else None
            if rec is None:
                why = f"reference {ref.id} is {ref.status.replace('_', ' ')}"
                if ref.status == RESOLVED:
                    why = f"reference {ref.id} resolved to PMID {ref.pmid}, but its record is not available"
                if ref.reason:
                    why += f": {ref.reason}"
                pairs.append(Pair(claim_id=claim.id, reference_id=ref.id, relevance=0.0, verdict=UNVERIFIABLE,
                                  explanation=why + "; the source cannot be compared with the claim",
                                  pmid=ref.pmid))
                continue
            rf = cached_record(rec)
            if sem:
                # Vectors go on this article's own copy (the lexical features stay shared):
                # word-piece vectors are ~275 kB a record, too many to keep process-wide,
                # and the cached object is shared by threads scoring other articles.
                rf = attached.get(rec.pmid) or attached.setdefault(rec.pmid, copy.copy(rf))
                sem.attach_record(rf, rec)
            pairs.append(score_pair(claim.id, ref.id, cf, rf, subject, cfg))
    return pairs, drifts


__all__ = ["score_article", "prepare_record", "prepare_text", "support_score", "match_score", "subject_conflicts",
           "score_pair", "claim_drift", "drift_score", "unsupported_numbers", "shared_terms", "claim_numbers",
           "evidence_type", "lexical_parts", "article_subject", "subject_of", "cited_claim_features", "TextFeatures", "RecordFeatures", "Idf",
           "build_df", "stem", "tokens"]
