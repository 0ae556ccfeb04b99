"""The SQLite store: articles, their versions, the changes between them, and the crawl log.

Every write that belongs together (a version and its change row, the
validators that let the next request be conditional) happens in one
transaction, so a crash leaves either all of it or none.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from monitor.clock import iso, now, parse_time
from monitor.diff.core import Diff, diff_articles
from monitor.errors import StoreError
from monitor.items import Article, Entry, Page
from monitor.store.faults import FAULTS, fault
from monitor.store.faults import DatabaseFault as DatabaseFault  # re-exported for store users
from monitor.store.migrations import migrations
from monitor.text import normalize
from monitor.urls import normalize_url

BUSY_TIMEOUT_MS = 10000  # how long a writer waits for another one's lock before it gives up
WAL_PAGES = 20_000  # pages in the write-ahead log before a checkpoint: 80 MB of 4 KB pages
IMPATIENT_MS = 100  # the same while the lock is stuck: a writer has waited BUSY_TIMEOUT_MS in vain


class _Database(Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin.

    Several connections write at once (the crawls of several sources, the dispatcher thread,
    a `newsmon crawl` beside the daemon). A plain BEGIN reads first and upgrades later; when
    another connection has written meanwhile, the upgrade fails at once with "database is
    locked", busy timeout or not. BEGIN IMMEDIATE waits for the lock instead.

    A storage fault rolls the transaction back, a failed COMMIT too (SQLite can leave the
    transaction open after a full disk: the connection would keep the write lock and fold every
    later write into a transaction nobody commits), and is raised as a DatabaseFault.
    sqlite-utils' own writes (insert, update, upsert) run inside atomic(), so they are covered.

    Once a writer of the process has waited the whole busy timeout in vain, every connection
    waits only a moment until a transaction commits again: the crawls' pipelines write on the
    event loop, and ten seconds for every page, and every source, while the lock stays taken
    would stall the daemon for minutes, for writes that are lost anyway (the next crawl
    fetches those pages again).
    """

    db_path = Path("?")  # set by open_db, for messages
    busy_ms = BUSY_TIMEOUT_MS  # the connection's busy timeout now

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        try:
            if self.conn.in_transaction:
                with super().atomic():
                    yield self
                return
            self._wait_at_most(IMPATIENT_MS if FAULTS.stuck else BUSY_TIMEOUT_MS)
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # keep the error that matters
                        self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            found = fault(self.db_path, exc)
            if found is None or found is exc:
                raise
            FAULTS.add(found)
            raise found from exc
        FAULTS.stuck = False

    def _wait_at_most(self, ms: int) -> None:
        if ms != self.busy_ms:
            self.conn.execute(f"PRAGMA busy_timeout = {ms}")
            self.busy_ms = ms

    def checkpoint(self) -> tuple[int, int, int]:
        """Copy the WAL into the database and truncate it, without holding up writers.

        A TRUNCATE checkpoint waits (the busy timeout) for readers still on older data, a slow
        Datasette query say, and every writer waits behind it meanwhile. So it waits only a
        moment here; what a reader still needs is left for the next checkpoint.
        Returns SQLite's (busy, WAL frames, frames checkpointed).
        """
        before = self.busy_ms
        self._wait_at_most(200)
        try:
            return tuple(self.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        finally:
            self._wait_at_most(before)


def open_db(path: str | Path) -> Database:
    """Open (creating and migrating as needed) the store at `path`, in WAL mode.

    Raises StoreError (a DatabaseFault for a storage fault) naming the file and what to do.
    """
    path = Path(path)
    db = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = _Database(path)
        db.db_path = path
        # Datasette and the CLI read while the daemon writes; wait instead of failing on a lock.
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.enable_wal()
        # In WAL mode NORMAL never corrupts and loses nothing when a process dies; only a power
        # cut may roll back the last commits. FULL would fsync on every page's commit.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        # A checkpoint every WAL_PAGES pages, not SQLite's 1,000: a crawl rewrites the same table
        # and index pages for every article, and a checkpoint copies each page once however often
        # it changed; the copy and its fsync run on the event loop. Maintenance truncates hourly.
        db.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
        if migrations.pending(db):
            # One write transaction around the whole check: two processes opening a new file
            # at the same moment must not both create the schema.
            with db.atomic():
                migrations.apply(db)
    except (OSError, sqlite3.Error) as exc:
        if db is not None:
            db.close()
        if found := fault(path, exc):
            raise found from None
        raise StoreError(
            f"{path}: cannot open the database ({exc}); check the path and its permissions"
        ) from None
    return db


@dataclass
class Outcome:
    """What storing one fetched page did."""

    kind: str  # new | changed | unchanged | not_modified | removed | restored | gone
    article_id: int | None = None
    change_id: int | None = None
    categories: list[str] = field(default_factory=list)
    diff: Diff | None = None
    headline: str = ""
    url: str = ""
    entries: list[str] = field(default_factory=list)  # a live blog's new or edited entries


def article_key(page: Page) -> str:
    """The article's identity: its canonical URL when the page names one on its own site."""
    canonical = page.article.canonical_url if page.article else None
    return normalize_url(canonical or page.url)


def lookup(db: Database, url: str) -> dict | None:
    """The article a URL (canonical or any alias) belongs to."""
    key = normalize_url(url)
    return _first(
        db.execute(
            "select a.* from articles a where a.url = :key "
            "union all select a.* from articles a join article_urls u on u.article_id = a.id "
            "where u.url = :key limit 1",
            {"key": key},
        )
    )


def validators(db: Database, url: str) -> dict[str, str]:
    """Conditional-request headers for a URL we fetched before (articles and feeds)."""
    row = lookup(db, url)
    if row is None:
        query = "select etag, last_modified from feeds where url = ?"
        row = _first(db.execute(query, [normalize_url(url)])) or {}
    return conditional_headers(row)


def conditional_headers(row: dict) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from a stored row's etag and last_modified."""
    headers = {}
    if row.get("etag"):
        headers["If-None-Match"] = row["etag"]
    if row.get("last_modified"):
        headers["If-Modified-Since"] = row["last_modified"]
    return headers


def record_feed(
    db: Database, url: str, source: str, etag: str | None, last_modified: str | None
) -> None:
    with db.atomic():
        db["feeds"].upsert(
            {
                "url": normalize_url(url),
                "source": source,
                "etag": etag,
                "last_modified": last_modified,
                "last_checked": now(),
            },
            pk="url",
        )


def articles_to_revisit(
    db: Database,
    source: str,
    at: str | None = None,
    limit: int | None = None,
    everything: bool = False,
) -> list[dict]:
    """Known articles of a source whose next check is due, most overdue first.

    An article without next_check_at has no policy decision yet and is due; one the policy
    stopped (next_check_at = "never") is not.
    """
    at = "9999" if everything else (at or now())
    return list(
        db.query(
            "select id, url, etag, last_modified, status, kind from articles where source = ? "
            "and (next_check_at is null or next_check_at <= ?) "
            "order by coalesce(next_check_at, ''), id limit ?",
            [source, at, limit or -1],
        )
    )


def record_page(db: Database, page: Page) -> Outcome:
    """Store one fetch outcome: a new article, a new version, a check, or a takedown."""
    with db.atomic():
        if page.status == 304:
            return _not_modified(db, page)
        if page.status in (404, 410):
            return _gone(db, page)
        if page.article is None:  # same bytes or signature as the stored fetch: not extracted
            return _checked(db, page)
        if page.article.entries:
            return _streamed(db, page)
        return _fetched(db, page)


def _insert(db: Database, table: str, row: dict) -> int:
    """INSERT one row and return its id. Plain SQL: sqlite-utils' insert reads the table's
    schema on every call, which costs more than the insert on the per-page path."""
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"insert into [{table}] ({columns}) values ({marks})", list(row.values()))
    return cursor.lastrowid


