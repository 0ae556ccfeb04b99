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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.store import DatabaseFault

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
