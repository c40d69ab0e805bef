"""Searching for the records a claim may cite: PubMed ESearch and the local index.

From a claim's own words this module reads what an AI answer says about its
source ("a study published in the Annals of surgical oncology", "Smith et al.",
"in 2019") and the finding's key words, builds the queries a reviewer would
type into PubMed (field tags ``[ta]``, ``[dp]``, ``[au]``, ``[mh]``,
``[tiab]``) and the matching FTS5 queries for the local index, runs them, and
logs each one with what it found.  Ranking the records found is
``audit.sources``' job.

When the run's record source can search (``RecordSource.can_search``: PubMed
through ``EntrezSource``), ESearch goes through its ``esearch`` and ECitMatch
through its ``citmatch`` (the one transport, answers kept in the cache) and
the records found through its ``fetch`` (the record cache); otherwise only the
local index is asked.  A query the search's request
budget does not allow is logged as ``pubmed (not sent)`` with the reason, and
the claim is then searched in the local index alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.models import QUERY_NOT_SENT, SearchQuery
from audit.pubmed.budget import SearchNotSent
from audit.pubmed.eutils_terms import CitationQuery
from audit.pubmed.local_index import LocalIndex, fts_or, fts_phrase
from audit.record_source import RecordSource, SearchingSource
from audit.scoring.features import CITING_WORDS
from audit.text import STOPWORDS, default_idf, stem, tokens
from audit.transport import TransportError


NOT_SENT = QUERY_NOT_SENT   # a query the search's request budget held back (audit.pubmed.budget)
PUBMED_WORDS = 4       # rarest claim words AND-ed in a PubMed [tiab] query (more finds nothing)
JOURNAL_WORDS = 6      # claim words OR-ed inside a journal-limited PubMed query

# Words that end a journal's name in "published in <journal> found that ...": a verb of reporting, a
# clause, a year.  "reports" and "shows" are not among them: "Case Reports" is a journal's name.
# Verbs that report a finding ("... found that"), the one list every pattern below stops a journal's name at.
_REPORTED = r"found|finds|showed|demonstrated|demonstrates|suggested|suggests|concluded|concludes|observed|" \
            r"noted|indicated|indicates|revealed|confirmed|described|describes|reported"
_ENDS_NAME = rf"(?:{_REPORTED}|that|which|where|whose|in\s+(?:19|20)\d\d|among|with|by|from|as)"
_JOURNAL = re.compile(r"\b(?:published|appearing|appeared|reported)\s+in\s+(?:the\s+)?"
                      rf"(?P<j>[A-Z][\w&'’\-]*(?:\s+(?!{_ENDS_NAME}\b)[\w&'’\-]+){{0,15}})"
                      rf"(?=\s*(?:[,;.:()]|\s{_ENDS_NAME}\b|$))")
# With a reporting verb after it, the name is everything up to the verb: names hold commas and full
# stops ("Journal of anaesthesiology, clinical pharmacology", "The Lancet. Oncology").
_JOURNAL_TO_VERB = re.compile(r"\b(?:published|appearing|appeared)\s+in\s+(?:the\s+)?(?P<j>[A-Z][^;()]{1,140}?)\s*,?\s+"
                              rf"(?:{_REPORTED})\s+(?:that\s+)?[a-z]")
# "A report in Acta Tropica found", "Research in the Saudi Pharmaceutical Journal shows": a piece of work
# "in" a name.  "A study in Denmark found" and "a trial in patients with asthma showed" have the same
# shape, so the name must read as a journal's (below).
_WORK_IN = re.compile(r"\b(?i:study|report|research|trial|paper|article|analysis|review|survey|meta-analysis|"
                      r"case\s+series)\s+(?:published\s+)?in\s+(?:the\s+)?(?P<j>[A-Z][^;()]{1,120}?)\s*,?\s+"
                      rf"(?:also\s+)?(?:{_REPORTED}|shows|reports)\b"
                      r"|\b(?i:according\s+to)\s+an?\s+(?i:study|report|trial|review|analysis|survey)\s+(?:published\s+)?"
                      r"in\s+(?:the\s+)?(?P<j2>[A-Z][^;()]{1,120}?)\s*(?:[.;]|$)")
# Words of journals' names in every field (NLM's catalogue titles): "Acta", "Annals", "Journal", ...
_JOURNAL_WORDS = re.compile(r"\b(?:journal|acta|annals?|archives?|bulletin|proceedings|reports?|reviews?|"
                            r"letters?|transactions|medicine|medical|research|clinical|science|sciences|"
                            r"lancet|jama|bmj|quarterly|international|european|american|british|tropica)\b", re.I)
_AUTHOR = re.compile(r"\b(?P<a>[A-Z][a-zA-Z'’\-]+)\s+(?:et\s+al\b|and\s+colleagues|and\s+coworkers)")
_YEAR = re.compile(r"(?:\bin\s+|\(|,\s*)(?P<y>(?:19[5-9]|20[0-4])\d)\b")


@dataclass
class Cues:
    """What a claim says about its source besides the finding."""

    journal: str = ""
    year: int | None = None
    author: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("journal", self.journal), ("year", self.year),
                                       ("author", self.author)) if v}


def claim_cues(text: str) -> Cues:
    """Journal named after "published in", a year ("in 2019", "(2019)"), a first author ("Smith et al.")."""
    c = Cues()
    m = _JOURNAL_TO_VERB.search(text)
    if m and len(m.group("j").split()) <= 20:
        c.journal = re.sub(r"\s+in\s+(?:19|20)\d\d$", "", m.group("j").strip(" .,;"))
    elif (m := _JOURNAL.search(text)):
        c.journal = re.sub(r"\s+\d+$", "", m.group("j")).strip(" .,;")
    elif (m := _WORK_IN.search(text)) and _JOURNAL_WORDS.search(name := m.group("j") or m.group("j2")) \
            and len(name.split()) <= 12:
        c.journal = name.strip(" .,;")
    m = _YEAR.search(text)
    if m:
        c.year = int(m.group("y"))
    m = _AUTHOR.search(text)
    if m:
        c.author = m.group("a")
    return c


def finding_text(text: str, cues: Cues) -> str:
    """The claim without the words that only name its source."""
    out = text
    if cues.journal:
        out = re.sub(r"\b(?:published|appearing|appeared|reported)\s+in\s+(?:the\s+)?" + re.escape(cues.journal),
                     " ", out, flags=re.I)
    if cues.author:
        out = re.sub(re.escape(cues.author) + r"\s+(?:et\s+al\.?|and\s+colleagues|and\s+coworkers)", " ", out)
    return " ".join(out.split())


def key_words(text: str, limit: int | None = None) -> list[str]:
    """The claim's content words as written, rarest first (IDF of the background table), one per stem."""
    idf = default_idf()
    seen: dict[str, tuple[float, str]] = {}
    for w in tokens(text):
        if w in STOPWORDS or w in CITING_WORDS or len(w) < 3 or w.isdigit() or "'" in w:
            continue
        s = stem(w)
        if s not in seen:
            seen[s] = (idf(s), w)
    ranked = [w for _, w in sorted(seen.values(), key=lambda x: -x[0])]
    return ranked[:limit] if limit else ranked


