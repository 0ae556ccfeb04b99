"""A pair of pages through newsmon's own comparison, as the store pipeline decides about a
fetch of a page whose first fetch is stored: the signature check of the extract stage
(monitor.crawl.pipelines), then extraction (monitor.extract.page), the interstitial check and
the decision (monitor.crawl.record: monitor.diff.decide or, for a live blog,
monitor.diff.entries), and whether a rule could alert on it (monitor.rules.rules.events_for)."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.diff import interstitial
from monitor.diff.decide import article_decision, text_diff
from monitor.diff.entries import entries_decision
from monitor.errors import ExtractionError
from monitor.extract.page import extract_page
from monitor.extract.signature import signature
from monitor.items import Article, Version
from monitor.rules.rules import events_for

# The events a default rule alerts on once an article is known ("new" is the first fetch's).
_ALERTING = {"changed", "headline", "correction", "entry"}


@dataclass
class Verdict:
    outcome: str  # same_signature, refused, dropped/<kind>, unchanged, changed
    alert: bool = False
    categories: list[str] = field(default_factory=list)


def compare(old: Article, old_page: bytes, new_page: bytes, url: str) -> Verdict:
    """What newsmon makes of `new_page` when `old_page` (extracted: `old`) is stored."""
    if signature(old_page, url, None) == signature(new_page, url, None):
        return Verdict("same_signature")
    try:
        new = extract_page(new_page, url).seal()
    except ExtractionError:
        return Verdict("refused")
    wall = interstitial.recognize(new, old) or interstitial.recognize(new)
    if wall is not None:
        return Verdict(f"dropped/{wall.kind}")
    row = {"status": "live", "headline": old.headline, "url": url}
    if new.entries:
        known = {e.key: {**vars(e), "removed": False} for e in old.entries}
        decision = entries_decision(row, new, known)
    else:
        current = Version(1, old.fingerprint(), old)
        decision = article_decision(row, current, new, text_diff(current, new, None, None))
    categories = [c for change in decision.changes for c in change.categories]
    return Verdict(decision.kind, bool(events_for(categories) & _ALERTING), categories)


def extract_stored(page: bytes, url: str) -> Article:
    """The stored version of a page (raises ExtractionError when newsmon refuses it)."""
    return extract_page(page, url).seal()
