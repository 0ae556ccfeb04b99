"""Source health: a silent failure is the worst failure a monitor can have.

After each cycle every source is checked for four problems: failing N crawls
in a row, a block or bot wall (403/429), extraction that comes back empty or
far shorter than the stored article, and silence beyond the source's usual
rhythm. Each problem is an episode in `source_health`; one alert goes to the
admin tag when it starts and one when it clears, never one per cycle.
"""

from __future__ import annotations

import json
import logging
import statistics
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sqlite_utils import Database

from monitor import store
from monitor.clock import backoff, iso, now
from monitor.config import Config, Source
from monitor.store import health as episodes
from monitor.store import reads

logger = logging.getLogger("newsmon.health")


def check_health(db: Database, config: Config, now: datetime | None = None) -> int:
    """Open and clear problem episodes for every enabled source; return alerts created."""
    now = now or datetime.now(UTC)
    created = 0
    for source in config.sources:
        if not source.enabled:
            continue
        active = problems(db, config, source, now)
        open_rows = {r["problem"]: r for r in episodes.open_problems(db, source.name)}
        with db.atomic():
            for problem, detail in active.items():
                if problem not in open_rows:
                    episodes.open_problem(db, source.name, problem, iso(now), detail)
                    created += _alert(
                        db,
                        config,
                        source.name,
                        problem,
                        iso(now),
                        "start",
                        f"{source.name}: {detail}",
                    )
            for problem, row in open_rows.items():
                if problem not in active:
                    episodes.clear_problem(db, row["id"], iso(now))
                    created += _alert(
                        db,
                        config,
                        source.name,
                        problem,
                        row["since"],
                        "clear",
                        f"{source.name}: resolved: {row['detail']}",
                    )
    return created


def problems(db: Database, config: Config, source: Source, now: datetime) -> dict[str, str]:
    """The source's current problems, each with a one-line description."""
    limit = config.health.failures_in_a_row
    runs = reads.latest_runs(db, source.name, max(limit, 1))
    found: dict[str, str] = {}
    if not runs:
        return found
    latest = runs[0]
    streak = failure_streak(db, source.name)
    if streak >= limit:
        reason = _last_error(db, source.name)
        runs_failed = f"{streak} crawls in a row failed" if streak > 1 else "the last crawl failed"
        found["failing"] = f"{runs_failed} (last error: {reason})"
    statuses = json.loads(latest["statuses"] or "{}")
    blocked = {code: n for code, n in statuses.items() if code in ("403", "429")}
    if blocked:
        listing = ", ".join(f"{n}× HTTP {code}" for code, n in sorted(blocked.items()))
        found["blocked"] = f"blocked or rate-limited ({listing}); a bot wall or block?"
    dropped = json.loads(latest["dropped"] or "{}")
    if dropped.get("suspect_short"):
        found["extraction"] = (
            f"{dropped['suspect_short']} page(s) came back far shorter than "
            "the stored article; markup change or bot wall?"
        )
    elif dropped.get("extract_failed") and latest["fetched"] == 0:
        found["extraction"] = (
            f"extraction failed on all {dropped['extract_failed']} page(s) fetched; markup change?"
        )
    silent = _silence(db, config, source.name, now)
    if silent:
        found["silent"] = silent
    return found


def _failed(run: dict) -> bool:
    return bool(run["errors"]) and run["fetched"] + run["not_modified"] == 0


# --- pacing: a source that keeps failing is tried less often, not hammered ----------------------

BACKOFF_FACTOR_MAX = 8  # a failing source waits at most 8 intervals...
BACKOFF_SECONDS_MAX = 6 * 3600  # ...and at most 6 hours (never less than its interval)


def failure_streak(db: Database, source: str, look_back: int = 50) -> int:
    """How many of the source's latest crawls failed in a row. A crawl that had nothing to
    do (no request, no error: nothing was due) is no evidence either way and is skipped."""
    streak = 0
    for run in reads.latest_runs(db, source, look_back):
        if not run["errors"] and not run["requests"]:
            continue
        if not _failed(run):
            break
        streak += 1
    return streak


def crawl_delay(interval: int, streak: int) -> int:
    """Seconds from a crawl to the source's next one: its interval while it works or failed
    once (one failure can be a blip), then doubled with each further failure in a row, up to
    8 intervals or 6 hours. The first crawl that works brings the interval back."""
    if streak <= 1:
        return interval
    cap = max(interval, min(BACKOFF_FACTOR_MAX * interval, BACKOFF_SECONDS_MAX))
    return backoff(streak, interval, cap)


def pacing(db: Database, source: Source) -> tuple[int, int]:
    """(seconds until the source's next crawl, its failed crawls in a row)."""
    streak = failure_streak(db, source.name)
    return crawl_delay(source.interval, streak), streak


def backoff_message(source: str, streak: int, delay: int) -> str:
    return f"{source}: failing {streak} crawls in a row; next try in {_span(delay)}"


def _span(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _last_error(db: Database, source: str) -> str:
    error = reads.last_error(db, source)
    return f"{error['url']}: {error['reason']}" if error else "unknown"


def _silence(db: Database, config: Config, source: str, now: datetime) -> str:
    seen = reads.recent_first_seen(db, source, 21)
    if len(seen) < 3:
        return ""  # no rhythm to compare against yet
    times = [datetime.fromisoformat(s) for s in seen]
    gaps = [(a - b).total_seconds() for a, b in pairwise(times)]
    usual = statistics.median(gaps)
    allowed = max(config.health.silent_min, config.health.silent_factor * usual)
    quiet_for = (now - times[0]).total_seconds()
    if quiet_for <= allowed:
        return ""
    return (
        f"no new article for {timedelta(seconds=int(quiet_for))} "
        f"(usually one every {timedelta(seconds=int(usual))})"
    )


def _alert(
    db: Database, config: Config, source: str, problem: str, since: str, state: str, message: str
) -> int:
    tag = config.notify.admin_tag
    created = store.insert_new(
        db,
        "alerts",
        {
            "key": f"health:{source}:{problem}:{since}:{state}:{tag}",
            "kind": "health",
            "rule": f"health:{problem}",
            "source": source,
            "tag": tag,
            "status": "pending",
            "message": message,
            "created_at": now(),
            "not_before": now(),
            "matched": "[]",
        },
    )
    if state == "start":
        logger.warning("health: %s", message)
    else:
        logger.info("health: %s", message)
    return created
