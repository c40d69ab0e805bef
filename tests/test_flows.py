"""The re-check deployment run with a parameter, the Dask path, and a killed run resumed."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.eutils_server import EutilsServer
from audit.history import History
from nightly_corpus import corpus_articles, raw_records, write_config, write_corpus, write_records
from prefect_harness import prefect_harness  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small_corpus(tmp_path, data_dir):
    records = write_records(tmp_path / "records", raw_records(data_dir))
    arts = corpus_articles(data_dir)
    corpus = write_corpus(tmp_path / "corpus", arts)
    return records, corpus, arts


def _identities(hist: History, run_id: str) -> list[tuple]:
    return sorted((r["article_id"], r["identity"], r["severity"]) for r in hist.run_findings(run_id))


def test_recheck_deployment_run_with_parameter(prefect_harness, tmp_path, small_corpus, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.runner import Runner

    from audit.config import load_config
    from flows.deploy import build_deployments
    from audit.cli import main as cli_main
    from flows.nightly import nightly_audit

    records, corpus, arts = small_corpus
    out = tmp_path / "out"
    cfg_path = write_config(tmp_path / "config.yaml", corpus, out)
    srv = EutilsServer(records=[records]).start()
    monkeypatch.setenv("CITEAUDIT_EUTILS_URL", srv.url)
    try:
        nightly_audit(config_path=str(cfg_path), progress=False)
        # The editor adds an unsourced claim to 'alpha', then asks for a re-check with fresh records.
        claim = "Early extubation halves the rate of stroke after cardiac surgery"
        (corpus / "alpha.md").write_text(arts["alpha"].replace("## References", f"{claim} [9].\n\n## References"))
        srv.reset_log()

        nightly_dep, recheck_dep = build_deployments(load_config(cfg_path), str(cfg_path))
        assert recheck_dep.name == "recheck" and recheck_dep.parameters["config_path"] == str(cfg_path.resolve())
        assert nightly_dep.schedules and nightly_dep.schedules[0].schedule.cron == "0 2 * * *"

        runner = Runner(name="recheck-test", query_seconds=1)
        runner.add_deployment(recheck_dep)
        flow_run = run_deployment("audit-article/recheck", parameters={"article_id": "alpha",
                                                                       "refresh_records": True}, timeout=0)
        # One poll of the runner picks up the scheduled run and executes it in a child process.
        asyncio.run(runner.start(run_once=True))
        with get_client(sync_client=True) as client:
            fr = client.read_flow_run(flow_run.id)
        assert fr.state.is_completed(), fr.state
        assert fr.parameters["article_id"] == "alpha"

        # --refresh-records: the article's two records were fetched again, nothing else.
        fetched = sorted(p for r in srv.requests if r["endpoint"] == "efetch" for p in r["ids"])
        assert fetched == sorted(["8941094", "9505772"])

        report = json.loads((out / "articles" / "alpha" / "report.json").read_text())
        new = [f for f in report["findings"] if f.get("status") == "new"]
        assert new and all(claim.lower() in f["claim_text"].lower() for f in new)
        assert any(f["kind"] == "missing_reference" for f in new)
        assert report["diff"]["resolved"] == []
        hist = History(out / "history.sqlite")
        rechecks = hist.runs("recheck")
        assert len(rechecks) == 1 and rechecks[0]["status"] == "completed"
        assert rechecks[0]["summary"]["new"] == len(new)

        # The CLI re-check after the editor removes the claim again: its findings are resolved.
        (corpus / "alpha.md").write_text(arts["alpha"])
        srv.reset_log()
        rc = cli_main(["recheck", "alpha", "--config", str(cfg_path)])
        assert rc == 0 and srv.requests == []      # cached records, no request
        report = json.loads((out / "articles" / "alpha" / "report.json").read_text())
        assert {f["kind"] for f in report["diff"]["resolved"]} >= {"missing_reference"}
        assert not any(f.get("status") == "new" for f in report["findings"])
        hist.close()
    finally:
        srv.stop()


def test_nightly_on_dask_local_cluster_matches_threads(prefect_harness, tmp_path, small_corpus, monkeypatch):
    from flows.nightly import nightly_audit

    records, corpus, _ = small_corpus
    runs = {}
    for runner in ("thread", "dask"):
        out = tmp_path / f"out-{runner}"
        cfg = write_config(tmp_path / f"{runner}.yaml", corpus, out, offline=records,
                           concurrency={"task_runner": runner, "workers": 2})
        s = nightly_audit(config_path=str(cfg), progress=False)
        hist = History(out / "history.sqlite")
        runs[runner] = (s, _identities(hist, s["run_id"]))
        hist.close()
    assert runs["dask"][0]["task_runner"] == "DaskTaskRunner"
    assert runs["thread"][0]["task_runner"] == "ThreadPoolTaskRunner"
    assert runs["dask"][0]["scored"] == runs["thread"][0]["scored"] == 4
    assert runs["dask"][1] == runs["thread"][1] and runs["dask"][1]


def _many_articles(corpus: Path, arts: dict[str, str], copies: int) -> int:
    for aid, text in arts.items():
        for i in range(copies):
            (corpus / f"{aid}-{i}.md").write_text(text.replace("# ", f"# Part {i}: ", 1))
    return len(list(corpus.glob("*.md")))


def test_killed_run_resumes_without_repeating_or_losing_work(prefect_harness, tmp_path, small_corpus):
    from flows.nightly import nightly_audit

    records, corpus, arts = small_corpus
    total = _many_articles(corpus, arts, 2)           # 4 + 8 articles
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", corpus, out, offline=records, concurrency={"workers": 1})

    # A real process, killed with SIGKILL once 4 articles are committed (no cleanup runs).
    env = dict(os.environ, PREFECT_API_URL=prefect_harness)
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "crash_drill.py"), "4", "nightly", "--config", str(cfg)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    hist = History(out / "history.sqlite")
    (killed,) = hist.runs("nightly")
    assert killed["status"] == "running"
    done_before = hist.completed_articles(killed["run_id"])
    assert 4 <= len(done_before) < total
    findings_before = {(r["article_id"], r["identity"]) for r in hist.run_findings(killed["run_id"])}

    s = nightly_audit(config_path=str(cfg), progress=False)
    assert s["run_id"] == killed["run_id"] and s["resumed"]
    assert s["scored_now"] == total - len(done_before)      # finished articles were not scored again
    assert s["articles"] == s["scored"] == total
    run = hist.run(s["run_id"])
    assert run["status"] == "completed" and run["attempts"] == 2
    after = {(r["article_id"], r["identity"]) for r in hist.run_findings(s["run_id"])}
    assert findings_before <= after

    # Nothing lost or doubled: the same findings as one clean run over the same corpus.
    clean_out = tmp_path / "clean"
    clean_cfg = write_config(tmp_path / "clean.yaml", corpus, clean_out, offline=records)
    c = nightly_audit(config_path=str(clean_cfg), progress=False)
    clean = History(clean_out / "history.sqlite")
    assert _identities(hist, s["run_id"]) == _identities(clean, c["run_id"])
    assert s["findings"] == c["findings"] == len(after)
    # Every article has its report, and the index lists them all.
    run_json = json.loads((out / "run.json").read_text())
    assert len(run_json["articles"]) == total
    assert all((out / "articles" / a / "report.json").is_file() for a in done_before)
    hist.close()
    clean.close()


def test_serve_stops_on_ctrl_c_within_its_grace_without_a_traceback_or_a_lookup_beyond_this_machine(
        prefect_harness, tmp_path, small_corpus):
    """``citeaudit serve`` (issue 22): Ctrl-C ends it in STOP_GRACE seconds with one line, and in all its life
    it looks up or connects to nothing but this machine (tests/guarded_cli.py logs any attempt)."""
    import time

    from flows.deploy import STOP_GRACE

    records, corpus, _ = small_corpus
    cfg = write_config(tmp_path / "config.yaml", corpus, tmp_path / "out", offline=records)
    guard_log = tmp_path / "guard.log"
    env = dict(os.environ, PREFECT_API_URL=prefect_harness, CITEAUDIT_GUARD_LOG=str(guard_log),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "guarded_cli.py"), "serve", "--config", str(cfg)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = [proc.stdout.readline() for _ in range(2)]    # the rate-limit line, then "Serving ..."
        assert any(l.startswith("Serving 'nightly-audit/") for l in said), "".join(said) + proc.stderr.read()[-2000:]
        time.sleep(4)                            # the runner is up and polling the API
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        t = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=STOP_GRACE + 10)
        took = time.monotonic() - t
    finally:
        if proc.poll() is None:
            proc.kill()
    assert took < STOP_GRACE + 1, took
    assert proc.returncode in (0, 130), (proc.returncode, err[-2000:])
    assert "citeaudit: serve stopped" in err and "Traceback" not in err, err[-2000:]
    assert not guard_log.exists() or guard_log.read_text() == "", guard_log.read_text()