def _first(cursor: sqlite3.Cursor) -> dict | None:
    """A query's first row as a dict of its columns; None when it found nothing."""
    found = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], found, strict=True)) if found else None


def _row(db: Database, table: str, row_id: int) -> dict | None:
    return _first(db.execute(f"select * from [{table}] where id = ?", [row_id]))


def _update(db: Database, table: str, row_id: int, values: dict) -> None:
    assignments = ", ".join(f"[{c}] = ?" for c in values)
    db.execute(f"update [{table}] set {assignments} where id = ?", [*values.values(), row_id])


def _known(db: Database, page: Page) -> dict | None:
    if page.article_id is not None and (row := _row(db, "articles", page.article_id)):
        return row
    urls = (article_key(page), page.url, page.request_url)
    for key in dict.fromkeys(normalize_url(url) for url in urls if url):  # mostly one URL
        if row := lookup(db, key):
            return row
    return None


def _not_modified(db: Database, page: Page) -> Outcome:
    row = _known(db, page)
    if row is None:
        return Outcome("not_modified", url=page.url)
    db.execute(
        "update articles set last_checked = ?, checks = checks + 1 where id = ?", [now(), row["id"]]
    )
    return Outcome("not_modified", row["id"], headline=row["headline"] or "", url=row["url"])


