"""Storing one page, the store pipeline's step: read what the store holds of the page's article,
decide what the page is (monitor.diff.decide, monitor.diff.entries), have the store write that
decision, and set the article's next check (monitor.revisit) - in one transaction, so the
decision and the write see the same stored state whatever other connections write meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from monitor import store
from monitor.diff import interstitial
from monitor.diff.core import Diff
from monitor.diff.decide import (
    article_decision,
    return_decision,
    status_decision,
    text_diff,
    wall_decision,
)
from monitor.diff.entries import entries_decision
from monitor.items import Decision, Fetched, Version
from monitor.revisit import RevisitSettings, next_check_at
from monitor.store import versions

SOFT_404_CHECKS = 3  # a "page not found" answered with 200 this many checks in a row: removed


@dataclass
class Extracted(Fetched):
    """A page as the extract stage hands it on: what the store writes (Fetched), and the
    worker's diff from the stored version `diff_base` to the article, when it made one."""

    diff: Diff | None = field(default=None, repr=False)
    diff_base: int | None = None
    interstitial: str | None = None  # set when the extractor refused a page that is one


@dataclass
class Outcome:
    """What storing one fetched page did."""

    kind: str  # as Decision.kind
    article_id: int | None = None
    change_id: int | None = None
    categories: list[str] = field(default_factory=list)
    diff: Diff | None = None
    headline: str = ""
    url: str = ""
    entries: list[str] = field(default_factory=list)  # a live blog's new or edited entries


def record_page(db: store.Database, item: Extracted) -> Outcome:
    """Store one fetch outcome: a new article, a new version, a check, or a takedown."""
    with db.atomic():
        row = store.known_article(db, item)
        decision, diff = _decide(db, row, item)
        if decision.kind.startswith("dropped/"):
            _dropped(db, row, decision)
            return Outcome(decision.kind, url=item.page.url)
        if decision.kind in ("removed", "not_modified") and item.article is not None:
            item = replace(item, article=None)  # a soft 404: no text of the article to store
        article_id, change_id = store.write_page(db, row, item, decision)
        if row is not None:
            versions.clear_soft_404(db, row["id"])
        if decision.returned_to is not None and article_id is not None:
            versions.show_version(db, article_id, decision.returned_to, change_id)
    return _outcome(row, item, decision, diff, article_id, change_id)


def _dropped(db: store.Database, row: dict | None, decision: Decision) -> None:
    """An interstitial: nothing is written but the count of soft 404s in a row."""
    if row is not None and decision.kind == "dropped/interstitial_soft_404":
        versions.note_soft_404(db, row["id"], versions.soft_404_count(row) + 1)


def _decide(db: store.Database, row: dict | None, item: Extracted) -> tuple[Decision, Diff | None]:
    """The decision about `item` against the stored article `row`, and the article's diff."""
    article = item.article
    if item.interstitial:
        return _wall(row, item.interstitial), None
    if article is None:
        return status_decision(row, item.page.status), None
    if row is not None and article.entries:
        return entries_decision(row, article, store.entries_of(db, row["id"])), None
    current = store.current_version(db, row["current_version"]) if row else None
    stored = current.article if current else None
    wall = interstitial.recognize(article, stored)
    if wall is None and stored is not None:
        wall = interstitial.recognize(article)
    if wall is not None:
        return _wall(row, wall.kind), None
    diff = text_diff(current, article, item.diff, item.diff_base)
    earlier = _earlier(db, row, current, article.fingerprint())
    if row is not None and current is not None and earlier is not None:
        seen = versions.returns_between(db, row["id"], (current.id, earlier["id"])) > 0
        return return_decision(row, earlier, seen, article, diff), diff
    return article_decision(row, current, article, diff), diff


def _wall(row: dict | None, kind: str) -> Decision:
    return wall_decision(row, kind, versions.soft_404_count(row) + 1, SOFT_404_CHECKS)


def _earlier(
    db: store.Database, row: dict | None, current: Version | None, fingerprint: str
) -> dict | None:
    """A recent version other than the current one whose text the page shows again."""
    if row is None or current is None or current.fingerprint == fingerprint:
        return None
    recent = versions.recent_versions(db, row["id"])
    return next((v for v in recent if v["fingerprint"] == fingerprint), None)


def _outcome(
    row: dict | None,
    item: Extracted,
    decision: Decision,
    diff: Diff | None,
    article_id: int | None,
    change_id: int | None,
) -> Outcome:
    if article_id is None:  # a page of no stored article, and not a new one
        return Outcome(decision.kind, url=item.page.url)
    # A new version names the article as fetched; anything else, as stored (`row`).
    new_text = decision.version and item.article is not None
    headline = item.article.headline if new_text else row["headline"] or ""
    return Outcome(
        decision.kind,
        article_id,
        change_id,
        [c for change in decision.changes for c in change.categories],
        diff,
        headline,
        row["url"] if row else store.article_key(item),
        [e.line() for c in decision.changes for e in (c.added, c.edited) if e is not None],
    )


def store_page(db: store.Database, item: Extracted, revisit: RevisitSettings | None) -> Outcome:
    """The store's step for one page: record it, then set its article's next check."""
    outcome = record_page(db, item)
    if outcome.article_id is not None and revisit is not None:
        schedule_next(db, outcome.article_id, revisit)
    return outcome


def suspect_short(db: store.Database, item: Extracted, ratio: float) -> str | None:
    """Why a page far shorter than the stored article is refused (a bot wall or broken markup,
    not an edit); None when it is not."""
    stored = store.current_words(db, item)
    assert item.article is not None
    words = len(" ".join(item.article.paragraphs()).split())
    # An interstitial is left to the store, which names it (and counts soft 404s).
    if stored >= 100 and words < stored * ratio and interstitial.recognize(item.article) is None:
        return f"{words} words; the stored version has {stored}"
    return None


def schedule_next(
    db: store.Database, article_id: int, settings: RevisitSettings, at: datetime | None = None
) -> None:
    """Set the article's next check from the revisit policy ("never" once it stopped changing)."""
    facts = store.revisit_facts(db, article_id)
    when = next_check_at(
        at or datetime.now(UTC),
        facts["first_seen"],
        facts["published"],
        facts["last_changed"],
        settings,
    )
    store.set_next_check(db, article_id, when)
