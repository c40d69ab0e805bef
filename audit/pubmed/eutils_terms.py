"""The words of E-utilities queries: cleaned identifiers, title clauses, ECitMatch lines, cache keys.

Pure functions of a reference or an identifier as cited; ``audit.pubmed.eutils_queries``
sends what they write.  DOIs and PMCIDs are searched in PubMed's documented
Article Identifier and PMCID fields (``"doi"[aid]``, ``PMCnnn[pmcid]``); a cited
title by its first significant words, each in ``[ti]``; a citation by the fields
ECitMatch reads (journal|year|volume|first page|author|key|).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from audit.models import Reference
from audit.pubmed.citation_match import normalise_title

TERMS_PER_SEARCH = 100         # OR-ed DOI/PMCID terms per esearch
TITLES_PER_SEARCH = 10         # OR-ed title queries per esearch
TITLE_WORDS = 6                # significant words AND-ed per title query
_STOP = set("""a an and are as at be but by for from has have in into is it its of on or that the
their this to was were which with without between after before during among than vs versus""".split())


def title_words(text: str | None) -> list[str]:
    return normalise_title(text or "").split()


def clean_doi(doi: str) -> str:
    d = doi.strip().strip('"').strip()
    d = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d, flags=re.I)
    return d.rstrip(".,;")


def clean_pmcid(pmcid: str) -> str:
    p = pmcid.strip().upper()
    return p if p.startswith("PMC") else "PMC" + p


def title_query(title: str) -> str | None:
    """esearch clause for a cited title: its first significant words, each [ti]."""
    ws = [w for w in title_words(title) if len(w) > 2 and w not in _STOP and not w.isdigit()]
    if len(ws) < 2:
        return None
    return "(" + " AND ".join(f"{w}[ti]" for w in ws[:TITLE_WORDS]) + ")"


@dataclass
class CitationQuery:
    journal: str
    year: str
    volume: str
    first_page: str
    author: str

    def line(self, key: str) -> str:
        fields = (self.journal, self.year, self.volume, self.first_page, self.author, key)
        return "|".join(f.replace("|", " ").replace("\r", " ").replace("\n", " ") for f in fields) + "|"


_VANCOUVER = re.compile(r"(?P<year>(?:1[89]|20)\d\d)[^;.]{0,20};\s*(?P<vol>\d+)\s*(?:\([^)]*\))?\s*:\s*"
                        r"(?P<page>[A-Za-z]?\d+)")
_APA = re.compile(r"(?P<journal>[A-Z][^.,()]{2,}),\s*(?P<vol>\d+)\s*(?:\(\s*[\w-]+\s*\))?,\s*"
                  r"(?P<page>[A-Za-z]?\d+)")


def citation_query(ref: Reference) -> CitationQuery | None:
    """ECitMatch fields from a reference (Vancouver or APA style), or None."""
    raw = re.sub(r"^\s*(?:\[\d+\]|\d+[.)])\s*", "", ref.raw or "")
    journal = ref.cited_journal or ""
    year = str(ref.cited_year) if ref.cited_year else ""
    volume = page = ""
    m = _VANCOUVER.search(raw)
    if m:
        year = year or m.group("year")
        volume, page = m.group("vol"), m.group("page")
        if not journal:
            # "... Title. Journal Abbrev. 1991;88(8):3248-52." -> the sentence before the year.
            before = raw[:m.start()].rstrip(" .")
            journal = re.split(r"[.?!]\s+", before)[-1] if before else ""
    else:
        m = _APA.search(raw)
        if m:
            volume, page = m.group("vol"), m.group("page")
            journal = journal or m.group("journal")
            y = re.search(r"\((?P<y>(?:1[89]|20)\d\d)[a-z]?\)", raw)
            year = year or (y.group("y") if y else "")
    first = re.split(r"[,;]", raw, 1)[0].strip() if raw else ""
    author = ""
    am = re.match(r"^([A-Z][\w'\- ]+?)\s+([A-Z]{1,3})$", first)        # "Mann BJ"
    if am:
        author = f"{am.group(1)} {am.group(2)}".lower()
    else:
        am = re.match(r"^([A-Z][\w'\-]+)$", first)                      # APA "Mann, B. J."
        if am:
            nxt = re.match(r"^[^,]+,\s*([A-Z])\.?\s*([A-Z])?", raw)
            author = am.group(1).lower() + (" " + "".join(x for x in nxt.groups() if x).lower() if nxt else "")
    if not journal or not (volume and page):
        return None
    return CitationQuery(journal.strip(), year, volume, page, author)


def search_key(endpoint: str, params: dict) -> str:
    """The cache key of a query: endpoint and parameters, whitespace collapsed, case folded (PubMed ignores both)."""
    parts = [f"{k}={' '.join(str(v).split()).lower()}" for k, v in sorted(params.items()) if k != "db"]
    return endpoint + "|" + "&".join(parts)
