"""A plain ``pip install`` of the package, without extras, reads every supported input form.

The test extra installs packages the core does not declare, so the rest of the suite cannot see a
missing core dependency: jusText needs ``lxml_html_clean`` for an HTML page with no <main>/<article>,
and without it such a page "could not be read (ImportError ...)".  Here a fresh virtual environment
gets the package by pip alone (the registry pip is configured with, through its cache; no other
network) and its ``citeaudit`` audits such a page offline, with jusText and with each other library
``reading.boilerplate`` accepts (trafilatura, readability-lxml: core dependencies, so a value config.yaml
offers works after a plain install).  Slow: pip resolves and installs every
core dependency, minutes on a busy machine.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
from conftest import DATA  # noqa: E402  (../shared/data, or $CITEAUDIT_SHARED)
PAGE = DATA / "articles" / "articles" / "fragility-fracture-prevention.html"

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not PAGE.is_file(), reason="shared article set not present")
def test_plain_install_reads_a_page_without_main(tmp_path):
    html = PAGE.read_text(encoding="utf-8")
    assert "<main" not in html and "<article" not in html      # the page the boilerplate reader is for
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for pkg in ("audit", "flows", "reports"):
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet", "--prefer-binary", str(src)],
                         capture_output=True, text=True, env=env, timeout=1800)
    assert pip.returncode == 0, pip.stderr[-3000:]
    # Only what the core declares is there: the test extra's packages are not.
    probe = subprocess.run([str(bindir / "python"), "-c", "import importlib.util as u; "
                            "print(u.find_spec('pytest') is None, u.find_spec('hypothesis') is None)"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert probe.stdout.split() == ["True", "True"], probe.stdout + probe.stderr

    out = tmp_path / "out"
    run = subprocess.run([str(bindir / "citeaudit"), "audit", str(PAGE), "--out", str(out),
                          "--offline-records", str(DATA / "pubmed")],
                         capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    reports = list(out.rglob("report.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    everything = json.dumps(report) + run.stdout + run.stderr
    assert "ImportError" not in everything and "could not be read" not in everything
    assert len(report["claims"]) >= 5 and any(c["citations"] for c in report["claims"])
    # the boilerplate reader judged the page (what it set aside says so), so jusText ran
    assert any("main content" in s["reason"] for s in report["set_aside"]), report["set_aside"][:5]

    # Every other library reading.boilerplate accepts is installed with the package and judges the page.
    for library in ("trafilatura", "readability"):
        cfg = tmp_path / f"{library}.yaml"
        cfg.write_text(f"reading:\n  boilerplate: {library}\n", encoding="utf-8")
        out_lib = tmp_path / f"out-{library}"
        run = subprocess.run([str(bindir / "citeaudit"), "audit", str(PAGE), "--out", str(out_lib),
                              "--offline-records", str(DATA / "pubmed"), "--config", str(cfg)],
                             capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path)
        assert run.returncode == 0, run.stderr[-3000:]
        report = json.loads(next(out_lib.rglob("report.json")).read_text(encoding="utf-8"))
        assert "ImportError" not in json.dumps(report) + run.stderr
        assert any(c["citations"] for c in report["claims"])
        assert any(f"main content ({library})" in s["reason"] for s in report["set_aside"]), report["set_aside"][:5]

    # The same plain install reads a Word manuscript and a PDF (pdfminer.six, lxml: core dependencies) ...
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(DATA / "docx" / "docxtojats_word_zotero_22cites_biomed_numeric.docx", mixed)
    shutil.copy(DATA / "pdf" / "bmc_jtraumamanagout_2010_dvt_prophylaxis_numbered.pdf", mixed)
    out2 = tmp_path / "out2"
    run = subprocess.run([str(bindir / "citeaudit"), "audit", str(mixed), "--out", str(out2),
                          "--offline-records", str(DATA / "pubmed")],
                         capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    formats = {}
    for rep in out2.rglob("report.json"):
        r = json.loads(rep.read_text(encoding="utf-8"))
        formats[r["article"]["format"]] = sum(1 for c in r["claims"] if c["citations"])
    assert set(formats) == {"docx", "pdf"} and all(formats.values()), formats
    # ... and holds the product only: no test server, no evaluation, no benchmarks.
    site = subprocess.run([str(bindir / "python"), "-c", "import audit, sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path).stdout.strip()
    installed = {p.name for p in Path(site).iterdir()}
    assert {"audit", "reports", "flows"} <= installed and not {"bench", "devtools", "tests"} & installed
    assert not list(Path(site, "audit").rglob("eutils_server.py")) and not list(Path(site, "audit").rglob("evaluation"))
