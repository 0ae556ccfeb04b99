"""The commands read plainly to a newcomer (issue 17, follow-ups): whole one-line summaries in
`--help`, "1 story" not "1 story(s)", an alert line that says what holds an alert and where
console alerts went, `alerts retry` that neither fails a cron job over nothing nor resends a
sent alert by mistake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
import pytest
from click.testing import CliRunner
from conftest import cli_runner, rows

from monitor.cli.main import cli
from monitor.cli.report import alert_line
from monitor.cli.table import counted
from monitor.sample_site import SampleSite

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The sample site crawled once (no target configured: alerts print); its runner."""
    db = tmp_path_factory.mktemp("cli_wording") / "monitor.db"
    with SampleSite() as site:
        run = cli_runner(site, db)
        first = run("crawl")
        assert first.code == 0, first.err
        yield run, db, first


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_a_whole_one_line_summary():
    for path, command in _commands(cli):
        assert command.short_help, path
        assert len(command.short_help) <= 50 and "..." not in command.short_help, path
    for group in [(), *(p for p, c in _commands(cli) if isinstance(c, click.Group))]:
        shown = CliRunner().invoke(cli, [*group, "--help"], terminal_width=80).output
        listing = shown.split("Commands:\n", 1)[1].splitlines()
        assert listing and not [line for line in listing if line.endswith("...")], shown


def test_counted_says_one_or_many():
    assert [counted(n, "story") for n in (0, 1, 2)] == ["0 stories", "1 story", "2 stories"]
    assert counted(1, "keyword rule") == "1 keyword rule" and counted(3, "key") == "3 keys"
    assert counted(2, "entry", "entries") == "2 entries"


def test_config_check_counts_in_words(crawled):
    run, _, _ = crawled
    checked = run("config", "check")
    assert checked.code == 0, checked.err
    assert "\n  1 story: ukraine-talks\n  1 keyword rule: witkoff\n" in checked.out
    assert "(s)" not in checked.out and " sources: " in checked.out.splitlines()[0]


def test_console_alerts_are_said_to_be_printed_not_sent(crawled):
    _, _, first = crawled
    (line,) = [x for x in first.out.splitlines() if x.startswith("alerts: ")]
    assert "printed above (no target configured)" in line and "sent to" not in line, line


def _alert(db, n: int, **fields) -> None:
    row = {
        "key": f"witkoff:{n}:newsroom",
        "kind": "change",
        "rule": "witkoff",
        "tag": "newsroom",
        "status": "pending",
        "message": f"alert {n}",
        "created_at": T0.isoformat(),
        "not_before": T0.isoformat(),
        "matched": "[]",
    }
    db["alerts"].insert({**row, **fields})


def test_the_alert_line_says_what_holds_an_alert(db, db_path):
    later = datetime.now(UTC) + timedelta(minutes=10)
    digest = datetime.now(UTC) + timedelta(hours=3)
    _alert(db, 1, status="sent", sent_at=(T0 + timedelta(seconds=5)).isoformat())
    _alert(db, 2, not_before=later.isoformat())
    _alert(db, 3, not_before=digest.isoformat(), digest="daily")
    _alert(db, 4, last_error="json x: refused", not_before=later.isoformat())
    line = alert_line({"sent": 1}, str(db_path), T0.isoformat())
    at, down, daily = (t.astimezone().strftime("%H:%M") for t in (later, later, digest))
    assert line == (
        f"alerts: 1 sent to newsroom, 1 waiting (target down: retry at {down}), "
        f"1 held by the rate limit until {at}, 1 held for the daily digest until {daily}"
    )
    printed = alert_line({"sent": 1}, str(db_path), T0.isoformat(), console=True)
    assert printed.startswith("alerts: 1 printed above (no target configured), 1 waiting")


def test_retry_dead_with_nothing_dead_is_no_error(crawled):
    run, db, _ = crawled
    assert not rows(db, "select id from alerts where status = 'dead'")
    retried = run("alerts", "retry", "--dead")
    assert (retried.code, retried.out.strip(), retried.err) == (0, "no dead alerts to retry", "")
    missing = run("alerts", "retry", "999999")
    assert missing.code == 2 and missing.err.strip() == (
        "Error: no alert 999999; list them with: newsmon alerts"
    )


def test_retry_of_a_sent_alert_needs_again(crawled):
    run, db, _ = crawled
    sent = rows(db, "select id from alerts where status = 'sent' order by id limit 1")[0]["id"]
    refused = run("alerts", "retry", str(sent))
    assert refused.code == 2 and refused.out == ""
    (line,) = refused.err.strip().splitlines()
    assert line == (
        f"Error: alert {sent} was sent already; to send it once more: "
        f"newsmon alerts retry {sent} --again"
    )
    assert rows(db, "select status from alerts where id = ?", [sent])[0]["status"] == "sent"
    again = run("alerts", "retry", str(sent), "--again")
    assert again.code == 0 and "1 alert queued again" in again.out, again.err
    row = rows(db, "select status, delivered_to from alerts where id = ?", [sent])[0]
    assert row == {"status": "pending", "delivered_to": "[]"}
