"""Reads the CLI needs to name what exists when a user names something that does not:
the stored sources, the articles' ids, and when a crawl last finished."""

from __future__ import annotations

from sqlite_utils import Database


def stored_sources(db: Database) -> list[str]:
    """Every source name that has a stored crawl or article, sorted."""
    return [r["name"] for r in db.query("select name from sources order by name")]


def article_ids(db: Database) -> tuple[int, int, int] | None:
    """(count, lowest id, highest id) of the stored articles; None when there are none."""
    row = next(db.query("select count(*) as n, min(id) as lo, max(id) as hi from articles"))
    return (row["n"], row["lo"], row["hi"]) if row["n"] else None


def last_crawl_finished(db: Database) -> str | None:
    """When the newest crawl of any source finished (ISO); None when nothing was crawled."""
    row = next(db.query("select max(finished_at) as last from crawl_runs"))
    return row["last"]
