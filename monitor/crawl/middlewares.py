"""newsmon's Scrapy middlewares: nothing dropped silently, and polite when a site struggles.

robots.txt: Scrapy 2.19's RobotsTxtMiddleware hands the parsed robots.txt to the first
request that waited for it and `None` (meaning "allowed") to the others, so
a disallowed URL requested in the same burst slipped through. Here each
waiting request gets the result on a Deferred of its own.

Offsite: a redirect to another host is filtered when it is scheduled, which
Scrapy only counts in its stats; here the spider is told which URL it was, so
the failure is logged with its URL and stored.

Redirects: Scrapy hands a redirect to a non-HTTP scheme (ftp:, file:, javascript:) or one
without a Location back as a plain 3xx, which reads as an HTTP error; here it is refused with
the reason.

Retries: Scrapy retries at once and ignores Retry-After. Here each retry waits, twice as long
each time, and a 429 or 503 with Retry-After pauses the whole host for that long; a host that
asks for more than NEWSMON_RETRY_AFTER_MAX seconds gets no more requests in this crawl.

Meta refresh: Scrapy decodes every HTML page in full to look for a refresh tag in its first
4,096 characters, and keeps the text with the response while its page waits for a worker.
Here a page whose first bytes cannot hold one is passed on as it is.

Listings: a feed or sitemap with thousands of entries must not turn one crawl into thousands
of requests; at most NEWSMON_MAX_LINKS_PER_LISTING article links are followed per listing.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as _ScrapyOffsite
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _ScrapyMetaRefresh
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as _ScrapyRedirect
from scrapy.downloadermiddlewares.retry import RetryMiddleware as _ScrapyRetry
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobots
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from monitor.clock import backoff, parse_http_date

fetch_log = logging.getLogger("newsmon.fetch")

# Request meta keys of the retry middleware.
NOT_BEFORE = "newsmon_not_before"  # time.monotonic() before which a retry is not sent
REFUSED_WAIT = "newsmon_refused_wait"  # the Retry-After (seconds) that was too long to honour


class RobotsTxtMiddleware(_ScrapyRobots):
    async def robot_parser(self, request: Request) -> Any:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred = Deferred()

        def hand_on(result: Any) -> Any:
            waiter.callback(result)
            return result  # keep the result in the chain for the next waiter

        pending.addBoth(hand_on)
        return await maybe_deferred_to_future(waiter)


class OffsiteMiddleware(_ScrapyOffsite):
    def request_scheduled(self, request: Request, spider: Any) -> None:
        try:
            self.process_request(request)
        except IgnoreRequest:
            report = getattr(self.crawler.spider, "on_offsite", None)
            if report is not None:
                report(request)
            raise


class RedirectRefused(IgnoreRequest):
    """A redirect that is not followed; the message says why, for the log and crawl_errors."""


class _NoReferer:
    """Redirects carry no Referer: the referer middleware is off (no site needs to know which
    feed linked an article), so Scrapy's search for it at start-up would only warn twice per
    spider that it is missing."""

    def handle_referer(self, request: Request, response: Response) -> None:
        request.headers.pop("Referer", None)

    def _engine_started(self) -> None:
        pass


class RedirectMiddleware(_NoReferer, _ScrapyRedirect):
    def process_response(self, request: Request, response: Response) -> Any:
        if response.status in (301, 302, 303, 307, 308) and not self._passed_on(request, response):
            location = response.headers.get(b"Location")
            if not location:
                raise RedirectRefused(f"HTTP {response.status} redirect without a Location header")
            target = urljoin(request.url, location.decode("latin-1").strip())
            if urlsplit(target).scheme not in ("http", "https"):
                raise RedirectRefused(
                    f"HTTP {response.status} redirect to {target[:200]}: "
                    "not an http(s) URL, not followed"
                )
        return super().process_response(request, response)

    def _passed_on(self, request: Request, response: Response) -> bool:
        """Scrapy's own cases for handing a 3xx to the spider instead of following it."""
        meta = request.meta
        return bool(
            meta.get("dont_redirect")
            or meta.get("handle_httpstatus_all")
            or response.status in meta.get("handle_httpstatus_list", ())
            or response.status in getattr(self.crawler.spider, "handle_httpstatus_list", ())
        )


class MetaRefreshMiddleware(_NoReferer, _ScrapyMetaRefresh):
    # Scrapy decodes the whole page to read its first 4,096 characters (at most 16 KB of
    # UTF-8), and the response keeps the text until it is stored. Only a page with a <meta>
    # tag naming a refresh there is worth a look ("refresh" alone is in the scripts of one
    # page in sixteen, mostly large ones; UTF-16 pages are always looked at), and then only
    # at its head: a page that reloads itself every few minutes kept 2.7 MB of text.
    def process_response(self, request: Request, response: Response) -> Any:
        if not isinstance(response, HtmlResponse):  # Scrapy's middleware reads only HTML
            return response
        head = response.body[:16384]
        if not (head.startswith(_UTF16) or _META_REFRESH.search(head)):
            return response
        # Not response.replace(): it would read the page's encoding, decoding it to infer one.
        probe = HtmlResponse(
            response.url, status=response.status, headers=response.headers, body=head
        )
        result = super().process_response(request, probe)
        return response if result is probe else result


