"""What the story pages show: the list of stories, and one story as its events (who reported
first, who ran agency copy, who rewrote it, who edited afterwards) with the members in no event
yet, and a chart of the story's changes per outlet per day.

Plain functions from a `sqlite3.Connection` to view objects; a story page reads only what it
shows and counts the rest (monitor.store.story_views), inside Datasette's read-only
connections.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from monitor.clock import parse_time
from monitor.notify.messages import label
from monitor.store import story_views as reads
from monitor.web.charts import period, story_chart

# A story followed for months has thousands of articles: the page shows the newest events and
# members, and an article's latest edits; the rest is one click away (its timeline, the tables).
MAX_EVENTS = 100
MAX_OTHERS = 100
EDITS_SHOWN = 10
CHART_DAYS = 30
# Times carry the outlet's offset: the newest by their text are read with a few more, then
# ordered by time.
OVERFETCH = 20
EARLIEST = datetime.min.replace(tzinfo=UTC)

ROLE_LABELS = {
    "first": "own report",  # the article that opened the event (who reported first: `first`)
    "agency": "agency copy",
    "rewrite": "rewrite",
    "report": "own report",
}


@dataclass
class Edit:
    """One change of a member after it joined the story."""

    change_id: int
    at: str
    kind: str
    label: str
    words_added: int
    words_removed: int
    joined_with: bool  # the edit that made the article a member


@dataclass
class StoryArticle:
    id: int
    source: str
    headline: str
    status: str
    seen: str  # publication or first sight: orders an event's outlets
    joined_at: str
    role: str = ""  # first | agency | rewrite | report; "" outside an event
    agency: str = ""
    first: bool = False  # the event's first report (an earlier article may join after it)
    edits: list[Edit] = field(default_factory=list)
    more_edits: int = 0  # older edits left off the page (the timeline has them)

    @property
    def role_label(self) -> str:
        name = ROLE_LABELS.get(self.role, self.role.replace("_", " "))
        if self.agency and self.role == "agency":
            name = f"{name} ({self.agency})"
        elif self.agency:
            name = f"{name}, credits {self.agency}"
        return f"first to report · {name}" if self.first else name

    @property
    def is_agency(self) -> bool:
        return self.role == "agency"


@dataclass
class StoryEvent:
    id: int
    headline: str
    first_seen: str
    updated_at: str
    articles: list[StoryArticle]

    @property
    def outlets(self) -> list[str]:
        """The outlets in the order they reported."""
        return list(dict.fromkeys(a.source for a in self.articles))


@dataclass
class StoryPage:
    name: str
    events: list[StoryEvent]
    others: list[StoryArticle]  # members in no event yet, newest first
    hidden_events: int  # older events not shown
    hidden_others: int
    members: int
    changes: int
    chart: str  # SVG; "" when the story has no changes
    days: int

    @property
    def period(self) -> str:
        """ "the last day", "the last 7 days": what the chart covers."""
        return period(self.days)

    @property
    def empty(self) -> bool:
        return not self.events and not self.others


def load_stories(conn: sqlite3.Connection) -> list[dict]:
    """The stories the store knows (those with members), by name."""
    return reads.stories(conn)


def load_story_page(conn: sqlite3.Connection, name: str) -> StoryPage | None:
    """One story's page, or None when the store knows no such story. Reads the shown events and
    members, their edits and the chart's days only, and counts the rest."""
    counts = reads.story_counts(conn, name)
    if not counts["members"] and not counts["events"]:
        return None
    rows = reads.newest_event_articles(conn, name, MAX_EVENTS + OVERFETCH)
    events = sorted(_events(rows), key=lambda e: (_moment(e.first_seen), e.id), reverse=True)
    shown_events = events[:MAX_EVENTS]
    for event in shown_events:
        event.articles.sort(key=lambda a: (_moment(a.seen), a.id))
    # Every article placed in an event is a member: the rest are in none yet.
    unplaced = max(0, counts["members"] - counts["placed"])
    limit = min(MAX_OTHERS + OVERFETCH, unplaced)
    others = [_article(row) for row in reads.newest_others(conn, name, limit)] if limit else []
    others.sort(key=lambda a: (_moment(a.joined_at), a.id), reverse=True)
    shown_others = others[:MAX_OTHERS]
    shown = [a for e in shown_events for a in e.articles] + shown_others
    _attach_edits(shown, reads.member_edits(conn, name, [a.id for a in shown], EDITS_SHOWN))
    totals = reads.change_totals(conn, name)
    chart, days = _chart(conn, name, totals)
    return StoryPage(
        name=name,
        events=shown_events,
        others=shown_others,
        hidden_events=max(0, counts["events"] - len(shown_events)),
        hidden_others=unplaced - len(shown_others),
        members=counts["placed"] + unplaced,
        changes=totals["changes"],
        chart=chart,
        days=days,
    )


