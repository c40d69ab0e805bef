"""From blocks of article text to claims, citation markers and references.

The format readers in ``ingest`` turn a file into ``Block``s (headings,
paragraphs, list items) whose text is already whitespace-normalised and whose
structural markers (HTML ``<sup>``, JATS ``<xref>``) are already known.  This
module does everything that is about the words: finding the markers written
in the text, splitting sentences, dropping the chrome a copied web page
leaves behind, and reading identifiers and citation fields out of reference
entries.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from audit.models import Claim, Reference, SetAside
from audit.reading import author_year
from audit.reading.chrome import Judgement, is_chrome_sentence, judge_blocks

# --------------------------------------------------------------------------
# Blocks


@dataclass
class Marker:
    start: int                   # span in the block's text
    end: int
    labels: list[str]
    kind: str                    # structural | bracket | footnote | caret | sup | unisup | authoryear | bare | paren
    cites: list = field(default_factory=list)   # authoryear: the AuthorYear citations, one per label
    weak: bool = False           # bare: after a word a quantity may follow ("patients 2"), see accept_bare
    keep_text: bool = False      # authoryear linked to no entry: the names stay in the claim for the search


@dataclass
class Block:
    kind: str                    # heading | para | item
    text: str                    # whitespace-normalised, as the reader will see it
    line: int                    # source line of text[0]
    level: int = 0               # heading level (1 = title)
    breaks: list[tuple[int, int]] = field(default_factory=list)  # (offset, line) where the line changes
    markers: list[Marker] = field(default_factory=list)          # structural markers
    links: list[str] = field(default_factory=list)               # hrefs inside the block
    label: str | None = None     # a reference entry's label given by structure

    def line_at(self, offset: int) -> int:
        i = bisect.bisect_right(self.breaks, (offset, float("inf")))
        return self.breaks[i - 1][1] if i else self.line


class BlockBuilder:
    """Collects text pieces (each with its source line) and markers into a Block.

    ``expand(a, b)`` (optional) turns two labels joined by a dash into the
    labels between them, for structural ranges such as ``[4]–[7]``.
    """

    def __init__(self, expand=None):
        self.pieces: list[tuple] = []
        self.links: list[str] = []
        self.expand = expand

    def add_text(self, text: str, line: int) -> None:
        if text:
            self.pieces.append(("t", text, line))

    def add_marker(self, display: str, labels: list[str], line: int) -> None:
        labels = [lab for lab in labels if lab]
        if not labels:
            self.add_text(display, line)
            return
        display = display.strip() or "[" + ",".join(labels) + "]"
        if re.fullmatch(r"[\d\s,;\-–—]+", display):
            display = "[" + display + "]"         # "cancer1." reads as "cancer[1]."
        # "[4]–[7]": two markers joined by a dash stand for the run between them.
        if self.expand is not None:
            i = len(self.pieces) - 1
            gap = ""
            while i >= 0 and self.pieces[i][0] == "t" and not self.pieces[i][1].strip(" \t\n-–—"):
                gap = self.pieces[i][1] + gap
                i -= 1
            if i >= 0 and self.pieces[i][0] == "m" and gap.strip() and gap.strip() in "-–—":
                prev = self.pieces[i]
                run = self.expand(prev[2][-1], labels[0])
                if run:
                    merged = prev[2] + [lab for lab in run if lab not in prev[2]] + \
                        [lab for lab in labels if lab not in run and lab not in prev[2]]
                    del self.pieces[i:]
                    self.pieces.append(("m", prev[1] + gap.strip() + display, merged, prev[3]))
                    return
        self.pieces.append(("m", display, labels, line))

    def empty(self) -> bool:
        return not any(p[1].strip() for p in self.pieces)

    def build(self, kind: str, level: int = 0, label: str | None = None) -> Block | None:
        out: list[str] = []
        size = 0
        breaks: list[tuple[int, int]] = []
        markers: list[Marker] = []
        first_line = 0
        last_line = 0
        pending_space = False

        def emit(s: str, line: int) -> None:
            nonlocal size, first_line, last_line, pending_space
            if pending_space and size:
                out.append(" ")
                size += 1
            pending_space = False
            if not first_line:
                first_line = last_line = line
            elif line != last_line:
                breaks.append((size, line))
                last_line = line
            out.append(s)
            size += len(s)

        for piece in self.pieces:
            if piece[0] == "t":
                line = piece[2]
                for m in re.finditer(r"\s+|\S+", piece[1]):
                    tok = m.group()
                    if tok.isspace():
                        pending_space = True
                        line += tok.count("\n")
                    else:
                        emit(tok, line)
            else:
                _, display, labels, line = piece
                display = " ".join(display.split())
                emit(display, line)
                start = size - len(display)
                markers.append(Marker(start, size, list(labels), "structural"))
        text = "".join(out)
        if not text.strip():
            return None
        return Block(kind=kind, text=text, line=first_line or 1, level=level, breaks=breaks,
                     markers=markers, links=list(self.links), label=label)


# --------------------------------------------------------------------------
# Citation markers written in the text

_DASH = "-–—"
_NUM_LIST = r"\d{1,4}(?:\s*[-–—]\s*\d{1,4})?(?:\s*[,;]\s*\d{1,4}(?:\s*[-–—]\s*\d{1,4})?)*"
_BRACKET = re.compile(r"\[\s*(" + _NUM_LIST + r")\s*\](?:\(#[^)\s]*\))?")
# "(ref. 3)", "(refs 2, 5-7)", "(reference 4)": a number named as a reference is a marker
_REF_WORD = re.compile(r"\((?:refs?\.?|references?)\s*(" + _NUM_LIST + r")\s*\)", re.I)
_FOOTNOTE = re.compile(r"\[\^([A-Za-z0-9_.-]{1,20})\](?!:)")
_CARET = re.compile(r"\^\[?(\d{1,4}(?:[-–—]\d{1,4})?(?:,\s?\d{1,4}(?:[-–—]\d{1,4})?)*)\]?")
_SUP_TAG = re.compile(r"<sup>\s*\[?\s*(" + _NUM_LIST + r")\s*\]?\s*</sup>", re.I)
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_UNISUP = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:[,⁻–-][⁰¹²³⁴⁵⁶⁷⁸⁹]+)*")
# A small number at the end of a sentence, as copied web pages leave markers.
_PAREN_NUM = re.compile(r"(?<=[\w%).,\]] )\((\d{1,3}(?:\s*[-–,]\s*\d{1,3})*)\)(?=\s*(?:[.,;:!?](?!\w)|$))")
_BARE = re.compile(r"(?<=\s)(\d{1,3}(?:\s?[-–]\s?\d{1,3}|,\s?\d{1,3})*)(?=\s*(?:[.;!?](?![\w])|$))")

# Words after which a number is a quantity or part of a name, never a marker: function words,
# units, months, and the nouns a number names ("stage 3", "day 7", "type 2", "trisomy 21").
_NOT_BEFORE_MARKER = set("""
a an the of to in on at by for from with without than as is are was were be been being and or nor
about approximately approx around nearly almost over under above below between among only just
exactly least up down into per each every all total totaling totalling reached scored
score scores equals equal plus minus times vs versus x after before within until till since during
age aged ages number numbers no nos point points rank ranked top page pages p pp vol volume issue
item question q step stage type grade phase class level version v day week month year yr hour
h hr minute min second sec dose cycle visit session table figure fig chapter
section appendix part tier zone line lead patient case
subject participant chromosome trisomy covid il cd her brca interleukin gen generation round
wave wk mo y room bed ward unit model edition ed gleason
bmi apgar nyha ecog ason who kps child pugh tnm mg g kg ml l cm mm m km
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
""".split())
# Words after which a number at a sentence end is a marker in a page that cites by bare numbers,
# and may be a quantity elsewhere ("in most patients 6", "over two years 3", "helps both 4"):
# accepted only where the page's other bare markers show that style (``accept_bare``).
_WEAK_BEFORE_MARKER = set("""
most both items questions steps stages types grades phases classes levels versions days weeks months
years yrs hours hrs minutes mins seconds doses cycles visits sessions group groups arm arms cohort
cohorts tables figures figs chapters sections parts tiers zones lines leads patients subjects
participants cases units models study studies factor wks mos
""".split())
_UNITS_BEFORE_EXPONENT = re.compile(r"(?:\d|\b(?:m|cm|mm|km|kg/m|mg/m|m/s|µm|um|nm|ml|dl|l|s|x|y|n|e))$", re.I)


def is_exponent_context(before: str) -> bool:
    """Is a raised number after ``before`` an exponent ("10⁹", "m²")?  Not after a decimal:
    "a relative risk of 1.34¹" is a marker, no one raises 1.34 to a power in prose."""
    return bool(_UNITS_BEFORE_EXPONENT.search(before)) and not re.search(r"\d[.,]\d+$", before)


def _expand(spec: str, limit: int = 50) -> list[str]:
    """"1, 3-5" -> ["1", "3", "4", "5"]; an implausible range stays as written."""
    out: list[str] = []
    for part in re.split(r"\s*[,;]\s*", spec.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*[-–—⁻]\s*(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a < b <= a + limit:
                out.extend(str(n) for n in range(a, b + 1))
                continue
            out.extend([str(a), str(b)])
            continue
        if part.isdigit():
            out.append(str(int(part)))
    seen: set[str] = set()
    return [x for x in out if not (x in seen or seen.add(x))]


def _from_superscript(s: str) -> str:
    return s.translate(str.maketrans(_SUPERSCRIPTS + "⁻", "0123456789-"))



class _Taken:
    """Which characters of a text markers already cover: O(marker length) per question,
    where a list of spans made a page of many markers quadratic."""

    def __init__(self, n: int, spans=()):
        self.mask = bytearray(n + 1)
        for s, e in spans:
            self.add(s, e)

    def add(self, start: int, end: int) -> None:
        self.mask[start:end] = b"\x01" * (end - start)

    def overlaps(self, start: int, end: int) -> bool:
        return 1 in self.mask[start:end]


def find_markers(text: str, structural: list[Marker], lexical: bool = True) -> tuple[list[Marker], list[Marker]]:
    """(explicit markers, bare-number candidates) in ``text``, in order.

    Explicit: structural ones plus [1], [1, 3-5], [^1], ^1,2, <sup>1</sup>, ¹².
    Candidates are small numbers at a sentence end after a word; whether they
    are markers is decided for the whole document by ``accept_bare``.
    """
    found = list(structural)
    if not lexical:
        return found, []
    taken = _Taken(len(text), [(m.start, m.end) for m in found])

    def add(start: int, end: int, labels: list[str], kind: str) -> None:
        if labels and not taken.overlaps(start, end):
            found.append(Marker(start, end, labels, kind))
            taken.add(start, end)

    for m in _SUP_TAG.finditer(text):
        add(m.start(), m.end(), _expand(m.group(1)), "sup")
    for m in _FOOTNOTE.finditer(text):
        add(m.start(), m.end(), [m.group(1)], "footnote")
    for m in _REF_WORD.finditer(text):
        add(m.start(), m.end(), _expand(m.group(1)), "bracket")
    for m in _BRACKET.finditer(text):
        # "[1]" opening a line is an entry label, not a marker.
        if m.start() == 0 and len(text) > m.end() + 20:
            continue
        add(m.start(), m.end(), _expand(m.group(1)), "bracket")
    for m in _CARET.finditer(text):
        before = text[max(0, m.start() - 16):m.start()]     # a window: the whole prefix made it quadratic
        if before and _UNITS_BEFORE_EXPONENT.search(before):
            continue
        add(m.start(), m.end(), _expand(m.group(1)), "caret")
    for m in _UNISUP.finditer(text):
        before = text[max(0, m.start() - 16):m.start()]
        if not m.start() or before[-1].isspace() or is_exponent_context(before):
            continue
        add(m.start(), m.end(), _expand(_from_superscript(m.group())), "unisup")
    for f in author_year.find_author_year(text):
        if not taken.overlaps(f.start, f.end):
            found.append(Marker(f.start, f.end, [c.text for c in f.cites], "authoryear", cites=f.cites))
            taken.add(f.start, f.end)
    found.sort(key=lambda mk: mk.start)

    bare: list[Marker] = []
    for m in _BARE.finditer(text):
        if taken.overlaps(m.start(), m.end()):
            continue
        spec = m.group(1)
        if re.search(r",\d{3}(?!\d)", spec) or re.search(r"(?<!\d)0\d", spec):
            continue                              # 1,200 or 05: a quantity
        before = text[max(0, m.start() - 200):m.start()].rstrip()
        if not before:
            continue
        word = before.split()[-1]
        if word.endswith(("-", "–")):
            continue
        bare_word = re.sub(r"[^a-z]", "", word.lower())
        if re.search(r"[A-Za-z][\"'”’]?$", word):
            if bare_word in _NOT_BEFORE_MARKER or len(bare_word) < 2:
                continue
            weak = bare_word in _WEAK_BEFORE_MARKER
        elif re.search(r"(?:%|[A-Za-z%][)\]])[\"'”’]?$", word):
            weak = True                           # "(23% vs 6%) 2", "by about 110% 1"
        else:
            continue
        labels = _expand(spec, limit=30)
        if labels:
            bare.append(Marker(m.start(), m.end(), labels, "bare", weak=weak))
    # "(1)" closing a clause: a marker where the reference list is numbered "(1)"-style or
    # plainly, decided like bare numbers (it may be an enumeration or a count otherwise).
    for m in _PAREN_NUM.finditer(text):
        if taken.overlaps(m.start(), m.end()) or m.start() == 0:
            continue
        labels = _expand(m.group(1), limit=30)
        if labels:
            bare.append(Marker(m.start(), m.end(), labels, "paren"))
    bare.sort(key=lambda mk: mk.start)
    return found, bare


_CANDIDATE = {"bare", "paren"}      # markers decided for the whole document by accept_bare


def accept_bare(sequence: list[Marker], known: set[int] | None) -> set[int]:
    """Which bare candidates are markers: ids (``id(marker)``) of the accepted.

    ``sequence`` is every marker of the document in order.  A candidate is a
    marker when its labels continue the run of markers seen so far (at most a
    small step beyond the highest label yet) and, when the document has a
    numbered reference list, every label has an entry in it.  "(1)" needs that
    list.  A weak candidate (after a word a quantity may follow) counts only in a
    document whose other bare numbers already read as its markers.
    """
    def run(weak_ok: bool) -> set[int]:
        accepted: set[int] = set()
        highest = 0
        for mk in sequence:
            nums = [int(lab) for lab in mk.labels if lab.isdigit()]
            if mk.kind not in _CANDIDATE:
                if nums:
                    highest = max(highest, max(nums))
                continue
            if not nums or len(nums) != len(mk.labels) or min(nums) < 1:
                continue
            if (mk.weak and not weak_ok) or (mk.kind == "paren" and not known):
                continue
            # "(7)" needs no run: the list holds its label and nothing else reads so
            if mk.kind != "paren" and max(nums) > highest + 3:
                continue
            if known and not all(n in known for n in nums):
                continue
            accepted.add(id(mk))
            highest = max(highest, max(nums))
        return accepted

    strong = run(False)
    # The page's style is bare numbers when they, not brackets or superscripts, carry its citations.
    style = sum(1 for mk in sequence if id(mk) in strong and mk.kind == "bare")
    explicit = sum(1 for mk in sequence if mk.kind not in _CANDIDATE)
    if style and known and style >= explicit:
        return run(True)
    return strong


# --------------------------------------------------------------------------
# Sentences

_ABBREV = set("""
e.g eg i.e ie al dr vs v fig figs no nos approx ca cf mr mrs ms prof st jr sr inc ltd co eq eqs ref
refs vol vols pp p ch sect dept univ resp incl sp spp var ed eds est viz ibid op cit jan feb mar apr
jun jul aug sep sept oct nov dec mt ft gen hosp med sci natl approx av ave assoc
""".split())


_MARKER_GAP = re.compile(r"[ ]*(?:[,;–-][ ]*)?")


def split_sentences(text: str, markers: list[Marker]) -> list[tuple[int, int]]:
    """Sentence spans in ``text``; markers right after a full stop stay with it."""
    spans: list[tuple[int, int]] = []
    by_start = {m.start: m for m in markers}
    inside = _Taken(len(text), [(m.start, m.end) for m in markers])
    start = 0
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        boundary = None
        if ch in ".!?" and not inside.overlaps(i, i + 1):
            j = i + 1
            while j < n and text[j] in "\"'”’)]" and not inside.overlaps(j, j + 1):
                j += 1
            # markers right after the stop: "...cancer.[3] Next" / "...cancer.³"
            k = j
            while True:
                sep = _MARKER_GAP.match(text, k)
                p = sep.end() if sep else k
                # right after the stop only spaces; between markers also "," or "–"
                if p in by_start and (k > j or not sep.group().strip()):
                    k = by_start[p].end
                    continue
                # '...past time?" [[28]].': a marker in brackets of the text's own
                if k == j and text.startswith(" [", k) and k + 2 in by_start:
                    close = by_start[k + 2].end
                    if text.startswith("]", close):
                        k = close + 1
                        continue
                break
            nxt = k
            while nxt < n and text[nxt] == " ":
                nxt += 1
            if (k == n or nxt > k or k > j) and _is_boundary(text, i, nxt):
                boundary = k
        elif ch == "•" and i > start and text[i - 1] == " ":
            boundary = i                          # inline bullets of a flattened list
        if boundary is not None:
            if text[start:boundary].strip(" •"):
                spans.append((start, boundary))
            start = boundary
            while start < n and text[start] in " •":
                start += 1
            i = max(start, i + 1)
            continue
        i += 1
    if text[start:].strip(" •"):
        spans.append((start, n))
    # trim
    out = []
    for s, e in spans:
        while s < e and text[s] in " •":
            s += 1
        while e > s and text[e - 1] == " ":
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def _is_boundary(text: str, i: int, nxt: int) -> bool:
    if nxt >= len(text):
        return True
    follower = text[nxt]
    if not (follower.isupper() or follower.isdigit() or follower in "\"'“‘([•*-"):
        return False
    if text[i] != ".":
        return True
    # Look back a short window only: searching all of text[:i] at every full stop made
    # long one-line articles quadratic.
    m = _WORD_BEFORE_STOP.search(text, max(0, i - 64), i)
    if m:
        word = m.group(1)
        if len(word) == 1 and word.isupper():
            # an initial: "[E. J. 116-118]", "Smith J. H. Jones": not a sentence end when another
            # initial follows or a bracket opened just before is still open
            if re.match(r"[A-Z]\.", text[nxt:nxt + 2]):
                return False
            # the last of a chain of initials: "R. A. Fisher", "M.-D. Ruepp"
            if re.search(r"(?:^|[\s(\[])[A-Z]\.[\s-]?$", text[max(0, m.start(1) - 5):m.start(1)]):
                return False
            window = text[max(0, i - 40):i]
            if window.rfind("[") > window.rfind("]") or window.rfind("(") > window.rfind(")"):
                return False
        if "." in word.strip("."):
            return False                          # U.S., e.g., A.I.
        if word.lower() in _ABBREV:
            return False
        if word.lower() == "al" or text[max(0, i - 5):i].lower() == "et al":
            return False
    return True


_WORD_BEFORE_STOP = re.compile(r"([A-Za-z][A-Za-z.]*)$")


# --------------------------------------------------------------------------
# Headings


def looks_like_heading(text: str, has_markers: bool) -> bool:
    """A short line with no sentence end: a heading or a button, not a claim."""
    t = text.strip()
    if has_markers or not t:
        return False
    if t.endswith("?"):
        return len(t.split()) <= 12
    if re.search(r"[.!:;]['\"”’)]?$", t):
        return False
    return len(t.split()) <= 12


# --------------------------------------------------------------------------
# Reference entries

_PMID_RE = [
    re.compile(r"(?i)\bPMID\s*[:=]?\s*(\d{1,9})\b"),
    re.compile(r"(?i)pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})\b"),
    re.compile(r"(?i)ncbi\.nlm\.nih\.gov/(?:entrez/query\.fcgi\?.*?list_uids=|pubmed/)(\d{1,9})\b"),
]
_DOI_RE = re.compile(r"(?i)\b(10\.\d{4,9}/[^\s\"<>]+)")
_PMCID_RE = re.compile(r"(?i)\b(PMC\d{3,9})\b")
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)[a-z]?\b")
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
    label = _from_superscript(next(g for g in m.groups() if g is not None))
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
    years = [int(m.group(1)) for m in _YEAR_RE.finditer(text)
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
        if len(before) >= 2 and (_looks_like_authors(before[0]) or _looks_like_group(before[0])):
            title = before[1]
        elif not _looks_like_authors(before[0]):
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


def _looks_like_authors(seg: str) -> bool:
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


# --------------------------------------------------------------------------
# Journals named in a claim ("...a study published in the Journal of surgical oncology 1")

_JOURNAL_STOP = set("""
found find finds showed show shows shown reported reports described describes demonstrated demonstrates
suggested suggests concluded concludes noted notes observed observes indicated indicates revealed reveals
confirmed confirms that which who where when while whereas and in on by with was were is are has have had
examined examines evaluated evaluates assessed assesses compared compares investigated investigates
""".split()) - {"and", "in", "of"}


_NAME_NOUNS = {"reports", "notes", "reviews", "letters", "findings"}


def journal_mentions(text: str) -> list[tuple[int, str]]:
    """(end offset, journal name) for each "published in (the) <Journal>" in text."""
    out = []
    for m in re.finditer(r"\b(?:published|reported|appeared|printed)\s+in\s+(?:the\s+)?(?=[A-Z])", text):
        words = []
        pos = m.end()
        for w in re.finditer(r"[^\s,.;:()\[\]]+|[,.;:()\[\]]", text[m.end():]):
            tok = w.group()
            if not re.match(r"[A-Za-z&]", tok) or len(words) >= 12:
                break
            if tok.lower() in _JOURNAL_STOP:
                # "...case reports described": a noun of the name, then the verb
                nxt = re.match(r"\s*([A-Za-z]+)", text[m.end() + w.end():])
                if not (tok.lower() in _NAME_NOUNS and (nxt is None or (nxt.group(1).lower() in _JOURNAL_STOP
                                                                        and nxt.group(1).lower() != "that"))):
                    break
                words.append(tok)
                pos = m.end() + w.end()
                break
            words.append(tok)
            pos = m.end() + w.end()
        # "in" ends the name unless the name goes on ("Frontiers in Oncology")
        while words and words[-1].lower() in {"and", "of", "in", "the", "&"}:
            words.pop()
        if words and not _YEAR_RE.fullmatch(words[0]):
            name = " ".join(words)
            out.append((pos, name))
    return out


# --------------------------------------------------------------------------
# Blocks -> main text, claims, references


_WORD3 = re.compile(r"[^\W\d_]{3,}")


def is_fragment(text: str) -> bool:
    """Bits of a sentence cut inside brackets ("A., A.", "[H.] [L.]", "Zha]."): fewer than two words."""
    return len(_WORD3.findall(text)) < 2 and len(text.split()) <= 4


def _add_claim(claims: list[Claim], claim_block: list[int], text: str, labels: list[str],
               where: tuple[int, int, int], block: int) -> None:
    line, start, end = where
    claims.append(Claim(id=f"c{len(claims) + 1}", text=text, citations=labels, line=line, start=start, end=end))
    claim_block.append(block)


@dataclass
class Extracted:
    text: str
    claims: list[Claim]
    references: list[Reference]
    question: str | None          # the first question asked before any claim
    set_aside: list[SetAside] = field(default_factory=list)   # chrome blocks and sentences, with lines
    title: str | None = None      # the block read as the page's title or question (copied pages)


def _clean_claim(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        out.append(" ")
        pos = e
    out.append(text[pos:])
    t = "".join(out)
    t = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", t)          # markdown links and images
    t = re.sub(r"</?[A-Za-z][^<>]{0,200}>", " ", t)             # stray tags (not "<10 ... >5")
    t = re.sub(r"(\*\*|__|`)", "", t)
    t = re.sub(r"(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)", "", t)
    t = re.sub(r"[(\[]\s*[,;–-]*\s*[)\]]", " ", t)               # brackets left empty
    t = re.sub(r"[,;]\s*([)\]])", r"\1", t)                       # "(Sullivan et al., )"
    t = " ".join(t.split())
    t = re.sub(r"\s+([.,;:!?)\]])", r"\1", t)
    t = re.sub(r"([(\[])\s+", r"\1", t)
    return t.strip(" •")


def _merge_spans(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Markers separated only by commas or dashes go as one: "[2], [3]" leaves no ", "."""
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and re.fullmatch(r"[\s,;–-]*", text[out[-1][1]:a]):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _unique(labels: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in labels if not (x in seen or seen.add(x))]


