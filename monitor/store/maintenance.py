"""Housekeeping: prune old raw HTML, checkpoint the WAL, let SQLite optimize.

Cleaned versions and diffs are kept for ever; only the raw pages, which are
large and only needed to re-extract history, are pruned by age and count.
A raw page an unsent alert still points at is never pruned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor import clock, store
from monitor.config import Config


def maintain(config: Config, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    retention = config.retention
    cutoff = clock.iso(now - timedelta(seconds=retention.raw_max_age))
    db = store.open_db(config.database)
    try:
        with db.atomic():
            cursor = db.execute(
                """
                update versions set raw_html = null
                where raw_html is not null
                  and id not in (select version_id from alerts
                                 where status = 'pending' and version_id is not null)
                  and (fetched_at < :cutoff
                       or number <= (select a.versions from articles a
                                     where a.id = versions.article_id) - :keep)
                """,
                {"cutoff": cutoff, "keep": retention.raw_keep},
            )
            pruned = cursor.rowcount
        db.checkpoint()  # bounded: a long Datasette reader must not hold every writer up
        db.execute("PRAGMA optimize")
    finally:
        db.close()
    return {"raw_pruned": pruned}
