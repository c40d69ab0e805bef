"""Citation links read from JATS, checked against ground truth derived from the files on their own.

``python -m bench.evaluation.jats_links [JATS_DIR]`` (default: shared/data/jats)

The ground truth does not use the reader: lxml parses each file, and for every
``<article>`` (every one of a PMC article set) it takes

* the reference list: each ``<ref>`` of ``<back>``, known by its line;
* each citation: every ``<xref ref-type="bibr">`` in the body and the floats
  (tables, figures, their captions), its targets from ``rid`` (a range written
  in one xref, "44–46", and two xrefs joined by a dash, "[4]–[7]", run through
  the list), and its context: up to six words just before it in its sentence
  (or after it, when it opens the sentence), inside its paragraph, caption or
  table row.

A link (context, reference) is found when a claim of the reader cites that
reference and holds the context words in order; a claim's citation is right
when some ground-truth link to that reference has its context in the claim.
The last line is ``key=value`` figures: reference recall, link recall and
precision over every article, and the ``uncited_reference`` findings the reader
would raise for references the ground truth shows cited.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from lxml import etree

# Words of two or more characters, or numbers: single letters are mostly initials ("[A. A. 34]").
_WORD = re.compile(r"[a-z0-9]{2,}|\d")
_ALPHA = re.compile(r"[a-z]{2,}")
# A sentence ends at a stop after a word of two or more characters (not after an initial).
_STOP = re.compile(r"(?<=[A-Za-z0-9)\]][A-Za-z0-9)\]][.!?])\s+(?=[A-Z(\[])")
_RANGE = re.compile(r"^\s*[\[(]?\s*(\d{1,4})\s*[-–—]\s*(\d{1,4})\s*[\])]?\s*$")
_UNITS = {"p", "title", "td", "th", "list-item", "def", "term", "attrib"}
_DASHES = {"-", "–", "—"}


def _local(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _is_bibr(el) -> bool:
    return _local(el) == "xref" and el.get("ref-type") == "bibr"


def _pieces(el):
    """(kind, value) in document order: text, or an xref element standing where it is."""
    if _is_bibr(el):
        yield ("x", el)
        return
    if el.text and isinstance(el.tag, str):
        yield ("t", el.text)
    for c in el:
        if isinstance(c.tag, str) and _local(c) not in ("label", "fn", "disp-formula", "alternatives"):
            yield from _pieces(c)
        if c.tail:
            yield ("t", c.tail)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _context(before: str, after: str) -> tuple[str, ...]:
    """Up to six words right before the citation in its sentence, else right after it."""
    pieces = _STOP.split(" ".join(before.split())) if before.strip() else [""]
    head = pieces[-1]
    if not _ALPHA.search(head.replace("[x]", " ")) and len(pieces) > 1:
        head = pieces[-2]         # "...delivery. [2], [3]": a citation after the stop closes the sentence before
    words = _tokens(head)[-6:]
    if len(_ALPHA.findall(" ".join(words))) >= 2:
        return tuple(words)
    tail = _STOP.split(" ".join(after.split()))[0] if after.strip() else ""
    words2 = _tokens(tail)[:6]
    if len(_ALPHA.findall(" ".join(words2))) >= 2:
        return tuple(words2)
    return tuple(words or words2)


def _unit_of(x):
    el = x.getparent()
    while el is not None and _local(el) not in _UNITS:
        el = el.getparent()
    if el is not None and _local(el) in ("td", "th"):
        return el.getparent()          # a table row says one thing
    return el


def truth(article) -> dict:
    """Ground truth of one <article>: each ref's words, links (context, ref position), cited positions."""
    back = [c for c in article if _local(c) == "back"]
    refs = [r for b in back for r in b.iter() if _local(r) == "ref"]
    by_id = {r.get("id"): r for r in refs if r.get("id")}
    pos = {id(r): i for i, r in enumerate(refs)}
    parts = [c for c in article if _local(c) in ("body", "floats-group", "floats-wrap")]
    links: set[tuple[tuple[str, ...], int]] = set()
    outside = 0
    for el in article.iter():
        if _is_bibr(el) and not any(p in parts for p in el.iterancestors()):
            outside += 1
    units = []
    seen_units: set[int] = set()
    for part in parts:
        for x in part.iter():
            if _is_bibr(x):
                u = _unit_of(x)
                if u is not None and id(u) not in seen_units:
                    seen_units.add(id(u))
                    units.append(u)
    for unit in units:
        seq = list(_pieces(unit) if _local(unit) != "tr" else
                   (p for cell in unit for p in list(_pieces(cell)) + [("t", " ; ")]))
        for k, (kind, x) in enumerate(seq):
            if kind != "x":
                continue
            targets = [by_id[r] for r in (x.get("rid") or "").split() if r in by_id]
            shown = "".join(x.itertext())
            m = _RANGE.match(shown)
            if m and len(targets) == 1 and int(m.group(1)) < int(m.group(2)) <= int(m.group(1)) + 50:
                i = pos[id(targets[0])]
                targets = refs[i:i + int(m.group(2)) - int(m.group(1)) + 1]
            # "[4]–[7]": this xref closes a run opened by the xref before the dash
            if k >= 2 and seq[k - 1][0] == "t" and seq[k - 1][1].strip() in _DASHES and seq[k - 2][0] == "x":
                prev = [by_id[r] for r in (seq[k - 2][1].get("rid") or "").split() if r in by_id]
                if prev and targets:
                    i, j = pos[id(prev[-1])], pos[id(targets[0])]
                    if i < j <= i + 50:
                        targets = refs[i:j + 1] + targets[1:]
            before = "".join(v if t == "t" else "[x]" for t, v in seq[:k])
            after = "".join(v if t == "t" else "[x]" for t, v in seq[k + 1:])
            ctx = _context(before, after)
            for r in targets:
                links.add((ctx, pos[id(r)]))
    texts = []
    for r in refs:
        cits = [c for c in r.iter() if _local(c) in ("mixed-citation", "element-citation", "citation",
                                                       "nlm-citation")] or [r]
        texts.append(_tokens(" ".join(t for t in _itertext_skip(cits[0], "label"))))
    return {"refs": texts, "links": links, "cited": {i for _, i in links}, "outside_body": outside}


