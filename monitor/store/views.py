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
    "id, kind, rule, story, event_id, change_id, tag, status, matched, words, created_at, "
    "sent_at, attempts, last_error"
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


# --- the front page (monitor.web.front) ------------------------------------------------------
# Each read is bounded by a LIMIT along an index or the rowid: the page must open as fast on a
# year of crawls as on the demo's.


def latest_events(conn: sqlite3.Connection, story: str, limit: int) -> list[dict]:
    """The story's newest events (index events(story, first_seen))."""
    return _rows(
        conn,
        "select id, headline, first_seen, first_source, first_article_id, articles, outlets "
        "from events where story = ? order by first_seen desc limit ?",
        [story, limit],
    )


def latest_edits(conn: sqlite3.Connection, limit: int) -> list[dict]:
    """The newest changes other than new articles, with their version numbers (1, 2 …)."""
    return _rows(
        conn,
        "select c.id, c.article_id, c.source, c.kind, c.categories, c.headline, c.detected_at, "
        "c.ops, c.words_added, c.words_removed, fv.number as from_number, tv.number as to_number "
        "from changes c left join versions fv on fv.id = c.from_version "
        "left join versions tv on tv.id = c.to_version "
        "where c.kind != 'new' order by c.id desc limit ?",
        [limit],
    )


def waiting_alerts(conn: sqlite3.Connection, limit: int) -> list[dict]:
    """Alerts pending or dead, newest first, with what they are about."""
    return _rows(
        conn,
        "select al.id, al.status, al.kind, al.rule, al.story, al.tag, al.source, al.created_at, "
        "al.not_before, al.attempts, al.last_error, al.article_id, al.matched, al.words, "
        "coalesce(c.headline, al.message) as about "
        "from alerts al left join changes c on c.id = al.change_id "
        "where al.status in ('pending', 'dead') order by al.id desc limit ?",
        [limit],
    )


def waiting_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many alerts are pending and dead (index alerts(status, ...))."""
    rows = _rows(
        conn,
        "select status, count(*) as n from alerts where status in ('pending', 'dead') "
        "group by status",
    )
    return {r["status"]: r["n"] for r in rows}


def source_problems(conn: sqlite3.Connection) -> list[dict]:
    """Per source: its open problem episodes (what monitor.notify.health.problems found at the
    daemon's last check) and, when its latest crawl had errors, how many and the last reason."""
    return _rows(
        conn,
        "select s.name as source, r.started_at as last_run, coalesce(r.errors, 0) as errors, "
        # crawl_errors has no index but its rowid: walk back from the newest error, which
        # for a run with errors is among the last rows, and only for such a run.
        "case when r.errors > 0 then (select e.reason from crawl_errors e "
        "where e.source = s.name and e.at >= r.started_at order by e.id desc limit 1) "
        "end as last_error, "
        "(select group_concat(h.problem || ': ' || h.detail, '; ') from source_health h "
        "where h.source = s.name and h.cleared_at is null) as problems "
        "from sources s left join crawl_runs r on r.id = (select id from crawl_runs "
        "where source = s.name order by started_at desc limit 1) order by s.name",
    )


def choice_values(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The values a canned query's parameter can take, by parameter name."""
    sources = [r["name"] for r in _rows(conn, "select name from sources order by name")]
    stories = [r["story"] for r in _rows(conn, "select distinct story from story_members")]
    rules = alerted_rules(conn)
    return {
        "source": sources,
        "story": sorted(stories),
        "rule": sorted({*rules, *stories}),
        "status": ["pending", "sent", "dead"],
    }


def version_number(conn: sqlite3.Connection, version_id: int) -> int | None:
    """A version's number as people count them (1, 2 …), from its row id."""
    row = conn.execute("select number from versions where id = ?", [version_id]).fetchone()
    return None if row is None else row[0]


# --- what the timeline and the story overview count and show (monitor.web) ----------------------

# What a page counts as an edit of an article, wherever it counts them (the timeline's header,
# "most changed"): every change row but its arrival. One predicate, so the numbers agree.
_EDIT = "kind != 'new'"


def edit_count(conn: sqlite3.Connection, article_id: int) -> int:
    """How often the article changed after it arrived (takedowns and returns included)."""
    sql = f"select count(*) as n from changes where article_id = ? and {_EDIT}"
    return _rows(conn, sql, [article_id])[0]["n"]


def most_edited(conn: sqlite3.Connection, since: str, rule: str, limit: int = 10) -> list[dict]:
    """The articles edited most often since `since` (counted as `edit_count` does), with their
    latest edit."""
    scope, params = _scope("c.article_id", rule)
    return _rows(
        conn,
        "select c.article_id, a.source, a.headline, a.status, count(*) as changes, "
        "max(c.detected_at) as last_change from changes c join articles a on a.id = c.article_id "
        f"where c.{_EDIT} and c.detected_at >= ? {scope} "
        "group by c.article_id order by changes desc, last_change desc limit ?",
        [since, *params, limit],
    )


def alerted_texts(conn: sqlite3.Connection, article_id: int) -> tuple[dict[int, int], dict]:
    """Which version each of the article's alerts without stored words (made before
    migration m008) was about ({alert id: version id}), and the text of those versions
    ({version id: row with headline, kicker, lead, body}), each once. A takedown's alert has
    no version: it was about the text taken down."""
    alerts = _rows(
        conn,
        "select al.id, coalesce(al.version_id, c.from_version) as version_id from alerts al "
        "left join changes c on c.id = al.change_id where al.article_id = ? and al.words is null "
        "and coalesce(al.matched, '[]') != '[]' order by al.id",
        [article_id],
    )
    ids = sorted({a["version_id"] for a in alerts if a["version_id"] is not None})
    texts = _rows(
        conn,
        "select id, headline, kicker, lead, body from versions "
        f"where id in ({', '.join('?' * len(ids))})",
        ids,
    )
    return {a["id"]: a["version_id"] for a in alerts}, {t["id"]: t for t in texts}
