"""Which record does a claim cite when its reference is missing, and which would support it?

Two searches per article, both through ``audit.pubmed.search`` and ranked by
the same scorer that judges cited references (``audit.scoring.score``):

* **identify**: a claim whose markers have no reference entry, or that names
  a study without a marker ("a study published in <journal> found ...").
  Up to three candidates; the best is *identified* only when it matches every
  cue the claim gives (journal, year, first author) and supports the claim; it
  is then audited like a cited reference (``SourceSearch.identified``, marked
  "identified, not given").  Otherwise the source is "not identified".
* **suggest**: a citation judged ``off_topic``, ``weak`` or ``contradicted``:
  up to three records that the scorer judges ``relevant`` to the claim and on
  the article's subject, offered to the author as suggestions.

Ranking (``rank``): local BM25 of the claim's words (normalised by the best
hit) fused with the scorer's support score, ``(bm25 + W * support) / (1 + W)``,
then scaled down for each cue the record contradicts.  ``W`` is fitted on
SciFact train (``citeaudit eval retrieval tune``).

Online, the search spends a request budget of its own (``sources.requests_per_article``
and ``requests_per_run``, counted in ``audit.pubmed.budget``), where it matters most
first: unreferenced claims, then contradicted or off-topic citations, then weak ones
(``TIERS``; the pipeline runs each tier over every article of the run before the next).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from audit.config import ScoringConfig, SourcesConfig
from audit.findings import journal_matches, pair_findings
from audit.severity import severity_of
from audit.models import (CONTRADICTS, IDENTIFIED, IDENTIFY, NONE_FOUND, NOT_IDENTIFIED, OFF_TOPIC, RELEVANT,
                          SEARCH_FAILED, SUGGEST, SUGGESTED, SUPPORTS, WEAK, Article, ArticleAudit, Candidate, Claim,
                          Finding, Record, SourceSearch)
from audit.pubmed.budget import RUN_BUDGET_SPENT, SEARCH, requests_for
from audit.pubmed.search import NOT_SENT, Cues, Gathered, Searcher, claim_cues, finding_text
from audit.record_source import RecordSource
from audit.scoring import semantic
from audit.scoring.stance import judge, source_sentences
from audit.scoring.score import (TextFeatures, cached_record, prepare_text, score_pair, shared_terms, subject_of,
                                 support_score)
from audit.text import STOPWORDS, default_idf, stem, tokens

# Fused rank = (bm25 / best bm25 + W_SUPPORT * support) / (1 + W_SUPPORT): fitted on SciFact train by
# `citeaudit eval retrieval tune` (grid 0, 0.25, ..., 4; best nDCG@10 of the 505 train claims with evidence).
W_SUPPORT = 1.25
# A record contradicting a cue the claim gives is kept but ranked down by these factors.
JOURNAL_MISMATCH = 0.3
YEAR_MISMATCH = 0.5
AUTHOR_MISMATCH = 0.6
CONTRADICTED = "contradicted"          # a pair whose stance (audit/scoring/stance.py) is "contradicts"
SUGGEST_FOR = (OFF_TOPIC, WEAK, CONTRADICTED)
# The order the search's budget is spent in: unreferenced claims, then citations that say otherwise or
# are about something else, then weak ones.
IDENTIFY_TIER, CONFLICT_TIER, WEAK_TIER = 0, 1, 2
TIERS = (IDENTIFY_TIER, CONFLICT_TIER, WEAK_TIER)
_NAMES_A_STUDY = ("published in", "et al", "a study", "a trial", "a meta-analysis", "a review", "a case report")


@dataclass
class Ranked:
    pmid: str
    score: float
    support: float
    bm25: float                  # local BM25 over the best hit's, 0..1
    reasons: list[str]


def cue_factor(rec: Record, cues: Cues) -> tuple[float, list[str]]:
    """How far a record agrees with the journal, year and first author the claim names."""
    f, why = 1.0, []
    if cues.journal:
        if journal_matches(cues.journal, rec):
            why.append(f"journal matches \"{cues.journal}\"")
        else:
            f *= JOURNAL_MISMATCH
            why.append(f"journal \"{rec.journal or rec.journal_iso}\" is not \"{cues.journal}\"")
    if cues.year and rec.year:
        if abs(cues.year - rec.year) <= 1:
            why.append(f"year {rec.year} matches")
        else:
            f *= YEAR_MISMATCH
            why.append(f"year {rec.year} is not {cues.year}")
    if cues.author:
        if rec.first_author and cues.author.lower() in rec.first_author.lower():
            why.append(f"first author {rec.first_author}")
        else:
            f *= AUTHOR_MISMATCH
            why.append(f"first author is not {cues.author}")
    return f, why


def rank(claim: TextFeatures, bm25: dict[str, float], records: dict[str, Record], cfg: ScoringConfig,
         cues: Cues | None = None, w_support: float = W_SUPPORT) -> list[Ranked]:
    """Records best first by retrieval fused with the scorer (the one rerank of search and evaluation)."""
    top = max(bm25.values(), default=0.0) or 1.0
    out = []
    for pmid, rec in records.items():
        rf = cached_record(rec)
        sup = support_score(claim, rf, cfg)
        b = max(0.0, bm25.get(pmid, 0.0)) / top
        score = (b + w_support * sup) / (1.0 + w_support)
        why = [f"support {sup:.2f}", f"BM25 {b:.2f} of the best"]
        if cues is not None:
            f, cue_why = cue_factor(rec, cues)
            score *= f
            why = cue_why + why
        terms = shared_terms(claim, rf, 6)
        if terms:
            why.append("shared terms: " + ", ".join(terms))
        out.append(Ranked(pmid, score, sup, b, why))
    out.sort(key=lambda r: (-r.score, r.pmid))
    return out


def unreferenced(claims: Iterable[Claim], in_list: set[str]) -> list[Claim]:
    """Claims whose source has no reference entry: markers without entries, or a study named with no marker."""
    out = []
    for c in claims:
        if c.citations:
            if not any(label in in_list for label in c.citations):
                out.append(c)
        elif any(k in c.text.lower() for k in _NAMES_A_STUDY) or claim_cues(c.text).journal:
            out.append(c)
    return out


class SourceFinder:
    def __init__(self, searcher: Searcher, scoring: ScoringConfig, cfg: SourcesConfig | None = None):
        self.searcher = searcher
        self.scoring = scoring
        self.cfg = cfg or SourcesConfig()
        self.tiers: tuple[int, ...] = TIERS     # which searches find_sources runs (the pipeline runs one at a time)
        self._subjects: dict[int, tuple[Article, TextFeatures]] = {}

    def subject(self, art: Article, records: dict[str, Record]) -> TextFeatures:
        """``subject_of`` the article, once per finder: searched tier by tier, an article comes back once a
        tier, and its subject (MeSH terms of its title, claims and sources) was most of the search's time."""
        # Keyed by the article object, held beside its subject so that its id is not reused meanwhile.
        got = self._subjects.get(id(art))
        if got is None or got[0] is not art:
            got = self._subjects[id(art)] = (art, subject_of(art, records, self.scoring))
        return got[1]

    @classmethod
    def for_source(cls, source: RecordSource, scoring: ScoringConfig,
                   cfg: SourcesConfig | None = None) -> "SourceFinder":
        """The finder of a run: the source's own index for the local queries (the records it holds; the
        PubMed mirror's full-text index), and the source itself when it can search (PubMed through an
        EntrezSource)."""
        cfg = cfg or SourcesConfig()
        index = source.search_index()
        return cls(Searcher(index, source, cfg.pubmed_retmax, cfg.local_limit), scoring, cfg)

    @property
    def mode(self) -> str:
        return getattr(self.searcher.index, "mode", None) or ("online" if self.searcher.online else "offline")

    @property
    def _not_online(self) -> str:
        """What a search that asked no PubMed query searched, for its note."""
        return getattr(self.searcher.index, "note", "") or "offline: only the local index was searched"

    def _pool(self, text: str, g: Gathered) -> tuple[dict[str, float], dict[str, Record]]:
        recs = {p: self.searcher.index.records[p] for p in g.found_by if p in self.searcher.index.records}
        bm25 = dict(g.bm25)
        rest = [p for p in recs if p not in bm25]
        bm25.update(self.searcher.bm25_for(text, rest))
        return bm25, recs

    def _candidates(self, ranked: list[Ranked], cf: TextFeatures, subject: TextFeatures, g: Gathered,
                    keep) -> list[Candidate]:
        out = []
        for r in ranked:
            rec = self.searcher.index.records[r.pmid]
            pair = score_pair("", "", cf, cached_record(rec), subject, self.scoring)
            if not keep(r, pair):
                continue
            out.append(Candidate(pmid=r.pmid, title=rec.title, journal=rec.journal or rec.journal_iso,
                                 year=rec.year, score=round(r.score, 3), relevance=round(r.support, 3),
                                 verdict=pair.verdict, why="; ".join(r.reasons),
                                 found_by=list(g.found_by.get(r.pmid, []))))
            if len(out) >= self.cfg.candidates:
                break
        return out

    def search(self, text: str, cues: Cues | None = None) -> tuple[Gathered, dict[str, Record], list[Ranked]]:
        """Queries for a claim's words (and cues), the records they found, those records ranked.

        The one search-and-rerank path: the audit and ``citeaudit eval retrieval`` both call it."""
        cues = cues or Cues()
        g = self.searcher.gather(text, cues)
        bm25, recs = self._pool(text, g)
        return g, recs, rank(prepare_text(text), bm25, recs, self.scoring, cues)

    def identify(self, claim: Claim, subject: TextFeatures) -> SourceSearch:
        cues = claim_cues(claim.text)
        text = finding_text(claim.text, cues)
        cf = prepare_text(text)
        g, recs, ranked = self.search(text, cues)
        cands = self._candidates(ranked, cf, subject, g, lambda r, p: True)
        s = SourceSearch(claim_id=claim.id, purpose=IDENTIFY, status=NOT_IDENTIFIED, mode=self.mode,
                         cues=cues.as_dict(), queries=g.queries, candidates=cands)
        best = ranked[0] if ranked else None
        runner_up = ranked[1] if len(ranked) > 1 else None
        if best is not None and self._confident(best, recs[best.pmid], cues, runner_up):
            s.status = IDENTIFIED
            rec = recs[best.pmid]
            s.identified = score_pair(claim.id, "identified", prepare_text(claim.text),
                                      cached_record(rec), subject, self.scoring)
        elif best is None:
            s.note = "no query found a record"
        else:
            s.note = "no candidate matches every cue of the claim and supports it"
        if not self.searcher.online:
            s.note = (s.note + "; " if s.note else "") + self._not_online
        return _unless_failed(s)

    def _confident(self, best: Ranked, rec: Record, cues: Cues, runner_up: Ranked | None = None) -> bool:
        f, _ = cue_factor(rec, cues)
        if f < 1.0:
            return False
        # With a journal named, a supporting record of that journal is the source; with no cue at all the
        # words alone must carry it, so the bar is higher.
        named = bool(cues.journal or cues.author)
        need = self.scoring.relevant_threshold if named else 0.6
        if best.support >= need:
            return True
        # The named journal's record that stands well clear of every other is the one the writer meant,
        # even when it does not say what the claim says: that is for the judgement to tell.
        lead = best.score >= self.cfg.named_source_lead * (runner_up.score if runner_up else 0.0)
        return named and lead and best.support >= self.cfg.named_source_support

    def suggest(self, claim: Claim, reference_id: str, cited_pmid: str | None, subject: TextFeatures,
                verdict: str) -> SourceSearch:
        g, recs, ranked = self.search(claim.text)
        cf = prepare_text(claim.text)
        ranked = [r for r in ranked if r.pmid != cited_pmid]
        cands = self._candidates(ranked, cf, subject, g, lambda r, p: p.verdict == RELEVANT)
        self._judge_support(claim.text, cands)
        s = SourceSearch(claim_id=claim.id, purpose=SUGGEST, status=SUGGESTED if cands else NONE_FOUND,
                         mode=self.mode, reference_id=reference_id, queries=g.queries, candidates=cands,
                         note=f"citation judged {verdict.replace('_', ' ')}")
        if not self.searcher.online:
            s.note += "; " + self._not_online
        return _unless_failed(s)

    def _judge_support(self, claim: str, cands: list[Candidate]) -> None:
        """Mark the candidates that support the claim: relevant to it, and the stance step
        (audit/scoring/stance.py) says its abstract states the claim's finding.  Without the
        stance step (scoring.semantic off) nothing is called supporting: the records are
        offered as related records to look at."""
        if not cands or not (self.scoring.semantic and self.scoring.stance):
            return
        if not semantic.available():
            return
        import numpy as np
        todo = [(c, source_sentences(self.searcher.index.records[c.pmid].abstract)) for c in cands]
        todo = [(c, ss) for c, ss in todo if ss]
        if not todo:
            return
        texts = list(dict.fromkeys([claim] + [x for _, ss in todo for x in ss]))
        vecs = dict(zip(texts, semantic.default_embedder().embed(texts)))
        for c, ss in todo:
            st = judge(claim, vecs[claim], ss, np.stack([vecs[x] for x in ss]))
            c.stance = "overstated" if st.overstated else st.verdict
            rec = self.searcher.index.records[c.pmid]
            c.supports = (c.verdict == RELEVANT and st.verdict == SUPPORTS and not st.overstated
                          and names_rarest_word(claim, f"{rec.title} {rec.abstract}"))


