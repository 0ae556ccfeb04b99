"""`newsmon run`: one process, one reactor, APScheduler on the reactor's asyncio loop.

Jobs: per source discovery on its interval (jitter, never overlapping,
missed runs coalesced); revisits of due articles every minute; the alert
dispatcher every few seconds; maintenance hourly. Signal handlers only post
a token on a queue; the main coroutine turns it into control flow: SIGTERM
and SIGINT stop cleanly, SIGHUP reloads the config (an invalid one is refused
and the old one keeps running). systemd hears READY, WATCHDOG, STATUS and
STOPPING through monitor.sdnotify.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import store
from monitor.config import Config, Source, load_config
from monitor.crawl import Cycle, configure_logging, run_on_reactor
from monitor.errors import NewsmonError
from monitor.report import failure_lines
from monitor.sdnotify import Notifier

logger = logging.getLogger("newsmon.daemon")

DISPATCH_EVERY = 10  # seconds between dispatcher runs (retries and digests fall due in between)
REVISIT_EVERY = 60
MAINTENANCE_EVERY = 3600
STOP_BOUND = 30.0  # seconds running crawls get to finish after SIGTERM before they are stopped
FIRST_SPREAD = 10  # seconds over which overdue sources start after a (re)start: no burst


class Daemon:
    def __init__(self, config: Config, db_override: Path | None = None) -> None:
        self.config = config
        self.db_override = db_override
        self.notifier = Notifier()
        self.tokens: asyncio.Queue[str] = asyncio.Queue()
        self.locks: dict[str, asyncio.Lock] = {}
        self.running: set[asyncio.Task] = set()
        self.cycle: Cycle | None = None
        self.scheduler = None
        self.last_status = "starting"
        self.stopping = False

    # --- lifecycle ----------------------------------------------------------
    async def main(self) -> int:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        loop = asyncio.get_running_loop()
        for signum, token in (
            (signal.SIGTERM, "stop"),
            (signal.SIGINT, "stop"),
            (signal.SIGHUP, "reload"),
        ):
            loop.add_signal_handler(signum, self.tokens.put_nowait, token)
        self.cycle = self._make_cycle(self.config)
        self.scheduler = AsyncIOScheduler(
            event_loop=loop,
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        self._schedule()
        self.scheduler.start()
        watchdog = loop.create_task(self._watchdog())
        self.notifier.ready(self._status_line())
        logger.info(
            "newsmon running: %d source(s), database %s", len(self._enabled()), self.config.database
        )
        # Leftovers from before a restart: changes not yet evaluated, alerts not yet sent.
        self._spawn(self._dispatch(evaluate=True))
        while True:
            token = await self.tokens.get()
            if token == "reload":
                self._reload()
            elif token == "stop":
                break
        await self._shutdown()
        watchdog.cancel()
        return 0

    async def _shutdown(self) -> None:
        self.stopping = True
        self.notifier.stopping()
        logger.info(
            "stopping: no new jobs; %d running job(s) get %.0f s", len(self.running), STOP_BOUND
        )
        # Pause first: shutting the scheduler down would cancel the running jobs at once.
        self.scheduler.pause()
        if self.running:
            _, pending = await asyncio.wait(set(self.running), timeout=STOP_BOUND)
            if pending:
                logger.warning("stopping %d crawl(s) that did not finish in time", len(pending))
                await self.cycle.runner.stop()  # spiders close cleanly; their pipelines flush
                await asyncio.wait(pending, timeout=10)
        self.scheduler.shutdown(wait=False)
        logger.info("stopped")

    def _reload(self) -> None:
        self.notifier.reloading()
        try:
            config = load_config(self.config.path)
        except NewsmonError as exc:
            logger.error("reload refused, the running config stays:\n%s", exc)
            self.notifier.ready(self._status_line())
            return
        if self.db_override:
            config.database = self.db_override
        self.config = config
        self.cycle = self._make_cycle(config)
        for job in self.scheduler.get_jobs():
            job.remove()
        self._schedule()
        logger.info(
            "config reloaded: %d source(s), %d rule(s)", len(self._enabled()), len(config.rules)
        )
        self.notifier.ready(self._status_line())

    def _make_cycle(self, config: Config) -> Cycle:
        # At most max_per_minute revisits per source in one crawl: the rest wait for the next.
        limit = config.revisit.max_per_minute * max(1, self._revisit_every() // 60)
        return Cycle(config, NEWSMON_REVISIT_LIMIT=limit)

    # --- jobs -----------------------------------------------------------------
    def _enabled(self) -> list[Source]:
        return [s for s in self.config.sources if s.enabled]

    def _schedule(self) -> None:
        now = datetime.now(UTC)
        for source in self._enabled():
            self.scheduler.add_job(
                self._job,
                "interval",
                args=[self._crawl, source.name, "all"],
                seconds=source.interval,
                jitter=min(30, source.interval // 10),
                next_run_time=self._first_run(source, now),
                id=f"discover:{source.name}",
            )
        self.scheduler.add_job(
            self._job,
            "interval",
            args=[self._revisit_all],
            seconds=self._revisit_every(),
            next_run_time=now + timedelta(seconds=self._revisit_every()),
            id="revisit",
        )
        self.scheduler.add_job(
            self._job, "interval", args=[self._dispatch], seconds=DISPATCH_EVERY, id="dispatch"
        )
        self.scheduler.add_job(
            self._job,
            "interval",
            args=[self._maintain],
            seconds=MAINTENANCE_EVERY,
            id="maintenance",
            next_run_time=now + timedelta(seconds=60),
        )

    def _revisit_every(self) -> int:
        """Look for due articles four times per fastest tier interval (at most every minute):
        a check is then late by a quarter of its interval at worst. Looking is one query."""
        fastest = min(
            (t.every for t in self.config.revisit.tiers if t.every), default=REVISIT_EVERY
        )
        return max(1, min(REVISIT_EVERY, fastest // 4))

    def _first_run(self, source: Source, now: datetime) -> datetime:
        """After a restart keep each source's rhythm; overdue ones start soon, spread."""
        db = store.open_db(self.config.database)
        try:
            rows = list(
                db.query(
                    "select max(finished_at) as last from crawl_runs where source = ?",
                    [source.name],
                )
            )
        finally:
            db.close()
        last = rows[0]["last"] if rows else None
        if last:
            due = datetime.fromisoformat(last) + timedelta(seconds=source.interval)
            if due > now:
                return due
        return now + timedelta(seconds=random.uniform(0, min(FIRST_SPREAD, source.interval)))

    async def _job(self, action, *args) -> None:
        task = asyncio.current_task()
        self.running.add(task)
        try:
            await action(*args)
        except Exception:
            logger.exception(
                "job %s failed; the schedule goes on", getattr(action, "__name__", action)
            )
        finally:
            self.running.discard(task)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _crawl(self, name: str, mode: str) -> None:
        source = next((s for s in self._enabled() if s.name == name), None)
        if source is None:
            return
        lock = self.locks.setdefault(name, asyncio.Lock())
        async with lock:  # discovery and revisits of one source never overlap
            runs = await self.cycle.run([source], mode=mode)
        for line in failure_lines(self.config.database, runs):
            logger.warning(line)
        for run in runs:
            logger.info(
                "%s: %s fetched, %s not modified, %s new, %s changed, %s errors",
                run["source"],
                run["fetched"],
                run["not_modified"],
                run["new"],
                run["changed"],
                run["errors"],
            )
        self.last_status = self._status_line(runs)
        if not self.stopping:  # after STOPPING=1 systemd hears nothing but watchdog pings
            self.notifier.status(self.last_status)

    async def _revisit_all(self) -> None:
        db = store.open_db(self.config.database)
        try:
            due = {
                r["source"]
                for r in db.query(
                    "select distinct source from articles where status = 'live' and "
                    "next_check_at <= ?",
                    [store.now()],
                )
            }
        finally:
            db.close()
        for source in self._enabled():
            if (
                source.name in due
                and not self.locks.setdefault(source.name, asyncio.Lock()).locked()
            ):
                await self._crawl(source.name, "revisit")

    async def _dispatch(self, evaluate: bool = False) -> None:
        from monitor.alerts import after_crawl, dispatch_only

        work = after_crawl if evaluate else dispatch_only
        await asyncio.to_thread(work, self.config, self.cycle.targets)

    async def _maintain(self) -> None:
        from monitor.maintenance import maintain

        report = await asyncio.to_thread(maintain, self.config)
        logger.info("maintenance: %s", report)

    async def _watchdog(self) -> None:
        interval = self.notifier.watchdog_interval
        if not interval:
            return
        while True:
            self.notifier.watchdog()
            await asyncio.sleep(interval)

    def _status_line(self, runs: list[dict] | None = None) -> str:
        if not runs:
            return f"watching {len(self._enabled())} source(s)"
        run = runs[-1]
        return (
            f"last: {run['source']} {run['fetched']} fetched, {run['not_modified']} 304, "
            f"{run['new']} new, {run['changed']} changed, {run['errors']} errors"
        )


def run_daemon(config: Config, db_override: Path | None = None) -> int:
    """Run until SIGTERM/SIGINT; return the process exit code."""
    configure_logging()
    if not any(s.enabled for s in config.sources):
        logger.error("%s: no enabled sources; nothing to do", config.path)
        return 2
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    daemon = Daemon(config, db_override)
    return run_on_reactor(daemon.main, signals=False) or 0
