"""The long-running monitor: crawl cycles on one reactor, one after another.

A first, plain loop: every enabled source is crawled, then the loop sleeps
for the shortest source interval. Scheduling per source, revisit tiers and
systemd integration build on this.
"""

from __future__ import annotations

import asyncio
import logging

from monitor.config import Config
from monitor.crawl import Cycle, configure_logging, run_on_reactor
from monitor.report import summary_table

logger = logging.getLogger("newsmon.daemon")


def run_daemon(config: Config, cycles: int | None = None) -> int:
    """Crawl until interrupted (or `cycles` times); return the process exit code."""
    configure_logging()
    enabled = [s for s in config.sources if s.enabled]
    if not enabled:
        logger.error("%s: no enabled sources; nothing to do", config.path)
        return 2
    pause = min(s.interval for s in enabled)

    async def main() -> int:
        cycle = Cycle(config)
        done = 0
        while cycles is None or done < cycles:
            runs = await cycle.run(enabled)
            logger.info("cycle %d done\n%s", done + 1, summary_table(runs))
            done += 1
            if cycles is None or done < cycles:
                await asyncio.sleep(pause)
        return 0

    logger.info("newsmon running: %d source(s), database %s", len(enabled), config.database)
    return run_on_reactor(main) or 0
