"""Properties of the readers on generated pages.

* A block that carries a citation marker is never dropped: its labels reach a
  claim, whatever page chrome surrounds it.
* Nothing of the input vanishes: text not read as the article is in the
  set-aside list.
* Hostile shapes (deep nesting, unclosed tags, odd list numbers, long lines,
  walls of markers) end in an Article or a BadInputError, never another
  exception, and within a per-example deadline far above their normal time.
"""
from __future__ import annotations

import html
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.errors import BadInputError
from audit.reading.ingest import read_articles_bytes

PROPS = settings(max_examples=50, derandomize=True, database=None, deadline=timedelta(seconds=5),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

WORDS = ("statins aspirin patients risk stroke trial lower higher adults children cancer blood pressure "
         "diabetes outcomes mortality reduced increased dose weeks study cohort review evidence").split()
CHROME = ["Share this answer", "Share", "Print", "Copy link", "Sign in", "Subscribe to our newsletter",
          "Was this helpful?", "Last updated: March 3, 2025", "Related questions", "Advertisement",
          "Accept all cookies", "12 comments", "Reply · Like", "Home › Health › Heart", "Disclaimer",
          "Help us tailor your experience to you.", "Posted 2 days ago", "View sources", "Ask a follow-up question",
          "This content does not replace medical advice.", "© 2025 Example Health. All rights reserved."]

sentence = st.builds(lambda ws: " ".join(ws).capitalize(), st.lists(st.sampled_from(WORDS), min_size=5, max_size=14))


@st.composite
def pages(draw):
    """Blocks of a copied page: chrome lines and prose, some prose with markers [n]."""
    blocks, marked = [], {}
    label = 0
    for _ in range(draw(st.integers(2, 14))):
        if draw(st.booleans()):
            blocks.append(draw(st.sampled_from(CHROME)))
            continue
        sents = draw(st.lists(sentence, min_size=1, max_size=4))
        text = []
        for s in sents:
            if draw(st.integers(0, 2)) == 0:
                label += 1
                marked[str(label)] = s
                s = f"{s} [{label}]"
            # chrome words inside prose: a marker must still win
            if draw(st.integers(0, 5)) == 0:
                s = s + " " + draw(st.sampled_from(["Share this", "Sign in", "cookie", "Disclaimer"]))
            text.append(s + ".")
        blocks.append(" ".join(text))
    return blocks, marked


@PROPS
@given(pages(), st.sampled_from(["txt", "html"]))
def test_a_block_with_markers_is_never_dropped(page, fmt):
    blocks, marked = page
    if fmt == "txt":
        data = "\n\n".join(blocks).encode()
    else:
        data = ("<html><body><div class='x1'>" + "".join(f"<div class='c{i}'>{html.escape(b)}</div>"
                                                          for i, b in enumerate(blocks)) + "</div></body></html>").encode()
    (art,) = read_articles_bytes(data, f"page.{fmt}")
    cited = {lab: c.text for c in art.claims for lab in c.citations}
    for lab, sent in marked.items():
        assert lab in cited, (lab, sent, [s.text for s in art.set_aside])
        assert " ".join(sent.split()[:3]).lower() in cited[lab].lower()
    # and nothing vanished: each block is in the text or set aside
    kept = " ".join([art.text] + [s.text for s in art.set_aside])
    for b in blocks:
        assert " ".join(b.split()[:2]) in kept, b


# --------------------------------------------------------------------------
# Hostile shapes: crashes and time

TAGS = ["div", "span", "p", "section", "article", "main", "nav", "footer", "aside", "li", "ul", "ol", "table",
        "tr", "td", "sup", "a", "h1", "h2", "h3", "b", "i", "script", "details", "figure", "figcaption"]
ATTRS = ['', ' class="references"', ' class="share"', ' start="²"', ' start="' + "9" * 400 + '"',
         ' value="-３"', ' value="' + "1" * 300 + '"', ' href="#r1"', ' id="ref-12"', ' role="main"', ' hidden',
         ' aria-hidden="true"']


@st.composite
def hostile_html(draw):
    depth = draw(st.integers(0, 3000))
    inner = draw(st.lists(st.one_of(
        st.builds(lambda t, a, x: f"<{t}{a}>{x}", st.sampled_from(TAGS), st.sampled_from(ATTRS),
                  st.sampled_from(["Statins lower LDL [1].", "1", "[2-4]", "x", "&amp;", "&#x10FFFF;", "¹²",
                                   "References", ""])),
        st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
        st.text(max_size=30)), max_size=300))
    wrapper = draw(st.sampled_from(["div", "span", "li", "sup"]))
    return ("<html><body>" + f"<{wrapper}>" * depth + "".join(inner) + f"</{wrapper}>" * draw(st.integers(0, depth))
            ).encode("utf-8", "surrogatepass")


@settings(max_examples=40, derandomize=True, database=None, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_html())
def test_hostile_html_ends_in_an_article_or_bad_input_in_time(data):
    try:
        arts = read_articles_bytes(data, "hostile.html")
    except BadInputError as exc:
        assert exc.path == "hostile.html"
        return
    for art in arts:
        labels = {r.id for r in art.references}
        assert all(lab in labels for c in art.claims for lab in c.citations)


@st.composite
def hostile_text(draw):
    parts = draw(st.lists(st.one_of(
        st.just("Statins lower LDL in adults [1]. " * draw(st.integers(1, 400))),           # one long line
        st.just("Aspirin works " + "[1]" * draw(st.integers(1, 3000)) + "."),              # wall of markers
        st.just("\n".join(f"{i}. Smith J. Trial {i}. Lancet. 2019;1:{i}." for i in range(1, draw(st.integers(2, 800))))),
        st.just("¹²³⁴ ^1,2 [^a] [1-999] (1–3) 10^9 5 m^2 " * draw(st.integers(1, 50))),
        st.text(max_size=200)), min_size=1, max_size=6))
    return ("\n\n" if draw(st.booleans()) else " ").join(parts).encode("utf-8", "surrogatepass")


@settings(max_examples=40, derandomize=True, database=None, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_text(), st.sampled_from(["a.txt", "a.md"]))
def test_hostile_text_ends_in_an_article_or_bad_input_in_time(data, name):
    try:
        (art,) = read_articles_bytes(data, name)
    except BadInputError as exc:
        assert exc.path == name
        return
    labels = {r.id for r in art.references}
    assert all(lab in labels for c in art.claims for lab in c.citations)
