"""Author-year citations: finding them in the text and linking them to reference entries.

Reviews cite by name and year: "(Saha et al., 2015)", "(Somigliana & Garcia-Velasco, 2015)",
"(Guo, 2015a; Vercellini, 2015)", "Smith and Jones (2019) found ...", and list their references
alphabetically, without numbers or identifiers.  A citation is linked to the entry whose first author
and year it names (the year's letter, or the second author, tells entries of one author-year apart).

A parenthesis only reads as citations when each of its parts is a list of capitalised names and a
year; one that links to no entry counts only when its form leaves no doubt (``et al.``, or two names
joined by "and"/"&"), so "(March 2015)" or "(Phase III, 2015)" never become citations.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_YEAR = r"(?:1[89]|20)\d\d[a-z]?"
# "2015, 2016", "2015a, b": one or more years of the same authors
_YEARS = re.compile(rf"(?P<years>{_YEAR}(?:\s*,\s*(?:{_YEAR}|[a-z]\b))*)"
                    r"(?:\s*,\s*(?:p|pp)\.?\s*\d+(?:\s*[-–]\s*\d+)?)?\s*$")
_LEAD = re.compile(r"(?i)^(?:e\.g\.,?|i\.e\.,?|see(?:\s+also)?|cf\.?|reviewed\s+in|for\s+example,?|"
                   r"for\s+a\s+review,?\s+see|as\s+in)\s+")
_PAREN = re.compile(r"\(([^()]{6,400})\)|\[([^\[\]]{6,400})\]")     # "(Smith, 2019)" or "[Smith, 2019]"
# Lower-case words a name may hold: particles ("de Oliveira", "van der Ende") and the linking
# words of a group author ("National Institute for Health and Care Excellence").
_PARTICLES = {"de", "da", "del", "della", "der", "den", "di", "do", "dos", "das", "du", "van", "von", "le", "la",
              "ten", "ter", "al", "el", "bin", "y"}
_GROUP_WORDS = {"of", "for", "the", "on", "in", "and"}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec", "spring", "summer", "autumn", "fall", "winter"}
_NAME_TOKEN = re.compile(r"[^\W\d_][\w'’.\-]*", re.UNICODE)
# "Smith et al. (2019)", "Smith and Jones (2019)": a narrative citation, the names before the year.
# "Smith and colleagues (2019)" is "Smith et al."; "Blackburne & Whelan, (2013)" has a comma.
# A name's particles are those of _PARTICLES only: "by Smith et al. (2019)" is Smith's.
_PART = "(?:(?:" + "|".join(sorted(_PARTICLES, key=len, reverse=True)) + r")\s+){0,2}"
_NARRATIVE = re.compile(rf"(?P<names>\b{_PART}[A-Z\u00C0-\u00DE][\w'’\-]+"
                        r"(?:\s+et\s+al\.?|\s+and\s+(?:colleagues|co-?workers)"
                        rf"|\s+(?:and|&)\s+{_PART}[A-Z\u00C0-\u00DE][\w'’\-]+)?)"
                        rf",?\s+\((?P<years>{_YEAR}(?:\s*[,;]\s*{_YEAR})*)\)")


@dataclass(frozen=True)
class AuthorYear:
    first: str          # first author's surname (or group name), as a key: see name_key
    second: str         # the second author's key when the citation names two ("Smith & Jones")
    etal: bool
    year: int
    suffix: str         # the letter of "2015a"
    text: str           # the citation as written ("Saha et al., 2015"): its label when no entry matches

    @property
    def certain(self) -> bool:
        """A form only a citation takes: "et al." or two names joined."""
        return self.etal or bool(self.second)


@dataclass
class Found:
    start: int
    end: int
    cites: list[AuthorYear]


def name_key(name: str) -> str:
    """"Viganò" -> "vigano", "de Oliveira" -> "de oliveira", "U.S. Preventive ..." -> "us preventive ..."."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = re.sub(r"[.'’]", "", s)
    return " ".join(re.sub(r"[^a-z\s-]", " ", s).split())


def starts_with_name(text: str) -> bool:
    """Does text open with a capitalised name, or a particle and one ("de Oliveira, F. M.")?"""
    words = text.split(None, 3)
    while words and words[0].lower() in _PARTICLES and len(words) > 1:
        words = words[1:]
    return bool(words) and words[0][:1].isupper()


def _name_ok(name: str) -> bool:
    """Capitalised words, particles and a group name's linking words; at most nine words."""
    words = _NAME_TOKEN.findall(name)
    if not words or len(words) > 9 or len(words) != len(name.split()):
        return False
    if not any(w[0].isupper() for w in words) or not words[-1][0].isupper():
        return False
    if words[0].lower() in _MONTHS:
        return False
    return all(w[0].isupper() or w.lower() in _PARTICLES or w.lower() in _GROUP_WORDS for w in words)


def _parse_part(part: str) -> list[AuthorYear] | None:
    """One citation of a parenthesis ("Smith et al., 2019a", "Smith & Jones 2015, 2016"), or None."""
    text = " ".join(part.split())
    text = _LEAD.sub("", text)
    m = _YEARS.search(text)
    if not m or m.start() == 0:
        return None
    names = text[:m.start()].rstrip(" ,")
    if not names:
        return None
    etal = bool(re.search(r"\bet\s+al\.?$", names))
    names = re.sub(r",?\s*\bet\s+al\.?$", "", names).strip(" ,")
    authors = [a.strip() for a in re.split(r"\s*(?:,|&|\band\b)\s*", names) if a.strip()]
    if not authors or len(authors) > 6 or not all(_name_ok(a) for a in authors):
        return None
    # A group author holds "and" ("National Institute for Health and Care Excellence"): two
    # "names" one of which starts lower-case or with a linking word is one name.
    if len(authors) == 2 and not etal and authors[1].split()[0].lower() in _GROUP_WORDS:
        authors = [names]
    first = name_key(authors[0])
    second = name_key(authors[1]) if len(authors) > 1 else ""
    out = []
    year = ""
    for y in re.findall(rf"{_YEAR}|\b[a-z]\b", m.group("years")):
        if len(y) == 1:
            y = year[:4] + y                  # "2015a, b": b of the year before
        year = y
        label = f"{names}{' et al.' if etal else ''}, {y}"
        out.append(AuthorYear(first, second, etal, int(y[:4]), y[4:], label))
    return out


def find_author_year(text: str) -> list[Found]:
    """Parenthetical and narrative author-year citations in text, in order."""
    out: list[Found] = []
    for m in _PAREN.finditer(text):
        g = 1 if m.group(1) is not None else 2
        inner = m.group(g)
        if not re.search(_YEAR, inner):
            continue
        cites: list[AuthorYear] = []
        ok = []
        names = ""
        for part in re.split(r";", inner):
            parsed = _parse_part(part)
            if parsed is None and names and re.fullmatch(rf"\s*{_YEARS.pattern}", part):
                # "(Nilsson et al., 1997; 2004)": a year alone is another work of the authors before
                parsed = _parse_part(names + ", " + part)
            elif parsed:
                names = _YEARS.sub("", " ".join(part.split())).rstrip(" ,")
            ok.append(parsed is not None)
            cites.extend(parsed or [])
        if not cites:
            continue
        if all(ok):
            out.append(Found(m.start(), m.end(), cites))
        else:
            # "(HR 0.61; Smith et al., 2019)": only the citations' own part is the marker
            parts = list(re.finditer(r"[^;]+", inner))
            good = [p for p, k in zip(parts, ok) if k]
            start = m.start(g) + good[0].start()
            end = m.start(g) + good[-1].end()
            out.append(Found(start, end, cites))
    taken = [(f.start, f.end) for f in out]
    for m in _NARRATIVE.finditer(text):
        ys = m.start("years") - 1
        if any(s <= ys < e for s, e in taken):
            continue
        names = re.sub(r"\s+and\s+(?:colleagues|co-?workers)$", " et al.", m.group("names"))
        parsed = _parse_part(names + ", " + m.group("years").replace(";", ","))
        if parsed:
            out.append(Found(ys, m.end(), parsed))
    out.sort(key=lambda f: f.start)
    return out


# --------------------------------------------------------------------------
# Reference entries


@dataclass(frozen=True)
class EntryKey:
    id: str
    first: str
    year: int | None
    suffix: str
    words: str          # the entry's author part as keys, to tell two entries of one first author apart


_DOTTED = re.compile(r"(?:^|\s)(?:[A-Z]\.)+[A-Z]$")


def entry_first_author(raw: str) -> str:
    """The first author of a reference entry, as written: "Ferrero, S., ..." -> "Ferrero";
    "Angel B, Angel A. ..." -> "Angel"; "U.S. Preventive Services Task Force. Screening ..." ->
    "U.S. Preventive Services Task Force" (a dotted abbreviation does not end the name)."""
    s = raw.strip()
    end = len(s)
    for m in re.finditer(r"[,(]|\.\s", s):
        if m.group() not in ",(" and _DOTTED.search(s[max(0, m.start() - 40):m.start()]):
            continue
        end = m.start()
        break
    name = s[:end].strip()
    # Vancouver initials after the surname: "Smith JA", "Smith J. A."
    name = re.sub(r"(?:\s+[A-Z]{1,3}|\s+(?:[A-Z]\.\s*)+)$", "", name).strip()
    return name


def entry_key(ref_id: str, raw: str, year: int | None) -> EntryKey:
    first = entry_first_author(raw)
    suffix = ""
    m = re.search(r"\b(?:1[89]|20)\d\d([a-z])\b", raw)
    if m:
        suffix = m.group(1)
    head = re.split(r"\(\s*(?:1[89]|20)\d\d|\.\s+[A-Z][a-z]", raw, 1)[0]
    return EntryKey(ref_id, name_key(first), year, suffix, name_key(head))


def _same_name(entry: str, cited: str) -> bool:
    if not entry or not cited:
        return False
    if entry == cited:
        return True
    # "Oliveira et al." for "de Oliveira"; a group cited by the start of its name
    return entry.endswith(" " + cited) or cited.endswith(" " + entry) or \
        (len(cited) >= 12 and entry.startswith(cited))


def link(cite: AuthorYear, entries: list[EntryKey]) -> str | None:
    """The id of the entry a citation names, or None."""
    named = [e for e in entries if _same_name(e.first, cite.first)]
    pool = [e for e in named if e.year == cite.year]
    if not pool and len(named) == 1 and named[0].year and abs(named[0].year - cite.year) <= 1:
        pool = named            # one entry of that author, its year a year off: a slip, not another paper
    if cite.suffix and len(pool) > 1:
        lettered = [e for e in pool if e.suffix == cite.suffix]
        if lettered:
            pool = lettered
        elif not any(e.suffix for e in pool) and ord(cite.suffix) - ord("a") < len(pool):
            pool = [pool[ord(cite.suffix) - ord("a")]]      # unlettered entries in list order
    if len(pool) > 1 and cite.second:
        pool = [e for e in pool if cite.second in e.words] or pool
    return pool[0].id if pool else None
