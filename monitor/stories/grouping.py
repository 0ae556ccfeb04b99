"""Events, stored: put an article that joined a story into one of the story's events.

The decision is monitor.stories.events' (pure); this builds the article's Doc from its current
version, keeps one Grouper per story and database in the process, and writes the rows inside
the caller's transaction. rensa's MinHash cannot be rebuilt from a stored digest, so a
Grouper lives in memory: on first use (after a restart, say) it is rebuilt from the story's
KEEP newest placed articles (by publication), and it forgets the oldest as newer ones come,
so a rebuilt Grouper holds what a long-lived one does. Publication, not the clock, decides
what is kept: a first crawl finds articles weeks old, and their agency copies must meet. A
transaction rolled back after a placement leaves the memory ahead of the database: a placement
that names an event the database lacks rebuilds the story's Grouper and decides again.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from monitor.clock import iso, parse_time
from monitor.store import events as stored
from monitor.stories.events import Doc, Grouper, Placement

_GROUPERS: dict[tuple[str, str, int], Grouper] = {}
# Articles held per story: the newest by publication. An article's window reaches back days,
# and a story publishes dozens a day across outlets; this bounds memory (a few MB a story).
KEEP = 1500
CREDIT_LINE = 200  # characters: longer noise lines are captions and teasers, not credits


def place(db: Database, story: Any, article_id: int, now: datetime) -> int | None:
    """Put the article into an event of `story` (a Story: its name and window) in an existing
    event or a new one, and return the event's id; None when the article has no stored text. An
    article placed before keeps its event."""
    name, window, moment = story.name, int(story.window), now
    if (known := stored.event_of(db, name, article_id)) is not None:
        return known
    row = stored.article_text(db, article_id)
    if row is None:
        return None
    doc = member_doc(row)
    doc.seen = doc.seen or iso(moment)
    grouper = _grouper(db, name, window)
    if article_id in grouper:  # placed in a transaction that was rolled back
        grouper = _grouper(db, name, window, fresh=True)
    placement = grouper.place(doc)
    if placement.event is not None and not stored.event_exists(db, placement.event):
        grouper = _grouper(db, name, window, fresh=True)
        placement = grouper.place(doc)
    event = _write(db, name, doc, placement, iso(moment))
    grouper.add(doc, event)
    if len(grouper) > KEEP * 1.1:  # now and then, not on every article
        grouper.keep_newest(KEEP)
    return event


def forget() -> None:
    """Drop every Grouper of the process (what a restart does)."""
    _GROUPERS.clear()


def member_doc(row: dict) -> Doc:
    """A Doc from a stored article's current text (monitor.store.events' rows)."""
    noise = json.loads(row.get("noise") or "[]")
    # Credits are short lines (a byline, "Quelle: dpa, AFP"); captions and teasers that name an
    # agency are not the article's credit.
    lines = [n for n in noise if isinstance(n, str) and len(n) <= CREDIT_LINE]
    credit = "\n".join([row.get("byline") or "", *lines])
    return Doc(
        article_id=row["article_id"],
        source=row["source"],
        seen=row.get("seen") or seen_of(row),
        headline=row.get("headline") or "",
        lead=row.get("lead") or "",
        body=[p for p in (row.get("body") or "").split("\n\n") if p],
        credit=credit.strip(),
        language=row.get("language") or "",
    )


def seen_of(row: dict) -> str:
    """When the article came out: its publication, unless it was seen earlier than that (a
    publication time after the first sight is a page's error)."""
    times = [t for t in (parse_time(row.get("published")), parse_time(row.get("first_seen"))) if t]
    return iso(min(times)) if times else ""


def _grouper(db: Database, story: str, window: int, fresh: bool = False) -> Grouper:
    key = (str(getattr(db, "db_path", id(db))), story, window)
    grouper = None if fresh else _GROUPERS.get(key)
    if grouper is None:
        grouper = _GROUPERS[key] = Grouper(window)
        for row in stored.newest_members(db, story, KEEP):
            grouper.add(member_doc(row), row["event_id"])
    return grouper


def _write(db: Database, story: str, doc: Doc, placement: Placement, now: str) -> int:
    event = placement.event
    if event is None:
        event = stored.new_event(db, story, doc.headline, now)
    evidence = placement.evidence.to_json() if placement.evidence else {"kind": "first"}
    row = {
        "event_id": event,
        "story": story,
        "article_id": doc.article_id,
        "source": doc.source,
        "seen": doc.seen,
        "joined_at": now,
        # Who reported first is the event's (events.first_article_id): an earlier article may
        # join later. The article that opens an event is, so far, a report of its own.
        "role": "report" if placement.role == "first" else placement.role,
        "agency": placement.agency,
        "evidence": json.dumps(evidence, ensure_ascii=False),
    }
    stored.join_event(db, row)
    if placement.evidence and placement.evidence.kind != "rewrite":
        # Text shared verbatim: the article it was matched to ran the agency copy as well.
        stored.mark_agency(db, int(event), placement.evidence.article_id, placement.agency)
    return int(event)
