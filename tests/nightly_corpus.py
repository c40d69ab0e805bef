"""Small corpora for the nightly/re-check flow tests, built on real PubMed records.

Articles are markdown written from templates; every reference is a real PMID
from the NLM 2019 baseline sample in ../shared/data/pubmed.  ``retract``
turns a record's XML into what PubMed serves once the paper is retracted
(the way 8655018 in the same file is marked: a ``Retracted Publication``
type and a ``RetractionIn`` comment).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from audit.pubmed.records import load_raw_records, parse_records

BASELINE = "pubmed/baseline/pubmedsample19n0001.xml"

# Cardiology and critical-care records of the sample, none retracted.
PMIDS = ["8941094", "9505772", "9626910", "9861576", "9627170", "9575322", "9110943"]
NOTICE_PMID = "99999901"   # the made-up notice a retraction points to


def raw_records(data_dir: Path, pmids=PMIDS) -> dict[str, bytes]:
    raw = load_raw_records([data_dir / BASELINE])
    return {p: raw[p] for p in pmids}


def retract(xml: bytes, notice: str = NOTICE_PMID) -> bytes:
    text = xml.decode("utf-8")
    text = text.replace("</PublicationTypeList>",
                        '<PublicationType UI="D016441">Retracted Publication</PublicationType>'
                        "</PublicationTypeList>", 1)
    comment = (f'<CommentsCorrections RefType="RetractionIn"><RefSource>Notice</RefSource>'
               f'<PMID Version="1">{notice}</PMID></CommentsCorrections>')
    if "</CommentsCorrectionsList>" in text:
        text = text.replace("</CommentsCorrectionsList>", comment + "</CommentsCorrectionsList>", 1)
    else:
        text = text.replace("</MedlineCitation>", f"<CommentsCorrectionsList>{comment}"
                            "</CommentsCorrectionsList></MedlineCitation>", 1)
    out = text.encode("utf-8")
    rec = parse_records(out, "<retracted>")[0]
    assert rec.retracted and rec.retraction_notices == [notice]
    return out


def write_records(folder: Path, raw: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for pmid, xml in raw.items():
        (folder / f"{pmid}.xml").write_bytes(xml)
    return folder


def titles(data_dir: Path) -> dict[str, str]:
    return {p: parse_records(x, p)[0].title for p, x in raw_records(data_dir).items()}


def article_md(title: str, claims: list[tuple[str, list[str]]], refs: dict[str, str]) -> str:
    lines = [f"# {title}", ""]
    for text, labels in claims:
        marks = "".join(f" [{lab}]" for lab in labels)
        lines.append(f"{text.rstrip('.')}{marks}.")
        lines.append("")
    lines += ["## References", ""]
    for lab, pmid in refs.items():
        lines.append(f"{lab}. PMID: {pmid}")
    return "\n".join(lines) + "\n"


def claim_from_title(title: str) -> str:
    t = re.sub(r"[.:;]+\s*", " ", title).strip()
    return f"A study reported on {t[0].lower() + t[1:]}"


def corpus_articles(data_dir: Path) -> dict[str, str]:
    """article id -> markdown.  'alpha' and 'delta' share a record; 'bravo' cites 9627170."""
    t = titles(data_dir)
    def art(title, pmids, extra=()):
        refs = {str(i + 1): p for i, p in enumerate(pmids)}
        claims = [(claim_from_title(t[p]), [str(i + 1)]) for i, p in enumerate(pmids)]
        return article_md(title, claims + list(extra), refs)
    return {
        "alpha": art("Assessing the heart in coronary artery disease", ["8941094", "9505772"]),
        "bravo": art("Outcomes of critical illness", ["9861576", "9627170"]),
        "charlie": art("Spine and neck pain in adults", ["9575322", "9110943"]),
        "delta": art("Heart disease and viral infection", ["9626910", "8941094"],
                     [("Hepatitis C virus is linked to cardiomyopathy in later life", ["7"])]),
    }


def write_corpus(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for aid, text in articles.items():
        (folder / f"{aid}.md").write_text(text, encoding="utf-8")
    return folder


def write_config(path: Path, corpus: Path, out: Path, offline: Path | None = None, **sections) -> Path:
    cfg = {"corpus": {"paths": [str(corpus)]},
           "output": {"reports_dir": str(out), "history_db": str(out / "history.sqlite")},
           "entrez": {"requests_per_second": 100, "max_retries": 1, "backoff_base": 0.01,
                      "backoff_max": 0.05, "timeout": 5, "cache_ttl_days": 7, "email": "tests@example.org"}}
    if offline is not None:
        cfg["offline_records"] = [str(offline)]
    for k, v in sections.items():
        cfg.setdefault(k, {}).update(v) if isinstance(v, dict) else cfg.__setitem__(k, v)
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path
