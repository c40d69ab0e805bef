"""One bad input stays one bad input: a hostile E-utilities server, hostile files, hostile text.

Each attack runs the real audit (``audit_paths``: read, resolve through
``EntrezSource`` and its cache, score, write the reports) on copies of the
bundled example articles, against the local E-utilities server serving the real
records of ../shared/data/pubmed with one of its attack modes on 127.0.0.1.
For each attack: the run ends within a bound, every article gets its report,
every reference leaves with an honest status and reason, nothing is cached as
absent that PubMed did not say was absent.  Limits are set small here (config
keys of the ``entrez`` section) so the whole file stays well under 30 s.
"""
from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import logging
import re
import shutil
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.config import load_config
from devtools.eutils_server import gzip_bomb
from audit.errors import ConfigError
from audit.models import FETCH_FAILED, NOT_FOUND, PENDING, REFERENCE_STATUSES, RESOLVED, UNRESOLVED
from audit.pipeline import audit_paths
from audit.pubmed.cache import RecordCache
from audit.pubmed.entrez import EntrezSource
from audit.pubmed.eutils_answers import read_efetch, read_search
from audit.transport import Refused, Retry
from audit.pubmed.fetch import OfflineSource, open_source
from eutils_fixture import RECORDS_DIR, eutils_factory, record_store  # noqa: F401
from eutils_fixture import make_entrez_config, start_server
from reports import csvout
from reports.writer import write_article_report, write_run_index

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
ABSENT = "39999999"           # cited by nsclc-targeted-therapy.md; PubMed (and the server) has no such record

# Small limits: each attack costs a second or two, not the production minutes.
LIMITS = dict(max_retries=2, timeout=2.0, request_deadline=0.6, retry_after_max=0.2,
              retry_wait_per_call=0.5, retry_wait_per_run=1.0, max_inflated_mb=4.0)


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(EXAMPLES, folder)
    return folder


def _run(srv, corpus: Path, out: Path, cache: Path, sources: bool = False, **limits):
    """The whole audit against ``srv``; returns (audits, seconds, source).

    The search for likely sources (audit.sources) is off unless asked: it only adds
    more of the same requests, and its time, to attacks on efetch.
    """
    record_store()                                     # parsed before the clock starts
    cfg = load_config(None, env={})
    entrez = make_entrez_config(srv, cache, **{**LIMITS, **limits})
    cfg = dataclasses.replace(cfg, entrez=entrez, sources=dataclasses.replace(cfg.sources, enabled=sources))
    source = EntrezSource(cfg.entrez, RecordCache(str(cache), cfg.entrez.cache_ttl_days))
    start = time.monotonic()
    audits = audit_paths([corpus], source, cfg)
    for a in audits:
        write_article_report(a, out)
    write_run_index(out, audits, {"source": source.stats()})
    return audits, time.monotonic() - start, source


def _refs(audits) -> dict[tuple[str, str], tuple[str, str]]:
    return {(a.article.id, r.id): (r.status, r.reason) for a in audits for r in a.article.references}


def _nothing_lost(audits, corpus: Path, out: Path) -> None:
    """Every article has its audit and report; every reference a final status with a reason."""
    assert sorted(Path(a.article.path).name for a in audits) == sorted(p.name for p in corpus.iterdir())
    for a in audits:
        assert (out / a.article.id / "report.json").is_file() or any(out.rglob(f"{a.article.id}/report.json"))
        for r in a.article.references:
            assert r.status in REFERENCE_STATUSES and r.status != PENDING, (a.article.id, r.id, r.status)
            if r.status != RESOLVED:
                assert r.reason, (a.article.id, r.id)
    rows = pd.read_csv(out / "findings.csv")
    assert len(rows) == sum(len(a.findings) for a in audits)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    """Statuses of the example references under a healthy server: what the attacks are compared with."""
    tmp = tmp_path_factory.mktemp("healthy")
    shutil.copytree(EXAMPLES, tmp / "articles")
    srv = start_server()
    try:
        audits, _, _ = _run(srv, tmp / "articles", tmp / "out", tmp / "cache.sqlite")
    finally:
        srv.stop()
    refs = _refs(audits)
    assert refs[("nsclc-targeted-therapy", "9")][0] == NOT_FOUND        # 39999999
    assert sum(1 for s, _ in refs.values() if s == RESOLVED) >= 12
    return refs


