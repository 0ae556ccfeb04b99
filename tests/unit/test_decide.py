"""What a fetched page is against what the store holds: the pure decisions the store pipeline
hands the store (monitor.diff.decide, monitor.diff.entries) and the next check it writes
(monitor.revisit.next_check_at); and the direction of the per-page flow's imports."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.diff.core import Diff, diff_articles
from monitor.diff.decide import article_decision, status_decision, text_diff
from monitor.diff.entries import entries_decision
from monitor.items import Article, Entry, Version
from monitor.revisit import RevisitSettings, Tier, next_check_at

ROOT = Path(__file__).resolve().parents[2]
LIVE = {"id": 7, "status": "live", "headline": "Liveblog"}
REMOVED = {**LIVE, "status": "removed"}


def article(body: list[str] | None = None, headline: str = "Gespräche in Genf") -> Article:
    text = ["Die Delegationen treffen sich am Montag.", "Ein Ergebnis ist offen."]
    return Article(url="https://example.org/genf", headline=headline, body=body or text)


def stored(art: Article, version_id: int = 3) -> Version:
    return Version(version_id, art.fingerprint(), art)


@pytest.mark.parametrize(
    ("row", "status", "kind"),
    [
        (LIVE, 304, "not_modified"),
        (None, 304, "not_modified"),
        (LIVE, 200, "unchanged"),  # the same bytes or signature: not extracted
        (None, 404, "gone"),
        (REMOVED, 410, "not_modified"),  # still gone: no second change
    ],
)
def test_a_fetch_without_new_text_changes_nothing(row, status, kind):
    decision = status_decision(row, status)
    assert (decision.kind, decision.changes, decision.version) == (kind, [], False)


def test_a_takedown_is_one_removed_change_without_a_version():
    decision = status_decision(LIVE, 410)
    assert decision.kind == "removed" and not decision.version
    assert [c.categories for c in decision.changes] == [["removed"]]
    assert "HTTP 410" in decision.changes[0].text


def test_the_workers_diff_is_used_only_against_the_version_it_was_made_from():
    old, new = article(), article(headline="Gespräche in Genf vertagt")
    marked = Diff(categories=["lead"])
    assert text_diff(stored(old, 3), new, marked, 3) is marked
    assert text_diff(stored(old, 3), new, marked, 2) == diff_articles(old, new)
    assert text_diff(stored(old), old, marked, 3) is None  # the same text
    assert text_diff(None, new, marked, 3) is None  # nothing stored


def test_a_new_article_is_a_version_and_a_new_change():
    new = article()
    decision = article_decision(None, None, new, None)
    assert (decision.kind, decision.version) == ("new", True)
    assert decision.changes[0].categories == ["new"]
    assert decision.changes[0].headline == new.headline


def test_an_edit_is_a_change_that_keeps_the_diff():
    old, new = article(), article(headline="Gespräche in Genf vertagt")
    diff = diff_articles(old, new)
    decision = article_decision(LIVE, stored(old), new, diff)
    assert (decision.kind, decision.version) == ("changed", True)
    change = decision.changes[0]
    assert change.categories == diff.categories and change.ops == diff.to_json()
    assert change.text == diff.readable() and change.words_added == diff.words_added


def test_a_reorder_is_reordered_and_a_return_is_restored():
    old = article()
    moved = article(body=list(reversed(old.body)))
    diff = Diff()  # the words are the same: no category of its own
    assert article_decision(LIVE, stored(old), moved, diff).changes[0].categories == ["reordered"]
    back = article_decision(REMOVED, stored(old), moved, diff)
    assert back.kind == "restored" and back.changes[0].categories == ["restored", "reordered"]
    same = article_decision(REMOVED, stored(old), old, None)
    assert (same.kind, same.version, same.changes[0].categories) == (
        "restored",
        False,
        ["restored"],
    )
    assert article_decision(LIVE, stored(old), old, None).kind == "unchanged"


def blog(*entries: Entry) -> Article:
    return Article(url="https://example.org/live", headline="Liveblog", entries=list(entries))


def known(*entries: Entry) -> dict[str, dict]:
    return {
        e.key: {"published": e.published, "headline": e.headline, "text": e.text} for e in entries
    }


def test_a_live_blogs_new_and_edited_entries_are_changes_of_their_own():
    first = Entry("e1", "2026-11-21T10:00:00+01:00", "Ankunft", "Die Delegation ist da.")
    second = Entry("e2", "2026-11-21T11:00:00+01:00", "Beginn", "Die Gespräche beginnen.")
    edited = Entry("e1", first.published, "Ankunft", "Die Delegation ist seit zehn Uhr da.")
    decision = entries_decision(LIVE, blog(second, edited), known(first))
    assert (decision.kind, decision.version) == ("changed", True)
    added, changed = decision.changes
    assert (added.categories, added.added, added.headline) == (["entry"], second, "Beginn")
    assert (changed.categories, changed.edited) == (["entry_edited"], edited)
    assert "{+seit zehn Uhr+}" in changed.text


def test_a_reordered_live_blog_is_a_check_and_a_returning_one_is_restored():
    first = Entry("e1", None, "Ankunft", "Die Delegation ist da.")
    second = Entry("e2", None, "Beginn", "Die Gespräche beginnen.")
    assert entries_decision(LIVE, blog(second, first), known(first, second)).kind == "unchanged"
    back = entries_decision(REMOVED, blog(first, second), known(first, second))
    assert back.kind == "restored" and [c.categories for c in back.changes] == [["restored"]]


def test_the_next_check_is_an_iso_time_or_never():
    settings = RevisitSettings(tiers=[Tier(3600, 120), Tier(None, None)], jitter=0.0)
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    young = next_check_at(at, "2026-11-24T11:30:00+00:00", None, None, settings)
    assert young == "2026-11-24T12:02:00+00:00"
    assert next_check_at(at, "2026-11-20T12:00:00+00:00", None, None, settings) == "never"
    # Published before it was first seen: its age counts from then.
    old = next_check_at(at, "2026-11-24T11:30:00+00:00", "2026-11-20T09:00:00", None, settings)
    assert old == "never"


def _imported(package: str) -> set[str]:
    """The modules the package's modules import, wherever the import stands."""
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.update({node.module, *(f"{node.module}.{a.name}" for a in node.names)})
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
    return names


def test_the_store_writes_decisions_and_the_crawl_knows_nothing_of_alerts():
    store = _imported("monitor/store")
    assert not {n for n in store if n.startswith(("monitor.diff", "monitor.revisit"))}
    crawl = _imported("monitor/crawl")
    assert not {n for n in crawl if n.startswith(("monitor.notify", "monitor.rules.evaluate"))}
