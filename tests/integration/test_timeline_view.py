"""The timeline and the story overview as they read a real store (record, evaluate, then the
views monitor.web reads): an alert's matched words, not its rule's regex; the link to the
outlet kept for a taken-down article; "most changed" counting what the timeline counts; the
overview's period in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

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
