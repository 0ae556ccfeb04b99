"""Config loading: every problem reported with its file and key, all at once."""

from pathlib import Path

import pytest

from monitor.clock import parse_duration
from monitor.config import load_config
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_configs_load():
    for name in ("monitor.toml", "sample.toml"):
        config = load_config(ROOT / "config" / name)
        assert config.sources, name
        assert all(s.allowed_domains for s in config.sources)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[sources]]\nname = "x"\n', "At 'sources.x': needs at least one of feeds"),
        (
            '[[sources]]\nname = "x"\nfeeds = ["ftp://a/b"]\n',
            "At 'sources.x.feeds[0]': 'ftp://…' is not an http(s) URL",
        ),
        (
            '[[sources]]\nname = "x"\nfeeds = ["http://a/"]\nfeds = []\n',
            "At 'sources.x.feds': unknown key",
        ),
        (
            '[[sources]]\nname = "x"\nfeeds = ["http://a/"]\nlink_pattern = "("\n',
            "At 'sources.x.link_pattern': not a valid regular expression",
        ),
        (
            '[[sources]]\nname = "x"\nfeeds = ["http://a/"]\ninterval = "soon"\n',
            "At 'sources.x.interval': 'soon' is not a duration",
        ),
        (
            '[[sources]]\nname = "x"\nfeeds = ["http://a/"]\nspider = "bbc"\n',
            "At 'sources.x.spider': unknown spider 'bbc' (known: news, zdf)",
        ),
        ('[crawl]\ntimeout = "slow"\n', "At 'crawl.timeout': expected float, got str 'slow'"),
        ("[crawl]\nobey_robots = 1\n", "At 'crawl.obey_robots': expected bool, got int 1"),
        (
            '[[sources]]\nname = "x"\nfeeds = ["http://a/"]\n[[sources]]\nname = "x"\nfeeds = ["http://b/"]\n',
            "At 'sources[1].name': duplicate source name 'x'",
        ),
        (
            "paint = 1\n",
            "At 'paint': unknown key (known: cluster, crawl, health, newsmon, notify, retention, revisit, rules, sources, stories)",
        ),
    ],
    ids=[
        "a source without feeds sitemaps or sections is refused",
        "a feed that is not http is refused",
        "a misspelt key is named",
        "a bad regular expression is named",
        "an unreadable interval is named",
        "an unknown spider lists the known ones",
        "a wrong type names the expected type",
        "an integer is not a boolean",
        "duplicate source names are refused",
        "an unknown top-level table is named",
    ],
)
def test_a_broken_config_names_the_file_and_the_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message


def test_all_problems_are_listed_at_once(tmp_path):
    path = write(
        tmp_path,
        '[crawl]\ntimeout = "x"\nretries = "y"\n[[sources]]\nname = "Bad Name"\nfeeds = ["http://a/"]\n',
    )
    with pytest.raises(ConfigError, match=r"3 problem\(s\)"):
        load_config(path)


def test_invalid_toml_says_where(tmp_path):
    path = write(tmp_path, "[[sources]\nname = 1\n")
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 1"):
        load_config(path)


def test_a_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_environment_variables_fill_in_values(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE", "http://127.0.0.1:9999")
    path = write(
        tmp_path,
        '[newsmon]\ndatabase = "${DBDIR:-var}/x.db"\n[[sources]]\nname = "x"\nfeeds = ["${SITE}/rss"]\n',
    )
    config = load_config(path)
    assert config.sources[0].feeds == ["http://127.0.0.1:9999/rss"]
    assert config.sources[0].allowed_domains == ["127.0.0.1"]
    assert str(config.database) == "var/x.db"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (90, 90),
        ("90s", 90),
        ("10m", 600),
        ("1.5h", 5400),
        ("2d", 172800),
        ("soon", None),
        (0, None),
        (True, None),
    ],
)
def test_durations_read_like_people_write_them(value, seconds):
    assert parse_duration(value) == seconds


def test_an_entry_is_named_by_its_name_else_by_its_index(tmp_path):
    path = write(
        tmp_path,
        '[[sources]]\nname = "zdf"\nfeeds = ["http://a/"]\ninterval = "soon"\n'
        '[[sources]]\nname = "zdf"\nfeeds = ["http://b/"]\nspider = "bbc"\n'
        '[[sources]]\nfeeds = ["ftp://c/"]\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "At 'sources.zdf.interval': 'soon' is not a duration" in message
    # The second "zdf" by its place: its name would not say which one.
    assert "At 'sources[1].spider': unknown spider 'bbc'" in message
    assert "At 'sources[1].name': duplicate source name 'zdf'" in message
    assert "At 'sources[2].name': required" in message
