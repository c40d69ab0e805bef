"""One pipeline behind the CLI, the nightly flow and the re-check flow; the output layout; the history lock;
degraded runs; one-line user errors.

Articles are small markdown files citing real PubMed records from ../shared/data
(tests/nightly_corpus.py); records come from files or the local E-utilities server.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from audit.cli import EXIT_BUSY, EXIT_DEGRADED
from audit.cli import main as cli_main
from audit.config import load_config
from devtools.eutils_server import EutilsServer
from audit.history import History
from audit.locks import lock_path_for
from nightly_corpus import corpus_articles, raw_records, retract, write_config, write_corpus, write_records
from prefect_harness import prefect_harness  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus(tmp_path, data_dir):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    arts = corpus_articles(data_dir)
    return records, write_corpus(tmp_path / "corpus", arts), arts


def _report(out: Path, aid: str) -> dict:
    return json.loads((out / "articles" / aid / "report.json").read_text(encoding="utf-8"))


def _comparable(rep: dict) -> dict:
    """A report without what differs by design between runs: status marks, the diff, where the file was read."""
    rep = dict(rep)
    rep.pop("diff", None)
    rep["article"] = {k: v for k, v in rep["article"].items() if k != "path"}
    rep["findings"] = [{k: v for k, v in f.items() if k != "status"} for f in rep["findings"]]
    rep["problems"] = [{k: v for k, v in p.items() if k != "status"} for p in rep.get("problems") or []]
    return rep


def _island(html_text: str) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html_text, re.S)
    return json.loads(m.group(1))


def _cli(*args: str, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audit.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **env))


# ---------------------------------------------------------------------------- one pipeline


def test_cli_nightly_flow_and_recheck_flow_give_the_same_reports(prefect_harness, tmp_path, corpus):
    from flows.audit_flow import audit_article
    from flows.nightly import nightly_audit

    records, folder, arts = corpus
    flow_out = tmp_path / "flow-out"
    cfg = write_config(tmp_path / "config.yaml", folder, flow_out, offline=records)
    # The source search is on (the default) for every command: the reports must agree with it.
    assert load_config(cfg).sources.enabled
    cli_out = tmp_path / "cli-out"
    assert cli_main(["audit", str(folder), "--out", str(cli_out), "--offline-records", str(records),
                     "--config", str(cfg)]) == 0
    s = nightly_audit(config_path=str(cfg), progress=False)
    assert s["task_runner"] == "ThreadPoolTaskRunner" and s["articles"] == len(arts)

    # The same command through the engine (the audit-run flow, recorded by the harness's API).
    engine_out = tmp_path / "engine-out"
    assert cli_main(["audit", str(folder), "--out", str(engine_out), "--offline-records", str(records),
                     "--config", str(cfg), "--prefect"]) == 0

    cli_reports = {aid: _report(cli_out, aid) for aid in arts}
    nightly_reports = {aid: _report(flow_out, aid) for aid in arts}
    assert sum(len(r["findings"]) for r in cli_reports.values()) > 0
    # The search found something to report, so the comparison below covers it.
    assert sum(len(r.get("sources") or []) for r in cli_reports.values()) > 0
    for aid in arts:
        assert cli_reports[aid]["article"]["id"] == nightly_reports[aid]["article"]["id"] == aid
        assert _comparable(cli_reports[aid]) == _comparable(nightly_reports[aid]), aid
        assert _comparable(cli_reports[aid]) == _comparable(_report(engine_out, aid)), aid

    r = audit_article(article_id="delta", config_path=str(cfg))
    assert r["article_id"] == "delta" and (r["new"], r["resolved"]) == (0, 0)
    rechecked = _report(flow_out, "delta")
    assert _comparable(rechecked) == _comparable(cli_reports["delta"])
    assert {f["status"] for f in rechecked["findings"]} == {"persisting"}


def test_an_unchanged_nightly_and_recheck_reuse_the_stored_source_search(tmp_path, corpus, monkeypatch):
    records, folder, arts = corpus
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", folder, out)

    def run(*args: str) -> list[dict]:
        srv = EutilsServer(records=[records]).start()
        monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
        try:
            assert cli_main([*args, "--config", str(cfg)]) == 0
            return srv.requests
        finally:
            srv.stop()

    first = run("nightly")
    assert any(r["endpoint"] == "esearch" for r in first)
    sources = {aid: _report(out, aid)["sources"] for aid in arts}
    searched = [aid for aid, s in sources.items() if s]
    assert searched, "the corpus must give the search something to report"

    # Nothing changed: no search (nor any other request), and every report keeps its sources.
    assert run("nightly") == []
    assert {aid: _report(out, aid)["sources"] for aid in arts} == sources
    # A re-check always rewrites the report: from the stored audit, search included, with no request.
    aid = searched[0]
    written = (out / "articles" / aid / "report.json").stat().st_mtime_ns
    assert run("recheck", aid) == []
    assert (out / "articles" / aid / "report.json").stat().st_mtime_ns != written
    assert _report(out, aid)["sources"] == sources[aid]


def test_recheck_refreshes_the_run_index(tmp_path, corpus):
    records, folder, arts = corpus
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", folder, out, offline=records)
    assert cli_main(["nightly", "--config", str(cfg)]) == 0
    before = _island((out / "index.html").read_text())
    row = {a["id"]: a for a in before["articles"]}["alpha"]

    claim = "Early extubation halves the rate of stroke after cardiac surgery"
    (folder / "alpha.md").write_text(arts["alpha"].replace("## References", f"{claim} [9].\n\n## References"))
    assert cli_main(["recheck", "alpha", "--config", str(cfg)]) == 0

    after = _island((out / "index.html").read_text())
    assert [a["id"] for a in after["articles"]] == [a["id"] for a in before["articles"]]
    new_row = {a["id"]: a for a in after["articles"]}["alpha"]
    assert new_row["findings"] > row["findings"] and new_row["new"] == new_row["findings"] - row["findings"]
    assert after["run"]["rechecked"] == "alpha" and after["run"]["base_run_id"] == before["run"]["run_id"]
    new = [f for f in after["changes"]["new"]["rows"] if f["article_id"] == "alpha"]
    assert new and all(claim.lower() in f["claim_text"].lower() for f in new)
    # The other articles keep what the nightly said of them.
    assert [f for f in after["changes"]["new"]["rows"] if f["article_id"] != "alpha"] == \
        [f for f in before["changes"]["new"]["rows"] if f["article_id"] != "alpha"]
    # The other articles keep what the nightly said of them.
    assert {a["id"]: a["findings"] for a in after["articles"] if a["id"] != "alpha"} == \
        {a["id"]: a["findings"] for a in before["articles"] if a["id"] != "alpha"}
    run_csv = pd.read_csv(out / "findings.csv")
    alpha_csv = run_csv[run_csv["article_id"] == "alpha"]
    assert (alpha_csv["status"] == "new").sum() == new_row["new"] > 0


# ---------------------------------------------------------------------------- the history lock


def test_recheck_during_a_nightly_says_busy_or_waits(tmp_path, corpus, monkeypatch, capsys):
    records, folder, _ = corpus
    out = tmp_path / "out"
    cfg_path = write_config(tmp_path / "config.yaml", folder, out)
    # A slow E-utilities server keeps the nightly (and its lock) busy for a while.
    srv = EutilsServer(records=[records], latency_ms=1500).start()
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
    lock = lock_path_for(out / "history.sqlite")
    result: dict = {}
    try:
        from audit.pipeline import run_nightly
        nightly = threading.Thread(target=lambda: result.update(run_nightly(load_config(cfg_path), progress=False)))
        nightly.start()
        deadline = time.monotonic() + 10
        while not (lock.is_file() and lock.read_text().startswith("nightly")):
            assert time.monotonic() < deadline, "the nightly never took its lock"
            time.sleep(0.02)

        capsys.readouterr()
        assert cli_main(["recheck", "alpha", "--config", str(cfg_path), "--wait", "0.2"]) == EXIT_BUSY
        busy = capsys.readouterr()
        assert busy.err.count("\n") == 1 and "busy" in busy.err and "nightly pid" in busy.err and busy.out == ""
        assert nightly.is_alive()

        assert cli_main(["recheck", "alpha", "--config", str(cfg_path), "--wait", "60"]) == 0
        nightly.join(30)
        assert result["articles"] == 4
    finally:
        srv.stop()
    with History(out / "history.sqlite") as hist:
        (n,), (r,) = hist.runs("nightly"), hist.runs("recheck")
        # The re-check ran once the nightly had finished, not beside it.
        assert n["status"] == r["status"] == "completed" and r["started_at"] >= n["finished_at"]

    # A second nightly while one runs says busy at once (the default wait is 0).
    from audit.locks import run_lock
    with run_lock(lock, what="nightly"):
        second = _cli("nightly", "--config", str(cfg_path))
    assert second.returncode == EXIT_BUSY and second.stderr.count("\n") == 1


# ---------------------------------------------------------------------------- degraded runs


def test_a_nightly_with_failed_fetches_is_degraded_and_no_baseline(tmp_path, corpus, monkeypatch, capsys):
    records, folder, _ = corpus
    # 'bravo' cites a record PubMed marks retracted: a high finding tied to that record.
    retracted = records / "9627170.xml"
    retracted.write_bytes(retract(retracted.read_bytes()))
    out = tmp_path / "out"
    # TTL 0: every run asks the server again, as if every cached record had expired.
    cfg = write_config(tmp_path / "config.yaml", folder, out, entrez={"cache_ttl_days": 0})

    def nightly(**faults) -> tuple[int, dict]:
        srv = EutilsServer(records=[records], **faults).start()
        monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
        try:
            rc = cli_main(["nightly", "--config", str(cfg)])
        finally:
            srv.stop()
        with History(out / "history.sqlite") as hist:
            return rc, hist.runs("nightly")[-1]

    rc1, run1 = nightly()
    assert rc1 == 0 and not run1["summary"]["degraded"]
    with History(out / "history.sqlite") as hist:
        by_pmid = [r for r in hist.run_findings(run1["run_id"]) if r["pmid"]]
    assert by_pmid, "the corpus must have findings tied to records"
    capsys.readouterr()

    rc2, run2 = nightly(fail_after=0)            # NCBI unreachable: every request fails
    err = capsys.readouterr().err
    assert rc2 == EXIT_DEGRADED and "degraded run" in err
    s2 = run2["summary"]
    assert s2["degraded"] and s2["fetch_failed"] > 0 and run2["previous_run_id"] == run1["run_id"]
    # Nothing was checked, so nothing is resolved: the findings of those records were carried forward.
    assert s2["resolved"] == 0
    with History(out / "history.sqlite") as hist:
        kept = {(r["article_id"], r["identity"]) for r in hist.run_findings(run2["run_id"])}
    assert {(r["article_id"], r["identity"]) for r in by_pmid} <= kept

    rc3, run3 = nightly()
    # The healthy run is compared with the last healthy one: the outage's findings are neither new nor resolved.
    assert rc3 == 0 and run3["previous_run_id"] == run1["run_id"]
    assert (run3["summary"]["new"], run3["summary"]["resolved"]) == (0, 0)


# ---------------------------------------------------------------------------- output layout


def test_article_names_never_collide_with_each_other_or_run_files(tmp_path, data_dir):
    arts = corpus_articles(data_dir)
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    long_a, long_b = "x" * 125 + "-first.md", "x" * 125 + "-second.md"
    names = {"findings.csv.md": "alpha", "index.html.md": "bravo", "run.json.md": "charlie",
             long_a: "delta", long_b: "alpha"}
    for name, aid in names.items():
        (src / name).write_text(arts[aid], encoding="utf-8")
    (src / "sub" / "findings.csv.md").write_text(arts["bravo"], encoding="utf-8")   # same name, other folder
    records = write_records(tmp_path / "records", raw_records(data_dir))
    out = tmp_path / "out"
    assert cli_main(["audit", str(src), "--out", str(out), "--offline-records", str(records)]) == 0

    folders = sorted(p.name for p in (out / "articles").iterdir())
    assert len(folders) == 6 and all(len(f) <= 120 for f in folders)
    for f in folders:       # each folder holds the report of the article named like it
        assert _report(out, f)["article"]["id"] == f
    paths = {Path(_report(out, f)["article"]["path"]).resolve() for f in folders}
    assert paths == {p.resolve() for p in src.rglob("*.md")}
    # The run files are the run's: the index lists all six, the CSV has every finding.
    run = json.loads((out / "run.json").read_text())
    assert sorted(a["id"] for a in run["articles"]) == folders
    assert _island((out / "index.html").read_text())["totals"]["articles"] == 6
    assert len(pd.read_csv(out / "findings.csv")) == sum(len(_report(out, f)["findings"]) for f in folders)


# ---------------------------------------------------------------------------- user errors


def test_user_errors_print_one_line_and_exit_non_zero(tmp_path, corpus, capsys):
    records, folder, _ = corpus
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", folder, out, offline=records)
    bad_cfg = tmp_path / "bad.yaml"
    bad_cfg.write_text("entrez:\n  timeout: [not, a, number\n")
    inside = write_config(tmp_path / "inside.yaml", folder, folder / "reports", offline=records,
                          output={"history_db": str(tmp_path / "h.sqlite")})
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = {
        "missing file": (["audit", str(tmp_path / "missing.md"), "--out", str(out)], "missing.md"),
        "bad config": (["nightly", "--config", str(bad_cfg)], "bad.yaml"),
        "missing config": (["nightly", "--config", str(tmp_path / "none.yaml")], "none.yaml"),
        "--out is a file": (["audit", str(folder), "--out", str(a_file)], "a-file"),
        "--out inside input": (["audit", str(folder), "--out", str(folder / "reports")], "inside the input"),
        "nightly reports inside the corpus": (["nightly", "--config", str(inside)], "inside the input"),
    }
    for what, (args, names) in cases.items():
        capsys.readouterr()
        assert cli_main(args) == 2, what
        got = capsys.readouterr()
        assert got.err.count("\n") == 1 and got.err.startswith("citeaudit: "), (what, got.err)
        assert names in got.err and got.out == "", what
    assert not (folder / "reports").exists() and not out.exists()

    # In a real process: one line, no traceback, no engine log, nothing created.
    proc = _cli("recheck", "no-such-article", "--config", str(cfg))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("citeaudit: no-such-article: ")
    assert not out.exists()
    debug = _cli("recheck", "no-such-article", "--config", str(cfg), "--debug")
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "BadInputError" in debug.stderr


def test_commands_in_process_import_neither_prefect_nor_pandas(tmp_path, root_dir):
    cfg = write_config(tmp_path / "config.yaml", root_dir / "examples/articles", tmp_path / "nightly",
                       offline=root_dir / "examples/records")
    for args in (["audit", str(root_dir / "examples/articles"), "--out", str(tmp_path / "out"),
                  "--offline-records", str(root_dir / "examples/records")],
                 ["nightly", "--config", str(cfg)]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "audit.cli", *args],
                              cwd=root_dir, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
        assert "audit.pipeline" in modules
        assert not {m for m in modules if m.split(".")[0] in ("prefect", "pandas", "dask")}, args[0]
