"""Politeness across the whole cluster: per-site delay, per-site concurrency and Retry-After
hold for all crawlers together, not per crawler.

Each host has, in Redis, its next free send time and the set of requests to it in flight.
Before a request goes out, one Lua script (Redis time) takes the host's next slot and a place
among its in-flight requests; the crawler then sleeps until the slot. Slots are DELAY + MARGIN
apart: the margin absorbs how late a crawler may wake and send, so the site never sees two
requests closer than DELAY. A 429/503 with Retry-After moves the host's next slot for everyone.
An in-flight place expires on its own (download timeout after its slot), so a crawler that
dies mid-request does not hold it forever.

Settings: NEWSMON_CLUSTER (the ClusterSettings), NEWSMON_CLUSTER_DELAY (seconds: the config's
crawl.download_delay; Scrapy's DOWNLOAD_DELAY is 0 in a cluster crawler so the two do not add
up), CONCURRENT_REQUESTS_PER_DOMAIN (the cluster-wide cap), NEWSMON_CLUSTER_MARGIN,
DOWNLOAD_TIMEOUT, NEWSMON_RETRY_AFTER_MAX (longest wait a request sits out in a crawler).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from redis.commands.core import Script
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from monitor.cluster.frontier import LEASE, SETTING, renew
from monitor.cluster.keys import Keys, connect, keys_of
from monitor.crawl.middlewares import retry_after_seconds

log = logging.getLogger("newsmon.fetch")
HOLD = "newsmon_cluster_hold"  # request meta: (host, token) of its in-flight place
BUSY, RESERVED, TOO_FAR = 0, 1, 2

# KEYS: polite (next free send ms), busy (zset token -> expiry ms).
# ARGV: gap ms, cap (0: none), hold ms, longest wait ms, token.
_RESERVE = Script(
    None,
    b"""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[2])
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= cap then return {0, 0} end
end
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local wait = slot - now
if wait > tonumber(ARGV[4]) then return {2, wait} end
local gap = tonumber(ARGV[1])
local keep = string.format('%d', wait + gap + 60000)
redis.call('SET', KEYS[1], string.format('%d', slot + gap), 'PX', keep)
if cap > 0 then
  local hold = tonumber(ARGV[3])
  redis.call('ZADD', KEYS[2], string.format('%d', slot + hold), ARGV[5])
  if redis.call('PTTL', KEYS[2]) < wait + hold then
    redis.call('PEXPIRE', KEYS[2], string.format('%d', wait + hold))
  end
end
return {1, wait}
""",
)

# KEYS: polite, paused. ARGV: wait ms. The host's next slot is at least now + wait, and
# `paused` exists until then (requests that already hold a slot look at it before sending).
_PAUSE = Script(
    None,
    b"""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = tonumber(ARGV[1])
local resume = now + wait
if resume > tonumber(redis.call('GET', KEYS[1]) or '0') then
  local keep = string.format('%d', wait + 60000)
  redis.call('SET', KEYS[1], string.format('%d', resume), 'PX', keep)
end
if wait > 0 and redis.call('PTTL', KEYS[2]) < wait then
  redis.call('SET', KEYS[2], '1', 'PX', string.format('%d', wait))
end
return resume - now
""",
)


# KEYS: sent (when the host last got a request, ms). ARGV: delay ms. 0 and the send noted when
# the delay has passed since the last send; else how long is left. Slots are planned; this is
# the check at the moment of sending, so a crawler that woke late (a loaded machine) cannot
# bring the next request closer to its own than the delay.
_SEND = Script(
    None,
    b"""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delay = tonumber(ARGV[1])
