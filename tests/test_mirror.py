"""The PubMed mirror (audit/pubmed/mirror.py) on NLM's real baseline and update files.

Loading folds each file over the last (revisions replace, DeleteCitation
removes); the expected state is that fold done in a dict over the same files,
so every count below comes from the data.  Update files are built from real
records: a revised copy of one, a DeleteCitation of another.
"""
from __future__ import annotations

import functools
import gzip
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from audit.cli import main as cli_main
from audit.config import load_config
from audit.models import NOT_FOUND, RESOLVED, UNRESOLVED, Reference
from audit.pipeline import run_nightly
from audit.pubmed import mirror_load as mirror_mod
from audit.pubmed.fetch import OfflineSource
from audit.pubmed.mirror import Mirror, mirror_status
from audit.pubmed.mirror_load import load_files
from audit.pubmed.mirror_source import MirrorIndex, MirrorSource
from audit.pubmed.nlm_files import Deletion, file_order, stream_file
from audit.pubmed.records import split_articles, wrap_article_set
from audit.sources import SourceFinder
from audit.config import ScoringConfig
from devtools.eutils_server import EutilsServer
from eutils_fixture import record_store
from audit.history import History
from nightly_corpus import BASELINE, PMIDS, corpus_articles, write_config, write_corpus
from prefect_harness import prefect_harness  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shared_files(data_dir) -> list[Path]:
    return sorted((data_dir / "pubmed" / "baseline").iterdir(), key=file_order)


@functools.lru_cache(maxsize=None)
def items_of(path: Path) -> tuple:
    """Every record and DeleteCitation of a file (parsed once per test process)."""
    return tuple(stream_file(path))


def fold(files) -> tuple[dict, set[str]]:
    """The state the files describe, applied in order in a dict: pmid -> Record, and deleted PMIDs."""
    state, gone = {}, set()
    for f in files:
        for item in items_of(Path(f)):
            if isinstance(item, Deletion):
                for p in item.pmids:
                    state.pop(p, None)
                    gone.add(p)
            else:
                state[item.pmid] = item
                gone.discard(item.pmid)
    return state, gone


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, shared_files):
    path = tmp_path_factory.mktemp("mirror") / "pubmed.sqlite"
    result = load_files(path, shared_files)
    return path, result


def _revised(xml: bytes, word: str) -> bytes:
    """A revision of a record as an update file carries it: its title changed."""
    out, n = re.subn(rb"<ArticleTitle>", b"<ArticleTitle>" + word.encode() + b" ", xml, count=1)
    assert n == 1
    return out


def _gz(path: Path, parts: list[bytes], delete: list[str] = ()) -> Path:
    body = wrap_article_set(parts)
    if delete:
        dc = b"<DeleteCitation>" + b"".join(b'<PMID Version="1">%s</PMID>' % p.encode() for p in delete) + \
            b"</DeleteCitation>\n"
        body = body.replace(b"</PubmedArticleSet>", dc + b"</PubmedArticleSet>")
    path.write_bytes(gzip.compress(body))
    return path


@pytest.fixture
def update_case(tmp_path, data_dir):
    """A baseline (the real 2018 sample), an update revising record A and deleting record B, and the final state."""
    base = data_dir / "pubmed" / "baseline" / "pubmedsample18n0001.xml.gz"
    arts = split_articles(base.read_bytes(), str(base))
    a, b = arts[10][0], arts[20][0]
    revised = _revised(dict(arts)[a], "Zymurgical")
    update = _gz(tmp_path / "pubmed18n0002.xml.gz", [revised], delete=[b])
    (tmp_path / "final").mkdir()
    final = _gz(tmp_path / "final" / "pubmed18n0001.xml.gz", [revised if p == a else x for p, x in arts if p != b])
    return base, update, final, a, b


def _same_store(m1: Mirror, m2: Mirror, pmids) -> None:
    """Same records, and an index that ranks and scores every query alike (its BM25 statistics agree)."""
    assert m1.count == m2.count and m1.max_pmid == m2.max_pmid
    assert m1.records(pmids) == m2.records(pmids)
    for q in ('"zymurgical"', '"heart" OR "failure"', 'title : ("cancer")', '"retracted"', '"patients"'):
        h1, h2 = m1.search(q, 50), m2.search(q, 50)
        assert [p for p, _ in h1] == [p for p, _ in h2] and [s for _, s in h1] == pytest.approx([s for _, s in h2])


