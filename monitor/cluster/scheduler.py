"""The scheduler role (one per cluster): every tick, the requests that are due go on the frontier.

A tick takes back the leases of crawlers that died (frontier.reap), pushes the listings of each
source whose discovery is due (its `interval`, remembered in Redis so a restarted scheduler does
not rush every source at once) and the articles the revisit policy says are due, each with what
a crawler needs to know of the stored article (`meta["known"]`), since crawlers have no store.
A pushed article is pending (`{p}:pending`, lease id -> article id, written with the push)
until the writer has written its result or a crawler answered it with nothing to write: it is
not pushed again meanwhile, however long it waits on the frontier (up to `PENDING_HOURS`: a
request Redis lost, restarted without its append-only file, is never answered). Its next check
also moves lease_seconds ahead, so the store does not offer it every tick; the writer's
schedule_next sets the real one when the result arrives.

It reads and writes the store, so it runs on the writer's machine.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
import scrapy

from monitor import clock, store
from monitor.cluster import frontier
from monitor.cluster.keys import Keys, connect, keys_of, now_ms
from monitor.cluster.settings import shown
from monitor.config import Config, Source
from spiders.news import ARTICLE_STATUSES

logger = logging.getLogger("newsmon.scheduler")

# A pushed article not answered after this long is pushed again when due: its request was
# lost (a Redis restarted without its append-only file), or it waits behind a frontier hours
# long, where a second request costs one fetch more.
PENDING_HOURS = 1

# Listings before revisits: they find the new articles, and a new article is what alerts first.
LISTING_PRIORITY = 10
KNOWN = ("raw_hash", "signature", "status", "current_version", "kind")


@dataclass
class Tick:
    """What one tick did."""

    reaped: int = 0  # expired leases put back on the frontier
    discovered: int = 0  # sources whose listings were pushed
    listings: int = 0  # listing requests pushed (live blogs included)
    revisits: int = 0  # article requests pushed for due revisits
    pending: int = 0  # due articles not pushed: their last request is not written yet
    forgotten: int = 0  # pending articles pushed over PENDING_HOURS ago, free to be pushed again


class _Callbacks:
    """Stands in for ClusterSpider when a request is encoded: callbacks travel by method name,
    and the crawler's ClusterSpider resolves them to its own methods."""

    name = "cluster"

    def parse_feed(self, response: Any) -> None: ...

    def parse_sitemap(self, response: Any) -> None: ...

    def parse_section(self, response: Any) -> None: ...

    def parse_article(self, response: Any) -> None: ...

    def on_error(self, failure: Any) -> None: ...


CALLBACKS = _Callbacks()


def listing_request(db: store.Database, source: Source, url: str, kind: str) -> scrapy.Request:
    """A feed, sitemap or section request, conditional on the validators the store holds."""
    return scrapy.Request(
        url,
        callback=getattr(CALLBACKS, f"parse_{kind}"),
        errback=CALLBACKS.on_error,
        headers=store.validators(db, url),
        priority=LISTING_PRIORITY,
        dont_filter=True,  # a listing is fetched on every discovery
        meta={"newsmon": "listing", "handle_httpstatus_list": [304], "source": source.name},
    )


def article_request(source: Source, url: str, row: dict | None, live: bool) -> scrapy.Request:
    """An article request with what the crawler must know of the stored article (`row`)."""
    known = {"article_id": row["id"], **{k: row.get(k) for k in KNOWN}} if row else None
    return scrapy.Request(
        url,
        callback=CALLBACKS.parse_article,
        errback=CALLBACKS.on_error,
        headers=store.conditional_headers(row) if row else {},
        priority=LISTING_PRIORITY if live else 0,
        dont_filter=True,
        meta={
            "newsmon": "article",
            "article_id": row["id"] if row else None,
            "live": live,
            "handle_httpstatus_list": ARTICLE_STATUSES,
            "source": source.name,
            "known": known,
        },
    )


def listings_of(db: store.Database, source: Source) -> list[scrapy.Request]:
    """Everything a discovery of `source` fetches: its listings and its live blogs."""
    requests = [
        listing_request(db, source, url, kind)
        for kind, urls in (("feed", source.feeds), ("sitemap", source.sitemaps))
        for url in urls
    ]
    requests += [listing_request(db, source, url, "section") for url in source.sections]
    return requests + [
        article_request(source, url, store.lookup(db, url), live=True) for url in source.live_blogs
    ]


def revisits_of(db: store.Database, source: Source, at: str, skip: set[str]) -> list[dict]:
    """The source's due articles as full rows (the crawler's `known`), but those in `skip`."""
    due = store.articles_to_revisit(db, source.name, at=at, whole=True)
    for row in due:
        row["url"] = row.pop("revisit_url")
    return [row for row in due if row["url"] not in skip]


