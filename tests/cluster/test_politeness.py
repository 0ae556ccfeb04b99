"""Cluster-wide politeness against a real Redis: three independent middleware instances (each
with its own thread, event loop and Redis client, as three crawlers would be) send to one local
recorder, which records when each request arrives."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from monitor.cluster.frontier import LEASE
from monitor.cluster.keys import Keys
from monitor.cluster.polite import HOLD, ClusterPoliteness, NotSent, Pace
from monitor.cluster.settings import ClusterSettings

KEYS = Keys("t")


class Site:
    """A site on 127.0.0.1: /page answers at once, /slow after 0.3 s, /busy with 429 and
    Retry-After: 2 (the first time)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.active = self.most_active = 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.arrived(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arrived(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.arrivals.append((time.monotonic(), handler.path))
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            first_busy = (
                handler.path == "/busy" and sum(p == "/busy" for _, p in self.arrivals) == 1
            )
        if handler.path == "/slow":
            time.sleep(0.3)
        handler.send_response(429 if first_busy else 200)
        if first_busy:
            handler.send_header("Retry-After", "2")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        with self.lock:
            self.active -= 1


@pytest.fixture
def recorder():
    running = Site()
    yield running
    running.server.shutdown()
    running.server.server_close()


def middleware(url: str, pace: Pace) -> ClusterPoliteness:
    return ClusterPoliteness(redis.Redis.from_url(url), KEYS, pace)


async def fetch(mw: ClusterPoliteness, url: str) -> int:
    """One request through the middleware, as Scrapy's downloader would send it."""
    request = Request(url)
    await mw.process_request(request)
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            status, headers = answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        status, headers = error.code, dict(error.headers)
    mw.process_response(request, Response(url, status=status, headers=headers))
    return status


def crawlers(url: str, pace: Pace, paths: list[str], base: str, count: int = 3) -> None:
    """`count` independent instances, each fetching `paths` in turn; waits for all."""

    def run() -> None:
        mw = middleware(url, pace)

        async def crawl() -> None:
            for path in paths:
                await fetch(mw, base + path)

        asyncio.run(crawl())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()


def test_three_crawlers_never_send_closer_than_the_delay(redis_server, recorder):
    crawlers(redis_server.url, Pace(delay=0.3, margin=0.1), ["/page"] * 5, recorder.base)
    times = sorted(t for t, _ in recorder.arrivals)
    assert len(times) == 15
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.3, f"two requests {min(gaps):.3f} s apart"


def test_retry_after_holds_for_every_crawler(redis_server, recorder):
    pace = Pace(delay=0.05, margin=0.05)
    first, second = middleware(redis_server.url, pace), middleware(redis_server.url, pace)
    assert asyncio.run(fetch(first, recorder.base + "/busy")) == 429
    assert asyncio.run(fetch(second, recorder.base + "/page")) == 200
    (asked, _), (sent, _) = recorder.arrivals
    assert sent - asked >= 2.0, f"the other crawler came back after {sent - asked:.2f} s"


def test_in_flight_requests_to_a_site_are_capped_across_the_cluster(redis_server, recorder):
    crawlers(redis_server.url, Pace(delay=0.02, margin=0.01, cap=1), ["/slow"] * 3, recorder.base)
    assert len(recorder.arrivals) == 9
    assert recorder.most_active == 1
    assert redis.Redis.from_url(redis_server.url).zcard(KEYS.busy(recorder.base[7:])) == 0


def test_a_dead_crawlers_place_expires(redis_server, recorder):
    pace = Pace(delay=0.02, margin=0.01, cap=1, hold=1.0)
    dead = middleware(redis_server.url, pace)
    asyncio.run(dead.process_request(Request(recorder.base + "/page")))  # and never answers
    began = time.monotonic()
    asyncio.run(fetch(middleware(redis_server.url, pace), recorder.base + "/page"))
    waited = time.monotonic() - began
    assert 0.9 <= waited < 5, f"waited {waited:.2f} s for the dead crawler's place"


def test_a_host_paused_longer_than_a_crawler_waits_is_not_sent(redis_server, recorder):
    mw = middleware(redis_server.url, Pace(delay=0.1, longest_wait=1))
    mw.pause(recorder.base[7:], 100)
    with pytest.raises(NotSent, match="paused"):
        asyncio.run(mw.process_request(Request(recorder.base + "/page")))
    assert recorder.arrivals == []


def test_a_request_sent_after_a_wait_gets_a_whole_lease_or_is_not_sent(redis_server, recorder):
    server = redis.Redis.from_url(redis_server.url)
    mw = middleware(redis_server.url, Pace(delay=1.0, margin=0.0, cap=1, lease_ms=60_000))
    first = Request(recorder.base + "/page")
    asyncio.run(mw.process_request(first))  # the next slot: in 1 s
    mw.process_exception(first, ConnectionError())
    for lease in ("kept", "reaped"):
        server.zadd(KEYS.leases, {lease: 1})  # a deadline long past, not reaped yet
    server.zrem(KEYS.leases, "reaped")  # the scheduler's reap came while it waited
    kept = Request(recorder.base + "/page", meta={LEASE: "kept"})
    asyncio.run(mw.process_request(kept))
    deadline, now = server.zscore(KEYS.leases, "kept"), server.time()[0] * 1000
    assert now + 55_000 < deadline <= now + 61_000, "renewed from when it is sent"
    mw.process_exception(kept, ConnectionError())
    gone = Request(recorder.base + "/page", meta={LEASE: "reaped"})
    with pytest.raises(NotSent, match="lease ran out"):
        asyncio.run(mw.process_request(gone))
    assert HOLD not in gone.meta, "its in-flight place given back"


def test_the_middleware_reads_the_crawler_settings(redis_server):
    cluster = ClusterSettings(redis=redis_server.url, prefix="t")
    settings = {"NEWSMON_CLUSTER": cluster, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    mw = ClusterPoliteness.from_crawler(
        get_crawler(None, {**settings, "NEWSMON_CLUSTER_DELAY": 1.5})
    )
    assert (mw.pace.delay, mw.pace.cap, mw.keys) == (1.5, 2, KEYS)
    with pytest.raises(ValueError, match="NEWSMON_CLUSTER_DELAY"):
        ClusterPoliteness.from_crawler(get_crawler(None, settings))


def test_a_send_waits_for_the_delay_after_the_last_actual_send(redis_server):
    """Slots are planned; a crawler that woke late must not bring the next send closer."""
    first = middleware(redis_server.url, Pace(delay=0.5))
    second = middleware(redis_server.url, Pace(delay=0.5))
    asyncio.run(first._note_send("late.example"))  # sent late, whatever its slot was
    started = time.monotonic()
    asyncio.run(second._note_send("late.example"))
    assert time.monotonic() - started >= 0.45
    started = time.monotonic()
    asyncio.run(second._note_send("other.example"))  # another host: no wait
    assert time.monotonic() - started < 0.2