def _unless_failed(s: SourceSearch) -> SourceSearch:
    """A search that found nothing while a PubMed query went unanswered says nothing: search failed.

    "Not identified" and "none found" are conclusions about PubMed; with a query lost
    to an outage they would be said without evidence (what was found still stands).
    """
    why = s.unanswered()
    if why and s.status in (NOT_IDENTIFIED, NONE_FOUND):
        s.status = SEARCH_FAILED
        s.note = f"search failed: {why[:200]}; re-run to search again"
    return s


def names_rarest_word(claim: str, source: str) -> bool:
    """Does the source use the claim's rarest content word (its most specific term: a drug, a
    mutation)?  A trial of another drug can read like support to the stance model ("prolonged
    survival in patients with lung cancer"); a record that never names what the claim is about
    does not support it."""
    idf = default_idf()
    words = {stem(w) for w in tokens(claim) if w not in STOPWORDS and not w.isdigit()}
    if not words:
        return True
    rarest = max(sorted(words), key=idf)
    return rarest in {stem(w) for w in tokens(source)}


def find_sources(audit: ArticleAudit, finder: SourceFinder) -> ArticleAudit:
    """Search for the article's unreferenced claims' sources and for replacements (the finder's
    ``tiers``); add the searches and their findings to the audit."""
    art = audit.article
    if audit.error:
        return audit
    # The subject the article's cited claims were judged against (its title or question, and what its
    # sources agree on): an identified or suggested source is judged as a cited one would be.
    subject = finder.subject(art, audit.records or {})
    in_list = {r.id for r in art.references if r.in_list}
    claims = {c.id: c for c in art.claims}
    searches: list[SourceSearch] = []
    with requests_for(SEARCH, art.id):
        if IDENTIFY_TIER in finder.tiers:
            lost = unreferenced(art.claims, in_list)
            finder.searcher.prefetch_citmatch([claim_cues(c.text) for c in lost])
            searches += [finder.identify(c, subject) for c in lost]
        for tier, claim, p, verdict in _suggestion_tasks(audit, claims):
            if tier in finder.tiers:
                searches.append(finder.suggest(claim, p.reference_id, p.pmid, subject, verdict))
    for s in searches:
        held = [q for q in s.queries if q.where == NOT_SENT]
        if held:
            s.note = (s.note + "; " if s.note else "") + f"{len(held)} PubMed quer" + \
                ("y" if len(held) == 1 else "ies") + f" not sent ({held[0].error.removeprefix('not sent: ')})"
    audit.sources = audit.sources + searches
    # One held-back finding for the article, over every tier searched so far (each call replaces it).
    audit.findings = [f for f in audit.findings if f.kind != HELD_BACK] + \
        source_findings(searches, finder.searcher.index.records) + held_back_findings(audit.sources)
    return audit