def _title_query(title: str) -> str:
    """An FTS5 query for the longest word of a title."""
    return f'title : ("{max(re.findall(r"[a-z]{5,}", title.lower()), key=len)}")'


# -- loading ---------------------------------------------------------------------------------------

def test_loading_the_shared_files_folds_them_in_order(loaded, shared_files):
    path, result = loaded
    state, gone = fold(shared_files)
    assert [f.name for f in result.applied] == [f.name for f in shared_files] and not result.skipped
    st = mirror_status(path)
    assert st.records == len(state) and st.deleted == len(gone)
    assert (st.min_pmid, st.max_pmid) == (min(map(int, state)), max(map(int, state)))
    with Mirror(path) as m:
        assert m.records(list(state)) == state                 # every field, as the parser read it
        assert set(m.deletions(sorted(gone))) == gone
        assert not m.records(sorted(gone))
    # Each file's tally: what it held, what was new, what it revised.
    seen: set[str] = set()
    for f, row in zip(shared_files, st.files):
        items = items_of(f)
        pmids = [r.pmid for r in items if not isinstance(r, Deletion)]
        assert (row.name, row.records, row.size) == (f.name, len(pmids), f.stat().st_size)
        assert row.revised == sum(p in seen for p in pmids) and row.added == len(pmids) - row.revised
        seen |= set(pmids)
        for d in (i for i in items if isinstance(i, Deletion)):
            seen -= set(d.pmids)
    # The 2019 sample revises most of the 2018 one and deletes 7 of its records.
    assert st.files[2].name == "pubmedsample19n0001.xml" and st.files[2].revised > 100 and st.files[2].deleted > 0


def test_a_file_is_applied_once_and_in_order(loaded, shared_files, tmp_path):
    path, _ = loaded
    before = mirror_status(path)
    again = load_files(path, shared_files[:2])
    assert not again.applied and len(again.skipped) == 2
    # The same bytes under another name are the same file.
    copy = tmp_path / "pubmed30n0001.xml.gz"
    copy.write_bytes(shared_files[0].read_bytes())
    assert not load_files(path, [copy]).applied
    # A file that sorts before the last one applied is refused, naming it.
    older = tmp_path / "pubmed17n0005.xml.gz"
    _gz(older, [])
    with pytest.raises(Exception, match="pubmed17n0005.*does not come after pubmed22n1313"):
        load_files(path, [older])
    unnamed = tmp_path / "records.xml"
    unnamed.write_bytes(shared_files[0].read_bytes())
    with pytest.raises(Exception, match="records.xml: cannot tell where this file goes in NLM's order"):
        load_files(path, [unnamed])
    assert mirror_status(path).files == before.files


def test_an_update_file_gives_the_store_of_the_final_state(tmp_path, update_case):
    base, update, final, a, b = update_case
    load_files(tmp_path / "updated.sqlite", [base, update])
    load_files(tmp_path / "direct.sqlite", [final])
    st = mirror_status(tmp_path / "updated.sqlite")
    assert (st.files[1].records, st.files[1].revised, st.files[1].deleted) == (1, 1, 1)
    state, _ = fold([final])
    with Mirror(tmp_path / "updated.sqlite") as m1, Mirror(tmp_path / "direct.sqlite") as m2:
        _same_store(m1, m2, list(state) + [b])
        assert m1.records([a])[a].title.startswith("Zymurgical ")
        # The index holds the revision only: the new word finds it, the deleted record is gone.
        assert [p for p, _ in m1.search('"zymurgical"')] == [a]
        load_files(tmp_path / "base.sqlite", [base])
        with Mirror(tmp_path / "base.sqlite") as m0:
            q = _title_query(m0.records([b])[b].title)
            assert b in [p for p, _ in m0.search(q)] and b not in [p for p, _ in m1.search(q)]
        # What the update says that the final state cannot: B was deleted.
        assert m1.deletions([b]) == {b: "pubmed18n0002.xml.gz"} and m2.deletions([b]) == {}


