"""Where to draw things on the article page: claim spans, citation markers, shared terms.

Everything here is computed in Python so the page's script only turns ready
offsets into text nodes and <mark>/<button> elements; it never parses or
interprets article text, and the offsets are tested without a browser.
"""
from __future__ import annotations

import re
from typing import Iterable

# A reference label as markers write it: "3", "12a", "R12".
LABEL = r"[A-Za-z]{0,3}\d+[a-z]?"
_LIST = rf"{LABEL}(?:\s*[,;\u2013\u2014-]\s*{LABEL})*"
# "[1]", "[1, 3-5]", "[^2]" (markdown footnote), "(1,2)", "^1^", "<sup>1</sup>".
MARKER_RE = re.compile(
    rf"\[\^?(?:{_LIST})\]|(?<!\w)\((?:{_LIST})\)|\^(?:{_LIST})\^|<sup>(?:{_LIST})</sup>")
LABEL_RE = re.compile(LABEL)
NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*%?")
# How far past a claim's end a marker may sit and still belong to it ("... VTE. [1]").
_TRAIL = 40


def _normalised(text: str, strip_markers: bool) -> tuple[str, list[int]]:
    """Lower-cased text with whitespace collapsed (and markers removed), plus a map
    from each kept character to its offset in ``text``."""
    out: list[str] = []
    where: list[int] = []
    drop = set()
    if strip_markers:
        for m in re.finditer(rf"\s*(?:{MARKER_RE.pattern})", text):
            drop.update(range(m.start(), m.end()))
    space = False
    for i, ch in enumerate(text):
        if i in drop:
            continue
        if ch.isspace():
            space = True
            continue
        if space and out:
            out.append(" ")
            where.append(i - 1)
        space = False
        out.append(ch.lower())
        where.append(i)
    return "".join(out), where


class _Finder:
    """Finds a claim's text in the article when its offsets are missing or wrong."""

    def __init__(self, text: str):
        self.text = text
        self._views: dict[bool, tuple[str, list[int]]] = {}

    def _view(self, strip: bool) -> tuple[str, list[int]]:
        if strip not in self._views:
            self._views[strip] = _normalised(self.text, strip)
        return self._views[strip]

    def find(self, claim: str, after: int) -> tuple[int, int] | None:
        if not claim.strip():
            return None
        i = self.text.find(claim, after)
        if i < 0:
            i = self.text.find(claim)
        if i >= 0:
            return i, i + len(claim)
        needle = " ".join(claim.split()).lower()
        for strip in (False, True):
            hay, where = self._view(strip)
            start_at = next((k for k, w in enumerate(where) if w >= after), len(where))
            j = hay.find(needle, start_at)
            if j < 0:
                j = hay.find(needle)
            if j >= 0:
                return where[j], where[j + len(needle) - 1] + 1
        return None


def claim_spans(text: str, claims: Iterable[dict]) -> dict[str, tuple[int, int]]:
    """claim id -> (start, end) in ``text``; claims that cannot be placed are left out.

    Offsets from the parser are trusted when they fall inside the text; otherwise
    the claim's words are searched for.  Overlapping spans keep the earlier claim.
    """
    finder = _Finder(text)
    found: list[tuple[int, int, str]] = []
    cursor = 0
    for c in claims:
        s, e = c.get("start", -1), c.get("end", -1)
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
            hit = finder.find(c.get("text") or "", cursor)
            if hit is None:
                continue
            s, e = hit
        found.append((s, e, c["id"]))
        cursor = e
    spans: dict[str, tuple[int, int]] = {}
    last_end = 0
    for s, e, cid in sorted(found):
        if s < last_end:
            continue
        spans[cid] = (s, e)
        last_end = e
    return spans


