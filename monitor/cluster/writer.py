"""The writer role: the one process that writes the store in a cluster.

It reads the crawlers' facts from the result stream (monitor.cluster.stream) in batches and
writes each batch in one SQLite transaction, with the batch's entry ids in `cluster_applied`
(monitor.store.cluster): an entry delivered again (the writer died after the commit, before the
acknowledgement) is skipped, so every page is written once. A page is stored as the single
machine's store pipeline stores it (record_page, schedule_next, the suspect-short refusal);
listings, failed requests and redirects as the spider records them. Then the stream entries
are acknowledged, the batch's changes become alerts (monitor.rules.crawl_alerts, as the
daemon's batch listener does) and the daemon's dispatcher thread sends them. Each source's
counts go to one crawl_runs row a minute, so `newsmon status` and source health read them.

SIGTERM ends the loop after the batch in hand. A Redis that does not answer is said in one
line per retry, a storage fault too; the entries stay pending and are written later.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import threading
import time
from datetime import UTC, datetime

import redis

from monitor import clock, store
from monitor.cluster import stream
from monitor.cluster.keys import connect, keys_of
from monitor.cluster.settings import shown
from monitor.config import Config
from monitor.crawl.record import Extracted, Outcome, store_page, suspect_short
from monitor.errors import StoreError
from monitor.items import FetchError, Listing, Page
from monitor.rules.crawl_alerts import CrawlAlerts, Deliveries
from monitor.store import articles
from monitor.store import cluster as applied_log

logger = logging.getLogger("newsmon.writer")

BATCH = 50  # facts a transaction, as the store pipeline's batch
BLOCK_MS = 1000  # how long a read waits for new facts: also how soon SIGTERM is heard
DISPATCH_EVERY = 10  # as the daemon's dispatcher
AFTER_EVERY = 60  # seconds between the steps after a crawl (missed changes, source health)
FETCHED = ("new", "changed", "unchanged", "restored")
COUNTED = (*FETCHED, "not_modified", "removed")


class Tally:
    """A batch's counts per source, as crawl_runs rows of the current minute."""

    def __init__(self) -> None:
        self.runs: dict[str, dict] = {}

    def _run(self, source: str) -> dict:
        if source not in self.runs:
            counts = dict.fromkeys(applied_log.RUN_COUNTS, 0)
            self.runs[source] = {**counts, "dropped": {}, "statuses": {}}
        return self.runs[source]

    def page(self, page: Page, kind: str) -> None:
        run = self._run(page.source)
        run["requests"] += 1
        run["responses"] += 1
        status = str(page.status)
        run["statuses"][status] = run["statuses"].get(status, 0) + 1
        if kind.startswith("dropped/"):
            reason = kind.removeprefix("dropped/")
            run["dropped"][reason] = run["dropped"].get(reason, 0) + 1
            run["errors"] += reason == "store_failed"
        elif kind in COUNTED:
            run[kind] += 1
            run["fetched"] += kind in FETCHED

    def discovery(self, fact: Listing | FetchError) -> None:
        run = self._run(fact.source)
        run["requests"] += 1
        run["responses"] += isinstance(fact, Listing)

    def rows(self, now: datetime) -> list[dict]:
        minute = clock.iso(now.replace(second=0, microsecond=0))
        rows = []
        for source, run in self.runs.items():
            maps = {name: json.dumps(run[name], sort_keys=True) for name in applied_log.RUN_MAPS}
            rows.append(
                {
                    **run,
                    **maps,
                    "run_id": f"cluster {minute}",
                    "source": source,
                    "started_at": clock.iso(now),
                    "finished_at": clock.iso(now),
                    "seconds": 0.0,
                    "finish_reason": "cluster",
                }
            )
        return rows


def apply_fact(
    db: store.Database, config: Config, fact: stream.Fact, tally: Tally
) -> Outcome | None:
    """Write one fact as the single machine would; a page's outcome, None for other facts."""
    payload = fact.payload()
    if fact.kind == "page":
        return _store_page(db, config, payload, tally)
    if fact.kind in ("listing", "error"):
        store.record_discovery(db, payload)
        tally.discovery(payload)
    elif fact.kind == "redirect":
        articles.record_redirect(db, payload)
    else:
        logger.warning("stream entry %s: unknown kind %r; skipped", fact.id, fact.kind)
    return None


def _store_page(db: store.Database, config: Config, item: Extracted, tally: Tally) -> Outcome:
    why = None
    if item.article is not None and item.article_id is not None:
        why = suspect_short(db, item, config.health.short_ratio)
    if why is not None:
        logger.warning("dropped %s: suspect_short (%s)", item.page.url, why)
        outcome = Outcome("dropped/suspect_short", url=item.page.url)
    else:
        outcome = store_page(db, item, config.revisit)
    tally.page(item.page, outcome.kind)
    return outcome


def apply_batch(db: store.Database, config: Config, facts: list[stream.Fact]) -> list[Outcome]:
    """Write the facts not written yet in one transaction, or one by one if that fails (a fact
    that cannot be written costs only itself). A storage fault is raised: nothing is written
    and the entries stay pending."""
    try:
        return _apply_all(db, config, facts)
    except StoreError:
        raise
    except Exception:
        logger.debug("batch failed; writing its facts one by one", exc_info=True)
    return [outcome for fact in facts for outcome in _apply_alone(db, config, fact)]


