"""Politeness across crawler processes: three real `newsmon run --role crawler` processes share
one frontier and one site on 127.0.0.1, which records when each request arrives. The site must
never see two requests closer than crawl.download_delay, and a 429 with Retry-After keeps every
crawler away for as long as it says.

(tests/cluster/test_politeness.py drives the middleware alone, in threads; this is the same
promise kept by whole crawlers, each with its own Scrapy engine, downloader and Redis client.)
"""

from __future__ import annotations

import itertools
import json
import pickle
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
from conftest import start_newsmon, wait_for

from monitor.cluster import frontier, scheduler
from monitor.cluster.keys import Keys
from monitor.config import load_config

KEYS = Keys("p")
DELAY = 1.0
ARTICLES = [f"/news/talks-resume-{n}" for n in range(12)]
BUSY = ARTICLES[3]  # answers 429 with Retry-After: 3 the first time, when asked to
RETRY_AFTER = 3
PAGE = """<!doctype html><html lang="en"><head><title>Talks resume, day {n}</title></head>
<body><article><h1>Talks resume, day {n}</h1>
<p>Negotiators met again in Geneva on day {n} of the talks and agreed to keep meeting.</p>
<p>Both delegations said the ceasefire proposal needs more work before a vote next week.</p>
<p>Observers expect a joint statement once the working groups report back on Friday.</p>
</article></body></html>"""


class Site:
    """Article pages that record each request's arrival (time.monotonic(), path, status)."""

    def __init__(self, busy: str | None = None) -> None:
        self.arrivals: list[tuple[float, str, int]] = []
        self.lock = threading.Lock()
        self.busy = busy
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.answer(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self.lock:
            first = not any(p == path for _, p, _ in self.arrivals)
            status = 429 if path == self.busy and first else 200
            status = status if path in ARTICLES else 404
            self.arrivals.append((time.monotonic(), path, status))
        body = PAGE.format(n=ARTICLES.index(path)).encode() if status == 200 else b""
        handler.send_response(status)
        if status == 429:
            handler.send_header("Retry-After", str(RETRY_AFTER))
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def fetched(self) -> set[str]:
        with self.lock:
            return {path for _, path, status in self.arrivals if status == 200}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_config(tmp_path: Path, site: Site, redis_url: str, name: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f"""
[newsmon]
database = "{tmp_path / "unused.db"}"

[crawl]
user_agent = "newsmon-test (+http://127.0.0.1/)"
download_delay = {DELAY}
autothrottle = false
timeout = 10
retries = 2

[[sources]]
name = "wire"
feeds = ["{site.base}/news/rss.xml"]
link_pattern = '/news/[a-z0-9-]+$'

[cluster]
redis = "{redis_url}"
prefix = "p"
name = "{name}"
heartbeat_seconds = 1
"""
    )
    return path


def push_articles(client: redis.Redis, config_path: Path, site: Site) -> None:
    """The article requests on the frontier, as the scheduler role makes them."""
    source = load_config(config_path).source("wire")
    for path in ARTICLES:
        request = scheduler.article_request(source, site.base + path, None, live=False)
        frontier.enqueue(client, KEYS, request, scheduler.CALLBACKS)


def page_urls(client: redis.Redis) -> set[str]:
    return {
        pickle.loads(fields[b"data"]).page.request_url
        for _, fields in client.xrange(KEYS.results)
        if fields[b"kind"] == b"page"
    }


def pages(client: redis.Redis) -> dict[str, int]:
    """Pages each crawler put on the stream, from its heartbeat."""
    return {
        name.decode(): json.loads(beat)["pages"]
        for name, beat in client.hgetall(KEYS.crawlers).items()
    }


def crawl(redis_server, tmp_path: Path, site: Site) -> tuple[redis.Redis, dict[str, int]]:
    """Three crawler processes fetch every article of the frontier; stopped when done. Returns
    the client and the pages each crawler fetched (its last heartbeat, gone once it stops)."""
    client = redis.Redis.from_url(redis_server.url)
    names = [f"crawler-{n}" for n in range(1, 4)]
    configs = [write_config(tmp_path, site, redis_server.url, name) for name in names]
    logs = [tmp_path / f"{name}.log" for name in names]
    argv = ["run", "--role", "crawler"]
    crawlers = [
        start_newsmon(
            "--config", str(config), *argv, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        for config, log in zip(configs, logs, strict=True)
    ]
    try:
        # Every crawler up before there is work, so all three compete for it.
        wait_for(lambda: client.hlen(KEYS.crawlers) == 3, 90, "three heartbeats")
        push_articles(client, configs[0], site)
        wanted = {site.base + path for path in ARTICLES}
        wait_for(lambda: page_urls(client) >= wanted, 120, "a page fact for every article")
        wait_for(lambda: client.zcard(KEYS.leases) == 0, 30, "every lease released")
        # Every page counted by one of the crawlers' heartbeats (once a second).
        wait_for(lambda: sum(pages(client).values()) == len(ARTICLES), 30, "heartbeat counts")
        shares = pages(client)
    finally:
        for process in crawlers:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=60) for process in crawlers]
    for code, log in zip(codes, logs, strict=True):
        assert code == 0, log.read_text()[-3000:]
    return client, shares


@pytest.fixture
def recorder():
    sites: list[Site] = []

    def make(busy: str | None = None) -> Site:
        sites.append(Site(busy))
        return sites[-1]

    yield make
    for site in sites:
        site.close()


def test_three_crawler_processes_never_send_closer_than_the_delay(redis_server, tmp_path, recorder):
    site = recorder()
    client, shares = crawl(redis_server, tmp_path, site)
    assert site.fetched() == set(ARTICLES)
    articles = [path for _, path, _ in site.arrivals if path != "/robots.txt"]
    assert sorted(articles) == sorted(ARTICLES), articles  # each fetched once
    times = sorted(at for at, _, _ in site.arrivals)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= DELAY, f"two requests {min(gaps):.3f} s apart: {gaps}"
    assert client.zcard(KEYS.frontier) == 0
    # No crawler leases more than it can send soon: the work is shared, not taken by one.
    assert sum(count > 0 for count in shares.values()) >= 2, f"pages per crawler: {shares}"


def test_retry_after_keeps_every_crawler_process_away(redis_server, tmp_path, recorder):
    site = recorder(busy=BUSY)
    crawl(redis_server, tmp_path, site)
    assert site.fetched() == set(ARTICLES)  # the 429 one too, on its retry
    (asked,) = [at for at, path, status in site.arrivals if status == 429]
    within = [
        (round(at - asked, 3), path)
        for at, path, _ in site.arrivals
        if asked < at < asked + RETRY_AFTER
    ]
    assert within == [], f"requests within {RETRY_AFTER} s of the 429: {within}"
    later = [at for at, _, _ in site.arrivals if at > asked]
    assert later, "nothing was fetched after the 429"
