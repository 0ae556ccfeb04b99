"""Revisit policy: which tier an article is in, when it is checked next, and the per-source ceiling."""

import random
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.clock import format_duration
from monitor.revisit import (
    DEFAULT_TIERS,
    RevisitSettings,
    Tier,
    birth,
    look_every,
    next_check,
    parse_revisit,
    per_look,
    spread,
    tier_name,
    tier_of,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
S, M, H, D = 1, 60, 3600, 86400


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def exact() -> RevisitSettings:
    """The default tiers without jitter, so intervals can be compared exactly."""
    return RevisitSettings(tiers=list(DEFAULT_TIERS), jitter=0.0)


@pytest.mark.parametrize(
    ("age", "tier", "every"),
    [
        (0, 0, 1 * M),
        (59 * M + 59, 0, 1 * M),
        (1 * H, 1, 5 * M),
        (6 * H - 1, 1, 5 * M),
        (6 * H, 2, 15 * M),
        (1 * D - 1, 2, 15 * M),
        (1 * D, 3, 1 * H),
        (3 * D - 1, 3, 1 * H),
        (3 * D, 4, 6 * H),
        (7 * D - 1, 4, 6 * H),
        (7 * D, 5, None),
        (400 * D, 5, None),
    ],
)
def test_an_article_is_checked_at_the_pace_of_its_age(age, tier, every):
    settings = exact()
    assert tier_of(NOW, ago(age), None, settings) == tier
    expected = NOW + timedelta(seconds=every) if every else None
    assert next_check(NOW, ago(age), None, settings) == expected


@pytest.mark.parametrize(
    ("age", "since_change", "tier"),
    [
        (2 * D, 10 * M, 0),  # edited ten minutes ago: as fast as a new article
        (5 * D, 3 * H, 1),  # edited three hours ago: every 5 minutes
        (2 * D, 6 * H - 1, 1),  # the boost lasts until change_boost has passed ...
        (2 * D, 6 * H, 3),  # ... then the article is its real age again
        (30 * M, 10 * M, 0),  # a change never makes an article older than it is
        (8 * D, 1 * H, 1),  # an article that had stopped is taken up again by a change
    ],
)
def test_a_recent_change_moves_an_article_back_to_a_faster_tier(age, since_change, tier):
    assert tier_of(NOW, ago(age), ago(since_change), exact()) == tier


def test_an_article_stops_being_checked_after_a_week_without_changes():
    settings = exact()
    assert next_check(NOW, ago(7 * D), None, settings) is None
    assert next_check(NOW, ago(8 * D), ago(2 * D), settings) is None


def test_a_change_boost_of_zero_ignores_changes():
    settings = RevisitSettings(change_boost=0, jitter=0.0)
    assert tier_of(NOW, ago(2 * D), ago(1 * M), settings) == 3


def test_an_article_first_seen_in_the_future_counts_as_brand_new():
    assert tier_of(NOW, NOW + timedelta(hours=2), None, exact()) == 0


def test_age_counts_from_the_published_date_when_that_is_earlier_than_first_seen():
    assert birth(ago(1 * M), ago(3 * D)) == ago(3 * D)
    assert birth(ago(1 * M), NOW + timedelta(hours=1)) == ago(1 * M)
    assert birth(ago(1 * M), None) == ago(1 * M)


@pytest.mark.parametrize("age", [0, 2 * H, 2 * D, 5 * D])
def test_jitter_stays_within_its_share_of_the_interval(age):
    settings = RevisitSettings(jitter=0.1)
    every = exact().tiers[tier_of(NOW, ago(age), None, settings)].every
    rng = random.Random(7)
    delays = [
        (next_check(NOW, ago(age), None, settings, rng) - NOW).total_seconds() for _ in range(500)
    ]
    assert min(delays) >= every * 0.9
    assert max(delays) <= every * 1.1
    assert len(set(delays)) > 100  # it really does vary


def test_the_same_random_generator_gives_the_same_schedule():
    settings = RevisitSettings()
    first = next_check(NOW, ago(5 * M), None, settings, random.Random(1))
    again = next_check(NOW, ago(5 * M), None, settings, random.Random(1))
    assert first == again


def windows_hold_at_most(times: list[datetime], ceiling: int) -> bool:
    """No half-open window of 60 seconds, wherever it starts, holds more than `ceiling`."""
    times = sorted(times)
    return all(
        times[i + ceiling] - times[i] >= timedelta(seconds=60) for i in range(len(times) - ceiling)
    )


@pytest.mark.parametrize(
    ("due", "ceiling"),
    [
        ([NOW] * 100, 30),
        ([NOW + timedelta(seconds=i) for i in range(200)], 30),
        ([NOW - timedelta(hours=1)] * 50 + [NOW + timedelta(seconds=30)] * 50, 20),
        ([NOW + timedelta(seconds=(i * 37) % 600) for i in range(300)], 10),
        ([NOW + timedelta(minutes=i) for i in range(10)], 1),
    ],
    ids=["a burst", "a steady stream", "a backlog and a burst", "shuffled times", "one a minute"],
)
def test_spread_never_exceeds_the_ceiling_and_never_moves_a_check_earlier(due, ceiling):
    pairs = list(enumerate(due))
    result = spread(pairs, NOW, ceiling)
    assert [article for article, _ in result] == [article for article, _ in pairs]
    assert windows_hold_at_most([when for _, when in result], ceiling)
    for (_, wanted), (_, got) in zip(pairs, result, strict=True):
        assert got >= wanted
        assert got >= NOW  # overdue checks happen now, not in the past


def test_spread_keeps_checks_in_the_order_they_fell_due():
    due = [(1, NOW + timedelta(seconds=50)), (2, NOW), (3, NOW + timedelta(seconds=10))] * 20
    result = spread(due, NOW, 5)
    by_due = sorted(range(len(due)), key=lambda i: (due[i][1], i))
    assert [result[i][1] for i in by_due] == sorted(when for _, when in result)


def test_spread_leaves_checks_alone_when_they_are_under_the_ceiling():
    due = [(i, NOW + timedelta(minutes=i)) for i in range(5)]
    assert spread(due, NOW, 30) == due


def test_spread_with_no_ceiling_changes_nothing():
    due = [(i, NOW) for i in range(100)]
    assert spread(due, NOW, 0) == due


@pytest.mark.parametrize(
    ("index", "name"),
    [
        (0, "under 1h: every 1m"),
        (1, "1h-6h: every 5m"),
        (4, "3d-7d: every 6h"),
        (5, "7d or older: stopped"),
        (None, "outside every tier: stopped"),
    ],
)
def test_a_tier_has_a_name_a_person_can_read(index, name):
    assert tier_name(RevisitSettings(), index) == name


@pytest.mark.parametrize(
    ("seconds", "text"), [(90, "1m30s"), (3600, "1h"), (86400 + 1800, "1d30m"), (0, "0s")]
)
def test_durations_are_shown_in_config_units(seconds, text):
    assert format_duration(seconds) == text


def test_the_documented_table_gives_the_default_tiers():
    raw = {
        "tiers": [
            ["1h", "1m"],
            ["6h", "5m"],
            ["1d", "15m"],
            ["3d", "1h"],
            ["7d", "6h"],
            ["older", "stop"],
        ],
        "change_boost": "6h",
        "max_per_minute": 30,
        "jitter": 0.1,
    }
    errors: list[str] = []
    settings = parse_revisit(raw, errors)
    assert errors == []
    assert settings == RevisitSettings()
    assert settings.tiers == DEFAULT_TIERS


def test_a_missing_table_gives_the_defaults():
    errors: list[str] = []
    assert parse_revisit(None, errors) == RevisitSettings()
    assert parse_revisit({}, errors) == RevisitSettings()
    assert errors == []


def test_tiers_may_keep_checking_old_articles_forever():
    errors: list[str] = []
    settings = parse_revisit({"tiers": [["1d", "10m"], ["older", "1d"]], "change_boost": 0}, errors)
    assert errors == []
    assert settings.tiers == [Tier(86400, 600), Tier(None, 86400)]
    assert settings.change_boost == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fast", "At 'revisit': must be a table ([revisit])"),
        ({"tiers": "1h"}, "At 'revisit.tiers': must be a list of [age, every] pairs"),
        ({"tiers": []}, "At 'revisit.tiers': must be a list of [age, every] pairs"),
        (
            {"tiers": [["1h", "2m"], "6h"]},
            "At 'revisit.tiers[1]': '6h' must be a pair [age, every]",
        ),
        (
            {"tiers": [["1h", "2m"], ["1h", "5m"], ["older", "stop"]]},
            "At 'revisit.tiers[1][0]': '1h' must be older than the tier before it (1h)",
        ),
        (
            {"tiers": [["6h", "2m"], ["1h", "5m"], ["older", "stop"]]},
            "At 'revisit.tiers[1][0]': '1h' must be older than the tier before it (6h)",
        ),
        (
            {"tiers": [["1h", "2m"], ["7d", "6h"]]},
            "At 'revisit.tiers[1][0]': the last tier must be open-ended: write 'older'",
        ),
        (
            {"tiers": [["older", "2m"], ["older", "stop"]]},
            "At 'revisit.tiers[0][0]': only the last tier may be 'older'",
        ),
        (
            {"tiers": [["soon", "2m"], ["older", "stop"]]},
            "At 'revisit.tiers[0][0]': 'soon' is not an age",
        ),
        (
            {"tiers": [["1h", "often"], ["older", "stop"]]},
            "At 'revisit.tiers[0][1]': 'often' is not an interval",
        ),
        ({"change_boost": "a while"}, "At 'revisit.change_boost': 'a while' is not a duration"),
        ({"max_per_minute": -1}, "At 'revisit.max_per_minute': -1 must be a whole number"),
        ({"max_per_minute": "30"}, "At 'revisit.max_per_minute': '30' must be a whole number"),
        ({"jitter": 2}, "At 'revisit.jitter': 2 must be a number from 0 to 0.5"),
        (
            {"tier": []},
            "At 'revisit.tier': unknown key (known: change_boost, jitter, max_per_minute, tiers)",
        ),
    ],
    ids=[
        "revisit that is not a table",
        "tiers that are not a list",
        "an empty tier list",
        "a tier that is not a pair",
        "two tiers of the same age",
        "tiers out of order",
        "a last tier that is bounded",
        "an open-ended tier before the last",
        "an age that is not a duration",
        "an interval that is not a duration",
        "a change boost that is not a duration",
        "a negative ceiling",
        "a ceiling written as a string",
        "too much jitter",
        "a misspelt key",
    ],
)
def test_a_wrong_revisit_table_is_reported_with_its_path(raw, expected):
    errors: list[str] = []
    settings = parse_revisit(raw, errors)
    assert any(e.startswith(expected) for e in errors), errors
    assert settings.tiers == DEFAULT_TIERS  # a broken tier list is never half applied


