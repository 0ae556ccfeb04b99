"""The tables of `newsmon articles`, `alerts` and `stories` (issue 17, item 7): one helper,
aligned columns under a rule of dashes, every line within 100 columns (long headlines and URLs
cut with an ellipsis), one line instead of an empty table; and config errors that name a
source or rule by its name."""

from __future__ import annotations

import pytest
from conftest import cli_runner, rows

from monitor.sample_site import SampleSite


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli_tables") / "monitor.db"
    with SampleSite() as site:
        run = cli_runner(site, db)
        first = run("crawl")
        assert first.code == 0, first.err
        yield run, db


def _table(out: str, header: list[str]) -> list[str]:
    """The lines of the table under `header`: the header, the rule, the rows."""
    lines = out.splitlines()
    assert lines[0].split() == header, lines[0]
    assert set(lines[1]) == {"-", " "} and len(lines[1]) >= len(lines[0].rstrip()), lines[1]
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    return lines


def test_articles_is_one_aligned_table_within_100_columns(crawled):
    run, db = crawled
    shown = run("articles", "--limit", "100")
    assert shown.code == 0, shown.err
    lines = _table(shown.out, ["id", "source", "status", "versions", "headline", "url"])
    stored = rows(db, "select id, headline from articles")
    assert len(lines) == 2 + len(stored)
    url_at = lines[0].index("url")
    assert all(line[url_at - 2 : url_at] == "  " for line in lines)  # one column edge for all
    longest = max(stored, key=lambda r: len(r["headline"]))
    row = next(line for line in lines[2:] if line.split()[0] == str(longest["id"]))
    assert "…" in row and longest["headline"] not in row  # cut, and said so
    assert longest["headline"][:15] in row


def test_an_empty_listing_is_one_line(crawled):
    run, _ = crawled
    assert run("articles", "--source", "faults").out == "no articles of faults yet\n"
    assert run("alerts", "--status", "dead").out == "no dead alerts\n"


def test_alerts_and_stories_are_tables(crawled):
    run, db = crawled
    shown = run("alerts", "--limit", "5")
    assert shown.code == 0, shown.err
    header = ["id", "status", "tag", "rule", "or", "story", "source", "created", "(UTC)"]
    lines = _table(shown.out, [*header, "words", "last", "error"])
    assert len(lines) == 2 + 5 + 1  # the rows, then the counts
    sent = rows(db, "select count(*) as n from alerts where status = 'sent'")[0]["n"]
    assert f"sent {sent}" in lines[-1]
    story_alert = rows(db, "select id from alerts where rule is null order by id desc")[0]
    assert any(line.split()[0] == str(story_alert["id"]) and "story" in line for line in lines[2:])
    # The words the terms hit, not the terms: no "*" wildcard and no /regex/ in the listing.
    assert all("*" not in line and "|" not in line for line in lines[2:-1])

    stories = run("stories")
    assert stories.code == 0, stories.err
    first, *rest = stories.out.splitlines()
    assert first.startswith("ukraine-talks: ")
    table = _table(
        "\n".join(rest), ["source", "members", "last", "change", "(UTC)", "alerts", "sent"]
    )
    assert [line.split()[0] for line in table[2:]] == ["tagesschau", "world", "zdf"]


def test_config_errors_name_the_source_and_rule(crawled, tmp_path):
    run, _ = crawled
    config = tmp_path / "named.toml"
    config.write_text(
        '[[sources]]\nname = "zdf"\nfeeds = ["http://127.0.0.1/rss"]\n'
        '[[sources]]\nname = "tagesschau"\nfeeds = ["http://127.0.0.1/atom"]\nlink_pattern = "(["\n'
        '[[sources]]\nname = "Bad Name"\nfeeds = ["http://127.0.0.1/x"]\n'
        '[[rules]]\nname = "witkoff"\nany = ["Witkoff"]\nevnts = ["new"]\n'
    )
    shown = run("config", "check", config=config)
    assert shown.code == 2
    assert "At 'sources.tagesschau.link_pattern': not a valid regular expression" in shown.err
    assert "At 'sources[2].name': 'Bad Name' must be lowercase" in shown.err  # no usable name
    assert "At 'rules.witkoff.evnts': unknown key; did you mean 'events'?" in shown.err
    assert "sources[1]" not in shown.err
