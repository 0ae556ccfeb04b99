"""Versions: an article's text as stored each time it changed, with its raw page compressed.

Written by monitor.store.pages; read back as rows (without the raw page, the bulk of a row) or
as the Article they were stored from.
"""

from __future__ import annotations

import json
import zlib

from sqlite_utils import Database

from monitor import clock
from monitor.items import Article, Fetched, Version
from monitor.store.db import first, insert

# Every column of versions but raw_html: the blob is the bulk of the row and rarely needed.
_VERSION_TEXT = (
    "id, article_id, number, fetched_at, fingerprint, headline, kicker, lead, body, byline, "
    "published, modified, language, canonical_url, noise, http_status, raw_hash, raw_size"
)


def version_row(db: Database, version_id: int | None) -> dict | None:
    """A version's row without its raw HTML; None when there is no such version."""
    if not version_id:
        return None
    return first(db.execute(f"select {_VERSION_TEXT} from versions where id = ?", [version_id]))


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
    return insert(
        db,
        "versions",
        {
            "article_id": article_id,
            "number": number,
            "fetched_at": clock.now(),
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
            "raw_hash": page.raw_hash,
            "raw_size": len(page.body),
            # Compressed in the extraction worker when there is one (see workers.prepare).
            "raw_html": fetched.packed or zlib.compress(page.body, 6),
        },
    )
