"""Citation links read from a PDF, checked against a sample of citations read by hand.

``python -m bench.evaluation.pdf_links [NAME ...]`` (default: every PDF with a sample)

bench/data/reading_truth.json holds, per PDF of shared/data/pdf, in-text citations
read from the document itself (never from citeaudit's reader): the page, a short quote
of the sentence text just before the marker (other markers left out), the marker as
printed, the references it points to (numbers, or first author and year for
author-year styles) and, where the sentence holds other markers too, every reference
the sentence cites (``sentence_refs``).

For each sampled citation the claim holding the quote is looked up (on its page, or
the page before when the sentence starts there) and the reference entries its markers
link to are compared with the sample:

* right: the claim links every reference of the marker, and nothing the sentence does
  not cite;
* missing: a reference of the marker is not linked (or links a marker with no entry);
* extra: the claim also links an entry the sentence does not cite (or a label with no
  entry that the sentence does not cite);
* not found: no claim holds the quote (a sentence lost, cut or garbled in reading).

An entry is a numbered reference when its label is the number; an author-year one
when its text opens with the first author's family name and holds the year.

The last line is ``key=value`` figures.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from audit.models import Article, Claim, Reference
from audit.reading.ingest import read_article
from bench.evaluation.evaluate import default_data_dir

TRUTH = Path(__file__).resolve().parents[1] / "data" / "reading_truth.json"


def norm(text: str) -> str:
    """Letters and digits only, lower case, accents and ligatures folded: a quote is found
    whatever the line breaks, hyphenation, spacing and punctuation of the reading."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", text.lower())


@dataclass
class Outcome:
    page: int
    quote: str
    marker: str
    verdict: str                 # right | missing | extra | not found
    linked: list[str]            # the claim's links, as the entries' keys
    claim: str = ""


def _page_of(location: str) -> int | None:
    m = re.match(r"page (\d+)", location or "")
    return int(m.group(1)) if m else None


def find_claim(claims: list[Claim], page: int, quote: str) -> Claim | None:
    """The claim holding the quote on its page; else on the page before (a sentence that
    starts there); else on the page after."""
    q = norm(quote)
    holding = [c for c in claims if q in norm(c.text)]
    for p in (page, page - 1, page + 1):
        at = [c for c in holding if _page_of(c.location) == p]
        if at:
            return at[0]
    return None


def _entry_key(ref: Reference, author_year: bool) -> str:
    if not ref.in_list:
        return f"{ref.id} (no entry)"
    if not author_year:
        return ref.id
    return " ".join(ref.raw.split())[:60]


def _matches(ref: Reference, want, author_year: bool) -> bool:
    if not ref.in_list:
        return False
    if not author_year:
        return ref.id == str(want)
    raw = norm(ref.raw)
    return raw.startswith(norm(want["first_author"])) and str(want["year"]) in raw


def _listed_elsewhere(ref: Reference, sentence: list, author_year: bool) -> bool:
    """A marker of another citation of the sentence whose entry the list lacks: that
    citation's fault (it is missing there), not an extra link of this one."""
    return not ref.in_list and not author_year and ref.id in {str(w) for w in sentence}


def judge(art: Article, sample: dict, author_year: bool) -> Outcome:
    refs = {r.id: r for r in art.references}
    claim = find_claim(art.claims, sample["page"], sample["quote"])
    if claim is None:
        return Outcome(sample["page"], sample["quote"], sample["marker"], "not found", [])
    linked = [refs[lab] for lab in claim.citations if lab in refs]
    keys = [_entry_key(r, author_year) for r in linked]
    sentence = sample.get("sentence_refs", sample["refs"])
    if not all(any(_matches(r, w, author_year) for r in linked) for w in sample["refs"]):
        verdict = "missing"
    elif not all(any(_matches(r, w, author_year) for w in sentence) or _listed_elsewhere(r, sentence, author_year)
                 for r in linked):
        verdict = "extra"
    else:
        verdict = "right"
    return Outcome(sample["page"], sample["quote"], sample["marker"], verdict, keys, claim.text)


def is_author_year(samples: list[dict]) -> bool:
    return any(isinstance(w, dict) for s in samples for w in s["refs"])


def compare(art: Article, truth: dict) -> list[Outcome]:
    samples = truth.get("citations", [])
    ay = is_author_year(samples)
    return [judge(art, s, ay) for s in samples]


def summary(outcomes: list[Outcome]) -> dict:
    counts = {v: sum(o.verdict == v for o in outcomes) for v in ("right", "missing", "extra", "not found")}
    counts["sampled"] = len(outcomes)
    counts["accuracy"] = counts["right"] / max(1, len(outcomes))
    return counts


def load_truth() -> dict:
    return json.loads(TRUTH.read_text(encoding="utf-8"))["pdf"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="PDF file names (default: every PDF with a sample)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every citation that is not right")
    args = ap.parse_args(argv)
    truth = load_truth()
    names = args.names or sorted(n for n, t in truth.items() if t.get("citations"))
    total: list[Outcome] = []
    worst = 1.0
    for name in names:
        art = read_article(default_data_dir() / "pdf" / name)
        out = compare(art, truth[name])
        s = summary(out)
        worst = min(worst, s["accuracy"])
        total += out
        print(f"{name[:60]:60s} {s['right']}/{s['sampled']} = {s['accuracy']:.3f}  (missing {s['missing']}, "
              f"extra {s['extra']}, not found {s['not found']})")
        if args.verbose:
            for o in out:
                if o.verdict != "right":
                    print(f"    p{o.page} {o.marker!r} {o.verdict}: {o.quote!r} -> {o.linked} | {o.claim[:140]!r}")
    s = summary(total)
    print(f"pdf_link_accuracy={s['accuracy']:.4f} pdf_link_worst_file={worst:.4f} sampled={s['sampled']} "
          f"missing={s['missing']} extra={s['extra']} not_found={s['not found']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
