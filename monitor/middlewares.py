"""Two of Scrapy's downloader middlewares, made to never drop a request silently.

robots.txt: Scrapy 2.19's RobotsTxtMiddleware hands the parsed robots.txt to the first
request that waited for it and `None` (meaning "allowed") to the others, so
a disallowed URL requested in the same burst slipped through. Here each
waiting request gets the result on a Deferred of its own.

Offsite: a redirect to another host is filtered when it is scheduled, which
Scrapy only counts in its stats; here the spider is told which URL it was, so
the failure is logged with its URL and stored.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as _ScrapyOffsite
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobots
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


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