HELD_BACK = "search_held_back"


def held_by_run(q) -> bool:
    """A query the run's search budget held back: a later run, with budget left, sends it.  (One the
    article's own budget held back is not: that budget counts cached queries too, so it would be held
    back again.)"""
    return q.where == NOT_SENT and RUN_BUDGET_SPENT in q.error


def held_back_findings(searches: list[SourceSearch]) -> list[Finding]:
    held = [(s, q) for s in searches for q in s.queries if held_by_run(q)]
    if not held:
        return []
    n, m = len(held), len({id(s) for s, _ in held})
    return [Finding(HELD_BACK, severity_of(HELD_BACK),
                    f"{n} PubMed quer{'y' if n == 1 else 'ies'} of {m} source search{'' if m == 1 else 'es'} "
                    f"not sent: {held[0][1].error.removeprefix('not sent: ')}; those searches looked in the "
                    "local index only. A later run sends them.", None, None, None)]


def _suggestion_tasks(audit: ArticleAudit, claims: dict[str, Claim]) -> list[tuple[int, Claim, object, str]]:
    """(tier, claim, pair, verdict) of each citation that needs suggestions, contradicted and off-topic first."""
    out, done = [], set()
    for p in audit.pairs:
        # The stance step keeps the relevance verdict and records a contradiction on p.stance.
        verdict = CONTRADICTED if p.stance is not None and p.stance.verdict == CONTRADICTS else p.verdict
        if verdict in SUGGEST_FOR and p.claim_id in claims and (p.claim_id, p.reference_id) not in done:
            done.add((p.claim_id, p.reference_id))
            out.append((WEAK_TIER if verdict == WEAK else CONFLICT_TIER, claims[p.claim_id], p, verdict))
    return sorted(out, key=lambda t: t[0])