def mesh_in_text(text: str, vocabulary: set[str]) -> list[str]:
    """MeSH headings (from the records held) named word for word in the claim, longest first."""
    low = " " + " ".join(tokens(text)) + " "
    hits = [m for m in vocabulary if len(m) > 4 and f" {' '.join(tokens(m))} " in low]
    return sorted(hits, key=len, reverse=True)[:2]


def pubmed_terms(words: list[str], cues: Cues, mesh: list[str] = ()) -> list[str]:
    """The ESearch terms to send, most specific first."""
    out = []
    tiab = [f"{w}[tiab]" for w in words]
    if cues.journal:
        parts = [f'"{cues.journal}"[ta]']
        if cues.year:
            parts.append(f"{cues.year}[dp]")
        if cues.author:
            parts.append(f"{cues.author}[au]")
        if tiab:
            parts.append("(" + " OR ".join(tiab[:JOURNAL_WORDS]) + ")")
        out.append(" AND ".join(parts))
    for m in mesh:
        if len(tiab) >= 2:
            out.append(" AND ".join([f'"{m}"[mh]'] + tiab[:2]))
    return list(dict.fromkeys(out))


def words_term(words: list[str], cues: Cues, n: int) -> str:
    """The n rarest claim words AND-ed in title/abstract, with the year and author when given."""
    extra = ([f"{cues.year}[dp]"] if cues.year else []) + ([f"{cues.author}[au]"] if cues.author else [])
    return " AND ".join([f"{w}[tiab]" for w in words[:n]] + extra)