def _checked(db: Database, page: Page) -> Outcome:
    row = _known(db, page)
    if row is None:
        return Outcome("unchanged", url=page.url)
    fields = {
        "last_checked": now(),
        "checks": row["checks"] + 1,
        "etag": page.etag,
        "last_modified": page.last_modified,
    }
    if page.body:  # the bytes just checked: the next same-bytes test compares with them
        fields["raw_hash"] = page.raw_hash
    if page.signature:
        fields["signature"] = page.signature
    _update(db, "articles", row["id"], fields)
    return Outcome("unchanged", row["id"], headline=row["headline"] or "", url=row["url"])


def _gone(db: Database, page: Page) -> Outcome:
    row = _known(db, page)
    if row is None:
        return Outcome("gone", url=page.url)
    _update(db, "articles", row["id"], {"last_checked": now(), "checks": row["checks"] + 1})
    if row["status"] == "removed":
        return Outcome("not_modified", row["id"], headline=row["headline"] or "", url=row["url"])
    _update(
        db,
        "articles",
        row["id"],
        {"status": "removed", "last_changed": now(), "etag": None, "last_modified": None},
    )
    change_id = _insert_change(
        db,
        row,
        row["current_version"],
        None,
        ["removed"],
        None,
        diff_text=f"Article answered HTTP {page.status}: taken down or moved away.",
    )
    return Outcome(
        "removed", row["id"], change_id, ["removed"], headline=row["headline"] or "", url=row["url"]
    )


def _fetched(db: Database, page: Page) -> Outcome:
    article = page.article
    assert article is not None, "the extract pipeline runs before the store"
    raw_hash = page.raw_hash
    row = _known(db, page)
    key = article_key(page)
    if row is None:
        article_id = _insert(
            db,
            "articles",
            {
                "source": page.source,
                "url": key,
                "status": "live",
                "first_seen": now(),
                "last_changed": now(),
            },
        )
        row = _row(db, "articles", article_id)
        version_id = _insert_version(db, row, 1, page, article, raw_hash)
        change_id = _insert_change(
            db,
            row,
            None,
            version_id,
            ["new"],
            None,
            diff_text=f"New article: {article.headline}",
            headline=article.headline,
        )
        _after_version(db, row, page, article, raw_hash, version_id, 1)
        _alias(db, row["id"], page)
        return Outcome("new", row["id"], change_id, ["new"], headline=article.headline, url=key)

    _alias(db, row["id"], page)
    current = version_row(db, row["current_version"])
    restored = row["status"] == "removed"
    fields: dict[str, Any] = {
        "last_checked": now(),
        "checks": row["checks"] + 1,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "raw_hash": raw_hash,
        "signature": page.signature,
        "status": "live",
    }
    if current is not None and current["fingerprint"] == article.fingerprint():
        _update(db, "articles", row["id"], fields)
        if not restored:
            return Outcome("unchanged", row["id"], headline=row["headline"] or "", url=row["url"])
        change_id = _insert_change(
            db,
            row,
            current["id"],
            current["id"],
            ["restored"],
            None,
            diff_text="Article is back online, unchanged.",
        )
        return Outcome(
            "restored",
            row["id"],
            change_id,
            ["restored"],
            headline=row["headline"] or "",
            url=row["url"],
        )

    diff = None
    if current is not None:  # the worker's diff, unless another version was stored meanwhile
        worked = page.diff is not None and page.diff_base == current["id"]
        diff = page.diff if worked else diff_articles(version_article(current), article)
    # A reorder, merge or split changes the fingerprint without changing a word.
    meaningful = (diff.categories or ["reordered"]) if diff else ["new"]
    categories = (["restored"] if restored else []) + meaningful
    number = row["versions"] + 1
    version_id = _insert_version(db, row, number, page, article, raw_hash)
    change_id = _insert_change(
        db,
        row,
        current["id"] if current else None,
        version_id,
        categories,
        diff,
        headline=article.headline,
    )
    _after_version(db, row, page, article, raw_hash, version_id, number)
    kind = "restored" if restored else "changed"
    return Outcome(kind, row["id"], change_id, categories, diff, article.headline, row["url"])


