"""Writing one fetched page's outcome: the Decision the pipeline made (monitor.diff.decide), as
it is, inside the caller's transaction. A new article, a new version with its change rows, a
check, or a takedown; a live blog's entries with them.

The pipeline reads what it decides from here too (known_article in monitor.store.articles,
current_version, entries_of), in the same transaction, so the decision and the write see the
same stored state whatever other connections write meanwhile.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from monitor import clock
from monitor.items import Change, Decision, Entry, Fetched, Page
from monitor.store.articles import article_key, redirected_to
from monitor.store.db import insert, row_of, update
from monitor.store.versions import insert_version
from monitor.urls import normalize_url


def entries_of(db: Database, article_id: int) -> dict[str, dict]:
    """A live blog's stored entries by key, in the order they were stored; `removed`: reported
    gone from the page (and not seen since)."""
    rows = db["entries"].rows_where("article_id = ?", [article_id], order_by="id")
    return {e["key"]: {**e, "removed": e["removed_at"] is not None} for e in rows}


def write_page(
    db: Database, row: dict | None, fetched: Fetched, decision: Decision
) -> tuple[int | None, int | None]:
    """Write what was decided about a fetched page whose stored article is `row` (None: not
    known). Returns the article's id and the id of the last change written (None: none)."""
    if row is None:
        return _add(db, fetched, decision) if decision.version else (None, None)
    if fetched.page.status == 200:
        _answered(db, row, fetched)
    if fetched.article is None:
        return row["id"], _revisited(db, row, fetched, decision)
    _alias(db, row["id"], fetched.page)
    if decision.version:
        return row["id"], _new_version(db, row, fetched, decision)
    return row["id"], _same_text(db, row, fetched, decision)


def _add(db: Database, fetched: Fetched, decision: Decision) -> tuple[int, int | None]:
    article, page = fetched.article, fetched.page
    assert article is not None, "only an extracted page makes an article"
    article_id = insert(
        db,
        "articles",
        {
            "source": page.source,
            "url": article_key(fetched),
            "status": "live",
            "answered_url": normalize_url(page.url),
            "first_seen": clock.now(),
            "last_changed": clock.now(),
        },
    )
    row = row_of(db, "articles", article_id)
    version_id = insert_version(db, article_id, 1, fetched)
    change_id = _insert_changes(db, row, None, version_id, decision.changes)
    _after_version(db, row, fetched, version_id, 1)
    _alias(db, article_id, page)
    if article.entries:  # a live blog: the entries of the first visit are its backlog
        update(db, "articles", article_id, {"kind": "liveblog"})
        _remember_entries(db, article_id, article.entries, None)
    return article_id, change_id


def _revisited(db: Database, row: dict, fetched: Fetched, decision: Decision) -> int | None:
    """No text to store: a check of the same bytes or signature, a 304, or a takedown."""
    if decision.kind == "unchanged":
        _checked(db, row, fetched)
        return None
    db.execute(
        "update articles set last_checked = ?, checks = checks + 1 where id = ?",
        [clock.now(), row["id"]],
    )
    if decision.kind != "removed":
        return None
    taken_down = {
        "status": "removed",
        "last_changed": clock.now(),
        "etag": None,
        "last_modified": None,
    }
    update(db, "articles", row["id"], taken_down)
    return _insert_changes(db, row, row["current_version"], None, decision.changes)


def _same_text(db: Database, row: dict, fetched: Fetched, decision: Decision) -> int | None:
    """An extracted page whose text is the stored one: a check, or the article back online."""
    article, page = fetched.article, fetched.page
    assert article is not None
    if article.entries:  # a live blog with nothing new (reordered, pinned, teasers)
        update(db, "articles", row["id"], {"kind": "liveblog"})
        _seen(db, row["id"], article.entries)
        _checked(db, row, fetched)
        return None
    fields = {
        "last_checked": clock.now(),
        "checks": row["checks"] + 1,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "raw_hash": page.raw_hash,
        "signature": fetched.signature,
        "status": "live",
    }
    update(db, "articles", row["id"], fields)
    current = row["current_version"]
    return _insert_changes(db, row, current, current, decision.changes)


def _new_version(db: Database, row: dict, fetched: Fetched, decision: Decision) -> int | None:
    article = fetched.article
    assert article is not None
    number = row["versions"] + 1
    version_id = insert_version(db, row["id"], number, fetched)
    change_id = _insert_changes(db, row, row["current_version"], version_id, decision.changes)
    if article.entries:
        _seen(db, row["id"], article.entries)
    _after_version(db, row, fetched, version_id, number)
    return change_id


