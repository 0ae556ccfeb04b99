"""What the Datasette pages show, read from the store: an article's timeline, the story overview.

Plain functions from a `sqlite3.Connection` to view objects, so they run inside Datasette's
read-only connections (`Database.execute_fn`) and in tests alike. What they read, and how,
is monitor.store.views; they never read `versions.raw_html`: a timeline of many versions must
not pull every stored page.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from monitor.clock import parse_time
from monitor.diff.core import diff_articles
from monitor.diff.tracked import PAGE, diff_html, stored_diff_html
from monitor.notify.messages import label
from monitor.rules.words import json_list, matched_words, shown
from monitor.store import story_views as story_reads
from monitor.store import version_article
from monitor.store import views as reads
from monitor.web.charts import CATEGORY_LANE, Mark, changes_chart, period, story_chart


@dataclass
class VersionView:
    id: int
    number: int
    fetched_at: str
    headline: str
    kicker: str
    lead: str
    paragraphs: list[str]
    byline: str
    http_status: int | None
    raw_size: int | None
    has_raw: bool
    has_text: bool  # the full text is loaded (first and latest version)


@dataclass
class EventView:
    """One row of the timeline: a change as it was detected, with what it caused."""

    change_id: int | None  # None for a version the store has no change row for
    at: str
    kind: str  # new | change | removed | restored
    categories: list[str]
    label: str
    version: VersionView | None  # the version this event produced (None for a takedown)
    from_number: int | None
    diff: str = ""  # tracked changes, safe HTML
    words_added: int = 0
    words_removed: int = 0
    alerts: list[dict] = field(default_factory=list)


@dataclass
class ArticleView:
    id: int
    source: str
    url: str
    link: str  # the URL when it is a link a browser may follow (http or https), else ""
    status: str
    headline: str
    published: str | None
    first_seen: str | None
    last_checked: str | None
    versions: list[VersionView]
    events: list[EventView]
    alerts: list[dict]
    chart: str  # SVG
    stories: list[dict] = field(default_factory=list)  # story, event_id, role, agency
    edits: int = 0  # changes after its arrival, counted as "most changed" counts them
    page: TimelinePage | None = None
    version_count: int = 0  # all of the article's, not the page's
    alert_count: int = 0


@dataclass
class TimelinePage:
    """Which of the article's changes the timeline shows: PAGE_SIZE of them, newest first by
    default, so a live blog with thousands of changes reads and draws only one page."""

    changes: int  # the article's changes, all pages
    first: int  # position of the page's oldest change among them (1 is the arrival)
    last: int  # of its newest
    older: int | None = None  # `before` for the page of older changes, None on the oldest
    newer: int | None = None  # `before` for the page of newer changes (None: the newest page)
    has_newer: bool = False


def http_link(url: str | None) -> str:
    """The URL if following it is safe (http or https with a host), else ""."""
    url = (url or "").strip()
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else ""


def _version(row: dict) -> VersionView:
    texts = {
        name: row[name] or "" for name in ("fetched_at", "headline", "kicker", "lead", "byline")
    }
    return VersionView(
        id=row["id"],
        number=row["number"],
        paragraphs=[p for p in (row["body"] or "").split("\n\n") if p],
        http_status=row["http_status"],
        raw_size=row["raw_size"],
        has_raw=bool(row["has_raw"]),
        has_text=bool(row["has_text"]),
        **texts,
    )


def _alert(row: dict, text: dict | None) -> dict:
    """The alert row, its terms as a list, and `words`: what they matched in the version the
    alert was about, as one line (not the rule's terms or regex). Stored with the alert; found
    here in `text` for a row made before the store kept them."""
    terms = json_list(row["matched"]) or []
    words = json_list(row.get("words"))
    if words is None:
        words = matched_words(terms, text or {}) if terms else []
    return {**row, "matched": terms, "words": shown(words)}


PAGE_SIZE = 200  # changes per timeline page


def load_article(
    conn: sqlite3.Connection, article_id: int, before: int | None = None, limit: int = PAGE_SIZE
) -> ArticleView | None:
    """What the timeline page shows for one article: its `limit` newest changes with an id
    below `before` (the newest without it), their versions and alerts, and counts of all.
    None when there is no such article."""
    article = reads.article(conn, article_id)
    if article is None:
        return None
    counts = reads.timeline_counts(conn, article_id)
    rows = reads.change_page(conn, article_id, before, limit + 1)
    if not rows and before is not None:  # before the first change: the newest page instead
        rows = reads.change_page(conn, article_id, None, limit + 1)
    changes = list(reversed(rows[:limit]))
    page = _page(conn, article_id, rows, counts["changes"], limit)
    ids = {c[k] for c in changes for k in ("from_version", "to_version") if c[k] is not None}
    versions = _versions(conn, article_id, ids, article["versions"] or 1)
    alerts = _alerts(conn, article_id, changes, page)
    by_change: dict[int, list[dict]] = {}
    for alert in alerts:
        by_change.setdefault(alert["change_id"], []).append(alert)

    events = [_event(change, versions, by_change.get(change["id"], [])) for change in changes]
    if counts["covered"] < counts["versions"]:
        events += _uncovered_in_page(conn, article_id, changes, page)
    events.sort(key=lambda e: (e.at, e.change_id or 0))

    return ArticleView(
        id=article["id"],
        source=article["source"],
        url=article["url"],
        link=http_link(article["url"]),
        status=article["status"],
        headline=article["headline"] or "",
        published=article["published"],
        first_seen=article["first_seen"],
        last_checked=article["last_checked"],
        versions=list(versions.values()),
        events=events,
        alerts=alerts,
        chart=_article_chart(events, article),
        stories=story_reads.article_stories(conn, article_id),
        edits=counts["edits"],
        page=page,
        version_count=counts["versions"],
        alert_count=counts["alerts"],
    )


def _page(
    conn: sqlite3.Connection, article_id: int, rows: list[dict], total: int, limit: int
) -> TimelinePage:
    """Where a page of `limit` changes sits (`rows`: newest first, one more when there are older
    ones), and the `before` of its neighbours."""
    if not rows:
        return TimelinePage(total, 0, 0)
    oldest, newest = rows[:limit][-1]["id"], rows[0]["id"]
    older = reads.changes_before(conn, article_id, oldest)
    page = TimelinePage(total, older + 1, older + min(len(rows), limit))
    if len(rows) > limit:
        page.older = oldest
    # The newer page: the `limit` changes after this one, named by the id after them.
    after = reads.changes_from(conn, article_id, newest + 1, limit + 1)
    page.has_newer = bool(after)
    if len(after) > limit:
        page.newer = after[limit]["id"]
    return page


def _versions(
    conn: sqlite3.Connection, article_id: int, ids: set[int], latest: int
) -> dict[int, VersionView]:
    rows = reads.version_summaries(conn, article_id, sorted(ids), latest) if ids else []
    return {row["id"]: _version(row) for row in rows}


def _alerts(
    conn: sqlite3.Connection, article_id: int, changes: list[dict], page: TimelinePage
) -> list[dict]:
    """The alerts about the page's changes (on the newest page also those about none), with
    the words they matched."""
    ids: list[int | None] = [c["id"] for c in changes]
    if not page.has_newer:
        ids.append(None)
    rows = reads.page_alerts(conn, article_id, ids)
    # An alert made before the store kept its words (migration m008) finds them in the text
    # of its version; a takedown's alert has none: it was about the text taken down.
    from_version = {c["id"]: c["from_version"] for c in changes}
    about = {
        row["id"]: row["version_id"] or from_version.get(row["change_id"])
        for row in rows
        if row["words"] is None and (row["matched"] or "[]") != "[]"
    }
    texts = reads.texts_of(conn, [v for v in about.values() if v is not None])
    return [_alert(row, texts.get(about.get(row["id"]))) for row in rows]


def _event(change: dict, versions: dict[int, VersionView], alerts: list[dict]) -> EventView:
    try:
        categories = [str(c) for c in json.loads(change["categories"] or "[]")]
    except ValueError:
        categories = [change["kind"] or "change"]
    kind = change["kind"] if change["kind"] in ("new", "removed", "restored") else "change"
    html = stored_diff_html(change["ops"])
    before = versions.get(change["from_version"])
    return EventView(
        change_id=change["id"],
        at=change["detected_at"] or "",
        kind=kind,
        categories=categories,
        label=label(categories),
        version=versions.get(change["to_version"]) if kind != "removed" else None,
        from_number=before.number if before else None,
        diff=html,
        words_added=change["words_added"] or 0,
        words_removed=change["words_removed"] or 0,
        alerts=alerts,
    )


def _uncovered_in_page(
    conn: sqlite3.Connection, article_id: int, changes: list[dict], page: TimelinePage
) -> list[EventView]:
    """The versions no change row leads to (an older store, a change row lost) that fall
    between this page's first change and the next page's, diffed here (rare: not bounded)."""
    low = (changes[0]["detected_at"] or "") if changes and page.older is not None else ""
    high = None
    if page.has_newer:
        high = reads.changes_from(conn, article_id, changes[-1]["id"] + 1, 1)[0]["detected_at"]
    events = _uncovered(conn, article_id, reads.covered_versions(conn, article_id))
    return [e for e in events if e.at >= low and (high is None or e.at < (high or ""))]


def _uncovered(conn: sqlite3.Connection, article_id: int, covered: set[int]) -> list[EventView]:
    """Versions of the article not in `covered`, each diffed against the one before it."""
    rows = reads.version_texts(conn, article_id)
    uncovered = [row["id"] for row in rows if row["id"] not in covered]
    versions = _versions(conn, article_id, set(uncovered), rows[-1]["number"] if rows else 1)
    events = []
    previous = None
    for row in rows:
        if row["id"] in versions:
            view = versions[row["id"]]
            if previous is None:
                new = EventView(None, view.fetched_at, "new", ["new"], label(["new"]), view, None)
                events.append(new)
            else:
                diff = diff_articles(version_article(previous), version_article(row))
                events.append(
                    EventView(
                        None,
                        view.fetched_at,
                        "change",
                        diff.categories,
                        label(diff.categories) if diff.categories else "layout only",
                        view,
                        previous["number"],
                        diff_html(diff, PAGE),
                        diff.words_added,
                        diff.words_removed,
                    )
                )
        previous = row
    return events


def _article_chart(events: list[EventView], article: dict) -> str:
    marks = []
    for event in events:
        at = parse_time(event.at)
        if at is None:
            continue
        href = f"#change-{event.change_id}" if event.change_id else ""
        words = event.words_added + event.words_removed
        # One mark per lane an event touches: a paragraph added and one edited are one dot.
        lanes: dict[str, list[str]] = {}
        for category in dict.fromkeys(event.categories):
            lanes.setdefault(CATEGORY_LANE.get(category, "status"), []).append(category)
        for lane, categories in lanes.items():
            title = f"{at:%d %b %H:%M} UTC · {label(categories)}"
            if event.version:
                title += f" · version {event.version.number}"
            shape = "cross" if "removed" in categories else "dot"
            marks.append(Mark(at, lane, title, words, href, shape))
    times = [m.at for m in marks]
    start = min(times, default=parse_time(article["first_seen"]) or datetime.now(UTC))
    checked = parse_time(article["last_checked"])
    end = max([*times, *([checked] if checked else [])], default=start)
    return changes_chart(marks, start, end)


# --- the story overview ----------------------------------------------------------------------


@dataclass
class StoryView:
    days: list[date]
    sources: list[str]
    counts: dict[tuple[date, str], int]
    totals: dict[str, int]
    rules: list[str]  # every rule that has alerted, for the filter
    rule: str
    most_changed: list[dict]
    chart: str  # SVG

    @property
    def period(self) -> str:
        """ "the last day", "the last 7 days"."""
        return period(len(self.days))

    def rows(self) -> list[dict]:
        """The chart's numbers as a table: one row per day, newest first."""
        return [
            {
                "day": day,
                "counts": [self.counts.get((day, s), 0) for s in self.sources],
                "total": sum(self.counts.get((day, s), 0) for s in self.sources),
            }
            for day in reversed(self.days)
        ]


STORY_DAYS = 30  # the default window: the last month of the story, or less if it is younger


def load_story(conn: sqlite3.Connection, days: int | None = None, rule: str = "") -> StoryView:
    """Changes per outlet per day over the `days` days up to the latest change (by default
    from the first change, at most STORY_DAYS days).

    With `rule`, only articles that rule has alerted on: the tracked story, not everything
    the outlets published.
    """
    first, last = reads.change_span(conn, rule)
    now = datetime.now(UTC)
    end = (parse_time(last) or now).astimezone(UTC).date()
    start_of_story = (parse_time(first) or now).astimezone(UTC).date()
    if days is None:
        days = min((end - start_of_story).days + 1, STORY_DAYS)
    days = max(1, min(days, 366))
    start = end - timedelta(days=days - 1)
    since = start.isoformat()
    counts: dict[tuple[date, str], int] = {}
    for row in reads.changes_per_day(conn, since, rule):
        try:
            day = date.fromisoformat(row["day"])
        except (TypeError, ValueError):
            continue
        counts[(day, row["source"])] = counts.get((day, row["source"]), 0) + row["n"]
    sources = sorted({s for _, s in counts})
    totals = {s: sum(n for (_, src), n in counts.items() if src == s) for s in sources}
    all_days = [start + timedelta(days=i) for i in range(days)]
    return StoryView(
        days=all_days,
        sources=sources,
        counts=counts,
        totals=totals,
        rules=reads.alerted_rules(conn),
        rule=rule,
        most_changed=reads.most_edited(conn, since, rule),
        chart=story_chart(all_days, sources, counts),
    )
