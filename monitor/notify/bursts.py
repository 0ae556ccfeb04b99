"""Which due alerts go out together, and a burst folded into a few messages.

Per target, a round's due alerts make messages (`messages`): one per stream (one article, or
one source's health alerts), oldest first up to the first not yet due, so a later alert never
overtakes an earlier one; the immediate alerts of one story's event together, whatever article
each is about; all due digest alerts of the tag in one.

A burst is a round with more than FOLD_ABOVE such messages for one target (the first crawl of
a new source, a site's relaunch that touches every page): sent one by one they would flood the
target. They fold (`fold`) per story, or per source for alerts of no story, and each fold is
written as a list, one line per alert (when, outlet, what happened, the headline and its link),
cut into as many messages as the format's size limit needs (`pieces`). Nothing is left out:
every alert is on a line of one piece. An article's alerts stay in one fold, in order.

A module of its own: grouping is the outbox's business, rendering a list the formats'; the
one-alert-per-block messages of `monitor.notify.messages` stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import takewhile

from monitor.notify.formats import clean, safe_url, style_of
from monitor.notify.messages import TITLE_LIMIT, AlertContent, label

FOLD_ABOVE = 50  # messages one target gets in a round before they fold (a first crawl: fewer)
HEADLINE_CHARS = 200  # a headline on a burst's line
ROOM = 400  # characters of a message's limit kept for its heading and the apprise wrapper


def messages(
    rows: list[dict], target_id: str, now: datetime, due: Callable[[dict, datetime], bool]
) -> list[list[dict]]:
    """The messages this target gets now: due alerts it lacks, per stream, oldest first."""
    streams: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["status"] == "pending" and target_id not in row["delivered"]:
            digest = (row["digest"] or "immediate") != "immediate"
            about = row["article_id"] if row["article_id"] is not None else row["source"]
            streams.setdefault((digest, about), []).append(row)
    groups, digests = [], []
    for (digest, _), stream in streams.items():
        ready = list(takewhile(lambda r: due(r, now), stream))
        if ready:
            (digests.extend if digest else groups.append)(ready)
    groups = _by_event(groups)
    if digests:
        groups.append(sorted(digests, key=lambda r: r["id"]))
    return sorted(groups, key=lambda g: g[0]["id"])


def _by_event(groups: list[list[dict]]) -> list[list[dict]]:
    """Groups that hold alerts of one story's event merged into one, oldest first."""
    merged: list[list[dict]] = []
    home: dict[tuple, list[dict]] = {}
    for group in sorted(groups, key=lambda g: g[0]["id"]):
        events = {(r["story"], r["event_id"]) for r in group if _of_event(r)}
        into = next((home[e] for e in events if e in home), None)
        if into is None:
            merged.append(into := [])
        into.extend(group)
        for event in events:
            home.setdefault(event, into)
    # Ids grow along each article's stream, so its order holds in the merged message.
    return [sorted(group, key=lambda r: r["id"]) for group in merged]


def _of_event(row: dict) -> bool:
    return bool(row.get("story")) and row.get("event_id") is not None


def fold(groups: list[list[dict]]) -> list[list[dict]]:
    """A burst's messages folded per story (per source without one), oldest fold first."""
    folds: dict[str, list[dict]] = {}
    for group in groups:
        story = next((r["story"] for r in group if r.get("story")), "")
        key = f"story {story}" if story else f"source {group[0]['source'] or ''}"
        folds.setdefault(key, []).extend(group)
    return [sorted(rows, key=lambda r: r["id"]) for rows in folds.values()]


def pieces(contents: list[AlertContent], fmt: str, limit: int) -> list[tuple[str, str, list[int]]]:
    """One fold as messages within `limit` characters: (title, body, indexes of its alerts)."""
    style = style_of(fmt)
    room = max(1000, min(style.limit, limit) - ROOM)
    chunks: list[list[tuple[int, str]]] = [[]]
    size = 0
    for index, alert in enumerate(contents):
        line = _line(fmt, alert)
        if chunks[-1] and size + len(line) + len(style.sep) > room:
            chunks.append([])
            size = 0
        chunks[-1].append((index, line))
        size += len(line) + len(style.sep)
    name = next((a.story for a in contents if a.story), "") or contents[0].source
    out = []
    for number, chunk in enumerate(chunks, 1):
        alerts = [contents[i] for i, _ in chunk]
        articles = len({(a.source, a.url or a.message) for a in alerts})
        part = f", part {number} of {len(chunks)}" if len(chunks) > 1 else ""
        title = clean(f"{name}: {len(alerts)} alerts on {articles} articles{part}", TITLE_LIMIT)
        head = style.bold.format(style.esc(title))
        out.append(
            (title, style.block([head, *(line for _, line in chunk)]), [i for i, _ in chunk])
        )
    return out


def _line(fmt: str, alert: AlertContent) -> str:
    """One alert on one line: when, outlet, what happened, the headline linked, the link."""
    style = style_of(fmt)
    what = f"{_when(alert.detected_at)} · {clean(alert.source, 80)} · {label(alert.categories)}"
    if alert.message:
        return style.esc(clean(f"{what}: {alert.message}", 600))
    headline = style.esc(clean(alert.headline, HEADLINE_CHARS) or "(no headline)")
    url = safe_url(alert.url)
    text = f"{style.esc(what)}: " + (style.link(url, headline) if url else headline)
    if url and style.show_url:
        text += " " + style.link(url, style.esc(url))
    return text


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %H:%M")
    except (TypeError, ValueError):
        return clean(iso, 40)
