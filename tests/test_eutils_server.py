"""The local E-utilities server answers in NCBI's formats and misbehaves on request."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import pytest
import requests
from Bio import Entrez

from devtools.eutils_server import build_parser, faults_from_args, run_server
from audit.pubmed.records import parse_records
from eutils_fixture import RECORDS_DIR, eutils_factory, eutils_server, record_store  # noqa: F401


def _read(content: bytes):
    return Entrez.read(io.BytesIO(content), validate=False)


def _some(pred, n=3):
    out = [e for e in record_store().entries.values() if pred(e)]
    assert len(out) >= n
    return out[:n]


def test_efetch_serves_known_records_and_omits_unknown(eutils_server):
    known = sorted(record_store().entries)[:3]
    ids = known + ["1"]                                 # PMID 1 is not among the records
    for method in ("get", "post"):
        fn = getattr(requests, method)
        kw = {"params" if method == "get" else "data": {"db": "pubmed", "id": ",".join(ids), "retmode": "xml"}}
        r = fn(eutils_server.url + "efetch.fcgi", **kw)
        assert r.status_code == 200
        assert [rec.pmid for rec in parse_records(r.content)] == known
    log = eutils_server.requests
    assert [x["method"] for x in log] == ["GET", "POST"]
    assert log[0]["ids"] == ids and log[0]["answered"] == 3


def test_epost_then_efetch_pages_from_history(eutils_server):
    ids = sorted(record_store().entries)[:7]
    r = requests.post(eutils_server.url + "epost.fcgi", data={"db": "pubmed", "id": ",".join(ids)})
    real = _read((RECORDS_DIR.parent / "eutils/biopython/epost1.xml").read_bytes())
    posted = _read(r.content)
    assert set(posted) == set(real) == {"QueryKey", "WebEnv"}
    pages = []
    for start in range(0, 7, 3):
        r = requests.post(eutils_server.url + "efetch.fcgi",
                          data={"db": "pubmed", "WebEnv": posted["WebEnv"], "query_key": posted["QueryKey"],
                                "retstart": start, "retmax": 3})
        pages.append([rec.pmid for rec in parse_records(r.content)])
    assert [len(p) for p in pages] == [3, 3, 1]
    assert sorted(sum(pages, [])) == ids
    r = requests.post(eutils_server.url + "efetch.fcgi",
                      data={"db": "pubmed", "WebEnv": "MCID_nope", "query_key": 1})
    assert b"<ERROR>Cannot retrieve query from history</ERROR>" in r.content


def test_esearch_answers_like_ncbi(eutils_server):
    store = record_store()
    with_doi = _some(lambda e: e.record.doi)
    with_pmc = _some(lambda e: e.record.pmcid, 2)
    term = " OR ".join([f'"{e.record.doi}"[doi]' for e in with_doi] + [f"{e.record.pmcid}[pmc]" for e in with_pmc]
                       + ["1[pmid]", f"{with_doi[0].pmid}[pmid]"])
    r = requests.post(eutils_server.url + "esearch.fcgi", data={"db": "pubmed", "term": term, "retmax": 50})
    real = (RECORDS_DIR.parent / "eutils/biopython/esearch1.xml").read_bytes()
    # Same prolog and DOCTYPE as the real answer, so Biopython finds its local DTD.
    assert r.content.split(b"\n")[1] == real.split(b"\n")[1]
    ours = _read(r.content)
    assert set(_read(real)) <= set(ours)
    expected = {e.pmid for e in with_doi + with_pmc}
    assert set(ours["IdList"]) == expected and int(ours["Count"]) == len(expected)
    assert ours["IdList"] == sorted(expected, key=int, reverse=True)

    # Title words: every hit has both words in its title, and a record known to have them is found.
    target = next(e for e in store.entries.values() if len(e.title_words) > 4)
    w1, w2 = target.title_words[1], target.title_words[-1]
    r = requests.get(eutils_server.url + "esearch.fcgi",
                     params={"db": "pubmed", "term": f"{w1}[ti] AND {w2}[ti]", "retmax": 500, "usehistory": "y"})
    hits = _read(r.content)
    assert target.pmid in hits["IdList"]
    assert all({w1, w2} <= set(store.entries[p].title_words) for p in hits["IdList"])
    assert hits["WebEnv"].startswith("MCID_") and hits["QueryKey"] == "1"

    r = requests.get(eutils_server.url + "esearch.fcgi", params={"db": "pubmed", "term": "zzqqxx[ti]"})
    empty = _read(r.content)
    real8 = _read((RECORDS_DIR.parent / "eutils/biopython/esearch8.xml").read_bytes())
    assert empty["Count"] == real8["Count"] == "0" and empty["IdList"] == []
    assert empty["WarningList"]["OutputMessage"] == real8["WarningList"]["OutputMessage"]


@pytest.mark.parametrize("endpoint,params,real_file", [
    ("epost.fcgi", {"db": "nothing", "id": "1"}, "epost2.xml"),
    ("esummary.fcgi", {"db": "pubmed"}, "esummary8.xml"),
    ("epost.fcgi", {"db": "pubmed", "id": ""}, "epost3.xml"),
])
def test_error_answers_match_the_real_ones(eutils_server, endpoint, params, real_file):
    real = (RECORDS_DIR.parent / "eutils/biopython" / real_file).read_bytes()
    with pytest.raises(RuntimeError) as real_err:
        _read(real)
    r = requests.get(eutils_server.url + endpoint, params=params)
    with pytest.raises(RuntimeError) as our_err:
        _read(r.content)
    assert str(our_err.value) == str(real_err.value)


def test_ecitmatch_answers_in_the_real_line_format(eutils_server):
    real_line = (RECORDS_DIR.parent / "eutils/biopython/ecitmatch.txt").read_text()
    real_fields = real_line.rstrip("\n").split("|")
    assert len(real_fields) == 7
    # The real query (PMID 2014248) is not among our records: same echo, NOT_FOUND.
    e = next(e for e in record_store().entries.values() if e.volume and e.first_page and e.authors
             and e.record.year and e.record.journal_iso)
    ours = "|".join([e.record.journal_iso, str(e.record.year), e.volume, e.first_page,
                     f"{e.authors[0][0]} {e.authors[0][1]}", "mine"]) + "|"
    wrong = ours.replace(f"|{e.volume}|", f"|{e.volume}9|")
    bdata = "\r".join(["|".join(real_fields[:6]) + "|", ours, wrong])
    r = requests.get(eutils_server.url + "ecitmatch.cgi", params={"db": "pubmed", "retmode": "xml", "bdata": bdata})
    lines = r.text.splitlines()
    assert r.text.endswith("\n") and len(lines) == 3
    assert lines[0].split("|")[:6] == real_fields[:6] and lines[0].split("|")[6] == "NOT_FOUND"
    assert lines[1].split("|")[6] == e.pmid
    assert lines[2].split("|")[6] == "NOT_FOUND"


def test_fault_switches(eutils_factory):
    pmids = sorted(record_store().entries)[:4]
    data = {"db": "pubmed", "id": ",".join(pmids), "api_key": "TOPSECRET"}

    srv = eutils_factory(fail_429_first=1, retry_after=2, fail_5xx_every=3, fail_status=502)
    codes = [requests.post(srv.url + "efetch.fcgi", data=data) for _ in range(3)]
    assert [c.status_code for c in codes] == [429, 200, 502]
    assert codes[0].headers["Retry-After"] == "2"
    assert all(x["params"]["api_key"] == "***" for x in srv.requests)
    assert "TOPSECRET" not in json.dumps(srv.requests)

    srv = eutils_factory(truncate_every=1)
    r = requests.post(srv.url + "efetch.fcgi", data=data)
    assert r.status_code == 200 and not r.content.rstrip().endswith(b"</PubmedArticleSet>")

    srv = eutils_factory(truncate_every=1, truncate_mode="connection")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.post(srv.url + "efetch.fcgi", data=data)

    srv = eutils_factory(reset_first=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(srv.url + "efetch.fcgi", data=data)

    srv = eutils_factory(drop_pmids=(pmids[1],))
    r = requests.post(srv.url + "efetch.fcgi", data=data)
    assert [x.pmid for x in parse_records(r.content)] == [p for p in pmids if p != pmids[1]]
    r = requests.post(srv.url + "efetch.fcgi", data={"db": "pubmed", "id": pmids[1]})   # alone: served
    assert [x.pmid for x in parse_records(r.content)] == [pmids[1]]

    srv = eutils_factory(slow_first=1, slow_seconds=0.5)
    with pytest.raises(requests.Timeout):
        requests.post(srv.url + "efetch.fcgi", data=data, timeout=0.2)

    srv = eutils_factory(rate_cap=3)
    codes = [requests.get(srv.url + "esearch.fcgi", params={"db": "pubmed", "term": "1[pmid]"}) for _ in range(5)]
    assert [c.status_code for c in codes] == [200, 200, 200, 429, 429]
    body = codes[3].json()
    assert body["error"] == "API rate limit exceeded" and body["limit"] == "3"

    srv = eutils_factory(latency_ms=150, fail_after=1)
    t = time.monotonic()
    codes = [requests.post(srv.url + "efetch.fcgi", data=data).status_code for _ in range(2)]
    assert codes == [200, 503] and time.monotonic() - t >= 0.3


def test_run_server_from_a_folder_with_a_jsonl_log(tmp_path):
    path = tmp_path / "requests.jsonl"
    with run_server(records=RECORDS_DIR / "biopython", log_path=path) as srv:
        assert srv.url.endswith("/entrez/eutils/") and len(srv.store) > 0
        requests.get(srv.url + "esearch.fcgi", params={"db": "pubmed", "term": "1[pmid]", "api_key": "K3Y"})
        srv.reset_log()
        assert srv.requests == []
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["endpoint"] == "esearch" and lines[0]["status"] == 200
    assert lines[0]["params"]["api_key"] == "***" and "K3Y" not in path.read_text()


def test_cli_options_map_to_faults():
    a = build_parser().parse_args(["--records", "x", "--rate-cap", "3", "--latency-ms", "100",
                                   "--fail-429-every", "5", "--fail-status", "500", "--drop-pmid", "123",
                                   "--retry-after", "-1"])
    f = faults_from_args(a)
    assert (f.rate_cap, f.latency_ms, f.fail_429_every, f.fail_status, f.drop_pmids, f.retry_after) == \
        (3, 100, 5, 500, ("123",), None)


def test_cli_serves_over_http(root_dir):
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from devtools.eutils_server import main; "
                             "sys.exit(main(sys.argv[1:]))", "--records", str(RECORDS_DIR / "biopython"),
                             "--port", "0"], cwd=root_dir, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving ")
        url = line.split(" at ")[1].strip()
        r = requests.get(url + "esearch.fcgi", params={"db": "pubmed", "term": "8655018[pmid]"}, timeout=5)
        assert _read(r.content)["Count"] == "0"          # that record is not in the biopython folder
    finally:
        proc.terminate()
        proc.wait(timeout=10)
