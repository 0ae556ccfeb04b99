"""Issue 15, item 9: a target's secrets reach no log, no CLI output, no database byte.

Every apprise service family newsmon documents gets a URL holding known secrets and is made
to fail: services that take a host are pointed at 127.0.0.1 (a closed port, an HTTP server
answering 500); services with fixed hosts (Slack, Discord,
Telegram, Pushover, ntfy.sh) have their HTTP requests answered 500 in-process by `cut_off`,
which also fails any name lookup other than the loopback's: no request leaves 127.0.0.1.
"""

from __future__ import annotations

import logging
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from conftest import newsmon_argv, newsmon_env
from receivers import HttpReceiver

from monitor.cli.main import cli
from monitor.notify.dispatch import DispatchSettings, dispatch
from monitor.notify.messages import AlertContent
from monitor.notify.probe import send_test
from monitor.notify.targets import ENV_VAR, load_targets
from monitor.store import open_db

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CONFIG = ROOT / "config" / "sample.toml"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CONTENT = AlertContent("zdf", ["failing"], "zdf: 3 crawls failed", "", None, [], "health", "now")

# Services that take a host: (URL with {host}, its secrets).
HOSTED_HERE = {
    "ntfy": ("ntfy://{host}/newsroomtopic", ["newsroomtopic"]),
    "ntfy token": ("ntfy://tk_n3wsT0ken@{host}/deskalerts", ["tk_n3wsT0ken", "deskalerts"]),
    "json": (
        "json://{host}/hooks/Json-T0ken-path?+X-Api-Key=hdrkey77",
        ["Json-T0ken-path", "hdrkey77"],
    ),
    "form": ("form://{host}/formtoken", ["formtoken"]),
    "gotify": ("gotify://{host}/gotifyAppTok", ["gotifyAppTok"]),
    "matrix": ("matrix://bot:matrixPassw0rd@{host}/#newsdesk", ["matrixPassw0rd", "newsdesk"]),
    "teams": ("workflows://{host}/wflowid9/sigSecret77", ["wflowid9", "sigSecret77"]),
}
MAIL = (
    "mailto://newsmon:{password}@{host}?mode=insecure&from=n@example.com&to=d@example.com",
    ["Wr0ng-mail-pw"],
)
# Services with fixed hosts: never sent for real.
FIXED_HOSTS = {
    "ntfy.sh": ("ntfy://newsroomtopic", ["newsroomtopic"]),
    "slack": (
        "slack://T0SECRET1/B0SECRET2/Sl4ckTokenSecretValue123",
        ["T0SECRET1", "Sl4ckTokenSecretValue123"],
    ),
    "discord": ("discord://1234567890/webhookTokenSecret", ["webhookTokenSecret"]),
    "telegram": (
        "tgram://123456789:AAbotTokenSecret/-100987654",
        ["AAbotTokenSecret", "-100987654"],
    ),
    "pushover": ("pover://userkeySecret@apptokenSecret", ["userkeySecret", "apptokenSecret"]),
}


class _CutOff:
    """Answers 500 to every HTTP request for a host off this machine; fails other lookups."""

    def __init__(self, monkeypatch) -> None:
        self.answered: list[str] = []
        self.looked_up: list[str] = []
        send, lookup = requests.adapters.HTTPAdapter.send, socket.getaddrinfo

        def fake_send(adapter, request, *args, **kwargs):
            if requests.utils.urlparse(request.url).hostname in LOOPBACK:
                return send(adapter, request, *args, **kwargs)
            self.answered.append(request.url)
            response = requests.Response()
            response.status_code, response._content = 500, b'{"error": "unavailable"}'
            response.url, response.request = request.url, request
            return response

        def guarded_lookup(host, *args, **kwargs):
            if host not in LOOPBACK:
                self.looked_up.append(str(host))
                raise socket.gaierror(socket.EAI_NONAME, "the tests stay on 127.0.0.1")
            return lookup(host, *args, **kwargs)

        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", fake_send)
        monkeypatch.setattr(socket, "getaddrinfo", guarded_lookup)


@pytest.fixture
def cut_off(monkeypatch):
    return _CutOff(monkeypatch)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the test connects


