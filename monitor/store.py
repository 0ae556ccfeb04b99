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

from monitor.diff import Diff, diff_articles
from monitor.errors import StoreError
from monitor.items import Article, Page
from monitor.migrations import migrations
from monitor.urls import normalize_url


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso(moment: datetime) -> str:
    """A timestamp as stored: UTC, ISO 8601, whole seconds."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class _Database(Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin.

    Several connections write at once (the crawls of several sources, the dispatcher thread,
    a `newsmon crawl` beside the daemon). A plain BEGIN reads first and upgrades later; when
    another connection has written meanwhile, the upgrade fails at once with "database is
    locked", busy timeout or not. BEGIN IMMEDIATE waits for the lock instead.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.conn.execute("COMMIT")


def open_db(path: str | Path) -> Database:
    """Open (creating and migrating as needed) the store at `path`, in WAL mode."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = _Database(path)
        # Datasette and the CLI read while the daemon writes; wait instead of failing on a lock.
        db.execute("PRAGMA busy_timeout = 10000")
        db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        if migrations.pending(db):
            # One write transaction around the whole check: two processes opening a new file
            # at the same moment must not both create the schema.
            with db.atomic():
                migrations.apply(db)
    except (OSError, sqlite3.Error) as exc:
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


def article_key(page: Page) -> str:
    """The article's identity: its canonical URL when the page names one on its own site."""
    canonical = page.article.canonical_url if page.article else None
    return normalize_url(canonical or page.url)


def lookup(db: Database, url: str) -> dict | None:
    """The article a URL (canonical or any alias) belongs to."""
    key = normalize_url(url)
    rows = list(
        db.query(
            "select a.* from articles a where a.url = :key "
            "union select a.* from articles a join article_urls u on u.article_id = a.id "
            "where u.url = :key limit 1",
            {"key": key},
        )
    )
    return rows[0] if rows else None


def validators(db: Database, url: str) -> dict[str, str]:
    """Conditional-request headers for a URL we fetched before (articles and feeds)."""
    row = lookup(db, url)
    if row is None and db["feeds"].exists():
        rows = list(db["feeds"].rows_where("url = ?", [normalize_url(url)], limit=1))
        row = rows[0] if rows else None
    headers = {}
    if row and row.get("etag"):
        headers["If-None-Match"] = row["etag"]
    if row and row.get("last_modified"):
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
            "select id, url, etag, last_modified, status from articles where source = ? "
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
        if page.article is None:  # same bytes as the stored fetch: nothing to extract
            return _checked(db, page)
        return _fetched(db, page)


def _known(db: Database, page: Page) -> dict | None:
    if page.article_id is not None:
        rows = list(db["articles"].rows_where("id = ?", [page.article_id], limit=1))
        if rows:
            return rows[0]
    for url in (article_key(page), page.url, page.request_url):
        if url and (row := lookup(db, url)):
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
    db["articles"].update(
        row["id"],
        {
            "last_checked": now(),
            "checks": row["checks"] + 1,
            "etag": page.etag,
            "last_modified": page.last_modified,
        },
    )
    return Outcome("unchanged", row["id"], headline=row["headline"] or "", url=row["url"])


def _gone(db: Database, page: Page) -> Outcome:
    row = _known(db, page)
    if row is None:
        return Outcome("gone", url=page.url)
    db["articles"].update(row["id"], {"last_checked": now(), "checks": row["checks"] + 1})
    if row["status"] == "removed":
        return Outcome("not_modified", row["id"], headline=row["headline"] or "", url=row["url"])
    db["articles"].update(
        row["id"], {"status": "removed", "last_changed": now(), "etag": None, "last_modified": None}
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
        article_id = (
            db["articles"]
            .insert(
                {
                    "source": page.source,
                    "url": key,
                    "status": "live",
                    "first_seen": now(),
                    "last_changed": now(),
                }
            )
            .last_pk
        )
        row = db["articles"].get(article_id)
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
    current = db["versions"].get(row["current_version"]) if row["current_version"] else None
    restored = row["status"] == "removed"
    fields: dict[str, Any] = {
        "last_checked": now(),
        "checks": row["checks"] + 1,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "raw_hash": raw_hash,
        "status": "live",
    }
    if current is not None and current["fingerprint"] == article.fingerprint():
        db["articles"].update(row["id"], fields)
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

    diff = diff_articles(version_article(current), article) if current else None
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


def _after_version(
    db: Database,
    row: dict,
    page: Page,
    article: Article,
    raw_hash: str,
    version_id: int,
    number: int,
) -> None:
    db["articles"].update(
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
            "status": "live",
            "checks": (row["checks"] or 0) + 1,
        },
    )


def _alias(db: Database, article_id: int, page: Page) -> None:
    for url in {page.url, page.request_url} - {None}:
        db["article_urls"].insert(
            {"url": normalize_url(url), "article_id": article_id}, pk="url", replace=True
        )


def _insert_version(
    db: Database, row: dict, number: int, page: Page, article: Article, raw_hash: str
) -> int:
    return (
        db["versions"]
        .insert(
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
                "raw_html": zlib.compress(page.body, 6),
            }
        )
        .last_pk
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
    return (
        db["changes"]
        .insert(
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
            }
        )
        .last_pk
    )


def schedule_next(db: Database, article_id: int, settings: Any, at: datetime | None = None) -> None:
    """Set the article's next check from the revisit policy ("never" once it stopped changing)."""
    from monitor.revisit import birth, next_check

    at = at or datetime.now(UTC)
    row = db["articles"].get(article_id)
    first_seen = datetime.fromisoformat(row["first_seen"])
    published = parse_time(row["published"])
    changed = parse_time(row["last_changed"])
    when = next_check(at, birth(first_seen, published), changed, settings)
    db["articles"].update(article_id, {"next_check_at": iso(when) if when else "never"})


def parse_time(value: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime; None when absent or unreadable."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def current_words(db: Database, page: Page) -> int:
    """Words in the lead and body of the stored version of this page's article (0 if none)."""
    row = _known(db, page)
    if row is None or not row["current_version"]:
        return 0
    version = db["versions"].get(row["current_version"])
    return len(f"{version['lead'] or ''} {version['body'] or ''}".split())


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
