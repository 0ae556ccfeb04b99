"""`newsmon notify test` names a failing target by tag and schema with what to check; a dead
target costs one log line per dispatch round; the crawl's alert line reads plainly (item 5)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from conftest import SAMPLE_CONFIG, free_port
from receivers import HttpReceiver

from monitor.cli.main import cli
from monitor.cli.report import alert_line
from monitor.notify.dispatch import DispatchSettings, dispatch
from monitor.notify.probe import advice
from monitor.notify.targets import ENV_VAR, load_targets

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _notify_test(tmp_path, urls: str, *args: str):
    base = ["--config", str(SAMPLE_CONFIG), "--db", str(tmp_path / "monitor.db")]
    return CliRunner().invoke(cli, [*base, "notify", "test", *args], env={ENV_VAR: urls})


def test_a_failing_target_is_named_by_tag_and_schema_with_what_to_check(tmp_path):
    with HttpReceiver() as up:
        closed = free_port()
        urls = f"newsroom=json://127.0.0.1:{closed}/hook admin=json://{up.url('/ok')[7:]}"
        result = _notify_test(tmp_path, urls)
        assert len(up.requests) == 1
    assert result.exit_code == 1, result.output
    failed, ok = [line for line in result.output.splitlines() if line.startswith(("ok", "FAIL"))]
    assert failed.startswith("FAIL json ") and "(tag newsroom)" in failed
    assert "Connection error" in failed
    assert f"In {ENV_VAR}: nothing answers there; check that the service runs" in failed
    assert ok.startswith("ok   json ") and "(tag admin)" in ok and "Check" not in ok
    assert "/hook" not in result.output  # the path of a webhook may be its secret


def test_a_misspelt_tag_lists_the_known_tags(tmp_path):
    result = _notify_test(tmp_path, "newsroom=json://127.0.0.1:9/x", "newsrom")
    assert result.exit_code == 2
    assert "no tag 'newsrom' (known: admin, newsroom)" in result.output


def test_advice_follows_the_reason():
    assert advice("no answer within 10 s").startswith("it did not answer in time")
    assert "credentials" in advice("Failed to send: Unauthorized, error=401.")
    assert "path or webhook" in advice("Failed to send JSON POST notification: error=404.")
    assert "on its side" in advice("Internal server error., error=500.")
    assert "apprise -vv --dry-run" in advice("something else")


def _alerts(db, count: int) -> None:
    for n in range(count):
        db["alerts"].insert(
            {
                "key": f"health:zdf:{n}:newsroom",
                "kind": "health",
                "rule": "health:failing",
                "source": "zdf",
                "tag": "newsroom",
                "status": "pending",
                "message": f"zdf: alert {n}",
                "created_at": T0.isoformat(),
                "not_before": T0.isoformat(),
                "matched": "[]",
            }
        )


class _Console(logging.Handler):
    """What a console handler on the root logger (the CLI's, the daemon's) would print."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record)


def test_a_dead_target_costs_one_log_line_per_round(db, db_path, caplog):
    from monitor.notify.messages import AlertContent

    # DEBUG everywhere, so apprise's records are made; pytest's own handlers also sit on
    # apprise's logger (it does not propagate), so what a user sees is read from `console`.
    caplog.set_level(logging.DEBUG)
    console = _Console()
    logging.getLogger().addHandler(console)
    (target,) = load_targets(None, {ENV_VAR: f"newsroom=json://127.0.0.1:{free_port()}/x"})
    _alerts(db, 4)
    content = AlertContent("zdf", ["health"], "zdf fails", "", None, [], "health", T0.isoformat())
    settings = DispatchSettings(max_attempts=2, jitter=0.0)
    try:
        for round_at in (T0, T0 + timedelta(hours=2)):
            console.lines.clear()
            report = dispatch(db, [target], lambda row: content, settings, now=round_at)
            said = [r.getMessage() for r in console.lines]
            assert len(said) == 1, said
            assert said[0].startswith(f"Sending to json {target.id} (newsroom) failed: ")
            assert "/x" not in said[0]
    finally:
        logging.getLogger().removeHandler(console)
    assert report.dead == 4 and console.lines[0].levelno == logging.ERROR
    assert "4 dead after 2 attempts (1, 2, 3, 4)" in said[0]
    # apprise's own complaint still reaches the root logger for -v, at DEBUG.
    assert any(
        r.name == "apprise" and r.levelno == logging.DEBUG and "Connection error" in r.getMessage()
        for r in caplog.records
    )
    waiting = alert_line({"sent": 0, "dead": 4}, str(db_path), T0.isoformat())
    assert waiting == "alerts: 0 sent, 4 dead (newsmon alerts --status dead)"


def test_the_crawl_alert_line_reads_plainly(db, db_path):
    _alerts(db, 4)
    db["alerts"].update(1, {"status": "sent", "sent_at": (T0 + timedelta(seconds=5)).isoformat()})
    retry = T0 + timedelta(minutes=2)
    db["alerts"].update(2, {"last_error": "json x: refused", "not_before": retry.isoformat()})
    line = alert_line({"sent": 1, "failed": 1}, str(db_path), T0.isoformat())
    at = retry.astimezone().strftime("%H:%M")
    assert line == f"alerts: 1 sent to newsroom, 3 waiting (target down: retry at {at})"
