"""One reference entry's text -> ``Reference``: its label, the identifiers written in it
(PMID, DOI, PMCID), and the title, journal and year its citation shape gives."""
from __future__ import annotations

import re

from audit.models import Reference
from audit.reading.markers import from_superscript

_PMID_RE = [
    re.compile(r"(?i)\bPMID\s*[:=]?\s*(\d{1,9})\b"),
    re.compile(r"(?i)pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})\b"),
    re.compile(r"(?i)ncbi\.nlm\.nih\.gov/(?:entrez/query\.fcgi\?.*?list_uids=|pubmed/)(\d{1,9})\b"),
]
_DOI_RE = re.compile(r"(?i)\b(10\.\d{4,9}/[^\s\"<>]+)")
_PMCID_RE = re.compile(r"(?i)\b(PMC\d{3,9})\b")
YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)[a-z]?\b")
# A bare number as a label has at most three digits: "2017 ACC/AHA Guideline" starts with a year.
# "(1) Smith J." (a clinic letter's footnotes) and "¹ Smith J." (superscripts) label entries too.
_ENTRY_LABEL = re.compile(r"^\s*(?:\[(\d{1,4})\]:?|(\d{1,4})[.)](?=\s|$)|\^(\d{1,4})\s|(\d{1,3})\s+(?=[A-Z])|"
                          r"\((\d{1,3})\)\s+(?=\S)|([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})\s*(?=[A-Z\[(]))\s*")


def clean_doi(doi: str) -> str:
    """A DOI as found in running text, without the punctuation that follows it."""
    while doi and doi[-1] in ".,;:]}>'\")":
        # a closing parenthesis belongs to the DOI only when the DOI opened one
        if doi[-1] == ")" and doi.count("(") >= doi.count(")"):
            break
        doi = doi[:-1]
    return doi