def _cached_absent(cache: Path) -> set[str]:
    c = RecordCache(str(cache), 7)
    try:
        return {p for p, e in c.get_many([str(n) for n in sorted(record_store().entries)] + [ABSENT]).items()
                if e.status == NOT_FOUND}
    finally:
        c.close()


def _asked_once(srv, endpoint: str) -> None:
    """No request to ``endpoint`` was repeated: nothing was retried."""
    asked = [(r["params"].get("id"), r["params"].get("term"), r["params"].get("WebEnv"),
              r["params"].get("retstart")) for r in srv.requests_for(endpoint)]
    assert asked and len(set(asked)) == len(asked), asked


# -- the efetch side ---------------------------------------------------------------------

@pytest.mark.parametrize("attack", ["empty_set", "wrong_pmids"])
def test_efetch_answers_without_the_asked_records_are_faults_not_absence(
        attack, healthy, eutils_factory, corpus, tmp_path):
    srv = eutils_factory(attack=attack)
    cache = tmp_path / "cache.sqlite"
    audits, took, _ = _run(srv, corpus, tmp_path / "out", cache, max_retries=1)
    assert took < 8
    _nothing_lost(audits, corpus, tmp_path / "out")
    refs = _refs(audits)
    by_key = {(a.article.id, r.id): r for a in audits for r in a.article.references}
    fault = "empty set" if attack == "empty_set" else "not asked for"
    for key, (status, _) in healthy.items():
        got, why = refs[key]
        if status == RESOLVED or by_key[key].pmid == ABSENT:
            # An answer with no record, or with others than asked, is a fault: nobody said
            # 39999999 is absent either (esearch still answers, but the efetch answer is no evidence).
            assert got == FETCH_FAILED, (key, got, why)
            if by_key[key].pmid:
                assert fault in why, why
            else:                     # a DOI or citation found by esearch, its record never came
                assert "could not be fetched" in why, why
        else:
            assert got == status, key
    # Nothing is cached as absent from a faulty answer; every record is asked again next run.
    assert _cached_absent(cache) == set()
    again, _, _ = _run(eutils_factory(), corpus, tmp_path / "out2", cache)
    assert {k: s for k, (s, _) in _refs(again).items()} == {k: s for k, (s, _) in healthy.items()}


@pytest.mark.parametrize("attack", ["trickle", "trickle_headers"])
def test_a_trickled_answer_ends_at_the_deadline(attack, healthy, eutils_factory, corpus, tmp_path):
    # One byte every 0.2 s (of the body, or of the status line and headers): every read
    # arrives well within the 2 s read timeout, so only the wall-clock deadline (0.4 s) can end it.
    srv = eutils_factory(attack=attack, trickle_seconds=0.2, endpoints=("efetch",))
    audits, took, source = _run(srv, corpus, tmp_path / "out", tmp_path / "cache.sqlite", max_retries=1,
                                request_deadline=0.4)
    efetches = len(srv.requests_for("efetch"))
    assert took < 3 + efetches * 0.6, (took, efetches)
    _nothing_lost(audits, corpus, tmp_path / "out")
    for a in audits:
        for r in a.article.references:
            if healthy[(a.article.id, r.id)][0] == RESOLVED:
                assert r.status == FETCH_FAILED, (r.id, r.status)
                assert "deadline exceeded" in r.reason or not r.pmid, r.reason
    assert source.stats()["failures"].get("deadline exceeded", 0) >= 1


def test_a_huge_retry_after_is_capped_and_budgeted(eutils_factory, corpus, tmp_path):
    srv = eutils_factory(fail_429_every=1, retry_after=100000)
    audits, took, source = _run(srv, corpus, tmp_path / "out", tmp_path / "cache.sqlite")
    stats = source.stats()
    # Waits never beyond the run budget (1 s), each at most retry_after_max (0.2 s).
    assert stats["retry_wait_s"] <= 1.0 + 1e-9
    assert took < 1.0 + 2.0
    assert stats["failures"].get("retry_budget", 0) >= 1
    _nothing_lost(audits, corpus, tmp_path / "out")
    statuses = {s for a in audits for r in a.article.references if r.pmid or r.doi for s in [r.status]}
    assert NOT_FOUND not in statuses and RESOLVED not in statuses
    log = srv.requests
    gaps = [b["time"] - a["time"] for a, b in zip(log, log[1:])]
    assert max(gaps) < 3                            # nobody waited 100000 s, nor 60 (waits are 0.2 s)


