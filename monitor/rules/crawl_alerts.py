"""Alerts around a crawl: rules evaluated while its pages are stored, and after it the durable
steps (changes missed, source health, delivery: monitor.rules.evaluate.after_crawl).

The crawl (monitor.crawl) knows nothing of rules. Who runs a crawl (the daemon, `newsmon
crawl`, the demo) hangs `stored` on its batch signal (Cycle.batch_listeners) and calls `after`
when it ends.

The daemon never sends from a crawl: its `Deliveries` thread sends, every few seconds and
whenever a crawl has made alerts (`wake`), so a slow or silent target holds up no crawl and
no revisit. Stopping sets its `stop` event: the send in flight is abandoned at once and
recorded as not sent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from sqlite_utils import Database

from monitor.config import Config
from monitor.errors import StoreError
from monitor.rules.evaluate import after_crawl, dispatch_only, evaluate


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

    def after(self, deliver: bool = True) -> dict[str, int]:
        """The steps after a crawl; the count of alerts includes those made during it. Sending
        blocks on the network (a deadline per send): run it in a thread, off the reactor's
        loop. The daemon passes deliver=False and wakes its Deliveries instead."""
        report = after_crawl(self.config, self.targets, deliver=deliver)
        # Most alerts were made while the pages were stored; count them too.
        report["alerts"] = report.get("alerts", 0) + self.made
        self.made = 0
        return report


class Deliveries:
    """The daemon's dispatcher: a thread of its own that sends what is due every `every`
    seconds, or at once when woken. `current` gives the running config and targets (a reload
    changes them); `outcome` hears each round's error, or None when the round worked."""

    def __init__(
        self,
        current: Callable[[], tuple[Config, list]],
        every: float,
        outcome: Callable[[BaseException | None], object],
    ) -> None:
        self.current = current
        self.every = every
        self.outcome = outcome
        self.stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="newsmon dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self, timeout: float) -> None:
        """Stop: the send in flight is abandoned (not sent); wait up to `timeout` s for the
        round to record that."""
        self.stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self.stop.is_set():
            self._wake.wait(self.every)
            self._wake.clear()
            if self.stop.is_set():
                return
            config, targets = self.current()
            try:
                dispatch_only(config, targets, stop=self.stop)
            except Exception as exc:  # the next round tries again; the daemon says why
                self.outcome(exc)
            else:
                self.outcome(None)