def _checked(db: Database, row: dict, fetched: Fetched) -> None:
    page = fetched.page
    fields = {
        "last_checked": clock.now(),
        "checks": row["checks"] + 1,
        "etag": page.etag,
        "last_modified": page.last_modified,
    }
    if page.raw_size:  # the bytes just checked: the next same-bytes test compares with them
        fields["raw_hash"] = page.raw_hash
    if fetched.signature:
        fields["signature"] = fetched.signature
    update(db, "articles", row["id"], fields)


def _after_version(db: Database, row: dict, fetched: Fetched, version_id: int, number: int) -> None:
    article, page = fetched.article, fetched.page
    assert article is not None
    update(
        db,
        "articles",
        row["id"],
        {
            "current_version": version_id,
            "versions": number,
            "headline": article.headline,
            "published": article.published,
            "modified": article.modified,
            "last_changed": clock.now(),
            "last_checked": clock.now(),
            "etag": page.etag,
            "last_modified": page.last_modified,
            "raw_hash": page.raw_hash,
            "signature": fetched.signature,
            "status": "live",
            "checks": (row["checks"] or 0) + 1,
        },
    )


def _alias(db: Database, article_id: int, page: Page) -> None:
    """Every URL the page was reached at is the article's: its URL, the URL requested and
    each URL of a redirect chain that ended at it."""
    urls = {normalize_url(url) for url in (page.url, page.request_url) if url}
    urls.update(redirected_to(db, page.url))
    db.conn.executemany(
        "insert or replace into article_urls (url, article_id) values (?, ?)",
        [(url, article_id) for url in sorted(urls)],
    )


def _answered(db: Database, row: dict, fetched: Fetched) -> None:
    """The article answered 200 at the page's URL: revisits go there from now on. Answering
    at another URL than last time is a move, recorded once per pair of URLs."""
    now_at = normalize_url(fetched.page.url)
    before = row["answered_url"]
    if now_at == before:
        return
    update(db, "articles", row["id"], {"answered_url": now_at})
    _alias(db, row["id"], fetched.page)  # also when the bytes are the stored ones (no text)
    if before is None:  # stored before answers were tracked: nothing to compare with
        return
    db.execute(
        "insert or ignore into article_moves (article_id, from_url, to_url, at, how) "
        "values (?, ?, ?, ?, ?)",
        [row["id"], before, now_at, clock.now(), _how(db, row, fetched, before)],
    )


def _how(db: Database, row: dict, fetched: Fetched, before: str) -> str:
    """How the page was known to be the article although it answered at a new URL."""
    page = fetched.page
    requested = normalize_url(page.request_url or page.url)
    if requested != normalize_url(page.url) or before in redirected_to(db, page.url):
        return "redirect"
    if fetched.article is not None and article_key(fetched) == row["url"]:
        return "canonical"
    return "alias"


def _insert_changes(
    db: Database,
    row: dict,
    from_version: int | None,
    to_version: int | None,
    changes: list[Change],
) -> int | None:
    """Write the change rows (and the live-blog entries they report); the last one's id."""
    change_id = None
    for change in changes:
        change_id = insert(
            db,
            "changes",
            {
                "article_id": row["id"],
                "source": row["source"],
                "from_version": from_version,
                "to_version": to_version,
                "detected_at": clock.now(),
                "kind": change.categories[0],
                "categories": json.dumps(change.categories),
                "headline": change.headline or row["headline"],
                "diff": change.text,
                "ops": change.ops,
                "words_added": change.words_added,
                "words_removed": change.words_removed,
            },
        )
        if change.added is not None:
            _remember_entries(db, row["id"], [change.added], change_id)
        if change.edited is not None:
            _edit_entry(db, row["id"], change.edited)
    return change_id


def _remember_entries(
    db: Database, article_id: int, entries: list[Entry], change_id: int | None
) -> None:
    db["entries"].insert_all(
        (
            {
                "article_id": article_id,
                "key": e.key,
                "published": e.published,
                "headline": e.headline,
                "text": e.text,
                "first_seen": clock.now(),
                "last_seen": clock.now(),
                "change_id": change_id,
            }
            for e in entries
        ),
        ignore=True,  # the unique (article_id, key): a replayed page adds nothing
    )


def _edit_entry(db: Database, article_id: int, entry: Entry) -> None:
    if entry.removed:  # gone from the page: not seen since (seen again, it is back)
        db.execute(
            "update entries set removed_at = ? where article_id = ? and key = ?",
            [clock.now(), article_id, entry.key],
        )
        return
    db.execute(
        "update entries set text = ?, headline = ?, edits = edits + 1 "
        "where article_id = ? and key = ?",
        [entry.text, entry.headline, article_id, entry.key],
    )


def _seen(db: Database, article_id: int, entries: list[Entry]) -> None:
    db.conn.executemany(
        "update entries set last_seen = ?, removed_at = null where article_id = ? and key = ?",
        [(clock.now(), article_id, e.key) for e in entries],
    )
