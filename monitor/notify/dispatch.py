"""The dispatcher: the `alerts` outbox sent through apprise, per target tag.

Targets, and how their secrets are kept out of logs, are `monitor.notify.targets`; with
none, alerts print to stdout as plain text and count as sent. Alerts of a tag no
target takes are marked dead ("no target has tag X", one warning a round): an
alert nobody can receive belongs in `newsmon status`.

One round, per tag: inside the tag's quiet hours its due alerts get not_before =
the window's end. Otherwise each target gets, per stream (one article, or one
source's health alerts; digests apart), the alerts it lacks, oldest first, up to
the first not yet due: a later alert never overtakes an earlier one, so per
article the order holds across retries. Due immediate alerts of a stream fold
into one message, all due digest alerts of the tag into one (the evaluator sets
a digest alert's not_before to the end of its period). The due immediate alerts of
one story's event go out together, whatever article each is about: that message
folds several outlets' new articles into one block ("3 outlets now report …").
Every target is planned before anything is sent, so one target's failure never
holds back another.
Success adds the target id to delivered_to; an alert every target of its tag has
is `sent`. Failure: attempts+1 (once a round), last_error, not_before = now +
min(backoff_max, backoff_base * 2**(attempts-1)) * (1 ± jitter); at max_attempts
the alert is `dead`, logged at ERROR. last_error holds no URL: apprise's problems
and a failed message's error pass through the targets' scrubber.

Durability: each state change is committed before the next send, so a crash
repeats at most the one send in flight (accepted by the target, its id not yet
written: the next round sends it to that target once more). Nothing is lost: an
alert stays pending until every target of its tag has it. `dispatch` blocks on
the network and on apprise's per-service throttle (seconds between mails), so a
daemon runs it off its event loop.

One dispatcher per database: a round first takes the outbox's lease
(monitor.notify.lease), so a `newsmon crawl` run by hand beside the daemon never sends
what the daemon is sending. A round that finds the lease taken sends nothing and
reports who holds it; the holder sends those alerts.

A module of its own because the outbox's rules (order, retries, quiet hours,
durability) are one concept, apart from where the targets come from.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from itertools import takewhile
from typing import Any

from apprise import Apprise
from sqlite_utils import Database

from monitor.clock import backoff, iso, now, parse_time
from monitor.diff.core import Diff, Op, word_diff
from monitor.errors import NotifyError
from monitor.notify.formats import heading
from monitor.notify.lease import Lease, LeaseLost
from monitor.notify.messages import AlertContent, render
from monitor.notify.targets import ASSET, CONSOLE, SCRUBBER, Target
from monitor.store import outbox

logger = logging.getLogger("newsmon.notify")

# apprise's request for a format: Slack's is None (see _deliver).
_BODY_FORMAT = {"text": "text", "markdown": "markdown", "html": "html", "email": "html"}


@dataclass
class DispatchSettings:
    max_attempts: int = 8
    backoff_base: float = 30.0  # seconds
    backoff_max: float = 3600.0
    jitter: float = 0.2  # ± this fraction of each delay, so retries of many alerts spread out
    quiet_hours: dict[str, tuple[str, str]] = field(default_factory=dict)  # tag -> local times
    batch_limit: int = 100  # alerts handled per round; the rest wait for the next round

    def __post_init__(self) -> None:
        for tag, window in self.quiet_hours.items():
            for value in window:
                try:
                    clock.fromisoformat(value)
                except (TypeError, ValueError):
                    raise NotifyError(f"quiet_hours.{tag}: {value!r} is not HH:MM") from None

    def retry_delay(self, attempts: int) -> float:
        """Seconds until the next try after `attempts` failed ones: doubling, capped, jittered."""
        delay = backoff(attempts, self.backoff_base, self.backoff_max)
        return delay * random.uniform(1 - self.jitter, 1 + self.jitter)


@dataclass
class DispatchReport:
    sent: int = 0  # alerts that every target of their tag now has
    failed: int = 0  # alerts with a failed send this round, to be retried
    dead: int = 0  # alerts given up this round
    held: int = 0  # pending alerts not sent this round: not due, quiet hours, or queued behind
    busy: str = ""  # another dispatcher held the outbox's lease (who): nothing was sent


def _due(row: dict, now: datetime) -> bool:
    when = parse_time(row["not_before"])
    # None: none, or garbled; sending beats holding an alert forever.
    return when is None or when <= now


def _quiet_until(window: tuple[str, str] | None, now: datetime) -> datetime | None:
    """The end of the quiet window `now` is in (local time), or None outside it."""
    if not window:
        return None
    start, end = (clock.fromisoformat(v) for v in window)
    local = now.astimezone()
    at = local.time().replace(tzinfo=None)
    inside = start <= at < end if start <= end else (at >= start or at < end)
    if not inside:
        return None
    day = local.date() + timedelta(days=1 if start > end and at >= start else 0)
    return datetime.combine(day, end).astimezone().astimezone(UTC)


def dispatch(
    db: Database,
    targets: list[Target],
    content_for: Callable[[dict], AlertContent],
    settings: DispatchSettings,
    now: datetime | None = None,
) -> DispatchReport:
    """Send what is due in the outbox; see the module docstring for the rules."""
    lease = Lease(db)
    if holder := lease.acquire():
        logger.info("Outbox busy: %s sends; its alerts wait for it", holder)
        return DispatchReport(held=outbox.count_pending(db), busy=holder)
    try:
        return _dispatch(db, targets, content_for, settings, now, lease)
    except LeaseLost as exc:
        logger.warning("Dispatch stopped: %s", exc)
        return DispatchReport(busy=str(exc))
    finally:
        lease.release()


def _dispatch(
    db: Database,
    targets: list[Target],
    content_for: Callable[[dict], AlertContent],
    settings: DispatchSettings,
    now: datetime | None,
    lease: Lease,
) -> DispatchReport:
    run = _Round(db, content_for, settings, (now or datetime.now(UTC)).astimezone(UTC), lease)
    rows = outbox.pending_alerts(db)
    by_tag: dict[str, list[dict]] = {}
    for row in rows:
        row["delivered"] = set(json.loads(row["delivered_to"] or "[]"))
        by_tag.setdefault(row["tag"], []).append(row)
    for tag, tag_rows in by_tag.items():
        due = [r for r in tag_rows if _due(r, run.now)]
        takers = [t for t in targets or [CONSOLE] if t.takes(tag)]
        if due and not takers:
            logger.warning("No target has tag %r: %d alert(s) marked dead", tag, len(due))
            run.update(due, {"status": "dead", "last_error": f"no target has tag {tag}"})
            run.report.dead += len(due)
            run.touched |= {r["id"] for r in due}
        elif due and (until := _quiet_until(settings.quiet_hours.get(tag), run.now)):
            run.update(due, {"not_before": iso(until)})
        elif takers:
            # A target that failed and then left the config leaves nobody to send to.
            run.done([r for r in tag_rows if all(t.id in r["delivered"] for t in takers)])
            for target, group in run.plan(tag_rows, takers):
                run.send(target, group, takers)
    run.report.held = sum(1 for r in rows if r["id"] not in run.touched)
    return run.report


@dataclass
class _Round:
    db: Database
    content_for: Callable[[dict], AlertContent]
    settings: DispatchSettings
    now: datetime
    lease: Lease
    report: DispatchReport = field(default_factory=DispatchReport)
    touched: set[int] = field(default_factory=set)  # alerts planned or settled this round
    failed: set[int] = field(default_factory=set)  # alerts that already lost an attempt

    def update(self, rows: Iterable[dict], values: dict) -> None:
        with self.db.atomic():
            for row in rows:
                row.update(values)
                outbox.update_alert(self.db, row["id"], values)

    def done(self, rows: list[dict]) -> None:
        self.update(rows, {"status": "sent", "sent_at": now()})
        self.report.sent += len(rows)
        self.touched |= {r["id"] for r in rows}

    def plan(self, rows: list[dict], takers: list[Target]) -> list[tuple[Target, list[dict]]]:
        """Every target's messages, decided before anything is sent; batch_limit alerts at most."""
        plan = []
        for target in takers:
            for group in _messages(rows, target, self.now):
                fresh = {r["id"] for r in group} - self.touched
                if self.touched and len(self.touched | fresh) > self.settings.batch_limit:
                    break
                self.touched |= fresh
                plan.append((target, group))
        return plan

    def send(self, target: Target, group: list[dict], takers: list[Target]) -> None:
        contents, ready = [], []
        for row in group:
            try:
                contents.append(self.content_for(row))
                ready.append(row)
            except Exception as exc:  # one damaged row must not stop the rest of the outbox
                name, text = type(exc).__name__, SCRUBBER.scrub(str(exc))
                self.fail(target, [row], f"cannot build the message ({name}: {text})")
        if not ready:
            return
        self.lease.renew()  # a send may take a while: the lease must outlast it
        if (error := _deliver(target, contents)) is not None:
            self.fail(target, ready, error)
            return
        # The console shows the message itself; a log line about it would only repeat it.
        level = logging.DEBUG if target.plugin is None else logging.INFO
        logger.log(level, "Sent %d alert(s) to %s %s", len(ready), target.service, target.id)
        with self.db.atomic():  # committed before the next send: a crash repeats only this one
            for row in ready:
                row["delivered"].add(target.id)
                values: dict[str, Any] = {"delivered_to": json.dumps(sorted(row["delivered"]))}
                if row["status"] == "pending" and all(t.id in row["delivered"] for t in takers):
                    values |= {"status": "sent", "sent_at": now()}
                    self.report.sent += 1
                row.update(values)
                outbox.update_alert(self.db, row["id"], values)

    def fail(self, target: Target, rows: list[dict], error: str) -> None:
        text = f"{target.service} {target.id}: {error}"[:500]
        logger.warning("Sending failed: %s", text)
        with self.db.atomic():
            for row in rows:
                values: dict[str, Any]
                if row["id"] in self.failed:  # a second target failed it too: one attempt a round
                    values = {"last_error": f"{row['last_error']}; {text}"[:1000]}
                else:
                    self.failed.add(row["id"])
                    attempts = row["attempts"] + 1
                    values = {"attempts": attempts, "last_error": text}
                    if attempts >= self.settings.max_attempts:
                        values["status"] = "dead"
                        self.report.dead += 1
                        logger.error(
                            "Alert %s (%s) is dead after %d attempts: %s",
                            *(row["id"], row["key"], attempts, text),
                        )
                    else:
                        delay = timedelta(seconds=self.settings.retry_delay(attempts))
                        values["not_before"] = iso(self.now + delay)
                        self.report.failed += 1
                row.update(values)
                outbox.update_alert(self.db, row["id"], values)


