"""Scrapy's own commands from the project root (`scrapy list`, `scrapy crawl SOURCE`) on the
config NEWSMON_CONFIG names, crawling the sample site into the database that config names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_CONFIG, Result, newsmon_env, rows

from monitor.config import load_config

SCRAPY = Path(sys.executable).parent / "scrapy"


@pytest.fixture
def scrapy(site, db_path):
    """`scrapy ARGS` as a user runs it from the project root, on config/sample.toml."""

    def run(*args: str, config: Path = SAMPLE_CONFIG) -> Result:
        env = {
            "NEWSMON_CONFIG": str(config),
            "NEWSMON_SAMPLE_URL": site.base_url,
            "NEWSMON_DB": str(db_path),
        }
        proc = subprocess.run(
            [str(SCRAPY), *args],
            cwd=ROOT,
            env=newsmon_env(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


def error_lines(result: Result) -> list[str]:
    assert "Traceback" not in result.err, result.err
    return [line for line in result.err.splitlines() if "error" in line.lower()]


def test_scrapy_list_names_the_spider_kinds_and_every_configured_source(scrapy):
    result = scrapy("list")
    assert result.code == 0, result.err
    sources = [s.name for s in load_config(SAMPLE_CONFIG).sources]
    assert sorted(result.out.split()) == sorted({"news", "zdf", *sources})
    assert "tagesschau" in sources and result.err == ""


def test_scrapy_crawl_a_source_stores_its_articles_in_the_configs_database(scrapy, site, db_path):
    result = scrapy("crawl", "tagesschau")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    articles = rows(db_path, "select url, source, versions from articles")
    published = site.published_paths("tagesschau") + site.live_blog_paths("tagesschau")
    assert {a["url"].split(site.base_url, 1)[1] for a in articles} == set(published)
    assert {a["source"] for a in articles} == {"tagesschau"}
    # The store records the source's spider kind, as `newsmon crawl` does.
    assert rows(db_path, "select name, spider from sources") == [
        {"name": "tagesschau", "spider": "news"}
    ]


def test_scrapy_crawl_news_with_a_source_argument_crawls_that_source(scrapy, site, db_path):
    result = scrapy("crawl", "news", "-a", "source=world")
    assert result.code == 0, result.err
    stored = rows(db_path, "select url from articles where source = 'world'")
    assert len(stored) == len(site.published_paths("world")) > 0


def test_scrapy_crawl_news_without_a_source_says_what_to_pass_in_one_line(scrapy, db_path):
    result = scrapy("crawl", "news")
    assert result.code == 2
    [line] = error_lines(result)
    assert "scrapy crawl news -a source=NAME" in line and "scrapy crawl NAME" in line
    assert "zdf, tagesschau, world, faults" in line
    assert not db_path.exists()


def test_scrapy_crawl_news_with_an_unknown_source_lists_the_known_ones(scrapy):
    result = scrapy("crawl", "news", "-a", "source=tagesschua")
    assert result.code == 2
    [line] = error_lines(result)
    assert "no source named 'tagesschua'" in line and "tagesschau" in line


def test_scrapy_crawl_an_unknown_name_lists_the_sources_and_spider_kinds(scrapy):
    result = scrapy("crawl", "tagesschua")
    assert result.code == 2
    [line] = error_lines(result)
    assert "no spider or source named 'tagesschua'" in line
    assert "zdf, tagesschau, world, faults" in line and "spider kinds: news, zdf" in line


@pytest.mark.parametrize("name", ["tagesschau", "zdf"])
def test_a_config_that_cannot_be_read_is_named_in_one_line(scrapy, tmp_path, name):
    missing = tmp_path / "nowhere.toml"
    result = scrapy("crawl", name, config=missing)
    assert result.code == 2
    [line] = error_lines(result)
    assert f"{missing}: no such config file" in line


def test_scrapy_list_says_when_the_configs_sources_are_missing(scrapy, tmp_path):
    missing = tmp_path / "nowhere.toml"
    result = scrapy("list", config=missing)
    assert result.code == 0
    assert result.out.split() == ["news", "zdf"]
    assert result.err.splitlines() == [
        f"scrapy: the config's sources are missing: {missing}: no such config file "
        "(copy config/monitor.toml or pass --config)"
    ]
