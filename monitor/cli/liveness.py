"""Whether the daemon runs, judged from what it leaves in the database.

The daemon writes no heartbeat of its own; what it leaves is its crawls (every source at least
once per `interval`) and, while it sends, the outbox's lease (host, pid, until). A lease held
by a living process of this host means a newsmon process is at work now; otherwise the newest
crawl is the heartbeat: older than twice the shortest interval (and a margin for a slow
crawl), and the daemon is not running. A `newsmon crawl` by hand looks like the daemon for one
interval; that errs towards "running", the harmless side.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from monitor import clock
from monitor.clock import format_duration
from monitor.config import Config
from monitor.notify.lease import LEASE_SECONDS, pid_running
from monitor.store import cli_reads, outbox

MARGIN = timedelta(minutes=2)  # a crawl of a large source, a restart, the scheduler's jitter


@dataclass
class Liveness:
    running: bool
    line: str


def daemon_liveness(db: Database, config: Config, now: datetime) -> Liveness:
    """Running or not, and the line `newsmon status` prints about it."""
    lease = outbox.lease_row(db, "outbox")
    if lease and _held(lease, now):
        return Liveness(True, f"daemon: running (pid {lease['pid']} is sending alerts)")
    crawled = clock.parse_time(cli_reads.last_crawl_finished(db))
    renewed = clock.parse_time(lease["until"]) if lease else None
    renewed = renewed - timedelta(seconds=LEASE_SECONDS) if renewed else None
    last = max((m for m in (crawled, renewed) if m), default=None)
    if last is None:
        return Liveness(False, "daemon: not running (never seen): start it with `newsmon run`")
    ago = f"{format_duration(max(int((now - last).total_seconds()), 0)) or '0s'} ago"
    # The newest sign of life came from a process of this host that is gone: it stopped.
    gone = (
        last == renewed
        and lease["host"] == socket.gethostname()
        and not pid_running(int(lease["pid"]))
    )
    if gone or now - last > _grace(config):
        return Liveness(False, f"daemon: not running (last seen {ago}, {clock.iso(last)})")
    return Liveness(True, f"daemon: last active {ago} (a crawl or an alert round)")


def _grace(config: Config) -> timedelta:
    intervals = [s.interval for s in config.sources if s.enabled] or [3600]
    return timedelta(seconds=2 * min(intervals)) + MARGIN


def _held(lease: dict, now: datetime) -> bool:
    """A lease not yet expired, whose holder, when it is a process of this host, is alive."""
    until = clock.parse_time(lease["until"])
    if until is None or until <= now:
        return False
    return lease["host"] != socket.gethostname() or pid_running(int(lease["pid"]))
