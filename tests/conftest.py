"""What the tests share: the sample site on 127.0.0.1, a fresh database, local receivers for
alerts, `newsmon` run or started as a user or systemd would, and `wait_for` (never a fixed sleep
when a test waits for something to happen).

The tests are sorted by kind: tests/unit (pure, no I/O: `make test-fast`), tests/integration
(real SQLite, real HTTP on 127.0.0.1) and tests/system (daemon processes, the browser, crashes,
storage faults, the deployment). Helpers the kinds share live beside this file."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import apprise.plugins.slack
import pytest
import requests
from receivers import HttpReceiver, SmtpReceiver

from monitor.sample_site import SampleSite
from monitor.store import open_db

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "config" / "sample.toml"


@dataclass
class Result:
    code: int
    out: str
    err: str


def _refuse(what: str):
    def refused(*args, **kwargs):
        raise AssertionError(f"a unit test may not {what}: it belongs in tests/integration/")

    return refused


@pytest.fixture(autouse=True)
def _unit_tests_do_no_io(request, monkeypatch):
    """Unit tests are pure: no database, no socket, no subprocess. A unit test that reaches for
    one fails at once, saying where it belongs, so the fast suite stays fast and offline."""
    if "unit" not in request.path.relative_to(Path(__file__).parent).parts:
        return
    monkeypatch.setattr(socket.socket, "connect", _refuse("open a connection"))
    monkeypatch.setattr(socket.socket, "bind", _refuse("bind a socket"))
    monkeypatch.setattr(sqlite3, "connect", _refuse("open a database"))
    monkeypatch.setattr(subprocess.Popen, "_execute_child", _refuse("start a process"))


@pytest.fixture
def site():
    with SampleSite() as running:
        yield running


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "monitor.db"


@pytest.fixture
def db(db_path: Path):
    """A fresh database with the whole schema, at `db_path` (a test module may override that)."""
    handle = open_db(db_path)
    yield handle
    handle.close()


@pytest.fixture
def newsmon(site: SampleSite, db_path: Path):
    """Run the real `newsmon` command against the sample site and a fresh database."""
    return cli_runner(site, db_path)


def cli_runner(site: SampleSite, db_path: Path):
    def run(*args: str, config: Path = SAMPLE_CONFIG, timeout: float = 120) -> Result:
        env = {"NEWSMON_SAMPLE_URL": site.base_url, "NEWSMON_DB": str(db_path)}
        proc = subprocess.run(
            newsmon_argv("--config", str(config), *args),
            cwd=ROOT,
            env=newsmon_env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


# --- newsmon as its own process ----------------------------------------------------------


def newsmon_argv(*args: str) -> list[str]:
    """The command line of `newsmon ARGS`, run from this checkout by the tests' interpreter."""
    return [sys.executable, "-m", "monitor", *args]


def newsmon_env(**extra: str) -> dict[str, str]:
    """The environment plus `extra`, without NEWSMON_DEBUG: its tracebacks would change the
    output the tests read."""
    env = {**os.environ, **extra}
    env.pop("NEWSMON_DEBUG", None)
    return env


def start_newsmon(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """`newsmon ARGS` started (not waited for), as systemd starts the daemon; `popen` says
    where its output goes."""
    return subprocess.Popen(newsmon_argv(*args), cwd=ROOT, env=newsmon_env(**(env or {})), **popen)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str = "", step: float = 0.2):
    """Poll `condition` until it gives a true value, and return that; fail after `timeout` s
    saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what or 'it'} did not happen within {timeout} s"
        time.sleep(step)
    return value


def answer(url: str, server: subprocess.Popen, timeout: float = 60) -> bytes:
    """The body of `url` once the `server` process answers it. If the server exits or never
    answers, it is killed and the test fails with the end of its output."""

    def reply() -> tuple[bytes] | None:
        if server.poll() is not None:
            raise AssertionError("exited")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            return (response.read(),)
        return None

    try:
        return wait_for(reply, timeout, f"an answer from {url}")[0]
    except AssertionError:
        server.kill()
        raise AssertionError(server.communicate(timeout=10)[0][-3000:]) from None


def rows(db_path: Path, sql: str, params: list | None = None) -> list[dict]:
    db = open_db(db_path)
    try:
        return list(db.query(sql, params or []))
    finally:
        db.close()


# --- local receivers: what an alert is sent to -------------------------------------------


@pytest.fixture
def smtp():
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def http():
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def slack_posts(monkeypatch):
    """Slack's servers are out of reach: catch the requests its apprise plugin makes."""
    posts = []

    class Answer:  # what a Slack incoming webhook answers
        status_code = 200
        content = b"ok"

    class SlackRequests:
        """`requests` as the Slack plugin alone sees it; other plugins keep the real one."""

        def __getattr__(self, name):
            return getattr(requests, name)

        def request(self, method, url, data=None, **kwargs):
            posts.append((method, url, json.loads(data)))
            return Answer()

    monkeypatch.setattr(apprise.plugins.slack, "requests", SlackRequests())
    return posts


@pytest.fixture
def redis_server(tmp_path: Path):
    """A real redis-server of its own on a free port (tests/redis_server.py)."""
    from redis_server import RedisServer

    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(free_port(), directory)
    server.start()
    yield server
    server.stop(kill=True)