def test_a_killed_load_resumes_and_applies_no_file_twice(tmp_path, update_case, monkeypatch):
    base, update, final, a, b = update_case
    files = [base, update]
    real = mirror_mod.stream_file

    def dies_in_the_update(path):
        for n, item in enumerate(real(path)):
            if Path(path).name == update.name and isinstance(item, Deletion):
                raise RuntimeError("killed")          # after the revision of A was written, before the deletion
            yield item
    monkeypatch.setattr(mirror_mod, "stream_file", dies_in_the_update)
    path = tmp_path / "m.sqlite"
    with pytest.raises(RuntimeError):
        load_files(path, files)
    st = mirror_status(path)
    assert [f.name for f in st.files] == [base.name]          # the update's transaction left nothing
    with Mirror(path) as m:
        assert not m.records([a])[a].title.startswith("Zymurgical") and b in m.records([b])
        assert m.search('"zymurgical"') == []
    monkeypatch.setattr(mirror_mod, "stream_file", real)
    res = load_files(path, files)
    assert [f.name for f in res.applied] == [update.name] and len(res.skipped) == 1
    load_files(tmp_path / "direct.sqlite", files)
    with Mirror(path) as m1, Mirror(tmp_path / "direct.sqlite") as m2:
        _same_store(m1, m2, list(fold(files)[0]) + [b])
    assert [f.name for f in mirror_status(path).files] == [base.name, update.name]


def test_a_load_killed_by_the_os_leaves_the_last_whole_file(tmp_path, update_case):
    base, update, _, a, _ = update_case
    path = tmp_path / "m.sqlite"
    load_files(path, [base])
    code = ("import os, sys; from audit.pubmed import mirror_load as m\n"
            "real = m.stream_file\n"
            "def dying(p):\n"
            "    for i in real(p):\n"
            "        if isinstance(i, m.Deletion): os.kill(os.getpid(), 9)\n"
            "        yield i\n"
            "m.stream_file = dying\n"
            f"m.load_files({str(path)!r}, [{str(update)!r}])\n")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert proc.returncode == -9
    assert [f.name for f in load_files(path, [base, update]).applied] == [update.name]
    with Mirror(path) as m:
        assert m.records([a])[a].title.startswith("Zymurgical")


