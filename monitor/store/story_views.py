"""What the story pages and feeds read (monitor.web.stories, monitor.web.feed): the list of
stories; for one story its counts, its newest events and members, their latest edits, and its
members' changes since they joined (counted, and per day for the chart's last days); and an
article's stories for its timeline.

Functions of a plain `sqlite3.Connection` (Datasette's read-only connections and tests alike),
one statement each, rows as dicts. None reads `versions.raw_html` or a body.
"""

from __future__ import annotations

import json
import sqlite3

from monitor.store.views import dict_rows

# A member's changes "since it joined": from the change that carried the joining version on
# (change ids grow with time); a member whose change is not written yet by its joining time.
_SINCE_JOINED = (
    "((m.change_id is not null and c.id >= m.change_id) "
    "or (m.change_id is null and c.detected_at >= m.joined_at))"
)

# seen_at: the article's publication, else when newsmon first saw it.
_ARTICLE_COLUMNS = (
    "a.id as article_id, a.source, a.headline, a.url, a.status, "
    "coalesce(a.published, a.first_seen) as seen_at"
)
_EVENT_COLUMNS = (
    "e.id as event_id, e.headline as event_headline, e.first_seen as event_first_seen, "
    "e.updated_at as event_updated_at, e.first_source as event_first_source, "
    "e.first_article_id as event_first_article"
)


def stories(conn: sqlite3.Connection) -> list[dict]:
    """Every story with members: its name, members, outlets, events and latest arrival."""
    return dict_rows(
        conn,
        "select m.story, count(*) as members, count(distinct m.source) as outlets, "
        "max(m.joined_at) as last_joined, "
        "(select count(*) from events e where e.story = m.story) as events "
        "from story_members m group by m.story order by m.story",
    )


def story_counts(conn: sqlite3.Connection, story: str) -> dict:
    """How many members, members placed in an event, and events the story has (their indexes'
    counts: no row read)."""
    found = dict_rows(
        conn,
        "select (select count(*) from story_members where story = :story) as members, "
        "(select count(*) from event_articles where story = :story) as placed, "
        "(select count(*) from events where story = :story) as events",
        {"story": story},
    )
    return found[0]


def newest_event_articles(conn: sqlite3.Connection, story: str, limit: int) -> list[dict]:
    """The articles of the story's `limit` events first seen last, by the stored text (times
    carry offsets: ask for a few more and order them by time), with their event and role."""
    return dict_rows(
        conn,
        f"select {_EVENT_COLUMNS}, ea.seen, ea.role, ea.agency, "
        "coalesce(m.joined_at, ea.joined_at) as joined_at, "
        f"{_ARTICLE_COLUMNS} "
        "from (select * from events where story = :story order by first_seen desc limit :limit) e "
        "join event_articles ea on ea.event_id = e.id "
        "join articles a on a.id = ea.article_id "
        "left join story_members m on m.story = ea.story and m.article_id = ea.article_id "
        "where ea.story = :story",
        {"story": story, "limit": limit},
    )


def newest_others(conn: sqlite3.Connection, story: str, limit: int) -> list[dict]:
    """The story's `limit` members in no event that joined last (event columns null). The walk
    along (story, joined_at) stops at the limit: ask for no more than there are."""
    return dict_rows(
        conn,
        "select null as event_id, null as seen, null as role, null as agency, m.joined_at, "
        f"{_ARTICLE_COLUMNS} "
        "from story_members m join articles a on a.id = m.article_id "
        "where m.story = ? and not exists (select 1 from event_articles ea "
        "where ea.story = m.story and ea.article_id = m.article_id) "
        "order by m.joined_at desc limit ?",
        [story, limit],
    )


def member_edits(
    conn: sqlite3.Connection, story: str, article_ids: list[int], limit: int
) -> list[dict]:
    """The latest `limit` edits (arrivals left out) of each of the given members since it
    joined, oldest first, each with `edits`: how many that member has in all."""
    return dict_rows(
        conn,
        "select * from (select c.id, c.article_id, c.kind, c.categories, c.words_added, "
        "c.words_removed, c.detected_at, c.id = m.change_id as joined_with, "
        "row_number() over (partition by c.article_id order by c.id desc) as nth, "
        "count(*) over (partition by c.article_id) as edits "
        "from story_members m join changes c on c.article_id = m.article_id "
        "where m.story = ? and m.article_id in (select value from json_each(?)) "
        f"and c.kind is not 'new' and {_SINCE_JOINED}) where nth <= ? order by id",
        [story, json.dumps(article_ids), limit],
    )


def change_totals(conn: sqlite3.Connection, story: str) -> dict:
    """How many changes the story's members had since each joined, and when the latest was
    detected (newsmon's own UTC clock: the text orders them). Read from the index alone."""
    return dict_rows(
        conn,
        "select count(*) as changes, max(c.detected_at) as latest "
        "from story_members m join changes c on c.article_id = m.article_id "
        f"where m.story = ? and {_SINCE_JOINED}",
        [story],
    )[0]


def changes_per_day(conn: sqlite3.Connection, story: str, since: str) -> list[dict]:
    """The members' changes since each joined, detected at `since` or later, counted per
    outlet and `day`: the UTC date when newsmon wrote the time in UTC, else the whole time."""
    return dict_rows(
        conn,
        "select case when c.detected_at like '%+00:00' then substr(c.detected_at, 1, 10) "
        "else c.detected_at end as day, c.source, count(*) as n "
        "from story_members m join changes c "
        "on c.article_id = m.article_id and c.detected_at >= ? "
        f"where m.story = ? and {_SINCE_JOINED} group by 1, 2",
        [since, story],
    )


def feed_changes(conn: sqlite3.Connection, story: str, limit: int = 50) -> list[dict]:
    """The story's newest changes since each member joined, with the diff, the article's
    headline and the new version's lead (what a feed entry says), newest first."""
    return dict_rows(
        conn,
        "select c.id, c.article_id, c.source, c.kind, c.categories, c.ops, c.words_added, "
        "c.words_removed, c.detected_at, c.headline as change_headline, a.headline, a.url, "
        "v.lead, ea.event_id, ea.role, ea.agency, e.headline as event_headline "
        "from story_members m join changes c on c.article_id = m.article_id "
        "join articles a on a.id = c.article_id "
        "left join versions v on v.id = c.to_version "
        "left join event_articles ea on ea.story = m.story and ea.article_id = m.article_id "
        "left join events e on e.id = ea.event_id "
        f"where m.story = ? and {_SINCE_JOINED} "
        "order by c.detected_at desc, c.id desc limit ?",
        [story, limit],
    )


def is_story(conn: sqlite3.Connection, story: str) -> bool:
    """Whether the story has a member or an event."""
    found = conn.execute(
        "select exists (select 1 from story_members where story = ?) "
        "or exists (select 1 from events where story = ?)",
        [story, story],
    ).fetchone()
    return bool(found and found[0])


def article_stories(conn: sqlite3.Connection, article_id: int) -> list[dict]:
    """The stories an article belongs to, with its event (if any) and role there."""
    return dict_rows(
        conn,
        "select m.story, m.joined_at, ea.event_id, ea.role, ea.agency, "
        "e.headline as event_headline "
        "from story_members m "
        "left join event_articles ea on ea.story = m.story and ea.article_id = m.article_id "
        "left join events e on e.id = ea.event_id "
        "where m.article_id = ? order by m.story",
        [article_id],
    )
