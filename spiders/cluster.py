"""The spider of a cluster crawler (`newsmon run --role crawler`): the news spider without a store.

Its requests come only from the shared frontier (the scheduler role pushes them; listings add
article requests through scrapy-redis's scheduler, whose duplicate filter fetches a URL that
many crawlers discover once). Each request names its source (`meta["source"]`) and brings what
the store knows of its article (`meta["known"]`, validators as headers), and everything the
NewsSpider would write to the store leaves as a fact on the result stream through `facts`
(monitor.cluster.pipelines.Facts): a listing's validators, a failed request, a redirect chain.
A request's lease is released with its last fact: an article's with its page (StreamPipeline),
a listing's once its article requests are on the frontier, a failure's with its error.

Imports no Redis client: Scrapy's spider loader imports every module of spiders/, also in the
single-machine mode.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from monitor import clock
from monitor.config import Config, Source
from monitor.errors import ConfigError
from monitor.items import FetchError, Listing, Page
from spiders.failures import header
from spiders.news import ARTICLE_STATUSES, NewsSpider, fetch_log
from spiders.sources import config_at

LEASE = "lease"  # request meta: the frontier lease (monitor.cluster.frontier.LEASE)


@dataclass
class ClusterPage(Page):
    """A Page with what the pipelines of a crawler need besides it: the store's `known` facts
    of its article (instead of a lookup) and the lease its result releases."""

    known: dict | None = None
    lease: str | None = None


class ClusterSpider(NewsSpider):
    """Every source of the config, one request at a time, as the frontier hands them out."""

    # Named per instance: a class without a name is no spider kind to Scrapy's loader, so
    # `scrapy list` and `scrapy crawl` stay as they are (only the crawler role runs this one).
    name = ""

    def __init__(self, config: Config | None = None, facts: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("name", "cluster")
        super().__init__(source=None, **kwargs)
        self.config = config
        self.facts = facts  # monitor.cluster.pipelines.Facts: the stream and the leases
        self.kinds: dict[str, type[NewsSpider]] = {}  # source name -> its spider kind
        # The request being handled (only within _serving): its meta, its lease, whether a
        # fact already released that lease, whether its error facts release it.
        self._meta: dict = {}
        self._lease: str | None = None
        self._answered = False
        self._errors_release = False

    def _configure(self, settings: Any) -> None:
        from scrapy.spiderloader import SpiderLoader

        self.config = self.config or config_at(settings.get("NEWSMON_CONFIG"))
        loader = SpiderLoader.from_settings(settings)
        sources = [s for s in self.config.sources if s.enabled] or self.config.sources
        self.kinds = {s.name: loader.load(s.spider) for s in sources}
        domains = {d for s in sources for d in s.allowed_domains}
        domains |= {d for kind in self.kinds.values() for d in kind.extra_domains}
        self.allowed_domains = sorted(domains)
        self.run_id = self.run_id or clock.now()
        if sources:
            self._use(sources[0])
        self.crawler.signals.connect(self.on_idle, signal=signals.spider_idle)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return  # the frontier is the only source of requests
        yield

    def on_idle(self) -> None:
        raise DontCloseSpider("waiting for the frontier")

    def closed(self, reason: str) -> None:
        pass  # no store to close

    # --- the source of a request ---------------------------------------------
    def source_of(self, name: str | None) -> Source | None:
        try:
            return self.config.source(name or "") if self.config else None
        except ConfigError:
            return None

    def _use(self, source: Source) -> None:
        self.source = source
        kind = self.kinds.get(source.name, NewsSpider)
        self.link_pattern = source.link_pattern or kind.link_pattern

    @contextlib.contextmanager
    def _serving(self, meta: dict, errors_release: bool) -> Iterator[Source | None]:
        """The NewsSpider's code runs as the spider of the request's source. Only around
        synchronous code: another response's callback may run at the next await or yield."""
        source = self.source_of(meta.get("source"))
        self._meta, self._lease, self._answered = meta, meta.get(LEASE), False
        self._errors_release = errors_release
        if source is None:
            fetch_log.warning(
                "no source named %r in %s: its request was dropped",
                meta.get("source"),
                self.config.path if self.config else "the config",
            )
        else:
            self._use(source)
        try:
            yield source
        finally:
            if source is None:
                self._release()
            self._meta, self._lease = {}, None

    def _release(self) -> None:
        if self._lease and not self._answered:
            self.facts.ack(self._lease)
        self._answered = True

    # --- requests ------------------------------------------------------------
    def _listing(self, url: str, callback: Any) -> scrapy.Request:
        """A sitemap an index names: fetched whenever its index is (no duplicate filter)."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
            meta={
                "newsmon": "listing",
                "handle_httpstatus_list": [304],
                "source": self.source.name,
            },
        )

    def article_request(
        self,
        url: str,
        article_id: int | None = None,
        live: bool = False,
        headers: dict[str, str] | None = None,
    ) -> scrapy.Request:
        """An article a listing names: through the duplicate filter, so it is fetched once
        however many crawlers and listings find it; later checks are the scheduler's."""
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            headers=headers or {},
            meta={
                "newsmon": "article",
                "article_id": article_id,
                "live": live,
                "handle_httpstatus_list": ARTICLE_STATUSES,
                "source": self.source.name,
                "known": None,
            },
        )

    # --- listings ------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        return self._listed(response, super().parse_feed)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        return self._listed(response, super().parse_sitemap)

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        return self._listed(response, super().parse_section)

    def _listed(
        self, response: Response, parse: Callable[[Response], Iterator[scrapy.Request]]
    ) -> Iterator[scrapy.Request]:
        """The listing's article requests; its lease is released once the last of them is
        on the frontier, so a crawler that dies before loses none of them."""
        with self._serving(response.meta, errors_release=False) as source:
            found = list(parse(response)) if source is not None else []
        yield from found
        if source is not None:  # else already released
            self.facts.ack(response.meta.get(LEASE))

    def _listing_unchanged(self, response: Response) -> bool:
        if response.status == 304:
            self.crawler.stats.inc_value("newsmon/listing_not_modified")
            return True
        etag, last_modified = header(response, b"ETag"), header(response, b"Last-Modified")
        self.facts.publish("listing", Listing(response.url, self.source.name, etag, last_modified))
        return False

    # --- articles ------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Page]:
        with self._serving(response.meta, errors_release=True) as source:
            pages = list(super().parse_article(response)) if source is not None else []
            if not pages:
                self._release()  # nothing goes down the pipelines to release it
        yield from pages

    page_class = ClusterPage

    def page_extras(self, response: Response) -> dict[str, Any]:
        return {"known": response.meta.get("known"), "lease": response.meta.get(LEASE)}

    def record_redirect(self, urls: list[str]) -> None:
        self.facts.publish("redirect", urls)  # before the page: the writer learns aliases first

    def answered_url(self, url: str) -> str | None:
        # The scheduler's `known` may name it; without it every failed URL is the article's.
        return (self._meta.get("known") or {}).get("answered_url")

    # --- failures ------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        from monitor.cluster.polite import NotSent

        request = failure.request
        if isinstance(failure.value, NotSent):
            # Its host is paused, or this crawler is stopping: the lease runs out and the
            # request goes back to the frontier for whichever crawler may send it then.
            fetch_log.info("%s: not sent here: %s", request.url, failure.value)
            return
        with self._serving(request.meta, errors_release=True) as source:
            if source is not None:
                super().on_error(failure)
                self._release()  # refused requests (robots.txt, a host backing off) too

    def on_dropped(self, request: scrapy.Request, **_: Any) -> None:
        """As the NewsSpider's; a listed article the duplicate filter knows has no lease yet
        and nothing to say, a redirect to a known URL releases its request's lease."""
        if LEASE not in request.meta:
            return
        chain = request.meta.get("redirect_urls") or []
        with self._serving(request.meta, errors_release=True) as source:
            if source is not None and request.url in chain:
                self._count_error(chain[0], "redirect loop: " + " -> ".join([*chain, request.url]))
            elif source is not None and chain:
                self.facts.publish("redirect", [*chain, request.url], self._lease)
                self._answered = True
                self._count_drop("redirect_to_known_url", chain[0])
            self._release()

    def on_offsite(self, request: scrapy.Request) -> None:
        with self._serving(request.meta, errors_release=True) as source:
            if source is not None:
                super().on_offsite(request)
                self._release()

    def record_error(self, error: FetchError) -> None:
        """Stored by the writer. A failed request's error releases its lease; a listing's
        complaint (a broken feed) does not: its lease waits for its article requests."""
        lease = self._lease if self._errors_release and not self._answered else None
        self.facts.publish("error", error, lease)
        self._answered = self._answered or lease is not None
