"""The article page as a busy reviewer reads it, in chromium, on the bundled examples and the seed.

Every marker is coloured by the most severe finding on its citation; each
finding card names its marker, quotes its claim and carries no MeSH tree
number outside its "details"; one card per problem; what changed since the
previous audit comes first.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browser import PageWatch, launch
from audit.finding_kinds import SEVERITY_RANK
from reports.findings_view import TREE_NUMBER

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    p = ctx.new_page()
    p.watch = PageWatch(p)
    yield p
    ctx.close()


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "HOME": str(root), "CITEAUDIT_EUTILS_URL": "http://127.0.0.1:9/entrez/eutils/"}
    return subprocess.run([sys.executable, "-m", "audit.cli", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def audited(root_dir, shared_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reviewer")
    r = _cli(root_dir, "audit", str(root_dir / "examples" / "articles"),
             str(shared_dir / "seeds" / "ileal-net-answer.txt"), "--out", str(out),
             "--offline-records", str(root_dir / "examples" / "records"))
    assert r.returncode == 0, r.stderr
    return out


IDS = ["nsclc-targeted-therapy", "colorectal-cancer-genetics", "ileal-net-answer"]


def _open(page, path: Path):
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']")
    return page


def _report(out: Path, aid: str) -> dict:
    return json.loads((out / "articles" / aid / "report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("aid", IDS)
def test_every_marker_is_coloured_by_its_most_severe_finding(page, audited, aid):
    rep = _report(audited, aid)
    _open(page, audited / "articles" / aid / "report.html")
    shown = page.eval_on_selector_all(
        "#article-text .marker", "ms => ms.map(m => [m.dataset.claim, m.dataset.ref, m.className])")
    assert shown
    # The findings of each citation, read from report.json's findings themselves: a finding on
    # (claim, reference), and a finding about a reference (retracted, not found...) on all its citations.
    from reports.findings_view import REFERENCE_KINDS
    worst: dict[tuple, int] = {}
    citing: dict[str, list[str]] = {}
    for c in rep["claims"]:
        for lab in c["citations"]:
            citing.setdefault(str(lab), []).append(c["id"])
    for f in rep["findings"]:
        if f["reference_id"] is None:
            continue
        rid = str(f["reference_id"])
        on = citing.get(rid, []) if f["kind"] in REFERENCE_KINDS else [f["claim_id"]]
        for cid in on:
            worst[(cid, rid)] = min(worst.get((cid, rid), 9), SEVERITY_RANK[f["severity"]])
    names = {v: k for k, v in SEVERITY_RANK.items()}
    coloured = 0
    for cid, rid, cls in shown:
        sev = re.search(r"\bs-(\w+)", cls).group(1)
        # The problems listing this marker decide its colour; each is at least as severe as any
        # finding on the citation, and the colour is the most severe of them.
        probs = [p for p in rep["problems"] if [cid, rid] in p["markers"]]
        want = min((SEVERITY_RANK[p["severity"]] for p in probs), default=None)
        if want is None:
            assert (cid, rid) not in worst, (cid, rid)
            assert sev in ("ok", "unchecked")
            continue
        coloured += 1
        assert sev == names[want], (cid, rid, cls)
        assert want <= worst.get((cid, rid), 9)
        for i in (j for p in probs for j in p["findings"]):
            assert SEVERITY_RANK[rep["findings"][i]["severity"]] >= want
    assert coloured
    # The legend says what the colours mean.
    assert "most severe finding on that citation" in page.locator("#legend").inner_text()


def test_retracted_and_off_topic_markers_are_red(page, audited):
    # The complaint: high off_topic findings under amber "weak" markers.
    rep = _report(audited, "nsclc-targeted-therapy")
    _open(page, audited / "articles" / "nsclc-targeted-therapy" / "report.html")
    high = {(f["claim_id"], str(f["reference_id"])) for f in rep["findings"]
            if f["severity"] == "high" and f["reference_id"] is not None}
    assert high
    for cid, rid in high:
        cls = page.locator(f"#article-text .marker[data-claim='{cid}'][data-ref='{rid}']").first.get_attribute("class")
        assert "s-high" in cls, (cid, rid, cls)


@pytest.mark.parametrize("aid", IDS)
def test_each_finding_names_its_marker_quotes_its_claim_without_tree_numbers(page, audited, aid):
    rep = _report(audited, aid)
    claims = {c["id"]: c["text"] for c in rep["claims"]}
    _open(page, audited / "articles" / aid / "report.html")
    cards = page.locator("#findings li.finding")
    assert cards.count() == len(rep["problems"]) > 0
    # The raw messages do carry tree numbers: they are what the cards leave to "details".
    assert any(TREE_NUMBER.search(f["message"]) for f in rep["findings"])
    for i, p in enumerate(rep["problems"]):
        card = cards.nth(i)
        text = card.locator(".finding-text").inner_text()
        assert not TREE_NUMBER.search(text), text
        for m in p["markers"]:
            assert f"[{m[1]}]" in text
        if p["claim_id"]:
            quote = card.locator("q.quote").inner_text()
            claim = " ".join(claims[p["claim_id"]].split())
            assert claim.startswith(quote.rstrip("\u2026")), (quote, claim)
            # Shortened at a word boundary: the cut ends where a word of the claim ends.
            if quote.endswith("\u2026"):
                cut = quote.rstrip("\u2026")
                assert len(cut) < len(claim) and not claim[len(cut)].isalnum(), quote
        assert card.locator(".what").inner_text().strip()
        # The full messages are kept, closed, under "details".
        det = card.locator("details.finding-details")
        assert det.get_attribute("open") is None
        det.locator("summary").click()
        inner = det.inner_text()
        for j in p["findings"]:
            assert rep["findings"][j]["kind"].replace("_", " ") in inner
    # The side panel leads with the problem, not with the relevance verdict.
    cards.first.locator(".what").click()
    body = page.locator("#detail-body")
    assert rep["problems"][0]["what"] in body.inner_text()
    assert body.locator(".pair-details").count() == 0 or body.locator(".pair-details").first.get_attribute("open") is None
    assert page.watch.page_errors == []


def test_the_founding_case_shows_one_finding_per_problem(page, audited):
    rep = _report(audited, "ileal-net-answer")
    _open(page, audited / "articles" / "ileal-net-answer" / "report.html")
    cards = page.locator("#findings li.finding")
    markers = [m for p in rep["problems"] for m in p["markers"]]
    # No citation is told twice, every finding belongs to exactly one card.
    assert len(markers) == len({tuple(m) for m in markers})
    assert sorted(i for p in rep["problems"] for i in p["findings"]) == list(range(len(rep["findings"])))
    cited = {(c["id"], lab) for c in rep["claims"] for lab in c["citations"]}
    assert {tuple(m) for m in markers} <= cited
    assert cards.count() == len(rep["problems"]) <= len(cited)
    assert len(rep["findings"]) > cards.count()    # several findings were folded (14 into 5 when written)
    assert [f["kind"] for f in rep["findings"]] and all("problem" in f for f in rep["findings"])


def test_a_recheck_page_leads_with_the_difference(page, root_dir, tmp_path):
    from nightly_corpus import write_config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    src = (root_dir / "examples" / "articles" / "nsclc-targeted-therapy.md").read_text(encoding="utf-8")
    (corpus / "nsclc.md").write_text(src, encoding="utf-8")
    out = tmp_path / "out"
    cfg = write_config(tmp_path / "config.yaml", corpus, out, offline=root_dir / "examples" / "records")
    assert _cli(root_dir, "nightly", "--config", str(cfg)).returncode == 0
    before = _report(out, "nsclc")
    # The editor inserts a sentence at the top (every claim number shifts) and removes the claim
    # citing the retracted paper.
    retracted = next(f for f in before["findings"] if f["kind"] == "retracted")
    gone = next(c for c in before["claims"] if c["id"] == retracted["claim_id"])
    lines = src.splitlines(keepends=True)
    lines = [ln for ln in lines if " ".join(gone["text"].split()[:6]) not in ln]
    body = next(i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#"))
    lines.insert(body, "Lung cancer is a leading cause of cancer death worldwide.\n\n")
    (corpus / "nsclc.md").write_text("".join(lines), encoding="utf-8")
    r = _cli(root_dir, "recheck", "nsclc", "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    after = _report(out, "nsclc")
    was = {f["identity"]: f["claim_id"] for f in before["findings"]}
    moved = [f for f in after["findings"] if f["identity"] in was and f["claim_id"] != was[f["identity"]]]
    assert moved                       # the same claims under new numbers
    _open(page, out / "articles" / "nsclc" / "report.html")
    first = page.locator("#main > section:not([hidden]), #main > h2").first
    assert first.get_attribute("id") == "changes-section"
    fixed = page.locator("#change-fixed strong").inner_text()
    assert int(fixed) == len(after["diff"]["resolved"]) > 0
    assert "retracted" in page.locator("#fixed-list").inner_text()
    # Claims are matched by their text: the shifted numbers make nothing "new".
    assert page.locator("#change-new strong").inner_text() == str(
        sum(1 for p in after["problems"] if p["status"] == "new"))
    # (the reference the removed claim cited is now listed uncited: a new problem without a claim.)
    assert all(p["status"] == "persisting" for p in after["problems"] if p["claim_id"])
    assert "Since the previous audit" in page.locator("#changes-section h2").inner_text()
    shutil.rmtree(out / "articles", ignore_errors=True)
