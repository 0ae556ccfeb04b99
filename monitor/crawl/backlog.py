"""How many pages the crawling process holds at once, over all of its crawls.

A crawl (one per source) starts downloads while its own downloader and scraper have room
(CONCURRENT_REQUESTS, SCRAPER_SLOT_MAX_ACTIVE_SIZE). Downloads already under way still land,
and on a fast site they land at once: with three sources on a local site, 40-60 pages (5-18 MB)
waited in the crawling process for the two extraction workers, which take one page each.

So a crawl also backs out, as Scrapy's engine does when its own slots are full, while all
crawls of the process together hold NEWSMON_PAGES_IN_FLIGHT pages: queued for download,
downloading, or on their way through the spider and the pipelines. A crawl holding fewer
than two never waits: each keeps going, and the engine looks again whenever one of its own
pages is done. On real outlets, paced by DOWNLOAD_DELAY, the bound is hardly ever reached.
"""

from __future__ import annotations

import weakref
from typing import Any

from scrapy import signals

_engines: weakref.WeakSet[Any] = weakref.WeakSet()
# Pages a crawl may always hold, whatever the others do: the shipped CONCURRENT_REQUESTS_PER_DOMAIN,
# so that a crawl's listings (a feed and a sitemap) still go out together.
_FLOOR = 2


def held(engine: Any) -> int:
    """Pages `engine` holds: in its downloader (queued or downloading) and its scraper."""
    scraper = engine.scraper.slot
    return len(engine.downloader.active) + (
        len(scraper.active) + len(scraper.queue) if scraper else 0
    )


class SharedBacklog:
    """The extension that bounds the pages of all crawls of the process together."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("NEWSMON_PAGES_IN_FLIGHT")
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedBacklog:
        return cls(crawler)

    def engine_started(self) -> None:
        if self.limit <= 0:
            return
        engine = self.crawler.engine
        own = engine.needs_backout

        def needs_backout() -> bool:
            return own() or (held(engine) >= _FLOOR and sum(map(held, _engines)) >= self.limit)

        engine.needs_backout = needs_backout
        _engines.add(engine)
