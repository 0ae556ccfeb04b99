"""The dispatcher: the `alerts` outbox sent through apprise, per target tag.

Targets, and how their secrets are kept out of logs, are `monitor.notify.targets`; with
none, alerts print to stdout as plain text and count as sent. Alerts of a tag no
target takes are marked dead ("no target has tag X", one warning a round): an
alert nobody can receive belongs in `newsmon status`.

One round, per tag: inside the tag's quiet hours its due alerts get not_before =
the window's end. Otherwise each target gets its messages (monitor.notify.bursts):
per stream (one article, or one source's health alerts; digests apart) the alerts it
lacks, oldest first, up to the first not yet due, so per article the order holds
across retries; one story's event together ("3 outlets now report …"); all due
digest alerts of the tag in one (the evaluator sets a digest alert's not_before to
the end of its period). More than bursts.FOLD_ABOVE messages for one target is a
burst: they fold per story or source into lists cut to the format's size limit, all
of the round's due alerts at once (batch_limit bounds only the rounds without a burst).
Every target is planned before anything is sent, so one target's failure never
holds back another.

A send has a hard deadline (send_deadline): apprise's timeouts restart with every
byte, so a target that trickles its answer would hold the dispatcher for minutes. The
send runs in a thread of its own; past the deadline (or when `stop` is set: the
process ends) it is abandoned and its alerts are *not sent*: last_error says so, the
attempts stay as they were, and the target gets nothing more until that thread ends.
Success adds the target id to delivered_to; an alert every target of its tag has
is `sent`. Failure: attempts+1 (once a round), last_error, not_before = now +
min(backoff_max, backoff_base * 2**(attempts-1)) * (1 ± jitter); at max_attempts
the alert is `dead`, logged at ERROR. last_error holds no URL: apprise's problems
and a failed message's error pass through the targets' scrubber.

Durability: each state change is committed before the next send, so a crash
repeats at most the one send in flight (accepted by the target, its id not yet
written: the next round sends it to that target once more). Nothing is lost: an
alert stays pending until every target of its tag has it. `dispatch` blocks on
the network (a deadline per send), so a daemon runs it in a thread of its own.

One dispatcher per database: a round first takes the outbox's lease
(monitor.notify.lease), so a `newsmon crawl` run by hand beside the daemon never sends
what the daemon is sending. A round that finds the lease taken sends nothing and
reports who holds it; the holder sends those alerts.

A module of its own: the outbox's rules (order, retries, quiet hours, durability).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

from apprise import Apprise, AppriseAsset
from sqlite_utils import Database

from monitor.clock import backoff, iso, now, parse_time
from monitor.errors import NotifyError
from monitor.notify import bursts
from monitor.notify.formats import heading
from monitor.notify.lease import Lease, LeaseLost
from monitor.notify.messages import AlertContent, render
from monitor.notify.targets import ASSET, CONSOLE, SCRUBBER, Target
from monitor.notify.troubles import Trouble
from monitor.store import outbox

logger = logging.getLogger("newsmon.notify")

# apprise's request for a format: Slack's is None (see _deliver).
_BODY_FORMAT = {"text": "text", "markdown": "markdown", "html": "html", "email": "html"}
SEND_DEADLINE = 10.0  # seconds; systemd's TimeoutStopSec (60) leaves room for several
# apprise waits 5.5 s between e-mails (request_rate_per_sec): a second is courtesy enough.
THROTTLE_MAX = 1.0
# Target id -> a send abandoned at its deadline that still runs: the target gets nothing
# more until it ends, so abandoned sends never pile up.
_ABANDONED: dict[str, threading.Thread] = {}
# apprise's own limit (service_timeout) sends from its pool, joined at exit: a hanging target
# kept `newsmon crawl` and a stopped daemon alive. Ours (a daemon thread) replaces it.
_SEND_ASSET = AppriseAsset(app_id=ASSET.app_id, app_desc=ASSET.app_desc, service_timeout=0)


@dataclass
class DispatchSettings:
    max_attempts: int = 8
    backoff_base: float = 30.0  # seconds
    backoff_max: float = 3600.0
    jitter: float = 0.2  # ± this fraction of each delay, so retries of many alerts spread out
    quiet_hours: dict[str, tuple[str, str]] = field(default_factory=dict)  # tag -> local times
    batch_limit: int = 100  # alerts handled per round; the rest wait for the next round
    send_deadline: float = SEND_DEADLINE  # seconds one send may take; then it is abandoned
    stop: threading.Event | None = None  # set when the process ends: abandon the send in flight

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
    unsent: int = 0  # alerts whose send was abandoned (deadline, or the process stopped)
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
    except _Stopped as stopped:
        return stopped.report
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
    try:
        _round(run, targets)
    finally:  # a round cut short (the process stops) still says what failed
        run.log_troubles()
    return run.report


def _round(run: _Round, targets: list[Target]) -> None:
    db, settings = run.db, run.settings
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
            for target, group, burst in run.plan(tag_rows, takers):
                run.send(target, group, takers, burst)
    run.report.held = sum(1 for r in rows if r["id"] not in run.touched)


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
    troubles: dict[str, Trouble] = field(default_factory=dict)  # target id -> this round's

    def update(self, rows: Iterable[dict], values: dict) -> None:
        with self.db.atomic():
            for row in rows:
                row.update(values)
                outbox.update_alert(self.db, row["id"], values)

    def done(self, rows: list[dict]) -> None:
        self.update(rows, {"status": "sent", "sent_at": now()})
        self.report.sent += len(rows)
        self.touched |= {r["id"] for r in rows}

    def plan(self, rows: list[dict], takers: list[Target]) -> list[tuple[Target, list, bool]]:
        """Every target's messages, decided before anything is sent: a burst folded, else
        batch_limit alerts at most. (target, alerts, whether they are a burst's fold)."""
        plan: list[tuple[Target, list, bool]] = []
        for target in takers:
            groups = bursts.messages(rows, target.id, self.now, _due)
            if len(groups) > bursts.FOLD_ABOVE:
                folds = bursts.fold(groups)
                self.touched |= {r["id"] for fold in folds for r in fold}
                plan += [(target, fold, True) for fold in folds]
                continue
            for group in groups:
                fresh = {r["id"] for r in group} - self.touched
                if self.touched and len(self.touched | fresh) > self.settings.batch_limit:
                    break
                self.touched |= fresh
                plan.append((target, group, False))
        return plan

    def send(self, target: Target, group: list[dict], takers: list[Target], burst: bool) -> None:
        if _busy(target):
            return  # a send abandoned at its deadline still runs: these alerts wait
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
        if burst:
            limit = target.plugin.body_maxlen if target.plugin is not None else 10**6
            messages = bursts.pieces(contents, target.format, limit)
        else:
            messages = [(*render(contents, target.format), list(range(len(ready))))]
        for title, body, picked in messages:
            rows = [ready[i] for i in picked]
            self.lease.renew()  # before each send: the lease must outlast it
            outcome = _send_within(target, title, body, self.settings)
            if isinstance(outcome, _Cut):
                self.not_sent(target, rows, outcome.why)
                return
            if outcome is not None:
                self.fail(target, rows, outcome)
                return  # the rest of a burst waits: a later alert never overtakes
            self.delivered(target, rows, takers)

    def delivered(self, target: Target, ready: list[dict], takers: list[Target]) -> None:
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

    def not_sent(self, target: Target, rows: list[dict], why: str) -> None:
        """A send cut short: not a failed attempt, only said in last_error; the next round
        after the abandoned send has ended tries again."""
        text = f"not sent to {target.service} {target.id}: {why}"
        logger.warning("%s (%d alert(s) wait for the next round)", text, len(rows))
        self.update(rows, {"last_error": text})
        self.report.unsent += len(rows)
        if self.settings.stop is not None and self.settings.stop.is_set():
            self.report.held = len(self.touched)
            raise _Stopped(self.report)

    def fail(self, target: Target, rows: list[dict], error: str) -> None:
        text = f"{target.service} {target.id}: {error}"[:500]
        trouble = self.troubles.setdefault(target.id, Trouble(target, error))
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
                        trouble.dead.append(row["id"])
                    else:
                        when = self.now + timedelta(seconds=self.settings.retry_delay(attempts))
                        values["not_before"] = iso(when)
                        self.report.failed += 1
                        trouble.retry(when)
                row.update(values)
                outbox.update_alert(self.db, row["id"], values)

    def log_troubles(self) -> None:
        """One line per failing target and round, whatever the number of its alerts."""
        for trouble in self.troubles.values():
            level = logging.ERROR if trouble.dead else logging.WARNING
            logger.log(level, "%s", trouble.line(self.settings.max_attempts))


class _Stopped(Exception):
    """The process stops: the round ends once its send in flight is abandoned."""

    def __init__(self, report: DispatchReport) -> None:
        super().__init__("stopped")
        self.report = report


@dataclass
class _Cut:  # a send abandoned: past its deadline, or the process stops
    why: str


def _busy(target: Target) -> bool:
    thread = _ABANDONED.get(target.id)
    if thread is not None and not thread.is_alive():
        del _ABANDONED[target.id]
    return target.id in _ABANDONED


def _send_within(target: Target, title: str, body: str, settings: DispatchSettings):
    """_deliver with a hard deadline: its answer, or _Cut when the send was abandoned."""
    if target.plugin is None:
        return _deliver(target, title, body)
    if settings.stop is not None and settings.stop.is_set():
        return _Cut("newsmon stopped before sending")
    answer: list[str | None] = []
    thread = threading.Thread(
        target=lambda: answer.append(_deliver(target, title, body)),
        name=f"newsmon send {target.id}",
        daemon=True,  # an abandoned send never keeps the process alive
    )
    thread.start()
    end = time.monotonic() + settings.send_deadline
    while thread.is_alive():
        if settings.stop is not None and settings.stop.is_set():
            _ABANDONED[target.id] = thread
            return _Cut("newsmon stopped while sending")
        if time.monotonic() >= end:
            _ABANDONED[target.id] = thread
            return _Cut(f"no answer within {settings.send_deadline:g} s")
        thread.join(0.05)
    return answer[0] if answer else "the send raised"


def _deliver(target: Target, title: str, body: str) -> str | None:
    """Send one message to one target: None when it was accepted, else why not (no URL)."""
    fmt = target.format
    if target.plugin is None:
        print(f"   alert: {title}" if target.brief else f"{title}\n{body}\n", flush=True)
        return None
    if target.plugin.title_maxlen <= 0:
        # No title field: apprise would paste the plain title into the body unescaped.
        title, body = "", heading(title, fmt) + body
    target.plugin.request_rate_per_sec = min(target.plugin.request_rate_per_sec, THROTTLE_MAX)
    target.plugin.asset = _SEND_ASSET
    apobj = Apprise(asset=_SEND_ASSET)
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
