"""`newsmon sources add URL` (issue 17, item 8) against the sample site: it finds the section's
feed, a link pattern for its articles, test-crawls them through the real extraction, and the
block it prints, appended with --write to a copy of config/sample.toml, loads and crawls."""

from __future__ import annotations

import re
import shutil
import tomllib

from conftest import SAMPLE_CONFIG, free_port, rows


def _one_error_line(result) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_a_section_page_gives_its_feed_pattern_and_test_crawl(newsmon, site):
    url = f"{site.base_url}/world/"
    result = newsmon("sources", "add", url)
    assert result.code == 0, result.err
    out = result.out
    assert f"{site.base_url}/world/rss.xml  (feed, " in out
    # The site's robots.txt names another outlet's news sitemap: shown, not proposed.
    assert "news-sitemap.xml  (not added: 0 of its" in out
    assert "link_pattern: /world/[a-z0-9-]+/[a-z0-9-]+$" in out
    assert "and 0 of the page's" in out  # the navigation links are not taken for articles
    tried = re.findall(r"^  ok (\S+)\n     '([^']+)', (\d+) words: ", out, re.M)
    assert len(tried) == 3, out
    assert all(u.startswith(url) and int(n) > 100 and h for u, h, n in tried)
    block = tomllib.loads(out[out.index("[[sources]]") :])["sources"][0]
    assert block["name"] == "world"  # from the path, the host being an address
    assert block["feeds"] == [f"{site.base_url}/world/rss.xml"]
    assert block["sections"] == [url] and "sitemaps" not in block
    assert block["allowed_domains"] == ["127.0.0.1"]
    assert block["relevance"] == "rules"  # the config has a story


def test_write_appends_a_block_that_loads_and_crawls(newsmon, site, tmp_path, db_path):
    config = tmp_path / "sample.toml"
    shutil.copy(SAMPLE_CONFIG, config)
    before = config.read_text()
    url = f"{site.base_url}/tagesschau/"
    result = newsmon(
        "sources", "add", url, "--name", "ts2", "--write", "--articles", "1", config=config
    )
    assert result.code == 0, result.err
    after = config.read_text()
    assert after.startswith(before)  # every comment and key of the file as it was
    assert "# Added by `newsmon sources add`" in after[len(before) :]
    checked = newsmon("config", "check", config=config)
    assert checked.code == 0, checked.err
    assert "ts2" in checked.out.splitlines()[0]
    crawled = newsmon("crawl", "ts2", config=config)
    assert crawled.code == 0, crawled.err
    stored = rows(db_path, "select url from articles where source = 'ts2'")
    assert len(stored) >= 3, crawled.out
    assert all("/tagesschau/" in r["url"] for r in stored)


def test_write_refuses_a_name_that_exists(newsmon, site, tmp_path):
    config = tmp_path / "sample.toml"
    shutil.copy(SAMPLE_CONFIG, config)
    before = config.read_text()
    line = _one_error_line(
        newsmon("sources", "add", f"{site.base_url}/world/", "--write", config=config)
    )
    assert "a source named 'world' exists already" in line and "tagesschau" in line
    assert config.read_text() == before
    # Refused before anything is fetched: not the page, not robots.txt.
    assert site.hits("/world/") == 0 and site.hits("/robots.txt") == 0


def test_errors_are_one_line_naming_the_url(newsmon, site):
    down = f"http://127.0.0.1:{free_port()}/news/"
    assert down in _one_error_line(newsmon("sources", "add", down))
    feed = f"{site.base_url}/world/rss.xml"
    line = _one_error_line(newsmon("sources", "add", feed))
    assert feed in line and "not an HTML page" in line
    about = f"{site.base_url}/world/about"
    line = _one_error_line(newsmon("sources", "add", about))
    assert about in line and "no article links" in line
    missing = f"{site.base_url}/world/no-such-section-here"
    line = _one_error_line(newsmon("sources", "add", missing))
    assert missing in line and "HTTP 404" in line
