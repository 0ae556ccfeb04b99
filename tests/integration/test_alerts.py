"""From changes to alert rows: rules see only what changed; evaluation is replay-safe; health episodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import clock, store
from monitor.config import parse_config
from monitor.crawl.record import Extracted, Outcome, record_page
from monitor.items import Article, Page
from monitor.notify.health import check_health
from monitor.rules.evaluate import evaluate

URL = "https://www.zdfheute.de/politik/ausland/genf-100.html"
NOW = datetime(2026, 11, 24, 10, 20, tzinfo=UTC)


def config_with(rules: list[dict], db_path: Path, **extra):
    raw = {
        "newsmon": {"database": str(db_path)},
        "sources": [{"name": "zdf", "feeds": ["https://www.zdfheute.de/rss"]}],
        "rules": rules,
        **extra,
    }
    return parse_config(raw, Path("test.toml"))


def article(headline="Delegationen treffen sich in Genf", body=None) -> Article:
    return Article(
        url=URL,
        canonical_url=URL,
        headline=headline,
        lead="Die Gespräche gehen weiter.",
        body=body
        or [
            "In Genf beraten Unterhändler über eine Waffenruhe in der Ukraine.",
            "Das Treffen findet in einem Hotel am See statt, wie es hieß.",
        ],
    )


def record(db, art: Article, body: bytes = b"x") -> Outcome:
    page = Page(url=URL, source="zdf", status=200, body=body)
    return record_page(db, Extracted(page, article=art))


@pytest.fixture
def db_path(tmp_path):
    """Where conftest's `db` fixture opens the database: the file the configs below name."""
    return tmp_path / "m.db"


RULE = {
    "name": "talks",
    "any": ["Waffenruhe"],
    "events": ["new", "changed"],
    "notify": ["newsroom"],
}


def test_a_keyword_already_in_the_article_does_not_fire_when_another_paragraph_is_edited(
    db, tmp_path
):
    config = config_with([{**RULE, "events": ["changed"]}], tmp_path / "m.db")
    record(db, article())
    record(
        db,
        article(
            body=[
                "In Genf beraten Unterhändler über eine Waffenruhe in der Ukraine.",
                "Das Treffen findet in einem Hotel am Genfer See statt, wie es hieß.",
            ]
        ),
        b"y",
    )
    assert evaluate(db, config, NOW) == 0
    assert db["alerts"].count == 0
    assert db["changes"].count_where("evaluated_at is null") == 0


def test_a_headline_edit_that_introduces_the_keyword_fires(db, tmp_path):
    config = config_with(
        [{**RULE, "events": ["changed"], "fields": ["headline"]}], tmp_path / "m.db"
    )
    record(db, article())
    record(db, article(headline="Delegationen ringen in Genf um eine Waffenruhe"), b"y")
    assert evaluate(db, config, NOW) == 1
    alert = next(db["alerts"].rows)
    assert alert["rule"] == "talks" and alert["tag"] == "newsroom" and alert["status"] == "pending"
    assert json.loads(alert["matched"]) == ["Waffenruhe"]


def test_evaluating_again_never_makes_a_second_alert(db, tmp_path):
    config = config_with([RULE], tmp_path / "m.db")
    record(db, article())
    assert evaluate(db, config, NOW) == 1
    # A crash after the alerts were written but before the change was marked cannot happen (one
    # transaction); replaying anyway must be harmless.
    db.execute("update changes set evaluated_at = null")
    db.conn.commit()
    assert evaluate(db, config, NOW) == 0
    assert db["alerts"].count == 1


def test_one_alert_per_rule_and_target_tag(db, tmp_path):
    config = config_with(
        [{**RULE, "notify": ["newsroom", "desk"]}, {"name": "everything", "events": ["new"]}],
        tmp_path / "m.db",
    )
    record(db, article())
    assert evaluate(db, config, NOW) == 3
    assert sorted((a["rule"], a["tag"]) for a in db["alerts"].rows) == [
        ("everything", "default"),
        ("talks", "desk"),
        ("talks", "newsroom"),
    ]


