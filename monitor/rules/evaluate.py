"""From stored changes to alert rows: the durable step between the store and the dispatcher.

Every change not yet evaluated is matched against the rules; the alert rows
it produces and the mark that it was evaluated are written in one
transaction, and each alert's `key` is unique, so evaluating again (after a
crash, at start-up) never makes a second alert.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlite_utils import Database

from monitor import store
from monitor.clock import iso
from monitor.config import Config
from monitor.diff.core import Diff
from monitor.notify.schedule import send_after
from monitor.rules.rules import ChangeView, Rule, build_view, match, whole_text
from monitor.rules.words import json_list, short_term, stored_words
from monitor.store import outbox, reads, stories
from monitor.stories.alerts import story_alerts

if TYPE_CHECKING:
    from monitor.notify.messages import AlertContent

logger = logging.getLogger("newsmon.alerts")


def evaluate(db: Database, config: Config, now: datetime | None = None) -> int:
    """Turn every unevaluated change into alert rows, the rules' and the stories' (with the
    story members it makes); return how many alerts were created."""
    now = now or datetime.now(UTC)
    created = 0
    pending = outbox.unevaluated_changes(db)
    for change in pending:
        with db.atomic():
            view = change_view(db, change) if config.rules or config.stories else None
            for rule, terms in _matches(db, config.rules, change, view):
                # Once per rule and change, whatever its tags, in the whole text the stories
                # read too (folded once per change).
                words = stored_words(terms, whole_text(view) if view else None)
                for tag in rule.notify:
                    created += _insert_alert(db, config, rule, change, tag, terms, words, now)
            # Stories in the same transaction: members, events and their alerts, or none of it.
            created += story_alerts(db, config, change, now, view)
            outbox.mark_evaluated(db, change["id"], iso(now))
    if created:
        logger.info("%d alert(s) from %d change(s)", created, len(pending))
    return created


def _matches(
    db: Database, rules: list[Rule], change: dict, view: ChangeView | None
) -> list[tuple[Rule, list[str]]]:
    if view is None or not rules:
        return []
    view.article.url = reads.article_url(db, change["article_id"])  # named if a regex times out
    found = []
    for rule in rules:
        result = match(rule, view)
        if result is not None:
            found.append((rule, result.terms))
    return found


def change_view(db: Database, change: dict) -> ChangeView | None:
    """What rules read of a stored change (None when it has no version to read)."""
    version_id = change["to_version"] or change["from_version"]
    if version_id is None:
        return None
    article = store.version_article(store.version_row(db, version_id))
    diff = Diff.from_json(change["ops"]) if change["ops"] else None
    return build_view(
        change["source"],
        json.loads(change["categories"]),
        article,
        diff,
        (change["words_added"] or 0) + (change["words_removed"] or 0),
    )


def _insert_alert(
    db: Database,
    config: Config,
    rule: Rule,
    change: dict,
    tag: str,
    terms: list[str],
    words: str | None,  # what the terms hit, JSON (monitor.rules.words.stored_words)
    now: datetime,
) -> int:
    key = f"{rule.name}:{change['id']}:{tag}"
    row = {
        "key": key,
        "kind": "change",
        "rule": rule.name,
        "change_id": change["id"],
        "article_id": change["article_id"],
        "version_id": change["to_version"],
        "source": change["source"],
        "tag": tag,
        "digest": rule.digest,
        "status": "pending",
        "matched": json.dumps(terms, ensure_ascii=False),
        "words": words,
        "created_at": iso(now),
        "not_before": iso(_not_before(db, config, rule, change["article_id"], tag, now)),
    }
    return store.insert_new(db, "alerts", row)  # the unique key makes a replay a no-op


def _not_before(
    db: Database, config: Config, rule: Rule, article_id: int, tag: str, now: datetime
) -> datetime:
    """When the alert may go out: its digest period's end, or after the rule's rate-limit window
    counted per article."""
    last = outbox.last_alert(db, rule.name, article_id, tag) if rule.rate_limit else None
    return send_after(rule.digest, rule.rate_limit, last, now, config.notify.daily_digest_at)


def content_for(db: Database, alert: dict, base_url: str = "") -> AlertContent:
    """What the dispatcher renders for one alert row; with `base_url` (where `newsmon serve`
    is reached), a link to the article's timeline there."""
    from monitor.notify.messages import AlertContent

    if alert["kind"] != "change" or alert["change_id"] is None:
        return AlertContent(
            source=alert["source"] or "",
            categories=[alert["kind"]],
            headline="",
            url="",
            diff=None,
            matched=[],
            rule=alert["rule"] or "",
            detected_at=alert["created_at"],
            message=alert["message"] or "",
        )
    change, article = outbox.change_and_article(db, alert["change_id"], alert["article_id"])
    version_id = change["to_version"] or change["from_version"]
    version = store.version_row(db, version_id) or {}
    # A story's alert names the story, the event and the article's part in it.
    event = outbox.alert_event(db, alert.get("event_id"), article["id"]) or {}
    categories = json.loads(change["categories"])
    if alert.get("story") and "new" not in categories:
        member = stories.member(db, alert["story"], article["id"]) or {}
        categories = (["joined"] if member.get("change_id") == change["id"] else []) + categories
    return AlertContent(
        story=alert.get("story") or "",
        event_id=alert.get("event_id"),
        event=event.get("headline") or "",
        role=event.get("role") or "",
        agency=event.get("agency") or "",
        seen=event.get("seen") or "",
        source=change["source"],
        categories=categories,
        headline=change["headline"] or article["headline"] or "",
        url=article["url"],
        diff=Diff.from_json(change["ops"]) if change["ops"] else None,
        # The words the terms hit ("Verhandlungstag"), for rows made before they were stored
        # the terms cut short: a reader should never get a whole /regex/.
        matched=json_list(alert.get("words"))
        or [short_term(t) for t in json_list(alert["matched"]) or []],
        rule=alert["rule"] or "",
        detected_at=change["detected_at"],
        lead=(version or {}).get("lead") or "",
        timeline_url=timeline_url(base_url, article["id"], change["id"]) if base_url else "",
    )


