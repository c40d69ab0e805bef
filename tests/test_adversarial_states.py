"""Wrong states said with confidence, and one bad row that stops everything (issue 22).

Each test runs the attack as it was found, on real records (../shared/data/pubmed, served
by the local E-utilities server on 127.0.0.1, or read offline) and real articles
(tests/nightly_corpus.py, examples/articles, the PMC article set of ../shared/data/jats),
and asserts the outcome: nothing called resolved, new or absent that was not checked; a
degraded run says why and exits 3; one bad row, file or input costs only itself.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from audit.cli import EXIT_DEGRADED, EXIT_USER
from audit.cli import main as cli_main
from audit.config import load_config
from audit.corpus import corpus_files
from audit.history import History
from audit.models import FETCH_FAILED, NOT_FOUND, RESOLVED, UNRESOLVED
from audit.pipeline import audit_paths
from audit.pubmed.cache import RecordCache
from audit.pubmed.entrez import EntrezSource
from audit.reading.ingest import read_articles
from audit.storage import StoreError
from eutils_fixture import make_entrez_config, record_store, start_server
from nightly_corpus import corpus_articles, raw_records, write_config, write_corpus, write_records

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
ABSENT = "39999999"          # cited by examples/articles/nsclc-targeted-therapy.md; PubMed has no such record
LIMITS = dict(max_retries=1, timeout=2.0, request_deadline=2.0, retry_after_max=0.2,
              retry_wait_per_call=0.5, retry_wait_per_run=1.0)


@contextlib.contextmanager
def _served(**faults):
    """The local E-utilities server on the real records, with ``faults``; stopped afterwards."""
    srv = start_server(**faults)
    try:
        yield srv
    finally:
        srv.stop()


def _nightly(cfg: Path, monkeypatch, server=None) -> tuple[int, dict]:
    """``citeaudit nightly`` (in this process); its exit code and the run the history recorded."""
    if server is not None:
        monkeypatch.setenv("CITEAUDIT_EUTILS_URL", server.url)
    rc = cli_main(["nightly", "--config", str(cfg)])
    out = Path(load_config(str(cfg)).output.history_db)
    with History(out) as hist:
        return rc, hist.runs("nightly")[-1]


def _set_corpus(cfg: Path, **keys) -> Path:
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["corpus"].update(keys)
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    return cfg


def _same(a: dict, b: dict) -> bool:
    """Two reports of one audit, apart from the marks that differ by design between runs."""
    def strip(rep):
        rep = {k: v for k, v in rep.items() if k != "diff"}
        rep["findings"] = [{k: v for k, v in f.items() if k != "status"} for f in rep["findings"]]
        rep["problems"] = [{k: v for k, v in p.items() if k != "status"} for p in rep.get("problems") or []]
        return rep
    return strip(a) == strip(b)


def _report(out: Path, aid: str) -> dict:
    return json.loads((out / "articles" / aid / "report.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# An outage resolves nothing: references cited by DOI too


def _doi_records(n: int = 3) -> list:
    """Real records with a DOI, a year and an abstract (to cite by DOI alone)."""
    recs = [e.record for p, e in sorted(record_store().entries.items())
            if e.record.doi and e.record.year and e.record.journal and len(e.record.abstract or "") > 400]
    return recs[:n]


def _doi_article(recs) -> str:
    """Claims citing records by DOI only, each entry giving a wrong year (a finding tied to the reference)."""
    lines = ["# What the cited studies report", ""]
    for i, r in enumerate(recs, 1):
        lines += [f"A study reported on {r.title.rstrip('.')[0].lower() + r.title.rstrip('.')[1:]} [{i}].", ""]
    lines += ["## References", ""]
    for i, r in enumerate(recs, 1):
        lines.append(f"{i}. {r.first_author or 'Anon'} et al. {r.title} {r.journal}. {r.year - 7}. doi:{r.doi}")
    return "\n".join(lines) + "\n"


def test_an_outage_resolves_no_finding_of_a_reference_cited_by_doi(tmp_path, monkeypatch, capsys):
    recs = _doi_records()
    corpus = write_corpus(tmp_path / "corpus", {"by-doi": _doi_article(recs)})
    out = tmp_path / "out"
    # TTL 0: every run asks again, as once the cached answers have expired.
    cfg = write_config(tmp_path / "config.yaml", corpus, out, entrez={"cache_ttl_days": 0})

    with _served() as srv:
        rc1, run1 = _nightly(cfg, monkeypatch, srv)
    assert rc1 == 0 and not run1["summary"]["degraded"]
    with History(out / "history.sqlite") as hist:
        before = hist.run_findings(run1["run_id"])
    # Resolved through the DOI: findings of the references name the PMID their DOI resolved to.
    assert len({r["pmid"] for r in before} & {r.pmid for r in recs}) >= 2
    capsys.readouterr()

    with _served(fail_after=0) as dead:        # NCBI unreachable: every request 503
        rc2, run2 = _nightly(cfg, monkeypatch, dead)
    err = capsys.readouterr().err
    assert rc2 == EXIT_DEGRADED and "could not be fetched from NCBI" in err
    s2 = run2["summary"]
    assert s2["degraded"] and s2["resolved"] == 0 and s2["faults"]["fetch_failed"] == len(recs)
    rep = _report(out, "by-doi")
    assert {r["status"] for r in rep["references"]} == {FETCH_FAILED}
    assert all(r["pmid"] is None for r in rep["references"])            # nothing ties them to a PMID now
    with History(out / "history.sqlite") as hist:
        kept = {r["identity"] for r in hist.run_findings(run2["run_id"])}
    assert {r["identity"] for r in before} <= kept                      # carried, persisting
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["changes_full"]["resolved"] == [] and run_json["run"]["faults"]["fetch_failed"] == len(recs)
    assert "could not be fetched" in run_json["run"]["degraded_because"]

    # A re-check during the outage says the same; after recovery nothing is "new" again.
    with _served(fail_after=0) as dead:
        monkeypatch.setenv("CITEAUDIT_EUTILS_URL", dead.url)
        assert cli_main(["recheck", "by-doi", "--config", str(cfg)]) == EXIT_DEGRADED
    with History(out / "history.sqlite") as hist:
        rk = hist.runs("recheck")[-1]["summary"]
    assert rk["resolved"] == 0 and rk["degraded"]
    with _served() as srv:
        monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
        assert cli_main(["recheck", "by-doi", "--config", str(cfg)]) == 0
        with History(out / "history.sqlite") as hist:
            rk = hist.runs("recheck")[-1]["summary"]
        assert rk["new"] == 0 and not rk["degraded"]
        rc3, run3 = _nightly(cfg, monkeypatch, srv)
    assert rc3 == 0 and run3["previous_run_id"] == run1["run_id"]
    assert (run3["summary"]["new"], run3["summary"]["resolved"]) == (0, 0)


# ---------------------------------------------------------------------------------------------
# Absence only from a consistent answer


def _audit(srv, corpus: Path, cache: Path):
    cfg = load_config(None, env={})
    entrez = make_entrez_config(srv, cache, **LIMITS)
    cfg = dataclasses.replace(cfg, entrez=entrez, sources=dataclasses.replace(cfg.sources, enabled=False))
    source = EntrezSource(cfg.entrez, RecordCache(str(cache), cfg.entrez.cache_ttl_days))
    try:
        return audit_paths([corpus], source, cfg)
    finally:
        source.cache.close()


def _cached_absent(cache: Path) -> set[str]:
    with sqlite3.connect(cache) as con:
        return {p for (p,) in con.execute("SELECT pmid FROM records WHERE status='not_found'")}


@pytest.fixture
def examples(tmp_path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(EXAMPLES, folder)
    return folder


@pytest.mark.parametrize("warm", [False, True], ids=["cold-cache", "a-record-cached"])
@pytest.mark.parametrize("attack", ["empty_set", "wrong_pmids", "html_set", "no_pmid"])
def test_a_sick_server_whose_esearch_also_answers_count_0_makes_nothing_absent(attack, warm, examples, tmp_path):
    cache = tmp_path / "cache.sqlite"
    if warm:
        # A record known to exist is at hand: the empty answers are checked beside it (and fail too).
        rec = next(e for p, e in sorted(record_store().entries.items()) if p not in
                   {r.pmid for a in read_articles_all(examples) for r in a.references if r.pmid})
        with RecordCache(str(cache), 7) as c:
            c.put_many([(rec.record, rec.xml)])
    with _served(attack=attack, esearch_none=True) as srv:
        audits = _audit(srv, examples, cache)
        asked = srv.requests_for("efetch")
    refs = [r for a in audits for r in a.article.references if r.pmid]
    assert refs and asked
    assert [r for r in refs if r.status == NOT_FOUND] == []
    assert {r.status for r in refs} == {FETCH_FAILED}
    assert all(r.reason for r in refs)
    assert _cached_absent(cache) == set()
    # The same cache against a healthy server: every record cited by PMID comes back, the absent one is absent.
    cited = {r.pmid for r in refs}
    with _served() as srv:
        again = _audit(srv, examples, cache)
    status = {r.pmid: r.status for a in again for r in a.article.references if r.pmid in cited}
    assert len(cited) >= 10 and status == {p: NOT_FOUND if p == ABSENT else RESOLVED for p in cited}


def read_articles_all(folder: Path):
    return [a for f in sorted(folder.iterdir()) for a in read_articles(f)]


def test_an_absent_pmid_asked_alone_is_confirmed_beside_a_known_record(tmp_path):
    cache = tmp_path / "cache.sqlite"
    with _served() as srv:
        cfg = make_entrez_config(srv, cache, **LIMITS)
        with RecordCache(str(cache), 7) as c:
            src = EntrezSource(cfg, c)
            # Nothing known yet: an empty answer proves nothing, so the PMID is not called absent.
            assert src.fetch([ABSENT])[ABSENT].status == FETCH_FAILED
            known = next(iter(sorted(record_store().entries)))
            assert src.fetch([known])[known].status == RESOLVED
            # Now the empty answer is checked beside the known record, which comes back: consistent.
            got = src.fetch([ABSENT])[ABSENT]
            assert got.status == NOT_FOUND and "esearch does not list it" in got.reason
        checks = [r["ids"] for r in srv.requests_for("efetch") if ABSENT in r.get("ids", [])]
        assert checks[-1] == [known, ABSENT]
    assert _cached_absent(cache) == {ABSENT}


# ---------------------------------------------------------------------------------------------
# An empty corpus, a much smaller corpus, an empty folder


def test_an_empty_corpus_resolves_nothing_and_the_next_good_run_finds_nothing_new(tmp_path, data_dir, monkeypatch,
                                                                               capsys):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    mount = write_corpus(tmp_path / "mnt" / "articles", corpus_articles(data_dir))
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", mount / "*.md", out, offline=records)
    rc1, run1 = _nightly(cfg, monkeypatch)
    assert rc1 == 0 and run1["summary"]["findings"] > 0

    mount.rename(tmp_path / "mnt" / "gone")          # the mount is not there tonight
    capsys.readouterr()
    rc2, run2 = _nightly(cfg, monkeypatch)
    err = capsys.readouterr().err
    assert rc2 == EXIT_DEGRADED and "the corpus named no article file" in err
    s2 = run2["summary"]
    assert s2["articles"] == 0 and s2["resolved"] == 0 and s2["faults"] == {"corpus_empty": 1}
    assert s2["unchecked"] == run1["summary"]["new"]

    (tmp_path / "mnt" / "gone").rename(mount)
    rc3, run3 = _nightly(cfg, monkeypatch)
    assert rc3 == 0 and run3["previous_run_id"] == run1["run_id"]
    assert (run3["summary"]["new"], run3["summary"]["resolved"]) == (0, 0)


def test_a_corpus_much_smaller_than_the_last_is_degraded_and_a_small_change_is_not(tmp_path, data_dir, monkeypatch):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    arts = corpus_articles(data_dir)
    corpus = write_corpus(tmp_path / "corpus", arts)
    out = tmp_path / "out"
    cfg = _set_corpus(write_config(tmp_path / "config.yaml", corpus, out, offline=records), max_shrink=0.5)
    assert _nightly(cfg, monkeypatch)[0] == 0
    aside = tmp_path / "aside"
    aside.mkdir()
    for aid in ("alpha", "bravo", "delta"):                  # 4 -> 1 article: more than half gone
        (corpus / f"{aid}.md").rename(aside / f"{aid}.md")
    rc, run = _nightly(cfg, monkeypatch)
    assert rc == EXIT_DEGRADED and run["summary"]["resolved"] == 0 and run["summary"]["faults"] == {"corpus_shrank": 3}
    for aid in ("alpha", "bravo"):
        (aside / f"{aid}.md").rename(corpus / f"{aid}.md")   # 3 of 4: within the share, delta really removed
    rc, run = _nightly(cfg, monkeypatch)
    assert rc == 0 and not run["summary"]["degraded"] and run["summary"]["resolved"] > 0


def test_auditing_an_empty_folder_says_so(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    rc = cli_main(["audit", str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == EXIT_USER and err.count("\n") == 1 and "no article file" in err and str(tmp_path / "empty") in err


# ---------------------------------------------------------------------------------------------
# A search outage is said, not silent


def test_an_esearch_outage_is_degraded_and_the_report_says_search_failed(tmp_path, data_dir, monkeypatch, capsys):
    arts = corpus_articles(data_dir)
    # A study named with a marker that has no entry, and that no record held locally is about.
    arts["charlie"] = arts["charlie"].replace(
        "## References", "A trial published in the Lancet found that daily aspirin prevents hair loss in adults [9].\n\n"
                         "## References")
    corpus = write_corpus(tmp_path / "corpus", arts)
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", corpus, out)
    # Every ESearch answers 503; efetch is healthy, so every cited record resolves.
    with _served(fail_5xx_every=1, endpoints=("esearch",)) as srv:
        rc, run = _nightly(cfg, monkeypatch, srv)
    err = capsys.readouterr().err
    assert rc == EXIT_DEGRADED and "source search(es) failed" in err
    faults = run["summary"]["faults"]
    assert faults.get("search_failed", 0) >= 2 and "fetch_failed" not in faults
    rep = _report(out, "charlie")
    searches = [s for s in rep["sources"] if s["purpose"] == "identify"]
    assert len(searches) == 1 and searches[0]["status"] == "search_failed"
    assert searches[0]["note"].startswith("search failed") and "503" in searches[0]["note"]
    kinds = [f["kind"] for f in rep["findings"]]
    assert "search_failed" in kinds and "source_not_identified" not in kinds
    # delta's source was identified from the records held locally: that stands, and the lost queries are said.
    delta = _report(out, "delta")
    assert {f["kind"] for f in delta["findings"]} >= {"source_identified", "search_failed"}
    # The page's script shows the state instead of "No candidate record was found".
    assert "search_failed: 'search failed'" in (ROOT / "reports" / "static" / "article.js").read_text()

    # Searches answered again: the failed searches are not reused, the run is clean.
    with _served() as srv:
        rc, run = _nightly(cfg, monkeypatch, srv)
        assert srv.requests_for("esearch")
    assert rc == 0 and not run["summary"]["degraded"], run["summary"].get("faults")
    assert all(s["status"] != "search_failed" for a in ("charlie", "delta") for s in _report(out, a)["sources"])
    assert not any(f["kind"] == "search_failed" for a in ("charlie", "delta") for f in _report(out, a)["findings"])


# ---------------------------------------------------------------------------------------------
# The nightly never audits its own files


def test_a_corpus_glob_covering_the_reports_folder_does_not_audit_them(tmp_path, data_dir, monkeypatch):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    corp = write_corpus(tmp_path / "corp", corpus_articles(data_dir))
    out = corp / "out"
    cfg = write_config(tmp_path / "config.yaml", corp / "**", out, offline=records)
    rc1, run1 = _nightly(cfg, monkeypatch)
    rc2, run2 = _nightly(cfg, monkeypatch)                   # now corp/out holds reports, a history, a lock
    assert (rc1, rc2) == (0, 0)
    assert run1["summary"]["articles"] == run2["summary"]["articles"] == 4
    assert run2["summary"]["set_aside_own_files"] >= 10
    assert (run2["summary"]["new"], run2["summary"]["resolved"]) == (0, 0)
    # The same through a manifest line naming the reports folder.
    cfg_m = load_config(str(cfg))
    listed = corpus_files([str(corp / "**")], exclude=[str(out), cfg_m.output.history_db])
    assert sorted(Path(f).name for f in listed) == sorted(f"{a}.md" for a in corpus_articles(data_dir))


# ---------------------------------------------------------------------------------------------
# Own outputs are outputs


def test_a_tampered_or_cut_report_is_rewritten_and_never_read_as_the_run(tmp_path, data_dir, monkeypatch):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    corpus = write_corpus(tmp_path / "corpus", corpus_articles(data_dir))
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", corpus, out, offline=records)
    rc1, run1 = _nightly(cfg, monkeypatch)
    assert rc1 == 0
    written = {a: (out / "articles" / a / "report.json").read_bytes() for a in ("delta", "bravo")}
    index1 = json.loads((out / "run.json").read_text())["totals"]

    # delta: 50 findings made up, a planted fetch_failed among them; bravo: cut in half.
    rep = json.loads(written["delta"])
    assert rep["findings"]
    fake = dict(rep["findings"][0], kind="fetch_failed", severity="high", message="planted")
    rep["findings"] += [fake] * 50
    (out / "articles" / "delta" / "report.json").write_text(json.dumps(rep), encoding="utf-8")
    (out / "articles" / "bravo" / "report.json").write_bytes(written["bravo"][: len(written["bravo"]) // 2])

    rc2, run2 = _nightly(cfg, monkeypatch)
    assert rc2 == 0 and not run2["summary"]["degraded"] and run2["summary"]["scored"] == 0
    for aid, data in written.items():           # rewritten from the history: the same report, with its marks
        assert _same(json.loads((out / "articles" / aid / "report.json").read_bytes()), json.loads(data)), aid
    assert json.loads((out / "run.json").read_text())["totals"] == index1
    assert run2["summary"]["findings"] == run1["summary"]["findings"]
    rc3, run3 = _nightly(cfg, monkeypatch)                   # and the next one is clean too
    assert rc3 == 0 and not run3["summary"]["degraded"]


# ---------------------------------------------------------------------------------------------
# One bad row stays one bad row


def test_a_history_row_of_the_wrong_shape_costs_that_article_a_rescore(tmp_path, data_dir, monkeypatch, caplog):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    corpus = write_corpus(tmp_path / "corpus", corpus_articles(data_dir))
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", corpus, out, offline=records)
    assert _nightly(cfg, monkeypatch)[0] == 0
    with sqlite3.connect(out / "history.sqlite") as con:
        # alpha: its finding rows are JSON, but not rows; bravo: its stored audit is JSON, but not an audit.
        con.execute("""UPDATE article_state SET findings='{"not": "rows"}' WHERE article_id='alpha'""")
        con.execute("UPDATE article_state SET audit='[1, 2, 3]' WHERE article_id='bravo'")
    (out / "articles" / "bravo" / "report.json").unlink()   # so bravo's stored audit is read
    with caplog.at_level(logging.WARNING):
        rc, run = _nightly(cfg, monkeypatch)
    assert rc == 0 and run["summary"]["articles"] == 4
    with History(out / "history.sqlite") as hist:
        assert hist.scored_articles(run["run_id"]) == ["alpha", "bravo"]
        assert (run["summary"]["new"], run["summary"]["resolved"]) == (0, 0)
    assert "alpha" in caplog.text and "scored again" in caplog.text
    rc, run = _nightly(cfg, monkeypatch)                     # the rows were rewritten: nothing re-scored
    assert rc == 0 and run["summary"]["scored"] == 0


def test_a_garbled_record_cache_row_costs_one_refetch(examples, tmp_path, caplog):
    cache = tmp_path / "cache.sqlite"
    with _served() as srv:
        first = _audit(srv, examples, cache)
    ok = {r.pmid for a in first for r in a.article.references if r.status == RESOLVED}
    victim = sorted(ok)[0]
    with sqlite3.connect(cache) as con:
        con.execute("UPDATE records SET fields='{\"pmid\": [1, 2]' WHERE pmid=?", (victim,))
    with _served() as srv, caplog.at_level(logging.WARNING):
        again = _audit(srv, examples, cache)
        fetched = srv.fetched_ids()
    assert fetched == [victim]
    status = {r.pmid: r.status for a in again for r in a.article.references if r.pmid}
    assert {p for p, s in status.items() if s == RESOLVED} == ok and FETCH_FAILED not in status.values()
    assert "could not be read" in caplog.text
    with RecordCache(str(cache), 7) as c:
        assert c.get(victim).record.pmid == victim               # the row was replaced


def test_a_cache_path_naming_a_file_that_is_not_sqlite_is_refused(tmp_path, data_dir, monkeypatch, capsys):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    corpus = write_corpus(tmp_path / "corpus", corpus_articles(data_dir))
    typo = corpus / "alpha.md"                          # meant .../records.sqlite, typed an article
    before = typo.read_bytes()
    cfg = write_config(tmp_path / "config.yaml", corpus, tmp_path / "out")
    monkeypatch.setenv("CITEAUDIT_CACHE", str(typo))
    with _served() as srv:
        monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
        rc = cli_main(["nightly", "--config", str(cfg)])
        err = capsys.readouterr().err
        assert rc == EXIT_USER and err.count("\n") == 1 and f"{typo}: is not a SQLite file" in err
        rc = cli_main(["audit", str(corpus), "--out", str(tmp_path / "out2")])
        err = capsys.readouterr().err
        assert rc == EXIT_USER and err.count("\n") == 1 and "is not a SQLite file" in err
        assert srv.requests == []
    assert typo.read_bytes() == before and not list(corpus.glob("*.corrupt-*"))
    with pytest.raises(StoreError):
        RecordCache(str(typo))
    assert typo.read_bytes() == before and records.is_dir()


def test_a_5000_digit_pmid_in_one_jats_article_is_that_references_error(tmp_path, data_dir):
    src = (data_dir / "jats" / "ncbiutils" / "pmc.xml").read_text(encoding="utf-8")
    whole = read_articles(data_dir / "jats" / "ncbiutils" / "pmc.xml")
    # The first reference whose only identifier is its PMID gets 5,000 digits instead.
    for m in re.finditer(r"<ref\b.*?</ref>", src, re.S):
        ref = m.group(0)
        if 'pub-id-type="pmid"' in ref and 'pub-id-type="doi"' not in ref and 'pub-id-type="pmc' not in ref:
            break
    else:
        pytest.fail("no reference with a PMID alone")
    bad = re.sub(r'(pub-id-type="pmid">)\d+(<)', r"\g<1>" + "7" * 5000 + r"\2", ref, count=1)
    f = tmp_path / "pmc.xml"
    f.write_text(src.replace(ref, bad, 1), encoding="utf-8")
    arts = read_articles(f)
    assert [a.id for a in arts] == [a.id for a in whole]                # every article of the set is read
    changed = [(a, b) for a, b in zip(whole, arts) for ra, rb in zip(a.references, b.references)
               if (ra.pmid, ra.status) != (rb.pmid, rb.status)]
    assert len(changed) == 1
    ref_b = next(r for r in changed[0][1].references if r.status == UNRESOLVED)
    assert ref_b.pmid is None and "is not a PMID" in ref_b.reason and "5,000 digits" in ref_b.reason
    # Offline, the whole file audits: that reference is unresolved, the others resolve as before.
    cfg = load_config(None, env={})
    from audit.pubmed.fetch import OfflineSource
    audits = audit_paths([f], OfflineSource({}), dataclasses.replace(
        cfg, sources=dataclasses.replace(cfg.sources, enabled=False)))
    assert len(audits) == len(whole) and not any(a.error for a in audits)
    assert any("is not a PMID" in x.message for a in audits for x in a.findings)
