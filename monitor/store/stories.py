"""Stories as stored: which articles are members of which story, and the story alerts a rate
limit counts from. Plain reads and writes; who joins and what alerts is decided in
monitor.stories. Writes run inside the caller's `db.atomic()` (the evaluation of one change).
"""

from __future__ import annotations

from sqlite_utils import Database

from monitor.store.db import first, insert


def member(db: Database, story: str, article_id: int) -> dict | None:
    """The article's membership row of `story`; None when it is not a member."""
    return first(
        db.execute(
            "select * from story_members where story = ? and article_id = ?", [story, article_id]
        )
    )


def add_member(db: Database, row: dict) -> int:
    """Write a membership (story, article_id, source, joined_at, version_id, change_id, score,
    terms, fields); its id."""
    return insert(db, "story_members", row)


def last_article_alert(db: Database, story: str, article_id: int, tag: str) -> dict | None:
    """The latest alert of `story` on one article for one tag: what an edit's rate limit
    counts from."""
    return first(
        db.execute(
            "select status, not_before, sent_at from alerts where story = ? and article_id = ? "
            "and tag = ? order by id desc limit 1",
            [story, article_id, tag],
        )
    )


def last_event_alert(db: Database, story: str, event_id: int, tag: str) -> dict | None:
    """The latest alert of `story` on a new article of one event for one tag: several outlets'
    new articles on one happening fold within the rate limit."""
    return first(
        db.execute(
            "select a.status, a.not_before, a.sent_at from alerts a "
            "join changes c on c.id = a.change_id "
            "where a.story = ? and a.event_id = ? and a.tag = ? and c.kind = 'new' "
            "order by a.id desc limit 1",
            [story, event_id, tag],
        )
    )


def members_by_source(db: Database, story: str) -> list[dict]:
    """Per source: members, the last change of a member and the story's alerts sent."""
    return list(
        db.query(
            "select m.source, count(*) as members, "
            "(select max(c.detected_at) from changes c join story_members n "
            " on n.article_id = c.article_id where n.story = m.story and n.source = m.source) "
            "as last_change, "
            "(select count(*) from alerts a where a.story = m.story and a.source = m.source "
            " and a.status = 'sent') as sent "
            "from story_members m where m.story = ? group by m.source order by m.source",
            [story],
        )
    )


def story_alert_counts(db: Database, story: str) -> dict[str, int]:
    """The story's alerts per status: {"pending": 2, "sent": 40}."""
    return dict(
        db.execute(
            "select status, count(*) from alerts where story = ? group by status", [story]
        ).fetchall()
    )


def alerts_of_change(db: Database, story: str, change_id: int) -> list[dict]:
    """The story's alert rows for one change (what `newsmon stories test` says was sent)."""
    return list(
        db.query(
            "select tag, status from alerts where story = ? and change_id = ? order by id",
            [story, change_id],
        )
    )
