"""``citeaudit review`` in chromium: decisions that last across nightly runs, and the server's guards."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from browser import PageWatch, launch
from nightly_corpus import write_config

pytestmark = [pytest.mark.browser]
AID = "nsclc"
HOSTILE = "<img src=x onerror=alert(1)> false alarm: the claim is the author's own lab's \"note\""


def _env(root: Path) -> dict:
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    env.pop("CITEAUDIT_REVIEW_TOKEN", None)
    return env


def _cli(root: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audit.cli", *args], cwd=root, env=_env(root),
                          capture_output=True, text=True, timeout=600, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def setup(root_dir, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    src = (root_dir / "examples" / "articles" / "nsclc-targeted-therapy.md").read_text(encoding="utf-8")
    (corpus / f"{AID}.md").write_text(src, encoding="utf-8")
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", corpus, out, offline=root_dir / "examples" / "records")
    r = _cli(root_dir, "nightly", "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "audit.cli", "review", "--config", str(cfg), "--port", str(port)],
                            cwd=root_dir, env=_env(root_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError(proc.communicate()[1].decode())
    yield {"cfg": cfg, "out": out, "corpus": corpus, "base": base, "src": src}
    proc.terminate()          # the server this test started, by its own handle
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    p = ctx.new_page()
    p.watch = PageWatch(p)
    yield p
    ctx.close()


def _static(page, out: Path):
    page.goto((out / "articles" / AID / "report.html").as_uri())
    page.wait_for_selector("body[data-ready='1']")


def test_dismissed_finding_lasts_until_its_claim_changes(page, setup, root_dir):
    base, out = setup["base"], setup["out"]
    page.goto(f"{base}/review/{AID}")
    first = page.locator("section[data-problem]").first
    pid = first.get_attribute("data-problem")
    quote = first.locator(".q").inner_text().strip("\u201c\u201d").rstrip("\u2026")
    first.locator("textarea[name=note]").fill(HOSTILE)
    with page.expect_navigation():
        first.locator("button[value=dismissed]").click()
    assert "Decision:" in page.content(), (page.url, page.content()[:500])
    sec = page.locator(f"section[data-problem='{pid}']")
    assert "dismissed as a false alarm" in sec.locator(".state").inner_text()
    assert sec.locator(".note").inner_text() == HOSTILE          # hostile text renders as text
    assert page.locator("img").count() == 0 and page.watch.dialogs == []
    page.screenshot(path=str(root_dir / "test-artifacts" / "review.png")) if (root_dir / "test-artifacts").is_dir() else None

    # The nightly again, article unchanged: the static report shows it dismissed, with the note.
    r = _cli(root_dir, "nightly", "--config", str(setup["cfg"]))
    assert r.returncode == 0, r.stderr
    _static(page, out)
    card = page.locator(f"#findings li[data-problem='{pid}']")
    assert "dismissed as a false alarm" in card.inner_text() and HOSTILE in card.inner_text()
    assert card.locator(".badge.new").count() == 0
    assert page.locator("img").count() == 0 and page.watch.dialogs == []
    csv_text = (out / "articles" / AID / "findings.csv").read_text(encoding="utf-8")
    assert '"dismissed"' in csv_text
    page.goto((out / "index.html").as_uri())
    page.wait_for_selector("body[data-ready='1']")
    assert int(page.locator("#count-dismissed strong").inner_text()) >= 1
    assert int(page.locator("#count-new strong").inner_text()) == 0

    # Edit the claim: the finding is open again (new), no longer dismissed.
    edited = setup["src"].replace(quote.split()[0] + " " + quote.split()[1], quote.split()[0] + " recent " + quote.split()[1], 1)
    assert edited != setup["src"]
    (setup["corpus"] / f"{AID}.md").write_text(edited, encoding="utf-8")
    r = _cli(root_dir, "nightly", "--config", str(setup["cfg"]))
    assert r.returncode == 0, r.stderr
    _static(page, out)
    assert page.locator("#findings li", has_text="dismissed as a false alarm").count() == 0
    assert '"dismissed"' not in (out / "articles" / AID / "findings.csv").read_text(encoding="utf-8")

    # The decisions are labelled data: exported, and scored per kind.
    dest = setup["out"].parent / "decisions.csv"
    r = _cli(root_dir, "review", "--config", str(setup["cfg"]), "--export", str(dest))
    assert r.returncode == 0 and "dismissed" in dest.read_text(encoding="utf-8")
    r = _cli(root_dir, "eval", "decisions", "--config", str(setup["cfg"]))
    assert r.returncode == 0, r.stderr
    assert re.search(r"decisions=\d+ kinds=1 precision_all=0\.000", r.stdout)


def test_post_without_csrf_is_refused(setup):
    req = urllib.request.Request(f"{setup['base']}/decide", method="POST",
                                 data=f"article_id={AID}&problem=p1&decision=dismissed&note=x".encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 403
    import json
    report = json.loads((setup["out"] / "articles" / AID / "report.json").read_text(encoding="utf-8"))
    assert report["findings"] and not any("review" in f for f in report["findings"])


def test_non_local_bind_without_token_refuses_to_start(root_dir, tmp_path):
    cfg = write_config(tmp_path / "config.yaml", tmp_path, tmp_path / "out")
    r = _cli(root_dir, "review", "--config", str(cfg), "--host", "0.0.0.0", "--port", str(_free_port()))
    assert r.returncode == 2
    assert "token" in r.stderr
