"""What the daemon does after a crash or a storage fault, so that nothing fetched is lost for good.

Listings. A crawl stores a feed's (sitemap's, section page's) validators as soon as it has read
the listing, before the articles it lists are fetched and stored. When the process dies in
between (SIGKILL, the watchdog, a power cut) or the store fails (locked, disk full, read-only),
the next crawl gets 304 for the listing and never hears of those articles again, or only after
their next edit, which then hides in their first version. So listing validators count only
once a crawl has finished cleanly: at start-up (after a crash, whatever was running then) the
daemon forgets all of them, after a crawl that lost writes those stored since it began, and the
next crawl of the source fetches these listings in full, once (the daemon calls
monitor.store.maintenance.forget_listings). Articles need nothing of the kind: their
validators are written with their version, in one transaction.

Faults. One ERROR line per job when the database starts failing (the file, what, and what to
do), a reminder every FAULT_REMIND seconds while it goes on, one line when it works again;
systemd's STATUS shows the fault meanwhile.

Reload. SIGHUP reads monitor.toml and the apprise file again (`reload`): when any part fails
to load, the reload is refused in one line that names the file and the running config stays;
nothing half-loaded ever runs. A source the new config drops (or disables) has its open
source-health episodes closed: no crawl checks it any more, so none would ever clear.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from monitor import clock, store
from monitor.config import Config, load_config
from monitor.errors import NewsmonError, StoreError
from monitor.rules.crawl_alerts import CrawlAlerts
from monitor.store import DatabaseFault, maintenance
from monitor.store import health as episodes

logger = logging.getLogger("newsmon.daemon")

FAULT_REMIND = 600.0  # seconds between reminders that the database still fails


class HideFaultTracebacks(logging.Filter):
    """Scrapy logs a storage fault in a pipeline with a traceback (an item it could not store,
    a crawl log it could not close); the daemon and `newsmon crawl` say it in one line instead,
    with the file and what to do. Put on the log handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DatabaseFault)


@dataclass
class FaultReporter:
    """Says that the database fails (once per job and fault), and that it works again, without
    a line every cycle."""

    show_status: Callable[[str], object]  # systemd's STATUS
    remind: float = FAULT_REMIND
    reported: dict[tuple[str, str], float] = field(default_factory=dict)  # (job, fault): when
    failures: int = 0

    def failed(self, what: str, exc: Exception) -> None:
        self.failures += 1
        now = time.monotonic()
        key = (what, str(exc))
        if now - self.reported.get(key, -self.remind) >= self.remind:
            again = f" ({self.failures} failures so far)" if self.failures > 1 else ""
            logger.error("%s failed%s: %s", what, again, exc)
            self.reported[key] = now
        self.show_status(f"database fault: {exc}"[:200])

    def worked(self, database: object) -> None:
        if self.failures:
            logger.info("database %s works again after %d failure(s)", database, self.failures)
        self.reported.clear()
        self.failures = 0


def reload(running: Config, db_override: Path | None) -> tuple[Config, CrawlAlerts] | None:
    """The config and its targets read again; None when a part fails to load (said in one
    line naming the file): then the running config stays."""
    try:
        config = load_config(running.path)
        if db_override:
            config.database = db_override
        alerts = CrawlAlerts(config)  # reads the apprise file: a broken one is refused too
    except (NewsmonError, OSError, ValueError) as exc:
        problem = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        logger.error("reload refused, the running config stays: %s", problem)
        return None
    close_dropped(running, config)
    return config, alerts


def close_dropped(old: Config, new: Config) -> int:
    """Close the open health episodes of the sources `new` no longer crawls; how many."""
    kept = {s.name for s in new.sources if s.enabled}
    dropped = [s.name for s in old.sources if s.enabled and s.name not in kept]
    if not dropped:
        return 0
    closed = 0
    try:
        db = store.open_db(new.database)
        try:
            with db.atomic():
                for name in dropped:
                    for row in episodes.open_problems(db, name):
                        episodes.clear_problem(db, row["id"], clock.now())
                        closed += 1
        finally:
            db.close()
    except (StoreError, sqlite3.Error) as exc:  # kept open; `newsmon status` still shows them
        logger.warning("could not close the health problems of %s: %s", ", ".join(dropped), exc)
        return 0
    if closed:
        logger.info("%d health problem(s) of %s closed: no longer crawled", closed, dropped)
    return closed


def forget_listings(config: Config, unconfirmed: dict) -> None:
    """Forget the listing validators of crawls that lost writes (their listings are fetched in
    full once); kept for the next try while the database fails."""
    if not unconfirmed:
        return
    db = store.open_db(config.database)
    try:
        forgotten = maintenance.forget_listings(db, unconfirmed)
    finally:
        db.close()
    unconfirmed.clear()  # one step of the loop: no crawl added any meanwhile
    if forgotten:
        logger.info(
            "%d listing(s) will be fetched in full once: a crawl that did not finish may "
            "have read them",
            forgotten,
        )
