"""`newsmon run` as a real subprocess: scheduled crawls, alerts by e-mail, SIGTERM, systemd notify."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import ROOT, newsmon_argv, rows, start_newsmon, wait_for
from receivers import SmtpReceiver

from monitor.sample_site import SampleSite

CONFIG = """
[newsmon]
database = "{db}"
[crawl]
download_delay = 0
autothrottle = false
concurrent_per_domain = 8
timeout = 10
retries = 0
[revisit]
tiers = [["1h", "2s"], ["older", "stop"]]
[[sources]]
name = "zdf"
spider = "zdf"
feeds = ["{base}/zdf/rss/nachrichten"]
link_pattern = '/zdf/(?!.*-blog-)[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "{interval}"
[[sources]]
name = "tagesschau"
feeds = ["{base}/tagesschau/index~atom.xml"]
link_pattern = '/tagesschau/[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "{interval}"
[[sources]]
name = "world"
feeds = ["{base}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
interval = "{interval}"
[[rules]]
name = "edits"
events = ["headline", "correction", "removed"]
notify = ["newsroom"]
"""


def write_config(tmp_path: Path, site: SampleSite, db: Path, interval: str = "3s") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG.format(db=db, base=site.base_url, interval=interval))
    return path


def start(config: Path, stderr=subprocess.PIPE, **env: str) -> subprocess.Popen:
    return start_newsmon(
        "--config", str(config), "run", env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
    )


def crawled(db: Path, sources: int = 3) -> bool:
    return (
        db.exists()
        and rows(db, "select count(distinct source) as n from crawl_runs")[0]["n"] >= sources
    )


def advance_to(site: SampleSite, name: str) -> None:
    while site.advance().name != name:
        pass


@pytest.fixture
def slow_site():
    with SampleSite(slow_seconds=4) as running:
        yield running


def test_the_daemon_alerts_on_each_scripted_edit_and_stops_cleanly_on_sigterm(site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, site, db)
    with SmtpReceiver() as smtp:
        proc = start(config, NEWSMON_APPRISE_URLS=f"newsroom={smtp.url()}")
        try:
            wait_for(lambda: crawled(db), 30)
            delays = []
            for step, expected in (("headline", 1), ("correction", 2), ("takedown", 4)):
                advance_to(site, step)
                began = time.monotonic()
                wait_for(lambda n=expected: len(smtp.messages) >= n, 3 + 2 + 20)
                delays.append(time.monotonic() - began)
            subjects = [m["Subject"] for m in smtp.messages]
            assert any("headline changed" in s for s in subjects), subjects
            assert any("correction" in s for s in subjects), subjects
            assert sum("taken down" in s for s in subjects) == 2, "\n".join(subjects)
            print(f"\nedit-to-alert delays: {[round(d, 1) for d in delays]}")

            # SIGTERM in the middle of a crawl: a page that answers slowly keeps one running.
            slow_path = site.published_paths("world")[0]
            site.set_fault(slow_path, "slow")
            before = site.hits(slow_path)
            wait_for(lambda: site.hits(slow_path) > before, 20)
            versions = rows(db, "select count(*) as n from versions")[0]["n"]
            proc.send_signal(signal.SIGTERM)
            began = time.monotonic()
            proc.wait(timeout=45)
            assert proc.returncode == 0, proc.stderr.read()[-3000:]
            assert time.monotonic() - began < 40
        finally:
            if proc.poll() is None:
                proc.kill()
    # Nothing lost: the database is whole and every alert was delivered.
    assert rows(db, "pragma integrity_check")[0]["integrity_check"] == "ok"
    assert rows(db, "select count(*) as n from versions")[0]["n"] >= versions
    assert {r["status"] for r in rows(db, "select status from alerts")} == {"sent"}
    assert rows(db, "select count(*) as n from changes where evaluated_at is null")[0]["n"] == 0


def test_systemd_hears_ready_then_watchdog_during_a_long_crawl_then_stopping(slow_site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, slow_site, db, interval="1h")
    for path in slow_site.published_paths("zdf")[:3]:
        slow_site.set_fault(path, "slow")  # the first crawl takes several seconds
    sock_path = tmp_path / "notify.sock"
    messages: list[tuple[float, str]] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(sock_path))
        sock.settimeout(0.2)
        done = threading.Event()

        def receive() -> None:  # its own thread: arrival times are not skewed by polling the db
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    messages.append((time.monotonic(), sock.recv(4096).decode()))

        receiver = threading.Thread(target=receive, daemon=True)
        receiver.start()
        proc = start(config, NOTIFY_SOCKET=str(sock_path), WATCHDOG_USEC="2000000")
        try:
            wait_for(lambda: crawled(db), 60, step=0.5)
            crawl_done = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=40)
            wait_for(lambda: "STOPPING=1" in [m for _, m in messages], 5, "STOPPING=1 heard")
        finally:
            done.set()
            receiver.join(5)
            if proc.poll() is None:
                proc.kill()
    texts = [m for _, m in messages]
    assert proc.returncode == 0
    assert texts[0].startswith("READY=1")
    ready_at = messages[0][0]
    watchdogs = [t for t, m in messages if m == "WATCHDOG=1" and ready_at < t <= crawl_done]
    # The crawl of slow pages took seconds; the loop kept the watchdog ticking all along.
    assert len(watchdogs) >= 3, texts
    # Pings every second (half of WATCHDOG_USEC); systemd acts only after 2 s of silence.
    assert max(b - a for a, b in pairwise(watchdogs)) < 2.0
    assert any(m.startswith("STATUS=") for m in texts)
    # STOPPING=1 is the last word; only watchdog pings follow while running crawls finish.
    assert [m for m in texts if m != "WATCHDOG=1"][-1] == "STOPPING=1", texts[-5:]


def test_sighup_reloads_the_config_and_refuses_a_broken_one(site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, site, db, interval="1h")
    log = tmp_path / "daemon.log"
    with log.open("w") as stderr:
        proc = start(config, stderr=stderr)
    try:
        wait_for(lambda: crawled(db), 30)
        good = config.read_text()
        config.write_text(good + '\n[[rules]]\nname = "Bad Name"\n')
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in log.read_text(), 30, "the broken config refused")
        assert proc.poll() is None  # still running on the old config
        config.write_text(good.replace('name = "edits"', 'name = "edits-renamed"'))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "config reloaded" in log.read_text(), 30, "the new config loaded")
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = log.read_text()
    assert proc.returncode == 0
    assert "reload refused, the running config stays" in err
    assert "At 'rules[1].name'" in err
    assert "config reloaded: 3 source(s), 1 rule(s)" in err


def _status(config: Path) -> str:
    result = subprocess.run(
        newsmon_argv("--config", str(config), "status"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _running(config: Path) -> str | None:
    out = _status(config)
    return out if "daemon: running" in out else None


def test_status_shows_sources_tiers_alerts_and_whether_the_daemon_runs(site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, site, db, interval="1h")
    subprocess.run(
        newsmon_argv("--config", str(config), "crawl"),
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = _status(config)
    assert f"database {db}" in out
    for source in ("zdf", "tagesschau", "world"):  # a row of the sources table, with its time
        assert re.search(rf"^{source} +\d+s ago +\d+ ", out, re.M), out
    assert "under 1h: every 2s" in out
    assert "alerts: " in out
    # A crawl by hand is not the daemon: nothing says when the next discovery is due.
    assert "daemon: not running (never seen)" in out and "next discovery" not in out

    proc = start(config, stderr=subprocess.DEVNULL)
    try:
        # Its first beat is written before the scheduler starts.
        out = wait_for(lambda: _running(config), 30, "status saying the daemon runs")
        assert f"daemon: running (pid {proc.pid}, since 20" in out, out
        assert re.search(r"^zdf .* in (59m|1h)", out, re.M), out  # the next discovery
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    out = _status(config)
    assert re.search(r"daemon: not running \(stopped at 20\S+, \d+s ago\)", out), out
    assert "next discovery" not in out
