"""Page chrome in copied text: which blocks are the site around the article, not the article.

A copied page keeps its toolbars, review badges, disclaimers and prompts.  Each
block is judged on its own from general signals (never from a section that a
heading opens, which once swallowed a whole answer after "Share this answer"):

* UI wording: phrases that sites of every kind put around content (share,
  sign in, cookies, last updated, disclaimer, was this helpful, ...);
* a site talking to its reader ("Help us ... your ..."), questions to "you";
* button-like or link-like lines: a few words with no sentence in them, dates,
  counts ("12 comments", "3 min read"), breadcrumbs ("Home › Health");
* position: short lines before the first or after the last block of prose;
* sentence shape: a block of full sentences is prose, and is set aside only
  when its own sentences carry the UI signals above.

A block with citation markers is never chrome.  Whatever is set aside is kept
(text, line and reason) for the report, so nothing disappears unseen.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from audit.scoring import mesh

# Wording that sites put around content, of any subject.  "Show more" and "Read more" are controls
# only where nothing follows them: "patients who attempt suicide show more hostility" is a finding.
_UI = re.compile(r"""(?ix)
    disclaimer | \bliabilit(y|ies)\b | \bliable\b | (medically\ |clinically\ )?reviewed\ (by|for)\b
  | editorial\ (polic|process|standards|team) | follow[- ]up\ questions? | \bpersonali[sz]e
  | last\ (updated|reviewed|modified|edited) | (updated|published|posted|answered|asked|edited)\ (on\ )?
      (\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|yesterday|today|\w+\ (days?|hours?|weeks?|months?|years?)\ ago)
  | review\ status | under\ review | pending\ (human\ )?review
  | (educational|informational)\ purposes?\ only | not\ (a\ substitute|intended\ to\ replace) | does\ not\ replace
  | \blicen[cs]ed\ under\b | creative\ commons | \bcookies?\b | \bsubscribe | \bnewsletter | sign\ (up|in)\b | \blog\ ?in\b | create\ (an\ )?account
  | privacy\ (policy|notice) | terms\ (of|and)\ (use|service|conditions) | all\ rights\ reserved | \bcopyright\b | ©
  | \badvertis(ement|ements|ing)\b | \bsponsored\b | \b(do|does)\ not\ endorse\b
  | can\ make\ mistakes | may\ (produce|display|contain|give)\ inaccurate | check\ important\ info
  | double-check\ (its\ |the\ )?(responses|answers|info) | share\ (this|on|via)\b | print\ this | was\ this\ (page\ |answer\ |article\ )?
      (helpful|useful) | (download|get)\ (our|the)\ app | skip\ to\ (main\ )?content | back\ to\ top
  | related\ (articles|questions|content|topics|posts|searches) | you\ (may|might)\ also\ (like|be\ interested)
  | more\ from\b | about\ the\ author | view\ (editorial|sources|all\ sources) | ask\ (any|a|another)\ (follow|question)
  | \b(add|post)\ (a\ )?(comment|reply|answer) | improve\ this\ (answer|question) | \bupvote | \bdownvote
  | \d+\ (min(ute)?s?\ read|comments?|replies|answers?|views?|likes?|shares?)\b | \b(read|show)\ (more|less)\b(?!\ +[a-z])
  | table\ of\ contents | (cite|share|save|print|copy)\ this\b | open\ in\ (a\ )?new\ (tab|window)
  | (accept|reject)\ all\b | \bfind\ a\ (doctor|location|clinic)\b | request\ an?\ appointment | call\ us\b
  | (chatgpt|assistant|copilot|gemini|claude)\ said\b | \byou\ said\b | \bregenerate\b | \bsources?\ ?·