def _streamed(db: Database, page: Page) -> Outcome:
    """A live blog: each entry not seen before is a change of its own ("entry"), an entry whose
    text changed is an "entry_edited"; entries present on the first visit are its backlog."""
    article = page.article
    assert article is not None
    row = _known(db, page)
    if row is None:
        outcome = _fetched(db, page)
        _update(db, "articles", outcome.article_id, {"kind": "liveblog"})
        _remember_entries(db, outcome.article_id, article.entries, None)
        return outcome
    _alias(db, row["id"], page)
    known = {e["key"]: e for e in db["entries"].rows_where("article_id = ?", [row["id"]])}
    added = [e for e in article.entries if e.key not in known]
    edited = [
        e
        for e in article.entries
        if e.key in known
        and (normalize(e.text), normalize(e.headline))
        != (normalize(known[e.key]["text"]), normalize(known[e.key]["headline"]))
    ]
    restored = row["status"] == "removed"
    if not added and not edited and not restored:  # reordered, pinned, teasers: a check
        _update(db, "articles", row["id"], {"kind": "liveblog"})
        _seen(db, row["id"], article.entries)
        return _checked(db, page)
    current = row["current_version"]
    number = row["versions"] + 1
    version_id = _insert_version(db, row, number, page, article, page.raw_hash)
    categories: list[str] = []
    change_id = None
    if restored:
        change_id = _insert_change(
            db, row, current, version_id, ["restored"], None, diff_text="Live blog is back online."
        )
        categories.append("restored")
    found = [("entry", None, e) for e in added] + [
        ("entry_edited", known[e.key], e) for e in edited
    ]
    for category, old, entry in found:
        before = Entry(entry.key, old["published"], old["headline"], old["text"]) if old else None
        change_id = _insert_change(
            db,
            row,
            current,
            version_id,
            [category],
            _entry_diff(article.headline, before, entry),
            headline=entry.headline or row["headline"],
        )
        if old is None:
            _remember_entries(db, row["id"], [entry], change_id)
        else:
            edits = {"text": entry.text, "headline": entry.headline, "edits": old["edits"] + 1}
            _update(db, "entries", old["id"], edits)
        categories.append(category)
    _seen(db, row["id"], article.entries)
    _after_version(db, row, page, article, page.raw_hash, version_id, number)
    kind = "restored" if restored else "changed"
    lines = [e.line() for e in added + edited]
    return Outcome(
        kind, row["id"], change_id, categories, None, article.headline, row["url"], lines
    )


def _entry_diff(headline: str, old: Entry | None, new: Entry) -> Diff:
    """A diff that holds one entry: added in full, or edited word by word."""
    before = Article(url="", headline=headline, body=[old.line()] if old else [])
    return diff_articles(before, Article(url="", headline=headline, body=[new.line()]))


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
                "first_seen": now(),
                "last_seen": now(),
                "change_id": change_id,
            }
            for e in entries
        ),
        ignore=True,  # the unique (article_id, key): a replayed page adds nothing
    )


def _seen(db: Database, article_id: int, entries: list[Entry]) -> None:
    db.conn.executemany(
        "update entries set last_seen = ? where article_id = ? and key = ?",
        [(now(), article_id, e.key) for e in entries],
    )


def _after_version(
    db: Database,
    row: dict,
    page: Page,
    article: Article,
    raw_hash: str,
    version_id: int,
    number: int,
) -> None:
    _update(
        db,
        "articles",
        row["id"],
        {
            "current_version": version_id,
            "versions": number,
            "headline": article.headline,
            "published": article.published,
            "modified": article.modified,
            "last_changed": now(),
            "last_checked": now(),
            "etag": page.etag,
            "last_modified": page.last_modified,
            "raw_hash": raw_hash,
            "signature": page.signature,
            "status": "live",
            "checks": (row["checks"] or 0) + 1,
        },
    )


def _alias(db: Database, article_id: int, page: Page) -> None:
    db.conn.executemany(
        "insert or replace into article_urls (url, article_id) values (?, ?)",
        [(normalize_url(url), article_id) for url in {page.url, page.request_url} - {None}],
    )


def _insert_version(
    db: Database, row: dict, number: int, page: Page, article: Article, raw_hash: str
) -> int:
    return _insert(
        db,
        "versions",
        {
            "article_id": row["id"],
            "number": number,
            "fetched_at": now(),
            "fingerprint": article.fingerprint(),
            "headline": article.headline,
            "kicker": article.kicker,
            "lead": article.lead,
            "body": "\n\n".join(article.body),
            "byline": article.byline,
            "published": article.published,
            "modified": article.modified,
            "language": article.language,
            "canonical_url": article.canonical_url,
            "noise": json.dumps(article.noise, ensure_ascii=False),
            "http_status": page.status,
            "raw_hash": raw_hash,
            "raw_size": len(page.body),
            # Compressed in the extraction worker when there is one (see workers.prepare).
            "raw_html": page.packed or zlib.compress(page.body, 6),
        },
    )


