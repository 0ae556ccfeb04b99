"""newsmon's front page and its readable tables in a real headless Chromium, over a real crawl
of the sample site served by a real `newsmon serve` (tests/served.py).

Screenshots go to tests/output/ (front.png, versions.png, changes.png, alerts_query.png).
"""

from __future__ import annotations

import re

import pytest
from browser import chromium, dump_dom, screenshot
from conftest import rows
from served import Served, crawled_and_served

from monitor.sample_site.script import HEADLINE_NEW


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


@pytest.fixture(scope="module")
def served(browser, tmp_path_factory) -> Served:
    with crawled_and_served(tmp_path_factory.mktemp("front")) as running:
        yield running


def test_the_front_page_shows_stories_edits_alerts_and_the_way_to_the_tables(
    browser, served, tmp_path
):
    dom = dump_dom(browser, tmp_path, served.base + "/")
    assert 'class="index nm-front"' in dom
    # The story and its newest event, linked to the event on the story page.
    event = rows(
        served.db_path,
        "select id from events where story = ? order by first_seen desc limit 1",
        [served.story],
    )[0]
    assert f"#event-{event['id']}" in dom
    assert "first_article_id" not in dom  # no Python repr of a row leaks into the page
    # The Geneva edits as tracked changes, with version numbers as people count them.
    # (on the timeline's page that holds the change: `?before=` once the timeline has pages)
    assert re.search(rf'href="/-/newsmon/article/{served.genf}(\?before=\d+)?#change-\d+"', dom)
    assert HEADLINE_NEW in dom
    assert re.search(r"<del[^>]*>", dom) and re.search(r"<ins[^>]*>", dom)
    assert re.search(r"version \d → \d", dom)
    assert "Alerts waiting or dead" in dom and "Sources with problems" in dom
    # What each waiting alert matched, as the words of its article, never the story's terms.
    matched = re.findall(r'<td class="nm-matched">(.*?)</td>', dom, re.S)
    assert matched and all(m.strip() for m in matched), matched
    assert any("Verhandlung" in m for m in matched) and not any("*" in m for m in matched)
    assert 'href="/monitor"' in dom  # the tables, the canned queries and SQL
    assert "<script>alert(" not in dom  # the appended paragraph's markup stays text
    shot = screenshot(browser, tmp_path, served.base + "/", "front.png")
    assert shot.stat().st_size > 20_000


def test_versions_open_without_hashes_or_the_stored_page(browser, served, tmp_path):
    dom = dump_dom(browser, tmp_path, served.base + "/monitor/versions")
    headers = set(re.findall(r'<th [^>]*data-column="([a-z_]+)"', dom))
    assert {"headline", "number", "fetched_at"} <= headers
    assert not headers & {"raw_html", "raw_hash", "fingerprint", "noise"}
    # The stored page is the table's under the view (version_rows), shown when asked for.
    everything = dump_dom(browser, tmp_path, served.base + "/monitor/version_rows?_nm_cols=all")
    assert {"raw_html", "raw_hash"} <= set(
        re.findall(r'<th [^>]*data-column="([a-z_]+)"', everything)
    )
    screenshot(browser, tmp_path, served.base + "/monitor/versions", "versions.png")


def test_changes_show_version_numbers_and_categories_as_words(browser, served, tmp_path):
    url = served.base + f"/monitor/changes?article_id={served.genf}&_sort=id"
    dom = dump_dom(browser, tmp_path, url)
    cells = re.findall(r'class="col-to_version[^"]*">(.*?)</td>', dom)
    assert any(">version 3</a>" in c for c in cells), cells  # the Geneva article's third text
    categories = re.findall(r'class="col-categories[^"]*">(.*?)</td>', dom)
    assert categories and not any("[" in c for c in categories), categories
    kinds = re.findall(r'class="col-kind[^"]*">(.*?)</td>', dom)
    assert any("paragraph added" in k for k in kinds) and not any("_" in k for k in kinds)
    # The plain-text diff says what `ops` shows as tracked changes: left out unless asked for.
    headers = set(re.findall(r'<th [^>]*data-column="([a-z_]+)"', dom))
    assert "ops" in headers and "diff" not in headers
    everything = dump_dom(browser, tmp_path, url + "&_nm_cols=all")
    assert "diff" in set(re.findall(r'<th [^>]*data-column="([a-z_]+)"', everything))
    screenshot(browser, tmp_path, url, "changes.png")


def test_a_canned_querys_fixed_parameter_is_a_drop_down_and_shows_no_json(
    browser, served, tmp_path
):
    url = served.base + "/monitor/alerts_by_status?status=pending"
    dom = dump_dom(browser, tmp_path, url)
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', dom, re.S)
    assert select, "status is not a drop-down"
    assert re.findall(r'<option value="(\w*)"', select.group(1)) == ["", "pending", "sent", "dead"]
    assert '<option value="pending" selected' in select.group(1)
    matched = re.findall(r'class="col-matched_words[^"]*">(.*?)</td>', dom)
    assert matched and not any('["' in m or "*" in m for m in matched), matched
    assert any("Verhandlungen" in m for m in matched), matched  # "Verhandlung*" as found
    changes = re.findall(r'class="col-change[^"]*">(.*?)</td>', dom)
    assert any("headline changed" in c for c in changes), changes
    assert not any("[" in c or "_" in c for c in changes), changes  # not body_added
    sources = dump_dom(browser, tmp_path, served.base + "/monitor/latest_changes")
    assert re.search(r'<select name="source"[^>]*>.*<option value="zdf"', sources, re.S)
    screenshot(browser, tmp_path, url, "alerts_query.png")
