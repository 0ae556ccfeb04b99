"""The scheduler role's tick, against a real redis-server and a real SQLite store: what is due
goes on the frontier once, not again while a crawler may hold it, and a crawler that died
gives its requests back."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from monitor import clock, store
from monitor.cluster import frontier, stream
from monitor.cluster.keys import Keys
from monitor.cluster.scheduler import CALLBACKS, tick
from monitor.cluster.settings import ClusterSettings
from monitor.config import load_config
from monitor.crawl.record import Extracted, record_page
from monitor.items import Article, Listing, Page

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
SITE = "http://127.0.0.1:8800"
# config/sample.toml's enabled sources: zdf (feed, sitemap, section, live blog), tagesschau
# (two feeds, live blog), world (feed).
LISTINGS = 8
SOURCES = 3


def _article(n: int) -> Extracted:
    url = f"{SITE}/zdf/politik/bericht-{n:03d}.html"
    body = [f"Absatz {i} über die Verhandlung in Genf." for i in range(4)]
    article = Article(url=url, canonical_url=url, headline=f"Bericht {n}", lead=body[0],
                      body=body, language="de")  # fmt: skip
    html = ("<html><body>" + "".join(f"<p>{p}</p>" for p in body) + "</body></html>").encode()
    return Extracted(Page(url, "zdf", 200, html, etag=f'"v{n}"'), article=article)


@pytest.fixture
def cluster(redis_server, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_DB", str(tmp_path / "monitor.db"))
    config = load_config(ROOT / "config" / "sample.toml")
    config.cluster = ClusterSettings(redis=redis_server.url, prefix="t", lease_seconds=60)
    db = store.open_db(config.database)
    for n in (1, 2):
        record_page(db, _article(n))  # no next check yet: both due
    feed = config.source("zdf").feeds[0]
    store.record_discovery(db, Listing(feed, "zdf", '"feed-1"', None))
    yield config, db, redis.Redis.from_url(redis_server.url), Keys("t")
    db.close()


def _frontier(server: redis.Redis, keys: Keys) -> list:
    entries = server.zrange(keys.frontier, 0, -1)
    return [frontier.decode_request(entry, CALLBACKS) for entry in entries]


def test_a_tick_pushes_due_listings_and_revisits_once(cluster):
    config, db, server, keys = cluster
    counts = tick(db, server, keys, config, NOW)
    assert (counts.discovered, counts.listings, counts.revisits) == (SOURCES, LISTINGS, 2)
    requests = _frontier(server, keys)
    assert len(requests) == LISTINGS + 2
    # Listings first (the lowest score pops first), callbacks by the spider's method names.
    assert all(r.meta["newsmon"] == "listing" or r.meta["live"] for r in requests[:LISTINGS])
    assert [r.meta["live"] for r in requests[LISTINGS:]] == [False, False]
    by_url = {r.url: r for r in requests}
    feed = by_url[config.source("zdf").feeds[0]]
    assert feed.callback.__name__ == "parse_feed" and feed.errback.__name__ == "on_error"
    assert feed.headers.get("If-None-Match") == b'"feed-1"'
    assert feed.meta["source"] == "zdf"
    revisit = by_url[f"{SITE}/zdf/politik/bericht-001.html"]
    assert revisit.callback.__name__ == "parse_article"
    assert revisit.headers.get("If-None-Match") == b'"v1"'
    known = revisit.meta["known"]
    assert known["article_id"] == revisit.meta["article_id"]
    assert known["status"] == "live" and known["raw_hash"] and known["current_version"]

    # In flight: neither the listings (not due) nor the revisits (held) go out again.
    again = tick(db, server, keys, config, NOW + timedelta(seconds=30))
    assert (again.discovered, again.listings, again.revisits) == (0, 0, 0)
    assert server.zcard(keys.frontier) == LISTINGS + 2
    held = clock.iso(NOW + timedelta(seconds=59))
    assert store.articles_to_revisit(db, "zdf", at=held) == []
    assert len(store.articles_to_revisit(db, "zdf", at=clock.iso(NOW + timedelta(seconds=61)))) == 2

    # Once the source's interval (2m) has passed, its listings are due again.
    later = tick(db, server, keys, config, NOW + timedelta(minutes=2))
    assert (later.discovered, later.listings) == (SOURCES, LISTINGS)


def test_expired_leases_go_back_to_the_frontier(cluster):
    config, db, server, keys = cluster
    tick(db, server, keys, config, NOW)
    queue = frontier.LeasedQueue(
        server, CALLBACKS, keys.frontier, cluster=ClusterSettings("", prefix="t", lease_seconds=0.3)
    )
    taken = queue.pop()  # a crawler takes it, then dies
    assert taken is not None
    assert frontier.in_flight(server, keys) == 1
    assert server.zcard(keys.frontier) == LISTINGS + 1
    assert tick(db, server, keys, config, NOW).reaped == 0  # not expired yet
    time.sleep(0.5)
    assert tick(db, server, keys, config, NOW + timedelta(seconds=1)).reaped == 1
    assert frontier.in_flight(server, keys) == 0
    back = [r for r in _frontier(server, keys) if r.url == taken.url]
    assert len(back) == 1 and back[0].meta["lease"] == taken.meta["lease"]


def test_a_restarted_scheduler_does_not_rush_undue_discoveries(cluster, redis_server):
    config, db, server, keys = cluster
    tick(db, server, keys, config, NOW)
    server.delete(keys.frontier)  # the crawlers fetched everything
    redis_server.restart()
    server = redis.Redis.from_url(redis_server.url)
    counts = tick(db, server, keys, config, NOW + timedelta(seconds=50))
    assert (counts.discovered, counts.listings, counts.revisits) == (0, 0, 0)
    assert server.zcard(keys.frontier) == 0
    due = tick(db, server, keys, config, NOW + timedelta(seconds=121))
    assert due.discovered == SOURCES


def test_a_revisit_still_waiting_is_not_pushed_again_until_written(cluster):
    config, db, server, keys = cluster
    first = tick(db, server, keys, config, NOW)
    assert first.revisits == 2
    # No crawler took them; long after their hold ran out they still wait on the frontier.
    later = NOW + timedelta(minutes=1, seconds=1)
    assert len(store.articles_to_revisit(db, "zdf", at=clock.iso(later))) == 2
    waiting = tick(db, server, keys, config, later)
    assert (waiting.revisits, waiting.pending) == (0, 2)
    revisits = [
        r for r in _frontier(server, keys) if r.meta.get("article_id") and not r.meta["live"]
    ]
    assert len(revisits) == 2 and len({r.meta["lease"] for r in revisits}) == 2
    one, other = revisits
    # One is answered with nothing to write (frontier.ack), the other's page is written by the
    # writer (stream.done with its lease): both may be pushed again once due.
    frontier.ack(server, keys, one.meta["lease"])
    still = tick(db, server, keys, config, later + timedelta(minutes=1, seconds=1))
    assert (still.revisits, still.pending) == (1, 1)
    stream.publish(server, keys, "listing", Listing(SITE, "zdf", None, None), other.meta["lease"])
    stream.ensure_group(server, keys)
    (fact,) = stream.read(server, keys, "w", 10, 100, 60_000)
    assert fact.lease == other.meta["lease"]
    stream.done(server, keys, [fact.id], [fact.lease])
    again = tick(db, server, keys, config, later + timedelta(minutes=2, seconds=2))
    assert (again.revisits, again.pending) == (1, 1)  # the other; the first one's new push waits
    assert server.hlen(keys.pending) == 2
    assert server.zcard(keys.pending_since) == 2, "an answered push's time goes with its mark"


def test_a_pushed_article_whose_request_was_lost_is_pushed_again_after_an_hour(cluster):
    """A frontier lost while its pending marks stayed (evicted under maxmemory, deleted by hand,
    a Redis restarted without its append-only file) must not stop those articles' revisits."""
    config, db, server, keys = cluster
    assert tick(db, server, keys, config, NOW).revisits == 2
    server.delete(keys.frontier)  # the requests are gone; nobody will ever answer them
    soon = tick(db, server, keys, config, NOW + timedelta(minutes=5))
    assert (soon.revisits, soon.pending, soon.forgotten) == (0, 2, 0)
    later = tick(db, server, keys, config, NOW + timedelta(hours=1, minutes=5))
    assert (later.forgotten, later.revisits, later.pending) == (2, 2, 0)
    assert server.hlen(keys.pending) == 2, "the new pushes are pending in their place"
    assert server.zcard(keys.pending_since) == 2
