"""What the rest of the program reads back: crawl runs and their errors for health, the daemon
and the crawl's summary; articles, versions and changes for the CLI and the rules.

Reads only; each one query. The pipeline's own reads (what to fetch, what a page was) live
with its writes.
"""

from __future__ import annotations

from sqlite_utils import Database

# --- crawl runs and their errors --------------------------------------------------------------


def runs_of(db: Database, run_id: str) -> list[dict]:
    """One crawl's rows of crawl_runs, one per source."""
    return list(db.query("select * from crawl_runs where run_id = ? order by source", [run_id]))


def latest_runs(db: Database, source: str, limit: int) -> list[dict]:
    """A source's latest crawls, newest first."""
    # Along crawl_runs(source, started_at, rowid), stopping after `limit`: "order by id" alone
    # sorted every crawl of the source (a year: 260,000 rows, 30 ms each in `newsmon status`).
    return list(
        db["crawl_runs"].rows_where(
            "source = ?", [source], order_by="started_at desc, id desc", limit=limit
        )
    )


def last_finished(db: Database, source: str) -> str | None:
    """When the source's latest crawl finished (ISO), None when it never ran."""
    rows = list(
        db.query("select max(finished_at) as last from crawl_runs where source = ?", [source])
    )
    return rows[0]["last"] if rows else None


def first_error(db: Database, run_id: str, source: str) -> dict | None:
    """The first failed request (url, reason) of one source in one crawl."""
    rows = list(
        db.query(
            "select url, reason from crawl_errors where run_id = ? and "
            "source = ? order by id limit 1",
            [run_id, source],
        )
    )
    return rows[0] if rows else None


def last_error(db: Database, source: str) -> dict | None:
    """The source's latest failed request."""
    rows = list(db["crawl_errors"].rows_where("source = ?", [source], order_by="id desc", limit=1))
    return rows[0] if rows else None


# --- articles -----------------------------------------------------------------------------------


def recent_first_seen(db: Database, source: str, limit: int) -> list[str]:
    """When the source's newest articles were first seen, newest first."""
    return [
        r["first_seen"]
        for r in db.query(
            "select first_seen from articles where source = ? order by first_seen desc limit ?",
            [source, limit],
        )
    ]


def sources_due(db: Database, now: str) -> set[str]:
    """Sources with a live article whose next check is due at `now`."""
    # Along index articles(next_check_at, status, source): the due rows only, as "never" sorts
    # after every ISO time; by source, the planner would read every article of every source.
    return {
        r["source"]
        for r in db.query(
            "select distinct source from articles indexed by "
            "idx_articles_next_check_at_status_source "
            "where next_check_at <= ? and status = 'live'",
            [now],
        )
    }


def watched_schedules(db: Database) -> list[dict]:
    """The live articles the revisit policy still checks (next check not "never"): their age
    and next check. A year's stopped articles are left out: `stopped_count` counts them."""
    return list(
        db.query(
            "select first_seen, published, last_changed, next_check_at from articles "
            "where (next_check_at < 'never' or next_check_at > 'never' or next_check_at is null) "
            "and status = 'live'"
        )
    )


def stopped_count(db: Database) -> int:
    """How many live articles the revisit policy stopped checking (next_check_at "never")."""
    query = "select count(*) from articles where next_check_at = 'never' and status = 'live'"
    return db.execute(query).fetchone()[0]


def list_articles(db: Database, source: str | None, limit: int) -> list[dict]:
    """Stored articles (of one source), the latest changed first."""
    where, params = ("where source = ?", [source]) if source else ("", [])
    return list(
        db.query(
            "select id, source, status, versions, last_changed, headline, url from articles "
            f"{where} "
            "order by last_changed desc, id desc limit ?",
            [*params, limit],
        )
    )


def article(db: Database, article_id: int) -> dict | None:
    rows = list(db["articles"].rows_where("id = ?", [article_id]))
    return rows[0] if rows else None


def article_url(db: Database, article_id: int) -> str:
    return db.execute("select url from articles where id = ?", [article_id]).fetchone()[0]


def versions_of(db: Database, article_id: int) -> list[dict]:
    return list(db["versions"].rows_where("article_id = ?", [article_id]))


def changes_newest_first(db: Database, article_id: int | None, limit: int | None) -> list[dict]:
    """Stored changes (of one article), newest first; `limit` of them, None: all."""
    where, params = ("where article_id = ?", [article_id]) if article_id else ("", [])
    tail = "" if limit is None else f"limit {int(limit)}"
    return list(db.query(f"select * from changes {where} order by id desc {tail}", params))
