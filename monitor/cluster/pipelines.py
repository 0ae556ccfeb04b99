"""A cluster crawler's item pipelines and its line to Redis: extract, relevance, stream.

The crawler has no store: the extract stage reads what the store knows of a page's article from
the request (`known`, put there by the scheduler role) and diffs nothing (the writer's
record_page diffs against its stored version); the last stage puts the Extracted on the result
stream, releasing the request's lease in the same step. A page a stage drops releases its lease
too: it was answered, and would only come back to be dropped again.

`Facts` is that line: stream facts and lease releases in order, kept in memory while Redis
cannot be reached (one log line per interval says so) and sent when it answers again.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import fields, replace
from typing import Any

import redis
from scrapy import signals

from monitor.cluster import frontier, stream
from monitor.cluster.keys import Keys
from monitor.cluster.settings import shown
from monitor.config import Source
from monitor.crawl.pipelines import ExtractPipeline, RelevancePipeline, _Stage
from monitor.crawl.record import Extracted
from monitor.items import Page, Version

logger = logging.getLogger("newsmon.cluster")

REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)  # BusyLoadingError is a ConnectionError
_ACK = "ack"  # a backlog entry that only releases a lease


class Outage:
    """Says once per interval that Redis cannot be reached, and once that it can again."""

    def __init__(self, url: str, interval: float) -> None:
        self.url = shown(url)
        self.interval = interval
        self.since: float | None = None  # time.monotonic() of the first failure
        self._said = float("-inf")

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self.since = self.since if self.since is not None else now
        if now - self._said >= self.interval:
            self._said = now
            reason = str(exc).strip() or type(exc).__name__
            logger.warning(
                "redis at %s unreachable: %s; retrying every %g s", self.url, reason, self.interval
            )

    def recovered(self) -> None:
        if self.since is not None:
            logger.warning(
                "redis at %s reachable again after %.0f s", self.url, time.monotonic() - self.since
            )
        self.since, self._said = None, float("-inf")


class Facts:
    """What this crawler tells the writer (stream.publish) and the leases it releases
    (frontier.ack), in the order it learnt them."""

    def __init__(self, server: redis.Redis, keys: Keys, outage: Outage) -> None:
        self.server = server
        self.keys = keys
        self.outage = outage
        self.backlog: deque[tuple[str, Any, str | None]] = deque()
        self.pages = 0  # pages put on the stream, for the heartbeat
        # The leases of requests sent and not answered yet, with when they were sent
        # (time.monotonic()): the heartbeat renews them while their page is fetched and read.
        self.sent: dict[str, float] = {}

    def sending(self, lease: str) -> None:
        self.sent[lease] = time.monotonic()

    def keep_leases(self, lease_ms: int, longest: float) -> None:
        """Renew the lease of each request still being fetched or extracted, so a slow download
        (up to the crawl's timeout) or a long queue for the workers does not put it back on the
        frontier for a second crawler. One sent more than `longest` seconds ago is left to run
        out: a request whose answer got lost here comes back to the frontier."""
        now = time.monotonic()
        for lease, since in list(self.sent.items()):
            try:
                kept = now - since <= longest and frontier.renew(
                    self.server, self.keys, lease, lease_ms
                )
            except REDIS_DOWN as exc:
                self.outage.failed(exc)
                return
            if not kept:  # answered (gone from the leases), reaped, or too old
                self.sent.pop(lease, None)

    def publish(self, kind: str, payload: Any, lease: str | None = None) -> None:
        self.backlog.append((kind, payload, lease))
        self.flush()

    def ack(self, lease: str | None) -> None:
        if lease:
            self.backlog.append((_ACK, None, lease))
            self.flush()

    def flush(self, retry: bool = False) -> bool:
        """Send the backlog; False while Redis is unreachable. During an outage only a `retry`
        (the heartbeat's) tries: each try may wait for a connect timeout."""
        if self.outage.down and not retry:
            return False
        while self.backlog:
            kind, payload, lease = self.backlog[0]
            try:
                if kind == _ACK:
                    frontier.ack(self.server, self.keys, lease or "")
                else:
                    stream.publish(self.server, self.keys, kind, payload, lease)
            except REDIS_DOWN as exc:
                self.outage.failed(exc)
                return False
            self.backlog.popleft()
            self.sent.pop(lease or "", None)
            self.pages += kind == "page"
            self.outage.recovered()
        return True


class ClusterExtractPipeline(ExtractPipeline):
    """ExtractPipeline with the store's facts from the request (`page.known`, put there by the
    scheduler) instead of store.lookup, and no diff."""

    def _known(self, page: Page) -> dict | None:
        known = getattr(page, "known", None)
        return {**known, "id": known.get("article_id")} if known else None

    def _stored_version(self, page: Page, known: dict | None) -> Version | None:
        return None  # no store here: the writer diffs against its version


class ClusterRelevancePipeline(_Stage):
    """RelevancePipeline per source: a crawler's pages come from every source."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.stages: dict[str, RelevancePipeline] = {}

    def process_item(self, item: Extracted) -> Extracted:
        stage = self.stages.get(item.page.source)
        if stage is None:
            source = self.spider.source_of(item.page.source)
            if source is None:
                return item
            stage = self.stages[source.name] = _SourceRelevance(self.crawler, source)
        return stage.process_item(item)


class _SourceRelevance(RelevancePipeline):
    def __init__(self, crawler: Any, source: Source) -> None:
        super().__init__(crawler)
        self._spider = _OfSource(source)

    @property
    def spider(self) -> Any:
        return self._spider


class _OfSource:
    """What RelevancePipeline reads of its spider: the source."""

    def __init__(self, source: Source) -> None:
        self.source = source


class StreamPipeline(_Stage):
    """Put each Extracted on the result stream (raw page included: the writer stores it), and
    release its lease in the same step; a page a stage dropped releases its lease alone."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> StreamPipeline:
        stage = cls(crawler)
        crawler.signals.connect(stage.on_lost, signal=signals.item_dropped)
        crawler.signals.connect(stage.on_lost, signal=signals.item_error)
        return stage

    def process_item(self, item: Extracted) -> Extracted:
        page = item.page
        self.spider.facts.publish(
            "page", replace(item, page=plain(page)), getattr(page, "lease", None)
        )
        self.crawler.stats.inc_value("newsmon/published")
        page.body = item.packed = b""  # on the stream (or in the backlog's copy)
        return item

    def on_lost(self, item: Any, **_: Any) -> None:
        page = item.page if isinstance(item, Extracted) else item
        self.spider.facts.ack(getattr(page, "lease", None))


def plain(page: Page) -> Page:
    """The Page of a spiders.cluster.ClusterPage, for the stream: the writer needs no lease."""
    return Page(**{f.name: getattr(page, f.name) for f in fields(Page)})
