"""The timeline and the story overview as they read a real store (record, evaluate, then the
views monitor.web reads): an alert's matched words, not its rule's regex; the link to the
outlet kept for a taken-down article; "most changed" counting what the timeline counts; the
overview's period in words."""

from __future__ import annotations

import re
import urllib.request
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

from served import free_port, serve

from monitor.config import parse_config
from monitor.crawl.record import Extracted, record_page
from monitor.items import Article, Page
from monitor.rules.evaluate import evaluate
from monitor.web.views import load_article, load_story

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = "https://www.zdf.de/genf-100.html"
# A long pattern, as rules write them: the timeline must not show it.
REGEX = "/(?:Waffenruhe|Waffenstillstand|Feuerpause)(?:n)?(?:[ -](?:in|für|um)[ -]\\w+)?/"


def config(db_path: Path):
    raw = {
        "newsmon": {"database": str(db_path)},
        "sources": [{"name": "zdf", "feeds": ["https://www.zdf.de/rss"]}],
        "rules": [
            {"name": "truce", "any": [REGEX], "events": ["new", "changed"], "notify": ["desk"]},
            {"name": "talks", "any": ["Verhandlung*"], "events": ["new"], "notify": ["desk"]},
            {"name": "gone", "any": [REGEX], "events": ["removed"], "notify": ["desk"]},
        ],
    }
    return parse_config(raw, Path("test.toml"))


def article(body: list[str], headline: str = "Unterhändler ringen um eine Waffenruhe") -> Article:
    return Article(url=URL, headline=headline, lead="Der Verhandlungstag in Genf endet.", body=body)


def record(db, art: Article, raw: bytes, status: int = 200):
    page = Page(url=URL, source="zdf", status=status, body=raw)
    return record_page(db, Extracted(page, article=art if status == 200 else None))


def stored(db, db_path) -> int:
    """One article: new, a paragraph added, taken down; alerts evaluated after each."""
    cfg = config(db_path)
    first = record(db, article(["Die Gespräche dauern an."]), b"1")
    evaluate(db, cfg, NOW)
    record(db, article(["Die Gespräche dauern an.", "Eine Feuerpause für Charkiw gilt."]), b"2")
    evaluate(db, cfg, NOW)
    record(db, article([]), b"", status=404)
    evaluate(db, cfg, NOW)
    return first.article_id


def test_an_alert_shows_the_words_that_matched_not_the_rules_regex(db, db_path):
    view = load_article(db.conn, stored(db, db_path))
    by_rule = {}
    for alert in view.alerts:
        by_rule.setdefault(alert["rule"], []).append(alert["words"])
    assert by_rule["talks"] == ["Verhandlungstag"]  # the word, not "Verhandlung*"
    # The new article matched "Waffenruhe", the added paragraph "Feuerpause für Charkiw".
    assert by_rule["truce"][:2] == ["Waffenruhe", "Waffenruhe, Feuerpause für Charkiw"]
    assert all(REGEX not in w and "(?:" not in w for words in by_rule.values() for w in words)
    event_alerts = [a for e in view.events for a in e.alerts]
    assert {a["id"] for a in event_alerts} == {a["id"] for a in view.alerts}


def test_a_taken_down_article_keeps_its_link_to_the_outlet(db, db_path):
    view = load_article(db.conn, stored(db, db_path))
    assert view.status == "removed"
    assert view.link == URL
    # A takedown alert has no version: its words come from the text that was taken down.
    [takedown] = [a for e in view.events if e.kind == "removed" for a in e.alerts]
    assert takedown["rule"] == "gone" and takedown["words"] == "Waffenruhe, Feuerpause für Charkiw"
    assert [e.kind for e in view.events] == ["new", "change", "removed"]


def test_most_changed_counts_the_edits_the_timeline_counts(db, db_path):
    article_id = stored(db, db_path)
    view = load_article(db.conn, article_id)
    story = load_story(db.conn)
    [row] = [r for r in story.most_changed if r["article_id"] == article_id]
    assert row["changes"] == view.edits == 2  # the paragraph and the takedown, not the arrival
    assert view.edits == len([e for e in view.events if e.kind != "new"])


