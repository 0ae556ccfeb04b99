"""The shared frontier: scrapy-redis's priority queue, where a popped request is leased, not
gone.

A crawler that pops a request holds a lease on it until its result is on the stream (`ack`,
which stream.publish does in the same transaction). A crawler that dies mid-page never acks;
the scheduler's `reap` puts every lease past its deadline back on the frontier, so another
crawler fetches it. Deadlines are Redis time: the machines' clocks need not agree.

A frontier entry is `LEASE_ID SCORE\\n` followed by the serialized request, so the Lua scripts
know the lease and the priority without unpickling; the lease id also keeps two pushes of one
URL (a revisit and a discovery) apart in the sorted set.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import redis
from redis.commands.core import Script
from scrapy import Request
from scrapy_redis import picklecompat
from scrapy_redis.queue import PriorityQueue

from monitor.cluster.keys import Keys
from monitor.cluster.settings import ClusterSettings
from monitor.crawl.middlewares import NOT_BEFORE

LEASE = "lease"  # request meta: the id of the frontier entry this request came from
SETTING = "NEWSMON_CLUSTER"  # Scrapy setting: the ClusterSettings of a cluster crawler
_HEADER = re.compile(rb"^([0-9a-f]+) (\S+)\n")

# KEYS: frontier, leases, leased. ARGV: lease length (ms).
_POP = Script(
    None,
    b"""
local top = redis.call('ZRANGE', KEYS[1], 0, 0)
local entry = top[1]
if not entry then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = string.match(entry, '^(%x+) ')
redis.call('ZREM', KEYS[1], entry)
redis.call('ZADD', KEYS[2], string.format('%d', now + tonumber(ARGV[1])), lease)
redis.call('HSET', KEYS[3], lease, entry)
return entry
""",
)

# KEYS: frontier, leases, leased. ARGV: most leases to return in one call.
_REAP = Script(
    None,
    b"""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, ARGV[1])
local returned = 0
for _, lease in ipairs(expired) do
  local entry = redis.call('HGET', KEYS[3], lease)
  redis.call('ZREM', KEYS[2], lease)
  redis.call('HDEL', KEYS[3], lease)
  if entry then
    local score = string.match(entry, '^%x+ (%S+)\\n')
    redis.call('ZADD', KEYS[1], score or '0', entry)
    returned = returned + 1
  end
end
return returned
""",
)

# KEYS: frontier, leases, leased. ARGV: score, entry, lease id.
# A request pushed while its lease is held (a retry, a redirect) is back on the frontier, so
# the hold ends in the same step: it is either leased or queued, never both.
_PUSH = Script(
    None,
    b"""
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3])
""",
)


# KEYS: leases. ARGV: lease id, lease length (ms). 1: renewed; 0: not held (reaped, answered).
_RENEW = Script(
    None,
    b"""
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
return 1
""",
)

# KEYS: leases, leased, pending, pending-since. ARGV: lease id.
_ACK = Script(
    None,
    b"""
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
""",
)


def encode_request(request: Request, spider: Any, serializer: Any = picklecompat) -> bytes:
    """The frontier entry of `request` (callbacks by name on `spider`, as the queue stores
    them); gives the request a lease id in its meta when it has none."""
    lease = request.meta.setdefault(LEASE, uuid.uuid4().hex)
    blob = serializer.dumps(request.to_dict(spider=spider))
    return f"{lease} {_score(request)}\n".encode() + blob


def decode_request(entry: bytes, spider: Any, serializer: Any = picklecompat) -> Request:
    from scrapy.utils.request import request_from_dict

    header = _HEADER.match(entry)
    if header is None:
        raise ValueError("not a frontier entry of newsmon (no lease header)")
    request = request_from_dict(serializer.loads(entry[header.end() :]), spider=spider)
    request.meta[LEASE] = header.group(1).decode()
    return request


def enqueue(server: redis.Redis, keys: Keys, request: Request, spider: Any) -> str:
    """Put `request` on the frontier (not through the duplicate filter); its lease id."""
    entry = encode_request(request, spider)
    _PUSH(_all(keys), [_score(request), entry, request.meta[LEASE]], client=server)
    return request.meta[LEASE]


def ack(server: redis.Redis, keys: Keys, lease_id: str) -> None:
    """The request of `lease_id` is answered with nothing for the writer: it never comes back,
    and its article (if the scheduler pushed one) may be pushed again."""
    _ACK([keys.leases, keys.leased, keys.pending, keys.pending_since], [lease_id], client=server)


def renew(server: redis.Redis, keys: Keys, lease_id: str, lease_ms: int) -> bool:
    """A full lease again from now, for a request about to be sent; False when its lease is gone
    (reaped while it waited: back on the frontier, another crawler's to send)."""
    return bool(_RENEW([keys.leases], [lease_id, lease_ms], client=server))


def reap(server: redis.Redis, keys: Keys, batch: int = 1000) -> int:
    """Every lease past its deadline back to the frontier, atomically; how many came back."""
    returned = 0
    while True:
        count = int(_REAP(_all(keys), [batch], client=server))
        returned += count
        if count < batch:
            return returned


def frontier_size(server: redis.Redis, keys: Keys) -> int:
    return int(server.zcard(keys.frontier))


def in_flight(server: redis.Redis, keys: Keys) -> int:
    """Requests some crawler holds a lease on."""
    return int(server.zcard(keys.leases))


class LeasedQueue(PriorityQueue):
    """SCHEDULER_QUEUE_CLASS of a cluster crawler. Its settings come from the spider's
    NEWSMON_CLUSTER (the ClusterSettings: key prefix, lease length); the frontier is the
    scheduler's SCHEDULER_QUEUE_KEY."""

    def __init__(
        self,
        server: redis.Redis,
        spider: Any,
        key: str,
        serializer: Any = None,
        cluster: ClusterSettings | None = None,
    ) -> None:
        super().__init__(server, spider, key, serializer)
        cluster = cluster or spider.settings[SETTING]
        self.keys = Keys(cluster.prefix)
        self.lease_ms = int(cluster.lease_seconds * 1000)

    def _encode_request(self, request: Request) -> bytes:
        return encode_request(request, self.spider, self.serializer)

    def _decode_request(self, encoded_request: bytes) -> Request:
        return decode_request(encoded_request, self.spider, self.serializer)

    def push(self, request: Request) -> None:
        # A retry's not-before is this machine's monotonic clock: meaningless to another
        # crawler. The cluster's politeness spaces the retry instead (and keeps Retry-After).
        request.meta.pop(NOT_BEFORE, None)
        entry = self._encode_request(request)
        keys = [self.key, self.keys.leases, self.keys.leased]
        _PUSH(keys, [_score(request), entry, request.meta[LEASE]], client=self.server)

    def pop(self, timeout: float = 0) -> Request | None:
        keys = [self.key, self.keys.leases, self.keys.leased]
        entry = _POP(keys, [self.lease_ms], client=self.server)
        return self._decode_request(entry) if entry else None


def _score(request: Request) -> int:
    return -request.priority  # scrapy-redis's order: the lowest score is popped first


def _all(keys: Keys) -> list[str]:
    return [keys.frontier, keys.leases, keys.leased]
