"""A story as an Atom feed (feedgen): one entry per new article and per edit of its members,
newest first, each linking to the change on the article's timeline.

Pure: rows in (monitor.store.story_views.feed_changes), feed bytes out; the page handler
supplies the absolute URLs, which depend on the request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from monitor.clock import parse_time
from monitor.diff.core import Diff
from monitor.errors import StoreError
from monitor.notify.messages import label
from monitor.rules.evaluate import change_anchor
from monitor.web.stories import ROLE_LABELS

FEED_ENTRIES = 50
# A whole article added as one paragraph run is a feed reader's screenful many times over.
CONTENT_LIMIT = 4000
# What XML 1.0 cannot carry (lxml refuses it): C0 controls but tab, newline and return,
# surrogates, and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def change_urn(change_id: int) -> str:
    """An entry's id: the change's, the same in every fetch and every story's feed."""
    return f"urn:newsmon:change:{int(change_id)}"


def story_urn(story: str) -> str:
    return "urn:newsmon:story:" + quote(story, safe="")


def entry_title(row: dict) -> str:
    """ "<outlet>: <kind of change> – <headline>"."""
    # The headline as it was at that change; the article's latest when the change has none.
    headline = row["change_headline"] or row["headline"] or "(no headline)"
    return xml_text(f"{row['source']}: {label(_categories(row))} – {headline}")


def entry_text(row: dict) -> str:
    """What the change did, as text: the new article's lead, or the changed words."""
    categories = _categories(row)
    lines = []
    if row["kind"] == "new":
        lines.append(row["lead"] or row["headline"] or "")
    elif row["kind"] == "removed":
        lines.append("Taken down: the page answered 404 or 410, or redirected away.")
    elif row["kind"] == "restored":
        lines.append("Back online.")
    elif row["ops"]:
        try:
            lines.append(Diff.from_json(row["ops"]).readable())
        except StoreError:
            lines.append("This change's stored diff cannot be read.")
    else:
        lines.append(label(categories))
    if row["event_id"] is not None:
        role = ROLE_LABELS.get(row["role"] or "", row["role"] or "")
        agency = f", {row['agency']}" if row["agency"] else ""
        event = row["event_headline"] or f"#{row['event_id']}"
        lines.append(f"Event: {event} ({role}{agency}).")
    text = "\n\n".join(line for line in lines if line)
    if len(text) > CONTENT_LIMIT:
        text = text[:CONTENT_LIMIT].rsplit(" ", 1)[0] + " …"
    return xml_text(text)


def _categories(row: dict) -> list[str]:
    try:
        found = json.loads(row["categories"] or "[]")
    except ValueError:
        found = []
    return [str(c) for c in found] if isinstance(found, list) and found else [row["kind"]]


def _moment(value: str | None) -> datetime:
    moment = parse_time(value) or datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def story_feed(
    story: str,
    rows: list[dict],
    page_url: str,
    feed_url: str,
    timeline_url: Callable[[int], str],
) -> bytes:
    """The story's Atom feed; `rows` newest first, `timeline_url(article_id)` absolute."""
    feed = FeedGenerator()
    feed.id(story_urn(story))
    feed.title(xml_text(f"newsmon: {story}"))
    feed.subtitle(xml_text(f"New articles and edits of the story {story}, newest first."))
    feed.author({"name": "newsmon"})
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.generator("newsmon")
    feed.updated(_moment(rows[0]["detected_at"]) if rows else datetime.now(UTC))
    for row in rows:
        entry = feed.add_entry(order="append")
        entry.id(change_urn(row["id"]))
        entry.title(entry_title(row))
        entry.link(href=timeline_url(row["article_id"]) + change_anchor(row["id"]))
        entry.updated(_moment(row["detected_at"]))
        entry.published(_moment(row["detected_at"]))
        entry.content(entry_text(row), type="text")
    return feed.atom_str(pretty=True)
