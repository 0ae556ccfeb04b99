"""Mistakes are errors (issue 17, item 3): a database path that names nothing, an unknown
source, article, status or tag, and a mistake on the command line each give one 'Error:' line
that names what was wrong and lists what exists, with exit code 2. The group's own options
work after the command too, and `newsmon --version` answers."""

from __future__ import annotations

import pytest
from conftest import SAMPLE_CONFIG, cli_runner

from monitor import __version__
from monitor.sample_site import SampleSite


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The sample site crawled once; a runner against its database."""
    db = tmp_path_factory.mktemp("cli_errors") / "monitor.db"
    with SampleSite() as site:
        run = cli_runner(site, db)
        first = run("crawl")
        assert first.code == 0, first.err
        yield run, db, site


def _one_error_line(result) -> str:
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ["articles"],
        ["diff", "1"],
        ["alerts"],
        ["status"],
        ["rules", "test"],
        ["stories"],
        ["stories", "test", "ukraine-talks"],
        ["serve"],
    ],
)
def test_a_read_command_refuses_a_database_that_is_not_there(crawled, tmp_path, command):
    run, _, _ = crawled
    missing = tmp_path / "typo.db"
    line = _one_error_line(run("--db", str(missing), *command))
    assert str(missing) in line and "no such database" in line
    assert not missing.exists()  # not created on the way


def test_crawl_still_creates_a_new_database(crawled, tmp_path):
    run, _, _ = crawled
    fresh = tmp_path / "new" / "fresh.db"
    assert run("--db", str(fresh), "crawl", "world").code == 0
    assert fresh.is_file()


@pytest.mark.parametrize(
    ("command", "wanted"),
    [
        (["articles", "--source", "zfd"], ["'zfd'", "known: faults, tagesschau, world, zdf"]),
        (["crawl", "zfd"], ["'zfd'", "known: zdf, tagesschau, world, faults"]),
        (["rules", "test", "--article", "999"], ["no article 999", "ids 1 to"]),
        (["stories", "test", "ukraine-talks", "--article", "999"], ["no article 999", "ids 1 to"]),
        (["diff", "999"], ["no article 999", "ids 1 to"]),
        (["diff", "http://127.0.0.1/nowhere"], ["no article with the URL"]),
        (["alerts", "--status", "foo"], ["'foo'", "'pending', 'sent', 'dead'"]),
        (["notify", "test", "--tag", "nope"], ["no tag 'nope'", "known: admin, newsroom"]),
        (["notify", "test", "nope"], ["no tag 'nope'", "known: admin, newsroom"]),
        (["bogus"], ["No such command 'bogus'", "newsmon --help"]),
        (["rules", "bogus"], ["No such command 'bogus'", "newsmon rules --help"]),
    ],
)
def test_an_unknown_name_is_an_error_that_lists_the_known_ones(crawled, command, wanted):
    run, _, _ = crawled
    line = _one_error_line(run(*command))
    for part in wanted:
        assert part in line, line


def test_the_known_articles_still_answer(crawled):
    run, _, _ = crawled
    assert run("rules", "test", "--article", "1").code == 0
    assert run("articles", "--source", "zdf").code == 0
    assert run("diff", "1").code == 0


def test_db_and_config_are_accepted_after_the_command(crawled, tmp_path):
    run, db, site = crawled
    elsewhere = cli_runner(site, tmp_path / "absent.db")  # $NEWSMON_DB names nothing
    listed = elsewhere("articles", "--db", str(db), "--source", "zdf")
    assert listed.code == 0, listed.err
    assert "zdf" in listed.out and "/zdf/" in listed.out
    assert elsewhere("articles", f"--db={db}").code == 0
    other = tmp_path / "other.toml"
    line = _one_error_line(run("config", "check", "--config", str(other)))
    assert str(other) in line
    assert run("config", "check", "--config", str(SAMPLE_CONFIG)).code == 0


def test_the_demo_keeps_its_own_db_option(crawled):
    run, _, _ = crawled
    line = _one_error_line(run("demo", "--db"))
    assert "'--db' requires an argument" in line and "newsmon demo --help" in line


def test_version(crawled):
    run, _, _ = crawled
    shown = run("--version")
    assert shown.code == 0
    assert shown.out.strip() == f"newsmon, version {__version__}"


def test_a_file_that_is_not_a_database_is_one_line(crawled, tmp_path):
    run, _, _ = crawled
    junk = tmp_path / "notes.db"
    junk.write_text("not sqlite at all\n" * 100)
    line = _one_error_line(run("--db", str(junk), "articles"))
    assert str(junk) in line and "not a database" in line