def identified_findings(s: SourceSearch, rec: Record | None) -> list[Finding]:
    """The identified source audited like a cited reference: retraction, verdict, evidence, numbers."""
    p = s.identified
    out = []
    if rec is not None and rec.retracted:
        out.append(Finding("retracted", severity_of("retracted"),
                           f"Claim {s.claim_id}'s identified source PMID {rec.pmid} has been retracted.",
                           s.claim_id, None, rec.pmid, "identified"))
    for f in pair_findings(p, rec):
        f.reference_id, f.detail = None, "identified"
        f.message += " (source identified, not given)"
        out.append(f)
    return out


def source_findings(searches: list[SourceSearch], records: dict[str, Record] | None = None) -> list[Finding]:
    out = []
    for s in searches:
        where = {"offline": " (offline: local records only)", "mirror": " (the PubMed mirror only)"}.get(s.mode, "")
        if s.unanswered():
            # A PubMed query of the search went unanswered: said, counted as the run's fault, and
            # searched again next run.  What the search did conclude stands beside it.
            what = ("the search for its source" if s.purpose == IDENTIFY else
                    f"the search for records supporting it instead of reference {s.reference_id}")
            how = "failed" if s.status == SEARCH_FAILED else "lost PubMed queries"
            out.append(Finding("search_failed", severity_of("search_failed"),
                               f"Claim {s.claim_id}: {what} {how} ({s.unanswered()[:160]}); re-run.",
                               s.claim_id, s.reference_id if s.purpose != IDENTIFY else None, None))
        held = [q for q in s.queries if q.where == NOT_SENT]
        if held:
            where += (f" ({len(held)} PubMed quer{'y' if len(held) == 1 else 'ies'} not sent: "
                      f"{held[0].error.removeprefix('not sent: ')}; the local index was searched)")
        if s.purpose == IDENTIFY and s.status == IDENTIFIED and s.identified is not None:
            p = s.identified
            out.append(Finding("source_identified", severity_of("source_identified"),
                               f"Claim {s.claim_id} gives no reference entry; its likely source is PMID {p.pmid} "
                               f"(identified, not given; verdict {p.verdict.replace('_', ' ')}). "
                               "Add it to the reference list if it is the source.",
                               s.claim_id, None, p.pmid))
            out += identified_findings(s, (records or {}).get(p.pmid or ""))
        elif s.purpose == IDENTIFY and s.status == NOT_IDENTIFIED:
            n = len(s.queries)
            best = f"; best candidate PMID {s.candidates[0].pmid}" if s.candidates else ""
            out.append(Finding("source_not_identified", severity_of("source_not_identified"),
                               f"Claim {s.claim_id} gives no reference entry and its source could not be "
                               f"identified ({n} quer{'y' if n == 1 else 'ies'}{best}){where}.",
                               s.claim_id, None, None))
        elif s.status == SUGGESTED:
            # "Support" only where relevance and stance both said so; the rest are only related.
            yes = ", ".join(c.pmid for c in s.candidates if c.supports)
            rest = ", ".join(c.pmid for c in s.candidates if not c.supports)
            said = [f"records that support it, as suggestions for the author: PMID {yes}" if yes else "",
                    f"related records to look at (not shown to support it): PMID {rest}" if rest else ""]
            out.append(Finding("suggested_sources", severity_of("suggested_sources"),
                               f"Claim {s.claim_id}: reference {s.reference_id} does not support it; "
                               f"{'; '.join(x for x in said if x)}{where}.",
                               s.claim_id, s.reference_id, None))
    return out
