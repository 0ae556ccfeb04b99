"""`newsmon run`: one process, one reactor, APScheduler on the reactor's asyncio loop.

Jobs: per source discovery on its interval (jitter, never overlapping, missed runs
coalesced); a look for due articles every quarter of the fastest revisit tier (at most every
minute), whose sources are revisited at once; maintenance hourly; the heartbeat that
`newsmon status` reads (monitor.daemon.heartbeat) every half minute. The alert
dispatcher is a thread of its own (crawl_alerts.Deliveries), every few seconds and after
each crawl: no crawl waits for a send. Signal handlers only post a token on a queue; the
main coroutine turns it into control flow: SIGTERM and SIGINT stop cleanly (a send in
flight is abandoned, not sent), SIGHUP reloads the config (one that fails to load, the
apprise file included, is refused and the old one runs on: recovery.reload). systemd
hears READY, WATCHDOG, STATUS and STOPPING through monitor.daemon.sdnotify.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import clock, revisit, store
from monitor.cli.report import summary_line
from monitor.cli.table import counted
from monitor.config import Config, Source
from monitor.crawl.runner import Cycle, configure_logging, run_on_reactor
from monitor.daemon import cycle_log, recovery
from monitor.daemon.heartbeat import BEAT_EVERY, Heartbeat
from monitor.daemon.sdnotify import Notifier
from monitor.errors import StoreError
from monitor.notify.health import backoff_message, pacing
from monitor.rules.crawl_alerts import CrawlAlerts, Deliveries
from monitor.store import maintenance, reads

logger = logging.getLogger("newsmon.daemon")

DISPATCH_EVERY = 10  # seconds between dispatcher runs (retries and digests fall due in between)
REVISIT_EVERY = 60
MAINTENANCE_EVERY = 3600
STOP_BOUND = 30.0  # seconds running crawls get to finish after SIGTERM before they are stopped
# The exit status when the database file was replaced under the daemon: newsmon.service's
# RestartPreventExitStatus, so that systemd does not restart it on an empty database.
REPLACED_EXIT = 3
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
        self.alerts: CrawlAlerts | None = None  # the rules' part in the cycle's crawls
        self.deliveries: Deliveries | None = None
        self.scheduler = None
        self.last_status = "starting"
        self.stopping = False
        self.exit_code = 0  # REPLACED_EXIT once the database file was replaced under us
        # Sources that keep failing: no crawl (discovery or revisit) before this time.
        self.backoff_until: dict[str, datetime] = {}
        # Sources whose listing validators a crawl that lost writes (or died) may have stored:
        # forgotten before their next crawl (monitor.daemon.recovery). None: all of them.
        self.unconfirmed: dict[str, str | None] = {}
        self.faults = recovery.FaultReporter(self._fault_status)
        self.heartbeat = Heartbeat(lambda: self.config.database)  # for `newsmon status`

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
        self.deliveries = Deliveries(
            lambda: (self.config, self.alerts.targets),
            DISPATCH_EVERY,
            lambda exc: loop.call_soon_threadsafe(self._delivered, exc),
        )
        self.scheduler = AsyncIOScheduler(
            event_loop=loop,
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        try:
            store.open_db(self.config.database).close()
        except store.DatabaseFault as exc:
            # Read-only, full, locked: wait for it (the jobs say so and try again) rather than
            # exit and be restarted in a loop. A path that can never work stops us here.
            self.faults.failed("start-up", exc)
        await self.heartbeat.start()
        self._schedule()
        self.scheduler.start()
        self.deliveries.start()
        watchdog = loop.create_task(self._watchdog())
        self.notifier.ready(self._status_line())
        logger.info(
            "newsmon running: %d source(s), database %s", len(self._enabled()), self.config.database
        )
        # A crawl the last process did not finish may have stored listing validators for
        # articles it never stored: each listing is fetched in full once. Then the leftovers:
        # changes not evaluated, alerts not sent.
        self.unconfirmed = {source.name: None for source in self._enabled()}
        self._spawn(self._job(self._forget_listings))
        self._spawn(self._job(self._dispatch))
        while True:
            token = await self.tokens.get()
            if token == "reload":
                self._reload()
            elif token == "stop":
                break
        await self._shutdown()
        watchdog.cancel()
        return self.exit_code

    async def _shutdown(self) -> None:
        self.stopping = True
        self.notifier.stopping()
        logger.info(
            "stopping: no new jobs; %d running job(s) get %.0f s", len(self.running), STOP_BOUND
        )
        # Pause first: shutting the scheduler down would cancel the running jobs at once.
        self.scheduler.pause()
        await asyncio.to_thread(self.deliveries.close, 5.0)  # the send in flight: not sent
        if self.running:
            _, pending = await asyncio.wait(set(self.running), timeout=STOP_BOUND)
            if pending:
                logger.warning("stopping %d crawl(s) that did not finish in time", len(pending))
                await self.cycle.runner.stop()  # spiders close cleanly; their pipelines flush
                await asyncio.wait(pending, timeout=10)
        self.scheduler.shutdown(wait=False)
        await self.heartbeat.stop()
        logger.info("stopped")

    def _reload(self) -> None:
        self.notifier.reloading()
        loaded = recovery.reload(self.config, self.db_override)
        if loaded is None:  # refused, said in one line; the running config stays
            self.notifier.ready(self._status_line())
            return
        config, self.alerts = loaded
        self.config = config
        self.cycle = self._make_cycle(config, self.alerts)
        for job in self.scheduler.get_jobs():
            job.remove()
        self._schedule()
        logger.info(
            "config reloaded: %d source(s), %d rule(s)", len(self._enabled()), len(config.rules)
        )
        self.notifier.ready(self._status_line())

    def _make_cycle(self, config: Config, alerts: CrawlAlerts | None = None) -> Cycle:
        # At most max_per_minute revisits per source and minute: the rest wait for the next look.
        limit = revisit.per_look(config.revisit, revisit.look_every(config.revisit, REVISIT_EVERY))
        cycle = Cycle(config, NEWSMON_REVISIT_LIMIT=limit)
        self.alerts = alerts or CrawlAlerts(config)
        cycle.batch_listeners.append(self.alerts.stored)
        return cycle

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
        look = revisit.look_every(self.config.revisit, REVISIT_EVERY)
        self.scheduler.add_job(
            self._job,
            "interval",
            args=[self._revisit_all],
            seconds=look,
            next_run_time=now + timedelta(seconds=look),
            id="revisit",
        )
        self.scheduler.add_job(
            self._job,
            "interval",
            args=[self._maintain],
            seconds=MAINTENANCE_EVERY,
            id="maintenance",
            next_run_time=now + timedelta(seconds=60),
        )
        self.scheduler.add_job(self.heartbeat.beat, "interval", seconds=BEAT_EVERY, id="heartbeat")

    def _first_run(self, source: Source, now: datetime) -> datetime:
        """After a restart keep each source's rhythm (a failing source's longer one too);
        overdue ones start soon, spread."""
        try:
            db = store.open_db(self.config.database)
        except store.DatabaseFault:  # reported at start-up; the first crawl finds out again
            return now + timedelta(seconds=random.uniform(0, min(FIRST_SPREAD, source.interval)))
        try:
            last = reads.last_finished(db, source.name)
            delay, _ = pacing(db, source)
        finally:
            db.close()
        if last:
            due = datetime.fromisoformat(last) + timedelta(seconds=delay)
            if due > now:
                return due
        return now + timedelta(seconds=random.uniform(0, min(FIRST_SPREAD, source.interval)))

    async def _job(self, action, *args) -> None:
        task = asyncio.current_task()
        self.running.add(task)
        try:
            await action(*args)
        except (StoreError, sqlite3.Error) as exc:
            found = exc if isinstance(exc, StoreError) else store.fault(self._db_path(), exc)
            if found is None:  # not the storage's fault: a bug, with its traceback
                logger.exception("job %s failed; the schedule goes on", _job_name(action, args))
            else:  # the file, what and what to do; the next run of the job tries again
                self.faults.failed(_job_name(action, args), found)
                if getattr(found, "kind", "") == "replaced" and not self.exit_code:
                    # Never waited for like a full disk: an empty file takes every article for new.
                    self.exit_code = REPLACED_EXIT
                    self.tokens.put_nowait("stop")
        except Exception:
            logger.exception("job %s failed; the schedule goes on", _job_name(action, args))
        else:
            if action in (self._crawl, self._dispatch):  # jobs that write: the store works
                self.faults.worked(self._db_path())
        finally:
            self.running.discard(task)

    def _db_path(self) -> Path:
        return Path(self.config.database)

    def _fault_status(self, text: str) -> None:
        if not self.stopping:
            self.notifier.status(text)

    async def _forget_listings(self) -> None:
        recovery.forget_listings(self.config, self.unconfirmed)

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
            await self._forget_listings()
            began, faults = clock.now(), store.FAULTS.count
            try:
                runs = await self.cycle.run([source], mode=mode)
                # The rules and health checks of the config running now: a reload during the
                # crawl closed the episodes of the sources it dropped, and the old config's
                # health check would open them again.
                await asyncio.to_thread(self.alerts.after, False)
                self.deliveries.wake()  # the dispatcher's thread sends; this crawl is done
            except BaseException:
                self.unconfirmed.setdefault(name, began)
                raise
            # A storage fault inside Scrapy's pipelines does not reach here as an exception:
            # the fault log tells whether this crawl lost writes.
            lost = store.FAULTS.last if store.FAULTS.count > faults else None
            if lost is not None:
                self.unconfirmed.setdefault(name, began)
        self._pace(source)
        cycle_log.log_crawl(self.config.database, runs, mode)
        self.last_status = self._status_line(runs)
        if lost is not None:
            raise lost  # reported by _job, once: the file, what, what to do
        if not self.stopping:  # after STOPPING=1 systemd hears nothing but watchdog pings
            self.notifier.status(self.last_status)

    def _pace(self, source: Source) -> None:
        """After a crawl: a source failing crawl after crawl is tried less and less often
        (monitor.notify.health.crawl_delay); the first crawl that works restores its interval."""
        try:
            db = store.open_db(self.config.database)
            try:
                delay, streak = pacing(db, source)
            finally:
                db.close()
        except (StoreError, sqlite3.Error):
            return  # the storage fails: the job reports that; the usual schedule stays
        if delay <= source.interval:
            self.backoff_until.pop(source.name, None)
            return
        until = datetime.now(UTC) + timedelta(seconds=delay)
        self.backoff_until[source.name] = until
        job = self.scheduler.get_job(f"discover:{source.name}") if self.scheduler else None
        if job is not None:
            job.modify(next_run_time=until)
        logger.warning(backoff_message(source.name, streak, delay))

    async def _revisit_all(self) -> None:
        db = store.open_db(self.config.database)
        try:
            due = reads.sources_due(db, clock.now())
        finally:
            db.close()
        now = datetime.now(UTC)
        for source in self._enabled():
            if (
                source.name in due
                and not self.locks.setdefault(source.name, asyncio.Lock()).locked()
                and self.backoff_until.get(source.name, now) <= now
            ):
                # Each source's revisit is a job of its own, not awaited here: awaited one after
                # the other, a source's crawl (its politeness delays) held every other source's
                # due checks, and the next look was skipped while it ran.
                self._spawn(self._job(self._crawl, source.name, "revisit"))

    async def _dispatch(self) -> None:
        """At start-up: the changes the last process did not evaluate; the dispatcher sends."""
        await asyncio.to_thread(self.alerts.after, False)
        self.deliveries.wake()

    def _delivered(self, exc: BaseException | None) -> None:
        """A round of the dispatcher's thread ended: a storage fault is said like a job's."""
        if exc is None:
            self.faults.worked(self._db_path())
            return
        found = store.fault(self._db_path(), exc) if isinstance(exc, sqlite3.Error) else exc
        if isinstance(found, StoreError):
            self.faults.failed("dispatch", found)
        else:
            logger.error("dispatch failed (%r); the next round tries again", exc)

    async def _maintain(self) -> None:
        cycle_log.log_maintenance(await asyncio.to_thread(maintenance.maintain, self.config))

    async def _watchdog(self) -> None:
        interval = self.notifier.watchdog_interval
        if not interval:
            return
        while True:
            self.notifier.watchdog()
            await asyncio.sleep(interval)

    def _status_line(self, runs: list[dict] | None = None) -> str:
        if not runs:
            return f"watching {counted(len(self._enabled()), 'source')}"
        return "last: " + summary_line(runs[-1])


def run_daemon(config: Config, db_override: Path | None = None) -> int:
    """Run until SIGTERM/SIGINT; return the process exit code."""
    configure_logging()
    for handler in logging.getLogger().handlers:
        handler.addFilter(recovery.HideFaultTracebacks())  # _job says them in one line
    if not any(s.enabled for s in config.sources):
        logger.error("%s: no enabled sources; nothing to do", config.path)
        return 2
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    daemon = Daemon(config, db_override)
    return run_on_reactor(daemon.main, signals=False) or 0


def _job_name(action, args: tuple) -> str:
    """A job as the log names it: "crawl of zdf (all)", "dispatch"."""
    name = getattr(action, "__name__", str(action)).lstrip("_")
    if name == "crawl" and args:
        return f"crawl of {args[0]} ({args[1]})" if len(args) > 1 else f"crawl of {args[0]}"
    return name.replace("_", " ")
