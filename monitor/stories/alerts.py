"""From a stored change to story members and story alerts (called by monitor.rules.evaluate for
each change, in the transaction that marks it evaluated).

For every story that reads the change's source: an article that is not yet a member is scored
on the change's version (the last one for a takedown); when it is about the story it joins
(a story_members row, never removed later) and is placed in an event of the story
(monitor.stories.grouping). A member's change then alerts when it qualifies (`qualify`):
whatever words it added, as long as its kind is one of the story's events and an edit is not a
typo fix. The change that makes an article a member alerts too ("joined").

Alert rows: kind "change", rule null, `story` and `event_id` set, key
"story:<name>:<change_id>:<tag>" (unique, so a replay adds nothing). Within `rate_limit`, the
edits of one article fold into one message, and so do the new articles of one event from
several outlets: their alerts wait for the same moment and the dispatcher sends them together.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from monitor import store
from monitor.clock import iso
from monitor.diff.core import Diff
from monitor.diff.ops import Op, spelling_only
from monitor.errors import StoreError
from monitor.notify.schedule import send_after
from monitor.rules.rules import ChangeView, whole_text
from monitor.rules.terms import FoldedText
from monitor.rules.words import stored_words
from monitor.store import events as event_rows
from monitor.store import stories as stored
from monitor.stories.membership import article_text, entry_matches, names_vocabulary, score
from monitor.stories.story import Story

if TYPE_CHECKING:
    from monitor.config import Config

logger = logging.getLogger("newsmon.stories")

# A change's categories as story events; "reordered" (nothing reworded) and unknown ones are none.
EVENT_OF = {"new": "new", "headline": "headline", "lead": "lead", "correction": "correction"}
EVENT_OF |= {c: "body" for c in ("body_added", "body_removed", "body_edited")}
EVENT_OF |= {"removed": "removed", "restored": "restored", "entry": "entry"}
EVENT_OF |= {"entry_edited": "entry"}  # an entry reworded: about the story and not a typo fix
EVENT_OF |= {"alternating": "headline"}  # an A/B test's first flip back, said once
# Edits that must change at least `min_words` words: smaller ones are typo fixes.
SIZED = frozenset({"headline", "lead", "body_added", "body_removed", "body_edited", "entry_edited"})
# What carries text: the change that makes an article a member alerts if it is one of these.
TEXT_CHANGES = frozenset(EVENT_OF) - {"removed", "restored"}


@dataclass
class Verdict:
    """What a member's change sends: `event` ("new", "headline", ..., "joined"), None for
    nothing; `why` says which category qualified or why none did."""

    event: str | None
    why: str


def qualify(
    story: Story,
    categories: list[str],
    words: int,
    joined: bool,
    entry_text: str = "",
    respelt: bool = True,
) -> Verdict:
    """Whether a member's change alerts. `words`: words added plus removed; `joined`: this
    change made the article a member; `entry_text`: a live-blog entry's new text; `respelt`:
    the edit only respells words (monitor.diff.ops.spelling_only). An edit below `min_words`
    is a typo fix only when it respells: "zwölf" -> "vierzehn" is news."""
    if joined and "new" not in categories and set(categories) & TEXT_CHANGES:
        if "new" in story.events:
            return Verdict("joined", f"{', '.join(categories)}: the article joined the story")
        return Verdict(None, "joined the story, but 'new' is not among the story's events")
    reasons = []
    for category in categories:
        event = EVENT_OF.get(category)
        if event is None:
            reasons.append(f"{category}: no story event")
        elif event not in story.events:
            reasons.append(f"{category}: '{event}' is not among the story's events")
        elif category in SIZED and words < story.min_words and respelt:
            reasons.append(
                f"{category}: a typo fix ({words} word(s) respelt, min_words is {story.min_words})"
            )
        elif event == "entry" and not entry_matches(story, entry_text):
            reasons.append(f"{category}: the entry is not about the story")
        else:
            return Verdict(event, f"{category} → {event}")
    return Verdict(None, "; ".join(reasons) or "no category")


class StoredChange:
    """One stored change as stories read it; its article is folded once for every story."""

    def __init__(self, db: Database, change: dict, view: ChangeView | None = None) -> None:
        self.db = db
        self.row = change
        self.view = view  # the rules' view of the change: its folded article is shared
        self.categories: list[str] = json.loads(change["categories"])
        self.words = (change["words_added"] or 0) + (change["words_removed"] or 0)
        self.version_id = change["to_version"] or change["from_version"]
        self._text: FoldedText | None = None

    def text(self) -> FoldedText | None:
        """The whole article of the change's version; None when it has none."""
        if self._text is None and self.view is not None:
            self._text = whole_text(self.view)
        elif self._text is None and self.version_id is not None:
            self._text = article_text(
                store.version_article(store.version_row(self.db, self.version_id))
            )
        return self._text

    @functools.cached_property
    def ops(self) -> list[Op]:
        """The change's diff ops, parsed once for every story that reads them ([] without)."""
        return Diff.from_json(self.row["ops"]).ops if self.row["ops"] else []

    def respelt(self) -> bool:
        """Whether the change only respells words (see `qualify`)."""
        return spelling_only(self.ops)

    def entry_text(self) -> str:
        """A live-blog entry's new text (the diff of an entry holds the entry alone)."""
        if not {"entry", "entry_edited"} & set(self.categories):
            return ""
        return "\n".join(op.new for op in self.ops if op.op in ("added", "edited") and op.new)


