"""The citeaudit command line on Click: usage errors in one line, the listing, and ``--offline-records``
taking zero or more paths as it did under argparse."""
from __future__ import annotations

import json
import subprocess
import sys

from audit.cli import COMMANDS, EXIT_USER, main

from conftest import ROOT

ARTICLE = ROOT / "examples" / "articles" / "nsclc-targeted-therapy.md"
RECORDS = ROOT / "examples" / "records"


def _report(out) -> dict:
    report = json.loads((out / "articles" / "nsclc-targeted-therapy" / "report.json").read_text())
    return {k: v for k, v in report.items() if k not in ("generated_at", "run_id", "run")}


def _findings(out) -> list[tuple]:
    return sorted((f["kind"], f["severity"], f.get("reference_id") or "") for f in _report(out)["findings"])


def test_usage_errors_are_one_line_naming_the_problem_and_exit_2(tmp_path, capsys):
    for argv, names in ((["audit", str(ARTICLE)], "'--out'"),
                        (["audit", str(ARTICLE), "--out", str(tmp_path / "o"), "--bogus"], "'--bogus'"),
                        (["recheck"], "'ARTICLE_ID'"),
                        (["nightly", "--wait", "soon"], "'soon' is not a valid float"),
                        (["mirror"], "Missing command"),
                        (["no-such-command"], "'no-such-command'"),
                        ([], "Missing command")):
        assert main(argv) == EXIT_USER, argv
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and err.startswith("citeaudit: ") and names in err, (argv, err)
        assert "--help'" in err
    assert not (tmp_path / "o").exists()


def test_the_help_lists_every_command_in_order_without_loading_the_pipeline():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "audit.cli", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    listed = [line.split()[0] for line in proc.stdout.split("Commands:")[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == list(COMMANDS) == ["audit", "nightly", "recheck", "serve", "review", "mirror",
                                        "eutils-server", "eval"]
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "click" in modules and not {"audit.pipeline", "audit.cli.runs", "prefect"} & modules


def test_offline_records_takes_several_paths_or_none(tmp_path, capsys):
    one = tmp_path / "one"
    assert main(["audit", str(ARTICLE), "--out", str(one), "--offline-records", str(RECORDS)]) == 0
    # Two paths after the option are both records: the folder's SOURCES.md is not audited as an article.
    two = tmp_path / "two"
    assert main(["audit", str(ARTICLE), "--offline-records", str(RECORDS / "example-records.xml"), str(RECORDS),
                 "--out", str(two)]) == 0
    assert [p.name for p in (two / "articles").iterdir()] == ["nsclc-targeted-therapy"]
    assert "Audited 1 article(s)" in capsys.readouterr().out
    # Given with no path, the option means the config's offline_records.
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"offline_records: ['{RECORDS}']\n")
    bare = tmp_path / "bare"
    assert main(["audit", str(ARTICLE), "--out", str(bare), "--offline-records", "--config", str(cfg)]) == 0
    assert "E-utilities: 0 requests" in capsys.readouterr().out
    assert _report(one) == _report(bare)
    # The same records, named by two paths: the same findings, the unresolved reference saying where it looked.
    assert _findings(one) == _findings(two)
    assert f"not in the offline records ({RECORDS / 'example-records.xml'}, {RECORDS})" in json.dumps(_report(two))


def test_semantic_asked_without_its_extra_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    # Scoring lexically instead would also drop the stance step and the "supporting" candidates
    # with nothing in the report to say so; the extra's absence is what `available()` reports.
    from audit.scoring import semantic
    monkeypatch.setattr(semantic, "available", lambda: False)
    cfg = tmp_path / "config.yaml"
    cfg.write_text("scoring:\n  semantic: true\n")
    out = tmp_path / "out"
    assert main(["audit", str(ARTICLE), "--out", str(out), "--offline-records", str(RECORDS),
                 "--config", str(cfg)]) == EXIT_USER
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and str(cfg) in err and "scoring.semantic" in err and "semantic' extra" in err, err
    assert not out.exists()
    # With the extra there (or semantic off) the same command audits.
    cfg.write_text("scoring:\n  semantic: false\n")
    assert main(["audit", str(ARTICLE), "--out", str(out), "--offline-records", str(RECORDS),
                 "--config", str(cfg)]) in (0, 1)
    assert _findings(out)