def _apply_all(db: store.Database, config: Config, facts: list[stream.Fact]) -> list[Outcome]:
    with db.atomic():
        done = applied_log.applied(db, [fact.id for fact in facts])
        fresh = [fact for fact in facts if fact.id not in done]
        tally = Tally()
        outcomes = [apply_fact(db, config, fact, tally) for fact in fresh]
        applied_log.mark_applied(db, [fact.id for fact in fresh])
        for run in tally.rows(datetime.now(UTC)):
            applied_log.add_to_run(db, run)
    return [outcome for outcome in outcomes if outcome is not None]


def _apply_alone(db: store.Database, config: Config, fact: stream.Fact) -> list[Outcome]:
    try:
        return _apply_all(db, config, [fact])
    except StoreError:
        raise
    except Exception as exc:
        # Dropped, as the store pipeline drops a page it cannot store, and marked written: an
        # entry that can never be written must not hold up every batch after it.
        logger.warning("dropped stream entry %s: store_failed (%s: %s)", fact.id, _name(exc), exc)
        with db.atomic():
            applied_log.mark_applied(db, [fact.id])
        return []


class Writer:
    """The role's state: the stream consumer, the store's connection, alerts and delivery."""

    def __init__(
        self,
        config: Config,
        server: redis.Redis | None = None,
        consumer: str = "",
        targets: list | None = None,
    ) -> None:
        settings = config.cluster
        self.config = config
        self.server = server if server is not None else connect(settings)
        self.keys = keys_of(settings)
        self.consumer = consumer or settings.name or f"writer-{socket.gethostname()}"
        self.claim_after_ms = int(settings.lease_seconds * 1000)
        self.retry = settings.heartbeat_seconds  # between tries while Redis or the store fails
        self.db = store.open_db(config.database)
        applied_log.ensure_tables(self.db)
        self.alerts = CrawlAlerts(config, targets)
        self.deliveries = Deliveries(
            lambda: (self.config, self.alerts.targets), DISPATCH_EVERY, _delivered
        )
        self.stopped = threading.Event()
        self.last_after = 0.0

    def start(self) -> None:
        """The dispatcher's thread; the changes and alerts a last writer left (as the daemon
        does at start-up)."""
        stream.ensure_group(self.server, self.keys)
        self.deliveries.start()
        self._after()

    def step(self, block_ms: int = BLOCK_MS) -> int:
        """One batch: read, write, acknowledge, alert. Returns how many facts it read."""
        facts = stream.read(
            self.server, self.keys, self.consumer, BATCH, block_ms, self.claim_after_ms
        )
        if facts:
            outcomes = apply_batch(self.db, self.config, facts)
            ids = [fact.id for fact in facts]
            stream.done(self.server, self.keys, ids, [fact.lease for fact in facts if fact.lease])
            applied_log.forget_applied(self.db, ids)
            self._changes(outcomes)
        if time.monotonic() - self.last_after >= AFTER_EVERY:
            self._after()
        return len(facts)

    def _changes(self, outcomes: list[Outcome]) -> None:
        changed = [o for o in outcomes if o.change_id is not None]
        for outcome in changed:
            logger.info("%s %s: %s", outcome.kind, outcome.url, ", ".join(outcome.categories))
        if changed:
            self.alerts.stored(self.db)  # the daemon's batch listener
            self.deliveries.wake()

    def _after(self) -> None:
        self.alerts.after(deliver=False)  # changes missed, source health; the thread sends
        self.deliveries.wake()
        self.last_after = time.monotonic()

    def stop(self) -> None:
        self.stopped.set()

    def close(self) -> None:
        self.deliveries.close(5.0)  # the send in flight: not sent (as the daemon)
        self.db.close()


def run(writer: Writer) -> None:
    """Batches until `stop`; Redis or the store failing: one line per try, then wait."""
    while not writer.stopped.is_set():
        try:
            writer.step()
        except redis.RedisError as exc:
            url = shown(writer.config.cluster.redis)
            logger.error("redis at %s unreachable: %s; retrying every %g s", url, exc, writer.retry)
        except StoreError as exc:  # names the file and what to do
            logger.error("%s; the stream's entries wait, retrying every %g s", exc, writer.retry)
        else:
            continue
        writer.stopped.wait(writer.retry)


def run_writer(config: Config) -> int:
    """The writer role until SIGTERM or SIGINT (after the batch in hand); the exit code."""
    from monitor.crawl.runner import configure_logging  # Scrapy's loggers, quieted

    configure_logging()
    if config.cluster is None:
        logger.error("%s: --role writer needs a [cluster] table with redis = ...", config.path)
        return 2
    try:
        writer = Writer(config)
    except StoreError as exc:
        logger.error("%s", exc)
        return 1
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: writer.stop())
    logger.info(
        "newsmon writer %s: stream %s on %s, database %s",
        writer.consumer,
        writer.keys.results,
        shown(config.cluster.redis),
        config.database,
    )
    try:
        _start(writer)
        run(writer)
    finally:
        writer.close()
    logger.info("writer stopped")
    return 0


def _start(writer: Writer) -> None:
    while not writer.stopped.is_set():
        try:
            writer.start()
            return
        except redis.RedisError as exc:
            url = shown(writer.config.cluster.redis)
            logger.error("redis at %s unreachable: %s; retrying every %g s", url, exc, writer.retry)
            writer.stopped.wait(writer.retry)


def _delivered(exc: BaseException | None) -> None:
    if exc is not None:  # the next round tries again
        logger.error("dispatch failed (%s: %s); the next round tries again", _name(exc), exc)


def _name(exc: BaseException) -> str:
    return type(exc).__name__
