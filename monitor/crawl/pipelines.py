"""Item pipelines, in the order of the flow: extract, relevance, store.

The spider yields a Page; the extract stage hands on an Extracted (the page and what extraction
made of it), which the relevance and store stages pass along; the store stage's outcome for it
goes out with the change_found signal. Each drop is counted under `newsmon/dropped/<reason>` and
logged with its URL; nothing leaves the flow silently. The store pipeline also writes the run's
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
from monitor.clock import iso
from monitor.crawl.memory import trim
from monitor.crawl.record import Extracted, Outcome, store_page, suspect_short
from monitor.crawl.workers import Prepared, prepare, run_async
from monitor.diff.interstitial import recognize_page
from monitor.errors import ExtractionError, StoreError
from monitor.extract.signature import signature
from monitor.items import Article, Page, Version
from monitor.rules.rules import Rule, build_view, match, whole_text
from monitor.stories.membership import is_candidate
from monitor.text import normalize

logger = logging.getLogger("newsmon.pipelines")

change_found = object()  # signal: a stored change (kwarg `outcome`: an Outcome)
# Signal: a batch of pages that holds changes was stored (kwarg `db`: the crawl's connection).
# Rules hang off it (monitor.rules.crawl_alerts): the crawl itself knows nothing of alerts.
changes_stored = object()


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

    async def process_item(self, page: Page) -> Extracted:
        if page.status != 200:
            return Extracted(page, page.article_id)
        # The same bytes as last time cannot hold a different article: skip the work.
        known = self._known(page)
        if (
            known
            and known["raw_hash"]
            and known["raw_hash"] == page.raw_hash
            and known["status"] == "live"
        ):
            self.crawler.stats.inc_value("newsmon/same_bytes")
            return Extracted(page, page.article_id)
        # Found once here; the later stages need not look again.
        article_id = known["id"] if known and page.article_id is None else page.article_id
        signed = None
        stored = known["signature"] if known and known["status"] == "live" else None
        if stored:  # checked here: cheaper than the trip to a worker, and mostly it matches
            signed = signature(page.body, page.url, page.encoding)
            if signed == stored:
                self.crawler.stats.inc_value("newsmon/same_signature")
                return Extracted(page, article_id, signature=signed)
        current = self._stored_version(page, known)
        made = await self._prepare(page, current, signed)
        if made is None:  # a soft 404 of a known article: the store counts them in a row
            return Extracted(page, article_id, interstitial="soft_404")
        return Extracted(
            page,
            article_id,
            made.article,
            made.packed,
            signed or made.signature,
            made.diff,
            current.id if current else None,
        )

    async def _prepare(
        self, page: Page, current: Version | None, signed: str | None
    ) -> Prepared | None:
        # A page that cannot answer 304 (no validators) may change bytes on every request: its
        # signature spares later extractions (the worker also signs new bytes of the same text).
        sign = signed is None and not (page.etag or page.last_modified)
        previous = current.article if current else None
        try:
            return await run_async(
                prepare, page.body, page.url, page.encoding, page.live, sign, previous
            )
        except ExtractionError as exc:
            # Too little text for an article: a wall or a "page not found" page, often.
            wall = recognize_page(page.body, current.article if current else None)
            if wall is None:
                raise self.drop("extract_failed", page, str(exc)) from None
            if wall.kind == "soft_404" and (page.article_id or current):
                return None
            raise self.drop(f"interstitial_{wall.kind}", page, wall.why) from None
        except Exception as exc:  # a crashed worker must not turn into a silent loss
            self.crawler.stats.inc_value("newsmon/errors")
            raise self.drop("extract_crashed", page, f"{type(exc).__name__}: {exc}") from None

    def _known(self, page: Page) -> dict | None:
        """What the store holds of the page's article (monitor.store.lookup's row)."""
        return store.lookup(self.spider.db, page.request_url or page.url)

    def _stored_version(self, page: Page, known: dict | None) -> Version | None:
        """The article's stored version, for the worker to diff against (live blogs are
        compared entry by entry when they are stored)."""
        if not known or not known["current_version"] or known["kind"] == "liveblog" or page.live:
            return None
        return store.current_version(self.spider.db, known["current_version"])


class RelevancePipeline(_Stage):
    """A source's optional topic filter: a new article that mentions none of its terms (or, with
    `relevance = "rules"`, that no rule would match and that is no story's candidate) is
    dropped."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pattern: re.Pattern[str] | None = None
        self._topic_rules: list[Rule] | None = None

    def process_item(self, item: Extracted) -> Extracted:
        terms = self.spider.source.relevance
        if not terms or item.article is None or item.article_id is not None:
            return item
        keep = self._by_rules if terms == "rules" else self._by_terms
        if not keep(item.article, terms):
            raise self.drop("off_topic", item.page)
        return item

    def _by_terms(self, article: Article, terms: list[str]) -> bool:
        if self._pattern is None:
            alternatives = "|".join(re.escape(normalize(t).casefold()) for t in terms)
            self._pattern = re.compile(rf"\b(?:{alternatives})", re.IGNORECASE)
        text = normalize(" ".join([article.kicker, article.headline, article.lead, *article.body]))
        return self._pattern.search(text.casefold()) is not None

    def _by_rules(self, article: Article, _: str) -> bool:
        """Whether any rule's terms match the article as a whole, whatever events it listens to,
        or it is a candidate of a story (monitor.stories.membership.is_candidate: lenient, so
        that an article that names the story in passing is there to join when a later version
        is about it). A rule without terms names no topic and keeps nothing by itself."""
        source = self.spider.source.name
        stories = [s for s in self.crawler.settings.get("NEWSMON_STORIES") or [] if s.reads(source)]
        # One view, its whole article folded once for the stories and the rules alike.
        view = build_view(source, ["new"], article, None, words_changed=10**6)
        if any(is_candidate(story, whole_text(view)) for story in stories):
            return True
        if self._topic_rules is None:
            rules = self.crawler.settings.get("NEWSMON_RULES") or []
            self._topic_rules = [replace(r, events=["new"]) for r in rules if r.any or r.all]
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
        self.pending: list[Extracted] = []
        self.pending_bytes = 0
        self.timer: Any = None

    def process_item(self, item: Extracted) -> Extracted:
        if item.article is not None and item.article_id is not None:
            self._refuse_suspect_short(item)
        self.pending.append(item)
        page = item.page
        self.pending_bytes += page.raw_size
        if item.packed:  # the store needs the page's hash, size and compressed copy, not its bytes
            page.raw_hash  # noqa: B018  (computed before the bytes go)
            page.body = b""
        if len(self.pending) >= self.BATCH_PAGES or self.pending_bytes >= self.BATCH_BYTES:
            self.flush()
        elif self.timer is None:
            from twisted.internet import reactor  # here: importing it first would install one

            self.timer = reactor.callLater(self.BATCH_SECONDS, self.flush)
        return item

    def flush(self) -> None:
        """Write the waiting pages: one transaction for all, or page by page if that fails, so
        one page that cannot be stored costs only itself. Then tell who listens (the rules)
        that changes were stored, while the workers extract the next pages."""
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        items, self.pending, self.pending_bytes = self.pending, [], 0
        if not items:
            return
        db = self.spider.db
        try:
            with db.atomic():
                outcomes = [self._record(db, item) for item in items]
        except Exception:
            outcomes = [self._record_alone(db, item) for item in items]
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome is not None:
                self._count(outcome)
            item.page.body = item.packed = b""  # stored; do not keep it in memory or in logs
        trim()
        if any(o is not None and o.change_id is not None for o in outcomes):
            self.crawler.signals.send_catch_log(signal=changes_stored, db=db)

    def _record(self, db: store.Database, item: Extracted) -> Outcome:
        return store_page(db, item, self.crawler.settings.get("NEWSMON_REVISIT"))

    def _record_alone(self, db: store.Database, item: Extracted) -> Outcome | None:
        try:
            with db.atomic():  # the page and its next check: one commit
                return self._record(db, item)
        except StoreError as exc:  # a storage fault (store.FAULTS has it for the daemon and CLI)
            self.crawler.stats.inc_value("newsmon/errors")
            self.drop("store_failed", item.page, str(exc))
        except Exception as exc:  # a page the store cannot take must not take the batch with it
            self.crawler.stats.inc_value("newsmon/errors")
            self.drop("store_failed", item.page, f"{type(exc).__name__}: {exc}")
            logger.debug("store failure for %s", item.page.url, exc_info=True)
        return None

    def _count(self, outcome: Outcome) -> None:
        self.crawler.stats.inc_value(f"newsmon/{outcome.kind}")  # a drop: newsmon/dropped/...
        if outcome.kind.startswith("dropped/"):
            logger.warning("dropped %s: %s", outcome.url, outcome.kind.removeprefix("dropped/"))
        if outcome.change_id is not None:
            logger.info("%s %s: %s", outcome.kind, outcome.url, ", ".join(outcome.categories))
            # The CLI and the demo print changes as they are found.
            self.crawler.signals.send_catch_log(signal=change_found, outcome=outcome)

    def _refuse_suspect_short(self, item: Extracted) -> None:
        ratio = self.crawler.settings.getfloat("NEWSMON_SHORT_RATIO", 0.25)
        why = suspect_short(self.spider.db, item, ratio)
        if why is not None:
            raise self.drop("suspect_short", item.page, why)

    def close_spider(self) -> None:
        self.flush()
        spider = self.spider
        run = run_summary(
            self.crawler.stats.get_stats(), spider.source.name, spider.run_id, self.started
        )
        store.record_run(spider.db, run)


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
        "started_at": iso(started),
        "finished_at": iso(finished),
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