@pytest.mark.parametrize("attack", ["gzip_bomb", "gzip_bomb_encoding"])
def test_gzip_bombs_stop_at_the_inflated_ceiling(attack, eutils_factory, corpus, tmp_path):
    srv = eutils_factory(attack=attack, bomb_mb=32, endpoints=("efetch",))
    record_store()
    gzip_bomb(32)                                      # the server's bomb is made before the count starts
    tracemalloc.start()
    try:
        audits, took, _ = _run(srv, corpus, tmp_path / "out", tmp_path / "cache.sqlite")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 24 * 1024 * 1024, peak                 # the 32 MB never sat in memory
    assert took < 8
    _nothing_lost(audits, corpus, tmp_path / "out")
    pmid_refs = [r for a in audits for r in a.article.references if r.pmid]
    assert pmid_refs and all(r.status == FETCH_FAILED and "max_inflated_mb" in r.reason for r in pmid_refs)
    # The same answer would come again: each efetch asked once, not retried.
    _asked_once(srv, "efetch")
    assert all(r["attack"] == attack for r in srv.requests_for("efetch"))


def test_malformed_efetch_answer_is_not_retried(eutils_factory, corpus, tmp_path):
    srv = eutils_factory(attack="malformed_xml")
    audits, took, _ = _run(srv, corpus, tmp_path / "out", tmp_path / "cache.sqlite")
    assert took < 5
    _nothing_lost(audits, corpus, tmp_path / "out")
    pmid_refs = [r for a in audits for r in a.article.references if r.pmid]
    assert all(r.status == FETCH_FAILED and "malformed answer" in r.reason for r in pmid_refs)
    _asked_once(srv, "efetch")


def test_http_400_is_not_retried(eutils_factory, corpus, tmp_path):
    srv = eutils_factory(attack="http_400")
    audits, took, source = _run(srv, corpus, tmp_path / "out", tmp_path / "cache.sqlite")
    assert took < 5
    _nothing_lost(audits, corpus, tmp_path / "out")
    assert source.stats()["retries"] == 0
    looked_up = [r for a in audits for r in a.article.references if r.pmid or r.doi]
    assert looked_up and all(r.status == FETCH_FAILED and "HTTP 400" in r.reason for r in looked_up)


# -- the esearch side: Bio.Entrez must never act on these ---------------------------------

@pytest.mark.parametrize("attack", ["xxe", "entity_bomb", "no_doctype", "dtd_no_dot"])
def test_hostile_esearch_answers_are_refused_once(attack, healthy, eutils_factory, corpus, tmp_path):
    srv = eutils_factory(attack=attack)
    out = tmp_path / "out"
    audits, took, _ = _run(srv, corpus, out, tmp_path / "cache.sqlite", sources=True)
    assert took < 8
    _nothing_lost(audits, corpus, out)
    refs = _refs(audits)
    for a in audits:
        for r in a.article.references:
            status, why = refs[(a.article.id, r.id)]
            if r.doi and not r.pmid:                # the DOI search was refused: a fault, not "no record"
                assert status == FETCH_FAILED and "identifier search failed" in why, (r.id, why)
            elif r.pmid == ABSENT:                  # absence cannot be confirmed: not not_found
                assert status == FETCH_FAILED
            elif r.pmid:
                assert status == healthy[(a.article.id, r.id)][0] == RESOLVED
    # Refused, never retried: each esearch the run made was asked once.
    assert srv.requests_for("esearch") and all(r["attack"] == attack for r in srv.requests_for("esearch"))
    _asked_once(srv, "esearch")
    written = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert "root:" not in written and "lollol" not in written
    assert "PMID None" not in written                 # a failed DOI lookup has no PMID to name
    doi_failed = [f for a in audits for f in a.findings if f.kind == "fetch_failed" and not f.pmid]
    assert doi_failed and all("could not be fetched from NCBI (" in f.message and
                              ("search failed" in f.message or "match failed" in f.message) for f in doi_failed)


# -- hostile files ----------------------------------------------------------------------------

