"""Item pipelines, in the order of the flow: extract, relevance, store.

Each drop is counted under `newsmon/dropped/<reason>` and logged with its URL;
nothing leaves the flow silently. The store pipeline also writes the run's
numbers to `crawl_runs` when the spider closes.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from scrapy.exceptions import DropItem

from monitor import store
from monitor.crawl.workers import prepare, run_async
from monitor.errors import ExtractionError, StoreError
from monitor.extract.signature import signature
from monitor.items import Article, Page
from monitor.rules.evaluate import evaluate
from monitor.rules.rules import Rule, build_view, match
from monitor.text import normalize

logger = logging.getLogger("newsmon.pipelines")


class _Stage:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> _Stage:
        return cls(crawler)

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    def drop(self, reason: str, page: Page, detail: str = "") -> DropItem:
        self.crawler.stats.inc_value(f"newsmon/dropped/{reason}")
        logger.warning("dropped %s: %s%s", page.url, reason, f" ({detail})" if detail else "")
        return DropItem(f"{reason}: {page.url}")


class ExtractPipeline(_Stage):
    """Turn a fetched page into an Article; a failure is counted, logged and dropped."""

    async def process_item(self, page: Page) -> Page:
        if page.status != 200:
            return page
        # The same bytes as last time cannot hold a different article: skip the work.
        known = store.lookup(self.spider.db, page.request_url or page.url)
        if (
            known
            and known["raw_hash"]
            and known["raw_hash"] == page.raw_hash
            and known["status"] == "live"
        ):
            self.crawler.stats.inc_value("newsmon/same_bytes")
            return page
        if known and page.article_id is None:
            page.article_id = known["id"]  # found once here; the later stages need not look again
        stored = known["signature"] if known and known["status"] == "live" else None
        if stored:  # checked here: cheaper than the trip to a worker, and mostly it matches
            page.signature = signature(page.body, page.url, page.encoding)
            if page.signature == stored:
                self.crawler.stats.inc_value("newsmon/same_signature")
                return page
        # A page that cannot answer 304 (no validators) may change bytes on every request: its
        # signature spares later extractions (the worker also signs new bytes of the same text).
        sign = page.signature is None and not (page.etag or page.last_modified)
        previous = self._stored_version(page, known)
        try:
            page.article, page.packed, found, page.diff = await run_async(
                prepare, page.body, page.url, page.encoding, page.live, sign, previous
            )
        except ExtractionError as exc:
            raise self.drop("extract_failed", page, str(exc)) from None
        except Exception as exc:  # a crashed worker must not turn into a silent loss
            self.crawler.stats.inc_value("newsmon/errors")
            raise self.drop("extract_crashed", page, f"{type(exc).__name__}: {exc}") from None
        page.signature = page.signature or found
        return page

    def _stored_version(self, page: Page, known: dict | None) -> Article | None:
        """The article's stored text, for the worker to diff against (live blogs are compared
        entry by entry in the store)."""
        if not known or not known["current_version"] or known["kind"] == "liveblog" or page.live:
            return None
        row = store.version_row(self.spider.db, known["current_version"])
        if row is None:
            return None
        page.diff_base = row["id"]
        return store.version_article(row)


class RelevancePipeline(_Stage):
    """A source's optional topic filter: a new article that mentions none of its terms (or, with
    `relevance = "rules"`, that no rule would match) is dropped."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pattern: re.Pattern[str] | None = None
        self._topic_rules: list[Rule] | None = None

    def process_item(self, page: Page) -> Page:
        terms = self.spider.source.relevance
        if not terms or page.article is None or page.article_id is not None:
            return page
        keep = self._by_rules if terms == "rules" else self._by_terms
        if not keep(page.article, terms):
            raise self.drop("off_topic", page)
        return page

    def _by_terms(self, article: Article, terms: list[str]) -> bool:
        if self._pattern is None:
            alternatives = "|".join(re.escape(normalize(t).casefold()) for t in terms)
            self._pattern = re.compile(rf"\b(?:{alternatives})", re.IGNORECASE)
        text = normalize(" ".join([article.kicker, article.headline, article.lead, *article.body]))
        return self._pattern.search(text.casefold()) is not None

    def _by_rules(self, article: Article, _: str) -> bool:
        """Whether any rule's terms match the article as a whole, whatever events it listens to
        (the corrections rule must see the articles it will later watch). A rule without terms
        names no topic and keeps nothing by itself."""
        if self._topic_rules is None:
            rules = self.crawler.settings.get("NEWSMON_RULES") or []
            self._topic_rules = [replace(r, events=["new"]) for r in rules if r.any or r.all]
        view = build_view(self.spider.source.name, ["new"], article, None, words_changed=10**6)
        return any(match(rule, view) for rule in self._topic_rules)