def _link_author_year(found: list[tuple[list[Marker], list[Marker]]], entries: list[Reference]) -> bool:
    """Author-year markers get the ids of the entries they name (in place); True if any linked.

    A citation that names no entry keeps its text as its label (a marker without an entry)
    when its form is certain, and is dropped otherwise ("(March 2015)")."""
    keys = [author_year.entry_key(r.id, r.raw, r.cited_year) for r in entries if r.raw]
    linked_any = False
    for explicit, _ in found:
        for mk in [m for m in explicit if m.kind == "authoryear"]:
            labels, linked = [], False
            for cite in mk.cites:
                rid = author_year.link(cite, keys)
                if rid is not None:
                    labels.append(rid)
                    linked = True
                elif cite.certain:
                    labels.append(cite.text)
            if not labels:
                explicit.remove(mk)
                continue
            mk.labels = _unique(labels)
            mk.keep_text = not linked         # the names and year then help find the source
            linked_any = linked_any or linked
    return linked_any


def extract(blocks: list[Block], entries: list[Reference], chrome: bool = True, lexical: bool = True) -> Extracted:
    """Claims and references of an article from its body blocks and list entries.

    ``chrome``: drop what a copied web page adds around the content (review
    badges, disclaimers, prompts to ask more).  ``lexical``: look for markers
    written in the text.  Both off for JATS, whose markers are all <xref>s.
    """
    found = [find_markers(b.text, b.markers, lexical) for b in blocks]
    known = {int(r.id) for r in entries if r.id.isdigit()}
    if _link_author_year(found, entries):
        # A page that cites by name and year numbers nothing: its entries' numbers are positions,
        # and a number closing a sentence is a quantity.
        found = [(explicit, []) for explicit, _ in found]

    # 1. Which blocks stay: not chrome, and which of them may carry claims.
    kept: list[tuple[Block, list[Marker], list[Marker], bool]] = []   # block, explicit, bare, is_claim_block
    set_aside: list[SetAside] = []
    headings = []
    for b, (explicit, bare) in zip(blocks, found):
        ends_in_bare = any(m.end >= len(b.text.rstrip(" .;!?")) for m in bare)
        headings.append(b.kind == "heading" or
                        (b.kind == "para" and looks_like_heading(b.text, bool(explicit) or ends_in_bare)))
    if chrome:
        marked = [bool(ex or bare) for ex, bare in found]
        sents = [[b.text[s:e] for s, e in split_sentences(b.text, ex)] or [b.text]
                 for b, (ex, _) in zip(blocks, found)]
        verdicts, title_at = judge_blocks(blocks, marked, headings, sents)
    else:
        verdicts, title_at = [Judgement(False)] * len(blocks), None
    for i, (b, (explicit, bare), heading, v) in enumerate(zip(blocks, found, headings, verdicts)):
        if v.chrome:
            set_aside.append(SetAside(b.text, b.line, v.reason))
            continue
        # The page's title or question states no finding: "My metformin isn't working any more.
        # What is added next?" is the asker's, not the answer's.
        asks = i == title_at and not explicit and b.text.rstrip().endswith("?")
        kept.append((b, explicit, bare, not (heading or asks)))

    # 2. Sentences, and which bare numbers are markers across the document.
    sentences = []      # (block index in kept, start, end, markers in span)
    sequence: list[Marker] = []
    question = None
    seen_claim = False
    for bi, (b, explicit, bare, is_claims) in enumerate(kept):
        if not is_claims:
            if question is None and not seen_claim and b.text.rstrip().endswith("?"):
                question = b.text.strip()
            continue
        pool = sorted(explicit + bare, key=lambda m: m.start)
        k = 0
        for s, e in split_sentences(b.text, explicit):
            sent = b.text[s:e]
            # markers in order, sentences in order: one pass over both (no re-filtering per sentence)
            while k < len(pool) and pool[k].start < s:
                k += 1
            inside = []
            j = k
            while j < len(pool) and pool[j].start < e:
                if pool[j].end <= e:
                    inside.append(pool[j])
                j += 1
            has_explicit = any(m.kind not in _CANDIDATE for m in inside)
            if sent.rstrip("\"'”’)").endswith("?") and not has_explicit:
                if question is None and not seen_claim:
                    question = sent.strip()
                continue
            if chrome and not has_explicit and is_chrome_sentence(sent):
                set_aside.append(SetAside(sent, b.line_at(s), "site text inside the content (not read as a claim)"))
                continue
            if not inside and sent.rstrip().endswith(":"):
                continue                      # "Some key points to consider:" leads into a list
            inside.sort(key=lambda m: m.start)
            sequence.extend(inside)
            sentences.append((bi, s, e, inside))
            seen_claim = True
    accepted = accept_bare(sequence, known)

    # 3. Main text and claims.
    offsets: dict[int, int] = {}
    parts: list[str] = []
    size = 0
    for bi, (b, *_rest) in enumerate(kept):
        if parts:
            parts.append("\n\n")
            size += 2
        offsets[bi] = size
        parts.append(b.text)
        size += len(b.text)
    text = "".join(parts)

    claims: list[Claim] = []
    claim_block: list[int] = []
    carry: dict | None = None     # a fragment's labels waiting for the next sentence of its block
    mentions: dict[str, str] = {}
    for bi, s, e, inside in sentences:
        b = kept[bi][0]
        markers = [m for m in inside if m.kind not in _CANDIDATE or id(m) in accepted]
        spans = _merge_spans([(m.start - s, m.end - s) for m in markers if not m.keep_text], b.text[s:e])
        sent = b.text[s:e]
        ctext = _clean_claim(sent, spans)
        labels = _unique([lab for m in markers for lab in m.labels])
        where = (b.line_at(s), offsets[bi] + s, offsets[bi] + e)
        if carry is not None and carry["block"] != bi:   # nothing followed in its block: it stands alone
            _add_claim(claims, claim_block, carry["text"], carry["labels"], carry["where"], carry["block"])
            carry = None
        if labels and is_fragment(ctext):
            # "[A. A. 34, A. A. 35]": a sentence split inside brackets of initials leaves bits that
            # are not claims; their markers belong to the sentence they close (or open).
            if claim_block and claim_block[-1] == bi:
                prev = claims[-1]
                prev.citations = _unique(prev.citations + labels)
                prev.end = offsets[bi] + e
            elif carry is not None:
                carry["labels"] = _unique(carry["labels"] + labels)
            else:
                carry = {"block": bi, "labels": labels, "text": ctext, "where": where}
            continue
        if carry is not None:
            labels = _unique(carry["labels"] + labels)
            where = (carry["where"][0], carry["where"][1], where[2])
            carry = None
        if not labels and len(ctext.split()) < 3:
            continue
        if not ctext and not labels:
            continue
        _add_claim(claims, claim_block, ctext, labels, where, bi)
        if markers:
            for end, name in journal_mentions(sent):
                after = [m for m in markers if m.start - s >= end - 1]
                target = after[0] if after else markers[-1]
                for lab in target.labels[:1]:
                    mentions.setdefault(lab, name)

    if carry is not None:
        _add_claim(claims, claim_block, carry["text"], carry["labels"], carry["where"], carry["block"])

    # 4. References: the list's entries, then labels cited with no entry.
    refs = list(entries)
    have = {r.id for r in refs}
    for c in claims:
        for lab in c.citations:
            if lab not in have:
                refs.append(Reference(id=lab, raw="", in_list=False))
                have.add(lab)
    for r in refs:
        if r.id in mentions and not r.cited_journal:
            r.cited_journal = mentions[r.id]
    title_guess = blocks[title_at].text if title_at is not None else None
    return Extracted(text=text, claims=claims, references=refs, question=question, set_aside=set_aside,
                     title=title_guess)
