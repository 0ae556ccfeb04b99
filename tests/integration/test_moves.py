"""Articles that move (issue 15, items 1 and 4), met by real `newsmon crawl` runs against a
local site (tests/moving_site.py): a 301 to a new slug, a feed slug whose page names the old
canonical, a chain of redirects, a canonical that answers 404 while the found URL answers 200.

One article stays one article: one `new` change and one `new` alert, whatever URL it answers
at, with the move recorded; only the URL the article last answered at can take it down.
"""

from __future__ import annotations

import pytest
from conftest import rows
from moving_site import MovingSite, count, crawler

from monitor.urls import normalize_url

HEADLINE = "Gespräche in Genf gehen in die zweite Runde"
REWORDED = "Genf: Delegationen verhandeln weiter über eine Waffenruhe"


@pytest.fixture
def moving():
    with MovingSite() as running:
        yield running


def changes(db_path, kind: str) -> int:
    return count(db_path, "select count(*) as n from changes where kind = ?", [kind])


def alerts(db_path) -> int:
    return count(db_path, "select count(*) as n from alerts where kind = 'change'")


def aliases(db_path) -> dict[str, int]:
    found = rows_of(db_path, "select url, article_id from article_urls")
    return {r["url"]: r["article_id"] for r in found}


def rows_of(db_path, sql: str) -> list[dict]:
    return rows(db_path, sql)


def test_a_301_to_a_new_slug_with_the_same_canonical_is_the_same_article_moved(moving, tmp_path):
    crawl, db = crawler(moving, tmp_path)
    moving.page("/a", HEADLINE, canonical="/a")
    moving.list("/a")
    crawl()
    moving.redirect("/a", "/b")
    moving.page("/b", HEADLINE, canonical="/a")
    moving.list("/b")
    crawl()  # the revisit of /a and the feed's /b, in whichever order they come
    assert count(db, "select count(*) as n from articles") == 1
    assert count(db, "select count(*) as n from changes") == 1 and changes(db, "new") == 1
    assert alerts(db) == 1
    (move,) = rows_of(db, "select * from article_moves")
    assert (move["from_url"], move["to_url"]) == (moving.url("/a"), moving.url("/b"))
    assert move["how"] in ("redirect", "canonical") and move["at"]
    assert set(aliases(db)) >= {moving.url("/b")} and set(aliases(db).values()) == {1}
    # The next revisit goes where the article answers: no more trips through the 301.
    before = moving.asked("/a")
    moving.list()
    crawl()
    assert moving.asked("/a") == before and moving.asked("/b") >= 2
    assert count(db, "select count(*) as n from changes") == 1
    assert count(db, "select count(*) as n from article_moves") == 1


def test_a_feed_listing_the_new_slug_before_the_revisit_is_due_finds_it_by_its_canonical(
    moving, tmp_path
):
    crawl, db = crawler(moving, tmp_path)
    moving.page("/a", HEADLINE, canonical="/a")
    moving.list("/a")
    crawl()
    moving.redirect("/a", "/b")
    moving.page("/b", HEADLINE, canonical="/a")
    moving.list("/b")
    crawl(due_only=True)  # /a was just checked: only the feed's /b is fetched
    assert moving.asked("/a") == 1
    assert count(db, "select count(*) as n from articles") == 1
    assert count(db, "select count(*) as n from changes") == 1 and alerts(db) == 1
    (move,) = rows_of(db, "select from_url, to_url, how from article_moves")
    assert move == {"from_url": moving.url("/a"), "to_url": moving.url("/b"), "how": "canonical"}


def test_a_301_to_a_new_canonical_keeps_the_article_when_the_feed_lists_the_new_slug_later(
    moving, tmp_path
):
    crawl, db = crawler(moving, tmp_path)
    moving.page("/a", HEADLINE, canonical="/a")
    moving.list("/a")
    crawl()
    moving.redirect("/a", "/b")
    moving.page("/b", REWORDED, canonical="/b")  # new slug, new canonical, reworded
    moving.list()
    crawl()  # the revisit follows the 301
    moving.list("/b")
    crawl()
    assert count(db, "select count(*) as n from articles") == 1
    assert changes(db, "new") == 1 and changes(db, "headline") == 1
    assert count(db, "select count(*) as n from changes") == 2
    assert alerts(db) == 2
    (move,) = rows_of(db, "select from_url, to_url, how from article_moves")
    assert move == {"from_url": moving.url("/a"), "to_url": moving.url("/b"), "how": "redirect"}