def test_an_hourly_digest_waits_for_the_end_of_the_hour(db, tmp_path):
    config = config_with([{**RULE, "digest": "hourly"}], tmp_path / "m.db")
    record(db, article())
    evaluate(db, config, NOW)
    assert next(db["alerts"].rows)["not_before"] == "2026-11-24T11:00:00+00:00"


def test_a_burst_of_edits_within_the_rate_limit_joins_the_waiting_alert(db, tmp_path):
    config = config_with([{**RULE, "rate_limit": "30m", "events": ["changed"]}], tmp_path / "m.db")
    record(db, article())
    evaluate(db, config, NOW)
    record(db, article(headline="Waffenruhe: Delegationen treffen sich in Genf"), b"2")
    evaluate(db, config, NOW)
    db["alerts"].update(1, {"status": "sent", "sent_at": clock.iso(NOW)})
    record(db, article(headline="Waffenruhe in Sicht: Delegationen treffen sich in Genf"), b"3")
    evaluate(db, config, NOW + timedelta(minutes=5))
    record(db, article(headline="Waffenruhe nah: Delegationen treffen sich in Genf"), b"4")
    evaluate(db, config, NOW + timedelta(minutes=6))
    later = list(db["alerts"].rows_where("id > 1", order_by="id"))
    assert len(later) == 2
    assert {a["not_before"] for a in later} == {clock.iso(NOW + timedelta(minutes=30))}


def test_a_source_failing_in_a_row_alerts_once_when_it_starts_and_once_when_it_clears(db, tmp_path):
    config = config_with([], tmp_path / "m.db", health={"failures_in_a_row": 3})

    def run(errors: int, fetched: int) -> None:
        store.record_run(
            db,
            {
                "run_id": clock.now(),
                "source": "zdf",
                "started_at": clock.now(),
                "finished_at": clock.now(),
                "seconds": 1.0,
                "requests": 1,
                "responses": fetched,
                "fetched": fetched,
                "not_modified": 0,
                "new": 0,
                "changed": 0,
                "unchanged": fetched,
                "removed": 0,
                "restored": 0,
                "dropped": "{}",
                "errors": errors,
                "statuses": "{}",
                "finish_reason": "",
            },
        )

    store.record_error(
        db, "r", "zdf", "https://www.zdfheute.de/rss", "DNSLookupError: no such host"
    )
    for _ in range(2):
        run(errors=1, fetched=0)
        assert check_health(db, config, NOW) == 0
    run(errors=1, fetched=0)
    assert check_health(db, config, NOW) == 1
    run(errors=1, fetched=0)
    assert check_health(db, config, NOW) == 0  # still failing: no second alert
    run(errors=0, fetched=5)
    assert check_health(db, config, NOW) == 1
    messages = [a["message"] for a in db["alerts"].rows_where(order_by="id")]
    assert "3 crawls in a row failed" in messages[0] and "DNSLookupError" in messages[0]
    assert messages[1].startswith("zdf: resolved:")
    assert {a["tag"] for a in db["alerts"].rows} == {"admin"}


def test_a_blocked_source_is_reported(db, tmp_path):
    config = config_with([], tmp_path / "m.db")
    store.record_run(
        db,
        {
            "run_id": "r",
            "source": "zdf",
            "started_at": "",
            "finished_at": "",
            "seconds": 1.0,
            "requests": 3,
            "responses": 3,
            "fetched": 0,
            "not_modified": 0,
            "new": 0,
            "changed": 0,
            "unchanged": 0,
            "removed": 0,
            "restored": 0,
            "dropped": "{}",
            "errors": 3,
            "statuses": json.dumps({"429": 2, "403": 1}),
            "finish_reason": "",
        },
    )
    assert check_health(db, config, NOW) == 1
    assert "HTTP 429" in next(db["alerts"].rows)["message"]
