"""The timeline, story overview and story pages in a real headless Chromium (Debian's `chromium` package).

Chromium loads each page from a real `newsmon serve` over a real crawl (tests/served.py),
prints the DOM it built (--dump-dom) and takes a screenshot (--screenshot). The screenshots
go to the test's own tmp_path and are copied to tests/output/ (ignored by git), where a
person or CI can look at them after the run.

Without Chromium these tests skip, unless NEWSMON_REQUIRE_BROWSER=1 (set by .ci/run), when
they fail: CI must not pass without having looked at the pages in a browser.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from browser import chromium, dump_dom, screenshot
from conftest import rows
from served import APPENDED, Served, crawled_and_served, marks

from monitor.sample_site.script import HEADLINE_NEW
from monitor.web.stories import MAX_EVENTS


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


@pytest.fixture(scope="module")
def served(browser, tmp_path_factory) -> Served:
    with crawled_and_served(tmp_path_factory.mktemp("browser")) as running:
        yield running


def test_chromium_renders_the_timeline_with_its_deletions_and_insertions(browser, served, tmp_path):
    url = f"{served.base}/-/newsmon/article/{served.genf}"
    dom = dump_dom(browser, tmp_path, url)
    found = marks(dom)
    assert "Unterhändler ringen um" in found.deleted
    assert "Zähes Ringen in Genf: Noch kein" in found.inserted
    assert APPENDED in found.inserted  # the added paragraph, its markup characters as text
    assert "<h1>" + HEADLINE_NEW + "</h1>" in dom
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="nm-chart"' in dom
    assert "<script>alert(" not in dom
    shot = screenshot(browser, tmp_path, url, "timeline.png")
    assert shot.stat().st_size > 20_000  # a page with text and a chart, not a blank one


def test_chromium_renders_the_story_overview_with_its_chart(browser, served, tmp_path):
    url = f"{served.base}/-/newsmon/story"
    dom = dump_dom(browser, tmp_path, url)
    assert dom.count('class="nm-bar"') >= 3  # one bar per outlet on the day of the crawl
    for outlet in ("zdf", "tagesschau", "world"):
        assert f">{outlet}</text>" in dom  # the chart's legend
    assert "Most changed articles" in dom
    shot = screenshot(browser, tmp_path, url, "story.png")
    assert shot.stat().st_size > 20_000


def test_chromium_renders_the_story_page_with_its_events_and_links_to_timelines(
    browser, served, tmp_path
):
    path = "/-/newsmon/stories/" + urllib.parse.quote(served.story, safe="")
    dom = dump_dom(browser, tmp_path, served.base + path)
    events = rows(served.db_path, "select id, headline from events where story = ?", [served.story])
    members = rows(
        served.db_path,
        "select article_id from story_members where story = ?",
        [served.story],
    )
    assert events and members
    shown = re.findall(r'<li class="nm-story-event" id="event-(\d+)">', dom)
    assert len(shown) == min(len(events), MAX_EVENTS)
    assert {int(e) for e in shown} <= {e["id"] for e in events}
    links = set(re.findall(r'class="nm-member-link" href="/-/newsmon/article/(\d+)"', dom))
    assert {str(m["article_id"]) for m in members} <= links  # every article, in an event or not
    for source in {r["source"] for r in rows(served.db_path, "select source from story_members")}:
        assert f'<strong class="nm-source">{source}</strong>' in dom
    # An edit links to that change on the Geneva article's timeline, which the browser opens.
    edit = re.search(rf'href="(/-/newsmon/article/{served.genf}\?before=\d+)#(change-\d+)"', dom)
    assert edit, "no edit of the Geneva article on the story page"
    timeline = dump_dom(browser, tmp_path, served.base + edit.group(1))
    assert f'id="{edit.group(2)}"' in timeline
    assert f'href="{path}"' in timeline  # and the timeline links back to the story
    assert "<script>alert(" not in dom
    shot = screenshot(browser, tmp_path, served.base + path, "story_page.png")
    assert shot.stat().st_size > 20_000


# --- issue 17: the timeline's alerts, lanes and outlet link; the overview's wording and axis ---


def test_chromium_shows_an_alerts_matched_words_and_the_outlet_link_on_the_timeline(
    browser, served, tmp_path
):
    url = f"{served.base}/-/newsmon/article/{served.genf}"
    dom = dump_dom(browser, tmp_path, url)
    words = re.findall(r'<span class="nm-matched">([^<]*)</span>', dom)
    assert words, "no alert with matched words on the Geneva timeline"
    # Words from the text ("Waffenruhe"), never the story's terms ("Waffenruhe*") or a regex.
    assert all("*" not in w and not w.startswith("/") for w in words), words
    assert any(w.startswith("Waffenruhe, ") for w in words)  # the headline's word, first
    assert re.search(r"· 2 edits\s", dom)  # the headline and the paragraph
    # The moratorium was taken down and came back: its link to the outlet is a plain link.
    gone = f"{served.base}/-/newsmon/article/{served.moratorium}"
    moratorium = dump_dom(browser, tmp_path, gone)
    link = re.search(r'<a class="nm-outlet" href="(http://127\.0\.0\.1:\d+/[^"]+)"', moratorium)
    assert link, "no link to the outlet on a timeline with a takedown"
    assert moratorium.count("<path d=") >= 1  # the takedown's cross in the chart
    # The takedown's alert has no version of its own: its words are the text taken down's.
    gone_words = re.findall(r'<span class="nm-matched">([^<]*)</span>', moratorium)
    assert len(gone_words) >= 2 and all("*" not in w for w in gone_words), gone_words
    shot = screenshot(browser, tmp_path, gone, "timeline_takedown.png")
    assert shot.stat().st_size > 20_000


def test_chromium_shows_the_overview_over_the_last_day_with_whole_ticks(browser, served, tmp_path):
    url = f"{served.base}/-/newsmon/story?days=1"
    dom = dump_dom(browser, tmp_path, url)
    assert "over the last day up to the latest change" in dom
    assert "1 days" not in dom
    ticks = re.findall(r'<text class="nm-tick"[^>]*>([^<]*)</text>', dom)
    assert len(ticks) >= 3 and ticks[0] == "0"
    assert all(re.fullmatch(r"\d[\d,]*", t) for t in ticks), ticks
    assert "<th>Edits</th>" in dom
    shot = screenshot(browser, tmp_path, url, "story_day.png")
    assert shot.stat().st_size > 20_000
