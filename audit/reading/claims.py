"""Blocks of an article -> its main text, claims and references.

The format readers (``audit.reading.formats``) turn a file into ``Block``s whose
structural markers are already known; this does everything that is about the words,
the same way for every format: the markers written in the text, sentences, the chrome
a copied web page leaves (set aside, with why), and which labels each claim cites.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.models import Claim, Reference, SetAside
from audit.reading import author_year
from audit.reading.blocks import Block, Marker
from audit.reading.chrome import Judgement, is_chrome_sentence, judge_blocks
from audit.reading.markers import CANDIDATE, accept_bare, find_markers
from audit.reading.references import YEAR_RE
from audit.reading.sentences import looks_like_heading, split_sentences

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
        if words and not YEAR_RE.fullmatch(words[0]):
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
            has_explicit = any(m.kind not in CANDIDATE for m in inside)
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
        markers = [m for m in inside if m.kind not in CANDIDATE or id(m) in accepted]
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
