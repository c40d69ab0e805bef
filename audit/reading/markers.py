"""Citation markers written in the text: [1], [1, 3-5], [^1], ^1,2, <sup>1</sup>, ¹², author-year,
and the bare numbers a copied page leaves, decided for the whole document (``accept_bare``).
"""
from __future__ import annotations

import re

from audit.reading import author_year
from audit.reading.blocks import Marker

_NUM_LIST = r"\d{1,4}(?:\s*[-–—]\s*\d{1,4})?(?:\s*[,;]\s*\d{1,4}(?:\s*[-–—]\s*\d{1,4})?)*"
_BRACKET = re.compile(r"\[\s*(" + _NUM_LIST + r")\s*\](?:\(#[^)\s]*\))?")
# "(ref. 3)", "(refs 2, 5-7)", "(reference 4)": a number named as a reference is a marker
_REF_WORD = re.compile(r"\((?:refs?\.?|references?)\s*(" + _NUM_LIST + r")\s*\)", re.I)
_FOOTNOTE = re.compile(r"\[\^([A-Za-z0-9_.-]{1,20})\](?!:)")
_CARET = re.compile(r"\^\[?(\d{1,4}(?:[-–—]\d{1,4})?(?:,\s?\d{1,4}(?:[-–—]\d{1,4})?)*)\]?")
# A marker's text alone ("12", "[3-5]", "(1, 4)"): what a raised or linked number holds when it cites.
LABELS_ONLY = re.compile(r"^\s*[\[(]?\s*(\d{1,4}(?:\s*[-–—]\s*\d{1,4})?(?:\s*[,;]\s*\d{1,4}(?:\s*[-–—]\s*\d{1,4})?)*)"
                         r"\s*[\])]?\s*$")
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


def expand_labels(spec: str, limit: int = 50) -> list[str]:
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


def from_superscript(s: str) -> str:
    return s.translate(str.maketrans(_SUPERSCRIPTS + "⁻", "0123456789-"))


class Taken:
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
    taken = Taken(len(text), [(m.start, m.end) for m in found])

    def add(start: int, end: int, labels: list[str], kind: str) -> None:
        if labels and not taken.overlaps(start, end):
            found.append(Marker(start, end, labels, kind))
            taken.add(start, end)

    for m in _SUP_TAG.finditer(text):
        add(m.start(), m.end(), expand_labels(m.group(1)), "sup")
    for m in _FOOTNOTE.finditer(text):
        add(m.start(), m.end(), [m.group(1)], "footnote")
    for m in _REF_WORD.finditer(text):
        add(m.start(), m.end(), expand_labels(m.group(1)), "bracket")
    for m in _BRACKET.finditer(text):
        # "[1]" opening a line is an entry label, not a marker.
        if m.start() == 0 and len(text) > m.end() + 20:
            continue
        add(m.start(), m.end(), expand_labels(m.group(1)), "bracket")
    for m in _CARET.finditer(text):
        before = text[max(0, m.start() - 16):m.start()]     # a window: the whole prefix made it quadratic
        if before and _UNITS_BEFORE_EXPONENT.search(before):
            continue
        add(m.start(), m.end(), expand_labels(m.group(1)), "caret")
    for m in _UNISUP.finditer(text):
        before = text[max(0, m.start() - 16):m.start()]
        if not m.start() or before[-1].isspace() or is_exponent_context(before):
            continue
        add(m.start(), m.end(), expand_labels(from_superscript(m.group())), "unisup")
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
        labels = expand_labels(spec, limit=30)
        if labels:
            bare.append(Marker(m.start(), m.end(), labels, "bare", weak=weak))
    # "(1)" closing a clause: a marker where the reference list is numbered "(1)"-style or
    # plainly, decided like bare numbers (it may be an enumeration or a count otherwise).
    for m in _PAREN_NUM.finditer(text):
        if taken.overlaps(m.start(), m.end()) or m.start() == 0:
            continue
        labels = expand_labels(m.group(1), limit=30)
        if labels:
            bare.append(Marker(m.start(), m.end(), labels, "paren"))
    bare.sort(key=lambda mk: mk.start)
    return found, bare


CANDIDATE = {"bare", "paren"}      # markers decided for the whole document by accept_bare


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
            if mk.kind not in CANDIDATE:
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
    explicit = sum(1 for mk in sequence if mk.kind not in CANDIDATE)
    if style and known and style >= explicit:
        return run(True)
    return strong