def _messages(rows: list[dict], target: Target, now: datetime) -> list[list[dict]]:
    """The messages this target gets now: due alerts it lacks, per stream, oldest first."""
    streams: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["status"] == "pending" and target.id not in row["delivered"]:
            digest = (row["digest"] or "immediate") != "immediate"
            about = row["article_id"] if row["article_id"] is not None else row["source"]
            streams.setdefault((digest, about), []).append(row)
    groups, digests = [], []
    for (digest, _), stream in streams.items():
        ready = list(takewhile(lambda r: _due(r, now), stream))
        if ready:
            (digests.extend if digest else groups.append)(ready)
    groups = _by_event(groups)
    if digests:
        groups.append(sorted(digests, key=lambda r: r["id"]))
    return sorted(groups, key=lambda g: g[0]["id"])


def _by_event(groups: list[list[dict]]) -> list[list[dict]]:
    """Groups that hold alerts of one story's event merged into one, oldest first."""
    merged: list[list[dict]] = []
    home: dict[tuple, list[dict]] = {}
    for group in sorted(groups, key=lambda g: g[0]["id"]):
        events = {(r["story"], r["event_id"]) for r in group if _of_event(r)}
        into = next((home[e] for e in events if e in home), None)
        if into is None:
            merged.append(into := [])
        into.extend(group)
        for event in events:
            home.setdefault(event, into)
    # Ids grow along each article's stream, so its order holds in the merged message.
    return [sorted(group, key=lambda r: r["id"]) for group in merged]


