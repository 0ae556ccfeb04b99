"""The shared frontier against a real Redis: a popped request is leased until acked, comes back
once when its crawler never answers, and is never handed to two crawlers at once."""

from __future__ import annotations

import threading
import time

import redis
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from monitor.cluster import frontier
from monitor.cluster.frontier import LEASE, LeasedQueue
from monitor.cluster.keys import Keys
from monitor.cluster.pipelines import Facts, Outage
from monitor.cluster.settings import ClusterSettings

KEYS = Keys("t")


class Crawl(Spider):
    name = "cluster"

    def parse_article(self, response):
        pass

    def on_error(self, failure):
        pass


def queue(url: str, lease_seconds: float = 120) -> LeasedQueue:
    cluster = ClusterSettings(redis=url, prefix="t", lease_seconds=lease_seconds)
    return LeasedQueue(redis.Redis.from_url(url), Crawl(), KEYS.frontier, cluster=cluster)


def request(n: int, priority: int = 0) -> Request:
    spider = Crawl()
    return Request(
        f"http://127.0.0.1:1/a/{n}",
        callback=spider.parse_article,
        errback=spider.on_error,
        priority=priority,
        meta={"source": "zdf"},
    )


def test_push_pop_ack(redis_server):
    q = queue(redis_server.url)
    q.push(request(1))
    q.push(request(2, priority=5))
    assert len(q) == 2
    first = q.pop()
    assert first.url.endswith("/a/2"), "the higher priority comes first"
    assert first.callback.__name__ == "parse_article" and first.errback.__name__ == "on_error"
    assert first.meta["source"] == "zdf" and first.meta[LEASE]
    assert frontier.frontier_size(q.server, KEYS) == 1
    assert frontier.in_flight(q.server, KEYS) == 1
    frontier.ack(q.server, KEYS, first.meta[LEASE])
    assert frontier.in_flight(q.server, KEYS) == 0
    assert q.server.hlen(KEYS.leased) == 0
    assert q.pop().url.endswith("/a/1")
    assert q.pop() is None


def test_an_unanswered_request_comes_back_once_after_its_lease(redis_server):
    q = queue(redis_server.url, lease_seconds=1)
    q.push(request(1, priority=3))
    taken = q.pop()
    assert frontier.reap(q.server, KEYS) == 0, "the lease still runs"
    time.sleep(1.1)
    assert frontier.reap(q.server, KEYS) == 1
    assert frontier.reap(q.server, KEYS) == 0, "returned exactly once"
    assert (frontier.frontier_size(q.server, KEYS), frontier.in_flight(q.server, KEYS)) == (1, 0)
    assert q.server.zrange(KEYS.frontier, 0, -1, withscores=True)[0][1] == -3, "its priority kept"
    again = q.pop()
    assert (again.url, again.meta[LEASE]) == (taken.url, taken.meta[LEASE])
    assert q.pop() is None
    frontier.ack(q.server, KEYS, again.meta[LEASE])
    time.sleep(1.1)
    assert frontier.reap(q.server, KEYS) == 0, "an acked request never comes back"


def test_the_heartbeat_renews_the_leases_of_requests_in_flight(redis_server):
    """A download slower than the lease must not hand the request to a second crawler: the
    crawler renews what it sent until the answer is out, but not past the longest hold."""
    q = queue(redis_server.url, lease_seconds=1)
    facts = Facts(q.server, KEYS, Outage(redis_server.url, 1))
    for n in (1, 2, 3):
        q.push(request(n))
    slow, answered, stuck = (q.pop().meta[LEASE] for _ in range(3))
    for lease in (slow, answered, stuck):
        facts.sending(lease)
    before = {lease: q.server.zscore(KEYS.leases, lease) for lease in (slow, stuck)}
    facts.ack(answered)
    assert answered not in facts.sent, "an answered request's lease is no longer renewed"
    facts.sent[stuck] -= 61  # sent a minute ago: longer than any fetch may take
    time.sleep(0.05)
    facts.keep_leases(1000, longest=60)
    assert q.server.zscore(KEYS.leases, slow) > before[slow], "renewed from now"
    assert q.server.zscore(KEYS.leases, stuck) == before[stuck], "left to run out"
    assert set(facts.sent) == {slow}
    time.sleep(1.1)
    assert frontier.reap(q.server, KEYS) == 2, "both: no heartbeat renewed the slow one since"
    facts.keep_leases(1000, longest=60)
    assert facts.sent == {}, "a reaped request's lease is another crawler's now"


def test_two_poppers_never_get_the_same_request(redis_server):
    q = queue(redis_server.url)
    for n in range(400):
        q.push(request(n))
    got: list[list[str]] = [[], []]

    def drain(mine: list[str]) -> None:
        own = queue(redis_server.url)
        while (taken := own.pop()) is not None:
            mine.append(taken.url)

    threads = [threading.Thread(target=drain, args=(mine,)) for mine in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert got[0] and got[1], "both poppers took part"
    assert not set(got[0]) & set(got[1])
    assert len(got[0]) + len(got[1]) == 400
    assert frontier.in_flight(q.server, KEYS) == 400


def test_pushing_a_leased_request_again_ends_its_lease(redis_server):
    q = queue(redis_server.url, lease_seconds=1)
    q.push(request(1))
    retry = q.pop().replace(dont_filter=True)  # as a retry or a redirect carries its meta on
    q.push(retry)
    assert (frontier.frontier_size(q.server, KEYS), frontier.in_flight(q.server, KEYS)) == (1, 0)
    time.sleep(1.1)
    assert frontier.reap(q.server, KEYS) == 0, "queued, so not leased twice"


def test_the_scheduler_role_enqueues_without_a_queue_object(redis_server):
    server = redis.Redis.from_url(redis_server.url)
    lease = frontier.enqueue(server, KEYS, request(7, priority=2), Crawl())
    taken = queue(redis_server.url).pop()
    assert (taken.url, taken.meta[LEASE], taken.priority) == ("http://127.0.0.1:1/a/7", lease, 2)


def test_reap_works_after_a_redis_restart(redis_server):
    q = queue(redis_server.url, lease_seconds=1)
    q.push(request(1))
    q.push(request(2))
    taken = q.pop()
    redis_server.restart()  # the append-only file keeps the lease; the script cache is gone
    server = redis.Redis.from_url(redis_server.url)
    assert frontier.in_flight(server, KEYS) == 1
    time.sleep(1.1)
    assert frontier.reap(server, KEYS) == 1
    urls = {queue(redis_server.url).pop().url for _ in range(2)}
    assert urls == {"http://127.0.0.1:1/a/1", "http://127.0.0.1:1/a/2"}
    assert taken.url in urls


def test_the_queue_reads_its_settings_from_the_crawler(redis_server):
    cluster = ClusterSettings(redis=redis_server.url, prefix="t", lease_seconds=7)
    crawler = get_crawler(Crawl, {"NEWSMON_CLUSTER": cluster})
    spider = Crawl.from_crawler(crawler)
    q = LeasedQueue(redis.Redis.from_url(redis_server.url), spider, KEYS.frontier)
    assert (q.keys, q.lease_ms) == (KEYS, 7000)


def test_a_retry_loses_its_machine_local_not_before_on_the_frontier(redis_server):
    from monitor.crawl.middlewares import NOT_BEFORE

    q = queue(redis_server.url)
    retry = request(1)
    retry.meta[NOT_BEFORE] = time.monotonic() + 30  # this machine's clock only
    q.push(retry)
    popped = q.pop()
    assert NOT_BEFORE not in popped.meta and popped.meta["source"] == "zdf"
