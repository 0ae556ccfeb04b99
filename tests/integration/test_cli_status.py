"""`newsmon status` and `newsmon diff` for daily use (issue 17, item 7): status tells whether
the daemon runs (from its crawls and the outbox lease) and says nothing about the next
discovery when it does not, gives each source's first error, and prints no empty heading;
diff shows the headline and when each version was seen, and says so when there is one."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from conftest import cli_runner, rows

from monitor.sample_site import SampleSite


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli_status") / "monitor.db"
    with SampleSite() as site:
        run = cli_runner(site, db)
        assert run("crawl").code == 0
        yield run, db, site


def _set(db, sql: str, params: list) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(sql, params)


def _ago(**delta) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="seconds")


def _table_rows(out: str) -> list[dict[str, str]]:
    """The rows of status's sources table as {header: cell}, the columns read off the rule of
    dashes under the header (cells such as "3h ago" hold spaces)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("source "))
    end = lines.index("", start)
    spans = [m.span() for m in re.finditer(r"-+", lines[start + 1])]
    assert len(spans) >= 8, lines[start + 1]

    def cells(line: str) -> list[str]:
        # A right-aligned header starts left of its dashes; a left-aligned cell may not end.
        return [line[a:b].strip() for a, b in spans[:-1]] + [line[spans[-1][0] :].strip()]

    header = cells(lines[start])
    return [dict(zip(header, cells(line), strict=True)) for line in lines[start + 2 : end]]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_status_after_a_crawl_shows_the_next_discovery(crawled):
    run, _, _ = crawled
    shown = run("status")
    assert shown.code == 0, shown.err
    assert "daemon: last active" in shown.out and "not running" not in shown.out
    assert "next discovery" in shown.out.splitlines()[3]  # the sources table's header
    table = _table_rows(shown.out)
    due = [r["source"] for r in table if r["next discovery"].startswith("in ")]
    assert due == ["zdf", "tagesschau", "world"]  # not faults: disabled, never crawled
    assert table[-1]["source"] == "faults (disabled)" and table[-1]["last run"] == "never"
    assert all(len(line) <= 100 for line in shown.out.splitlines()[:9])
    assert "next checks:" in shown.out
    # The sample config names no alert target: status says the alerts go to the console.
    assert "\n  sent to: the console (no target: set [notify] apprise_config" in shown.out


def test_status_says_the_daemon_is_not_running_when_its_crawls_stopped(crawled, tmp_path):
    run, db, _ = crawled
    aged = tmp_path / "aged.db"
    with sqlite3.connect(db) as source, sqlite3.connect(aged) as target:
        source.backup(target)
    _set(aged, "update crawl_runs set finished_at = ?", [_ago(hours=3)])
    shown = run("--db", str(aged), "status")
    assert shown.code == 0, shown.err
    assert "daemon: not running (last seen 3h" in shown.out
    assert "next discovery" not in shown.out and "next checks" not in shown.out
    zdf = next(r for r in _table_rows(shown.out) if r["source"] == "zdf")
    assert zdf["last run"].startswith("3h") and "next discovery" not in zdf

    # A lease whose holder on this host is gone is no sign of life either ...
    until = (datetime.now(UTC) + timedelta(minutes=1)).isoformat(timespec="seconds")
    _set(
        aged,
        "insert into dispatch_lease (name, owner, host, pid, since, until) values (?,?,?,?,?,?)",
        ["outbox", "x", socket.gethostname(), _dead_pid(), _ago(minutes=1), until],
    )
    assert "daemon: not running" in run("--db", str(aged), "status").out
    # ... but one held by a living process is.
    _set(aged, "update dispatch_lease set pid = ?", [os.getpid()])
    shown = run("--db", str(aged), "status").out
    assert f"daemon: running (pid {os.getpid()}" in shown and "next discovery" in shown


def test_status_gives_each_sources_first_error_and_no_empty_heading(tmp_path):
    with SampleSite() as site:
        config = tmp_path / "broken.toml"
        config.write_text(
            f'[newsmon]\ndatabase = "{tmp_path / "b.db"}"\n[crawl]\nretries = 0\n'
            f'[[sources]]\nname = "broken"\nfeeds = ["{site.base_url}/nowhere/rss.xml"]\n'
        )
        run = cli_runner(site, tmp_path / "b.db")
        run("crawl", config=config)
        shown = run("status", config=config)
    assert shown.code == 0, shown.err
    (row,) = _table_rows(shown.out)
    assert row["source"] == "broken" and row["errors"] == "1" and row["304"] == "0"
    assert int(row["pages"]) >= 1  # the feed's 404 is a response: "pages" counts them all
    assert "\nsource problems:\n" in shown.out
    assert f"  broken: first error of the last run: HTTP 404 ({site.base_url}/nowhere/rss.xml)" in (
        shown.out
    )
    assert "revisits" not in shown.out  # no article: no heading over nothing


def test_diff_shows_the_headline_and_when_each_version_was_seen(crawled):
    run, db, site = crawled
    single = rows(db, "select id, headline from articles order by id limit 1")[0]
    shown = run("diff", str(single["id"]))
    assert shown.code == 0, shown.err
    assert shown.out.startswith(single["headline"] + "\n")
    assert "only one version, seen 20" in shown.out

    step = None
    while step is None or step.name != "headline":
        step = site.advance()
    assert run("crawl", "--all").code == 0
    changed = rows(db, "select article_id from changes where kind = 'headline'")[0]["article_id"]
    headline = rows(db, "select headline from articles where id = ?", [changed])[0]["headline"]
    shown = run("diff", str(changed), "--no-color")
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0] == headline
    assert lines[2].startswith("version 1 (seen 20") and "UTC) → version 2 (seen 20" in lines[2]
    assert "{+" in shown.out