def article_segments(text: str, claims: list[dict],
                     verdict: dict[tuple[str, str], str]) -> tuple[list[dict], list[str]]:
    """Cut the article text into pieces for the page.

    Each piece is {"t": text} (plain), {"t", "c": claim id} (claim text) or a
    citation marker {"t", "c", "r": reference label, "v": verdict} — with
    "x": 1 for a marker the text does not show (a range "1-3" hides "2", or the
    format dropped markers) and that the page adds after the claim.
    Returns the pieces and the ids of claims that could not be placed.
    """
    spans = claim_spans(text, claims)
    by_id = {c["id"]: c for c in claims}
    order = sorted(spans.items(), key=lambda kv: kv[1][0])
    segs: list[dict] = []
    pos = 0

    def plain(a: int, b: int) -> None:
        if b > a:
            segs.append({"t": text[a:b]})

    for idx, (cid, (s, e)) in enumerate(order):
        cites = list(dict.fromkeys(str(x) for x in by_id[cid].get("citations") or []))
        cited = set(cites)          # looked up once per marker: a set keeps a wall of markers linear
        next_start = order[idx + 1][1][0] if idx + 1 < len(order) else len(text)
        # A marker right after the claim's end (outside its span) still belongs to it.
        tail = re.match(rf"\s*(?:{MARKER_RE.pattern})", text[e:min(next_start, e + _TRAIL)])
        if tail and cites and any(lab in cited for lab in LABEL_RE.findall(tail.group(0))):
            e = e + tail.end()
        plain(pos, s)
        shown: set[str] = set()
        cur = s
        for m in MARKER_RE.finditer(text, s, e):
            labels = [(lm.start() + m.start(), lm.end() + m.start(), lm.group(0))
                      for lm in LABEL_RE.finditer(m.group(0))]
            if not any(lab in cited for _, _, lab in labels):
                continue
            if m.start() > cur:
                segs.append({"t": text[cur:m.start()], "c": cid})
            cur = m.start()
            for ls, le, lab in labels:
                if lab not in cited:
                    continue
                if ls > cur:
                    segs.append({"t": text[cur:ls], "c": cid})
                segs.append({"t": lab, "c": cid, "r": lab, "v": verdict.get((cid, lab), "missing")})
                shown.add(lab)
                cur = le
            if m.end() > cur:
                segs.append({"t": text[cur:m.end()], "c": cid})
            cur = m.end()
        if e > cur:
            segs.append({"t": text[cur:e], "c": cid})
        for lab in cites:
            if lab not in shown:
                segs.append({"t": lab, "c": cid, "r": lab, "v": verdict.get((cid, lab), "missing"), "x": 1})
                shown.add(lab)
        pos = e
    plain(pos, len(text))
    unplaced = [c["id"] for c in claims if c["id"] not in spans]
    return segs, unplaced


def _merge(ranges: list[tuple[int, int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def numbers(text: str) -> list[str]:
    """Numbers as written ("37.2", "6.5%", "822"), in order, without repeats."""
    seen: dict[str, None] = {}
    for m in NUMBER_RE.finditer(text or ""):
        seen.setdefault(m.group(0).rstrip("%"), None)
    return list(seen)


def shared_marks(text: str, terms: Iterable[str], nums: Iterable[str] = ()) -> list[list[int]]:
    """[start, end] ranges of ``text`` where a shared term or number occurs.

    Terms may be stems from the scorer ("thromboembol"), so a term matches at a
    word start and runs to the word's end.  Numbers must match whole.
    """
    if not text:
        return []
    ranges: list[tuple[int, int]] = []
    for term in {t.strip() for t in terms if t and len(t.strip()) >= 2}:
        for m in re.finditer(rf"(?<!\w){re.escape(term)}\w*", text, re.IGNORECASE):
            ranges.append(m.span())
    for n in {n for n in nums if n}:
        for m in re.finditer(rf"(?<![\w.]){re.escape(n)}%?(?![\d])(?!\.\d)", text):
            ranges.append(m.span())
    return _merge(ranges)