def find_identifiers(text: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for rx in _PMID_RE:
        m = rx.search(text)
        if m:
            ids["pmid"] = str(int(m.group(1)))
            break
    m = _DOI_RE.search(text)
    if m:
        ids["doi"] = clean_doi(m.group(1))
    m = _PMCID_RE.search(text)
    if m:
        ids["pmcid"] = m.group(1).upper()
    return ids


def split_entry_label(text: str) -> tuple[str | None, str]:
    m = _ENTRY_LABEL.match(text)
    if not m:
        return None, text.strip()
    label = from_superscript(next(g for g in m.groups() if g is not None))
    return str(int(label)), text[m.end():].strip()


def _strip_identifiers(text: str) -> str:
    text = re.sub(r"https?://\S+|www\.\S+", " ", text)
    text = re.sub(r"(?i)\b(?:doi|pmid|pmcid|pmc)\s*[:=]?\s*\S+", " ", text)
    text = re.sub(r"\b10\.\d{4,9}/\S+|\bPMC\d+\b", " ", text)
    text = re.sub(r"(?i)\b(pubmed|google scholar|crossref|full text|available (at|from)|accessed[^.]*)\b", " ", text)
    return " ".join(text.split())


def parse_citation(raw: str) -> tuple[str | None, str | None, int | None]:
    """(title, journal, year) from a free-text citation, where the shape allows.

    Vancouver: "Author A, Author B. Title. Journal. 2019;12(3):45-67."
    APA:       "Author, A., & Author, B. (2019). Title. Journal, 12(3), 45-67."
    Bare:      "Title. Journal. 2019."
    """
    text = _strip_identifiers(raw)
    if not text:
        return None, None, None
    # The citation's year closes it ("Journal. 2015;149:1-8"); a year inside the title
    # ("Cameroon 2006-2012: a retrospective study") comes before and is not it.
    # Pages are not years: "N Engl J Med 2012;367(21):1979-87" was read as 1979.
    years = [int(m.group(1)) for m in YEAR_RE.finditer(text)
             if not re.search(r"[:\-–]\s*$", text[max(0, m.start() - 4):m.start()]) and not re.match(r"\s*[-–]\s*\d", text[m.end():])]
    year = years[-1] if years else None
    dated = re.search(r"(?:^|[.;,]\s*|\s)(1[89]\d\d|20\d\d)[a-z]?\s*(?:[A-Z][a-z]{2}\s*)?(?:\d{1,2}\s*)?[;:(]", text)
    if dated:
        year = int(dated.group(1))
    apa = re.search(r"\((1[89]\d\d|20\d\d)[a-z]?(?:,[^)]*)?\)\.?\s*", text)
    if apa and apa.start() < len(text) // 2 + 10:
        year = int(apa.group(1))
        rest = text[apa.end():]
        parts = _segments(rest)
        title = parts[0] if parts else None
        journal = None
        if len(parts) > 1:
            journal = re.split(r",\s*\d|,\s*(?:vol|pp)\b", parts[1])[0].strip(" ,.") or None
        return _tidy(title), _tidy(journal), year
    parts = _segments(text)
    # The year segment ("2019;12(3):45-67", "2019 Mar;...") closes the journal.
    yi = next((i for i, p in enumerate(parts) if re.match(r"^(1[89]\d\d|20\d\d)\b", p)), None)
    journal = title = None
    if yi is not None and yi >= 1:
        journal = parts[yi - 1]
        before = parts[:yi - 1]
    else:
        # "Journal 2019;12:45" in one segment
        jm = next((i for i, p in enumerate(parts) if re.search(r"\b(1[89]\d\d|20\d\d)\s*[;:(]", p)), None)
        if jm is not None:
            journal = re.split(r"\s*\b(1[89]\d\d|20\d\d)\b", parts[jm])[0].strip(" ,.") or None
            before = parts[:jm]
        else:
            before = parts
    if before:
        if len(before) >= 2 and (looks_like_authors(before[0]) or _looks_like_group(before[0])):
            title = before[1]
        elif not looks_like_authors(before[0]):
            title = before[0]
        elif len(before) == 1:
            title = None
    return _tidy(title), _tidy(journal), year


def _segments(text: str) -> list[str]:
    # Split at a full stop, then a space and a capital or digit: Vancouver writes
    # initials without full stops, so "Smith JA. Title." splits where it should.
    # A dotted abbreviation ("U.S. Preventive Services Task Force") does not end a segment.
    parts = [p.strip(" .") for p in re.split(r"(?<=[^\s.])(?<!\.[A-Z])[.?!]\s+(?=[A-Z0-9\[(“\"])", text)]
    parts = [p for p in parts if p]
    # "J. Surg. Oncol. 2019": one-word pieces just before the year are one abbreviated journal
    yi = next((i for i, p in enumerate(parts) if re.match(r"^(1[89]\d\d|20\d\d)\b", p)), None)
    if yi is not None:
        i = yi - 1
        while i > 0 and len(parts[i - 1].split()) == 1 and len(parts[i - 1]) <= 6 and len(parts[i].split()) <= 3:
            parts[i - 1:i + 1] = [parts[i - 1] + ". " + parts[i]]
            i -= 1
    return parts


# "Smith JA", "Van Gogh V", "de Graaff J", "van der Ende-Kastelijn K"
_NAME = re.compile(r"(?:(?:de|da|del|della|der|den|di|dos|du|van|von|le|la|ten|ter)\s+)*"
                   r"[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)* [A-Z]{1,3}")
_INITIALS = re.compile(r"[A-Z]\.?(?: ?[A-Z]\.)*")


def looks_like_authors(seg: str) -> bool:
    """"Smith JA, Doe B" or "Smith JA, et al": Vancouver names with initials."""
    if re.search(r"\bet al\b", seg):
        return True
    names = [n.strip() for n in re.split(r",|&|\band\b", seg) if n.strip()]
    if not names or len(seg.split()) > 60:
        return False
    named = sum(1 for n in names if _NAME.fullmatch(n) or _INITIALS.fullmatch(n))
    return named >= max(1, 0.6 * len(names))


_GROUP_NOUNS = set("""
organization organisation association society institute institutes college academy council committee
commission agency force group collaboration collaborative consortium network foundation federation union
board department ministry centre center centers centres office service services panel investigators
program programme alliance coalition authority
""".split())


def _looks_like_group(seg: str) -> bool:
    """A group author ("U.S. Preventive Services Task Force", "World Health Organization"):
    capitalised words naming a body, not a title."""
    words = re.findall(r"[^\W\d_][\w.'’-]*", seg)
    if not words or len(words) > 12 or ":" in seg:
        return False
    if not all(w[0].isupper() or w.lower() in {"of", "for", "the", "on", "and", "in", "&"} for w in words):
        return False
    return any(w.lower().strip(".") in _GROUP_NOUNS for w in words)


def _tidy(s: str | None) -> str | None:
    if not s:
        return None
    s = " ".join(s.split()).strip(" .,;:")
    return s or None


def reference_from_entry(label: str, raw: str, line: int = 0, links: list[str] | None = None) -> Reference:
    raw = " ".join(raw.split())
    ids = find_identifiers(raw + " " + " ".join(links or []))
    title, journal, year = parse_citation(raw)
    return Reference(id=label, raw=raw, pmid=ids.get("pmid"), doi=ids.get("doi"), pmcid=ids.get("pmcid"),
                     line=line, cited_title=title, cited_journal=journal, cited_year=year, in_list=True)
