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
from monitor.config import Config, Source
from monitor.store import iso

logger = logging.getLogger("newsmon.health")


def check_health(db: Database, config: Config, now: datetime | None = None) -> int:
    """Open and clear problem episodes for every enabled source; return alerts created."""
    now = now or datetime.now(UTC)
    created = 0
    for source in config.sources:
        if not source.enabled:
            continue
        active = problems(db, config, source, now)
        open_rows = {
            r["problem"]: r
            for r in db["source_health"].rows_where(
                "source = ? and cleared_at is null", [source.name]
            )
        }
        with db.atomic():
            for problem, detail in active.items():
                if problem not in open_rows:
                    db["source_health"].insert(
                        {
                            "source": source.name,
                            "problem": problem,
                            "since": iso(now),
                            "detail": detail,
                        }
                    )
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
                    db["source_health"].update(row["id"], {"cleared_at": iso(now)})
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
    runs = list(
        db["crawl_runs"].rows_where(
            "source = ?", [source.name], order_by="id desc", limit=max(limit, 1)
        )
    )
    found: dict[str, str] = {}
    if not runs:
        return found
    latest = runs[0]
    if len(runs) >= limit and all(_failed(r) for r in runs):
        reason = _last_error(db, source.name)
        found["failing"] = f"{limit} crawls in a row failed (last error: {reason})"
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


def _last_error(db: Database, source: str) -> str:
    rows = list(db["crawl_errors"].rows_where("source = ?", [source], order_by="id desc", limit=1))
    return f"{rows[0]['url']}: {rows[0]['reason']}" if rows else "unknown"


def _silence(db: Database, config: Config, source: str, now: datetime) -> str:
    seen = [
        r["first_seen"]
        for r in db.query(
            "select first_seen from articles where source = ? order by first_seen desc limit 21",
            [source],
        )
    ]
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
            "created_at": iso(datetime.now(UTC)),
            "not_before": iso(datetime.now(UTC)),
            "matched": "[]",
        },
    )
    if state == "start":
        logger.warning("health: %s", message)
    else:
        logger.info("health: %s", message)
    return created