def _of_event(row: dict) -> bool:
    return bool(row.get("story")) and row.get("event_id") is not None


def _deliver(target: Target, contents: list[AlertContent]) -> str | None:
    """Send one message to one target: None when it was accepted, else why not (no URL)."""
    fmt = target.format
    title, body = render(contents, fmt)
    if target.plugin is None:
        print(f"   alert: {title}" if target.brief else f"{title}\n{body}\n", flush=True)
        return None
    if target.plugin.title_maxlen <= 0:
        # No title field: apprise would paste the plain title into the body unescaped.
        title, body = "", heading(title, fmt) + body
    apobj = Apprise(asset=ASSET)
    apobj.add(target.plugin)
    try:
        # Slack: no declared format, so apprise neither converts nor re-escapes our mrkdwn.
        with apobj.notify(body=body, title=title, body_format=_BODY_FORMAT.get(fmt)) as result:
            if result:
                return None
            problems = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
            return SCRUBBER.scrub(problems[-1] if problems else result.status.name)[:300]
    except Exception as exc:  # a plugin bug is this target's failure, not the dispatcher's
        return f"apprise raised {type(exc).__name__}"


def send_test(targets: list[Target], tag: str | None) -> list[tuple[str, str, bool, str]]:
    """A real test message to each target (of `tag`): (target id, service, ok, error)."""
    old, new = "newsmon sends a test", "newsmon sends a test message"
    diff = Diff(["headline"], [Op("headline", "edited", None, None, old, new, word_diff(old, new))])
    when = now()
    sample = AlertContent("newsmon", ["headline"], new, "", diff, ["test"], "notify test", when)
    results = []
    for target in [t for t in targets or [CONSOLE] if tag is None or t.takes(tag)]:
        error = _deliver(target, [sample])
        results.append((target.id, target.service, error is None, error or ""))
    return results
