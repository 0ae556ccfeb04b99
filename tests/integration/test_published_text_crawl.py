"""Issue 16, class 1, through real `newsmon crawl` runs: the store keeps the characters the
outlet published, and a page that only changes its typography is no change.

A sample-site article is served from a local site (tests/moving_site.py) twice: first with its
typography folded as databases hold it today (normalized text), then as published with
typographic quotes, dashes and an ellipsis. The second crawl must add no version and no change.
"""

from __future__ import annotations

import urllib.request

import pytest
from conftest import rows
from moving_site import MovingSite, count, crawler

from monitor.text import fold_typography

PATH = "/gespraeche-genf"
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def moving():
    with MovingSite() as running:
        yield running


def published_page(site) -> str:
    """A sample-site article with typography in its text: quotes, a dash, an ellipsis."""
    path = site.published_paths("zdf")[0]
    with urllib.request.urlopen(site.url(path), timeout=10) as answer:
        page = answer.read().decode("utf-8")
    start = page.index("<p class=", page.index('data-testid="text-module"'))
    sentence = "<p>\u201eWir reden weiter\u201c \u2013 so der Sprecher\u2026 Ein Termin steht.</p>"
    return page[:start] + sentence + page[start:]


def test_typography_alone_is_no_change_and_the_store_keeps_the_published_text(
    site, moving, tmp_path
):
    curly = published_page(site)
    plain = fold_typography(curly)
    assert plain != curly
    crawl, db = crawler(moving, tmp_path)
    moving.routes[PATH] = (200, HTML, plain.encode())
    moving.list(PATH)
    crawl()
    assert count(db, "select count(*) as n from versions") == 1
    moving.routes[PATH] = (200, HTML, curly.encode())
    crawl()
    assert count(db, "select count(*) as n from versions") == 1
    assert count(db, "select count(*) as n from changes where kind != 'new'") == 0

    # A fresh database stores the page as published.
    (tmp_path / "fresh").mkdir()
    crawl_again, db_again = crawler(moving, tmp_path / "fresh")
    crawl_again()
    (version,) = rows(db_again, "select body, lead from versions")
    stored = version["body"] + version["lead"]
    assert "\u201eWir reden weiter\u201c \u2013 so der Sprecher\u2026" in stored
