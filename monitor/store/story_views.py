"""What the story pages and feeds read (monitor.web.stories, monitor.web.feed): the list of
stories, one story's members with their events, the changes of its members since they joined,
and an article's stories for its timeline.

Functions of a plain `sqlite3.Connection` (Datasette's read-only connections and tests alike),
one statement each, rows as dicts. None reads `versions.raw_html` or a body.
"""

from __future__ import annotations

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


def story_articles(conn: sqlite3.Connection, story: str) -> list[dict]:
    """The story's articles: those in an event (with the event and their role) and the members
    in none yet (event columns null). Unordered: the page orders them."""
    return dict_rows(
        conn,
        f"select {_EVENT_COLUMNS}, ea.seen, ea.role, ea.agency, "
        "coalesce(m.joined_at, ea.joined_at) as joined_at, "
        f"{_ARTICLE_COLUMNS} "
        "from event_articles ea join events e on e.id = ea.event_id "
        "join articles a on a.id = ea.article_id "
        "left join story_members m on m.story = ea.story and m.article_id = ea.article_id "
        "where ea.story = :story "
        "union all "
        "select null, null, null, null, null, null, null, null, null, m.joined_at, "
        f"{_ARTICLE_COLUMNS} "
        "from story_members m join articles a on a.id = m.article_id "
        "where m.story = :story and not exists (select 1 from event_articles ea "
        "where ea.story = m.story and ea.article_id = m.article_id)",
        {"story": story},
    )


def member_changes(conn: sqlite3.Connection, story: str) -> list[dict]:
    """Every change of the story's members since each joined (no diff), oldest first."""
    return dict_rows(
        conn,
        "select c.id, c.article_id, c.source, c.kind, c.categories, c.words_added, "
        "c.words_removed, c.detected_at, c.id = m.change_id as joined_with "
        "from story_members m join changes c on c.article_id = m.article_id "
        f"where m.story = ? and {_SINCE_JOINED} order by c.id",
        [story],
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
