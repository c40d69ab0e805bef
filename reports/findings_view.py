"""Findings as a reviewer reads them: one problem per citation, in plain words.

The audit may raise several findings about one problem (a citation that is off
topic, only weakly supports its claim, and has suggested replacements).  This
module folds them into one *problem* after the findings are made; it decides
nothing: every finding keeps its kind and severity in report.json, and each
names the problem it was folded into.

A problem names its marker(s), quotes its claim (cut at a word boundary),
says in one sentence what is wrong and what to do, lists its other parts, and
keeps the full messages (MeSH tree numbers, scores) for a "details" disclosure.
Pure functions over the report.json dict.
"""
from __future__ import annotations

import re
from typing import Iterable

from audit import finding_kinds
from audit.finding_kinds import severity_rank
from audit.severity import HIGH

# Findings about a reference itself, not about one claim's use of it, hold for every marker of that
# reference (a retracted paper cited twice is one problem with two markers); what to do, one sentence
# per kind.  Both come from the registry of kinds (audit/finding_kinds.py).
REFERENCE_KINDS = finding_kinds.REFERENCE_KINDS

# "(C04.588.274.476.411.307)", "(B01.050.150.900.649.313.988.400.112.400.400)", "(C14)".
TREE = r"[A-Z]\d{2}(?:\.\d{3})*"
_TREE_PARENS = re.compile(rf"\s*\((?:{TREE})(?:\s*[,;/]\s*{TREE})*\)")
TREE_NUMBER = re.compile(rf"\b[A-Z]\d{{2}}\.\d{{3}}\b")
# Clauses that list scores and term lists: they stay in the details.
_DETAIL_CLAUSES = re.compile(
    r";\s*(?:shared terms|source's major MeSH topics|not found in the title or abstract|source has no MeSH"
    r"|judged|relevance|the claim's key terms)[^;]*(?=;|$)")
_RELEVANCE_ASIDE = re.compile(r"\s*\(though it matches the claim's words, relevance [\d.]+\)")
_CLAIM_ID = re.compile(r"\bClaim (c\d+)('s)?\b")
_SUBJECTS = re.compile(r"the source is about (?P<src>.+?); the article is about (?P<art>.+?) \((?P<axis>[\w ]+) differs\)")
_DRIFT = re.compile(r"the article is about (?P<art>.+?); the claim is about (?P<claim>.+?) \((?P<axis>[\w ]+) differs\)")

QUOTE_MAX = 140
TITLE_MAX = 110


def shorten(text: str, limit: int = QUOTE_MAX) -> str:
    """``text`` cut at the last word boundary before ``limit`` characters, with an ellipsis."""
    # Only the head can be shown: collapsing whitespace in all of a 20,000-marker claim, once per
    # finding, made a report quadratic in its markers.
    text = " ".join((text or "")[:4 * limit + 64].split())
    if len(text) <= limit:
        return text
    cut = text[:limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > limit // 2 else text[:limit]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "\u2026"


def plain(text: str) -> str:
    """A message or explanation without MeSH tree numbers and without its score and term lists."""
    text = _TREE_PARENS.sub("", text or "")
    text = _RELEVANCE_ASIDE.sub("", text)
    text = _DETAIL_CLAUSES.sub("", text)
    text = text.replace("check: ", "")
    text = re.sub(r"\s*\(cited by [^)]*\)", "", text)          # claim ids: the card names the marker
    return re.sub(r"\s+([.;,])", r"\1", " ".join(text.split()))


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "\u2026", "\"", "\u201d", "?", "!")) else text + "."


