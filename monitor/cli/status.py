"""`newsmon status`: what the monitor is doing, read from the database alone.

Whether the daemon runs (monitor.cli.liveness); per source: the last run and
its numbers, the first error's reason, open health problems and, while the
daemon runs, when the next discovery is due; articles per revisit tier and the
next checks; pending and dead alerts; the database size.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import clock, store
from monitor.cli.liveness import daemon_liveness
from monitor.clock import format_duration
from monitor.config import Config
from monitor.revisit import tier_name, tier_of
from monitor.store import health, outbox, reads


def status_report(config: Config, now: datetime | None = None) -> str:
    """The whole report; headings only over something to show."""
    now = now or datetime.now(UTC)
    db = store.open_db(config.database)
    try:
        alive = daemon_liveness(db, config, now)
        lines = [f"database {config.database}: {_size(config.database)}", alive.line]
        if config.sources:
            lines += ["", "sources:"]
            for source in config.sources:
                lines += _source_lines(db, config, source, now, alive.running)
        lines += _revisit_lines(db, config, now, alive.running)
        counts = outbox.alert_counts(db)
        lines += [
            "",
            "alerts: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"),
            "  sent to: " + _targets(config),
        ]
        for row in outbox.dead_alerts(db, 5):
            lines.append(f"  dead #{row['id']} {row['tag']} {row['rule']}: {row['last_error']}")
        return "\n".join(lines)
    finally:
        db.close()


def _targets(config: Config) -> str:
    """Where alerts go, without loading the targets (their URLs hold secrets)."""
    if config.notify.apprise_config is not None:
        return f"the targets of {config.notify.apprise_config}"
    if os.environ.get("NEWSMON_APPRISE_URLS"):
        return "the targets of $NEWSMON_APPRISE_URLS"
    return "the console (no target: set [notify] apprise_config or $NEWSMON_APPRISE_URLS)"


def _revisit_lines(db, config: Config, now: datetime, running: bool) -> list[str]:
    """Articles per revisit tier, and the next checks when the daemon is there to make them."""
    tiers: Counter[str] = Counter()
    next_due: list[str] = []
    for row in reads.live_schedules(db):
        first = clock.parse_time(row["first_seen"]) or now
        born = min(first, clock.parse_time(row["published"]) or first)
        index = tier_of(now, born, clock.parse_time(row["last_changed"]), config.revisit)
        tiers[tier_name(config.revisit, index)] += 1
        if row["next_check_at"] and row["next_check_at"] != "never":
            next_due.append(row["next_check_at"])
    if not tiers:
        return []
    lines = ["", "revisits (articles per tier):"]
    lines += [f"  {count:>5}  {name}" for name, count in sorted(tiers.items())]
    if next_due and running:
        soonest = sorted(next_due)[:3]
        lines.append("  next checks: " + ", ".join(_relative(t, now) for t in soonest))
    return lines


def _source_lines(db, config: Config, source, now: datetime, running: bool) -> list[str]:
    runs = reads.latest_runs(db, source.name, 1)
    state = "" if source.enabled else " (disabled)"
    if not runs:
        return [f"  {source.name}{state}: never crawled"]
    run = runs[0]
    finished = clock.parse_time(run["finished_at"]) or now
    due = finished + timedelta(seconds=source.interval)
    dropped = json.loads(run["dropped"] or "{}")
    line = (
        f"  {source.name}{state}: last run {_relative(run['finished_at'], now)}: "
        f"{run['fetched']} fetched, {run['not_modified']} 304, {run['new']} new, "
        f"{run['changed']} changed, {run['errors']} errors"
        + (
            f", dropped {', '.join(f'{k} {v}' for k, v in sorted(dropped.items()))}"
            if dropped
            else ""
        )
        + (
            f"; next discovery {_relative(clock.iso(due), now)}"
            if running and source.enabled
            else ""
        )
    )
    lines = [line]
    if run["errors"] and (first := reads.first_error(db, run["run_id"], source.name)):
        lines.append(f"    first error: {first['reason']} ({first['url']})")
    for problem in health.open_problems(db, source.name):
        lines.append(f"    problem since {problem['since']}: {problem['detail']}")
    return lines


def _relative(moment: str, now: datetime) -> str:
    when = clock.parse_time(moment)
    if when is None:
        return "unknown"
    seconds = (when - now).total_seconds()
    span = format_duration(abs(int(seconds))) or "0s"
    return f"in {span}" if seconds > 0 else f"{span} ago"


def _size(path: Path) -> str:
    total = sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )
    return f"{total / 1e6:.1f} MB"
