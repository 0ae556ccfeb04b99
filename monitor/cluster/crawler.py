"""The crawler role (`newsmon run --role crawler`, any number, on any machine): Scrapy fetching
from the shared frontier until SIGTERM.

The normal crawler settings (monitor.crawl.settings) plus scrapy-redis's scheduler and
duplicate filter on the leased frontier (monitor.cluster.frontier), the cluster-wide
politeness (monitor.cluster.polite) instead of Scrapy's per-process delay, and the pipelines
that end on the result stream (monitor.cluster.pipelines). A heartbeat in `{p}:crawlers` tells
`newsmon status` it is alive. Redis out of reach stops nothing: the scheduler hands out no
requests, results wait in memory, and one line per heartbeat interval says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import warnings
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy_redis.scheduler import Scheduler

from monitor.cluster.frontier import SETTING
from monitor.cluster.keys import connect, keys_of, now_ms
from monitor.cluster.pipelines import REDIS_DOWN, Facts, Outage
from monitor.config import Config
from monitor.crawl.runner import configure_logging, run_on_reactor
from monitor.crawl.settings import DOWNLOADER_MIDDLEWARES, crawler_settings
from spiders.cluster import ClusterSpider

logger = logging.getLogger("newsmon.cluster")


def cluster_crawler_settings(config: Config) -> dict[str, Any]:
    """The crawler role's Scrapy settings."""
    cluster = config.cluster
    assert cluster is not None
    keys = keys_of(cluster)
    return crawler_settings(
        config,
        SCHEDULER="monitor.cluster.crawler.ClusterScheduler",
        SCHEDULER_QUEUE_CLASS="monitor.cluster.frontier.LeasedQueue",
        SCHEDULER_QUEUE_KEY=keys.frontier,
        DUPEFILTER_CLASS="scrapy_redis.dupefilter.RFPDupeFilter",
        SCHEDULER_DUPEFILTER_KEY=keys.seen,
        SCHEDULER_PERSIST=True,  # the frontier and the filter are the cluster's, not ours
        SCHEDULER_IDLE_BEFORE_CLOSE=0,  # a blocking pop would stop the reactor
        REDIS_URL=cluster.redis,
        **{SETTING: cluster},  # the leased queue's prefix and lease length
        # The delay is kept across the cluster (ClusterPoliteness); Scrapy's would add to it.
        DOWNLOAD_DELAY=0,
        NEWSMON_CLUSTER_DELAY=config.crawl.download_delay,
        DOWNLOADER_MIDDLEWARES={
            **DOWNLOADER_MIDDLEWARES,
            "monitor.cluster.polite.ClusterPoliteness": 560,
        },
        ITEM_PIPELINES={
            "monitor.cluster.pipelines.ClusterExtractPipeline": 100,
            "monitor.cluster.pipelines.ClusterRelevancePipeline": 200,
            "monitor.cluster.pipelines.StreamPipeline": 300,
        },
    )


class ClusterScheduler(Scheduler):
    """scrapy-redis's scheduler that rides out a Redis outage: no request handed out, and the
    requests a listing found kept here until they can go on the frontier.

    It also takes from the frontier only what this crawler can send soon. Scrapy asks for
    requests until CONCURRENT_REQUESTS are in its downloader, and those not sent yet sit in
    ClusterPoliteness until their host's slot: one crawler would lease the whole frontier while
    the others idle, and a request sleeping past its lease is reaped and fetched twice. So while
    `most_unsent` requests it handed out have not passed the politeness middleware, it hands out
    none. A request sent is not counted (requests to many hosts still go out CONCURRENT_REQUESTS
    at a time); one dropped or failed leaves the downloader and is not counted either."""

    def open(self, spider: Any) -> None:
        self.facts: Facts = spider.facts
        self.waiting: list[Request] = []
        crawler = spider.crawler
        self.downloader = crawler.engine.downloader
        # One host never takes more than its per-domain cap at once, cluster-wide.
        self.most_unsent = max(1, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1))
        self.unsent: set[Request] = set()  # handed out, not past the politeness middleware yet
        crawler.signals.connect(self._sent, signal=signals.request_reached_downloader)
        try:
            super().open(spider)
        except REDIS_DOWN as exc:  # only its "resuming" count needed Redis
            self.facts.outage.failed(exc)

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except REDIS_DOWN as exc:
            self.facts.outage.failed(exc)
            self.waiting.append(request)
            return True

    def next_request(self) -> Request | None:
        if self.facts.outage.down:
            return None  # the heartbeat finds out when Redis is back
        try:
            while self.waiting:
                super().enqueue_request(self.waiting[0])
                self.waiting.pop(0)
            if self._unsent() >= self.most_unsent:
                return None  # the engine asks again when a download ends (or in 5 s)
            request = super().next_request()
        except REDIS_DOWN as exc:
            self.facts.outage.failed(exc)
            return None
        if request is not None:
            self.unsent.add(request)
        return request

    def _sent(self, request: Request, spider: Any = None) -> None:
        # request_reached_downloader: every downloader middleware let it through.
        self.unsent.discard(request)

    def _unsent(self) -> int:
        # Handed out requests enter the downloader at once (before the next call); one no
        # longer there was dropped (NotSent, robots.txt) or failed before it was sent.
        self.unsent &= self.downloader.active
        return len(self.unsent)

    def has_pending_requests(self) -> bool:
        if self.waiting:
            return True
        if self.facts.outage.down:
            return False
        try:
            return super().has_pending_requests()
        except REDIS_DOWN as exc:
            self.facts.outage.failed(exc)
            return False

    def __len__(self) -> int:
        try:
            return super().__len__() + len(self.waiting)
        except REDIS_DOWN:
            return len(self.waiting)


