"""Sentences and headings: where a sentence ends (markers right after its full stop stay
with it), and which short lines are headings rather than claims."""
from __future__ import annotations

import re

from audit.reading.blocks import Marker
from audit.reading.markers import Taken

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
    inside = Taken(len(text), [(m.start, m.end) for m in markers])
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