""")
# One-word (or two-word) controls and labels: what a line that is only these is.
_CONTROLS = set("""
share print save copy copied cite email tweet pin like likes follow following unfollow reply replies report flag
edit delete upvote downvote vote votes answer answers comment comments subscribe login logout menu search close
home back next previous prev more less expand collapse download pdf sources source related regenerate retry
approved submitted pending rejected verified views view helpful feedback yes no thanks bookmark listen audio
advertisement sponsored ad ads top contents overview
""".split())
_WE = re.compile(r"(?i)\b(we|us|our)\b")
_YOU = re.compile(r"(?i)\b(you|your|yours)\b")
_DATE = re.compile(r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}\b|"
                   r"\b\d{1,2} (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}\b|"
                   r"\b\d{4}-\d\d-\d\d\b|\b\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?) ago\b")
_CRUMBS = re.compile(r"\S\s+(›|»|>|/|\||·|•|▸|▶|►|❯|→)\s+\S|\S(›|»|▸)\S")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_CHROME_HEADING = re.compile(r"(?i)disclaimer|follow[- ]up|related (articles|questions|content|topics)|"
                             r"you (may|might) also like|more from|about (us|the author)|\bshare\b|comments|"
                             r"newsletter|advertisement|sponsored|was this (helpful|useful)")


def is_chrome_sentence(s: str) -> bool:
    """A sentence with UI wording, or a site speaking to its reader ("Help us know you better")."""
    if _UI.search(s):
        return True
    return bool(_WE.search(s) and _YOU.search(s)) or (s.rstrip().endswith("?") and bool(_YOU.search(s)))


def is_chrome_heading(s: str) -> bool:
    """A heading that names a page part around the content ("Disclaimer", "Related articles")."""
    return bool(_CHROME_HEADING.search(s)) or is_chrome_sentence(s) or is_control_line(s)


def is_full_sentence(s: str) -> bool:
    s = s.strip().lstrip("*_#>• ")
    return len(s.split()) >= 3 and bool(_SENTENCE_END.search(s)) and (s[0].isupper() or s[0].isdigit()
                                                                       or s[0] in "\"'“‘(")


def is_control_line(s: str) -> bool:
    """A line that is a button, a label, a date, a count or a breadcrumb trail, not words to read."""
    t = s.strip()
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*|\d+", t)
    if not words:
        return bool(t) and len(t) <= 40        # icons, numbers, punctuation
    if _SENTENCE_END.search(t) and len(words) >= 4:
        return False
    low = [w.lower() for w in words]
    if len(words) <= 4 and all(w in _CONTROLS or w.isdigit() for w in low):
        return True
    if len(words) <= 8 and (_DATE.search(t) or _UI.search(t)):
        return True
    if len(words) <= 12 and len(_CRUMBS.findall(t)) >= 2 and not _SENTENCE_END.search(t):
        return True
    return False


@dataclass
class Judgement:
    chrome: bool
    reason: str = ""


def judge_blocks(blocks: list, has_markers: list[bool], headings: list[bool],
                 sentences: list[list[str]]) -> tuple[list[Judgement], int | None]:
    """Chrome or not, per block, and which block is the title or question (None: none is).

    ``sentences``: each block's sentences (its text when none).  Position is one
    signal among others: a short line before the first or after the last prose
    block is chrome unless it is the title or the question, and a prose block
    right under a chrome heading needs only one UI signal of its own.
    """
    n = len(blocks)
    flagged = [sum(1 for s in sents if is_chrome_sentence(s)) for sents in sentences]
    full = [sum(1 for s in sents if is_full_sentence(s)) for sents in sentences]
    content = [has_markers[i] or (not headings[i] and full[i] > 0 and flagged[i] == 0
                                  and not blocks[i].text.rstrip().endswith("?")) for i in range(n)]
    # With no prose at all there are no edges to speak of: position says nothing.
    first = next((i for i in range(n) if content[i]), -1)
    last = max((i for i in range(n) if content[i]), default=n)
    title = _title_index(blocks, has_markers, headings, flagged, first)
    out: list[Judgement] = []
    prev_chrome_heading = False
    for i, b in enumerate(blocks):
        text = b.text.strip()
        edge = i < first or i > last
        side = "before" if i < first else "after"
        if has_markers[i] or i == title:
            out.append(Judgement(False))
            prev_chrome_heading = False
            continue
        if headings[i]:
            if is_chrome_heading(text):
                out.append(Judgement(True, "page label or control"))
            elif edge:
                out.append(Judgement(True, f"short line {side} the content"))
            else:
                out.append(Judgement(False))
            prev_chrome_heading = out[-1].chrome and bool(_CHROME_HEADING.search(text) or is_chrome_sentence(text))
            continue
        if full[i] == 0:
            # no full sentence: a label, a control, a byline, or a short list item
            if is_control_line(text) or flagged[i]:
                out.append(Judgement(True, "page label or control"))
            elif (edge and len(text.split()) <= 8) or (i < first and b.kind != "item"):
                # before the content, text that holds no sentence is a title card, a byline or a
                # source card ("2017 ACC/AHA Guideline ... ahajournals · 2"), whatever its length
                out.append(Judgement(True, f"line with no sentence {side} the content"))
            else:
                out.append(Judgement(False))
        else:
            ratio = flagged[i] / max(1, len(sentences[i]))
            if ratio >= 0.5:
                out.append(Judgement(True, "site text (sentences about the page or its reader)"))
            elif flagged[i] and (prev_chrome_heading or edge):
                out.append(Judgement(True, "site text " + ("under a page-part heading" if prev_chrome_heading
                                                           else "at the edge of the content")))
            else:
                out.append(Judgement(False))
        prev_chrome_heading = False
    # A short line of text between two page controls (a reader comment between its byline and
    # "Reply · Like") belongs to them, not to the article.
    for i in range(1, n - 1):
        if out[i].chrome or i == title or has_markers[i] or headings[i] or full[i] > 1 \
                or len(blocks[i].text.split()) > 15:
            continue
        controls = [is_control_line(blocks[j].text) or flagged[j] > 0 for j in (i - 1, i + 1)]
        if out[i - 1].chrome and out[i + 1].chrome and all(controls):
            out[i] = Judgement(True, "short text between page controls")
    return out, title


def _title_index(blocks, has_markers, headings, flagged, first) -> int | None:
    """The page's title or question: its first level-1 heading, else the first line before the
    content that asks something or reads as a title (four words or more, not a control)."""
    for i, b in enumerate(blocks):
        if b.kind == "heading" and b.level == 1 and not is_chrome_heading(b.text):
            return i
    end = first if first >= 0 else len(blocks)
    for i in range(end):
        text = blocks[i].text.strip()
        if has_markers[i] or is_control_line(text):
            continue
        if flagged[i] or is_chrome_heading(text):
            # A patient's question speaks to the reader ("Can psoriasis affect your mental health?") as
            # a site's prompt does ("Have a follow-up question?"); the question names a condition.
            if text.endswith("?") and names_condition(text):
                return i
            continue
        if text.endswith("?") or (headings[i] and len(text.split()) >= 4):
            return i
    return None


def names_condition(text: str) -> bool:
    """Does the text name a disease, injury or mental disorder (MeSH C and F03)?"""
    m = mesh.load()
    for mt in mesh.find_terms(text, abbreviations=False):
        d = m.get(mt.ui)
        if d is not None and any(t.startswith(("C", "F03")) for t in d.trees):
            return True
    return False