def timeline_url(base_url: str, article_id: int, change_id: int | None = None) -> str:
    """The article's timeline page of the Datasette plugin (monitor.web.pages); with
    `change_id`, the page of the timeline that holds that change, scrolled to it (a live blog's
    timeline is paged: the newest page would not hold an old change)."""
    url = f"{base_url.rstrip('/')}/-/newsmon/article/{int(article_id)}"
    return url + change_anchor(change_id) if change_id is not None else url


def change_anchor(change_id: int) -> str:
    """The query and fragment that open a timeline at one change: the page that change heads."""
    return f"?before={int(change_id) + 1}#change-{int(change_id)}"


# Crawls of several sources end at different times, each followed by evaluation in a thread:
# one at a time (the unique keys make a second harmless, but it would wait on SQLite's lock).
_EVALUATING = threading.Lock()
# One dispatcher at a time, or two could send the same pending alert. Other processes (a
# `newsmon crawl` beside the daemon) are kept out by the outbox's lease (monitor.notify.lease).
# Apart from _EVALUATING: a crawl never waits for a send.
_DISPATCHING = threading.Lock()


def after_crawl(
    config: Config, targets: list, now: datetime | None = None, deliver: bool = True
) -> dict[str, int]:
    """The durable steps after a crawl: evaluate changes, check source health, and (`deliver`)
    send alerts. The daemon passes deliver=False: its dispatcher thread sends."""
    from monitor.notify.health import check_health

    with _EVALUATING:
        db = store.open_db(config.database)
        try:
            created = evaluate(db, config, now)
            health = check_health(db, config, now)
        finally:
            db.close()
    report = dispatch_only(config, targets, now) if deliver else {}
    return {"alerts": created, "health": health, **report}


def dispatch_only(
    config: Config, targets: list, now: datetime | None = None, stop: threading.Event | None = None
) -> dict[str, int]:
    """The dispatcher between crawls, when retries, digests and rate-limited alerts fall due
    (`now`: as if it were then; the demo sends what rate limits held back). `stop` set: the
    send in flight is abandoned and the round ends."""
    with _DISPATCHING:
        db = store.open_db(config.database)
        try:
            return _dispatch(db, config, targets, now, stop)
        finally:
            db.close()


def _dispatch(
    db: Database, config: Config, targets: list, now: datetime | None, stop: threading.Event | None
) -> dict[str, int]:
    from monitor.notify.dispatch import dispatch

    base = config.notify.datasette_url

    def content(alert: dict) -> AlertContent:
        return content_for(db, alert, base)

    report = dispatch(db, targets, content, _settings(config, stop), now)
    counts = {"sent": report.sent, "failed": report.failed, "dead": report.dead}
    if report.unsent:  # sends abandoned at their deadline
        counts["not sent"] = report.unsent
    return {**counts, "held": report.held}


def _settings(config: Config, stop: threading.Event | None):
    from monitor.notify.dispatch import DispatchSettings

    return DispatchSettings(
        max_attempts=config.notify.max_attempts,
        backoff_base=float(config.notify.backoff),
        quiet_hours=config.notify.quiet_hours,
        stop=stop,
    )