def story_alerts(
    db: Database, config: Config, change: dict, now: datetime, view: ChangeView | None = None
) -> int:
    """Members and alert rows of every story for one change; how many alerts were created.
    `view`: the rules' view of the change, when they made one (its folded text is reused)."""
    stories = [s for s in config.stories if s.reads(change["source"])]
    if not stories:
        return 0
    seen = StoredChange(db, change, view)
    return sum(_evaluate(db, config, story, seen, now) for story in stories)


def _evaluate(
    db: Database, config: Config, story: Story, change: StoredChange, now: datetime
) -> int:
    article_id = change.row["article_id"]
    member = stored.member(db, story.name, article_id)
    joined = member is None
    if member is None:
        member = _join(db, story, change, now)
        if member is None:
            return 0
        event_id = member["event_id"]
    else:
        event_id = event_rows.event_of(db, story.name, article_id)
    verdict = qualify(
        story, change.categories, change.words, joined, change.entry_text(), change.respelt()
    )
    if verdict.event is None:
        return 0
    terms = json.loads(member["terms"] or "[]")
    # Once, whatever the tags; the text's scans of the story's terms are reused.
    words = stored_words(terms, change.text())
    return sum(
        _insert(db, config, story, change.row, tag, event_id, verdict.event, terms, words, now)
        for tag in story.notify
    )


def _join(db: Database, story: Story, change: StoredChange, now: datetime) -> dict | None:
    """Score the change's version; a member is written, placed in an event and returned."""
    text = change.text()
    if text is None or not names_vocabulary(story, text):
        return None
    result = score(story, text)
    if not result.member:
        return None
    article_id = change.row["article_id"]
    row: dict[str, Any] = {
        "story": story.name,
        "article_id": article_id,
        "source": change.row["source"],
        "joined_at": iso(now),
        "version_id": change.version_id,
        "change_id": change.row["id"],
        "score": result.score,
        "terms": json.dumps(result.terms, ensure_ascii=False),
        "fields": json.dumps(result.fields, ensure_ascii=False),
    }
    stored.add_member(db, row)
    logger.info("article %s joined story %s (%s)", article_id, story.name, result.why)
    return {**row, "event_id": place_in_event(db, story, article_id, now)}


def place_in_event(db: Database, story: Story, article_id: int, now: datetime) -> int | None:
    """The event the new member was placed in (monitor.stories.grouping.place). A fault of
    grouping costs only the grouping (a savepoint takes its rows back) and is logged: a
    member's alerts must not wait for it."""
    # Here, not at the top: grouping (and rensa) is loaded only once an article joins a story.
    from monitor.stories import grouping

    try:
        with db.atomic():  # nested: a savepoint
            return grouping.place(db, story, article_id, now)
    except (StoreError, sqlite3.Error):
        raise  # the storage is at fault: the change stays unevaluated and is tried again
    except Exception:
        logger.exception(
            "story %s: article %s could not be placed in an event", story.name, article_id
        )
        return None


def _insert(
    db: Database,
    config: Config,
    story: Story,
    change: dict,
    tag: str,
    event_id: int | None,
    event: str,
    terms: list[str],
    words: str | None,  # what the terms hit in this change's version, JSON (rules.words)
    now: datetime,
) -> int:
    when = not_before(db, config, story, change["article_id"], event_id, event, tag, now)
    row = {
        "key": f"story:{story.name}:{change['id']}:{tag}",
        "kind": "change",
        "rule": None,
        "story": story.name,
        "event_id": event_id,
        "change_id": change["id"],
        "article_id": change["article_id"],
        "version_id": change["to_version"],
        "source": change["source"],
        "tag": tag,
        "digest": story.digest,
        "status": "pending",
        "matched": json.dumps(terms, ensure_ascii=False),
        "words": words,
        "created_at": iso(now),
        "not_before": iso(when),
    }
    return store.insert_new(db, "alerts", row)  # the unique key makes a replay a no-op


def not_before(
    db: Database,
    config: Config,
    story: Story,
    article_id: int,
    event_id: int | None,
    event: str,
    tag: str,
    now: datetime,
) -> datetime:
    """When a story alert may go out (monitor.notify.schedule): the rate-limit window counts
    per article for edits and per event for new articles."""
    last = None
    if story.rate_limit and event == "new" and event_id is not None:
        last = stored.last_event_alert(db, story.name, event_id, tag)
    elif story.rate_limit:
        last = stored.last_article_alert(db, story.name, article_id, tag)
    return send_after(story.digest, story.rate_limit, last, now, config.notify.daily_digest_at)