def test_a_new_slug_naming_the_old_canonical_with_a_reworded_headline_is_a_headline_change(
    moving, tmp_path
):
    crawl, db = crawler(moving, tmp_path)
    moving.page("/a", HEADLINE, canonical="/a")
    moving.list("/a")
    crawl()
    moving.page("/a-v2", REWORDED, canonical="/a")
    moving.list("/a-v2")
    crawl()
    assert count(db, "select count(*) as n from articles") == 1
    assert changes(db, "new") == 1
    assert changes(db, "headline") == 1
    assert count(db, "select count(*) as n from versions") == 2
    (article,) = rows_of(db, "select * from articles")
    assert article["headline"] == REWORDED
    assert aliases(db)[moving.url("/a-v2")] == article["id"]
    (move,) = rows_of(db, "select from_url, to_url, how from article_moves")
    assert move == {"from_url": moving.url("/a"), "to_url": moving.url("/a-v2"), "how": "canonical"}
    assert alerts(db) == 2  # the new article, then its headline: never a second "new"


def test_every_url_of_a_redirect_chain_is_an_alias_of_one_article(moving, tmp_path):
    crawl, db = crawler(moving, tmp_path)
    moving.redirect("/x", "/y")
    moving.redirect("/y", "/z", status=302)
    moving.page("/z", HEADLINE)  # no canonical: the page's own URL is its key
    moving.list("/x")
    crawl()
    (article,) = rows_of(db, "select * from articles")
    known = {article["url"], *aliases(db)}
    assert {moving.url(p) for p in ("/x", "/y", "/z")} <= known
    assert set(aliases(db).values()) == {article["id"]}
    assert changes(db, "new") == 1
    # Any URL of the chain listed later is the same article.
    moving.list("/y", "/x")
    crawl()
    assert count(db, "select count(*) as n from articles") == 1
    assert count(db, "select count(*) as n from changes") == 1
    assert article["answered_url"] == moving.url("/z")


def test_a_canonical_answering_404_never_takes_down_an_article_that_answers_where_found(
    moving, tmp_path
):
    crawl, db = crawler(moving, tmp_path)
    moving.page("/found", HEADLINE, canonical="/c")
    moving.gone("/c")
    moving.list("/found")
    crawl()
    (article,) = rows_of(db, "select * from articles")
    assert article["url"] == normalize_url(moving.url("/c"))
    # The feed lists the failing canonical too, as feeds do after a site's template change.
    moving.list("/found", "/c")
    # A 404 takes an article down at once and a soft 404 after 3 checks: 3 crawls show neither.
    for _ in range(3):
        crawl()
    assert moving.asked("/found") >= 4 and moving.asked("/c") >= 3
    (article,) = rows_of(db, "select * from articles")
    assert article["status"] == "live"
    assert article["answered_url"] == moving.url("/found")
    assert changes(db, "removed") == 0 and changes(db, "restored") == 0
    assert count(db, "select count(*) as n from changes") == 1  # its "new"
    assert alerts(db) == 1
    dropped = rows_of(db, "select dropped from crawl_runs order by id")
    assert all('"alias_failed": 1' in r["dropped"] for r in dropped[1:])


def test_the_url_it_answered_at_failing_is_still_a_takedown(moving, tmp_path):
    crawl, db = crawler(moving, tmp_path)
    moving.page("/found", HEADLINE, canonical="/c")
    moving.list("/found")
    crawl()
    moving.gone("/found", 410)
    crawl()
    (article,) = rows_of(db, "select * from articles")
    assert article["status"] == "removed"
    assert changes(db, "removed") == 1
    moving.page("/found", HEADLINE, canonical="/c")
    crawl()
    assert changes(db, "restored") == 1
    assert rows_of(db, "select status from articles") == [{"status": "live"}]