class StorePipeline(_Stage):
    """Write the outcome to SQLite and count it: the pages of a batch in one transaction.

    A batch is written when it holds BATCH_PAGES pages or BATCH_BYTES of fetched pages (the raw
    page is stored with its version), BATCH_SECONDS after its first page, and when the spider
    closes. The transaction opens and closes within one call, so crawls on other connections
    never wait for a batch across turns of the event loop. A page fetched but not yet written
    when the process dies is fetched again by the next crawl (its article is still due, and
    listings are read again after a restart: monitor.daemon.recovery).
    """

    BATCH_PAGES = 50
    BATCH_BYTES = 2_000_000
    BATCH_SECONDS = 0.5

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.started = datetime.now(UTC)
        self.pending: list[Page] = []
        self.pending_bytes = 0
        self.timer: Any = None

    def process_item(self, page: Page) -> Page:
        if page.article is not None and page.article_id is not None:
            self._refuse_suspect_short(page)
        self.pending.append(page)
        self.pending_bytes += len(page.body)
        if len(self.pending) >= self.BATCH_PAGES or self.pending_bytes >= self.BATCH_BYTES:
            self.flush()
        elif self.timer is None:
            from twisted.internet import reactor  # here: importing it first would install one

            self.timer = reactor.callLater(self.BATCH_SECONDS, self.flush)
        return page

    def flush(self) -> None:
        """Write the waiting pages: one transaction for all, or page by page if that fails, so
        one page that cannot be stored costs only itself."""
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        pages, self.pending, self.pending_bytes = self.pending, [], 0
        if not pages:
            return
        db = self.spider.db
        try:
            with db.atomic():
                outcomes = [self._record(db, page) for page in pages]
        except Exception:
            outcomes = [self._record_alone(db, page) for page in pages]
        for page, outcome in zip(pages, outcomes, strict=True):
            if outcome is not None:
                self._count(outcome)
            page.body = page.packed = b""  # stored; do not keep it in memory or in item logs
        if any(o is not None and o.change_id is not None for o in outcomes):
            self._evaluate(db)

    def _evaluate(self, db: store.Database) -> None:
        """Turn the batch's changes into alerts now, while the workers extract the next pages:
        after the crawl only their delivery is left (after_crawl evaluates anything missed)."""
        config = self.crawler.settings.get("NEWSMON_CONFIG_OBJECT")
        if config is None or not config.rules:
            return
        try:
            created = evaluate(db, config)
        except StoreError:
            return  # the changes stay unevaluated until after the crawl
        self.crawler.stats.inc_value("newsmon/alerts", created)

    def _record(self, db: store.Database, page: Page) -> store.Outcome:
        outcome = store.record_page(db, page)
        revisit = self.crawler.settings.get("NEWSMON_REVISIT")
        if outcome.article_id is not None and revisit is not None:
            store.schedule_next(db, outcome.article_id, revisit)
        return outcome

    def _record_alone(self, db: store.Database, page: Page) -> store.Outcome | None:
        try:
            with db.atomic():  # the page and its next check: one commit
                return self._record(db, page)
        except StoreError as exc:  # a storage fault (store.FAULTS has it for the daemon and CLI)
            self.crawler.stats.inc_value("newsmon/errors")
            self.drop("store_failed", page, str(exc))
        except Exception as exc:  # a page the store cannot take must not take the batch with it
            self.crawler.stats.inc_value("newsmon/errors")
            self.drop("store_failed", page, f"{type(exc).__name__}: {exc}")
            logger.debug("store failure for %s", page.url, exc_info=True)
        return None

    def _count(self, outcome: store.Outcome) -> None:
        self.crawler.stats.inc_value(f"newsmon/{outcome.kind}")
        if outcome.change_id is not None:
            logger.info("%s %s: %s", outcome.kind, outcome.url, ", ".join(outcome.categories))
            # The CLI and the demo print changes as they are found.
            self.crawler.signals.send_catch_log(signal=change_found, outcome=outcome)

    def _refuse_suspect_short(self, page: Page) -> None:
        """A page far shorter than the stored article: a bot wall or broken markup, not an edit."""
        stored = store.current_words(self.spider.db, page)
        ratio = self.crawler.settings.getfloat("NEWSMON_SHORT_RATIO", 0.25)
        words = len(" ".join(page.article.paragraphs()).split())
        if stored >= 100 and words < stored * ratio:
            raise self.drop(
                "suspect_short", page, f"{words} words; the stored version has {stored}"
            )

    def close_spider(self) -> None:
        self.flush()
        spider = self.spider
        run = run_summary(
            self.crawler.stats.get_stats(), spider.source.name, spider.run_id, self.started
        )
        store.record_run(spider.db, run)


change_found = object()  # signal: a stored change (kwarg `outcome`)


def run_summary(stats: dict[str, Any], source: str, run_id: str, started: datetime) -> dict:
    """One crawl_runs row from Scrapy's stats and ours."""
    finished = datetime.now(UTC)
    prefix = "downloader/response_status_count/"
    statuses = {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)}
    dropped = {
        k.removeprefix("newsmon/dropped/"): v
        for k, v in stats.items()
        if k.startswith("newsmon/dropped/")
    }
    # Requests the robots.txt middleware refuses are also counted as IgnoreRequest exceptions;
    # "ignored" keeps only the other ones, so no request is counted twice.
    ignored = stats.get("downloader/exception_type_count/scrapy.exceptions.IgnoreRequest", 0)
    for reason, count in (
        ("robots_txt", stats.get("robotstxt/forbidden", 0)),
        ("offsite", stats.get("offsite/filtered", 0)),
        ("ignored", ignored - stats.get("robotstxt/forbidden", 0)),
    ):
        if count > 0:
            dropped[reason] = dropped.get(reason, 0) + count
    return {
        "run_id": run_id,
        "source": source,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 3),
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "fetched": stats.get("newsmon/new", 0)
        + stats.get("newsmon/changed", 0)
        + stats.get("newsmon/unchanged", 0)
        + stats.get("newsmon/restored", 0),
        "not_modified": stats.get("newsmon/not_modified", 0),
        "new": stats.get("newsmon/new", 0),
        "changed": stats.get("newsmon/changed", 0),
        "unchanged": stats.get("newsmon/unchanged", 0),
        "removed": stats.get("newsmon/removed", 0),
        "restored": stats.get("newsmon/restored", 0),
        "dropped": json.dumps(dropped, sort_keys=True),
        "errors": stats.get("newsmon/errors", 0),
        "statuses": json.dumps(statuses, sort_keys=True),
        "finish_reason": stats.get("finish_reason", ""),
    }