def _itertext_skip(el, skip: str):
    if _local(el) == skip:
        return
    if el.text and isinstance(el.tag, str):
        yield el.text
    for c in el:
        if isinstance(c.tag, str):
            yield from _itertext_skip(c, skip)
        if c.tail:
            yield c.tail


def _contains(hay: list[str], needle: tuple[str, ...]) -> bool:
    if not needle:
        return True
    n = len(needle)
    first = needle[0]
    return any(hay[i] == first and tuple(hay[i:i + n]) == needle for i in range(len(hay) - n + 1))


def compare(path: Path) -> list[dict]:
    """Per article of the file: the counts behind recall and precision."""
    from audit.reading.ingest import read_articles
    from audit.config import ReadingConfig
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                             recover=False)
    root = etree.parse(str(path), parser).getroot()
    arts = [root] if _local(root) == "article" else [e for e in root.iter() if _local(e) == "article"]
    ours = read_articles(path, ReadingConfig(max_bytes=50_000_000))
    assert len(ours) == len(arts), (path, len(ours), len(arts))
    out = []
    for el, art in zip(arts, ours):
        t = truth(el)
        listed = [r for r in art.references if r.in_list]
        # The reader's i-th list entry is the file's i-th <ref> when it holds that ref's first words.
        same = [i < len(listed) and _contains(_tokens(listed[i].raw), tuple(words[:4]))
                for i, words in enumerate(t["refs"])]
        line_of = {r.id: i for i, r in enumerate(listed)}
        our_refs = set(range(len(listed)))
        claim_links = []
        for c in art.claims:
            toks = _tokens(c.text)
            for lab in c.citations:
                if lab in line_of:
                    claim_links.append((toks, line_of[lab]))
        by_ref: dict[int, list[list[str]]] = {}
        for toks, line in claim_links:
            by_ref.setdefault(line, []).append(toks)
        truth_by_ref: dict[int, list[tuple[str, ...]]] = {}
        for ctx, line in t["links"]:
            truth_by_ref.setdefault(line, []).append(ctx)
        found = sum(1 for ctx, line in t["links"] if any(_contains(h, ctx) for h in by_ref.get(line, [])))
        right = sum(1 for toks, line in claim_links if any(_contains(toks, ctx) for ctx in truth_by_ref.get(line, [])))
        cited_ours = {line_of[lab] for c in art.claims for lab in c.citations if lab in line_of}
        spurious_uncited = len((our_refs - cited_ours) & t["cited"])
        out.append({"file": str(path), "article": art.id, "refs": len(t["refs"]),
                    "refs_found": sum(same), "links": len(t["links"]), "links_found": found,
                    "claimed": len(claim_links), "claimed_right": right, "spurious_uncited": spurious_uncited,
                    "outside_body": t["outside_body"],
                    "missed": [(ctx, line) for ctx, line in t["links"]
                               if not any(_contains(h, ctx) for h in by_ref.get(line, []))][:5]})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("jats_dir", nargs="?", help="folder of JATS files (default: shared/data/jats)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print missed links")
    args = ap.parse_args(argv)
    if args.jats_dir:
        folder = Path(args.jats_dir)
    else:
        from bench.evaluation.evaluate import default_data_dir
        folder = default_data_dir() / "jats"
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".xml", ".nxml"))
    rows = [r for f in files for r in compare(f)]
    tot = {k: sum(r[k] for r in rows) for k in ("refs", "refs_found", "links", "links_found", "claimed",
                                                 "claimed_right", "spurious_uncited", "outside_body")}
    for r in rows:
        print(f"{r['article']:32s} refs {r['refs_found']}/{r['refs']}  links {r['links_found']}/{r['links']}  "
              f"right {r['claimed_right']}/{r['claimed']}  spurious_uncited {r['spurious_uncited']}")
        if args.verbose:
            for ctx, line in r["missed"]:
                print(f"    missed: ref #{line + 1}: {' '.join(ctx)}")
    rr = tot["refs_found"] / tot["refs"] if tot["refs"] else 1.0
    lr = tot["links_found"] / tot["links"] if tot["links"] else 1.0
    lp = tot["claimed_right"] / tot["claimed"] if tot["claimed"] else 1.0
    print(f"jats_files={len(files)} articles={len(rows)} references={tot['refs']} links={tot['links']} "
          f"reference_recall={rr:.4f} link_recall={lr:.4f} link_precision={lp:.4f} "
          f"spurious_uncited={tot['spurious_uncited']} xrefs_outside_body={tot['outside_body']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
