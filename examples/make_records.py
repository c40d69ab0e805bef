"""Rebuild examples/records/ from the real PubMed XML in ../shared/data/pubmed.

The example articles cite only PMIDs whose real NLM records are in that folder;
this copies those records (unchanged, one <PubmedArticle> each) into one
efetch-style answer and writes SOURCES.md naming the file each came from.
Run: python examples/make_records.py [SHARED_DATA_DIR]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from audit.pubmed.records import split_articles, wrap_article_set

HERE = Path(__file__).resolve().parent


def cited_pmids() -> list[str]:
    pmids: set[str] = set()
    for f in (HERE / "articles").iterdir():
        text = f.read_text(encoding="utf-8")
        pmids |= set(re.findall(r"PMID:?\s*(\d{6,9})", text))
        pmids |= set(re.findall(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{6,9})", text))
    return sorted(pmids)


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared" / "data"
    wanted = set(cited_pmids())
    # DOIs and titles cited without a PMID resolve to these records too.
    wanted |= {"23415808", "26162689", "25371200"}
    found: dict[str, tuple[bytes, Path]] = {}
    for f in sorted((data / "pubmed").rglob("*.xml*")):
        for pmid, xml in split_articles(f.read_bytes(), str(f)):
            if pmid in wanted and pmid not in found:
                found[pmid] = (xml, f.relative_to(data))
    out = HERE / "records"
    out.mkdir(exist_ok=True)
    (out / "example-records.xml").write_bytes(wrap_article_set([found[p][0] for p in sorted(found)]))
    lines = ["# Records for the example articles", "",
             "Real PubMed/MEDLINE records (NLM data, PubMed terms and conditions), copied without change of",
             "content from the shared test data (`shared/data/`; its README names the public repository and",
             "commit of each file). Rebuilt by `python examples/make_records.py`.", "",
             "| PMID | taken from |", "| --- | --- |"]
    lines += [f"| {p} | `{found[p][1]}` |" for p in sorted(found)]
    missing = sorted(wanted - set(found))
    if missing:
        lines += ["", "Cited but deliberately absent (to show an unresolved reference offline): "
                  + ", ".join(missing)]
    (out / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(found)} records written; absent: {missing}")


if __name__ == "__main__":
    main()
