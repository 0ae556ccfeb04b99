"""Articles: which stored article a URL belongs to, the validators for a conditional request,
which articles are due for a check, and when to check each next; listings' validators too.

An article keeps its identity when it moves: every URL of a redirect chain and a feed slug
whose page names the article's canonical are aliases of the one article (DESIGN.md, "Article
identity over time").
"""

from __future__ import annotations

from itertools import pairwise

from sqlite_utils import Database

from monitor import clock
from monitor.items import Fetched
from monitor.store.db import first, row_of, update
from monitor.store.versions import version_row
from monitor.urls import normalize_url


def article_key(fetched: Fetched) -> str:
    """The article's identity: its canonical URL when the page names one on its own site."""
    canonical = fetched.article.canonical_url if fetched.article else None
    return normalize_url(canonical or fetched.page.url)


def lookup(db: Database, url: str) -> dict | None:
    """The article a URL (canonical or any alias) belongs to."""
    key = normalize_url(url)
    return first(
        db.execute(
            "select a.* from articles a where a.url = :key "
            "union all select a.* from articles a join article_urls u on u.article_id = a.id "
            "where u.url = :key limit 1",
            {"key": key},
        )
    )


# Redirect hops followed backwards from a page's URL: beyond any real chain, bounded for cycles.
CHAIN_DEPTH = 10


def known_article(db: Database, fetched: Fetched) -> dict | None:
    """The stored article a fetched page belongs to: by the id the pipeline found, else by its
    canonical URL, its URL, the URL requested or a URL seen redirecting to it.

    Not by its text: the same text at two URLs whose canonicals differ may be two articles (a
    site's copies, a test's fixtures); a move to a new canonical is known by its redirect."""
    if fetched.article_id is not None and (row := row_of(db, "articles", fetched.article_id)):
        return row
    page = fetched.page
    urls = [article_key(fetched), page.url, page.request_url]
    for key in dict.fromkeys(normalize_url(url) for url in urls if url):  # mostly one URL
        if row := lookup(db, key):
            return row
    for url in redirected_to(db, page.url):
        if row := lookup(db, url):
            return row
    return None


def redirected_to(db: Database, url: str) -> list[str]:
    """Every URL seen redirecting, in one hop or several, to `url`."""
    query = (
        "with recursive chain(url, depth) as ("
        " select url, 1 from redirects where to_url = :url"
        " union select r.url, c.depth + 1 from redirects r join chain c on r.to_url = c.url"
        " where c.depth < :depth) "
        "select distinct url from chain where url != :url limit 50"
    )
    rows = db.execute(query, {"url": normalize_url(url), "depth": CHAIN_DEPTH}).fetchall()
    return [r[0] for r in rows]


def record_redirect(db: Database, chain: list[str]) -> None:
    """A redirect chain the crawl met: each URL of `chain` answered a redirect to the next."""
    urls = [normalize_url(url) for url in chain]
    hops = [(a, b, clock.now()) for a, b in pairwise(urls) if a != b]
    with db.atomic():
        db.conn.executemany(
            "insert or replace into redirects (url, to_url, at) values (?, ?, ?)", hops
        )


def current_words(db: Database, fetched: Fetched) -> int:
    """Words in the lead and body of the stored version of this page's article (0 if none)."""
    row = known_article(db, fetched)
    if row is None or not row["current_version"]:
        return 0
    version = version_row(db, row["current_version"]) or {}
    return len(f"{version['lead'] or ''} {version['body'] or ''}".split())


def validators(db: Database, url: str) -> dict[str, str]:
    """Conditional-request headers for a URL we fetched before (articles and feeds)."""
    row = lookup(db, url)
    if row is None:
        query = "select etag, last_modified from feeds where url = ?"
        row = first(db.execute(query, [normalize_url(url)])) or {}
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
                "last_checked": clock.now(),
            },
            pk="url",
        )


# The URL that answered last: a canonical that fails would make a false takedown.
_REVISIT_COLUMNS = "id, coalesce(answered_url, url) as url, etag, last_modified, status, kind"


def articles_to_revisit(
    db: Database,
    source: str,
    at: str | None = None,
    limit: int | None = None,
    everything: bool = False,
    whole: bool = False,
) -> list[dict]:
    """Known articles of a source whose next check is due, most overdue first.

    An article without next_check_at has no policy decision yet and is due; one the policy
    stopped (next_check_at = "never") is not. With `whole`, each row holds every column and
    `revisit_url`, the URL to fetch.
    """
    at = "9999" if everything else (at or clock.now())
    columns = "*, coalesce(answered_url, url) as revisit_url" if whole else _REVISIT_COLUMNS
    return list(
        db.query(
            f"select {columns} "
            # Along index articles(source, coalesce(next_check_at, '')): no check yet sorts
            # first ("" before any time), "never" after every one.
            "from articles where source = ? and coalesce(next_check_at, '') <= ? "
            "order by coalesce(next_check_at, ''), id limit ?",
            [source, at, limit or -1],
        )
    )


def revisit_facts(db: Database, article_id: int) -> dict:
    """What the revisit policy needs of an article: first_seen, published and last_changed."""
    query = "select first_seen, published, last_changed from articles where id = ?"
    return first(db.execute(query, [article_id])) or {}


def set_next_check(db: Database, article_id: int, when: str) -> None:
    """When to check the article next: an ISO time, or "never" once the policy stopped."""
    update(db, "articles", article_id, {"next_check_at": when})