def _insert_change(
    db: Database,
    row: dict,
    from_version: int | None,
    to_version: int | None,
    categories: list[str],
    diff: Diff | None,
    diff_text: str = "",
    headline: str | None = None,
) -> int:
    return _insert(
        db,
        "changes",
        {
            "article_id": row["id"],
            "source": row["source"],
            "from_version": from_version,
            "to_version": to_version,
            "detected_at": now(),
            "kind": categories[0],
            "categories": json.dumps(categories),
            "headline": headline or row["headline"],
            "diff": diff.readable() if diff else diff_text,
            "ops": diff.to_json() if diff else None,
            "words_added": diff.words_added if diff else 0,
            "words_removed": diff.words_removed if diff else 0,
        },
    )


def schedule_next(db: Database, article_id: int, settings: Any, at: datetime | None = None) -> None:
    """Set the article's next check from the revisit policy ("never" once it stopped changing)."""
    from monitor.revisit import birth, next_check

    at = at or datetime.now(UTC)
    query = "select first_seen, published, last_changed from articles where id = ?"
    row = _first(db.execute(query, [article_id]))
    first_seen = datetime.fromisoformat(row["first_seen"])
    published = parse_time(row["published"])
    changed = parse_time(row["last_changed"])
    when = next_check(at, birth(first_seen, published), changed, settings)
    _update(db, "articles", article_id, {"next_check_at": iso(when) if when else "never"})


def current_words(db: Database, page: Page) -> int:
    """Words in the lead and body of the stored version of this page's article (0 if none)."""
    row = _known(db, page)
    if row is None or not row["current_version"]:
        return 0
    version = version_row(db, row["current_version"]) or {}
    return len(f"{version['lead'] or ''} {version['body'] or ''}".split())


# Every column of versions but raw_html: the blob is the bulk of the row and rarely needed.
_VERSION_TEXT = (
    "id, article_id, number, fetched_at, fingerprint, headline, kicker, lead, body, byline, "
    "published, modified, language, canonical_url, noise, http_status, raw_hash, raw_size"
)


def version_row(db: Database, version_id: int | None) -> dict | None:
    """A version's row without its raw HTML; None when there is no such version."""
    if not version_id:
        return None
    return _first(db.execute(f"select {_VERSION_TEXT} from versions where id = ?", [version_id]))


def version_article(row: dict) -> Article:
    """Rebuild the Article a version row was stored from."""
    return Article(
        url=row.get("canonical_url") or "",
        headline=row["headline"] or "",
        kicker=row["kicker"] or "",
        lead=row["lead"] or "",
        body=[p for p in (row["body"] or "").split("\n\n") if p],
        byline=row["byline"] or "",
        published=row["published"],
        modified=row["modified"],
        canonical_url=row["canonical_url"],
        language=row["language"],
        noise=json.loads(row["noise"] or "[]"),
    )


def raw_html(row: dict) -> bytes:
    return zlib.decompress(row["raw_html"]) if row.get("raw_html") else b""


def insert_new(db: Database, table: str, row: dict) -> int:
    """Insert unless a unique key already holds the row; 1 when inserted, 0 when it was there."""
    db[table].insert(row, ignore=True)
    return db.execute("select changes()").fetchone()[0]


def record_error(db: Database, run_id: str, source: str, url: str, reason: str) -> None:
    with db.atomic():
        db["crawl_errors"].insert(
            {"run_id": run_id, "source": source, "url": url, "at": now(), "reason": reason}
        )


def record_run(db: Database, run: dict) -> None:
    with db.atomic():
        db["crawl_runs"].insert(run)
        db["sources"].upsert({"name": run["source"], "last_run": run["finished_at"]}, pk="name")


def ensure_source(db: Database, name: str, spider: str, settings: dict) -> None:
    with db.atomic():
        existing = db["sources"].count_where("name = ?", [name])
        db["sources"].upsert(
            {
                "name": name,
                "spider": spider,
                "settings": json.dumps(settings, ensure_ascii=False),
                **({} if existing else {"first_seen": now()}),
            },
            pk="name",
        )
