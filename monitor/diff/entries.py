"""A live blog against its stored entries: each entry not seen before is a change of its own
("entry"), an entry whose text changed is an "entry_edited"; reordering, pinning and teasers are
nothing. Pure functions, like monitor.diff.decide; entries present on the first visit are the
blog's backlog (the store remembers them with the new article).
"""

from __future__ import annotations

from monitor.diff.core import Diff, diff_articles
from monitor.diff.decide import change_of
from monitor.items import Article, Change, Decision, Entry
from monitor.text import normalize


def entries_decision(row: dict, article: Article, known: dict[str, dict]) -> Decision:
    """A live blog fetched again: `row` is its stored article, `known` its stored entries by
    key."""
    added = [e for e in article.entries if e.key not in known]
    edited = [e for e in article.entries if e.key in known and _edited(e, known[e.key])]
    restored = row["status"] == "removed"
    if not added and not edited and not restored:  # reordered, pinned, teasers: a check
        return Decision("unchanged")
    changes = [Change(["restored"], "Live blog is back online.")] if restored else []
    for entry in added:
        diff = entry_diff(article.headline, None, entry)
        changes.append(change_of(["entry"], diff, headline=entry.headline, added=entry))
    for entry in edited:
        old = known[entry.key]
        before = Entry(entry.key, old["published"], old["headline"], old["text"])
        diff = entry_diff(article.headline, before, entry)
        changes.append(change_of(["entry_edited"], diff, headline=entry.headline, edited=entry))
    return Decision("restored" if restored else "changed", changes, version=True)


def _edited(entry: Entry, stored: dict) -> bool:
    return (normalize(entry.text), normalize(entry.headline)) != (
        normalize(stored["text"]),
        normalize(stored["headline"]),
    )


def entry_diff(headline: str, old: Entry | None, new: Entry) -> Diff:
    """A diff that holds one entry: added in full, or edited word by word."""
    before = Article(url="", headline=headline, body=[old.line()] if old else [])
    return diff_articles(before, Article(url="", headline=headline, body=[new.line()]))
