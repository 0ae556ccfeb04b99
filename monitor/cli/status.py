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
from monitor.cli.report import run_counts
from monitor.cli.table import table
from monitor.clock import format_duration
from monitor.config import Config
from monitor.revisit import tier_name, tier_of
from monitor.store import health, outbox, reads


def status_report(config: Config, now: datetime | None = None) -> str:
    """The whole report; headings only over something to show."""
    now = now or datetime.now(UTC)
    db = store.open_db(config.database)
    try:
        alive = daemon_liveness(db, now)
        lines = [f"database {config.database}: {_size(config.database)}", alive.line]
        if config.cluster is not None:  # only then: the single machine never loads redis
            from monitor.cluster.status import cluster_lines

            lines += ["", *cluster_lines(config)]
        if config.sources:
            lines += ["", *_sources(db, config, now, alive.running)]
        lines += _revisit_lines(db, config, now, alive.running)
        counts = outbox.alert_counts(db)
        lines += [
            "",
            "alerts: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"),
            "  sent to: " + _targets(config),
        ]
        dead = [
            [r["id"], r["tag"], r["rule"] or "-", r["last_error"]]
            for r in outbox.dead_alerts(db, 5)
        ]
        if dead:
            lines += ["", "dead alerts (the latest; retry with: newsmon alerts retry --dead):"]
            headers = ["id", "tag", "rule", "last error"]
            lines.append(table(dead, headers, shorten={"last error": "end"}))
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
    # Articles no longer checked (a year of them) are counted by the index, not read one by one.
    if stopped := reads.stopped_count(db):
        tiers[tier_name(config.revisit, len(config.revisit.tiers) - 1)] += stopped
    for row in reads.watched_schedules(db):
        first = clock.parse_time(row["first_seen"]) or now
        born = min(first, clock.parse_time(row["published"]) or first)
        index = tier_of(now, born, clock.parse_time(row["last_changed"]), config.revisit)
        tiers[tier_name(config.revisit, index)] += 1
        if row["next_check_at"] and row["next_check_at"] != "never":
            next_due.append(row["next_check_at"])
    if not tiers:
        return []
    lines = ["", table(sorted(tiers.items()), ["revisit tier", "articles"])]
    if next_due and running:
        soonest = sorted(next_due)[:3]
        lines.append("next checks: " + ", ".join(_due(t, now) for t in soonest))
    return lines


def _sources(db, config: Config, now: datetime, running: bool) -> list[str]:
    """A row per source, then the reasons of its trouble: the last run's first error and
    the open health problems. "next discovery" only while the daemon runs to make it."""
    rows, trouble = [], []
    for source in config.sources:
        name = source.name + ("" if source.enabled else " (disabled)")
        runs = reads.latest_runs(db, source.name, 1)
        row = _source_row(name, runs[0] if runs else None, source, now)
        rows.append(row if running else row[:-1])
        if (
            runs
            and runs[0]["errors"]
            and (first := reads.first_error(db, runs[0]["run_id"], source.name))
        ):
            trouble.append(
                f"  {source.name}: first error of the last run: {first['reason']} ({first['url']})"
            )
        for problem in health.open_problems(db, source.name):
            trouble.append(
                f"  {source.name}: problem since {problem['since']}: {problem['detail']}"
            )
    headers = ["source", "last run", "pages", "304", "new", "changed", "errors", "dropped"]
    headers += ["next discovery"] if running else []
    lines = [table(rows, headers, shorten={"dropped": "end"})]
    return lines + (["", "source problems:", *trouble] if trouble else [])


def _source_row(name: str, run: dict | None, source, now: datetime) -> list:
    """One source's cells; a source never crawled has only its name and "never"."""
    if run is None:
        return [name, "never", "", "", "", "", "", "", ""]
    dropped = json.loads(run["dropped"] or "{}")
    counts = run_counts(run)
    finished = clock.parse_time(run["finished_at"]) or now
    due = clock.iso(finished + timedelta(seconds=source.interval))
    return [
        name,
        _relative(run["finished_at"], now),
        *(counts[c] for c in ("pages", "304", "new", "changed", "errors")),
        ", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) or "-",
        _due(due, now) if source.enabled else "-",
    ]


def _due(moment: str, now: datetime) -> str:
    """When something is due: "in 2m", or "due 3m ago" when the daemon is late."""
    shown = _relative(moment, now)
    return f"due {shown}" if shown.endswith(" ago") else shown


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