def local_queries(text: str, cues: Cues) -> list[str]:
    """FTS5 MATCH expressions for the local index: the claim's words, and the same within the named journal."""
    ws = key_words(text)
    if not ws:
        return []
    words = fts_or(ws)
    out = [words]
    if cues.journal:
        jw = [w for w in tokens(cues.journal) if w not in _JOURNAL_STOP]
        if jw:
            # Every significant word of the name: "Journal of surgical oncology" is not "Indian journal of surgery".
            out.insert(0, f"({words}) AND journal : ({' AND '.join(chr(34) + w + chr(34) for w in jw)})")
    if cues.author:
        out.insert(0, f"({words}) AND {fts_phrase(cues.author, 'author')}")
    return out


def citation_line(cues: Cues) -> CitationQuery:
    """The ECitMatch fields a claim gives: journal, year, first author (no volume or page)."""
    return CitationQuery(cues.journal, str(cues.year or ""), "", "", cues.author.lower())


_JOURNAL_STOP = {"the", "of", "and", "journal", "j", "official", "a", "an", "in", "for", "on", "de", "la"}


@dataclass
class Gathered:
    """Records found by a claim's queries: local BM25 where the index matched, and the query log."""

    queries: list[SearchQuery] = field(default_factory=list)
    bm25: dict[str, float] = field(default_factory=dict)       # pmid -> best local BM25
    found_by: dict[str, list[int]] = field(default_factory=dict)


