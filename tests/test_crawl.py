"""Real Scrapy crawls over HTTP against the sample site on 127.0.0.1, into a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, cli_runner, rows

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


def test_first_crawl_stores_every_published_article_as_new(newsmon, site, db_path):
    result = newsmon("crawl")
    assert result.code == 0, result.err
    articles = rows(db_path, "select * from articles")
    published = site.published_paths()
    assert {a["url"].split(site.base_url, 1)[1] for a in articles} == set(published)
    assert all(a["versions"] == 1 and a["status"] == "live" for a in articles)
    changes = rows(db_path, "select kind from changes")
    assert [c["kind"] for c in changes] == ["new"] * len(published)
    assert "total" in result.out and "304" in result.out


def test_a_second_crawl_with_nothing_changed_stores_nothing_and_shows_304s(newsmon, db_path):
    assert newsmon("crawl").code == 0
    before = snapshot(db_path)
    result = newsmon("crawl", "--all")
    assert result.code == 0, result.err
    assert snapshot(db_path) == before
    runs = rows(
        db_path, "select * from crawl_runs where run_id = (select max(run_id) from crawl_runs)"
    )
    assert sum(r["not_modified"] for r in runs) > 0
    assert sum(r["new"] + r["changed"] for r in runs) == 0
    total = next(line for line in result.out.splitlines() if line.startswith("total"))
    assert int(total.split()[2]) == sum(r["not_modified"] for r in runs)


def test_requests_carry_the_stored_validators(newsmon, site, db_path):
    assert newsmon("crawl", "tagesschau").code == 0
    stored = rows(db_path, "select etag, last_modified from articles where source = 'tagesschau'")
    assert stored and all(r["etag"] and r["last_modified"] for r in stored)
    assert newsmon("crawl", "tagesschau", "--all").code == 0
    runs = rows(db_path, "select * from crawl_runs where source = 'tagesschau' order by id")
    # Every known article answered 304 the second time: the request was conditional.
    assert runs[-1]["not_modified"] >= len(stored)


@pytest.fixture(scope="module")
def faults_crawl(tmp_path_factory):
    """One crawl of every source and then of the faults feed beside ZDF, shared by the fault tests."""
    db_path = tmp_path_factory.mktemp("faults") / "monitor.db"
    with SampleSite(slow_seconds=2) as site:
        run = cli_runner(site, db_path)
        assert run("crawl").code == 0
        before = snapshot(db_path)
        result = run("crawl", "faults", "zdf")
        yield site, db_path, before, result


def test_every_fault_is_logged_with_its_url_and_counted_and_the_cycle_goes_on(faults_crawl):
    site, db_path, before, result = faults_crawl
    assert result.code == 0, result.err
    # What was stored before is untouched; the fault pages that are real articles (slow,
    # wrong encoding) may be added under their own URLs.
    assert set(before) <= set(snapshot(db_path))
    added = rows(db_path, "select url from articles where id > ?", [len(before) // 2])
    assert all("/fault/" in a["url"] for a in added), added
    errors = rows(db_path, "select url, reason from crawl_errors")
    by_path = {e["url"].split(site.base_url, 1)[-1]: e["reason"] for e in errors}
    assert "HTTP 500" in by_path["/fault/500"]
    assert "HTTP 429 (Retry-After: 1)" in by_path["/fault/429"]
    assert "DataLoss" in by_path["/fault/truncated"]
    assert "redirect loop" in by_path["/fault/loop"]
    assert "redirected off-site to http://localhost:" in by_path["/fault/offsite"]
    assert "/fault/huge" in by_path
    # One line for the source with its count and first failure; each URL is in crawl_errors.
    assert "Error: faults: had errors (" in result.err
    assert result.err.count("Error: faults:") == 1 and "Error: zdf" not in result.err
    runs = {r["source"]: r for r in rows(db_path, "select * from crawl_runs order by id")}
    faults = runs["faults"]
    assert faults["errors"] >= 6
    assert json.loads(faults["dropped"]).get("extract_failed", 0) >= 2  # garbage and empty pages
    assert runs["zdf"]["errors"] == 0  # the other source's cycle went on untouched
    assert "extract_failed" in result.err and site.base_url + "/fault/garbage" in result.err


def test_a_page_with_the_wrong_declared_encoding_is_stored_with_the_right_characters(faults_crawl):
    _, db_path, _, _ = faults_crawl
    stored = rows(
        db_path,
        "select v.headline, v.body from versions v join articles a on a.id = v.article_id where a.url like '%/fault/wrong-encoding'",
    )
    assert len(stored) == 1
    text = stored[0]["headline"] + stored[0]["body"]
    assert any(ch in text for ch in "äöüß")
    assert "Ã" not in text


def test_robots_txt_disallow_is_obeyed(faults_crawl):
    site, db_path, _, _ = faults_crawl
    assert site.hits("/robots.txt") >= 1
    assert site.hits("/private/secret-100.html") == 0
    reasons = rows(db_path, "select reason from crawl_errors where url like '%/private/%'")
    assert reasons == [{"reason": "request dropped: Forbidden by robots.txt"}]


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
    assert "At 'sources[0].feeds[0]': 'nope' is not an http(s) URL" in result.err


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
    assert listing.code == 0 and "v2" in listing.out
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
    assert listed.stdout.split() == ["news", "zdf"], listed.stderr
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
    assert stored[0]["n"] == len([p for p in site.published_paths() if p.startswith("/zdf/")])
