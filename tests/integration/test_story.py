"""The tracked story out of the box: the default config's rules find the Ukraine talks under
every spelling, `relevance = "rules"` keeps only the story, and an offline crawl of the default
sources names each outlet once."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, SAMPLE_CONFIG, rows

from monitor.config import load_config
from monitor.items import Article
from monitor.rules.rules import build_view, match

DEFAULT = ROOT / "config" / "monitor.toml"


@pytest.fixture(scope="module")
def talks():
    return next(r for r in load_config(DEFAULT).rules if r.name == "ukraine-talks")


def fires(rule, text: str) -> bool:
    article = Article(url="https://example.org/a", headline=text)
    return match(rule, build_view("zdf", ["new"], article, None)) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Selenskyj lehnt Gebietsabtretungen ab",
        "Zelensky says security guarantees must come first",
        "Zelenskyy meets envoys in Geneva",
        "Uschakow: Waffenstillstand nur mit Bedingungen",
        "Ushakov dismisses truce proposal",
        "Dmitrijew reist zu Friedensgesprächen",
        "Dmitriev and Witkoff discuss the peace plan",
        "Kushner und Witkoff in Moskau: neue Verhandlungsrunde",
        "Kremlin rejects territorial concessions demand",
        "Kreml kündigt Waffenruhe über Ostern an",
        "Kyiv and Moscow agree to a ceasefire on energy sites",
        "Kiew prüft den Friedensplan",
        "Putin signals readiness for talks",
        "Ukraine-Gespräche in Genf: Delegationen ringen um Sicherheitsgarantien",
    ],
)
def test_the_story_is_found_under_every_spelling_and_in_both_languages(talks, text):
    assert fires(talks, text)


@pytest.mark.parametrize(
    "text",
    [
        "Tarifverhandlungen bei der Bahn gehen weiter",  # talks, but not this story
        "Ukraine wins the Eurovision Song Contest",  # the country, but no talks
        "Hallenbad in Altenbrück wird saniert",
    ],
)
def test_other_news_is_not_the_story(talks, text):
    assert not fires(talks, text)


def test_every_default_source_keeps_only_what_a_rule_would_match():
    config = load_config(DEFAULT)
    assert {s.relevance for s in config.sources} == {"rules"}
    names = {s.name for s in config.sources}
    assert {"zdf", "tagesschau", "dw", "spiegel", "deutschlandfunk", "zeit", "ntv", "bbc"} <= names
    assert {"guardian", "kyivindependent"} <= names
    zdf = config.source("zdf")
    assert any("zdfheute.de" in f for f in zdf.feeds) and any("zdf.de" in f for f in zdf.feeds)
    assert zdf.sitemaps and zdf.sections
    assert zdf.live_blogs and re.search(r"-blog-\d+\.html$", zdf.live_blogs[0])


def test_relevance_by_rules_drops_off_topic_articles_of_a_real_crawl(newsmon, tmp_path, db_path):
    text = SAMPLE_CONFIG.read_text()
    config = tmp_path / "story.toml"
    config.write_text(text.replace('name = "world"\n', 'name = "world"\nrelevance = "rules"\n', 1))
    result = newsmon("crawl", "world", config=config)
    assert result.code == 0, result.err
    stored = {r["url"].rsplit("/", 1)[-1] for r in rows(db_path, "select url from articles")}
    assert "ukraine-geneva-talks-energy-truce" in stored
    assert "kingsmere-late-winner-cup-quarter-final" not in stored
    assert "norrcell-solid-state-battery-pilot-line" not in stored
    run = rows(db_path, "select dropped from crawl_runs where source = 'world'")[0]
    assert '"off_topic": 2' in run["dropped"]


def test_offline_crawl_of_the_default_sources_names_each_outlet_once_and_fails(newsmon, tmp_path):
    """Every default URL is pointed at a closed port on 127.0.0.1 (the tests never go online),
    keeping its path, so each outlet fails the way it would with no network."""
    raw = tomllib.loads(DEFAULT.read_text())
    lines = []
    for line in DEFAULT.read_text().splitlines():
        lines.append(re.sub(r"https://[a-z0-9.-]+(?=/)", "http://127.0.0.1:9", line))
    offline = tmp_path / "offline.toml"
    offline.write_text(
        "\n".join(lines)
        .replace("timeout = 30", "timeout = 3")
        .replace("retries = 2", "retries = 0")
        .replace("download_delay = 2.0", "download_delay = 0")
        .replace("allowed_domains = [", "allowed_domains = ['127.0.0.1', ")
    )
    result = newsmon("crawl", config=offline, timeout=300)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("Error: ")]
    names = [s["name"] for s in raw["sources"]]
    for name in names:
        mine = [e for e in errors if e.startswith(f"Error: {name}: ")]
        assert len(mine) == 1, (name, errors)
        assert "could not be reached" in mine[0] and "127.0.0.1:9" in mine[0]
    assert all(urlsplit(u).hostname for u in _urls(raw))


def _urls(raw: dict) -> list[str]:
    return [
        u
        for s in raw["sources"]
        for k in ("feeds", "sitemaps", "sections", "live_blogs")
        for u in s.get(k, [])
    ]


def test_the_default_user_agent_names_the_project_and_takes_the_contact_from_the_environment(
    monkeypatch,
):
    monkeypatch.setenv("NEWSMON_CONTACT", "mailto:desk@example.org")
    agent = load_config(DEFAULT).crawl.user_agent
    assert agent.startswith("newsmon/") and "(+mailto:desk@example.org;" in agent
    assert Path(DEFAULT).read_text().count("NEWSMON_CONTACT") >= 2  # used and explained
