"""A record source written here, plugged into the pipeline `citeaudit audit` runs: the interface is all it takes.

``FakePubMed`` holds a few real records of the NLM 2019 baseline sample
(../shared/data/pubmed) and answers as an authority would: a record, "no such
record" for a PMID it does not hold (``can_say_not_found``), DOI -> PMID, a
citation -> PMID by the title written in it, and a look-up that failed.  An
article citing them is audited end to end by ``run_audit`` (what the CLI
calls) with the fake as its source; no other module is patched or touched.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Sequence

import pytest

from audit.config import Config, CrossrefConfig
from audit.models import NOT_FOUND, RESOLVED, FetchResult, Record, Reference
from audit.pipeline import run_audit
from audit.pubmed.citation_match import normalise_title
from audit.pubmed.local_index import LocalIndex
from audit.pubmed.records import load_records

BASELINE = "pubmed/baseline/pubmedsample19n0001.xml"
HELD = ["9626910", "9505772", "9627170", "10083987"]   # 10083987 has DOI 10.1007/BF03012541
ABSENT = "39999999"
DOWN_DOI = "10.9999/unreachable.1"


class FakePubMed:
    """A RecordSource (audit.record_source) over records in memory, logging what it is asked."""

    can_say_not_found = True
    can_search = False

    def __init__(self, records: dict[str, Record]):
        self.records = records
        self.lookup_failures: dict[str, str] = {}
        self.beyond = None
        self.asked: list[tuple[str, list[str]]] = []
        self.closed = False

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]:
        self.asked.append(("fetch", sorted(ids)))
        return {p: FetchResult(p, RESOLVED, self.records[p]) if p in self.records
                else FetchResult(p, NOT_FOUND, None, f"the fake holds no PMID {p}") for p in ids}

    def convert_ids(self, dois: Sequence[str], pmcids: Sequence[str]) -> dict[str, str]:
        self.asked.append(("convert_ids", sorted(dois) + sorted(pmcids)))
        by_doi = {r.doi.lower(): p for p, r in self.records.items() if r.doi}
        for d in dois:
            if d.lower() == DOWN_DOI:
                self.lookup_failures[d] = "the fake's identifier service did not answer"
        return {d: by_doi[d.lower()] for d in dois if d.lower() in by_doi}

    def match_citations(self, refs: Sequence[Reference]) -> dict[str, str]:
        self.asked.append(("match_citations", sorted(r.id for r in refs)))
        titles = {p: normalise_title(r.title) for p, r in self.records.items()}
        return {ref.id: p for ref in refs for p, t in titles.items() if t and t in normalise_title(ref.raw)}

    def known_records(self) -> list[Record]:
        return list(self.records.values())

    def search_index(self) -> LocalIndex:
        return LocalIndex(self.known_records())

    def stats(self) -> dict:
        return {"source": "fake", "records": len(self.records), "calls": len(self.asked)}

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake(data_dir) -> FakePubMed:
    records = load_records([data_dir / BASELINE])
    return FakePubMed({p: records[p] for p in HELD})


def _article(folder: Path, fake: FakePubMed) -> Path:
    r = fake.records
    folder.mkdir()
    text = f"""# Outcomes after cardiac surgery and intensive care

Hepatitis C virus infection was associated with heart diseases in a multicenter study in Japan [1].

Early extubation after coronary artery bypass grafting did not increase myocardial ischaemia [2].

Complete airway obstruction was reported during anaesthesia [3].

Patients with sepsis and septic shock had poor outcomes after ICU treatment [4].

Statins prevent all cardiac events after surgery [5].

Beta blockers were studied after bypass surgery [6].

## References

1. PMID: 9626910
2. {r['9505772'].first_author} P, et al. {r['9505772'].title} {r['9505772'].journal_iso}. {r['9505772'].year}.
3. doi:10.1007/BF03012541
4. PMID: 9627170
5. PMID: {ABSENT}
6. doi:{DOWN_DOI}
"""
    (folder / "cardiac.md").write_text(text, encoding="utf-8")
    return folder


def test_a_source_written_in_a_test_audits_an_article_end_to_end(fake, tmp_path):
    cfg = dataclasses.replace(Config(), crossref=CrossrefConfig(enabled=False))
    articles = _article(tmp_path / "articles", fake)
    out = tmp_path / "out"
    summary = run_audit([articles], out, cfg, source=fake)
    rep = json.loads((out / "articles" / "cardiac" / "report.json").read_text(encoding="utf-8"))
    refs = {r["id"]: r for r in rep["references"]}

    # Each question went to the fake, and its answers decided every reference.
    assert {k: (refs[k]["status"], refs[k]["pmid"]) for k in "1234"} == {
        "1": (RESOLVED, "9626910"),            # by PMID
        "2": (RESOLVED, "9505772"),            # by the title in the citation text (match_citations)
        "3": (RESOLVED, "10083987"),           # by DOI (convert_ids)
        "4": (RESOLVED, "9627170")}
    assert refs["1"]["title"] == fake.records["9626910"].title
    # Its "no such record" is an authority's word: not_found, high, with its reason ...
    assert refs["5"]["status"] == NOT_FOUND and "the fake holds no PMID" in refs["5"]["reason"]
    kinds = {(f["kind"], f["reference_id"]): f["severity"] for f in rep["findings"]}
    assert kinds[("not_found", "5")] == "high"
    # ... and a look-up it says failed is a fault of this run, not a missing paper.
    assert refs["6"]["status"] == "fetch_failed" and "did not answer" in refs["6"]["reason"]
    assert ("fetch_failed", "6") in kinds and ("not_found", "6") not in kinds

    # Every PMID of the run in one fetch; identifiers and citations asked once each.
    assert fake.asked[:3] == [("convert_ids", ["10.1007/BF03012541", DOWN_DOI]),
                              ("match_citations", ["0:2"]),
                              ("fetch", sorted(["9626910", "9627170", ABSENT, "9505772", "10083987"]))]
    # It cannot search: the source search ran offline, in a local index of the records it holds.
    searches = rep["sources"]
    assert searches and {s["mode"] for s in searches} == {"offline"}
    found = {p for s in searches for q in s["queries"] for p in q["found"]}
    assert found and found <= set(HELD)
    # Its stats are the run's record-source stats; nothing was asked of E-utilities.
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))["run"]
    assert run["source"]["source"] == "fake" and run["entrez_requests"] == 0
    assert summary["fetch_failed"] == run["fetch_failed"] == 1 and summary["degraded"]
    # The pipeline closes only what it opened: a source it was given stays the caller's.
    assert not fake.closed
