"""The generic news spider: one source entry of config/monitor.toml drives it.

It discovers article URLs from RSS/Atom/RDF feeds, news sitemaps and section
pages, re-checks the articles the store knows, and yields one `Page` per
article response. Every request is conditional when the store has validators,
and every failure is logged with its URL and counted. What it learns besides
article pages (a listing's validators, a failed request) goes to the store as
one fact at a time through store.record_discovery (monitor.items Listing,
FetchError).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from monitor import clock, store
from monitor.config import Source
from monitor.crawl.settings import crawler_settings
from monitor.items import FetchError, Listing, Page
from monitor.store import articles
from monitor.urls import normalize_url
from spiders.failures import describe_failure, header, robots_forbidden
from spiders.listings import feed_links, within_bounds, xml_problem
from spiders.sources import config_at, source_named

fetch_log = logging.getLogger("newsmon.fetch")

# Statuses an article request hands to the spider instead of treating as errors.
ARTICLE_STATUSES = [304, 404, 410]


class NewsSpider(scrapy.Spider):
    """Any outlet with feeds, sitemaps or section pages; configured by its source entry."""

    name = "news"
    # Declarations a site subclass may override.
    link_pattern = ""
    extra_domains: tuple[str, ...] = ()

    def __init__(
        self, source: Source | str | None = None, run_id: str = "", mode: str = "all", **kwargs: Any
    ):
        super().__init__(**kwargs)
        self._source_arg = source
        self.run_id = run_id
        if mode not in ("all", "discover", "revisit"):
            raise ValueError(f"mode must be all, discover or revisit, not {mode!r}")
        self.mode = mode
        self.source: Source
        # Article URLs requested in this crawl: a listing that names one again (the revisits
        # went first) needs no second request, nor the store lookup for its validators.
        self.requested: set[str] = set()

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Under plain `scrapy crawl`, apply the config's [crawl] table as `newsmon crawl` does."""
        super().update_settings(settings)
        if settings.getbool("NEWSMON_CONFIG_APPLIED"):
            return
        config = config_at(settings.get("NEWSMON_CONFIG"))
        for key, value in crawler_settings(config).items():
            if settings.getpriority(key) is None or settings.getpriority(key) <= 20:
                settings.set(key, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler.settings)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        return spider

    def _configure(self, settings: Any) -> None:
        source = self._source_arg
        config = None
        if not isinstance(source, Source):
            config = config_at(settings.get("NEWSMON_CONFIG"))
            source = source_named(config, source, self.name)
        self.source = source
        if not self.link_pattern or source.link_pattern:
            self.link_pattern = source.link_pattern
        self.allowed_domains = sorted({*source.allowed_domains, *self.extra_domains})
        db_path = (
            settings.get("NEWSMON_DB")
            or (config or config_at(settings.get("NEWSMON_CONFIG"))).database
        )
        self.db = store.open_db(db_path)
        self.run_id = self.run_id or clock.now()
        store.ensure_source(
            self.db,
            source.name,
            source.spider,
            {
                "feeds": source.feeds,
                "sitemaps": source.sitemaps,
                "sections": source.sections,
                "live_blogs": source.live_blogs,
            },
        )

    # --- discovery ------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        revisits = []
        if self.mode != "discover":
            limit = self.crawler.settings.getint("NEWSMON_REVISIT_LIMIT", 0) or None
            everything = self.crawler.settings.getbool("NEWSMON_REVISIT_ALL")
            revisits = store.articles_to_revisit(
                self.db, self.source.name, limit=limit, everything=everything
            )
            # Listings go first, and their answer may come before every revisit is requested:
            # a listed article that is about to be revisited needs no request of its own.
            self.requested.update(row["url"] for row in revisits)
        if self.mode != "revisit":
            for url in self.source.feeds:
                yield self._listing(url, self.parse_feed)
            for url in self.source.sitemaps:
                yield self._listing(url, self.parse_sitemap)
            for url in self.source.sections:
                yield self._listing(url, self.parse_section)
            for url in self.source.live_blogs:
                yield self.article_request(url, live=True)
        for row in revisits:
            live = row["kind"] == "liveblog"
            headers = store.conditional_headers(row)
            yield self.article_request(row["url"], row["id"], live, headers)

    def _listing(self, url: str, callback: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=store.validators(self.db, url),
            meta={"newsmon": "listing", "handle_httpstatus_list": [304]},
        )

    def article_request(
        self,
        url: str,
        article_id: int | None = None,
        live: bool = False,
        headers: dict[str, str] | None = None,
    ) -> scrapy.Request:
        """A request for an article page, conditional when the store has its validators
        (`headers`, when the caller already holds the article's row)."""
        self.requested.add(url)
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            headers=store.validators(self.db, url) if headers is None else headers,
            meta={
                "newsmon": "article",
                "article_id": article_id,
                "live": live,
                "handle_httpstatus_list": ARTICLE_STATUSES,
            },
        )

    def is_article(self, url: str) -> bool:
        if urlsplit(url).scheme not in ("http", "https"):
            return False
        return not self.link_pattern or re.search(self.link_pattern, url) is not None

    def _articles(self, urls: Iterator[str], base: str) -> Iterator[scrapy.Request]:
        for url in urls:
            url = urljoin(base, url.strip())
            if url not in self.requested and self.is_article(url):
                yield self.article_request(url)

    def _listing_unchanged(self, response: Response) -> bool:
        if response.status == 304:
            self.crawler.stats.inc_value("newsmon/listing_not_modified")
            return True
        etag, last_modified = header(response, b"ETag"), header(response, b"Last-Modified")
        listing = Listing(response.url, self.source.name, etag, last_modified)
        store.record_discovery(self.db, listing)
        return False

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if self._listing_unchanged(response):
            return
        links = feed_links(response.body)
        if links is None:
            # One broken entry must not hide the others: read what the parser can recover.
            links = feed_links(response.body, recover=True) or []
            self._count_error(
                response.url,
                f"feed is not valid XML ({xml_problem(response.body)}); "
                f"{len(links)} link(s) read from the rest",
            )
        yield from self._articles(iter(links), response.url)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if self._listing_unchanged(response):
            return
        try:
            sitemap = Sitemap(response.body)
        except (etree.XMLSyntaxError, ValueError):
            self._count_error(response.url, "sitemap is not valid XML")
            return
        if sitemap.type != "sitemapindex":
            yield from self._articles((e["loc"] for e in sitemap if e.get("loc")), response.url)
            return
        # An index may name indexes without end: bounded in depth and in fetches per crawl.
        depth = response.meta.get("sitemap_depth", 0) + 1
        named = [e["loc"] for e in sitemap if e.get("loc") and e["loc"] != response.url]
        for url in within_bounds(named, depth, self.crawler, self.source.name, response.url):
            request = self._listing(url, self.parse_sitemap)
            request.meta["sitemap_depth"] = depth
            yield request

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        if self._listing_unchanged(response):
            return
        hrefs = response.css("a::attr(href)").getall() if hasattr(response, "css") else []
        yield from self._articles(iter(hrefs), response.url)

    # --- articles -------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Page]:
        content_type = (header(response, b"Content-Type") or "").lower()
        if response.status == 200 and content_type and "html" not in content_type:
            self._count_drop("not_html", response.url)
            return
        chain = response.meta.get("redirect_urls") or []
        if chain:  # stored before the page: every URL of the chain is an alias of its article
            self.record_redirect([*chain, response.url])
        requested = chain[0] if chain else response.url
        if response.status in (404, 410) and self._alias_failed(requested, response.status):
            return
        yield self.page_class(
            url=response.url,
            source=self.source.name,
            status=response.status,
            body=response.body,
            # The header's charset only: the extractor reads the page's own (decode_html), and
            # Scrapy's response.encoding decodes and keeps the whole body when none is declared.
            encoding=http_content_type_encoding(content_type),
            etag=header(response, b"ETag"),
            last_modified=header(response, b"Last-Modified"),
            request_url=requested,
            article_id=response.meta.get("article_id"),
            live=bool(response.meta.get("live")),
            **self.page_extras(response),
        )

    # What the store knows and is told; the cluster's spider asks and tells the writer instead.
    page_class = Page

    def page_extras(self, response: Response) -> dict[str, Any]:
        return {}

    def record_redirect(self, urls: list[str]) -> None:
        articles.record_redirect(self.db, urls)

    def answered_url(self, url: str) -> str | None:
        """The URL the article known at `url` last answered at."""
        row = store.lookup(self.db, url)
        return row["answered_url"] if row else None

    def record_error(self, error: FetchError) -> None:
        store.record_discovery(self.db, error)

    def _alias_failed(self, url: str, status: int) -> bool:
        """A URL of a known article that is not the one it last answered at failed: the article
        still answers there (a dead canonical, an old slug), so this is no takedown."""
        answered = self.answered_url(url)
        if not answered or answered == normalize_url(url):
            return False
        self._count_drop("alias_failed", url)
        fetch_log.info(
            "%s: %s: HTTP %s; the article answers at %s", self.source.name, url, status, answered
        )
        return True

    # --- failures -------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        from monitor.crawl.middlewares import HostBackingOff

        request = failure.request
        if isinstance(failure.value, HostBackingOff):
            # Counted as dropped (retry_after) by the middleware; the refused request is the error.
            fetch_log.info(
                "%s: %s: not requested: %s", self.source.name, request.url, failure.value
            )
            return
        if robots_forbidden(failure.value) and request.meta.get("newsmon") != "listing":
            # The site asked not to be crawled there: obeyed and counted (dropped robots_txt),
            # not a failure. A forbidden feed or section is one: the source cannot work.
            fetch_log.info(
                "%s: %s: not requested: robots.txt forbids it", self.source.name, request.url
            )
            return
        max_bytes = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self._count_error(request.url, describe_failure(failure, max_bytes))

    def on_dropped(self, request: scrapy.Request, **_: Any) -> None:
        """A redirect to a URL already requested in this crawl: a loop is an error, never silent."""
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self._count_error(chain[0], "redirect loop: " + " -> ".join([*chain, request.url]))
        elif chain:
            # The page comes with the request already made for it; the chain still names the
            # article's old URLs (a moved article's revisit meeting its new slug in a feed).
            self.record_redirect([*chain, request.url])
            self._count_drop("redirect_to_known_url", chain[0])

    def on_offsite(self, request: scrapy.Request) -> None:
        chain = request.meta.get("redirect_urls")
        if chain:
            self._count_error(chain[0], f"redirected off-site to {request.url}; not followed")
        else:
            allowed = ", ".join(self.allowed_domains)
            self._count_error(
                request.url,
                f"host not in allowed_domains ({allowed}); add it to the source's allowed_domains",
            )

    def _count_error(self, url: str, reason: str) -> None:
        # One line per failed URL at INFO (and in crawl_errors); the per-source summary warns.
        fetch_log.info("%s: %s: %s", self.source.name, url, reason)
        self.crawler.stats.inc_value("newsmon/errors")
        self.record_error(FetchError(self.run_id, self.source.name, url, reason))

    def _count_drop(self, reason: str, url: str) -> None:
        self.logger.info("dropped %s: %s", url, reason)
        self.crawler.stats.inc_value(f"newsmon/dropped/{reason}")

    def closed(self, reason: str) -> None:
        self.db.close()
