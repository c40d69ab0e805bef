"""The article page lists what reading set aside as page chrome, collapsed until opened."""
from __future__ import annotations

import re

import pytest

from audit.models import ArticleAudit
from audit.reading.ingest import read_article
from reports.writer import write_article_report
from browser import PageWatch, chromium_path, launch

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    assert chromium_path() is not None, "no system chromium: run `make browser`"
    with launch() as b:
        yield b


def test_set_aside_chrome_is_shown_collapsed_with_lines(browser, shared_dir, tmp_path):
    art = read_article(shared_dir / "seeds" / "ileal-net-answer.txt")
    folder = write_article_report(ArticleAudit(article=art, pairs=[], findings=[]), tmp_path)
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
    page = ctx.new_page()
    watch = PageWatch(page)
    page.goto((folder / "report.html").as_uri())
    page.wait_for_selector("body[data-ready='1']")
    box = page.locator("details#set-aside")
    assert box.get_attribute("open") is None                       # collapsed
    assert box.locator("summary").inner_text() == f"Set aside as page chrome ({len(art.set_aside)})"
    item = box.locator("li", has_text="assumes no liability")
    assert not item.is_visible()
    box.locator("summary").click()
    assert item.is_visible()
    line = next(s.line for s in art.set_aside if "assumes no liability" in s.text)
    assert f"line {line}:" in item.inner_text()
    assert watch.page_errors == [] and watch.console_errors == [] and watch.network() == []
    ctx.close()
