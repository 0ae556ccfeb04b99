"""Scrapy settings for newsmon (scrapy.cfg points here).

These are the polite defaults; `crawler_settings()` overlays the values from
`[crawl]` in config/monitor.toml, so `scrapy crawl zdf` and `newsmon crawl`
behave the same.
"""

from __future__ import annotations

import os
from typing import Any

from scrapy.settings import default_settings as _scrapy

BOT_NAME = "newsmon"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy list` and `scrapy crawl NAME` know a spider per configured source, not only spiders/.
SPIDER_LOADER_CLASS = "spiders.sources.SourceSpiderLoader"

# Where newsmon's own parts find the config and the store (overridable with -s); under plain
# `scrapy`, $NEWSMON_CONFIG picks the config as it does for `newsmon`.
NEWSMON_CONFIG = os.environ.get("NEWSMON_CONFIG") or "config/monitor.toml"
NEWSMON_DB = ""  # empty: the database named in the config
NEWSMON_REVISIT_ALL = False  # True: re-check every known article, not only those due
NEWSMON_REVISIT_LIMIT = 0  # most revisits per source in one crawl (0: no limit)

# --- Politeness -------------------------------------------------------------
# A user agent that says who we are and how to reach the operator.
USER_AGENT = "newsmon/0.1 (+https://github.com/newsmon/newsmon; set crawl.user_agent)"
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies by ±50%, so requests do not march in step
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# AutoThrottle slows down when a site answers slowly, never speeds past DOWNLOAD_DELAY.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Scrapy's robots.txt middleware lets through requests that waited for robots.txt to download,
# its offsite filter drops redirects to other hosts without telling the spider, its redirects
# to ftp:/file:/javascript: read as HTTP errors, and its retries neither wait nor honour
# Retry-After (see monitor/crawl/middlewares.py).
DOWNLOADER_MIDDLEWARES = {
    "monitor.crawl.middlewares.OffsiteMiddleware": 50,
    "monitor.crawl.middlewares.RobotsTxtMiddleware": 100,
    "monitor.crawl.middlewares.RetryMiddleware": 550,
    "monitor.crawl.middlewares.MetaRefreshMiddleware": 580,
    "monitor.crawl.middlewares.RedirectMiddleware": 600,
}
# A feed or sitemap of thousands of entries must not become thousands of requests.
SPIDER_MIDDLEWARES = {"monitor.crawl.middlewares.ListingLimitMiddleware": 950}


def _without(base: dict[str, int], *unused: str) -> dict[str, int]:
    return {path: order for path, order in base.items() if path.rsplit(".", 1)[1] not in unused}


# Scrapy's parts that newsmon replaces or never uses are left out of Scrapy's base lists, not
# set to None in the lists above: Scrapy imports every class a setting names, None or not, and
# some import much (cookies: tldextract, requests and the public suffix list; remote control:
# aiohttp's web server), about 20 MB in the crawling process.
DOWNLOADER_MIDDLEWARES_BASE = _without(
    _scrapy.DOWNLOADER_MIDDLEWARES_BASE,
    *("RobotsTxtMiddleware", "OffsiteMiddleware", "RetryMiddleware", "RedirectMiddleware"),
    "MetaRefreshMiddleware",
    "HttpAuthMiddleware",  # no outlet needs a login
    *("CookiesMiddleware", "HttpCacheMiddleware"),  # off: COOKIES_ENABLED, HTTPCACHE_ENABLED
)
# Each spider middleware wraps every response's output in one more async generator; these do
# nothing for us: no depth limit, no site needs to know which feed linked an article, and the
# meta-copy check is a development aid (our spiders never copy response.meta).
SPIDER_MIDDLEWARES_BASE = _without(
    _scrapy.SPIDER_MIDDLEWARES_BASE,
    *("DepthMiddleware", "RefererMiddleware", "MetaCopyDetectionMiddleware"),
)
# Scrapy's memory watch only adds stats (the daemon's memory is systemd's to limit), no crawl
# exports a feed, telnet and remote control are off, memory debugging and spider state do
# nothing without their settings.
EXTENSIONS_BASE = _without(
    _scrapy.EXTENSIONS_BASE,
    *("MemoryUsage", "FeedExporter", "TelnetConsole", "RemoteControl"),
    *("MemoryDebugger", "SpiderState"),
)
EXTENSIONS = {"monitor.crawl.backlog.SharedBacklog": 0}
# Pages all crawls of the process hold at once (monitor.crawl.backlog; 0: no bound).
NEWSMON_PAGES_IN_FLIGHT = 12
NEWSMON_MAX_LINKS_PER_LISTING = 1000  # article links followed per listing (0: no limit)
# Sitemap indexes may name indexes without end (or thousands of sitemaps): a crawl follows them
# at most this many levels below a configured sitemap, and fetches at most this many sitemaps
# named by indexes (0: no limit). What is left is named in one log line.
NEWSMON_MAX_SITEMAP_DEPTH = 3
NEWSMON_MAX_SITEMAP_FETCHES = 50

# --- Failure handling -------------------------------------------------------
# Keep-alive connections are kept for reuse (monitor.crawl.handler says why Scrapy's are not).
DOWNLOAD_HANDLERS = {
    "http": "monitor.crawl.handler.HTTPHandler",
    "https": "monitor.crawl.handler.HTTPHandler",
}
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retry n waits NEWSMON_RETRY_BACKOFF * 2**(n-1) s (at most ..._MAX); a Retry-After is honoured
# for the whole host up to NEWSMON_RETRY_AFTER_MAX s, beyond that the host waits for the next crawl.
NEWSMON_RETRY_BACKOFF = 1.0
NEWSMON_RETRY_BACKOFF_MAX = 30.0
NEWSMON_RETRY_AFTER_MAX = 60.0
REDIRECT_MAX_TIMES = 5
# A truncated body is an error, not a shorter article.
DOWNLOAD_FAIL_ON_DATALOSS = True

# --- Limits -----------------------------------------------------------------
# News pages are well under 2 MB; anything past 10 MB is not an article.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024

# --- Pipelines, in the order of the flow (spaced so new steps fit between) --
ITEM_PIPELINES = {
    "monitor.crawl.pipelines.ExtractPipeline": 100,
    "monitor.crawl.pipelines.RelevancePipeline": 200,
    "monitor.crawl.pipelines.StorePipeline": 300,
}

# --- Engine -----------------------------------------------------------------
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for *each* response's output (100 by default),
# though an article response yields one Page and a listing only requests: a thousand task
# creations per page were a third of the crawl's own CPU. Pages still run in parallel.
CONCURRENT_ITEMS = 1
# A crawler starts no new download while its pages waiting for the pipelines (here: for an
# extraction worker) hold more than this many bytes. Scrapy's 5 MB let downloads on a fast
# network run far ahead of the workers; at 1 MB the crawling process's peak over real pages
# (make bench-real) was 98 MB PSS instead of 118, at the same speed. The bound is per crawler
# (one per source), and downloads already under way still arrive: it is no cap for the process.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# Scrapy reads and parses a generator callback's source for every response to warn about a
# `return value` in it; its cache is keyed by the bound method, which is new each time, so it
# never hits: 0.3-0.4 ms of CPU per response. Our callbacks return nothing (tests run them).
WARN_ON_GENERATOR_RETURN_VALUE = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# We keep our own validators (ETag/Last-Modified) in the store; no HTTP cache.
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
# Each run's numbers go to the crawl_runs table; no periodic stats lines.
LOGSTATS_INTERVAL = 0
FEED_EXPORT_ENCODING = "utf-8"


def crawler_settings(config: Any, **overrides: Any) -> dict[str, Any]:
    """This module's settings with the config's [crawl] table applied on top."""
    settings = {k: v for k, v in globals().items() if k.isupper()}
    crawl = config.crawl
    settings.update(
        USER_AGENT=crawl.user_agent,
        ROBOTSTXT_OBEY=crawl.obey_robots,
        DOWNLOAD_DELAY=crawl.download_delay,
        CONCURRENT_REQUESTS_PER_DOMAIN=crawl.concurrent_per_domain,
        DOWNLOAD_TIMEOUT=crawl.timeout,
        RETRY_TIMES=crawl.retries,
        DOWNLOAD_MAXSIZE=crawl.max_page_bytes,
        AUTOTHROTTLE_ENABLED=crawl.autothrottle,
        NEWSMON_CONFIG=str(config.path),
        NEWSMON_DB=str(config.database),
        NEWSMON_CONFIG_APPLIED=True,
        NEWSMON_SHORT_RATIO=config.health.short_ratio,
        NEWSMON_REVISIT=config.revisit,
        NEWSMON_RULES=config.rules,  # a source with relevance = "rules" keeps what they match
        NEWSMON_STORIES=config.stories,  # ...and the stories' candidates (membership.is_candidate)
    )
    settings.update(overrides)
    return settings
