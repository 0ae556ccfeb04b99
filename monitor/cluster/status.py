"""The cluster's part of `newsmon status`: what waits in Redis and who is working on it.

Ages are measured on Redis's clock, the one every role writes its times with.
"""

from __future__ import annotations

import json

import redis

from monitor.clock import format_duration
from monitor.cluster import frontier
from monitor.cluster.keys import WRITERS, Keys, connect, keys_of, now_ms
from monitor.cluster.settings import ClusterSettings, shown
from monitor.config import Config

STALE_BEATS = 3  # heartbeats missed before a crawler counts as gone


def cluster_lines(config: Config) -> list[str]:
    """The cluster section; one line when Redis does not answer."""
    settings = config.cluster
    server, keys = connect(settings), keys_of(settings)
    try:
        now = now_ms(server)
        lines = [f"cluster: redis at {shown(settings.redis)}"]
        lines.append(
            f"  frontier: {frontier.frontier_size(server, keys)} requests waiting, "
            f"{frontier.in_flight(server, keys)} in flight"
        )
        lines.append("  " + _scheduler(server, keys, settings, now))
        lines += _crawlers(server, keys, settings, now)
        lines += _stream(server, keys, now)
        return lines
    except redis.RedisError as exc:
        return [f"cluster: redis at {shown(settings.redis)} unreachable: {exc}"]
    finally:
        server.close()


def _age(now: int, at_ms: int) -> str:
    return format_duration(max(0, (now - at_ms) // 1000)) or "0s"


def _scheduler(server: redis.Redis, keys: Keys, settings: ClusterSettings, now: int) -> str:
    raw = server.get(keys.scheduler)
    if raw is None:
        return "scheduler: never ran"
    at = json.loads(raw)["at"]
    stale = now - at > STALE_BEATS * settings.tick_seconds * 1000
    return f"scheduler: last tick {_age(now, at)} ago" + (" (STALE: not running?)" if stale else "")


def _crawlers(server: redis.Redis, keys: Keys, settings: ClusterSettings, now: int) -> list[str]:
    """One line per crawler that ever beat, with the age of its last heartbeat."""
    beats = {name.decode(): json.loads(raw) for name, raw in server.hgetall(keys.crawlers).items()}
    limit = STALE_BEATS * settings.heartbeat_seconds * 1000
    alive = sum(now - beat["at"] <= limit for beat in beats.values())
    lines = [f"  crawlers: {alive} alive" + (f" of {len(beats)}" if len(beats) > alive else "")]
    for name, beat in sorted(beats.items()):
        stale = now - beat["at"] > limit
        pages = f", {beat['pages']} pages" if "pages" in beat else ""
        mark = " (STALE)" if stale else ""
        lines.append(f"    {name}: last heartbeat {_age(now, beat['at'])} ago{pages}{mark}")
    return lines


def _stream(server: redis.Redis, keys: Keys, now: int) -> list[str]:
    """The results stream's backlog for the writers and the age of its oldest entry: the
    writer deletes what it acknowledged, so whatever is left is not written yet."""
    if not server.exists(keys.results):
        return ["  stream: empty (no results yet)", "  writer lag: none"]
    groups = {g["name"].decode(): g for g in server.xinfo_groups(keys.results)}
    group = groups.get(WRITERS)
    if group is None:
        backlog = f"{server.xlen(keys.results)} entries, no writer has read yet"
    else:
        lag = group.get("lag")
        unread = "unknown" if lag is None else lag
        backlog = f"{unread} unread, {group['pending']} read but not acknowledged"
    oldest = server.xrange(keys.results, count=1)
    if not oldest:
        return [f"  stream: {backlog}", "  writer lag: none"]
    at = int(oldest[0][0].decode().split("-")[0])
    return [f"  stream: {backlog}", f"  writer lag: {_age(now, at)} (oldest entry not written)"]