def test_the_overview_says_the_last_day_in_words(db, db_path):
    stored(db, db_path)
    story = load_story(db.conn)
    assert story.period == "the last day"
    assert load_story(db.conn, days=3).period == "the last 3 days"
    assert re.search(r"over the last day</title>", story.chart)


# --- issue 18: a live blog's timeline in pages of 200 changes ---------------------------------

BLOG = "https://www.zdf.de/liveblog-genf-100.html"


def busy_blog(db, db_path, changes: int = 450) -> int:
    """An article stored `changes` times (its arrival, then an edit each time), with an alert
    on the arrival."""
    cfg = config(db_path)
    first = None
    for n in range(changes):
        art = Article(url=BLOG, headline="Liveblog: Verhandlungen in Genf", lead="Stand:",
                      body=["Die Gespräche dauern an.", f"Eintrag Nummer {n} aus Genf."])  # fmt: skip
        page = Page(url=BLOG, source="zdf", status=200, body=f"{n}".encode())
        stored = record_page(db, Extracted(page, article=art))
        first = first or stored.article_id
        if n == 0:
            evaluate(db, cfg, NOW)
    return first


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def change_ids(view) -> list[int]:
    return [e.change_id for e in view.events]


def test_a_live_blog_with_450_changes_shows_200_and_links_to_the_older_ones(db, db_path):
    article_id = busy_blog(db, db_path)
    newest = load_article(db.conn, article_id)
    assert len(newest.events) == 200 and newest.edits == 449  # the header counts all of them
    assert (newest.version_count, newest.alert_count) == (450, 1)  # "talks", on the arrival
    page = newest.page
    assert (page.changes, page.first, page.last) == (450, 251, 450)
    assert page.older is not None and not page.has_newer
    assert newest.alerts == []  # the arrival's alerts are two pages back
    assert newest.chart.count('class="nm-mark"') == 200  # the chart draws the page's changes

    middle = load_article(db.conn, article_id, before=page.older)
    assert (len(middle.events), middle.page.first, middle.page.last) == (200, 51, 250)
    assert middle.page.has_newer and middle.page.newer is None  # newer: the newest page
    oldest = load_article(db.conn, article_id, before=middle.page.older)
    assert (len(oldest.events), oldest.page.first, oldest.page.last) == (50, 1, 50)
    assert oldest.page.older is None and oldest.page.newer == change_ids(newest)[0]
    assert oldest.events[0].kind == "new" and oldest.edits == 449
    assert [a["rule"] for a in oldest.alerts] == ["talks"]
    assert oldest.events[0].version.has_text  # the first version's text, to unfold

    shown = change_ids(oldest) + change_ids(middle) + change_ids(newest)
    assert len(set(shown)) == 450 and shown == sorted(shown)  # each change once, in order
    # The newer link of the oldest page leads to the changes right after it.
    assert change_ids(load_article(db.conn, article_id, before=oldest.page.newer)) == change_ids(
        middle
    )


def test_the_timeline_page_links_older_and_newer_changes(db, db_path):
    article_id = busy_blog(db, db_path, changes=205)
    db.conn.commit()
    port = free_port()
    path = f"/-/newsmon/article/{article_id}"
    with serve(db_path, port):
        html = fetch(f"http://127.0.0.1:{port}{path}")
        older = re.search(r'<a class="nm-older" href="([^"]+)">', html)
        assert older and "nm-newer" not in html
        assert "changes 6 to 205 of 205" in html and "204 edits" in html
        back = fetch(f"http://127.0.0.1:{port}{unescape(older.group(1))}")
    assert "nm-older" not in back and f'<a class="nm-newer" href="{path}">' in back
    assert "changes 1 to 5 of 205" in back and "205 versions" in back
    assert back.count('class="nm-event ') == 5
