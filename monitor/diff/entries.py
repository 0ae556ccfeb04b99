"""A live blog against its stored entries: each entry not seen before is a change of its own
("entry"), an entry whose text or title changed is an "entry_edited", an entry gone from the
page is an "entry_removed" (no rule or story event: recorded, not alerted), the blog's own
headline reworded is a "headline" change as an article's is; reordering, pinning and teasers
are nothing. Pure functions, like monitor.diff.decide; entries present on
the first visit are the blog's backlog (the store remembers them with the new article).

Which stored entry a fetched one is: the one of its key; else, for a key that misses (an
entry without an id whose opening was reworded, keys of an older scheme), the stored entry of
the same minute whose words are mostly its words. An entry without an id keyed by its minute
and first words is checked against its text too: two entries of one minute that open alike
are not taken for each other.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from difflib import SequenceMatcher

from monitor.diff.core import Diff, diff_articles
from monitor.diff.decide import change_of
from monitor.items import Article, Change, Decision, Entry
from monitor.text import normalize

# The share of words (difflib's ratio over the two word lists) from which an entry of the
# same minute is the stored one, edited: a text doubled in length still is (0.67).
SAME_ENTRY = 0.5


def entries_decision(row: dict, article: Article, known: dict[str, dict]) -> Decision:
    """A live blog fetched again: `row` is its stored article, `known` its stored entries by
    key (each with `removed`: reported gone). The article's entries take the keys of the
    stored entries they are, so that the store's writes find them."""
    match_entries(article.entries, known)
    added = [e for e in article.entries if e.key not in known]
    edited = [e for e in article.entries if e.key in known and _edited(e, known[e.key])]
    removed = removed_entries(article.entries, known)
    restored = row["status"] == "removed"
    retitled = headline_change(row.get("headline"), article.headline)
    if not (added or edited or removed or restored or retitled):  # reordered, pinned: a check
        return Decision("unchanged")
    changes = [Change(["restored"], "Live blog is back online.")] if restored else []
    changes += [retitled] if retitled else []
    for entry in added:
        diff = entry_diff(article.headline, None, entry)
        changes.append(change_of(["entry"], diff, headline=entry.headline, added=entry))
    for entry in edited:
        diff = entry_diff(article.headline, _entry(entry.key, known[entry.key]), entry)
        changes.append(change_of(["entry_edited"], diff, headline=entry.headline, edited=entry))
    for gone in removed:
        diff = entry_diff(article.headline, gone, None)
        changes.append(change_of(["entry_removed"], diff, headline=gone.headline, edited=gone))
    return Decision("restored" if restored else "changed", changes, version=True)


def headline_change(old: str | None, new: str) -> Change | None:
    """The live blog's own headline reworded: a headline change, as an article's would be."""
    if not old or normalize(old) == normalize(new):
        return None
    diff = diff_articles(Article(url="", headline=old), Article(url="", headline=new))
    return change_of(diff.categories or ["headline"], diff, headline=new)


def match_entries(entries: list[Entry], known: dict[str, dict]) -> None:
    """Give each entry the key of the stored entry it is, where that is not its own key."""
    free = dict(known)
    misses = []
    for entry in entries:
        stored = free.get(entry.key)
        if stored is not None and (not entry.key.startswith("h:") or _same(entry, stored)):
            del free[entry.key]
        else:
            misses.append(entry)
    pairs = [
        (similarity(entry, _entry(key, stored)), n, key)
        for n, entry in enumerate(misses)
        for key, stored in free.items()
        if _minute(entry.published) == _minute(stored["published"])
    ]
    matched: set[int] = set()
    for score, n, key in sorted(pairs, reverse=True):
        if score >= SAME_ENTRY and n not in matched and key in free:
            misses[n].key = key
            matched.add(n)
            del free[key]
    taken = {e.key for e in entries}
    for n, entry in enumerate(misses):
        if n not in matched and entry.key in known:  # its key is another entry's: a new one
            entry.key = _unused(entry.key, set(known) | taken)
            taken.add(entry.key)


def removed_entries(entries: list[Entry], known: dict[str, dict]) -> list[Entry]:
    """Stored entries (`known` in the order they were stored) gone from the page. One older
    than every entry the page still shows has scrolled off (tickers show their latest
    entries): not a deletion."""
    on_page = {e.key for e in entries}
    order = {key: n for n, key in enumerate(known)}
    first_shown = min((order[k] for k in on_page if k in order), default=None)
    times = [t for t in (_when(e.published) for e in entries) if t is not None]
    gone = []
    for key, stored in known.items():
        if key in on_page or stored.get("removed"):
            continue
        when = _when(stored["published"])
        if times and when is not None:
            scrolled_off = when < min(times)
        else:  # without times, the order they were stored in
            scrolled_off = first_shown is None or order[key] < first_shown
        if not scrolled_off:
            gone.append(replace(_entry(key, stored), removed=True))
    return gone


def similarity(a: Entry, b: Entry) -> float:
    """How much of two entries' words are the same, in order (0 to 1)."""
    return SequenceMatcher(None, a.words(), b.words(), autojunk=False).ratio()


def _same(entry: Entry, stored: dict) -> bool:
    return similarity(entry, _entry(entry.key, stored)) >= SAME_ENTRY


def _entry(key: str, stored: dict) -> Entry:
    return Entry(key, stored["published"], stored["headline"], stored["text"])


def _unused(key: str, taken: set[str]) -> str:
    count = 2
    while f"{key}#{count}" in taken:
        count += 1
    return f"{key}#{count}"


def _when(published: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(published or "")
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _minute(published: str | None) -> object:
    """The minute an entry was posted, whatever offset the page writes it in."""
    when = _when(published)
    return when.replace(second=0, microsecond=0) if when else (published or "")[:16]


def _edited(entry: Entry, stored: dict) -> bool:
    return (normalize(entry.text), normalize(entry.headline)) != (
        normalize(stored["text"]),
        normalize(stored["headline"]),
    )


def entry_diff(headline: str, old: Entry | None, new: Entry | None) -> Diff:
    """A diff that holds one entry: added or removed in full, or edited word by word."""
    before = Article(url="", headline=headline, body=[old.line()] if old else [])
    return diff_articles(
        before, Article(url="", headline=headline, body=[new.line()] if new else [])
    )
