"""identifier_mismatch: a real identifier paired with another paper's title (the CITADEL pattern).

References are built from the real records of shared/data/pubmed by swapping titles between two
records: the authors, journal, year and PMID (or DOI) of one, the title of the other.  Every one must
be flagged high; no genuine reference of the labelled article set or of the PMC JATS articles may be.
"""
from __future__ import annotations

import functools
import re

import pytest

from audit.config import load_config
from audit.crossref.beyond import attach
from audit.identity import titles_differ
from audit.models import RESOLVED
from audit.pipeline import audit_paths
from audit.pubmed.fetch import OfflineSource
from audit.pubmed.records import load_records
from audit.reading.ingest import article_paths
from conftest import DATA
from eutils_fixture import RECORDS_DIR

PAIRS = 20


@functools.lru_cache(maxsize=1)
def records():
    return load_records([RECORDS_DIR])


def source(cfg):
    return attach(OfflineSource(records(), origin=str(RECORDS_DIR)), cfg, online=False)


def swap_pairs() -> list[tuple]:
    """Pairs of real records, each with authors, a DOI the reader keeps whole and a title of some length."""
    recs = [r for _, r in sorted(records().items()) if r.authors and r.journal_iso and r.year
            and re.fullmatch(r"10\.\d+/[\w./-]+", r.doi or "") and len(r.title.split()) >= 6
            and not r.title.startswith("[")]
    pairs = []
    for a, b in zip(recs[0::2], recs[1::2]):
        if titles_differ(a.title, b.title):
            pairs.append((a, b))
    return pairs[:PAIRS]


def entry(rec, title: str, ident: str) -> str:
    authors = ", ".join(f"{n} A" for n in rec.authors[:3]) + (", et al" if len(rec.authors) > 3 else "")
    return f"{authors}. {title.rstrip('.')}. {rec.journal_iso}. {rec.year}. {ident}"


def audit_refs(tmp_path, cfg, refs: list[str]):
    body = "# Notes\n\n" + "\n\n".join(f"Claim number {i} is stated here [{i}]." for i in range(1, len(refs) + 1))
    body += "\n\n## References\n\n" + "\n".join(f"{i}. {r}" for i, r in enumerate(refs, 1)) + "\n"
    p = tmp_path / "swapped.md"
    p.write_text(body, encoding="utf-8")
    (a,) = audit_paths([p], source(cfg), cfg)
    return a


@pytest.mark.parametrize("ident", ["pmid", "doi"])
def test_swapped_titles_are_all_identifier_mismatch_high(tmp_path, ident):
    pairs = swap_pairs()
    assert len(pairs) == PAIRS
    refs = [entry(a, b.title, f"PMID: {a.pmid}" if ident == "pmid" else f"doi:{a.doi}") for a, b in pairs]
    audit = audit_refs(tmp_path, load_config(None, env={}), refs)
    flagged = {}
    for f in audit.findings:
        if f.kind == "identifier_mismatch":
            flagged[f.reference_id] = f
    missed = [(i, refs[i - 1]) for i in range(1, len(refs) + 1) if str(i) not in flagged]
    assert not missed, missed
    assert all(f.severity == "high" for f in flagged.values())
    # The message names both papers: "PMID 123 is 'X'; the reference's title 'Y' is PMID 456".
    a, b = pairs[0]
    msg = flagged["1"].message
    assert f"is PMID {b.pmid}" in msg and a.title[:40] in msg and b.title[:40] in msg
    # Not also a metadata_mismatch on the same reference: one finding per problem.
    assert not [f for f in audit.findings if f.kind == "metadata_mismatch" and f.reference_id in flagged]


def test_genuine_references_are_not_flagged(tmp_path):
    pairs = swap_pairs()
    refs = [entry(a, a.title, f"PMID: {a.pmid}") for a, _ in pairs]
    audit = audit_refs(tmp_path, load_config(None, env={}), refs)
    assert all(r.status == RESOLVED for r in audit.article.references)
    assert [f for f in audit.findings if f.kind == "identifier_mismatch"] == []


def _flagged(paths, cfg) -> tuple[int, int]:
    audits = audit_paths(paths, source(cfg), cfg)
    refs = sum(len(a.article.references) for a in audits)
    return refs, sum(f.kind == "identifier_mismatch" for a in audits for f in a.findings)


def test_no_genuine_jats_reference_is_flagged():
    cfg = load_config(None, env={})
    refs, flagged = _flagged(article_paths([str(DATA / "jats")]), cfg)
    assert refs > 700
    assert flagged == 0


def test_no_reference_of_the_labelled_articles_is_flagged():
    """The labelled set's plants are wrong years, journals and invented titles (metadata_mismatch), none a
    second real paper: none of its references is an identifier_mismatch."""
    cfg = load_config(None, env={})
    refs, flagged = _flagged(article_paths([str(DATA / "articles" / "articles")]), cfg)
    assert refs > 150
    assert flagged == 0