def _cases():
    for name, (url, secrets) in HOSTED_HERE.items():
        yield pytest.param(url, secrets, "closed", id=f"{name}-closed-port")
        yield pytest.param(url, secrets, "500", id=f"{name}-answers-500")
    yield pytest.param(*MAIL, "closed", id="mailto-closed-port")
    for name, (url, secrets) in FIXED_HOSTS.items():
        yield pytest.param(url, secrets, "fixed", id=f"{name}-answers-500-in-process")


def _url(template: str, how: str, http: HttpReceiver) -> str:
    port = {"closed": closed_port(), "500": http.port}.get(how)
    return template.format(host=f"127.0.0.1:{port}", password="Wr0ng-mail-pw")


@pytest.mark.parametrize(("template", "secrets", "how"), list(_cases()))
def test_a_failing_target_leaks_its_secrets_nowhere(
    template, secrets, how, tmp_path, caplog, cut_off
):
    for name in (None, "apprise", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    db_path = tmp_path / "monitor.db"
    with HttpReceiver() as http:
        http.refuse("500")
        env = {ENV_VAR: f"newsroom={_url(template, how, http)}"}
        (target,) = load_targets(None, env)
        db = open_db(db_path)
        alert_id = db["alerts"].insert(_alert()).last_pk
        report = dispatch(db, [target], lambda row: CONTENT, DispatchSettings(), now=T0)
        row = db["alerts"].get(alert_id)
        db.close()
        (tested,) = send_test([target], None)
        runner = CliRunner()
        base = ["--config", str(SAMPLE_CONFIG), "--db", str(db_path)]
        notified = runner.invoke(cli, [*base, "notify", "test"], env=env)
        listed = runner.invoke(cli, [*base, "alerts"], env=env)
        refused = len(http.refused)
    # It did fail, and was told about by every channel the test reads.
    assert (report.failed, row["attempts"], row["status"]) == (1, 1, "pending")
    assert row["last_error"].startswith(f"{target.service} {target.id}: ")
    assert tested[2] is False and tested[3]
    assert notified.exit_code == 1 and f"FAIL {target.schema} {target.id}" in notified.output
    assert listed.exit_code == 0 and "1 attempt: " in listed.output
    assert any(r.name == "apprise" and r.levelno >= logging.WARNING for r in caplog.records)
    if how == "fixed":
        assert len(cut_off.answered) >= 3  # dispatch, send_test and `notify test` each tried
    if how == "500" and "workflows" not in template:  # (https to a plain HTTP server: no POST)
        assert refused >= 3
    assert cut_off.looked_up == []  # nothing tried to reach beyond 127.0.0.1
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("monitor.db*"))
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    texts = {
        "log": logged,
        "last_error": row["last_error"],
        "send_test": tested[3],
        "notify test": notified.output,
        "alerts": listed.output,
        "describe": target.describe(),
    }
    for secret in secrets:
        assert secret.encode() not in stored, secret
        for where, text in texts.items():
            assert secret not in text, (secret, where, text)


def _alert() -> dict:
    return {
        "key": "health:zdf:failing:start:newsroom",
        "kind": "health",
        "rule": "health:failing",
        "source": "zdf",
        "tag": "newsroom",
        "status": "pending",
        "message": "zdf: 3 crawls failed",
        "created_at": T0.isoformat(),
        "not_before": T0.isoformat(),
        "matched": "[]",
    }


def test_notify_test_as_a_process_keeps_the_ntfy_topic_off_stdout_and_stderr():
    """The reported case: apprise's warning names the topic; stderr shows it masked."""
    with HttpReceiver() as http:
        http.refuse("500")
        env = {ENV_VAR: f"newsroom=ntfy://127.0.0.1:{http.port}/newsroomtopic"}
        proc = subprocess.run(
            newsmon_argv("--config", str(SAMPLE_CONFIG), "notify", "test"),
            cwd=ROOT,
            env=newsmon_env(**env),
            capture_output=True,
            text=True,
            timeout=60,
        )
        refused = len(http.refused)
    assert (proc.returncode, refused) == (1, 1)
    assert "FAIL ntfy " in proc.stdout and "ntfy://127.0.0.1:" in proc.stdout
    assert "to topic '****'" in proc.stdout + proc.stderr
    assert "newsroomtopic" not in proc.stdout + proc.stderr