local left = tonumber(redis.call('GET', KEYS[1]) or '0') + delay - now
if left > 0 then return left end
redis.call('SET', KEYS[1], string.format('%d', now), 'PX', string.format('%d', delay + 60000))
return 0
""",
)


class NotSent(IgnoreRequest):
    """Not sent by this crawler (its host is paused longer than a crawler waits, or the crawl is
    stopping). The lease is left to run out, so the request comes back to the frontier."""


@dataclass
class Pace:
    delay: float  # seconds between two requests to one host, cluster-wide
    margin: float = 0.2  # added to each gap: how late a crawler may wake and still be polite
    cap: int = 0  # requests to one host in flight, cluster-wide (0: no cap)
    hold: float = 190.0  # an in-flight place expires this long after its slot
    longest_wait: float = 60.0  # a request whose slot is further away is not sent
    poll: float = 0.2  # how often a request waiting for an in-flight place asks again
    lease_ms: int = 0  # the frontier's lease, renewed when a request is sent (0: not renewed)


class ClusterPoliteness:
    """A downloader middleware (Scrapy 2.19: async process_request without a spider argument;
    the asyncio reactor runs it on the asyncio loop)."""

    def __init__(self, server: redis.Redis, keys: Keys, pace: Pace, crawler: Any = None) -> None:
        self.server = server
        self.keys = keys
        self.pace = pace
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterPoliteness:
        settings = crawler.settings
        cluster = settings.get(SETTING)
        if cluster is None or settings.get("NEWSMON_CLUSTER_DELAY") is None:
            raise ValueError("ClusterPoliteness needs NEWSMON_CLUSTER and NEWSMON_CLUSTER_DELAY")
        pace = Pace(
            delay=settings.getfloat("NEWSMON_CLUSTER_DELAY"),
            margin=settings.getfloat("NEWSMON_CLUSTER_MARGIN", 0.2),
            cap=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 0),
            hold=settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 10,
            longest_wait=settings.getfloat("NEWSMON_RETRY_AFTER_MAX", 60.0),
            lease_ms=int(cluster.lease_seconds * 1000),
        )
        return cls(connect(cluster), keys_of(cluster), pace, crawler)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).netloc
        while True:
            wait_ms = await self._take_slot(host, request)
            await self._sleep(wait_ms / 1000)
            # A Retry-After that came while this request slept outranks the slot it holds.
            if not self.server.exists(self.keys.paused(host)):
                break
            self._release(request)
        await self._note_send(host)
        self._renew(request)

    async def _note_send(self, host: str) -> None:
        """Wait until the delay has passed since the cluster's last request to `host`, and
        note this one as sent."""
        if self.pace.delay <= 0:
            return
        delay_ms = int(self.pace.delay * 1000)
        while (left := int(_SEND([self.keys.sent(host)], [delay_ms], client=self.server))) > 0:
            await self._sleep(left / 1000)

    def _renew(self, request: Request) -> None:
        """The request's lease runs from now: a wait for its slot must not leave it a lease
        about to run out. One reaped while it waited is another crawler's to send."""
        lease = request.meta.get(LEASE)
        if (
            lease
            and self.pace.lease_ms
            and not renew(self.server, self.keys, lease, self.pace.lease_ms)
        ):
            self._release(request)
            raise NotSent("not sent: its lease ran out while it waited; back on the frontier")
        facts = getattr(getattr(self.crawler, "spider", None), "facts", None)
        if lease and facts is not None:
            facts.sending(lease)  # its heartbeat renews the lease until the answer is out

    async def _take_slot(self, host: str, request: Request) -> int:
        """A send slot of `host` and, with a cap, a place among its requests in flight; how
        long until the slot (ms)."""
        token = uuid.uuid4().hex
        while True:
            status, wait_ms = self._reserve(host, token)
            if status == RESERVED:
                break
            if status == TOO_FAR:
                raise NotSent(f"{host} is paused for {wait_ms / 1000:.0f} s more (Retry-After)")
            await self._sleep(self.pace.poll)
        if self.pace.cap:
            request.meta[HOLD] = (host, token)
        return wait_ms

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        if response.status in (429, 503):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            if wait is not None:
                self.pause(urlparse_cached(request).netloc, wait)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def pause(self, host: str, seconds: float) -> None:
        """No request to `host` from any crawler for `seconds` from now (Redis time)."""
        keys = [self.keys.polite(host), self.keys.paused(host)]
        _PAUSE(keys, [int(seconds * 1000)], client=self.server)
        log.info("%s asked to wait %.0f s (Retry-After): paused for the cluster", host, seconds)

    def _reserve(self, host: str, token: str) -> tuple[int, int]:
        pace = self.pace
        # No delay asked, none kept: the margin only keeps a delay from shrinking, and without
        # a delay it would cap a host at one request per margin for the whole cluster.
        gap = pace.delay + pace.margin if pace.delay > 0 else 0.0
        args = [
            int(gap * 1000),
            pace.cap,
            int(pace.hold * 1000),
            int(pace.longest_wait * 1000),
            token,
        ]
        keys = [self.keys.polite(host), self.keys.busy(host)]
        status, wait_ms = _RESERVE(keys, args, client=self.server)
        return int(status), int(wait_ms)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(HOLD, None)
        if held is not None:
            host, token = held
            self.server.zrem(self.keys.busy(host), token)

    async def _sleep(self, seconds: float) -> None:
        # In short steps, so a crawl that is being stopped does not sit out a long pause.
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            engine = getattr(self.crawler, "engine", None)
            if self.crawler is not None and (engine is None or not engine.running):
                raise NotSent("not sent: the crawl is stopping")
            await asyncio.sleep(min(left, 0.5))