def _hostile_articles(folder: Path) -> list[Path]:
    digits = "7" * 5000
    files = {
        "ol-start-superscript.html": '<html><body><p>Aspirin lowers risk [1].</p><h2>References</h2>'
                                     '<ol start="\u00b2"><li>Smith J. A study. N Engl J Med. 2001;344:1-9.</li>'
                                     '</ol></body></html>',
        "li-value-digits.html": '<html><body><p>Aspirin lowers risk [1].</p><h2>References</h2><ol>'
                                f'<li value="{digits}">Smith J. A study. Lancet. 2001;344:1-9.</li></ol></body></html>',
        "pmid-digits.nxml": '<?xml version="1.0"?><article><front><article-meta><title-group><article-title>T'
                            '</article-title></title-group></article-meta></front><body><p>Aspirin lowers risk '
                            '<xref ref-type="bibr" rid="r1">1</xref>.</p></body><back><ref-list><ref id="r1">'
                            '<mixed-citation>Smith J. A study. <pub-id pub-id-type="pmid">' + digits +
                            '</pub-id></mixed-citation></ref></ref-list></back></article>',
        "binary.md": "\x00\x01\x02 not text \x00",
    }
    out = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        out.append(folder / name)
    return out


def test_a_hostile_article_is_its_own_error_and_the_others_are_audited(eutils_factory, corpus, tmp_path):
    bad = _hostile_articles(corpus)
    srv = eutils_factory()
    out = tmp_path / "out"
    audits, took, _ = _run(srv, corpus, out, tmp_path / "cache.sqlite")
    assert took < 10
    _nothing_lost(audits, corpus, out)
    by_name = {Path(a.article.path).name: a for a in audits}
    for p in EXAMPLES.iterdir():
        good = by_name[p.name]
        assert good.error is None and good.findings, p.name
    for p in bad:
        a = by_name[p.name]
        # Read (a reader that copes) or its own error naming the file: never the run's end.
        assert a.error is None or a.error.startswith(str(p)), a.error
    assert by_name["binary.md"].error.startswith(str(corpus / "binary.md"))
    run = json.loads((out / "run.json").read_text())
    assert run["totals"]["articles"] == len(audits)
    assert run["totals"]["errors"] == sum(1 for a in audits if a.error) >= 1


def test_bad_files_in_an_offline_records_folder_are_skipped_by_name(data_dir, corpus, tmp_path, caplog):
    folder = tmp_path / "records"
    folder.mkdir()
    good = ROOT / "examples" / "records" / "example-records.xml"
    shutil.copy(good, folder / "good.xml")
    (folder / "malformed.xml").write_bytes(b"<PubmedArticleSet><PubmedArticle>\n<MedlineCitation></Oops>"
                                           b"</PubmedArticle></PubmedArticleSet>\n")
    (folder / "bomb.xml.gz").write_bytes(gzip.compress(b"<PubmedArticleSet>" + b" " * (16 * 1024 * 1024), 9))
    (folder / "cut.xml.gz").write_bytes(gzip.compress(good.read_bytes())[:-40])
    (folder / "README.md").write_text("not records")
    (folder / "encoding.xml").write_bytes(b'<?xml version="1.0" encoding="U-F-8"?>\n<PubmedArticleSet/>\n')
    cfg = load_config(None, env={})
    cfg = dataclasses.replace(cfg, entrez=dataclasses.replace(cfg.entrez, max_inflated_mb=4.0))
    caplog.set_level(logging.WARNING)
    start = time.monotonic()
    source = open_source(cfg, [folder])
    audits = audit_paths([corpus], source, cfg)
    assert time.monotonic() - start < 10
    assert isinstance(source, OfflineSource)
    skipped = source.stats()["skipped_files"]
    bad = ("bomb.xml.gz", "cut.xml.gz", "encoding.xml", "malformed.xml")
    assert [s.split(":")[0] for s in skipped] == [str(folder / n) for n in bad]
    assert "max_inflated_mb" in skipped[0] and "cut short" in skipped[1] and "unknown encoding" in skipped[2]
    assert skipped[3].startswith(f"{folder / 'malformed.xml'}:2:")          # file and line
    for name in bad:
        assert str(folder / name) in caplog.text
    assert len(caplog.text.splitlines()) < 20                               # warnings, not tracebacks
    # The good file's records still serve the audit.
    assert source.records and all(a.error is None for a in audits)
    assert any(r.status == RESOLVED for a in audits for r in a.article.references)


# -- CSV ---------------------------------------------------------------------------------------

