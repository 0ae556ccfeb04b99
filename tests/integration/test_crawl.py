"""Real Scrapy crawls over HTTP against the sample site on 127.0.0.1, into a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, Result, cli_runner, rows

from monitor.config import load_config
from monitor.sample_site import SampleSite


def snapshot(db_path) -> list[tuple]:
    """Everything a fault must not touch: every stored version and change."""
    versions = rows(
        db_path, "select id, article_id, number, fingerprint, raw_hash from versions order by id"
    )
    changes = rows(
        db_path, "select id, article_id, kind, categories, diff from changes order by id"
    )
    return [tuple(v.values()) for v in versions] + [tuple(c.values()) for c in changes]


@dataclass
class Twice:
    """The sample site crawled, then crawled again with nothing changed (`crawl --all`)."""

    site: SampleSite
    db: Path
    first: Result
    articles: list[dict]  # as the first crawl left them
    changes: list[dict]
    before: list[tuple]  # snapshot() after the first crawl
    second: Result


@pytest.fixture(scope="module")
def twice(tmp_path_factory) -> Twice:
    db = tmp_path_factory.mktemp("twice") / "monitor.db"
    with SampleSite() as site:
        run = cli_runner(site, db)
        first = run("crawl")
        articles, changes = rows(db, "select * from articles"), rows(db, "select kind from changes")
        before = snapshot(db)
        yield Twice(site, db, first, articles, changes, before, run("crawl", "--all"))


def test_first_crawl_stores_every_published_article_as_new(twice):
    site, result, articles = twice.site, twice.first, twice.articles
    assert result.code == 0, result.err
    published = site.published_paths() + site.live_blog_paths()
    assert {a["url"].split(site.base_url, 1)[1] for a in articles} == set(published)
    assert all(a["versions"] == 1 and a["status"] == "live" for a in articles)
    assert [c["kind"] for c in twice.changes] == ["new"] * len(published)
    assert "total" in result.out and "304" in result.out


def test_a_second_crawl_with_nothing_changed_stores_nothing_and_shows_304s(twice):
    db_path, result = twice.db, twice.second
    assert twice.first.code == 0, twice.first.err
    assert result.code == 0, result.err
    assert snapshot(db_path) == twice.before
    runs = rows(
        db_path, "select * from crawl_runs where run_id = (select max(run_id) from crawl_runs)"
    )
    assert sum(r["not_modified"] for r in runs) > 0
    assert sum(r["new"] + r["changed"] for r in runs) == 0
    total = next(line for line in result.out.splitlines() if line.startswith("total"))
    # The 304 column counts every "not modified" answer: articles, feeds and sitemaps.
    answered = sum(json.loads(r["statuses"]).get("304", 0) for r in runs)
    assert int(total.split()[2]) == answered >= sum(r["not_modified"] for r in runs)


def test_requests_carry_the_stored_validators(newsmon, site, db_path):
    assert newsmon("crawl", "tagesschau").code == 0
    stored = rows(db_path, "select etag, last_modified from articles where source = 'tagesschau'")
    assert stored and all(r["etag"] and r["last_modified"] for r in stored)
    assert newsmon("crawl", "tagesschau", "--all").code == 0
    runs = rows(db_path, "select * from crawl_runs where source = 'tagesschau' order by id")
    # Every known article answered 304 the second time: the request was conditional.
    assert runs[-1]["not_modified"] >= len(stored)


def test_an_unreachable_source_is_named_and_nothing_stored_is_lost(newsmon, tmp_path, db_path):
    assert newsmon("crawl", "world").code == 0
    before = snapshot(db_path)
    config = tmp_path / "down.toml"
    config.write_text(
        '[newsmon]\ndatabase = "${NEWSMON_DB}"\n[crawl]\ntimeout = 3\nretries = 0\n'
        '[[sources]]\nname = "down"\nfeeds = ["http://127.0.0.1:9/rss.xml"]\n'
    )
    result = newsmon("crawl", config=config)
    assert result.code == 1
    assert (
        "Error: down: could not be reached (1 failed request(s)); first: http://127.0.0.1:9/rss.xml: "
        in result.err
    )
    assert snapshot(db_path) == before


def test_a_broken_config_names_the_file_and_key_and_exits_2(newsmon, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[[sources]]\nname = "x"\nfeeds = ["nope"]\n')
    result = newsmon("config", "check", config=config)
    assert result.code == 2
    assert result.err.startswith(f"Error: {config}")
    assert "At 'sources.x.feeds[0]': 'nope' is not an http(s) URL" in result.err


def test_articles_and_diff_commands_show_what_was_stored(newsmon, site, db_path):
    assert newsmon("crawl").code == 0
    step = None
    while step is None or step.name != "headline":
        step = site.advance()
    assert newsmon("crawl", "--all").code == 0
    changed = rows(db_path, "select article_id from changes where kind = 'headline'")
    assert len(changed) == 1
    article_id = str(changed[0]["article_id"])
    listing = newsmon("articles", "--source", "zdf")
    assert listing.code == 0
    row = next(
        line.split() for line in listing.out.splitlines() if line.split()[:1] == [article_id]
    )
    assert row[2:4] == ["live", "2"]  # status, versions
    shown = newsmon("diff", article_id, "--no-color")
    assert shown.code == 0, shown.err
    assert "[-" in shown.out and "{+" in shown.out
    assert "\033[" not in shown.out


def test_scrapy_list_and_scrapy_crawl_work_from_the_project_root(site, db_path):
    env = {"NEWSMON_SAMPLE_URL": site.base_url, "NEWSMON_DB": str(db_path), "PATH": "/usr/bin:/bin"}
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The spider kinds and every source of the default config (monitor.toml).
    sources = [s.name for s in load_config(ROOT / "config" / "monitor.toml").sources]
    assert sorted(listed.stdout.split()) == sorted({"news", "zdf", *sources}), listed.stderr
    crawled = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "zdf", "-s", "NEWSMON_CONFIG=config/sample.toml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    stored = rows(db_path, "select count(*) as n from articles where source = 'zdf'")
    assert stored[0]["n"] == len(site.published_paths("zdf") + site.live_blog_paths("zdf"))


def test_idle_connections_are_kept_for_every_request_that_can_be_in_flight():
    from scrapy.utils.reactor import install_reactor
    from scrapy.utils.test import get_crawler

    from monitor.crawl.handler import HTTPHandler
    from monitor.crawl.settings import DOWNLOAD_HANDLERS, TWISTED_REACTOR

    install_reactor(TWISTED_REACTOR)
    crawler = get_crawler(
        settings_dict={"CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    )
    assert HTTPHandler(crawler)._pool.maxPersistentPerHost == 16
    assert set(DOWNLOAD_HANDLERS.values()) == {"monitor.crawl.handler.HTTPHandler"}


def test_meta_refresh_is_followed_and_other_pages_are_not_decoded_to_look_for_one():
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from monitor.crawl.middlewares import MetaRefreshMiddleware

    middleware = MetaRefreshMiddleware.from_crawler(get_crawler(settings_dict={}))
    request = Request("http://127.0.0.1/a.html")
    moved = HtmlResponse(
        request.url,
        body=b'<html><head><meta http-equiv="Refresh" content="0; url=/b.html"></head></html>',
        request=request,
    )
    followed = middleware.process_response(request, moved)
    assert isinstance(followed, Request) and followed.url == "http://127.0.0.1/b.html"
    quoted = b'<meta content="0; url=/c.html" data-x="a>b" http-equiv="refresh">'
    moved = HtmlResponse(request.url, body=b"<html><head>" + quoted, request=request)
    followed = middleware.process_response(request, moved)
    assert isinstance(followed, Request) and followed.url == "http://127.0.0.1/c.html"
    script = b"<html><head><script>autoRefresh(60)</script></head><body>"
    reloads = b'<html><head><meta http-equiv="refresh" content="300"></head><body>'
    for body in [b"<html><body>", script, reloads]:
        page = HtmlResponse(request.url, body=body + b"<p>Text</p>" * 5000, request=request)
        assert middleware.process_response(request, page) is page
        assert getattr(page, "_cached_ubody", None) is None  # never decoded
    # A refresh far down a long page is followed, its head alone decoded.
    moved = HtmlResponse(
        request.url,
        body=b"<html><head>" + quoted + b"</head><body>" + b"<p>Text</p>" * 5000,
        request=request,
    )
    followed = middleware.process_response(request, moved)
    assert isinstance(followed, Request) and followed.url == "http://127.0.0.1/c.html"
    assert getattr(moved, "_cached_ubody", None) is None
