"""The `[cluster]` table: where the shared Redis is and how the roles pace themselves.

Pure: parsing the table imports no Redis client, so a config without `[cluster]` (the
single-machine mode) never loads one.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from monitor.config_check import duration, reject_unknown, typed

ROLES = ("single", "scheduler", "crawler", "writer")


@dataclass
class ClusterSettings:
    redis: str  # redis://[:password@]host:port/db
    prefix: str = "newsmon"
    # A request a crawler took goes back to the frontier when the crawler has not renewed its
    # lease (its heartbeat does, while it works on it) for this long; a stream entry a dead
    # writer read and never acknowledged is taken over after as long.
    lease_seconds: float = 120.0
    tick_seconds: float = 5.0  # how often the scheduler looks for due listings and revisits
    heartbeat_seconds: float = 10.0
    name: str = ""  # this crawler's name in `newsmon status`; default host-pid

    def crawler_name(self) -> str:
        return self.name or f"{socket.gethostname()}-{os.getpid()}"


def parse_cluster(table: dict[str, Any], errors: list[str]) -> ClusterSettings | None:
    """The settings of a `[cluster]` table; None when the table is absent (single machine)."""
    if not table:
        return None
    known = {"redis", "prefix", "lease_seconds", "tick_seconds", "heartbeat_seconds", "name"}
    reject_unknown(table, known, "cluster", errors)
    url = typed(table, "redis", str, "cluster", errors)
    if not url or urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        errors.append(
            "At 'cluster.redis': give the shared Redis as a redis:// URL with its host, port "
            "and database number"
        )
        return None
    settings = ClusterSettings(redis=url)
    for key in ("prefix", "name"):
        value = typed(table, key, str, "cluster", errors)
        if value is not None:
            setattr(settings, key, value)
    for key in ("lease_seconds", "tick_seconds", "heartbeat_seconds"):
        if key in table:
            seconds = duration(table[key], f"cluster.{key}", errors)
            if seconds is not None:
                setattr(settings, key, float(max(seconds, 1)))
    return settings


def shown(url: str) -> str:
    """The Redis URL as logs and messages may show it: without a password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