FORMULAS = ["=1+1", "+1+1", "-1+1+cmd|' /C calc'!A0", "-2+HYPERLINK(\"http://evil.example/\",\"x\")",
            "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "-5% mortality", "- item", "=", "-", "+"]
NUMBERS = ["-5", "+3", "3.25", "-1e3", "0", "8863847"]          # the pmid column: numbers only
LABELS = ["12%", "-7", "+2", "1", "-0.5", "3"]                  # reference ids that look like numbers


def test_csv_neutralises_every_formula_and_keeps_numbers():
    rows = [{"article_id": "a", "kind": k, "severity": "high", "claim_id": "c1",
             "reference_id": LABELS[i % len(LABELS)], "pmid": NUMBERS[i % len(NUMBERS)],
             "message": k, "claim_text": k} for i, k in enumerate(FORMULAS)]
    text = csvout.findings_csv(rows)
    starts = ("=", "+", "-", "@", "\t", "\r")
    for read in (list(csv.DictReader(io.StringIO(text))),
                 pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).to_dict("records")):
        assert len(read) == len(FORMULAS)
        for got, want in zip(read, rows):
            for col in ("kind", "message", "claim_text"):
                assert got[col] == "'" + want[col], (col, got[col])
                assert not got[col].startswith(starts)
            assert (got["pmid"], got["reference_id"]) == (want["pmid"], want["reference_id"])
    df = pd.read_csv(io.StringIO(text))
    assert pd.api.types.is_numeric_dtype(df["pmid"])                         # numbers stay numbers
    assert list(df["pmid"]) == [float(r["pmid"]) for r in rows]


# -- limits come from config.yaml ---------------------------------------------------------------

def test_limits_come_from_config_yaml_and_bad_values_are_refused(tmp_path):
    default = load_config(ROOT / "config.yaml", env={}).entrez
    assert (default.request_deadline, default.retry_after_max, default.retry_wait_per_call,
            default.retry_wait_per_run, default.max_inflated_mb) == (120, 60, 300, 1800, 512)
    p = tmp_path / "c.yaml"
    p.write_text("entrez:\n  request_deadline: 5\n  max_inflated_mb: 1.5\n")
    e = load_config(p, env={}).entrez
    assert e.request_deadline == 5 and e.max_inflated_bytes() == int(1.5 * 1024 * 1024)
    p.write_text("entrez:\n  retry_wait_per_run: -1\n")
    with pytest.raises(ConfigError, match="retry_wait_per_run"):
        load_config(p, env={})


# -- any mangled answer: records, or a clean refusal (never another exception) ---------------

def _mangle(data, body: bytes) -> bytes:
    b = bytearray(body)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        i = data.draw(st.integers(0, max(0, len(b) - 1)), label="at")
        op = data.draw(st.sampled_from(["cut", "flip", "insert", "drop", "declare"]), label="op")
        if op == "declare":             # an XML declaration naming an odd encoding
            enc = data.draw(st.sampled_from([b"U-F-8", b"utf-16", b"latin-1", b"ebcdic", b""]), label="enc")
            b = bytearray(re.sub(rb"^<\?xml[^>]*\?>", b'<?xml version="1.0" encoding="' + enc + b'"?>', bytes(b)))
        elif op == "cut":
            del b[i:]
        elif op == "flip" and b:
            b[i] = data.draw(st.integers(0, 255), label="byte")
        elif op == "insert":
            b[i:i] = data.draw(st.sampled_from([b"<", b"</x>", b"&xxe;", b"\x00", b"]]>", b"<!ENTITY a 'b'>",
                                                b"<PMID>123</PMID>", b"\xff\xfe"]), label="text")
        else:
            del b[i:i + data.draw(st.integers(1, 40), label="n")]
    return bytes(b)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_mangled_efetch_answer_gives_records_or_a_clean_refusal(data_dir, data):
    body = (data_dir / "pubmed" / "biopython" / "pubmed2.xml").read_bytes()
    mangled = _mangle(data, body)
    try:
        found = read_efetch(mangled, 1 << 20)
    except (Retry, Refused):
        return
    assert all(r.pmid.isdigit() for r, _ in found)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_mangled_esearch_answer_gives_an_id_list_or_a_clean_refusal(data_dir, data):
    body = (data_dir / "eutils" / "biopython" / "esearch1.xml").read_bytes()
    mangled = _mangle(data, body)
    try:
        res = read_search(mangled)
    except (Retry, Refused):
        return
    assert all(str(x).isdigit() for x in res["IdList"])
