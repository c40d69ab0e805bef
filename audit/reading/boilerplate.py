"""The main content of an HTML page as a boilerplate-removal library sees it.

The HTML reader trusts the page's own structure first (``<main>``,
``<article>``, ``<nav>``/``<footer>``, reference lists, ``<sup>`` markers).
Pages saved from a browser are often ``<div>`` soup with no such structure;
there a maintained library judges which text is the page's content, and a block
the library leaves out (and that carries no citation marker) is set aside as
chrome, with its line, never dropped unseen.

Which library: ``reading.boilerplate`` in config.yaml.  jusText by default,
chosen by measuring trafilatura (three modes), jusText and readability-lxml on
the page corpus (``python -m bench.bench_reading`` prints the comparison):
only jusText kept every expected claim and let no chrome through there.  Its
judgement rests on an English stop-word list.  ``none`` turns it off.
"""
from __future__ import annotations

import re

# "trafilatura" runs it favouring precision: its default and recall modes keep the full-sentence
# excerpts of "Recent posts" and mailing-list lines that only it can tell from content.
LIBRARIES = ("trafilatura", "trafilatura-default", "trafilatura-recall", "justext", "readability", "none")
_WORD = re.compile(r"[^\W_]{2,}|\d+")


# Larger pages are judged by their structure alone: jusText's time grows faster than linearly
# on repeated paragraphs (0.3 s at 125 kB, 2.9 s at 500 kB, 12 s at 1 MB of one paragraph
# repeated), and a pasted page is rarely over 300 kB.
LIBRARY_MAX_CHARS = 500_000


def main_text(html: str, library: str) -> str | None:
    """The page's main text by ``library``; None when the library is off, the page too large,
    or the library finds nothing."""
    if library == "none" or not html.strip() or len(html) > LIBRARY_MAX_CHARS:
        return None
    from lxml.etree import LxmlError
    try:
        if library.startswith("trafilatura"):
            import trafilatura
            mode = {"trafilatura": {"favor_precision": True}, "trafilatura-recall": {"favor_recall": True}}
            return trafilatura.extract(html, include_comments=False, include_tables=True, include_links=False,
                                       deduplicate=False, **mode.get(library, {})) or None
        if library == "justext":
            import justext
            paras = justext.justext(html.encode("utf-8", "replace"), justext.get_stoplist("English"))
            return "\n".join(p.text for p in paras if not p.is_boilerplate) or None
        if library == "readability":
            from lxml import html as lxml_html
            from readability import Document
            summary = Document(html).summary(html_partial=True)
            return lxml_html.fromstring(summary).text_content() if summary.strip() else None
    except (ValueError, TypeError, AttributeError, LookupError, RecursionError, AssertionError, LxmlError):
        return None       # the library failed on this page: the page's structure alone decides
    raise ValueError(f"unknown boilerplate library {library!r} (one of {', '.join(LIBRARIES)})")


def _grams(text: str, n: int) -> list[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return [tuple(words)] if words else []
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


class MainContent:
    """Does a block's text belong to the library's main text?  (Most of its word triples are there.)"""

    def __init__(self, text: str):
        self.tri = set(_grams(text, 3))
        self.words = set(_WORD.findall(text.lower()))

    def holds(self, block_text: str) -> bool:
        grams = _grams(block_text, 3)
        if not grams:
            return True
        if len(grams) == 1 and len(grams[0]) < 3:       # one or two words: each must be there
            return all(w in self.words for w in grams[0])
        return sum(1 for g in grams if g in self.tri) >= 0.5 * len(grams)
