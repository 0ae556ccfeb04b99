"""The test Redis keeps what it was told across a restart (its append-only file), as the
cluster's fault tests assume."""

import redis


def test_a_restarted_redis_still_holds_its_keys(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.xadd("results", {"n": "1"})
    client.zadd("frontier", {"a": 1.0})
    redis_server.restart()
    client = redis.Redis.from_url(redis_server.url)
    assert client.xlen("results") == 1
    assert client.zrange("frontier", 0, -1) == [b"a"]