def run_crawler(config: Config) -> int:
    """Crawl from the frontier until SIGTERM or SIGINT; the process's exit code."""
    configure_logging()
    # scrapy-redis 0.9.1 still calls APIs Scrapy 2.19 deprecates (Spider.log, a spider
    # argument to the stats): a warning per request otherwise.
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    if config.cluster is None:
        logger.error("%s: the crawler role needs a [cluster] table", config.path)
        return 2
    return run_on_reactor(lambda: _crawl(config), signals=False) or 0


async def _crawl(config: Config) -> int:
    from scrapy.crawler import AsyncCrawlerRunner
    from scrapy.settings import Settings

    cluster = config.cluster
    assert cluster is not None
    name = cluster.crawler_name()
    facts = Facts(
        connect(cluster), keys_of(cluster), Outage(cluster.redis, cluster.heartbeat_seconds)
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if not await _reach(facts, stop):
        return 0
    runner = AsyncCrawlerRunner(Settings(cluster_crawler_settings(config)))
    crawler = runner.create_crawler(ClusterSpider)
    crawl = asyncio.ensure_future(runner.crawl(crawler, config=config, facts=facts))
    # A request's lease lasts through its download (at most the crawl's timeout) and a lease
    # length more for its turn in the workers; the heartbeat renews it until then.
    keep = (int(cluster.lease_seconds * 1000), config.crawl.timeout + cluster.lease_seconds)
    beat = asyncio.ensure_future(_heartbeat(facts, name, cluster.heartbeat_seconds, keep))
    logger.info("crawler %s: crawling from the frontier at %s", name, facts.outage.url)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait([crawl, stopped], return_when=asyncio.FIRST_COMPLETED)
    if not crawl.done():
        logger.info("crawler %s: stopping: finishing the requests in flight", name)
        await crawler.stop_async()  # no new request from the frontier; in-flight ones finish
        await crawl
    beat.cancel()
    stopped.cancel()
    _leave(facts, name)
    return 0


async def _reach(facts: Facts, stop: asyncio.Event) -> bool:
    """Wait until Redis answers (False: told to stop first); one line per interval meanwhile."""
    while not stop.is_set():
        try:
            facts.server.ping()
            facts.outage.recovered()
            return True
        except REDIS_DOWN as exc:
            facts.outage.failed(exc)
        await _pause(stop, facts.outage.interval)
    return False


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=min(seconds, 1.0))


async def _heartbeat(facts: Facts, name: str, interval: float, keep: tuple[int, float]) -> None:
    """Every interval: this crawler's line in `{p}:crawlers`, what waited for Redis sent, and
    the leases of the requests in flight renewed (`keep`: lease length in ms, longest hold)."""
    while True:
        facts.flush(retry=True)
        beat(facts, name)
        if not facts.outage.down:
            facts.keep_leases(*keep)
        await asyncio.sleep(interval)


def beat(facts: Facts, name: str) -> None:
    """One heartbeat: {at (ms, Redis time), pid, host, pages}."""
    try:
        entry = {"at": now_ms(facts.server), "pid": os.getpid(), "host": socket.gethostname()}
        entry["pages"] = facts.pages
        facts.server.hset(facts.keys.crawlers, name, json.dumps(entry))
    except REDIS_DOWN as exc:
        facts.outage.failed(exc)
        return
    facts.outage.recovered()


def _leave(facts: Facts, name: str) -> None:
    """A crawler that stops: what waited sent if it can be, and its heartbeat gone."""
    facts.flush(retry=True)
    if facts.backlog:
        logger.warning(
            "%d result(s) not sent: Redis unreachable; their requests go back to the frontier "
            "when their leases run out",
            len(facts.backlog),
        )
    with contextlib.suppress(REDIS_DOWN):
        facts.server.hdel(facts.keys.crawlers, name)
