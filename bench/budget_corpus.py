"""The corpus the request-budget test and benchmark audit: every real record cited, plus PMIDs that do not exist.

Articles of ``per_article`` claims, each claim one cited record's own title
(a sentence of its own with its marker) and a numbered reference list of
PMIDs: every PubMed XML record of ``shared/data/pubmed`` is cited once, and
``missing`` PMIDs that PubMed does not hold (99999990+) are spread over the
first articles.  The articles are written from the real records; nothing in
them is made up but the nonexistent PMIDs, which are the point.
"""
from __future__ import annotations

from pathlib import Path

from audit.pubmed.records import load_raw_records, parse_records

MISSING_BASE = 99_999_990


def budget_corpus(records_dir: Path, folder: Path, per_article: int = 40, missing: int = 8) -> dict:
    """Write the articles; returns {"articles", "pmids", "missing": [...]}."""
    # The records a local E-utilities server over the folder serves (its PubMed XML).
    recs = {p: parse_records(x, p)[0] for p, x in load_raw_records([records_dir]).items()}
    absent = [str(MISSING_BASE + i) for i in range(missing)]
    real = sorted(recs, key=int)
    n_articles = -(-(len(real) + len(absent)) // per_article)
    chunks = [real[i * per_article:(i + 1) * per_article] for i in range(n_articles)]
    for i, p in enumerate(absent):               # one nonexistent PMID in each of the first articles
        chunks[i % n_articles].append(p)
    # Spill the overflow forward so no article cites more than per_article PMIDs.
    for i in range(n_articles - 1):
        while len(chunks[i]) > per_article:
            chunks[i + 1].insert(0, chunks[i].pop(-2 if chunks[i][-1] in absent else -1))
    folder.mkdir(parents=True, exist_ok=True)
    for i, pmids in enumerate(chunks):
        lines = [f"# Findings from the literature, part {i + 1}", ""]
        for j, p in enumerate(pmids):
            rec = recs.get(p)
            text = ((rec.title or rec.abstract[:200] or f"A result reported in {rec.journal or 'a journal'}")
                    if rec else "A result that no PubMed record reports").rstrip(". ")
            lines += [f"{text} [{j + 1}].", ""]
        lines += ["## References", ""] + [f"{j + 1}. PMID: {p}" for j, p in enumerate(pmids)]
        (folder / f"budget-{i + 1:02d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"articles": n_articles, "pmids": sum(len(c) for c in chunks), "missing": absent}
