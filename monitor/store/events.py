"""Events: a story's articles of several outlets on one happening (monitor.stories.grouping
decides; this writes and reads the events and event_articles rows, and the members' texts)."""

from __future__ import annotations

from sqlite_utils import Database

from monitor.store.db import first, insert

# An article's current text and what dates it: what grouping compares.
_TEXT = (
    "a.id as article_id, a.source, a.published, a.first_seen, v.headline, v.lead, v.body, "
    "v.byline, v.noise, v.language"
)


def article_text(db: Database, article_id: int) -> dict | None:
    """The article's current version, with its source and dates; None without one."""
    return first(
        db.execute(
            f"select {_TEXT} from articles a join versions v on v.id = a.current_version "
            "where a.id = ?",
            [article_id],
        )
    )


def newest_members(db: Database, story: str, limit: int) -> list[dict]:
    """The story's `limit` placed articles seen last, with their event and current text,
    oldest first. Reads only the story's own rows (the index on story, seen)."""
    cursor = db.execute(
        f"select * from (select ea.event_id, ea.seen, ea.id as placed, {_TEXT} "
        "from event_articles ea join articles a on a.id = ea.article_id "
        "join versions v on v.id = a.current_version "
        "where ea.story = ? order by ea.seen desc, ea.id desc limit ?) order by seen, placed",
        [story, limit],
    )
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def event_of(db: Database, story: str, article_id: int) -> int | None:
    """The event the article was placed in within the story; None when it was not."""
    found = db.execute(
        "select event_id from event_articles where story = ? and article_id = ?",
        [story, article_id],
    ).fetchone()
    return found[0] if found else None


def event_exists(db: Database, event_id: int) -> bool:
    return db.execute("select 1 from events where id = ?", [event_id]).fetchone() is not None


def new_event(db: Database, story: str, headline: str, now: str) -> int:
    """An empty event of the story; `join_event` puts its first article in."""
    return insert(db, "events", {"story": story, "headline": headline, "updated_at": now})


def join_event(db: Database, row: dict) -> None:
    """Write one event_articles row, then bring the event's counts and first report up to date."""
    insert(db, "event_articles", row)
    _refresh(db, row["event_id"], row["joined_at"])


def _refresh(db: Database, event_id: int, now: str) -> None:
    earliest = first(
        db.execute(
            "select ea.article_id, ea.source, ea.seen, v.headline from event_articles ea "
            "join articles a on a.id = ea.article_id "
            "left join versions v on v.id = a.current_version "
            "where ea.event_id = ? order by ea.seen, ea.id limit 1",
            [event_id],
        )
    )
    assert earliest is not None, "refreshed after a join: the event has an article"
    db.execute(
        "update events set first_seen = ?, first_article_id = ?, first_source = ?, "
        "headline = coalesce(?, headline), updated_at = ?, "
        "articles = (select count(*) from event_articles where event_id = events.id), "
        "outlets = (select count(distinct source) from event_articles where event_id = events.id) "
        "where id = ?",
        [
            earliest["seen"],
            earliest["article_id"],
            earliest["source"],
            earliest["headline"],
            now,
            event_id,
        ],
    )


def mark_agency(db: Database, event_id: int, article_id: int, agency: str) -> None:
    """The article an agency copy was matched to ran that agency text too: say so (its
    agency stays when it named one)."""
    db.execute(
        "update event_articles set role = 'agency', agency = coalesce(nullif(agency, ''), ?) "
        "where event_id = ? and article_id = ?",
        [agency, event_id, article_id],
    )