_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Up to the next tag, not the next ">": a quoted attribute value may hold one.
_META_REFRESH = re.compile(rb"<meta[\s/][^<]*refresh", re.IGNORECASE)


class HostBackingOff(IgnoreRequest):
    """Not requested: the host asked for a longer pause than this crawl will wait."""


class RetryMiddleware(_ScrapyRetry):
    """Scrapy's retries (RETRY_TIMES, RETRY_HTTP_CODES, priority), with waits in between.

    Retry n waits NEWSMON_RETRY_BACKOFF * 2**(n-1) seconds (at most NEWSMON_RETRY_BACKOFF_MAX).
    A 429 or 503 with Retry-After waits as long as it says, and so does every other request to
    the same host. When Retry-After exceeds NEWSMON_RETRY_AFTER_MAX the request is not retried
    and the host gets nothing more in this crawl: the next crawl tries again.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("NEWSMON_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("NEWSMON_RETRY_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("NEWSMON_RETRY_AFTER_MAX", 60.0)
        self.host_ready: dict[str, float] = {}  # host -> monotonic time of its next request
        self.host_refused: dict[str, str] = {}  # host -> why it gets nothing more this crawl

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        if host in self.host_refused:
            self.crawler.stats.inc_value("newsmon/dropped/retry_after")
            raise HostBackingOff(self.host_refused[host])
        ready = max(self.host_ready.get(host, 0.0), request.meta.get(NOT_BEFORE, 0.0))
        await self._wait_until(ready)

    def process_response(self, request: Request, response: Response) -> Any:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = None
        if response.status in (429, 503):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        host = urlparse_cached(request).netloc
        if wait is not None and wait > self.retry_after_max:
            request.meta[REFUSED_WAIT] = wait
            self.host_refused[host] = (
                f"{host} asked to wait {wait:.0f} s (HTTP {response.status} Retry-After), more "
                f"than the {self.retry_after_max:.0f} s a crawl waits; the next crawl tries again"
            )
            fetch_log.info("%s: %s", request.url, self.host_refused[host])
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        delay = wait if wait is not None else self._backoff(retry.meta["retry_times"])
        ready = time.monotonic() + delay
        if wait is not None:
            self.host_ready[host] = max(self.host_ready.get(host, 0.0), ready)
        return self._schedule(retry, ready, f"HTTP {response.status}", wait is not None)

    def process_exception(self, request: Request, exception: Exception) -> Any:
        if isinstance(exception, DownloadCancelledError):
            return None  # a page over the size limit is just as big the next time
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        ready = time.monotonic() + self._backoff(retry.meta["retry_times"])
        return self._schedule(retry, ready, type(exception).__name__, False)

    def _backoff(self, attempt: int) -> float:
        return backoff(attempt, self.backoff, self.backoff_max)

    def _schedule(self, retry: Request, ready: float, reason: str, asked: bool) -> Request:
        retry.meta[NOT_BEFORE] = ready
        fetch_log.info(
            "%s: %s; retry %d of %d in %.1f s%s",
            retry.url,
            reason,
            retry.meta["retry_times"],
            retry.meta.get("max_retry_times", self.max_retry_times),
            ready - time.monotonic(),
            " (Retry-After)" if asked else "",
        )
        return retry

    async def _wait_until(self, ready: float) -> None:
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        # In short steps, so a crawl that is being stopped does not sit out a long pause.
        while (left := ready - time.monotonic()) > 0:
            if not self.crawler.engine or not self.crawler.engine.running:
                raise IgnoreRequest("not retried: the crawl is stopping")
            await maybe_deferred_to_future(deferLater(reactor, min(left, 0.5), lambda: None))


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date); None if absent
    or unreadable."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ListingLimitMiddleware:
    """A spider middleware: at most NEWSMON_MAX_LINKS_PER_LISTING article requests from one
    feed, sitemap or section page, in the listing's order (feeds list the newest first). The
    rest are counted as dropped (`over_listing_limit`) and named in one log line."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("NEWSMON_MAX_LINKS_PER_LISTING", 1000)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ListingLimitMiddleware:
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        counter = _Counter()
        for entry in result:
            if self._keep(entry, response, counter):
                yield entry
        self._report(response, counter)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        counter = _Counter()
        async for entry in result:
            if self._keep(entry, response, counter):
                yield entry
        self._report(response, counter)

    def _keep(self, entry: Any, response: Response, counter: _Counter) -> bool:
        if not (
            self.limit > 0
            and response.meta.get("newsmon") == "listing"
            and isinstance(entry, Request)
            and entry.meta.get("newsmon") == "article"
        ):
            return True
        counter.seen += 1
        return counter.seen <= self.limit

    def _report(self, response: Response, counter: _Counter) -> None:
        over = counter.seen - self.limit
        if self.limit <= 0 or over <= 0:
            return
        self.crawler.stats.inc_value("newsmon/dropped/over_listing_limit", over)
        source = getattr(getattr(self.crawler.spider, "source", None), "name", "?")
        fetch_log.warning(
            "%s: %s lists %d article links; followed the first %d "
            "(NEWSMON_MAX_LINKS_PER_LISTING); %d not followed",
            source,
            response.url,
            counter.seen,
            self.limit,
            over,
        )


class _Counter:
    seen = 0