def what(f: dict, marker: str) -> str:
    """One sentence: what is wrong, in the reviewer's words."""
    msg = f.get("message") or ""
    kind = f.get("kind")
    m = _SUBJECTS.search(_TREE_PARENS.sub("", msg))
    if kind == "off_topic" and f.get("reference_id") and m:
        may = "may be" if f.get("severity") != HIGH else "is"
        return sentence(f"The cited paper {marker} {may} off the article's subject: it is about {m['src']}, "
                         f"the article about {m['art']}")
    d = _DRIFT.search(_TREE_PARENS.sub("", msg))
    if kind == "off_topic" and d:
        return sentence(f"The claim is about {d['claim']}, but the article is about {d['art']}")
    text = _CLAIM_ID.sub(lambda x: "The claim's" if x.group(2) else "The claim", msg)
    text = re.sub(r"(?<=[:;,] )The claim", "the claim", text)
    return sentence(plain(text))


def _order(findings: list[dict], idx: Iterable[int]) -> list[int]:
    return sorted(idx, key=lambda i: (severity_rank(findings[i].get("severity")), i))


def _markers_of_claims(claims: list[dict]) -> dict[str, list[str]]:
    return {c["id"]: [str(x) for x in c.get("citations") or []] for c in claims}


def group(report: dict) -> list[dict]:
    """Findings folded into problems: {key, findings (indexes, lead first), markers [[claim, ref]...]}."""
    findings = report.get("findings") or []
    claims = report.get("claims") or []
    cites = _markers_of_claims(claims)
    citing: dict[str, list[str]] = {}
    for c in claims:
        for lab in cites[c["id"]]:
            citing.setdefault(lab, []).append(c["id"])
    groups: dict[tuple, dict] = {}

    def put(key: tuple, i: int, markers: list[list[str]]) -> None:
        g = groups.setdefault(key, {"key": key, "findings": [], "markers": []})
        g["findings"].append(i)
        for mk in markers:
            if mk not in g["markers"]:
                g["markers"].append(mk)

    later = []
    # First the findings about references; a citation of a reference that has one joins it
    # (a retracted paper that is also off topic is one problem: replace the reference).
    for i, f in enumerate(findings):
        rid = f.get("reference_id")
        if rid is not None and f.get("kind") in REFERENCE_KINDS:
            rid, cid = str(rid), f.get("claim_id")
            put(("ref", rid), i, [[c, rid] for c in citing.get(rid, [])] or ([[cid, rid]] if cid else []))
    for i, f in enumerate(findings):
        cid, rid = f.get("claim_id"), f.get("reference_id")
        rid = str(rid) if rid is not None else None
        if rid is not None and f.get("kind") in REFERENCE_KINDS:
            continue
        if rid is not None and cid:
            put(("ref", rid) if ("ref", rid) in groups else ("cite", cid, rid), i, [[cid, rid]])
        elif rid is not None:
            put(("ref", rid), i, [])
        elif cid:
            later.append(i)
        else:
            put(("article", i), i, [])
    # A finding about the claim alone (it drifts, its source was not identified) joins the
    # problem of the claim's first citation that has one, else stands for the claim's markers.
    for i in later:
        cid = findings[i]["claim_id"]
        home = next((k for lab in cites.get(cid, []) for k in (("cite", cid, lab), ("ref", lab)) if k in groups), None)
        if home is not None:
            put(home, i, [])
        else:
            put(("claim", cid), i, [[cid, lab] for lab in cites.get(cid, [])])
    out = list(groups.values())
    for g in out:
        g["findings"] = _order(findings, g["findings"])
    out.sort(key=lambda g: (severity_rank(findings[g["findings"][0]].get("severity")), g["findings"][0]))
    return out


def _suggestions(report: dict, claim_id: str | None, ref_id: str | None) -> dict | None:
    """The records offered for a citation that does not support its claim, labelled honestly."""
    for s in report.get("sources") or []:
        if s.get("purpose") != "suggest" or s.get("claim_id") != claim_id or str(s.get("reference_id")) != str(ref_id):
            continue
        cands = s.get("candidates") or []
        if not cands:
            return None
        support = [c for c in cands if c.get("supports")]
        related = [c for c in cands if not c.get("supports")]
        return {"supporting": [_cand(c) for c in support], "related": [_cand(c) for c in related]}
    return None


