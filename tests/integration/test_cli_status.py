"""`newsmon status` and `newsmon diff` for daily use (issue 17, item 7): status tells whether
the daemon runs (from its heartbeat, not from a crawl by hand) and says nothing about the next
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


def _copy(db, tmp_path):
    """The module's crawled database, to change without changing it for the other tests."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def _beat(db, pid: int, beat_at: str, host: str | None = None, stopped_at=None) -> None:
    _set(
        db,
        "insert or replace into daemon_beats (host, pid, started_at, beat_at, stopped_at) "
        "values (?, ?, ?, ?, ?)",
        [host or socket.gethostname(), pid, _ago(hours=1), beat_at, stopped_at],
    )


def test_a_crawl_by_hand_is_not_the_daemon(crawled):
    run, _, _ = crawled
    shown = run("status")
    assert shown.code == 0, shown.err
    assert "daemon: not running (never seen): start it with `newsmon run`" in shown.out
    # No daemon, no discovery or revisit to announce.
    assert "next discovery" not in shown.out and "next checks" not in shown.out
    table = _table_rows(shown.out)
    assert [r["source"] for r in table] == ["zdf", "tagesschau", "world", "faults (disabled)"]
    assert table[0]["last run"].endswith("s ago") and table[-1]["last run"] == "never"
    assert all(len(line) <= 100 for line in shown.out.splitlines()[:9])
    # The sample config names no alert target: status says the alerts go to the console.
    assert "\n  sent to: the console (no target: set [notify] apprise_config" in shown.out


def test_status_shows_the_next_discovery_while_a_daemon_beats(crawled, tmp_path):
    run, db, _ = crawled
    copy = _copy(db, tmp_path)
    _beat(copy, os.getpid(), _ago(seconds=5))  # this test's process stands in for the daemon
    shown = run("--db", str(copy), "status")
    assert shown.code == 0, shown.err
    assert re.search(
        rf"daemon: running \(pid {os.getpid()}, since 20\S+, last beat \d+s ago\)", (shown.out)
    ), shown.out
    assert "next discovery" in shown.out.splitlines()[3]  # the sources table's header
    table = _table_rows(shown.out)
    due = [r["source"] for r in table if r["next discovery"].startswith("in ")]
    assert due == ["zdf", "tagesschau", "world"]  # not faults: disabled, never crawled
    assert "next checks:" in shown.out

    # A daemon of another host: its pid means nothing here, its beat is enough.
    _set(copy, "delete from daemon_beats", [])
    _beat(copy, _dead_pid(), _ago(seconds=20), host="elsewhere.invalid")
    shown = run("--db", str(copy), "status").out
    assert "daemon: running (pid " in shown and " on elsewhere.invalid, since" in shown


def test_status_says_the_daemon_is_not_running_when_its_beat_stopped(crawled, tmp_path):
    run, db, _ = crawled
    copy = _copy(db, tmp_path)
    _set(copy, "update crawl_runs set finished_at = ?", [_ago(hours=3)])
    # A beat three minutes old, of a process that is alive: the daemon hangs or is gone.
    _beat(copy, os.getpid(), _ago(minutes=3))
    shown = run("--db", str(copy), "status")
    assert shown.code == 0, shown.err
    assert "daemon: not running (last seen 3m" in shown.out
    assert "next discovery" not in shown.out and "next checks" not in shown.out
    zdf = next(r for r in _table_rows(shown.out) if r["source"] == "zdf")
    assert zdf["last run"].startswith("3h") and "next discovery" not in zdf

    # A fresh beat of a process of this host that is gone (killed): not running either ...
    _beat(copy, _dead_pid(), _ago(seconds=5))
    # Seconds, whatever the load: the status may run a few seconds after the beat was set.
    assert re.search(r"daemon: not running \(last seen \d+s", run("--db", str(copy), "status").out)
    # ... nor one that stopped cleanly, which says when.
    stopped = _ago(minutes=2)
    _set(copy, "delete from daemon_beats", [])
    _beat(copy, os.getpid(), stopped, stopped_at=stopped)
    shown = run("--db", str(copy), "status").out
    assert re.search(
        rf"daemon: not running \(stopped at {re.escape(stopped)}, 2m(\ds)? ago\)", shown
    )
    assert "next discovery" not in shown


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
