"""Housekeeping: prune old raw HTML, checkpoint the WAL, let SQLite optimize; and forget the
listing validators a crawl that did not finish may have stored (monitor.daemon.recovery).

Cleaned versions and diffs are kept for ever; only the raw pages, which are
large and only needed to re-extract history, are pruned by age and count.
A raw page an unsent alert still points at is never pruned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

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
                update version_rows set raw_html = null
                where raw_html is not null
                  and id not in (select version_id from alerts
                                 where status = 'pending' and version_id is not null)
                  and (fetched_at < :cutoff
                       or number <= (select a.versions from articles a
                                     where a.id = version_rows.article_id) - :keep)
                """,
                {"cutoff": cutoff, "keep": retention.raw_keep},
            )
            pruned = cursor.rowcount
        db.checkpoint()  # bounded: a long Datasette reader must not hold every writer up
        db.execute("PRAGMA optimize")
    finally:
        db.close()
    return {"raw_pruned": pruned}


def forget_listings(db: Database, since: dict[str, str | None]) -> int:
    """Drop the validators of each source's listings checked at or after `since[source]` (None:
    all of them). Returns how many listings lost theirs. Whole-second stamps, hence "at or
    after": a listing checked in the second the crawl began is fetched in full, never missed."""
    forgotten = 0
    with db.atomic():
        for source, when in since.items():
            cursor = db.execute(
                "update feeds set etag = null, last_modified = null "
                "where source = :source and (etag is not null or last_modified is not null) "
                "and last_checked >= coalesce(:since, '')",
                {"source": source, "since": when},
            )
            forgotten += cursor.rowcount
    return forgotten
