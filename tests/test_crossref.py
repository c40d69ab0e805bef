"""Crossref as a second record source, against the local stand-in serving real recorded Crossref answers.

The stand-in (tests/crossref_server.py) serves habanero's recorded answers byte for byte (the
PLOS ONE work with its `updated-by` correction, the plain-text 404, the 400 validation failure)
and works built in their shape for the DOIs of the shared PubMed records.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import pytest

from audit.config import CrossrefConfig, load_config
from audit.crossref.client import CrossrefCache, CrossrefSource, announced_rate, user_agent
from audit.models import CROSSREF_ONLY, FETCH_FAILED, NOT_FOUND, RESOLVED, UNRESOLVED
from audit.pipeline import audit_paths
from audit.crossref.beyond import attach
from audit.pubmed.fetch import OfflineSource, open_source
from audit.pubmed.records import load_records
from crossref_server import CrossrefServer
from eutils_fixture import RECORDS_DIR, eutils_server, make_entrez_config  # noqa: F401

PONE = "10.1371/journal.pone.0033693"       # recorded: updated-by a correction (source publisher)
PONE_REF = ("Sadasivan S, Pond BB, Pani AK, Qu C, Jiao Y, Smeyne RJ. Methylphenidate exposure induces dopamine "
            "neuron loss and activation of microglia in the basal ganglia of mice. PLoS One. {year};7(3):e33693. "
            "doi:{doi}")


@functools.lru_cache(maxsize=1)
def shared_records():
    return load_records([RECORDS_DIR])


@pytest.fixture
def crossref():
    srv = CrossrefServer(shared_records().values()).start()
    try:
        yield srv
    finally:
        srv.stop()


def crossref_cfg(server, tmp_path, **kw) -> CrossrefConfig:
    base = dict(base_url=server.url, cache_path=str(tmp_path / "crossref.sqlite"), backoff_base=0.005,
                backoff_max=0.02, timeout=2.0, request_deadline=5.0, with_offline_records=True,
                mailto="tests@example.org")
    base.update(kw)
    return CrossrefConfig(**base)


def run_cfg(server, tmp_path, **kw):
    cfg = load_config(None, env={})
    return dataclasses.replace(cfg, crossref=crossref_cfg(server, tmp_path, **kw))


def article(tmp_path: Path, refs: list[str], name: str = "a.md") -> Path:
    claims = "\n".join(f"Methylphenidate exposure caused dopamine neuron loss in mice [{i}]." for i in
                       range(1, len(refs) + 1))
    body = "# Methylphenidate and dopamine neurons in mice\n\n" + claims + "\n\n## References\n\n" + \
        "\n".join(f"{i}. {r}" for i, r in enumerate(refs, 1)) + "\n"
    p = tmp_path / "articles" / name
    p.parent.mkdir(exist_ok=True)
    p.write_text(body, encoding="utf-8")
    return p


def offline_source(cfg):
    """The shared records as --offline-records would give them (parsed once), with Crossref attached as open_source does."""
    return attach(OfflineSource(shared_records(), origin=str(RECORDS_DIR)), cfg, online=False)


def audit_offline(tmp_path, cfg, refs):
    path = article(tmp_path, refs)
    source = offline_source(cfg)
    (a,) = audit_paths([path], source, cfg)
    return a


def kinds(audit, ref_id="1"):
    return {f.kind: f for f in audit.findings if f.reference_id == ref_id}


# ---------------------------------------------------------------------------


def test_doi_only_reference_is_checked_against_its_recorded_crossref_work(crossref, tmp_path):
    cfg = run_cfg(crossref, tmp_path)
    a = audit_offline(tmp_path, cfg, [PONE_REF.format(year=2012, doi=PONE)])
    ref = a.article.references[0]
    assert ref.status == CROSSREF_ONLY, ref.reason
    assert ref.work.title.startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")
    assert ref.work.year == 2012 and ref.work.journal == "PLoS ONE" and ref.work.work_type == "journal-article"
    k = kinds(a)
    assert "unresolved_reference" not in k
    assert k["not_in_pubmed"].severity == "low" and "journal article" in k["not_in_pubmed"].message
    # The recorded `updated-by` is a correction: corrected (low, the notice linked), never retracted.
    assert "retracted" not in k
    assert k["corrected"].severity == "low"
    assert "10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda" in k["corrected"].message
    assert "metadata_mismatch" not in k
    # Polite pool: the contact address rides in the User-Agent.
    (req,) = [r for r in crossref.requests() if r["path"] == "/works/" + PONE]
    assert "mailto:tests@example.org" in req["user_agent"]


def test_doi_only_reference_with_a_wrong_year_is_a_metadata_mismatch(crossref, tmp_path):
    a = audit_offline(tmp_path, run_cfg(crossref, tmp_path), [PONE_REF.format(year=2009, doi=PONE)])
    k = kinds(a)
    assert k["metadata_mismatch"].severity == "medium"
    assert "2009" in k["metadata_mismatch"].message and "2012" in k["metadata_mismatch"].message


def test_crossref_404_is_unresolved_offline_and_not_found_when_pubmed_agrees(crossref, eutils_server, tmp_path):
    ref = PONE_REF.format(year=2012, doi="10.1371/notarealdoi")
    off = audit_offline(tmp_path, run_cfg(crossref, tmp_path), [ref])
    r = off.article.references[0]
    assert r.status == UNRESOLVED and "Crossref has no such DOI" in r.reason
    assert "unresolved_reference" in kinds(off)
    # Online: PubMed (the local E-utilities server) has no such DOI either, and says so.
    cfg = run_cfg(crossref, tmp_path / "online", with_offline_records=False)
    (tmp_path / "online").mkdir()
    cfg = dataclasses.replace(cfg, entrez=make_entrez_config(eutils_server, tmp_path / "entrez.sqlite"))
    source = open_source(cfg)
    (on,) = audit_paths([article(tmp_path / "online", [ref])], source, cfg)
    r = on.article.references[0]
    assert r.status == NOT_FOUND, r.reason
    assert kinds(on)["not_found"].severity == "high"
    assert "neither in PubMed nor at Crossref" in kinds(on)["not_found"].message


@pytest.mark.parametrize("fault", ["bad_request_first", "non_json_first"])
def test_400_and_non_json_answers_are_faults_never_absence(crossref, tmp_path, fault):
    crossref.set_faults(**{fault: 100})
    src = CrossrefSource(crossref_cfg(crossref, tmp_path), CrossrefCache(str(tmp_path / "c.sqlite")))
    res = src.fetch([PONE])[PONE]
    assert res.status == FETCH_FAILED, res
    assert src.stats()["retries"] == 0           # the same answer would come again
    # ... and nothing was cached as absent: the next healthy answer resolves it.
    crossref.set_faults(**{fault: 0})
    assert src.fetch([PONE])[PONE].status == RESOLVED


def test_fault_in_an_audit_ends_fetch_failed(crossref, tmp_path):
    crossref.set_faults(bad_request_first=100)
    a = audit_offline(tmp_path, run_cfg(crossref, tmp_path), [PONE_REF.format(year=2012, doi=PONE)])
    r = a.article.references[0]
    assert r.status == FETCH_FAILED and "HTTP 400" in r.reason
    assert "fetch_failed" in kinds(a) and "not_found" not in kinds(a)


def test_429_with_retry_after_is_waited_and_retried(crossref, tmp_path):
    crossref.set_faults(fail_429_first=2, retry_after="0.25")
    waits: list[float] = []
    src = CrossrefSource(crossref_cfg(crossref, tmp_path), None, sleep=waits.append)
    assert src.fetch([PONE])[PONE].status == RESOLVED
    s = src.stats()
    assert s["retries"] == 2 and s["http_status"] == {"429": 2, "200": 1}
    assert [w >= 0.25 for w in waits if w >= 0.1] == [True, True]


def test_5xx_then_success_and_trickle_cut_at_the_deadline(crossref, tmp_path):
    crossref.set_faults(fail_5xx_first=1)
    src = CrossrefSource(crossref_cfg(crossref, tmp_path), None)
    assert src.fetch([PONE])[PONE].status == RESOLVED
    crossref.set_faults(trickle=True, trickle_seconds=0.05)
    src = CrossrefSource(crossref_cfg(crossref, tmp_path, request_deadline=0.5, max_retries=1), None)
    res = src.fetch([PONE])[PONE]
    assert res.status == FETCH_FAILED and "deadline" in res.reason


def test_pace_follows_the_announced_limits(crossref, tmp_path):
    src = CrossrefSource(crossref_cfg(crossref, tmp_path, mailto=""), None)
    assert (src.pace.rate, src.pace.inflight_limit) == (5.0, 1)       # public pool, before any answer
    assert "mailto" not in user_agent("")
    src.fetch([PONE])
    assert src.pace.rate == 50.0 and src.pace.inflight_limit == 3        # x-ratelimit-limit 50 per 1s
    capped = CrossrefSource(crossref_cfg(crossref, tmp_path, requests_per_second=4.0), None)
    capped.fetch([PONE])
    assert capped.pace.rate == 4.0
    assert announced_rate({"x-rate-limit-limit": "50", "x-rate-limit-interval": "10s"}) == 5.0


def test_warm_cache_sends_no_request(crossref, tmp_path):
    cfg = run_cfg(crossref, tmp_path)
    audit_offline(tmp_path, cfg, [PONE_REF.format(year=2012, doi=PONE), PONE_REF.format(year=2012, doi="10.1/nope")])
    sent = len(crossref.requests())
    assert sent >= 2
    again = audit_offline(tmp_path, cfg, [PONE_REF.format(year=2012, doi=PONE), PONE_REF.format(year=2012, doi="10.1/nope")])
    assert len(crossref.requests()) == sent
    assert again.article.references[0].status == CROSSREF_ONLY


def test_citation_without_identifiers_found_by_query_bibliographic(crossref, tmp_path):
    ref = ("Lieber RL, Jacks TM, Mohler RL, et al. Growth hormone secretagogue increases muscle strength during "
           "remobilization after canine hindlimb immobilization. J Orthop Res. 1997;15(4):519-27.")
    a = audit_offline(tmp_path, run_cfg(crossref, tmp_path), [ref])
    r = a.article.references[0]
    assert r.status == CROSSREF_ONLY and r.work.doi == "10.1002/jor.1100150407", r.reason
    (q,) = [x for x in crossref.requests() if x["path"] == "/works"]
    assert "query.bibliographic" in q["params"]


def test_offline_runs_stay_offline_unless_configured(crossref, tmp_path):
    a = audit_offline(tmp_path, run_cfg(crossref, tmp_path, with_offline_records=False),
                      [PONE_REF.format(year=2012, doi=PONE)])
    assert a.article.references[0].status == UNRESOLVED
    assert crossref.requests() == []


def test_both_identifiers_naming_two_papers_is_identifier_mismatch(crossref, tmp_path):
    recs = shared_records()
    a_rec, b_rec = [recs[p] for p in sorted(recs) if re.fullmatch(r"10\.\d+/[\w./-]+", recs[p].doi or "")
                    and recs[p].authors][:2]
    ref = (f"{a_rec.authors[0]} A. {a_rec.title} {a_rec.journal_iso}. {a_rec.year}. "
           f"PMID: {a_rec.pmid}. doi:{b_rec.doi}")
    a = audit_offline(tmp_path, run_cfg(crossref, tmp_path), [ref])
    f = kinds(a)["identifier_mismatch"]
    assert f.severity == "high" and b_rec.doi in f.message and f"PMID {a_rec.pmid}" in f.message