def test_bad_input_is_one_line_naming_the_file(tmp_path, shared_files, capsys):
    cut = tmp_path / "pubmed19n0002.xml.gz"
    cut.write_bytes(shared_files[0].read_bytes()[:50_000])
    path = tmp_path / "m.sqlite"
    assert cli_main(["mirror", "load", "--path", str(path), str(shared_files[1]), str(cut)]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith(f"citeaudit: {cut}: corrupt gzip data")
    assert f"Applied {shared_files[1].name}" in out                # the file before it stays applied
    assert [f.name for f in mirror_status(path).files] == [shared_files[1].name]
    other = tmp_path / "pubmed19n0003.xml"
    other.write_text("<html><body>not records</body></html>")
    assert cli_main(["mirror", "load", "--path", str(path), str(other)]) == 2
    assert "not a PubMed baseline or update file" in capsys.readouterr().err
    assert cli_main(["mirror", "status", "--path", str(ROOT / "README.md")]) == 2
    assert "not a SQLite file" in capsys.readouterr().err
    assert cli_main(["mirror", "status", "--path", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(fold([shared_files[1]])[0])} records" in out and shared_files[1].name in out


# -- reading ---------------------------------------------------------------------------------------

def test_the_source_resolves_from_the_mirror_and_asks_pubmed_only_newer_pmids(loaded, shared_files, data_dir):
    path, _ = loaded
    state, gone = fold(shared_files)
    top = max(map(int, state))
    lacking = next(str(n) for n in range(top - 1, 0, -1) if str(n) not in state and str(n) not in gone)
    newer = _newer_than(data_dir, top)
    asked: list[list[str]] = []

    class PubMed(OfflineSource):            # stands for the run's EntrezSource: records what it is asked
        def fetch(self, pmids):
            asked.append(list(pmids))
            return super().fetch(pmids)
    src = MirrorSource.open(str(path), lambda: PubMed({newer.pmid: newer}))
    held, dead = sorted(state)[:3], sorted(gone)[0]
    res = src.fetch(held)
    assert all(res[p].status == RESOLVED and res[p].record == state[p] for p in held) and asked == []
    res = src.fetch([dead, lacking, newer.pmid])
    assert res[dead].status == NOT_FOUND and "DeleteCitation" in res[dead].reason
    assert res[lacking].status == UNRESOLVED and "PubMed was not asked" in res[lacking].reason
    assert asked == [[newer.pmid]] and res[newer.pmid].record == newer
    # Identifiers and citation text from the mirror's own columns and title index.
    doi_rec = next(r for r in state.values() if r.doi)
    pmc_rec = next(r for r in state.values() if r.pmcid)
    assert src.convert_ids([doi_rec.doi.upper(), "10.9999/none"], [pmc_rec.pmcid.lower()]) == \
        {doi_rec.doi.upper(): doi_rec.pmid, pmc_rec.pmcid.lower(): pmc_rec.pmid}
    cited = next(r for r in state.values() if len(r.title) > 60 and r.journal_iso and r.year)
    ref = Reference(id="1", raw=f"{cited.first_author} X. {cited.title} {cited.journal_iso}. {cited.year};1:1-2.",
                    cited_title=cited.title)
    assert src.match_citations([ref]) == {"1": cited.pmid}
    st = src.stats()
    assert st["source"] == "mirror" and st["mirror"]["mirror_records"] == 3 and st["mirror"]["deleted"] == 1
    src.close()


def _newer_than(data_dir: Path, top: int):
    """The real record of the lowest PMID above ``top`` in the shared efetch files."""
    recs = (e.record for e in record_store().entries.values())
    return min((r for r in recs if int(r.pmid) > top), key=lambda r: int(r.pmid))


def test_the_source_search_runs_on_the_mirror(loaded, shared_files):
    path, _ = loaded
    state, _ = fold(shared_files)
    src = MirrorSource.open(str(path))
    finder = SourceFinder.for_source(src, ScoringConfig())
    assert isinstance(finder.searcher.index, MirrorIndex) and not finder.searcher.online and finder.mode == "mirror"
    target = next(r for r in state.values() if len(r.abstract) > 400 and "cardi" in r.title.lower())
    g, recs, ranked = finder.search(target.title)
    assert ranked and ranked[0].pmid == target.pmid and recs[target.pmid] == target
    assert all(q.where == "local index" for q in g.queries)
    src.close()


def _read_all(path: str, pmids: list[str]) -> tuple[int, str]:
    with Mirror(path) as m:
        recs = m.records(pmids)
        return len(recs), json.dumps([m.search('"patients"', 20), sorted(r.title for r in recs.values())])


def test_two_processes_and_two_threads_read_one_mirror_at_once(loaded, shared_files):
    path, _ = loaded
    state, _ = fold(shared_files)
    before = (path.stat().st_mtime_ns, path.read_bytes())
    pmids = sorted(state)
    want = _read_all(str(path), pmids)
    assert want[0] == len(state)
    with ProcessPoolExecutor(2) as pool:
        got = list(pool.map(_read_all, [str(path)] * 4, [pmids] * 4))
    assert got == [want] * 4
    m, results, errors = Mirror(path), [], []

    def reader():
        try:
            for _ in range(2):
                recs = m.records(pmids)
                results.append((len(recs), json.dumps([m.search('"patients"', 20),
                                                       sorted(r.title for r in recs.values())])))
        except Exception as exc:            # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    m.close()
    assert not errors and results == [want] * 4
    # Readers wrote nothing: the file is as the load left it, one file with no journal beside it.
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before
    assert not any(Path(str(path) + s).exists() for s in ("-wal", "-journal"))


# -- a nightly over the mirror ------------------------------------------------------------------

def _pubmed_requests(srv: EutilsServer) -> list[tuple[str, list]]:
    return [(r["endpoint"], r.get("ids")) for r in srv.requests]


def test_a_nightly_over_the_mirror_asks_eutils_only_for_newer_pmids(tmp_path, data_dir, monkeypatch, capsys):
    mirror = tmp_path / "pubmed.sqlite"
    load_files(mirror, [data_dir / BASELINE])
    with Mirror(mirror) as m:
        newer = _newer_than(data_dir, m.max_pmid)
    corpus = write_corpus(tmp_path / "corpus", corpus_articles(data_dir))
    out = tmp_path / "out"
    cfg_path = write_config(tmp_path / "config.yaml", corpus, out, mirror={"path": str(mirror)})
    srv = EutilsServer(store=record_store()).start()
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
    try:
        s1 = run_nightly(load_config(cfg_path), progress=False)
        assert _pubmed_requests(srv) == [] and s1["entrez_requests"] == 0 and s1["scored"] == 4
        reports = {a: json.loads((out / "articles" / a / "report.json").read_text()) for a in ("alpha", "delta")}
        cited = {r["pmid"]: r["status"] for rep in reports.values() for r in rep["references"] if r.get("pmid")}
        assert set(cited) <= set(PMIDS) and set(cited.values()) == {RESOLVED}
        modes = {s["mode"] for rep in reports.values() for s in rep.get("sources") or []}
        assert modes == {"mirror"}                         # delta's unreferenced claim searched the mirror
        # A new article citing a record newer than the mirror: that PMID alone goes to E-utilities.
        (corpus / "echo.md").write_text(f"# New work\n\nA recent study [1].\n\n## References\n\n"
                                        f"1. PMID: {newer.pmid}\n")
        srv.reset_log()
        s2 = run_nightly(load_config(cfg_path), progress=False)
        assert _pubmed_requests(srv) == [("efetch", [newer.pmid])]
        assert (s2["scored"], s2["reused"]) == (1, 4)
        echo = json.loads((out / "articles" / "echo" / "report.json").read_text())
        assert [r["status"] for r in echo["references"]] == [RESOLVED]
        srv.reset_log()
        capsys.readouterr()
        assert cli_main(["nightly", "--config", str(cfg_path)]) == 0      # unchanged night: the cache holds it
        assert _pubmed_requests(srv) == []
        out_lines = capsys.readouterr().out.splitlines()
        assert f"PubMed mirror (through {BASELINE.rsplit('/', 1)[1]}): {len(PMIDS)} records read, 0 deleted by NLM, " \
               "0 not held (PubMed not asked), 1 newer than it (asked of PubMed)" in out_lines
        assert "E-utilities: 0 requests" in out_lines and any(", 0 scored, 5 unchanged" in x for x in out_lines)
    finally:
        srv.stop()
    # A mirror path that names no mirror stops the nightly before any work, in one line naming it.
    missing = tmp_path / "absent.sqlite"
    cfg_path = write_config(tmp_path / "config2.yaml", corpus, tmp_path / "out2", mirror={"path": str(missing)})
    assert cli_main(["nightly", "--config", str(cfg_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"citeaudit: {missing}: no PubMed mirror here")


def test_a_nightly_on_two_dask_workers_reads_one_mirror(prefect_harness, tmp_path, data_dir, monkeypatch):
    # The nightly on a Dask LocalCluster of two worker processes (concurrency.task_runner: dask), every
    # worker opening the one mirror file read-only: no E-utilities request, the findings of the thread runner.
    pytest.importorskip("prefect_dask")
    from flows.nightly import nightly_audit

    mirror = tmp_path / "pubmed.sqlite"
    load_files(mirror, [data_dir / BASELINE])
    before = (mirror.stat().st_mtime_ns, mirror.read_bytes())
    corpus = write_corpus(tmp_path / "corpus", corpus_articles(data_dir))
    srv = EutilsServer(store=record_store()).start()
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
    runs = {}
    try:
        for runner in ("thread", "dask"):
            out = tmp_path / f"out-{runner}"
            cfg = write_config(tmp_path / f"{runner}.yaml", corpus, out, mirror={"path": str(mirror)},
                               entrez={"cache_path": str(tmp_path / f"records-{runner}.sqlite")},
                               concurrency={"task_runner": runner, "workers": 2})
            s = nightly_audit(config_path=str(cfg), progress=False)
            with History(out / "history.sqlite") as hist:
                found = sorted((r["article_id"], r["identity"], r["severity"]) for r in hist.run_findings(s["run_id"]))
            runs[runner] = (s, found)
        assert srv.requests == []
    finally:
        srv.stop()
    (dask, dask_found), (thread, thread_found) = runs["dask"], runs["thread"]
    assert dask["task_runner"] == "DaskTaskRunner" and thread["task_runner"] == "ThreadPoolTaskRunner"
    assert dask["entrez_requests"] == thread["entrez_requests"] == 0
    assert dask["scored"] == thread["scored"] == 4
    assert dask_found == thread_found and dask_found
    # Read-only from every worker: the file as the load left it, no journal beside it.
    assert (mirror.stat().st_mtime_ns, mirror.read_bytes()) == before
    assert not any(Path(str(mirror) + s).exists() for s in ("-wal", "-journal"))
