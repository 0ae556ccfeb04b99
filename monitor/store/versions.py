"""Versions: an article's text as stored each time it changed, with its raw page compressed.

Written by monitor.store.pages; read back as rows (without the raw page, the bulk of a row) or
as the Article they were stored from.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from monitor import clock
from monitor.items import Article, Fetched, Version
from monitor.store.db import first, insert
from monitor.store.paragraphs import store_body

# Every column of versions but raw_html: the blob is the bulk of the row and rarely needed.
_VERSION_TEXT = (
    "id, article_id, number, fetched_at, fingerprint, headline, kicker, lead, body, byline, "
    "published, modified, language, canonical_url, noise, http_status, raw_hash, raw_size"
)


@dataclass(frozen=True)
class VersionPlace:
    article_id: int
    number: int
    change_id: int | None


def version_row(db: Database, version_id: int | None) -> dict | None:
    """A version's row without its raw HTML; None when there is no such version."""
    if not version_id:
        return None
    return first(db.execute(f"select {_VERSION_TEXT} from versions where id = ?", [version_id]))


def version_place(conn: sqlite3.Connection | Database, version_id: int) -> VersionPlace | None:
    """Where a version shows on its article's timeline: its article, its number and the
    change that brought it (None for a version no change row leads to)."""
    # The change is looked for among the article's own (idx_changes_article_id): a live
    # blog's few thousand at most, never the whole table.
    row = conn.execute(
        "select v.article_id, v.number, (select min(c.id) from changes c "
        "where c.article_id = v.article_id and c.to_version = v.id) "
        "from version_rows v where v.id = ?",
        [version_id],
    ).fetchone()
    return None if row is None else VersionPlace(*row)


def search_versions(db: Database, query: str, limit: int = 100) -> list[dict]:
    """Versions whose headline or a body paragraph has the words of `query` (FTS5 syntax),
    newest first, without their raw HTML. A paragraph is indexed once, however many versions
    hold it; `version_paragraphs` leads from it to them."""
    sql = (
        f"select {_VERSION_TEXT} from versions where id in ("
        "select rowid from version_rows_fts where version_rows_fts match :q "
        "union select vp.version_id from paragraphs_fts f "
        "join version_paragraphs vp on vp.paragraph_id = f.rowid where paragraphs_fts match :q"
        ") order by id desc limit :limit"
    )
    return [dict(r) for r in db.query(sql, {"q": query, "limit": limit})]


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


def current_version(db: Database, version_id: int | None) -> Version | None:
    """A stored version as a fetched article is compared with it; None when there is none."""
    row = version_row(db, version_id)
    return Version(row["id"], row["fingerprint"], version_article(row)) if row else None


def raw_html(row: dict) -> bytes:
    return zlib.decompress(row["raw_html"]) if row.get("raw_html") else b""


def insert_version(db: Database, article_id: int, number: int, fetched: Fetched) -> int:
    """Store the fetched article as version `number` of the article; returns its id."""
    article, page = fetched.article, fetched.page
    assert article is not None, "only an extracted page makes a version"
    version_id = insert(
        db,
        "version_rows",  # the view `versions` adds the body from paragraphs (store.paragraphs)
        {
            "article_id": article_id,
            "number": number,
            "fetched_at": clock.now(),
            "fingerprint": article.fingerprint(),
            "headline": article.headline,
            "kicker": article.kicker,
            "lead": article.lead,
            "byline": article.byline,
            "published": article.published,
            "modified": article.modified,
            "language": article.language,
            "canonical_url": article.canonical_url,
            "noise": json.dumps(article.noise, ensure_ascii=False),
            "http_status": page.status,
            "raw_hash": page.raw_hash,
            "raw_size": page.raw_size,
            # Compressed in the extraction worker when there is one (see workers.prepare).
            "raw_html": fetched.packed or zlib.compress(page.body, 6),
        },
    )
    store_body(db, version_id, article.body)
    return version_id


def recent_versions(db: Database, article_id: int, limit: int = 10, days: int = 7) -> list[dict]:
    """The article's last `limit` versions of the last `days` days, newest first: what a page
    that returns to an earlier text is compared with (id, number, fingerprint, headline)."""
    since = clock.iso(datetime.now(UTC) - timedelta(days=days))
    query = (
        "select id, number, fingerprint, headline, fetched_at from versions "
        "where article_id = ? order by number desc limit ?"
    )
    rows = list(db.query(query, [article_id, limit]))
    return [r for r in rows if (r["fetched_at"] or "") >= since]


def returns_between(db: Database, article_id: int, pair: tuple[int, int]) -> int:
    """How many returns (changes of kind alternating or returned) went between the two
    versions, either way."""
    query = (
        "select count(*) from changes where article_id = ? and kind in ('alternating', "
        "'returned') and from_version in (?, ?) and to_version in (?, ?)"
    )
    return db.execute(query, [article_id, *pair, *pair]).fetchone()[0]


def show_version(db: Database, article_id: int, version_id: int, change_id: int | None) -> None:
    """The page shows an earlier version again: make it the article's current one (no new
    version row), and point the change that recorded the return at it."""
    headline = db.execute("select headline from versions where id = ?", [version_id]).fetchone()
    db.execute(
        "update articles set current_version = ?, headline = ? where id = ?",
        [version_id, headline[0] if headline else None, article_id],
    )
    if change_id is not None:
        db.execute("update changes set to_version = ? where id = ?", [version_id, change_id])


# A soft 404 seen on consecutive checks is counted in the article's `signature` (which only
# spares an extraction when it equals a page's: the marker never does) until the count says
# the article is gone; any other outcome of a check clears it.
SOFT_404 = "soft404:"


def soft_404_count(row: dict | None) -> int:
    """Soft 404s in a row so far on the stored article `row`."""
    mark = (row or {}).get("signature") or ""
    return int(mark.removeprefix(SOFT_404)) if mark.startswith(SOFT_404) else 0


def note_soft_404(db: Database, article_id: int, count: int) -> None:
    db.execute(
        "update articles set signature = ?, last_checked = ? where id = ?",
        [f"{SOFT_404}{count}", clock.now(), article_id],
    )


def clear_soft_404(db: Database, article_id: int) -> None:
    db.execute(
        "update articles set signature = null where id = ? and signature like ?",
        [article_id, f"{SOFT_404}%"],
    )
