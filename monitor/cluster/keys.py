"""Every Redis key of a cluster, from its prefix, and the connection to that Redis.

Time is always Redis's own (`now_ms`): the machines of a cluster need not agree on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from monitor.cluster.settings import ClusterSettings

WRITERS = "writers"  # the stream's consumer group


@dataclass(frozen=True)
class Keys:
    prefix: str

    @property
    def frontier(self) -> str:  # scrapy-redis priority queue (a sorted set)
        return f"{self.prefix}:frontier"

    @property
    def seen(self) -> str:  # scrapy-redis duplicate filter (a set of request fingerprints)
        return f"{self.prefix}:seen"

    @property
    def leases(self) -> str:  # sorted set: lease id -> deadline (ms, Redis time)
        return f"{self.prefix}:leases"

    @property
    def leased(self) -> str:  # hash: lease id -> the encoded request it holds
        return f"{self.prefix}:leased"

    @property
    def pending(self) -> str:  # hash: lease id -> article id of a pushed article not written yet
        return f"{self.prefix}:pending"

    @property
    def pending_since(self) -> str:  # sorted set: lease id -> when its article was pushed (ms)
        return f"{self.prefix}:pending-since"

    @property
    def results(self) -> str:  # stream: what crawlers found, for the writer
        return f"{self.prefix}:results"

    @property
    def crawlers(self) -> str:  # hash: crawler name -> its last heartbeat (JSON)
        return f"{self.prefix}:crawlers"

    @property
    def discovered(self) -> str:  # hash: source name -> when its listings were last pushed (ms)
        return f"{self.prefix}:discovered"

    @property
    def scheduler(self) -> str:  # the scheduler's heartbeat (JSON), for `newsmon status`
        return f"{self.prefix}:scheduler"

    def polite(self, host: str) -> str:  # the host's next free send time (ms)
        return f"{self.prefix}:polite:{host}"

    def sent(self, host: str) -> str:  # when the cluster last sent a request to the host (ms)
        return f"{self.prefix}:sent:{host}"

    def paused(self, host: str) -> str:  # exists while the host's Retry-After runs
        return f"{self.prefix}:paused:{host}"

    def busy(self, host: str) -> str:  # requests to the host in flight, cluster-wide
        return f"{self.prefix}:busy:{host}"


def keys_of(settings: ClusterSettings) -> Keys:
    return Keys(settings.prefix)


def connect(settings: ClusterSettings) -> redis.Redis:
    """A client of the cluster's Redis (bytes in, bytes out); connects on first use."""
    return redis.Redis.from_url(
        settings.redis, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30
    )


def now_ms(server: redis.Redis) -> int:
    seconds, micros = server.time()
    return int(seconds) * 1000 + int(micros) // 1000