def _events(rows: list[dict]) -> list[StoryEvent]:
    events: dict[int, StoryEvent] = {}
    for row in rows:
        article = _article(row)
        event = events.get(row["event_id"])
        if event is None:
            event = events[row["event_id"]] = StoryEvent(
                id=row["event_id"],
                headline=row["event_headline"] or article.headline,
                first_seen=row["event_first_seen"] or article.seen,
                updated_at=row["event_updated_at"] or "",
                articles=[],
            )
        event.articles.append(article)
    return list(events.values())


def _moment(value: str) -> datetime:
    # Times carry the outlet's offset (+01:00): compared as strings they would misorder.
    return parse_time(value) or EARLIEST


def _article(row: dict) -> StoryArticle:
    return StoryArticle(
        id=row["article_id"],
        source=row["source"] or "",
        headline=row["headline"] or "",
        status=row["status"] or "",
        seen=row["seen"] or row["seen_at"] or row["joined_at"] or "",
        joined_at=row["joined_at"] or "",
        role=row["role"] or "",
        agency=row["agency"] or "",
        first=row.get("event_first_article") == row["article_id"],
    )


def _label(categories: str | None, kind: str) -> str:
    try:
        found = json.loads(categories or "[]")
    except ValueError:
        found = []
    return label([str(c) for c in found] if isinstance(found, list) and found else [kind])


def _attach_edits(articles: list[StoryArticle], changes: list[dict]) -> None:
    """Each shown article's latest edits since it joined (`member_edits`: its arrival is not an
    edit), oldest first, and how many older ones are left off."""
    by_id = {a.id: a for a in articles}
    labels: dict[tuple[str | None, str], str] = {}  # a story's edits share few categories
    for row in changes:
        article = by_id.get(row["article_id"])
        if article is None:
            continue
        kind = row["kind"] or "change"
        key = (row["categories"], kind)
        if key not in labels:
            labels[key] = _label(*key)
        article.edits.append(
            Edit(
                change_id=row["id"],
                at=row["detected_at"] or "",
                kind=row["kind"] or "",
                label=labels[key],
                words_added=row["words_added"] or 0,
                words_removed=row["words_removed"] or 0,
                joined_with=bool(row["joined_with"]),
            )
        )
        article.more_edits = max(0, row["edits"] - EDITS_SHOWN)


def _chart(conn: sqlite3.Connection, name: str, totals: dict) -> tuple[str, int]:
    """The story's changes (arrivals included) per outlet per day, over the last CHART_DAYS
    days up to its latest change: only those days are read."""
    latest = parse_time(totals["latest"])
    if latest is None:
        return "", 0
    # A day more than shown: a time written with an offset sorts up to a day off its moment.
    since = (latest.astimezone(UTC) - timedelta(days=CHART_DAYS + 1)).date().isoformat()
    counts: dict[tuple[date, str], int] = {}
    read = 0
    for row in reads.changes_per_day(conn, name, since):
        read += row["n"]
        day = _day(row["day"])
        if day is not None:
            key = (day, row["source"] or "")
            counts[key] = counts.get(key, 0) + row["n"]
    if not counts:
        return "", 0
    last = max(day for day, _ in counts)
    span = (last - min(day for day, _ in counts)).days + 1
    # Changes left unread are older than the days shown: the chart spans them all.
    days = CHART_DAYS if read < totals["changes"] else min(span, CHART_DAYS)
    shown = [last - timedelta(days=days - 1 - i) for i in range(days)]
    counts = {k: n for k, n in counts.items() if k[0] >= shown[0]}
    sources = sorted({s for _, s in counts})
    return story_chart(shown, sources, counts), days


def _day(value: str | None) -> date | None:
    """A `changes_per_day` day: a UTC date as text, or a time with its offset."""
    if value and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    moment = parse_time(value)
    return moment.astimezone(UTC).date() if moment is not None else None
