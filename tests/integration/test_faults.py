"""The fault suite: every fault and hostile input of the sample site, met by real crawls.

One cycle of `newsmon crawl` (real Scrapy over HTTP on 127.0.0.1, a real SQLite file) meets
all of them at once: fixed fault URLs (the faults feed), listing faults (a malformed feed, a
feed of 10,000 entries, sitemap indexes that list themselves or each other, a rate-limited
feed) and faults set on articles that were stored before. For each fault the tests check what
a person sees (the crawl_errors row or drop log line with the URL, the counters, the health
alert where one is due), that the rest of the cycle went on (the scripted edits of the same
cycle are stored), and that nothing stored before changed.

Politeness: retries wait (Retry-After for the whole host, else exponential backoff), a host
that asks for more than a crawl waits gets nothing more that crawl, robots.txt is obeyed and
counted, and a source that keeps failing is crawled less and less often.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import Result, cli_runner, rows
from scrapy.settings import Settings

from monitor import clock, store
from monitor.config import Source, load_config
from monitor.crawl.middlewares import RetryMiddleware, retry_after_seconds
from monitor.crawl.pipelines import run_summary
from monitor.daemon.service import Daemon
from monitor.notify.health import crawl_delay, failure_streak, pacing
from monitor.sample_site import SampleSite
from monitor.sample_site import faults as f
from monitor.sample_site.content import SECRET
from monitor.sample_site.script import GENF, WITKOFF

# Every fault source is enabled, so health checks see it; the first crawl names the outlets.
CONFIG = """
[newsmon]
database = "${NEWSMON_DB}"
[crawl]
user_agent = "newsmon-faults/0.1 (+http://127.0.0.1/)"
download_delay = 0
autothrottle = false
concurrent_per_domain = 8
# Long enough for any real answer on a busy machine; the slow and dripping pages take 10 s.
timeout = 4
retries = 1
max_page_bytes = 2097152  # 2 MB: the huge pages pass it at once, even on a busy machine
[health]
failures_in_a_row = 1
[[sources]]
name = "zdf"
spider = "zdf"
feeds = ["${NEWSMON_SAMPLE_URL}/zdf/rss/nachrichten"]
link_pattern = '/zdf/(?!.*-blog-)[a-z0-9/-]+-\\d{3}\\.html$'
[[sources]]
name = "tagesschau"
feeds = ["${NEWSMON_SAMPLE_URL}/tagesschau/index~atom.xml"]
link_pattern = '/tagesschau/[a-z0-9/-]+-\\d{3}\\.html$'
[[sources]]
name = "world"
feeds = ["${NEWSMON_SAMPLE_URL}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
[[sources]]
name = "faults"
feeds = ["${NEWSMON_SAMPLE_URL}/faults/rss.xml"]
[[sources]]
name = "badfeed"
feeds = ["${NEWSMON_SAMPLE_URL}/fault/feed-malformed.xml"]
[[sources]]
name = "bigfeed"
feeds = ["${NEWSMON_SAMPLE_URL}/fault/feed-10000.xml"]
[[sources]]
name = "sitemaps"
sitemaps = [
    "${NEWSMON_SAMPLE_URL}/fault/sitemap-self.xml",
    "${NEWSMON_SAMPLE_URL}/fault/sitemap-loop-a.xml",
]
[[sources]]
name = "ratelimited"
feeds = ["${NEWSMON_SAMPLE_URL}/fault/feed-rate-limited.xml"]
# Answers after 1 s: by then the feed's 429 has put the host off for this crawl.
sitemaps = ["${NEWSMON_SAMPLE_URL}/fault/sitemap-slow.xml?seconds=1"]
"""
OUTLETS = ("zdf", "tagesschau", "world")
FAULT_SOURCES = ("faults", "badfeed", "bigfeed", "sitemaps", "ratelimited")
TIMED_OUT = "timed out: no complete answer within 4 s ([crawl] timeout) (2 attempts)"
TOO_BIG = "page larger than the download limit of 2 MB ([crawl] max_page_bytes); not downloaded"
TRUNCATED = "truncated: the connection closed before the whole body arrived (2 attempts)"
CLOSED = "connection closed by the site before a complete answer (ConnectionLost) (2 attempts)"


@dataclass(frozen=True)
class Fault:
    """One fault and what a person sees of it: an error row (`error`) or a dropped page
    (`drop`), with the text that names the reason, and how many requests the site saw."""

    name: str
    kind: str
    sees: str
    hits: int | None = 1


# The fixed fault URLs of the faults feed (the encodings and invalid HTML are stored; see below).
FIXED = [
    Fault("500", "error", "HTTP 500 (2 attempts)", 2),
    Fault("429", "error", "HTTP 429 (Retry-After: 1) (2 attempts)", 2),
    Fault("503-date", "error", "HTTP 503 (Retry-After: ", 2),
    Fault("slow", "error", TIMED_OUT, 2),
    Fault("drip", "error", TIMED_OUT, 2),
    # Twisted sends a request again by itself once when a reused connection dies: 2 or 4 hits.
    Fault("reset", "error", CLOSED, None),
    Fault("truncated", "error", TRUNCATED, 2),
    Fault("huge", "error", TOO_BIG),  # never retried: it would be just as big
    Fault("huge-unannounced", "error", TOO_BIG),
    Fault("loop", "error", "redirect loop: {base}/fault/loop -> {base}/fault/loop-2 -> "),
    Fault("loop-self", "error", "redirect loop: {base}/fault/loop-self -> {base}/fault/loop-self"),
    Fault("offsite", "error", "redirected off-site to http://localhost:"),
    Fault("redirect-ftp", "error", "HTTP 302 redirect to ftp://127.0.0.1:"),
    Fault(
        "redirect-javascript",
        "error",
        "HTTP 302 redirect to javascript:alert(document.cookie): not an http(s) URL, not followed",
    ),
    Fault(
        "redirect-file",
        "error",
        "HTTP 302 redirect to file:///etc/passwd: not an http(s) URL, not followed",
    ),
    Fault("redirect-no-location", "error", "HTTP 302 redirect without a Location header"),
    Fault("garbage", "drop", "extract_failed (binary content served as HTML)"),
    Fault("pdf", "drop", "extract_failed (binary content served as HTML)"),
    Fault("empty", "drop", "extract_failed (empty page)"),
]
# The same faults set on articles stored before: nothing stored may change.
ON_DEMAND = [
    Fault("500", "error", "HTTP 500 (2 attempts)", 2),
    Fault("429", "error", "HTTP 429 (Retry-After: 1) (2 attempts)", 2),
    Fault("slow", "error", TIMED_OUT, 2),
    Fault("drip", "error", TIMED_OUT, 2),
    Fault("truncated", "error", TRUNCATED, 2),
    Fault("huge", "error", TOO_BIG),
    Fault("reset", "error", CLOSED, None),
    Fault("garbage", "drop", "extract_failed (binary content served as HTML)"),
    Fault("empty", "drop", "extract_failed (empty page)"),
]
assert {x.name for x in ON_DEMAND} == set(f.ON_DEMAND)


@dataclass
class Crawled:
    site: SampleSite
    db: Path
    before: dict[str, dict[int, tuple]]  # every stored row before the fault cycle
    after: dict[str, dict[int, tuple]]  # ... and right after it
    result: Result  # the fault cycle, run with -v
    recovery: Result  # the next cycle, faults cleared
    on_demand: dict[str, str]  # fault name -> path of the stored article it was set on
    run_id: str

    def url(self, path: str) -> str:
        return self.site.url(path)

    def errors(self, source: str | None = None) -> dict[str, str]:
        """URL -> reason of the fault cycle's crawl_errors rows."""
        found = rows(
            self.db, "select source, url, reason from crawl_errors where run_id = ?", [self.run_id]
        )
        return {r["url"]: r["reason"] for r in found if source in (None, r["source"])}

    def run(self, source: str) -> dict:
        (run,) = rows(
            self.db,
            "select * from crawl_runs where run_id = ? and source = ?",
            [self.run_id, source],
        )
        return run


def snapshot(db: Path) -> dict[str, dict[int, tuple]]:
    """Every row of the tables a fault must not touch, byte for byte (raw pages included)."""
    return {
        table: {r["id"]: tuple(r.values()) for r in rows(db, f"select * from {table}")}
        for table in ("articles", "versions", "changes")
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Crawled:
    tmp = tmp_path_factory.mktemp("faults")
    config, db = tmp / "faults.toml", tmp / "monitor.db"
    config.write_text(CONFIG)
    with SampleSite(slow_seconds=10) as site:
        run = cli_runner(site, db)
        first = run("crawl", *OUTLETS, config=config)
        assert first.code == 0, first.err
        # Faults on articles already stored; the listing faults list other (world) articles.
        listed = set(f.listed_articles(site))
        stored = site.published_paths("tagesschau") + site.published_paths("world")
        targets = [p for p in stored if p not in listed][: len(ON_DEMAND)]
        on_demand = {fault.name: path for fault, path in zip(ON_DEMAND, targets, strict=True)}
        for name, path in on_demand.items():
            site.set_fault(path, name)
        before = snapshot(db)
        # The same cycle must still store what really changed: a new article and an edit.
        assert [site.advance().name, site.advance().name] == ["publish", "headline"]
        result = run("crawl", "-v", "--all", *OUTLETS, *FAULT_SOURCES, config=config)
        after = snapshot(db)
        for path in on_demand.values():
            site.clear_fault(path)
        recovery = run("crawl", "--all", "tagesschau", "world", config=config)
        (latest,) = rows(db, "select run_id from crawl_runs where source = 'faults'")
        yield Crawled(site, db, before, after, result, recovery, on_demand, latest["run_id"])


# --- the cycle goes on, nothing stored is lost ---------------------------------------------------


def test_the_cycle_finishes_and_stores_the_real_changes_of_the_same_cycle(crawled):
    assert crawled.result.code == 0, crawled.result.err[-3000:]
    runs = {s: crawled.run(s) for s in (*OUTLETS, *FAULT_SOURCES)}  # one row per source
    changes = rows(
        crawled.db,
        "select c.kind, c.categories, a.url from changes c join articles a on a.id = c.article_id "
        "where c.id > ?",
        [max(crawled.before["changes"])],
    )
    found = {(c["url"].removeprefix(crawled.site.base_url), c["kind"]) for c in changes}
    assert (WITKOFF, "new") in found, found
    assert any(url == GENF and kind != "new" for url, kind in found), found
    zdf = runs["zdf"]
    assert (zdf["errors"], zdf["new"], zdf["changed"]) == (0, 1, 1), crawled.errors("zdf")
    assert "Error: zdf" not in crawled.result.err and "Error: world" not in crawled.result.err


def test_every_row_stored_before_the_faults_is_byte_identical_after(crawled):
    before, after = crawled.before, crawled.after
    for table in ("versions", "changes"):
        assert {k: after[table][k] for k in before[table]} == before[table], table
    # Articles: the ones the faults hit are untouched entirely; the others at most re-checked.
    faulted = {
        r["id"]
        for r in rows(crawled.db, "select id, url from articles")
        if r["url"].removeprefix(crawled.site.base_url) in crawled.on_demand.values()
    }
    assert len(faulted) == len(ON_DEMAND)
    for article_id in faulted:
        assert after["articles"][article_id] == before["articles"][article_id]
    content = "select id, status, versions from articles"
    now = {r["id"]: r for r in rows(crawled.db, content)}
    assert all(now[a]["status"] == "live" for a in before["articles"])
    assert sum(now[a]["versions"] > 1 for a in before["articles"]) == 1  # the headline edit


def test_fault_pages_never_become_versions_or_changes(crawled):
    added = rows(
        crawled.db,
        "select a.url from versions v join articles a on a.id = v.article_id where v.id > ?",
        [max(crawled.before["versions"])],
    )
    fault_urls = {a["url"].removeprefix(crawled.site.base_url) for a in added}
    stored_faults = {u for u in fault_urls if u.startswith("/fault/")}
    # Only the hostile-but-readable pages are stored: encodings and invalid HTML.
    assert stored_faults == {f"/fault/{name}" for name in STORED}
    bigfeed = rows(crawled.db, "select count(*) as n from articles where source = 'bigfeed'")
    assert bigfeed[0]["n"] == 0


# --- each fault: what the user sees --------------------------------------------------------------


@pytest.mark.parametrize("fault", FIXED, ids=lambda x: x.name)
def test_each_fixed_fault_is_named_with_its_url_and_reason(crawled, fault):
    url = crawled.url(f"/fault/{fault.name}")
    sees = fault.sees.format(base=crawled.site.base_url)
    errors = crawled.errors("faults")
    log = crawled.result.err
    if fault.kind == "error":
        assert sees in errors.get(url, ""), errors.get(url)
        assert f"faults: {url}: {errors[url]}" in log  # the log line, with -v
    else:
        assert url not in errors
        assert f"dropped {url}: {sees}" in log  # a warning: shown without -v too
    if fault.hits is not None:
        assert crawled.site.hits(f"/fault/{fault.name}") == fault.hits
    else:
        assert 2 <= crawled.site.hits(f"/fault/{fault.name}") <= 4


@pytest.mark.parametrize("fault", ON_DEMAND, ids=lambda x: x.name)
def test_each_fault_on_a_stored_article_is_named_and_changes_nothing(crawled, fault):
    path = crawled.on_demand[fault.name]
    url = crawled.url(path)
    errors = crawled.errors()
    if fault.kind == "error":
        assert fault.sees in errors.get(url, ""), errors.get(url)
    else:
        assert url not in errors and f"dropped {url}: {fault.sees}" in crawled.result.err
    (row,) = rows(crawled.db, "select id from articles where url = ?", [url])
    assert crawled.after["articles"][row["id"]] == crawled.before["articles"][row["id"]]
    if fault.hits is not None:
        assert crawled.site.hits(path) == 1 + fault.hits + 1  # first crawl, faults, recovery


def test_the_counters_add_up_per_source(crawled):
    faults = crawled.run("faults")
    errors = [x for x in FIXED if x.kind == "error"]
    assert faults["errors"] == len(errors) == len(crawled.errors("faults"))
    dropped = json.loads(faults["dropped"])
    assert dropped == {"extract_failed": 3, "offsite": 1, "robots_txt": 1}
    assert faults["new"] == len(STORED)
    statuses = json.loads(faults["statuses"])
    assert statuses["429"] == 2 and statuses["500"] == 2 and statuses["503"] == 2
    # The summary table a person reads after `newsmon crawl`.
    line = next(x for x in crawled.result.out.splitlines() if re.match(r"faults +\d", x))
    assert line.split()[-1] == "5"  # pages dropped, by reason under the table
    assert "\nfaults dropped: extract_failed 3, offsite 1, robots_txt 1\n" in crawled.result.out
    assert f"Error: faults: had errors ({faults['errors']} failed request(s)); first: " in (
        crawled.result.err
    )


def test_health_alerts_name_the_blocked_and_failing_sources_then_clear(crawled):
    alerts = rows(
        crawled.db, "select source, rule, message from alerts where kind = 'health' order by id"
    )
    started = {(a["source"], a["rule"]) for a in alerts if "resolved" not in a["message"]}
    assert ("ratelimited", "health:blocked") in started
    assert ("ratelimited", "health:failing") in started
    assert ("faults", "health:blocked") in started  # its 429s
    rate_limited = crawled.on_demand["429"].split("/")[1]  # the outlet of that article
    assert (rate_limited, "health:blocked") in started
    failing = next(a for a in alerts if a["rule"] == "health:failing")
    assert crawled.url(f.RATE_LIMITED_FEED) in failing["message"]
    assert not any(a["source"] in ("zdf", "badfeed", "bigfeed", "sitemaps") for a in alerts)
    # The next cycle without faults: the tagesschau episode ends with a "resolved" alert.
    cleared = rows(
        crawled.db,
        "select cleared_at from source_health where source = ? and problem = 'blocked'",
        [rate_limited],
    )
    assert cleared and cleared[0]["cleared_at"]
    assert crawled.recovery.code == 0 and "Error:" not in crawled.recovery.err


# --- hostile but readable pages are stored with the right characters ------------------------------

STORED = {
    "wrong-encoding": ("großen Gefangenenaustausch", "Кирилл Дмитриев"),
    "latin1-no-charset": (f.GERMAN_HEADLINE, f.GERMAN_BODY[0]),
    "utf8-no-charset": (f.GERMAN_HEADLINE, f.CYRILLIC_PARAGRAPH),
    "cp1251": (f.RUSSIAN_HEADLINE, f.RUSSIAN_BODY[0]),
    "invalid-html": (f.INVALID_HEADLINE, f.INVALID_PARAGRAPHS[1]),
    # Declared wrongly: the letters tell (and the raw bytes are kept, see the next test).
    "cp1251-as-latin1": (f.RUSSIAN_HEADLINE, f.RUSSIAN_BODY[0]),
    "cp1251-as-utf8": (f.RUSSIAN_HEADLINE, f.RUSSIAN_BODY[0]),
}


def stored_version(crawled: Crawled, name: str) -> dict:
    (version,) = rows(
        crawled.db,
        "select v.*, r.raw_html from versions v join version_rows r on r.id = v.id "
        "join articles a on a.id = v.article_id where a.url = ?",
        [crawled.url(f"/fault/{name}")],
    )
    return version


@pytest.mark.parametrize("name", [n for n, (h, _) in STORED.items() if h], ids=str)
def test_pages_with_wrong_or_missing_charsets_and_invalid_html_keep_their_characters(crawled, name):
    headline, text = STORED[name]
    version = stored_version(crawled, name)
    assert headline in version["headline"]
    body = version["lead"] + "\n" + version["body"]
    assert text in body
    assert not re.search("[\x00\ufffd]|Ã|Ð", version["headline"] + body)


@pytest.mark.parametrize("name", ["cp1251-as-latin1", "cp1251-as-utf8"])
def test_cyrillic_declared_as_another_charset_is_stored_with_its_raw_bytes(crawled, name):
    version = stored_version(crawled, name)
    raw = zlib.decompress(version["raw_html"])
    assert raw == f._encoded_page(name).body  # a better decoder can re-process it later
    assert f.RUSSIAN_HEADLINE.encode("cp1251") in raw


# --- listings ---------------------------------------------------------------------------------------


def test_a_malformed_feed_is_an_error_with_its_line_and_its_readable_links_are_followed(crawled):
    reason = crawled.errors("badfeed")[crawled.url(f.MALFORMED_FEED)]
    assert re.fullmatch(
        r"feed is not valid XML \(.*line \d+, column \d+\); 2 link\(s\) read from the rest",
        reason,
    ), reason
    run = crawled.run("badfeed")
    assert run["errors"] == 1 and run["fetched"] + run["not_modified"] == 2  # its two links


def test_a_feed_of_10000_entries_is_read_but_only_the_first_1000_links_followed(crawled):
    site = crawled.site
    hits = [site.hits(f.BIG_FEED_ITEM.format(n)) for n in range(1, f.BIG_FEED_ENTRIES + 1)]
    assert all(hits[:1000]) and not any(hits[1000:])
    run = crawled.run("bigfeed")
    assert json.loads(run["dropped"]) == {"over_listing_limit": 9000}
    assert run["statuses"] == '{"200": 2, "404": 1000}'  # the links, the feed, robots.txt
    assert (
        f"bigfeed: {crawled.url(f.BIG_FEED)} lists 10000 article links; followed the first 1000"
        in crawled.result.err
    )


def test_sitemap_indexes_that_list_themselves_or_each_other_end(crawled):
    site = crawled.site
    for path in (f.SITEMAP_SELF, f.SITEMAP_LOOP_A, f.SITEMAP_LOOP_B, f.SITEMAP_CHILD):
        assert site.hits(path) == 1, path
    run = crawled.run("sitemaps")
    assert run["errors"] == 0 and run["fetched"] + run["not_modified"] == 2  # the child's two


# --- politeness ---------------------------------------------------------------------------------------


def test_retries_wait_retry_after_or_back_off(crawled):
    site = crawled.site
    (first, second) = site.hit_times("/fault/429")
    assert second - first >= 1.0  # Retry-After: 1
    (first, second) = site.hit_times("/fault/503-date")
    assert second - first >= 1.9  # Retry-After: an HTTP date 2-3 s ahead
    (first, second) = site.hit_times("/fault/500")
    assert second - first >= 1.0  # no Retry-After: the backoff of the first retry
    assert f"{crawled.url('/fault/500')}: HTTP 500; retry 1 of 1 in 1.0 s" in crawled.result.err


def test_a_host_asking_for_a_long_pause_gets_nothing_more_this_crawl(crawled):
    site = crawled.site
    assert site.hits(f.RATE_LIMITED_FEED) == 1  # not retried
    reason = crawled.errors("ratelimited")[crawled.url(f.RATE_LIMITED_FEED)]
    assert reason == (
        "HTTP 429 (Retry-After: 3600): the site asks for a longer pause than a crawl waits; "
        "not retried, the next crawl tries again"
    )
    run = crawled.run("ratelimited")
    # The slow sitemap came back after the 429: its two articles were not requested.
    assert site.hits(f.SITEMAP_SLOW) == 1
    assert json.loads(run["dropped"]) == {"retry_after": 2} and run["errors"] == 1
    host = f"127.0.0.1:{site.port}"
    assert f"not requested: {host} asked to wait 3600 s" in crawled.result.err


def test_robots_txt_disallow_is_obeyed_counted_and_not_an_error(crawled):
    assert crawled.site.hits(SECRET.path) == 0
    assert crawled.url(SECRET.path) not in crawled.errors()
    assert json.loads(crawled.run("faults")["dropped"])["robots_txt"] == 1
    assert f"faults: {crawled.url(SECRET.path)}: not requested: robots.txt forbids it" in (
        crawled.result.err
    )


def test_retry_after_takes_seconds_or_a_date_and_ignores_nonsense():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(later, now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert retry_after_seconds("-5") is None


def test_retries_back_off_exponentially_up_to_a_cap():
    middleware = RetryMiddleware(
        Settings({"NEWSMON_RETRY_BACKOFF": 1.5, "NEWSMON_RETRY_BACKOFF_MAX": 10.0})
    )
    assert [middleware._backoff(n) for n in range(1, 6)] == [1.5, 3.0, 6.0, 10.0, 10.0]


# --- a source that keeps failing is slowed down -------------------------------------------------------


def record(db, source: str, *, failed: bool) -> None:
    """One crawl_runs row made the way a crawl makes it, from Scrapy-style stats."""
    stats = {"downloader/request_count": 3, "downloader/response_count": 3}
    stats.update({"newsmon/errors": 3} if failed else {"newsmon/unchanged": 3})
    store.record_run(db, run_summary(stats, source, clock.now(), datetime.now(UTC)))


def test_a_failing_source_waits_longer_after_each_failure_and_recovers_at_once(tmp_path):
    db = store.open_db(tmp_path / "monitor.db")
    source = Source(name="down", feeds=["http://127.0.0.1:9/rss.xml"], interval=600)
    seen = []
    for _ in range(6):
        record(db, "down", failed=True)
        seen.append(pacing(db, source))
    assert seen == [(600, 1), (1200, 2), (2400, 3), (4800, 4), (4800, 5), (4800, 6)]
    # A crawl with nothing to do is no evidence; one that works ends the backoff.
    store.record_run(db, run_summary({}, "down", clock.now(), datetime.now(UTC)))
    assert failure_streak(db, "down") == 6
    record(db, "down", failed=False)
    assert pacing(db, source) == (600, 0)
    db.close()
    # Long intervals stop at 6 hours, short ones at 8 intervals.
    assert crawl_delay(3 * 3600, 4) == 6 * 3600 and crawl_delay(60, 10) == 480


def test_the_daemon_postpones_a_failing_source_and_logs_it_once_per_crawl(tmp_path, caplog):
    config_path = tmp_path / "monitor.toml"
    config_path.write_text(
        f'[newsmon]\ndatabase = "{tmp_path / "monitor.db"}"\n'
        '[[sources]]\nname = "down"\nfeeds = ["http://127.0.0.1:9/rss.xml"]\ninterval = "10m"\n'
    )
    config = load_config(config_path)
    db = store.open_db(config.database)
    for _ in range(3):
        record(db, "down", failed=True)
    db.close()
    (source,) = config.sources

    async def scheduled() -> tuple[datetime, datetime]:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        daemon = Daemon(config)
        now = datetime.now(UTC)
        first = daemon._first_run(source, now)  # after a restart: last run + 4 intervals
        daemon.scheduler = AsyncIOScheduler(timezone=UTC)
        daemon.scheduler.add_job(
            print, "interval", seconds=600, id="discover:down", next_run_time=now
        )
        daemon.scheduler.start(paused=True)
        daemon._pace(source)
        job = daemon.scheduler.get_job("discover:down")
        assert daemon.backoff_until["down"] == job.next_run_time
        daemon.scheduler.shutdown(wait=False)
        return first, job.next_run_time

    with caplog.at_level("WARNING", logger="newsmon.daemon"):
        first, postponed = asyncio.run(scheduled())
    now = datetime.now(UTC)
    assert timedelta(minutes=39) < first - now <= timedelta(minutes=40)
    assert timedelta(minutes=39) < postponed - now <= timedelta(minutes=40)
    assert [r.getMessage() for r in caplog.records if r.name == "newsmon.daemon"] == [
        "down: failing 3 crawls in a row; next try in 40 min"
    ]
