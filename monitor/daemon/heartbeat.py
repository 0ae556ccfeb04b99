"""The daemon's heartbeat: a row of `daemon_beats` (monitor.store.beats) written at start,
every BEAT_EVERY seconds and at a clean stop, from which `newsmon status` tells whether the
daemon runs (monitor.cli.liveness). Written from a worker thread, never on the reactor; a
failed write is logged once (again only after one has worked) and never stops the daemon.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import store
from monitor.clock import iso
from monitor.errors import StoreError
from monitor.store import beats

logger = logging.getLogger("newsmon.daemon")

BEAT_EVERY = 30  # seconds; status takes a daemon silent for STALE_AFTER for gone
STALE_AFTER = timedelta(seconds=3 * BEAT_EVERY)


class Heartbeat:
    """This process's row. `database` is called at each write: a reload may move it."""

    def __init__(self, database: Callable[[], Path | str]) -> None:
        self.database = database
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = iso(datetime.now(UTC))
        self.failing = False

    async def start(self) -> None:
        stale = iso(datetime.now(UTC) - STALE_AFTER)
        await self._write(beats.started, self.started_at, stale)

    async def beat(self) -> None:
        await self._write(beats.beat, self.started_at, iso(datetime.now(UTC)))

    async def stop(self) -> None:
        await self._write(beats.stopped, iso(datetime.now(UTC)))

    async def _write(self, write, *args) -> None:
        await asyncio.to_thread(self._write_now, write, *args)

    def _write_now(self, write, *args) -> None:
        try:
            db = store.open_db(self.database())
            try:
                write(db, self.host, self.pid, *args)
            finally:
                db.close()
        except (StoreError, sqlite3.Error, OSError) as exc:
            if not self.failing:
                logger.warning(
                    "heartbeat not written (%s); `newsmon status` may call the daemon not "
                    "running until a write works",
                    exc,
                )
            self.failing = True
            return
        if self.failing:
            logger.info("heartbeat written again")
        self.failing = False