def tick(
    db: store.Database, server: redis.Redis, keys: Keys, config: Config, now: datetime
) -> Tick:
    """One round: reap, push what is due, hold back what was pushed. `now` is Redis's time."""
    counts = Tick(reaped=frontier.reap(server, keys))
    at_ms = int(now.timestamp() * 1000)
    counts.forgotten = _forget_pending(server, keys, at_ms - PENDING_HOURS * 3_600_000)
    last = {k.decode(): int(v) for k, v in server.hgetall(keys.discovered).items()}
    pending = {int(v) for v in server.hvals(keys.pending)}
    held: list[int] = []
    for source in (s for s in config.sources if s.enabled):
        requests: list[scrapy.Request] = []
        due = at_ms - last.get(source.name, 0) >= source.interval * 1000
        if due:
            requests = listings_of(db, source)
            counts.discovered += 1
        rows = revisits_of(db, source, clock.iso(now), {r.url for r in requests})
        listed = [r for r in requests if r.meta.get("article_id") not in pending]
        revisits = [
            article_request(source, row["url"], row, row["kind"] == "liveblog")
            for row in rows
            if row["id"] not in pending
        ]
        counts.listings += len(listed)
        counts.revisits += len(revisits)
        counts.pending += len(requests) - len(listed) + len(rows) - len(revisits)
        requests = listed + revisits
        held += [r.meta["article_id"] for r in requests if r.meta.get("article_id")]
        _push(server, keys, requests, source.name if due else None, at_ms)
    _hold(db, held, now + timedelta(seconds=config.cluster.lease_seconds))
    return counts


def _push(
    server: redis.Redis, keys: Keys, requests: list[scrapy.Request], discovered: str | None, at: int
) -> None:
    """The requests onto the frontier and the discovery's time, in one transaction."""
    if not requests and discovered is None:
        return
    entries = {frontier.encode_request(r, CALLBACKS): -r.priority for r in requests}
    articles = {r.meta[frontier.LEASE]: r.meta.get("article_id") for r in requests}
    articles = {lease: article for lease, article in articles.items() if article}

    def fill(pipe: redis.client.Pipeline) -> None:
        if entries:  # scored as scrapy-redis's PriorityQueue does: -priority
            pipe.zadd(keys.frontier, entries)
        if articles:
            pipe.hset(keys.pending, mapping=articles)
            pipe.zadd(keys.pending_since, dict.fromkeys(articles, at))
        if discovered is not None:
            pipe.hset(keys.discovered, discovered, at)

    server.transaction(fill)


def _forget_pending(server: redis.Redis, keys: Keys, before_ms: int) -> int:
    """Pending articles pushed before `before_ms` pending no more; how many there were. (An
    answered article's mark and time went with its answer: frontier.ack, stream.done.)"""
    stale = server.zrangebyscore(keys.pending_since, "-inf", before_ms)
    if not stale:
        return 0

    def drop(pipe: redis.client.Pipeline) -> None:  # one transaction: the marks and their times
        pipe.hdel(keys.pending, *stale)
        pipe.zrem(keys.pending_since, *stale)

    forgotten, _ = server.transaction(drop)
    if forgotten:
        logger.warning(
            "%d pushed article(s) unanswered for over %d h: due again (Redis restarted without "
            "its append-only file, or the frontier is hours long)",
            forgotten,
            PENDING_HOURS,
        )
    return int(forgotten)


def _hold(db: store.Database, article_ids: list[int], until: datetime) -> None:
    """Pushed articles are not due again while a crawler may hold them."""
    if not article_ids:
        return
    when = clock.iso(until)
    with db.atomic():
        for article_id in dict.fromkeys(article_ids):
            store.set_next_check(db, article_id, when)


def redis_now(server: redis.Redis) -> datetime:
    return datetime.fromtimestamp(now_ms(server) / 1000, UTC)


def beat(server: redis.Redis, keys: Keys, counts: Tick) -> None:
    record = {"at": now_ms(server), "pid": os.getpid(), "host": socket.gethostname()}
    record |= {"listings": counts.listings, "revisits": counts.revisits, "reaped": counts.reaped}
    server.set(keys.scheduler, json.dumps(record))


def run_scheduler(config: Config) -> int:
    """The scheduler role until SIGTERM/SIGINT; returns the exit code."""
    from monitor.crawl.runner import configure_logging

    configure_logging()
    settings = config.cluster
    server, keys = connect(settings), keys_of(settings)
    stop: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: stop.append(number))
    db = store.open_db(config.database)
    for source in config.sources:
        store.ensure_source(db, source.name, source.spider, _listing_settings(source))
    logger.info("scheduler on %s, every %gs", shown(settings.redis), settings.tick_seconds)
    failing = False
    while not stop:
        try:
            counts = tick(db, server, keys, config, redis_now(server))
            beat(server, keys, counts)
            if counts.listings or counts.revisits or counts.reaped:
                logger.info("pushed %s", counts)
            failing = False
        except redis.RedisError as exc:
            if not failing:  # one line while Redis stays away, not one per tick
                logger.warning("redis at %s unreachable: %s; retrying", shown(settings.redis), exc)
            failing = True
        _sleep(settings.tick_seconds, stop)
    db.close()
    return 0


def _listing_settings(source: Source) -> dict:
    return {
        "feeds": source.feeds,
        "sitemaps": source.sitemaps,
        "sections": source.sections,
        "live_blogs": source.live_blogs,
    }


def _sleep(seconds: float, stop: list[int]) -> None:
    deadline = time.monotonic() + seconds
    while not stop and time.monotonic() < deadline:
        time.sleep(min(0.2, deadline - time.monotonic()))
