"""The result stream on a real Redis: a fact and its lease's release are one step; a writer
reads its own pending entries first, takes over a dead writer's after the lease, and refuses
another newsmon version's entries without losing them."""

from __future__ import annotations

import logging
import time

import pytest
import redis

from monitor.cluster import stream
from monitor.cluster.keys import WRITERS, Keys
from monitor.items import Listing

KEYS = Keys("test")
LONG = 60_000  # ms: no takeover within a test


@pytest.fixture
def server(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    stream.ensure_group(client, KEYS)
    stream.ensure_group(client, KEYS)  # a second time: the group is there already
    return client


def listing(n: int) -> Listing:
    return Listing(f"https://example.org/feed-{n}", "zdf", etag=f'"{n}"')


def test_publishing_a_fact_releases_its_lease_in_the_same_step(server):
    server.zadd(KEYS.leases, {"lease-1": 10**13})
    server.hset(KEYS.leased, "lease-1", b"request")
    entry = stream.publish(server, KEYS, "listing", listing(1), lease_id="lease-1")
    assert server.zcard(KEYS.leases) == 0 and server.hlen(KEYS.leased) == 0
    [(found, fields)] = server.xrange(KEYS.results)
    assert found.decode() == entry
    assert fields[b"kind"] == b"listing" and fields[b"version"] == stream.VERSION.encode()
    [fact] = stream.read(server, KEYS, "w", 10, 100, LONG)
    assert (fact.id, fact.kind) == (entry, "listing")
    assert fact.payload() == listing(1)


def test_an_unknown_kind_is_refused_before_it_reaches_the_stream(server):
    with pytest.raises(ValueError, match="unknown fact kind 'pages'"):
        stream.publish(server, KEYS, "pages", listing(1))
    assert server.xlen(KEYS.results) == 0


def test_own_pending_entries_come_before_new_ones_and_done_removes_them(server):
    first = stream.publish(server, KEYS, "listing", listing(1))
    assert [f.id for f in stream.read(server, KEYS, "w", 10, 100, LONG)] == [first]
    second = stream.publish(server, KEYS, "listing", listing(2))
    # Not acknowledged: read again (a writer that restarted under its name), before the new one.
    assert [f.id for f in stream.read(server, KEYS, "w", 10, 100, LONG)] == [first]
    stream.done(server, KEYS, [first])
    assert [f.id for f in stream.read(server, KEYS, "w", 10, 100, LONG)] == [second]
    stream.done(server, KEYS, [second])
    assert server.xlen(KEYS.results) == 0
    assert server.xpending(KEYS.results, WRITERS)["pending"] == 0
    assert stream.read(server, KEYS, "w", 10, 100, LONG) == []


def test_a_dead_readers_entries_are_taken_over_after_the_lease(server):
    entry = stream.publish(server, KEYS, "listing", listing(1))
    assert [f.id for f in stream.read(server, KEYS, "dead", 10, 100, 1000)] == [entry]
    assert stream.read(server, KEYS, "heir", 10, 100, 1000) == []  # the lease still runs
    time.sleep(1.1)
    assert [f.id for f in stream.read(server, KEYS, "heir", 10, 100, 1000)] == [entry]
    consumers = {c["name"]: c["pending"] for c in server.xinfo_consumers(KEYS.results, WRITERS)}
    assert consumers[b"heir"] == 1 and consumers[b"dead"] == 0


def test_another_versions_entries_are_refused_in_one_line_and_kept(server, caplog):
    stream._REFUSED.discard("0.0.1")
    foreign = server.xadd(KEYS.results, {"kind": "page", "version": "0.0.1", "data": b"?"})
    ours = stream.publish(server, KEYS, "listing", listing(1))
    with caplog.at_level(logging.ERROR, logger="newsmon.cluster"):
        facts = stream.read(server, KEYS, "w", 10, 100, LONG)
        assert stream.read(server, KEYS, "w", 10, 100, LONG) == [facts[0]]  # own pending
    assert [f.id for f in facts] == [ours]
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert "from newsmon 0.0.1 refused: this writer runs newsmon " + stream.VERSION in lines[0]
    # Unacknowledged, parked out of this writer's way, still on the stream.
    [pending] = server.xpending_range(KEYS.results, WRITERS, "-", "+", 10, consumername="refused")
    assert pending["message_id"] == foreign
    assert server.xlen(KEYS.results) == 2


def test_a_deleted_entry_left_pending_is_finished(server):
    entry = stream.publish(server, KEYS, "listing", listing(1))
    stream.read(server, KEYS, "w", 10, 100, LONG)
    server.xdel(KEYS.results, entry)  # a writer that died between XDEL and XACK (or trimmed)
    assert stream.read(server, KEYS, "w", 10, 100, LONG) == []
    assert server.xpending(KEYS.results, WRITERS)["pending"] == 0


def test_a_lost_group_is_made_again(server):
    server.delete(KEYS.results)  # a Redis that lost its data
    assert stream.read(server, KEYS, "w", 10, 100, LONG) == []
    entry = stream.publish(server, KEYS, "listing", listing(1))
    assert [f.id for f in stream.read(server, KEYS, "w", 10, 100, LONG)] == [entry]
