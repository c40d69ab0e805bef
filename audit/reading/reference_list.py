"""The reference list of an article read as lines of text (plain text, Markdown, a Word file's
typed list): footnote definitions, a trailing References section, or a trailing run of
numbered entries that read as citations, split into entries."""
from __future__ import annotations

import re

from audit.models import Reference
from audit.reading.author_year import starts_with_name
from audit.reading.chrome import is_chrome_heading
from audit.reading.references import YEAR_RE, find_identifiers, reference_from_entry, split_entry_label
from audit.reading.sentences import looks_like_heading

REF_HEADING = re.compile(r"(?i)^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*(references?|bibliography|sources|citations|"
                         r"works cited|literature cited|reference list|cited literature|footnotes)"
                         r"\s*(?:\*\*|__)?\s*:?\s*$")
MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FOOTNOTE_DEF = re.compile(r"^\s*\[\^([A-Za-z0-9_.-]{1,20})\]:\s*(.*)$")
_LINK_DEF = re.compile(r"^\s{0,3}\[(\d{1,4})\]:\s+(\S.*)$")


def _looks_like_citation(text: str) -> bool:
    return bool(find_identifiers(text) or re.search(r"https?://", text) or
                (YEAR_RE.search(text) and len(text.split()) >= 3))


def _looks_like_unheaded_citation(text: str) -> bool:
    """Stricter, for a numbered list with no References heading: a closing list of
    dated points ("1. Screening guidelines were revised in 2018.") is text, not a
    bibliography.  A citation there needs an identifier or a link, or the dotted
    shape of one ("Author A. Title. Journal. 2019;12:45.")."""
    if find_identifiers(text) or re.search(r"https?://", text):
        return True
    return bool(YEAR_RE.search(text)) and len(re.findall(r"\.\s+\S", text)) >= 2


def _whole_citation(line: str) -> bool:
    """A line that is a citation by itself: starts with a name, has a year and the dotted shape
    ("Smith JA, Doe B. Title. Journal. 2019;12:45." or "Smith, J. (2019). Title. Journal, 12, 45.")."""
    return starts_with_name(line) and _looks_like_unheaded_citation(line)


def take_references(lines: list[str]) -> tuple[list[str], list[Reference]]:
    """Split off the reference list: footnote definitions, a trailing References
    section, or a trailing run of numbered entries that read as citations."""
    entries: list[Reference] = []
    body = list(lines)
    # Markdown footnote definitions and numbered link definitions ("[1]: https://..."), wherever they are.
    for i, ln in enumerate(lines):
        m = _FOOTNOTE_DEF.match(ln) or _LINK_DEF.match(ln)
        if m:
            raw = m.group(2)
            j = i + 1
            while j < len(lines) and lines[j].startswith(("    ", "\t")) and lines[j].strip():
                raw += " " + lines[j].strip()
                body[j] = ""
                j += 1
            entries.append(reference_from_entry(m.group(1), raw, i + 1))
            body[i] = ""
    # Candidates: the sections under the last few reference headings, and a trailing
    # run of numbered entries with no heading.  The one with the most entries that read
    # as citations wins ("Sources" over a page's source cards, near the top, is not the
    # reference list at its foot).
    candidates: list[tuple[int, list[int], list[Reference]]] = []
    for heading in [i for i in range(len(body) - 1, -1, -1) if REF_HEADING.match(body[i])][:3]:
        end = len(body)
        for j in range(heading + 1, len(body)):
            s = body[j].strip()
            if MD_HEADING.match(body[j]) or (s and not _entry_start(s) and _chrome_heading(s)):
                end = j
                break
        found = _entries([(j + 1, body[j]) for j in range(heading + 1, end)])
        cited = sum(1 for r in found if _looks_like_citation(r.raw))
        if found and 2 * cited >= len(found):
            candidates.append((cited, list(range(heading, end)), found))
    run: list[int] = []
    for i in range(len(body) - 1, -1, -1):
        s = body[i].strip()
        if not s:
            continue
        label, rest = split_entry_label(s)
        if label is None or not _looks_like_unheaded_citation(rest):
            break
        run.append(i)
    run.reverse()
    if run and (len(run) >= 2 or find_identifiers(body[run[0]])):
        found = _entries([(i + 1, body[i]) for i in run])
        candidates.append((sum(1 for r in found if _looks_like_citation(r.raw)) - 0.5, run, found))
    if candidates:
        _, lines_used, found = max(candidates, key=lambda c: c[0])
        entries.extend(found)
        for j in lines_used:
            body[j] = ""
    return body, entries


def _entry_start(s: str) -> bool:
    return split_entry_label(s)[0] is not None or bool(re.match(r"^[•\-*+–·]\s+", s))


def _chrome_heading(s: str) -> bool:
    return looks_like_heading(s, False) and is_chrome_heading(s)


def _entries(section: list[tuple[int, str]]) -> list[Reference]:
    """Entries of a reference section: numbered ones, else bullets or paragraphs in order."""
    # label, line, text pieces (joined once at the end: appending to a growing string made a
    # long run of continuation lines quadratic)
    items: list[tuple[str | None, int, list[str]]] = []
    numbered = any(split_entry_label(ln.strip())[0] is not None for _, ln in section if ln.strip())
    # An unnumbered list written one entry a line, with no blank line between (APA, Vancouver): a
    # line that reads as a whole citation starts an entry, where the lines mostly do.
    plain = [ln.strip() for _, ln in section if ln.strip() and not re.match(r"^[•\-*+–·]\s+", ln.strip())]
    whole = [_whole_citation(ln) for ln in plain]
    per_line = not numbered and sum(whole) >= 2 and 2 * sum(whole) >= len(plain)
    for lineno, ln in section:
        s = ln.strip()
        if not s:
            if not numbered and items and items[-1][2]:
                items.append((None, 0, []))            # paragraph break between unlabelled entries
            continue
        label, rest = split_entry_label(s)
        bullet = re.match(r"^[•\-*+–·]\s+", s)
        if label is not None and numbered:
            items.append((label, lineno, [rest]))
        elif bullet and not numbered:
            items.append((None, lineno, [s[bullet.end():]]))
        elif per_line and _whole_citation(s):
            items.append((None, lineno, [s]))
        elif items and items[-1][2]:
            items[-1][2].append(s)
        else:
            items.append((None, lineno, [s]))
    out: list[Reference] = []
    seen: set[str] = set()
    for pos, (label, lineno, pieces) in enumerate([it for it in items if it[2]], start=1):
        txt = " ".join(pieces)
        lab = label or str(pos)
        if lab in seen:
            continue
        seen.add(lab)
        txt = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1 \2", txt)   # keep a link's target for its ids
        out.append(reference_from_entry(lab, txt, lineno))
    return out
