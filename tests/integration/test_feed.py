"""A story's Atom feed over a real crawl, read back as a feed reader reads it (feedparser).

One crawl of the sample site (tests/served.py), served by a real `newsmon serve`: the feed
has an entry for every new article and edit of the story's members since they joined, newest
first, and every entry links to a timeline that answers, at that change.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import feedparser
import pytest
from conftest import rows
from served import APPENDED, Served, crawled_and_served

from monitor.notify.messages import label
from monitor.sample_site.script import HEADLINE_NEW
from monitor.store import open_db, story_views
from monitor.web.feed import FEED_ENTRIES


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    with crawled_and_served(tmp_path_factory.mktemp("feed")) as running:
        yield running


def feed_path(story: str) -> str:
    return f"/-/newsmon/stories/{urllib.parse.quote(story, safe='')}.atom"


def story_changes(served: Served) -> list[dict]:
    """What the feed must carry: every change of a member from the one it joined with on."""
    return rows(
        served.db_path,
        "select c.id, c.article_id, c.source, c.kind, c.categories, c.headline, c.detected_at "
        "from story_members m join changes c on c.article_id = m.article_id "
        "where m.story = ? and c.id >= m.change_id order by c.detected_at desc, c.id desc",
        [served.story],
    )


@pytest.fixture(scope="module")
def feed(served):
    status, headers, body = served.get(feed_path(served.story))
    assert status == 200, body[:500]
    assert headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_the_feed_is_atom_with_an_entry_per_new_article_and_edit_newest_first(served, feed):
    assert feed.version == "atom10"
    assert served.story in feed.feed.title
    expected = story_changes(served)
    assert expected and any(c["kind"] != "new" for c in expected)  # arrivals and edits
    assert len(feed.entries) == min(len(expected), FEED_ENTRIES)
    ids = [e.id for e in feed.entries]
    assert ids == [f"urn:newsmon:change:{c['id']}" for c in expected[: len(ids)]]
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_link == served.base + feed_path(served.story)


def test_entry_titles_name_the_outlet_the_kind_of_change_and_the_headline(served, feed):
    by_id = {f"urn:newsmon:change:{c['id']}": c for c in story_changes(served)}
    for entry in feed.entries:
        change = by_id[entry.id]
        kind = label(json.loads(change["categories"]))
        assert entry.title.startswith(f"{change['source']}: {kind} – "), entry.title
        assert entry.title.endswith(change["headline"])


def test_an_edit_entry_carries_the_changed_words_as_text(served, feed):
    edits = {e.link: e for e in feed.entries}
    genf = [e for link, e in edits.items() if f"/article/{served.genf}?before=" in link]
    if not genf:
        pytest.fail(f"no entry for the Geneva article {served.genf} in the story's feed")
    contents = " ".join(e.content[0].value for e in genf)
    assert genf[0].content[0].type == "text/plain"
    assert "{+" in contents and HEADLINE_NEW.split(":")[0] in contents
    assert APPENDED in contents  # the added paragraph, its markup characters as text


def test_every_entry_links_to_a_timeline_that_answers_at_that_change(served, feed):
    pages: dict[str, str] = {}
    for entry in feed.entries:
        url, _, anchor = entry.link.partition("#")
        assert url.startswith(served.base + "/-/newsmon/article/"), url
        if url not in pages:
            status, _, html = served.get(url.removeprefix(served.base))
            assert status == 200, url
            pages[url] = html
        change_id = entry.id.rsplit(":", 1)[1]
        assert anchor == f"change-{change_id}"
        assert url.endswith(f"?before={int(change_id) + 1}")  # the timeline's page of it
        assert f'id="{anchor}"' in pages[url], entry.link


def test_entry_ids_are_stable_between_fetches(served, feed):
    _, _, again = served.get(feed_path(served.story))
    assert [e.id for e in feedparser.parse(again).entries] == [e.id for e in feed.entries]


def test_a_feed_of_an_unknown_story_is_a_404_and_names_with_markup_are_safe(served):
    status, _, _ = served.get(feed_path("no such story"))
    assert status == 404
    status, _, body = served.get(feed_path("<b>x</b>"))
    assert status == 404 and "<b>x</b>" not in body


def test_the_story_page_links_its_feed(served):
    _, _, html = served.get(feed_path(served.story).removesuffix(".atom"))
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*href="'
        + re.escape(feed_path(served.story)),
        html,
    )


# --- the feed's query on a large story ----------------------------------------------------------


def test_the_feed_reads_only_the_newest_changes_since_each_member_joined(tmp_path: Path):
    db = open_db(tmp_path / "big.db")
    db["articles"].insert({"id": 1, "source": "zdf", "url": "https://example.org/1"})
    db["story_members"].insert(
        {"story": "s", "article_id": 1, "source": "zdf", "joined_at": "2026-01-01T00:00:10+00:00"}
    )
    db["changes"].insert_all(
        {
            "article_id": 1,
            "source": "zdf",
            "kind": "body_added",
            "categories": '["body_added"]',
            "detected_at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}+00:00",
        }
        for i in range(80)
    )
    found = story_views.feed_changes(db.conn, "s", FEED_ENTRIES)
    assert len(found) == FEED_ENTRIES
    times = [r["detected_at"] for r in found]
    assert times == sorted(times, reverse=True)
    assert times[0] == "2026-01-01T00:01:19+00:00"
    # Before it joined (ten changes), the article was not the story's.
    assert len(story_views.feed_changes(db.conn, "s", 1000)) == 70
    assert story_views.feed_changes(db.conn, "other", FEED_ENTRIES) == []
    db.close()
