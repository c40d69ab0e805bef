"""The two HTML pages: a template, inlined CSS/JS, the data as a JSON island.

Pages are self-contained (no CDN, no network) and the only markup made from
article or PubMed data is the escaped <title>/<h1>; the script builds the rest
with createElement/textContent from the JSON island.  The Content-Security-Policy
allows exactly the inlined script and style by hash, so even a template bug
that let markup through could not run script.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from functools import lru_cache
from importlib import resources
from string import Template

from audit.printable import json_controls, printable

from . import findings_view
from .highlight import article_segments, numbers, shared_marks

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_island(data) -> str:
    """JSON safe to place between <script type="application/json"> tags."""
    text = json_controls(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str))
    for ch, esc in _JSON_ESCAPES.items():
        text = text.replace(ch, esc)
    return text


@lru_cache(maxsize=None)
def _asset(folder: str, name: str) -> str:
    return resources.files("reports").joinpath(folder, name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def csp(script: str, style: str) -> str:
    return ("default-src 'none'; "
            f"script-src {_sha256(script)}; style-src {_sha256(style)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def _render(template: str, title: str, data: dict, scripts: list[str], styles: list[str]) -> str:
    script = "\n".join(_asset("static", s) for s in scripts)
    style = "\n".join(_asset("static", s) for s in styles)
    # Neither asset may close its own element early; they are ours, but check.
    assert "</script" not in script.lower() and "</style" not in style.lower()
    return Template(_asset("templates", template)).substitute(
        csp=html.escape(csp(script, style), quote=False),
        title=html.escape(printable(title or ""), quote=True),
        style=style, script=script, data=json_island(data))


# ----------------------------------------------------------------------------
# article page


# A pair's highlights in its claim are looked for in this much of the claim, and for this many of
# its numbers: a claim of 20,000 markers has 20,000 pairs, and marking each over the whole claim
# would cost pairs x length.  Ordinary claims are far within both.
CLAIM_MARKS_MAX = 2000
CLAIM_NUMBERS_MAX = 50


def _pair_view(pair: dict, claim: dict | None, ref: dict | None, claim_nums: list[str]) -> dict:
    claim_text = ((claim or {}).get("text") or "")[:CLAIM_MARKS_MAX]
    abstract = (ref or {}).get("abstract") or ""
    terms = pair.get("shared_terms") or []
    unsupported = {str(n) for n in pair.get("unsupported_numbers") or []}
    nums = [n for n in claim_nums if n not in unsupported]
    in_abstract = [n for n in nums if shared_marks(abstract, [], [n])]
    return dict(pair,
                plain_explanation=findings_view.sentence(findings_view.plain(pair.get("explanation") or "")),
                claim_marks=shared_marks(claim_text, terms, in_abstract),
                abstract_marks=shared_marks(abstract, terms, in_abstract),
                title_marks=shared_marks((ref or {}).get("title") or "", terms, in_abstract))


def article_view(report: dict, verdicts: dict[tuple[str, str], str]) -> dict:
    """report.json plus what the page draws: text pieces and highlight offsets."""
    art = report.get("article") or {}
    claims = report.get("claims") or []
    claims_by_id = {c["id"]: c for c in claims}
    refs_by_id = {r["id"]: r for r in report.get("references") or []}
    segs, unplaced = article_segments(art.get("text") or "", claims, verdicts)
    view = {k: v for k, v in report.items() if k not in ("pairs",)}
    view["article"] = {k: v for k, v in art.items() if k != "text"}
    probs = report.get("problems")
    if probs is None:               # a report.json from before problems: fold its findings now
        probs = view["problems"] = findings_view.problems(report)
    # A marker is coloured by the most severe finding on its citation, not by the pair's verdict.
    sev = findings_view.marker_severity(report, probs)
    for sg in segs:
        if "r" in sg:
            sg["s"] = sev.get((sg["c"], sg["r"]), "")
    view["segments"] = segs
    view["marker_severity"] = [[c, r, v] for (c, r), v in sev.items()]
    view["changes"] = findings_view.changes(report, probs)
    view["drifts"] = [dict(d, plain_explanation=findings_view.sentence(findings_view.plain(d.get("explanation") or "")))
                      for d in report.get("drifts") or []]
    view["unplaced"] = unplaced
    nums: dict[str, list[str]] = {}          # a claim's numbers, found once for all its pairs
    for c in claims:
        nums[c["id"]] = numbers((c.get("text") or "")[:CLAIM_MARKS_MAX])[:CLAIM_NUMBERS_MAX]
    view["pairs"] = [_pair_view(p, claims_by_id.get(p["claim_id"]), refs_by_id.get(str(p["reference_id"])),
                                nums.get(p["claim_id"], []))
                     for p in report.get("pairs") or []]
    view["marker_verdicts"] = [[c, r, v] for (c, r), v in verdicts.items()]
    return view


def article_page(report: dict, verdicts: dict[tuple[str, str], str]) -> str:
    art = report.get("article") or {}
    title = art.get("title") or art.get("id") or "Article"
    return _render("article.html", title, article_view(report, verdicts),
                   ["common.js", "article.js"], ["report.css"])


def index_page(summary: dict) -> str:
    run = summary.get("run") or {}
    title = "citeaudit run" + (f" {run['run_id']}" if run.get("run_id") else "")
    return _render("index.html", title, summary, ["common.js", "index.js"], ["report.css"])
