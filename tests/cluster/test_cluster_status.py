"""`newsmon status` on a cluster: what waits in Redis, who works on it, how far the writer is
behind; one line when Redis does not answer."""

from __future__ import annotations

import json
from pathlib import Path

import redis
from conftest import free_port

from monitor.cli.status import status_report
from monitor.cluster.keys import WRITERS, Keys, now_ms
from monitor.cluster.settings import ClusterSettings
from monitor.cluster.status import cluster_lines
from monitor.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def _config(url: str, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NEWSMON_DB", str(tmp_path / "monitor.db"))
    config = load_config(ROOT / "config" / "sample.toml")
    config.cluster = ClusterSettings(redis=url, prefix="s", heartbeat_seconds=10)
    return config


def test_redis_down_is_one_line_without_the_password(tmp_path, monkeypatch):
    url = f"redis://:sekret@127.0.0.1:{free_port()}/0"
    lines = cluster_lines(_config(url, tmp_path, monkeypatch))
    assert len(lines) == 1
    assert "unreachable" in lines[0] and "***" in lines[0] and "sekret" not in lines[0]


def test_the_cluster_lines_show_frontier_crawlers_backlog_and_writer_lag(
    redis_server, tmp_path, monkeypatch
):
    config = _config(redis_server.url, tmp_path, monkeypatch)
    server, keys = redis.Redis.from_url(redis_server.url), Keys("s")
    now = now_ms(server)
    server.zadd(keys.frontier, {b"a": 0, b"b": 0})
    server.zadd(keys.leases, {"lease-1": now + 60_000})
    server.hset(keys.crawlers, "alpha", json.dumps({"at": now - 2000, "pid": 1, "pages": 7}))
    server.hset(keys.crawlers, "beta", json.dumps({"at": now - 600_000, "pid": 2}))
    server.set(keys.scheduler, json.dumps({"at": now - 1000}))
    old = f"{now - 125_000}-0"  # written two minutes ago, still not stored
    server.xadd(keys.results, {"k": "page"}, id=old)
    server.xadd(keys.results, {"k": "page"})
    server.xadd(keys.results, {"k": "page"})
    server.xgroup_create(keys.results, WRITERS, id="0")
    server.xreadgroup(WRITERS, "writer", {keys.results: ">"}, count=1)

    text = "\n".join(cluster_lines(config))
    assert "frontier: 2 requests waiting, 1 in flight" in text
    assert "scheduler: last tick 1s ago" in text and "STALE: not running" not in text
    assert "crawlers: 1 alive of 2" in text
    assert "alpha: last heartbeat 2s ago, 7 pages\n" in text + "\n"
    assert "beta: last heartbeat 10m ago (STALE)" in text
    assert "stream: 2 unread, 1 read but not acknowledged" in text
    assert "writer lag: 2m5s" in text

    # `newsmon status` shows them, after the daemon's line.
    report = status_report(config)
    assert "frontier: 2 requests waiting" in report


def test_an_empty_cluster_says_nothing_waits(redis_server, tmp_path, monkeypatch):
    config = _config(redis_server.url, tmp_path, monkeypatch)
    text = "\n".join(cluster_lines(config))
    assert "frontier: 0 requests waiting, 0 in flight" in text
    assert "scheduler: never ran" in text
    assert "crawlers: 0 alive" in text
    assert "writer lag: none" in text
