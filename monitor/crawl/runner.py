"""Running crawls: one cycle over some sources, on one reactor that is never restarted.

The CLI runs a single cycle; the demo and the daemon run many cycles on the
same reactor through one AsyncCrawlerRunner. Each source's numbers come back
as its crawl_runs row.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from monitor import clock, store
from monitor.config import Config, Source
from monitor.crawl import workers
from monitor.crawl.memory import release_large_buffers
from monitor.crawl.record import Outcome
from monitor.crawl.settings import TWISTED_REACTOR, crawler_settings
from monitor.store import reads

T = TypeVar("T")
logger = logging.getLogger("newsmon.crawl")


def run_on_reactor(main: Callable[[], Awaitable[T]], signals: bool = True) -> T:
    """Install Scrapy's asyncio reactor, run `main()` on it, stop, and return its result.

    With `signals=False` Twisted installs no handlers, so the caller's own (the daemon's) decide
    what SIGTERM and SIGINT mean.
    """
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.reactor import install_reactor

    install_reactor(TWISTED_REACTOR)
    from twisted.internet import reactor

    release_large_buffers()  # the crawl passes thousands of large pages through this process
    workers.start()  # before the reactor's threads: the workers are forked from this process
    outcome: dict[str, Any] = {}

    def done(result: Any) -> None:
        outcome["result"] = result
        if reactor.running:
            reactor.stop()

    async def wrapper() -> T:
        return await main()

    def begin() -> None:
        deferred_from_coro(wrapper()).addBoth(done)

    reactor.callWhenRunning(begin)
    reactor.run(installSignalHandlers=signals)
    result = outcome.get("result")
    if hasattr(result, "raiseException"):  # a twisted Failure
        result.raiseException()
    return result  # type: ignore[return-value]


class Cycle:
    """Runs crawl cycles on the running reactor; create once, call `run()` as often as needed.

    What else should happen as pages are stored is the caller's: `listeners` get each stored
    change (an Outcome) as it is found, `batch_listeners` the crawl's connection after each
    batch of pages that stored changes (the rules evaluate them there, monitor.rules.
    crawl_alerts). Delivering alerts after a crawl is the caller's step too.
    """

    def __init__(self, config: Config, **setting_overrides: Any) -> None:
        from scrapy.crawler import AsyncCrawlerRunner
        from scrapy.settings import Settings
        from scrapy.spiderloader import SpiderLoader

        self.config = config
        self.settings = Settings(crawler_settings(config, **setting_overrides))
        self.runner = AsyncCrawlerRunner(self.settings)
        self.spiders = SpiderLoader.from_settings(self.settings)
        self.listeners: list[Callable[[Outcome], object]] = []
        self.batch_listeners: list[Callable[[store.Database], object]] = []

    async def run(self, sources: list[Source] | None = None, mode: str = "all") -> list[dict]:
        """Crawl the given (default: all enabled) sources at once; return their crawl_runs rows.

        `mode` is "all" (feeds, sitemaps, sections and due revisits), "discover" or "revisit".
        """
        from monitor.crawl.pipelines import change_found, changes_stored

        sources = sources if sources is not None else [s for s in self.config.sources if s.enabled]
        # Unique per call: jobs of several sources may start within the same second.
        run_id = f"{clock.now()}-{secrets.token_hex(3)}"
        tasks = []
        for source in sources:
            crawler = self.runner.create_crawler(self.spiders.load(source.spider))
            for listener in self.listeners:
                receive = _forward(listener, "outcome")
                crawler.signals.connect(receive, signal=change_found, weak=False)
            for listener in self.batch_listeners:
                receive = _forward(listener, "db")
                crawler.signals.connect(receive, signal=changes_stored, weak=False)
            tasks.append(self.runner.crawl(crawler, source=source, run_id=run_id, mode=mode))
        await asyncio.gather(*tasks)
        db = store.open_db(self.config.database)
        try:
            return reads.runs_of(db, run_id)
        finally:
            db.close()


def _forward(listener: Callable[[Any], object], name: str) -> Callable[..., None]:
    """A signal receiver that hands `listener` the signal's argument `name`."""

    def receive(**kwargs: Any) -> None:
        listener(kwargs[name])

    return receive


def configure_logging(verbose: bool = False) -> None:
    """Plain log lines on stderr; Scrapy's own chatter only with --verbose."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    quiet = logging.INFO if verbose else logging.WARNING
    for name in (
        "scrapy",
        "twisted",
        "py.warnings",
        "protego",
        "trafilatura",
        "htmldate",
        "courlan",
        "apscheduler",
    ):
        logging.getLogger(name).setLevel(quiet)
    # Scrapy logs each failed download (robots.txt with a traceback, gave-up retries) as an
    # ERROR; the spider records every failure with its URL and the summary names it once.
    for name in (
        "scrapy.downloadermiddlewares.robotstxt",
        "scrapy.downloadermiddlewares.retry",
        "scrapy.core.scraper",
    ):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL)
    logging.getLogger("newsmon.fetch").setLevel(logging.INFO if verbose else logging.WARNING)
    # Per-change lines go through the CLI's own printer; keep the pipeline's at debug unless asked.
    logging.getLogger("newsmon.pipelines").setLevel(logging.INFO if verbose else logging.WARNING)
