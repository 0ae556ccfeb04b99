"""The web pages' charts and wording without a database: marks a minute apart stay apart,
live-blog entries have their own lane, the count axis is round and readable, "the last day",
and an alert's matched words instead of its terms (found, stored, shown)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.items import Article
from monitor.rules.words import (
    WORDS_SHOWN,
    article_words,
    json_list,
    matched_words,
    shown,
    stored_words,
)
from monitor.web.charts import (
    CATEGORY_LANE,
    LANE_NAMES,
    Mark,
    changes_chart,
    count_ticks,
    period,
    spread,
    story_chart,
)
from monitor.web.front import alert_words

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def circles(svg: str) -> list[tuple[float, float, float]]:
    return [
        (float(x), float(y), float(r))
        for x, y, r in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
    ]


def test_marks_that_would_overlap_are_moved_apart_in_time_order_and_stay_inside():
    placed = spread([(100, 5), (101, 5), (102, 8)], 0, 900)
    assert placed == sorted(placed)
    assert placed[1] - placed[0] >= 10 and placed[2] - placed[1] >= 13
    assert placed[0] == 100  # the first keeps its time
    end = spread([(895, 5), (896, 5)], 0, 900)
    assert end[1] <= 895 and end[1] - end[0] >= 10  # pushed back from the right edge
    crowded = spread([(50, 10)] * 100, 0, 900)  # more than fit: shared evenly, all visible
    assert len(set(crowded)) == 100 and min(crowded) > 0 and max(crowded) < 900
    assert spread([(10, 4), (500, 4)], 0, 900) == [10, 500]  # apart already: untouched


def test_two_body_edits_a_minute_apart_over_a_week_are_two_visible_dots():
    marks = [
        Mark(T0, "body", "first", words=9),
        Mark(T0 + timedelta(minutes=1), "body", "second", words=9),
    ]
    svg = changes_chart(marks, T0 - timedelta(days=7), T0 + timedelta(minutes=1))
    (x1, y1, r1), (x2, y2, r2) = circles(svg)
    assert y1 == y2 and x2 - x1 >= r1 + r2  # same lane, not covering each other
    assert svg.count("<title>first</title>") == 1 and svg.count("<title>second</title>") == 1


def test_live_blog_entries_have_their_own_lane():
    assert CATEGORY_LANE["entry"] == CATEGORY_LANE["entry_edited"] == "entries"
    assert CATEGORY_LANE["body_added"] != "entries"
    svg = changes_chart(
        [Mark(T0, "entries", "entry"), Mark(T0, "body", "body")], T0, T0 + timedelta(hours=1)
    )
    assert f">{LANE_NAMES['entries']}</text>" in svg
    (_, y1, _), (_, y2, _) = circles(svg)
    assert y1 != y2


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (2, [0, 1, 2]),
        (6, [0, 2, 4, 6]),
        (19, [0, 5, 10, 15, 20]),
        (480, [0, 100, 200, 300, 400, 500]),
    ],
)
def test_the_count_axis_has_whole_round_ticks(peak, ticks):
    assert count_ticks(peak) == ticks


def test_the_story_chart_labels_every_tick_and_makes_room_for_long_numbers():
    day = date(2026, 3, 2)
    svg = story_chart([day], ["zdf"], {(day, "zdf"): 2})
    assert re.findall(r'class="nm-tick"[^>]*>([^<]*)<', svg) == ["0", "1", "2"]  # no 0.5 gaps
    big = story_chart([day], ["zdf"], {(day, "zdf"): 123456})
    labels = re.findall(r'class="nm-tick" x="([\d.]+)"[^>]*>([^<]*)<', big)
    assert labels[-1][1] == "150,000"
    # Right-aligned at x: the label's ~7 pixels a character fit left of it.
    assert float(labels[-1][0]) >= 7 * len(labels[-1][1])


def test_a_period_reads_in_singular_and_plural():
    assert period(1) == "the last day"
    assert period(2) == "the last 2 days"
    day = date(2026, 3, 2)
    assert "over the last day" in story_chart([day], ["zdf"], {(day, "zdf"): 1})


def test_an_alert_shows_the_words_its_terms_matched_not_the_terms():
    version = {
        "headline": "Neuer Verhandlungstag in Genf",
        "lead": "Die Unterhändler sprechen über eine Waffenruhe.",
        "body": "Gespräche dauern an.\n\nStalks grow; talks go on.",
    }
    regex = "/W(?:a|ä)ffen(?:ruhe|stillstand)(?:[^.]{0,200})?/"  # a long pattern, as written
    terms = ["Verhandlung*", "Unterhändler*", regex, "talks", "Kreml*"]
    words = matched_words(terms, version)
    assert words[:3] == ["Verhandlungstag", "Unterhändler", "Waffenruhe"]
    assert "talks" in words and "Stalks" not in words  # whole words first
    assert regex not in words and not any(w.startswith("/") for w in words)
    assert "Kreml" not in " ".join(words)  # a term that did not match is not shown


def test_without_the_text_the_terms_are_shown_shortened():
    long = "/" + "a" * 150 + "/"
    assert matched_words(["Genf", long], {}) == ["Genf", "/" + "a" * 38 + "…"]


def test_many_words_are_cut_with_a_count():
    words = [f"w{i}" for i in range(WORDS_SHOWN + 3)]
    assert shown(words).endswith(", w11 and 3 more")
    assert shown(["Genf"]) == "Genf"


def test_the_words_of_a_version_as_rules_read_it_are_those_of_its_paragraphs():
    article = Article(
        url="https://example.org/a",
        headline="Zweiter Verhandlungstag",
        body=["Die Delegationen reisen ab.", "Eine Feuerpause gilt seit Montag."],
    )
    assert article_words(["Verhandlung*", "Feuerpause", "Delegation*"], article) == [
        "Verhandlungstag",
        "Feuerpause",
        "Delegationen",
    ]
    assert stored_words([], article) is None  # a rule without terms names no words
    assert stored_words(["Feuerpause"], None) is None  # nor a change without a version
    assert json_list(stored_words(["Feuerpause"], article)) == ["Feuerpause"]


def test_stored_lists_are_read_back_and_anything_else_is_none():
    assert json_list('["Genf", "Waffenruhe"]') == ["Genf", "Waffenruhe"]
    assert json_list(None) is None and json_list("") is None
    assert json_list("not json") is None and json_list('{"a": 1}') is None


def test_the_front_page_shows_stored_words_else_the_terms_cut_short():
    regex = "/" + "x" * 100 + "/"
    assert alert_words({"words": '["Verhandlungstag"]', "matched": '["Verhandlung*"]'}) == (
        "Verhandlungstag"
    )
    old = alert_words({"words": None, "matched": json.dumps(["Genf", regex])})
    assert old.startswith("Genf, /xxx") and regex not in old and old.endswith("…")
    assert alert_words({"words": None, "matched": "[]"}) == ""