class Searcher:
    """Runs a claim's queries on PubMed (online) and on the local index.

    ``source`` is the record source of the run; it is asked only when it can
    search (``can_search``: ``EntrezSource``); an ``OfflineSource`` cannot, and
    the search is then offline.
    """

    def __init__(self, index: LocalIndex, source: RecordSource | None = None, retmax: int = 20,
                 local_limit: int = 30):
        self.index = index
        self.source: SearchingSource | None = source if source is not None and source.can_search else None
        self.retmax = retmax
        self.local_limit = local_limit
        self._mesh: set[str] | None = None
        # ECitMatch line -> PMID / None / why not, from prefetch_citmatch: each claim reads its answer here.
        self._citmatched: dict[str, str | None | Exception] = {}

    @property
    def online(self) -> bool:
        return self.source is not None

    def mesh_vocabulary(self) -> set[str]:
        if self._mesh is None:
            self._mesh = {m for r in self.index.records.values() for m in r.mesh_terms}
        return self._mesh

    def gather(self, text: str, cues: Cues) -> Gathered:
        g = Gathered()
        if self.online:
            words = key_words(text, max(PUBMED_WORDS, JOURNAL_WORDS))
            if cues.journal and cues.year and cues.author:
                self._citmatch(cues, g)
            for term in pubmed_terms(words, cues, mesh_in_text(text, self.mesh_vocabulary())):
                self._pubmed(term, g)
            # Four rare words AND-ed, then fewer while PubMed finds nothing: as a reviewer would loosen it.
            for n in range(min(PUBMED_WORDS, len(words)), 1, -1):
                q = self._pubmed(words_term(words, cues, n), g)
                if q.count or q.where == NOT_SENT:
                    break
        for q in local_queries(text, cues):
            self._local(q, g)
        return g

    def _log(self, g: Gathered, q: SearchQuery) -> None:
        g.queries.append(q)
        for p in q.found:
            g.found_by.setdefault(p, []).append(len(g.queries) - 1)

    def _pubmed(self, term: str, g: Gathered) -> SearchQuery:
        q = SearchQuery("pubmed", term)
        try:
            res = self.source.esearch(term, retmax=self.retmax, sort="relevance")
            q.found = [str(x) for x in res.get("IdList", [])]
            q.count = int(res.get("Count", len(q.found)) or 0)
        except SearchNotSent as exc:
            q.where, q.error = NOT_SENT, f"not sent: {exc}"
        except (TransportError, ValueError, TypeError) as exc:
            q.error = str(exc) or type(exc).__name__
        if q.found:
            fetched = self.source.fetch(q.found)
            got = [fr.record for fr in fetched.values() if fr.record is not None]
            self.index.add(got)
            missing = [p for p in q.found if p not in self.index.records]
            if missing:
                q.error = f"records not fetched for PMID {', '.join(missing)}"
            q.found = [p for p in q.found if p in self.index.records]
        self._log(g, q)
        return q

    def prefetch_citmatch(self, cues: list[Cues]) -> None:
        """One ECitMatch request for every claim that names journal, year and first author.

        The answers land in the cache, where each claim's own ``_citmatch`` finds
        them; a batch that fails or is not sent leaves each claim to ask alone.
        """
        lines = {citation_line(c).line(""): citation_line(c) for c in cues if c.journal and c.year and c.author}
        if not self.online or not lines:
            return
        try:
            self._citmatched.update(self.source.citmatch(lines))
        except (TransportError, SearchNotSent, ValueError, TypeError) as exc:
            self._citmatched.update(dict.fromkeys(lines, exc))

    def _citmatch(self, cues: Cues, g: Gathered) -> None:
        """ECitMatch on journal, year and first author (no volume or page: the claim gives none)."""
        cq = citation_line(cues)
        q = SearchQuery("pubmed ecitmatch", cq.line("claim"))
        try:
            if cq.line("") in self._citmatched:            # asked with the article's other claims
                pmid = self._citmatched[cq.line("")]
                if isinstance(pmid, Exception):
                    raise pmid
            else:
                pmid = self.source.citmatch({"claim": cq}).get("claim")
        except SearchNotSent as exc:
            q.where, q.error, pmid = NOT_SENT, f"not sent: {exc}", None
        except (TransportError, ValueError, TypeError) as exc:
            q.error, pmid = str(exc) or type(exc).__name__, None
        if pmid:
            fr = self.source.fetch([pmid]).get(pmid)
            if fr is not None and fr.record is not None:
                self.index.add([fr.record])
                q.found, q.count = [pmid], 1
        self._log(g, q)

    def _local(self, match: str, g: Gathered) -> None:
        q = SearchQuery("local index", match)
        try:
            hits = self.index.search(match, self.local_limit)
        except ValueError as exc:
            q.error = str(exc)
            hits = []
        q.found = [h.pmid for h in hits]
        q.count = len(hits)
        for h in hits:
            g.bm25[h.pmid] = max(g.bm25.get(h.pmid, 0.0), h.bm25)
        self._log(g, q)

    def bm25_for(self, text: str, pmids: list[str]) -> dict[str, float]:
        """Local BM25 of the claim's words for the given records (absent: no word of the claim matches)."""
        ws = key_words(text)
        if not ws or not pmids:
            return {}
        try:
            hits = self.index.search(fts_or(ws), limit=len(pmids), only=pmids)
        except ValueError:
            return {}
        return {h.pmid: h.bm25 for h in hits}
