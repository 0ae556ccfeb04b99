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
# would otherwise pull every body, and the page shows the change between the others. Both `?`
# are the latest version's number.
_VERSION_COLUMNS = (
    "id, number, fetched_at, headline, kicker, lead, byline, http_status, raw_size, "
    "has_raw, "
    "case when number in (1, ?) then body end as body, number in (1, ?) as has_text"
)

# What a version's text is rebuilt from (monitor.store.version_article), and what the timeline
# shows of an alert.
_TEXT_COLUMNS = (
    "id, number, headline, kicker, lead, body, byline, published, modified, canonical_url, "
    "language, noise"
)
_ALERT_COLUMNS = (
    "id, kind, rule, story, event_id, change_id, version_id, tag, status, matched, words, "
    "created_at, sent_at, attempts, last_error"
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


def version_summaries(
    conn: sqlite3.Connection, article_id: int, ids: list[int], latest: int
) -> list[dict]:
    """The article's versions with these row ids, in order; the text of the first and the
    `latest` only."""
    marks = ", ".join("?" * len(ids))
    # `+article_id`: found by their ids, not by walking every version of the article.
    return _rows(
        conn,
        f"select {_VERSION_COLUMNS} from versions "
        f"where id in ({marks}) and +article_id = ? order by number",
        [latest, latest, *ids, article_id],
    )


def version_texts(conn: sqlite3.Connection, article_id: int) -> list[dict]:
    """Every version of the article in order, with its text (no raw page)."""
    sql = f"select {_TEXT_COLUMNS} from versions where article_id = ? order by number"
    return _rows(conn, sql, [article_id])


# A timeline page: its changes walked along index changes(article_id), whose entries end in the
# rowid, so "id < ? order by id desc limit ?" reads only the page. No `diff`: the page draws `ops`.
_CHANGE_COLUMNS = (
    "id, article_id, from_version, to_version, detected_at, kind, categories, headline, ops, "
    "words_added, words_removed"
)
_NO_BOUND = 2**63 - 1


def change_page(
    conn: sqlite3.Connection, article_id: int, before: int | None, limit: int
) -> list[dict]:
    """Up to `limit` of the article's changes with an id below `before` (the newest without
    it), newest first."""
    return _rows(
        conn,
        f"select {_CHANGE_COLUMNS} from changes where article_id = ? and id < ? "
        "order by id desc limit ?",
        [article_id, _NO_BOUND if before is None else before, limit],
    )


def changes_from(conn: sqlite3.Connection, article_id: int, first: int, limit: int) -> list[dict]:
    """(id, detected_at) of up to `limit` of the article's changes from id `first` on, oldest
    first: where the next newer page starts, and where it ends."""
    return _rows(
        conn,
        "select id, detected_at from changes where article_id = ? and id >= ? order by id limit ?",
        [article_id, first, limit],
    )


def changes_before(conn: sqlite3.Connection, article_id: int, change_id: int) -> int:
    """How many of the article's changes are older than `change_id` (counted in the index)."""
    sql = "select count(*) as n from changes where article_id = ? and id < ?"
    return _rows(conn, sql, [article_id, change_id])[0]["n"]


def page_alerts(conn: sqlite3.Connection, article_id: int, change_ids: list[int]) -> list[dict]:
    """The article's alerts about these changes (and, with `None` among them, those about none)."""
    ids = [i for i in change_ids if i is not None]
    orphans = " or change_id is null" if None in change_ids else ""
    sql = (
        f"select {_ALERT_COLUMNS} from alerts where article_id = ? "
        f"and (change_id in ({', '.join('?' * len(ids))}){orphans}) order by id"
    )
    return _rows(conn, sql, [article_id, *ids])


def covered_versions(conn: sqlite3.Connection, article_id: int) -> set[int]:
    """The versions of the article some change row leads to (not a takedown's or a return's)."""
    rows = _rows(
        conn,
        "select distinct to_version from changes where article_id = ? "
        "and kind not in ('removed', 'restored') and to_version is not null",
        [article_id],
    )
    return {r["to_version"] for r in rows}


def texts_of(conn: sqlite3.Connection, version_ids: list[int]) -> dict[int, dict]:
    """Headline, kicker, lead and body of these versions, by id."""
    ids = sorted(set(version_ids))
    rows = _rows(
        conn,
        "select id, headline, kicker, lead, body from versions "
        f"where id in ({', '.join('?' * len(ids))})",
        ids,
    )
    return {r["id"]: r for r in rows}


def raw_page(conn: sqlite3.Connection, version_id: int) -> bytes | None:
    """A version's stored page (zlib), None when it was pruned or there is no such version."""
    row = conn.execute("select raw_html from version_rows where id = ?", [version_id]).fetchone()
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


def timeline_counts(conn: sqlite3.Connection, article_id: int) -> dict[str, int]:
    """What a timeline's header counts, whichever page it shows: changes, edits (changes after
    the arrival, takedowns and returns included), versions, the versions a change leads to
    (fewer than `versions` when a change row is missing), alerts. Counted along the indexes on
    article_id, without reading a diff or a text."""
    return _rows(
        conn,
        f"select count(*) as changes, coalesce(sum({_EDIT}), 0) as edits, "
        "count(distinct case when kind not in ('removed', 'restored') then to_version end) "
        "as covered, "
        "(select count(*) from versions where article_id = :id) as versions, "
        "(select count(*) from alerts where article_id = :id) as alerts "
        "from changes where article_id = :id",
        {"id": article_id},
    )[0]


def most_edited(conn: sqlite3.Connection, since: str, rule: str, limit: int = 10) -> list[dict]:
    """The articles edited most often since `since` (counted as `timeline_counts` does), with their
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
