"""One dispatcher per database: the outbox's lease.

The daemon sends alerts from the outbox, and so does a `newsmon crawl` run by hand
beside it; a lock inside one process cannot keep the two from sending the same alert.
The lease is a row of `dispatch_lease` that one process at a time holds: taken and
renewed in a write transaction (BEGIN IMMEDIATE serializes them across processes),
naming its holder (host, pid, and a random token, so a reused pid is not taken for
the holder) and an expiry. It is renewed before every send and expires LEASE_SECONDS
after that, or at once when its holder is a process of this host that no longer runs
(killed, crashed): a dead holder blocks the outbox for a moment at most on its own
host, for LEASE_SECONDS from another one.

A module of its own: the lease is about processes and time, not about alerts.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sqlite3
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from monitor.clock import iso
from monitor.store import outbox

LEASE_SECONDS = 120.0  # well beyond one send (dispatch.SEND_DEADLINE, 10 s)
_TOKEN = secrets.token_hex(4)  # this process, as opposed to an earlier one with the same pid


class LeaseLost(Exception):
    """Another dispatcher took the outbox: this one stalled past its lease."""


class Lease:
    """The right to send from one database's outbox (see the module docstring). Within a
    process the callers serialize on their own (monitor.rules.evaluate._DISPATCHING): they share
    the process's pid, and a lease is per holder."""

    def __init__(self, db: Database, seconds: float = LEASE_SECONDS, name: str = "outbox") -> None:
        self.db = db
        self.seconds = seconds
        self.name = name
        self.host = socket.gethostname()
        self.pid = os.getpid()
        # Per process, not per Lease: a lease this process failed to release is still its own.
        self.owner = f"{self.host}:{self.pid}:{_TOKEN}"

    def acquire(self) -> str | None:
        """Take the lease: None when it is ours now, else who holds it."""
        with self.db.atomic():
            row = outbox.lease_row(self.db, self.name)
            if row and self._held(row):
                return f"pid {row['pid']} on {row['host']} (since {row['since']})"
            now = datetime.now(UTC)
            outbox.take_lease(
                self.db,
                {
                    "name": self.name,
                    "owner": self.owner,
                    "host": self.host,
                    "pid": self.pid,
                    "since": iso(now),
                    "until": iso(now + timedelta(seconds=self.seconds)),
                },
            )
        return None

    def renew(self) -> None:
        """Extend the lease before a send; LeaseLost if another dispatcher has taken it."""
        until = iso(datetime.now(UTC) + timedelta(seconds=self.seconds))
        if not outbox.renew_lease(self.db, self.name, self.owner, until):
            raise LeaseLost(f"the outbox lease of pid {self.pid} expired and was taken over")

    def release(self) -> None:
        # A storage fault here must not hide the one that ended the round; the lease then
        # stays this process's until it expires.
        with contextlib.suppress(sqlite3.Error):
            outbox.release_lease(self.db, self.name, self.owner)

    def _held(self, row: dict) -> bool:
        """Whether another, living dispatcher holds the lease."""
        if row["owner"] == self.owner:
            return False
        try:
            until = datetime.fromisoformat(row["until"])
        except (TypeError, ValueError):
            return False  # unreadable: better two senders once than none for ever
        if until <= datetime.now(UTC):
            return False  # expired: the holder stalled, or died on another host
        return row["host"] != self.host or pid_running(row["pid"])


def pid_running(pid: int) -> bool:
    """Whether a process of this host runs (a zombie, killed and not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True  # no /proc: it answered the signal, so it runs
