"""Whether the daemon runs, from its heartbeat (monitor.daemon.heartbeat).

Every `newsmon run` keeps a row of `daemon_beats`: written at start, every BEAT_EVERY seconds
and at a clean stop. A daemon runs when its latest beat is younger than STALE_AFTER (three
beats), it has not stopped, and, on this host, its pid is alive (one killed beats no more).
Nothing else counts: the guess from the newest crawl and the outbox lease this module made
before is gone, as a `newsmon crawl` by hand looked like the daemon for an interval.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from monitor import clock
from monitor.clock import format_duration
from monitor.daemon.heartbeat import STALE_AFTER
from monitor.notify.lease import pid_running
from monitor.store import cli_reads


@dataclass
class Liveness:
    running: bool
    line: str


def daemon_liveness(db: Database, now: datetime) -> Liveness:
    """Running or not, and the line `newsmon status` prints about it."""
    beats = cli_reads.daemon_beats(db)
    for beat in beats:
        if _alive(beat, now):
            where = "" if beat["host"] == socket.gethostname() else f" on {beat['host']}"
            return Liveness(
                True,
                f"daemon: running (pid {beat['pid']}{where}, since {beat['started_at']}, "
                f"last beat {_ago(beat['beat_at'], now)})",
            )
    if not beats:
        return Liveness(False, "daemon: not running (never seen): start it with `newsmon run`")
    last = beats[0]
    if last["stopped_at"]:
        when = f"stopped at {last['stopped_at']}, {_ago(last['stopped_at'], now)}"
    else:
        when = f"last seen {_ago(last['beat_at'], now)}, {last['beat_at']}"
    return Liveness(False, f"daemon: not running ({when}): start it with `newsmon run`")


def _alive(beat: dict, now: datetime) -> bool:
    at = clock.parse_time(beat["beat_at"])
    if beat["stopped_at"] or at is None or now - at > STALE_AFTER:
        return False
    return beat["host"] != socket.gethostname() or pid_running(int(beat["pid"]))


def _ago(moment: str, now: datetime) -> str:
    when = clock.parse_time(moment)
    seconds = max(int((now - when).total_seconds()), 0) if when else 0
    return f"{format_duration(seconds) or '0s'} ago"
