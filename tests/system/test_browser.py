"""The timeline, story overview and story pages in a real headless Chromium (Debian's `chromium` package).

Chromium loads each page from a real `newsmon serve` over a real crawl (tests/served.py),
prints the DOM it built (--dump-dom) and takes a screenshot (--screenshot). The screenshots
go to the test's own tmp_path and are copied to tests/output/ (ignored by git), where a
person or CI can look at them after the run.

Without Chromium these tests skip, unless NEWSMON_REQUIRE_BROWSER=1 (set by .ci/run), when
they fail: CI must not pass without having looked at the pages in a browser.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from conftest import rows
from served import APPENDED, Served, crawled_and_served, marks

from monitor.sample_site.script import HEADLINE_NEW
from monitor.web.stories import MAX_EVENTS

OUTPUT = Path(__file__).resolve().parents[1] / "output"
WINDOW = (1280, 2000)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium is missing: apt-get install chromium (Debian's package)"
    if os.environ.get("NEWSMON_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; NEWSMON_REQUIRE_BROWSER=1 requires the browser tests to run")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


@pytest.fixture(scope="module")
def served(browser, tmp_path_factory) -> Served:
    with crawled_and_served(tmp_path_factory.mktemp("browser")) as running:
        yield running


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    argv = [
        browser,
        "--headless",
        "--no-sandbox",  # as root in a container; the pages are our own, on 127.0.0.1
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-default-browser-check",
        # Names other than 127.0.0.1 do not resolve: the pages must work with no internet,
        # and the browser must not reach out on its own.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def dump_dom(browser: str, tmp_path: Path, url: str) -> str:
    result = run_chromium(browser, tmp_path / "profile", "--dump-dom", url)
    assert result.returncode == 0 and "</html>" in result.stdout, result.stderr[-3000:]
    return result.stdout


def screenshot(browser: str, tmp_path: Path, url: str, name: str) -> Path:
    path = tmp_path / name
    result = run_chromium(
        browser,
        tmp_path / "profile",
        f"--screenshot={path}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--hide-scrollbars",
        url,
    )
    assert result.returncode == 0 and path.is_file(), result.stderr[-3000:]
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == WINDOW  # the PNG header's width and height
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(path, OUTPUT / name)
    return path


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
    edit = re.search(rf'href="(/-/newsmon/article/{served.genf})#(change-\d+)"', dom)
    assert edit, "no edit of the Geneva article on the story page"
    timeline = dump_dom(browser, tmp_path, served.base + edit.group(1))
    assert f'id="{edit.group(2)}"' in timeline
    assert f'href="{path}"' in timeline  # and the timeline links back to the story
    assert "<script>alert(" not in dom
    shot = screenshot(browser, tmp_path, served.base + path, "story_page.png")
    assert shot.stat().st_size > 20_000