def test_every_problem_is_reported_at_once():
    errors: list[str] = []
    parse_revisit(
        {"tiers": [["soon", "2m"], ["1h", "x"]], "jitter": -1}, errors, "sources[0].revisit"
    )
    assert errors == [
        "At 'sources[0].revisit.tiers[0][0]': 'soon' is not an age (write \"6h\" or \"7d\")",
        "At 'sources[0].revisit.tiers[1][0]': the last tier must be open-ended: write 'older' (for example [\"older\", \"stop\"])",
        "At 'sources[0].revisit.tiers[1][1]': 'x' is not an interval (write \"5m\", or \"stop\")",
        "At 'sources[0].revisit.jitter': -1 must be a number from 0 to 0.5",
    ]


SHIPPED = Path(__file__).resolve().parents[2] / "config" / "monitor.toml"


def shipped() -> RevisitSettings:
    with SHIPPED.open("rb") as fh:
        raw = tomllib.load(fh)["revisit"]
    errors: list[str] = []
    settings = parse_revisit(raw, errors)
    assert errors == []
    return settings


def test_the_shipped_table_is_the_default_the_sample_config_gets():
    assert shipped() == RevisitSettings()


def test_an_edit_of_a_young_article_is_fetched_well_within_two_minutes():
    # Worst case: the edit lands just after a check; the next is due one stretched interval
    # later and found at the daemon's next look. 30 s of the 2 minutes stay for the crawl's
    # politeness delays and the send (make bench-latency measures the whole way).
    settings = shipped()
    first = settings.tiers[0]
    assert first.max_age is not None and first.max_age >= 1 * H
    assert first.every * (1 + settings.jitter) + look_every(settings) <= 90


@pytest.mark.parametrize(
    ("tiers", "every"),
    [
        (DEFAULT_TIERS, 15),
        ([Tier(86400, 10), Tier(None, None)], 2),
        ([Tier(86400, 3), Tier(None, None)], 1),
        ([Tier(86400, 3600), Tier(None, None)], 60),
        ([Tier(None, None)], 60),
    ],
)
def test_the_daemon_looks_for_due_articles_four_times_per_fastest_interval(tiers, every):
    assert look_every(RevisitSettings(tiers=tiers)) == every


@pytest.mark.parametrize(
    ("ceiling", "every", "most"), [(30, 15, 7), (30, 60, 30), (2, 15, 1), (0, 15, 0)]
)
def test_one_look_takes_no_more_than_its_share_of_the_ceiling(ceiling, every, most):
    assert per_look(RevisitSettings(max_per_minute=ceiling), every) == most
