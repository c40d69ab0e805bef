"""Numbers in claims and sources: values and ranges as written ("0·36", "12-18%"), told apart from labels\n("stage 3", "IL-6"), so a figure the claim states can be looked for in the cited abstract.\n"""
from __future__ import annotations

import re
from dataclasses import dataclass


# --------------------------------------------------------------------------- numbers

_NUM = r"\d+(?:[.,·]\d+)*"          # "0·36": the Lancet's decimal point
_RANGE = re.compile(rf"(?<![\w.])({_NUM})\s*(%|percent)?\s*(?:-|–|—|to|and)\s*({_NUM})\s*(%|percent)?(?![\w])")
_SINGLE = re.compile(rf"(?<![\w.\-–])({_NUM})\s*(%|percent)?(?![\w\-–])")
_LABEL_BEFORE = re.compile(r"(?:stage|type|grade|phase|class|version|figure|table|chapter|step|level|day|week|"
                           r"month|year|covid|sars-cov|il|cd)\s*-?\s*$", re.I)


def _label_before(text: str, at: int) -> bool:
    # The label ends right before the number: looking at the last few characters, not the whole
    # prefix, keeps a claim with thousands of numbers linear (a wall of markers and counts).
    return bool(_LABEL_BEFORE.search(text, max(0, at - 64), at))


def _value(s: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    s = s.replace(",", ".").replace("·", ".")
    try:
        return round(float(s), 4)
    except ValueError:
        return None


@dataclass(frozen=True)
class NumberMention:
    text: str                    # as written in the claim ("60-80%")
    values: tuple[float, ...]    # one value, or the two ends of a range


def claim_numbers(text: str) -> list[NumberMention]:
    """Numbers, ranges and percentages a claim states (labels like "stage 4" and years excluded)."""
    out: list[NumberMention] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(text):
        sep = text[m.end(1):m.start(3)].strip(" %percnt")
        if sep == "and":              # "between 30 and 40" in a claim is rare; "3 and 4 weeks" is a list
            continue
        a, b = _value(m.group(1)), _value(m.group(3))
        if a is None or b is None or _label_before(text, m.start()):
            continue
        out.append(NumberMention(m.group(0).strip(), (a, b)))
        taken.append(m.span())
    for m in _SINGLE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        v = _value(m.group(1))
        if v is None or _label_before(text, m.start()):
            continue
        if not m.group(2) and 1900 <= v <= 2099 and v == int(v):
            continue                  # a year
        out.append(NumberMention(m.group(0).strip(), (v,)))
    return out


def source_numbers(text: str) -> tuple[frozenset[float], frozenset[tuple[float, float]]]:
    vals: set[float] = set()
    ranges: set[tuple[float, float]] = set()
    for m in _RANGE.finditer(text):
        a, b = _value(m.group(1)), _value(m.group(3))
        if a is not None and b is not None:
            ranges.add((a, b))
    for m in re.finditer(_NUM, text):
        v = _value(m.group(0))
        if v is not None:
            vals.add(v)
    return frozenset(vals), frozenset(ranges)
