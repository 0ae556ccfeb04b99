"""The crawler role against a real Redis and the sample site: requests pushed onto the frontier by
hand come back as facts on the result stream, with their leases released and the crawler's
heartbeat in place; a Redis that goes away is said once per interval and the crawler resumes.
"""

from __future__ import annotations

import json
import pickle
import signal
import subprocess
from pathlib import Path

import redis
import scrapy
from conftest import start_newsmon, wait_for

from monitor.cluster import frontier, scheduler
from monitor.cluster.keys import Keys
from monitor.config import load_config
from spiders.cluster import ClusterSpider

KEYS = Keys("t")
ARTICLE = "/world/europe/zaporizhzhia-residents-hope-and-fear"


def write_config(tmp_path: Path, site, redis_url: str) -> Path:
    path = tmp_path / "cluster.toml"
    path.write_text(
        f"""
[newsmon]
database = "{tmp_path / "unused.db"}"

[crawl]
user_agent = "newsmon-test (+http://127.0.0.1/)"
download_delay = 0
autothrottle = false
timeout = 5
retries = 0

[[sources]]
name = "world"
feeds = ["{site.base_url}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'

[cluster]
redis = "{redis_url}"
prefix = "t"
name = "crawler-1"
heartbeat_seconds = 1
"""
    )
    return path


def push(client: redis.Redis, config_path: Path, site) -> tuple[str, str]:
    """A listing and an article request on the frontier, encoded as the scheduler role does."""
    config = load_config(config_path)
    spider = ClusterSpider(config=config)
    listing = scrapy.Request(
        f"{site.base_url}/world/rss.xml",
        callback=spider.parse_feed,
        errback=spider.on_error,
        dont_filter=True,
        meta={"newsmon": "listing", "handle_httpstatus_list": [304], "source": "world"},
    )
    article = scheduler.article_request(
        config.source("world"), site.base_url + ARTICLE, None, False
    )
    return frontier.enqueue(client, KEYS, listing, spider), frontier.enqueue(
        client, KEYS, article, scheduler.CALLBACKS
    )


def facts(client: redis.Redis) -> list[tuple[str, object]]:
    return [
        (fields[b"kind"].decode(), pickle.loads(fields[b"data"]))
        for _, fields in client.xrange(KEYS.results)
    ]


def start_crawler(config_path: Path, log: Path) -> subprocess.Popen:
    return start_newsmon(
        "--config",
        str(config_path),
        "run",
        "--role",
        "crawler",
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def test_pushed_requests_come_back_as_facts_and_release_their_leases(redis_server, site, tmp_path):
    client = redis.Redis.from_url(redis_server.url)
    config_path = write_config(tmp_path, site, redis_server.url)
    push(client, config_path, site)
    log = tmp_path / "crawler.log"
    crawler = start_crawler(config_path, log)
    try:
        beat = wait_for(lambda: client.hget(KEYS.crawlers, "crawler-1"), 60, "a heartbeat")
        assert json.loads(beat)["pid"] == crawler.pid

        def pages() -> set[str]:
            return {p.page.request_url for kind, p in facts(client) if kind == "page"}

        # The feed's article links went through the frontier too, each as a page fact.
        wait_for(lambda: len(pages()) >= 3 and site.base_url + ARTICLE in pages(), 90, "pages")
        wait_for(lambda: client.zcard(KEYS.leases) == 0, 30, "every lease released")
        kinds = [kind for kind, _ in facts(client)]
        listing = next(p for kind, p in facts(client) if kind == "listing")
        assert listing.url == f"{site.base_url}/world/rss.xml" and listing.source == "world"
        page = next(p for kind, p in facts(client) if kind == "page")
        assert page.page.status == 200 and page.article is not None and page.diff is None
        assert page.page.body and type(page.page).__name__ == "Page"  # the writer stores raw HTML
        assert "error" not in kinds, facts(client)
        assert client.zcard(KEYS.frontier) == 0
    finally:
        code = stop(crawler)
    assert code == 0, log.read_text()[-3000:]
    assert client.hget(KEYS.crawlers, "crawler-1") is None  # a stopped crawler leaves


def test_a_crawler_waits_for_redis_saying_so_once_per_interval(redis_server, site, tmp_path):
    config_path = write_config(tmp_path, site, redis_server.url)
    log = tmp_path / "crawler.log"
    crawler = start_crawler(config_path, log)
    try:
        client = redis.Redis.from_url(redis_server.url)
        wait_for(lambda: client.hget(KEYS.crawlers, "crawler-1"), 60, "a heartbeat")
        redis_server.stop(kill=True)
        wait_for(lambda: log.read_text().count("unreachable") >= 3, 30, "three outage lines")
        assert crawler.poll() is None
        redis_server.start()
        client = redis.Redis.from_url(redis_server.url)
        client.delete(KEYS.crawlers)
        wait_for(lambda: client.hget(KEYS.crawlers, "crawler-1"), 30, "the heartbeat again")
        text = log.read_text()
        assert "reachable again" in text
        # One line per heartbeat interval (1 s), not one per failed call; no traceback.
        outage = [line for line in text.splitlines() if "unreachable" in line]
        assert len(outage) <= 8, outage
        assert f"redis at {redis_server.url} unreachable" in outage[0]
        assert "Traceback" not in text
        push(client, config_path, site)
        wait_for(lambda: any(kind == "page" for kind, _ in facts(client)), 60, "a page fact")
    finally:
        code = stop(crawler)
    assert code == 0, log.read_text()[-3000:]
