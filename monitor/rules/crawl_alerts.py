"""Alerts around a crawl: rules evaluated while its pages are stored, and after it the durable
steps (changes missed, source health, delivery: monitor.rules.evaluate.after_crawl).

The crawl (monitor.crawl) knows nothing of rules. Who runs a crawl (the daemon, `newsmon
crawl`, the demo) hangs `stored` on its batch signal (Cycle.batch_listeners) and calls `after`
when it ends.
"""

from __future__ import annotations

import os

from sqlite_utils import Database

from monitor.config import Config
from monitor.errors import StoreError
from monitor.rules.evaluate import after_crawl, evaluate


class CrawlAlerts:
    """The rules' part in crawls of one config; `targets` default to the configured ones."""

    def __init__(self, config: Config, targets: list | None = None) -> None:
        self.config = config
        if targets is None:
            # Here, not at the top: apprise is the biggest import of a crawl's process, and a
            # caller with its own targets (tests, the benchmark) need not hold it.
            from monitor.notify.targets import load_targets

            targets = load_targets(config.notify.apprise_config, os.environ)
        self.targets = targets
        self.made = 0  # alerts made while pages were stored, since the last `after`

    def stored(self, db: Database) -> None:
        """Turn a stored batch's changes into alerts now, while the workers extract the next
        pages: after the crawl only their delivery is left (`after` evaluates anything missed).
        """
        if not (self.config.rules or self.config.stories):
            return
        try:
            self.made += evaluate(db, self.config)
        except StoreError:
            return  # the changes stay unevaluated until after the crawl

    def after(self) -> dict[str, int]:
        """The steps after a crawl; the count of alerts includes those made during it. Sending
        blocks on the network: run it in a thread, off the reactor's loop."""
        report = after_crawl(self.config, self.targets)
        # Most alerts were made while the pages were stored; count them too.
        report["alerts"] = report.get("alerts", 0) + self.made
        self.made = 0
        return report