def _cand(c: dict) -> dict:
    return {"pmid": c.get("pmid"), "title": shorten(c.get("title") or "", TITLE_MAX),
            "journal": c.get("journal") or "", "year": c.get("year"), "url": c.get("url")}


def problems(report: dict) -> list[dict]:
    """The report's problems, most severe first (see the module docstring)."""
    findings = report.get("findings") or []
    claims = {c["id"]: c for c in report.get("claims") or []}
    out = []
    for n, g in enumerate(group(report), 1):
        lead = findings[g["findings"][0]]
        cid = lead.get("claim_id") or next((mk[0] for mk in g["markers"]), None)
        labels = list(dict.fromkeys(mk[1] for mk in g["markers"]))
        marker = " ".join(f"[{x}]" for x in labels)
        claim = claims.get(cid) if cid else None
        parts = []
        for i in g["findings"][1:]:
            f = findings[i]
            if f.get("kind") == "suggested_sources":
                continue          # shown as the problem's suggestions
            parts.append({"finding": i, "kind": f.get("kind"), "severity": f.get("severity"), "text": what(f, marker)})
        ref_id = lead.get("reference_id") if lead.get("reference_id") is not None else (labels[0] if labels else None)
        sugg = _suggestions(report, cid, ref_id) if any(
            findings[i].get("kind") == "suggested_sources" for i in g["findings"]) else None
        pid = f"p{n}"
        out.append({
            "id": pid, "severity": lead.get("severity"), "kind": lead.get("kind"),
            "kinds": list(dict.fromkeys(findings[i].get("kind") for i in g["findings"])),
            "findings": g["findings"], "markers": g["markers"], "marker": marker,
            "claim_id": cid, "reference_id": str(ref_id) if ref_id is not None else None,
            "line": (claim or {}).get("line"),
            "quote": shorten((claim or {}).get("text") or ""),
            "what": what(lead, marker or "the cited paper"),
            "todo": finding_kinds.todo(lead.get("kind")),
            "parts": parts,
            "suggestions": sugg,
            "details": [findings[i].get("message") or "" for i in g["findings"]],
        })
    return out


def marker_severity(report: dict, probs: list[dict]) -> dict[tuple[str, str], str]:
    """(claim id, reference label) -> the most severe finding on that citation ("" when none)."""
    out: dict[tuple[str, str], str] = {}
    for p in probs:
        for cid, rid in p["markers"]:
            cur = out.get((cid, rid))
            if cur is None or severity_rank(p["severity"]) < severity_rank(cur):
                out[(cid, rid)] = p["severity"]
    return out


def changes(report: dict, probs: list[dict]) -> dict | None:
    """What changed since the previous audit (report["diff"]): new problems, how many are still
    present, and the findings fixed, each with its claim quoted (claims are matched by text)."""
    diff = report.get("diff")
    if diff is None:
        return None
    def dismissed(p: dict) -> bool:       # a reviewer's "false alarm" is neither new nor still present
        return (p.get("review") or {}).get("decision") == "dismissed"
    new = [{"problem": p["id"], "kind": p["kind"], "severity": p["severity"], "marker": p["marker"],
            "quote": p["quote"], "what": p["what"]} for p in probs if p.get("status") == "new" and not dismissed(p)]
    fixed = [{"kind": r.get("kind"), "severity": r.get("severity"), "marker": "",
              "quote": shorten(r.get("claim_text") or ""), "what": what(r, "the cited paper")}
             for r in diff.get("resolved") or []]
    fixed.sort(key=lambda x: (severity_rank(x["severity"]), x["quote"], x["what"]))
    return {"new": new, "persisting": sum(1 for p in probs if p.get("status") == "persisting" and not dismissed(p)),
            "fixed": fixed, "dismissed": sum(1 for p in probs if dismissed(p))}
