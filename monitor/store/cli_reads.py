"""Reads of the CLI's own: the stored sources and the articles' ids (to name what exists when
a user names something that does not), and the daemons' heartbeats (`newsmon status`)."""

from __future__ import annotations

from sqlite_utils import Database


def stored_sources(db: Database) -> list[str]:
    """Every source name that has a stored crawl or article, sorted."""
    return [r["name"] for r in db.query("select name from sources order by name")]


def article_ids(db: Database) -> tuple[int, int, int] | None:
    """(count, lowest id, highest id) of the stored articles; None when there are none."""
    row = next(db.query("select count(*) as n, min(id) as lo, max(id) as hi from articles"))
    return (row["n"], row["lo"], row["hi"]) if row["n"] else None


def daemon_beats(db: Database, limit: int = 10) -> list[dict]:
    """The daemons' heartbeats (monitor.store.beats), the latest beat first."""
    return list(db.query("select * from daemon_beats order by beat_at desc limit ?", [limit]))
