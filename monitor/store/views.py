"""What the Datasette pages read (monitor.web): an article's timeline, the story overview, a
stored page.

Functions of a plain `sqlite3.Connection`, so they run inside Datasette's read-only
connections (`Database.execute_fn`) and in tests alike; rows come back as dicts whatever
row factory the connection has. The timeline never reads `versions.raw_html`: a timeline of
many versions must not pull every stored page.
"""

from __future__ import annotations

import sqlite3

# The text of the first and the latest version only: an article edited hundreds of times
# would otherwise pull every body, and the page shows the change between the others.
_VERSION_COLUMNS = (
    "id, number, fetched_at, headline, kicker, lead, byline, http_status, raw_size, "
    "raw_html is not null as has_raw, "
    "case when number in (1, :latest) then body end as body, number in (1, :latest) as has_text"
)

# What a version's text is rebuilt from (monitor.store.version_article), and what the timeline
# shows of an alert.
_TEXT_COLUMNS = (
    "id, number, headline, kicker, lead, body, byline, published, modified, canonical_url, "
    "language, noise"
)
_ALERT_COLUMNS = (
    "id, kind, rule, story, event_id, change_id, tag, status, matched, created_at, sent_at, "
    "attempts, last_error"
)


def dict_rows(conn: sqlite3.Connection, sql: str, params: list | tuple | dict = ()) -> list[dict]:
    """The statement's rows as plain dicts, whatever row factory the connection has
    (Datasette sets sqlite3.Row)."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_rows = dict_rows


# --- one article's timeline ----------------------------------------------------------------------


def article(conn: sqlite3.Connection, article_id: int) -> dict | None:
    found = _rows(conn, "select * from articles where id = ?", [article_id])
    return found[0] if found else None


def version_summaries(conn: sqlite3.Connection, article_id: int, latest: int) -> list[dict]:
    """Every version of the article in order; the text of the first and the `latest` only."""
    return _rows(
        conn,
        f"select {_VERSION_COLUMNS} from versions where article_id = :id order by number",
        {"id": article_id, "latest": latest},
    )


def version_texts(conn: sqlite3.Connection, article_id: int) -> list[dict]:
    """Every version of the article in order, with its text (no raw page)."""
    sql = f"select {_TEXT_COLUMNS} from versions where article_id = ? order by number"
    return _rows(conn, sql, [article_id])


def changes_of(conn: sqlite3.Connection, article_id: int) -> list[dict]:
    return _rows(conn, "select * from changes where article_id = ? order by id", [article_id])


def alerts_of(conn: sqlite3.Connection, article_id: int) -> list[dict]:
    sql = f"select {_ALERT_COLUMNS} from alerts where article_id = ? order by id"
    return _rows(conn, sql, [article_id])


def raw_page(conn: sqlite3.Connection, version_id: int) -> bytes | None:
    """A version's stored page (zlib), None when it was pruned or there is no such version."""
    row = conn.execute("select raw_html from versions where id = ?", [version_id]).fetchone()
    return None if row is None else row[0]


# --- the story overview ----------------------------------------------------------------------
# With `rule`, only the articles that rule has alerted on: the tracked story, not everything
# the outlets published.


def _scope(column: str, rule: str) -> tuple[str, list[str]]:
    if not rule:
        return "", []
    return f"and {column} in (select article_id from alerts where rule = ?)", [rule]


def change_span(conn: sqlite3.Connection, rule: str) -> tuple[str | None, str | None]:
    """When the first and the latest change were detected."""
    scope, params = _scope("article_id", rule)
    span = _rows(
        conn,
        f"select min(detected_at) as first, max(detected_at) as last from changes where 1 {scope}",
        params,
    )[0]
    return span["first"], span["last"]


def changes_per_day(conn: sqlite3.Connection, since: str, rule: str) -> list[dict]:
    """(source, day, n): changes per outlet per day from `since` on."""
    scope, params = _scope("article_id", rule)
    return _rows(
        conn,
        "select source, substr(detected_at, 1, 10) as day, count(*) as n from changes "
        f"where detected_at >= ? {scope} group by source, day",
        [since, *params],
    )


def alerted_rules(conn: sqlite3.Connection) -> list[str]:
    """Every rule that has alerted on a change."""
    rows = _rows(
        conn,
        "select distinct rule from alerts where kind = 'change' and rule is not null order by rule",
    )
    return [r["rule"] for r in rows]


def most_changed(conn: sqlite3.Connection, since: str, rule: str, limit: int = 10) -> list[dict]:
    """The articles changed most often since `since`, with their latest change."""
    scope, params = _scope("c.article_id", rule)
    return _rows(
        conn,
        "select c.article_id, a.source, a.headline, a.status, count(*) as changes, "
        "max(c.detected_at) as last_change from changes c join articles a on a.id = c.article_id "
        f"where c.kind != 'new' and c.detected_at >= ? {scope} "
        "group by c.article_id order by changes desc, last_change desc limit ?",
        [since, *params, limit],
    )
