"""What the story pages show: the list of stories, and one story as its events (who reported
first, who ran agency copy, who rewrote it, who edited afterwards) with the members in no event
yet, and a chart of the story's changes per outlet per day.

Plain functions from a `sqlite3.Connection` to view objects, two statements for a story page
(monitor.store.story_views), so they run inside Datasette's read-only connections.
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
    """One story's page, or None when the store knows no such story."""
    rows = reads.story_articles(conn, name)
    if not rows and not reads.is_story(conn, name):
        return None
    events: dict[int, StoryEvent] = {}
    others = []
    for row in rows:
        article = _article(row)
        if row["event_id"] is None:
            others.append(article)
            continue
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
    ordered = sorted(events.values(), key=lambda e: (_moment(e.first_seen), e.id), reverse=True)
    others.sort(key=lambda a: (_moment(a.joined_at), a.id), reverse=True)
    shown_events, shown_others = ordered[:MAX_EVENTS], others[:MAX_OTHERS]
    for event in shown_events:
        event.articles.sort(key=lambda a: (_moment(a.seen), a.id))
    changes = reads.member_changes(conn, name)
    shown = [a for e in shown_events for a in e.articles] + shown_others
    _attach_edits(shown, changes)
    chart, days = _chart(changes)
    return StoryPage(
        name=name,
        events=shown_events,
        others=shown_others,
        hidden_events=len(ordered) - len(shown_events),
        hidden_others=len(others) - len(shown_others),
        members=len(rows),
        changes=len(changes),
        chart=chart,
        days=days,
    )


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
    """Each shown article's changes after it joined, its latest EDITS_SHOWN, oldest first;
    its arrival is not an edit."""
    by_id = {a.id: a for a in articles}
    labels: dict[tuple[str | None, str], str] = {}  # a story's edits share few categories
    for row in changes:
        article = by_id.get(row["article_id"])
        if article is None or row["kind"] == "new":
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
    for article in articles:
        article.more_edits = max(0, len(article.edits) - EDITS_SHOWN)
        article.edits = article.edits[-EDITS_SHOWN:]


def _chart(changes: list[dict]) -> tuple[str, int]:
    """The story's changes (arrivals included) per outlet per day, over the last CHART_DAYS
    days up to its latest change."""
    counts: dict[tuple[date, str], int] = {}
    for row in changes:
        moment = parse_time(row["detected_at"])
        if moment is not None:
            key = (moment.astimezone(UTC).date(), row["source"] or "")
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return "", 0
    first = min(day for day, _ in counts)
    last = max(day for day, _ in counts)
    days = min((last - first).days + 1, CHART_DAYS)
    shown = [last - timedelta(days=days - 1 - i) for i in range(days)]
    counts = {k: n for k, n in counts.items() if k[0] >= shown[0]}
    sources = sorted({s for _, s in counts})
    return story_chart(shown, sources, counts), days
