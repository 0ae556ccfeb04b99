"""Targets that answer slowly, trickle, hang or break: crawling goes on, nothing is lost.

Real local targets (webhooks on 127.0.0.1) that answer in 3.5 s, trickle their answer one byte
at a time, or hold the request; the daemon and `newsmon crawl` as processes. Alerts to send are
seeded into the outbox as the rules would write them (articles of a source the config does not
crawl, so the crawls add none of their own).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import rows, start_newsmon, wait_for
from receivers import HttpReceiver

from monitor.store import open_db

CONFIG = """
[newsmon]
database = "{db}"
[crawl]
download_delay = 0
autothrottle = false
timeout = 10
retries = 0
[health]
failures_in_a_row = 1
[revisit]
tiers = [["1h", "2s"], ["older", "stop"]]
{notify}
[[sources]]
name = "zdf"
spider = "zdf"
feeds = ["{base}/zdf/rss/nachrichten"]
link_pattern = '/zdf/(?!.*-blog-)[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "3s"
[[sources]]
name = "world"
feeds = ["{base}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
interval = "3s"
{extra}
[[rules]]
name = "edits"
events = ["headline", "correction", "removed"]
notify = ["newsroom"]
"""

GONE = """
[[sources]]
name = "gone"
feeds = ["{base}/gone/feed.xml"]
interval = "3s"
"""


class SlowHook:
    """A webhook that keeps every POST body and answers late: "slow" after `delay` s, or
    "trickle": a 200 whose body comes one byte every `delay` s (each byte restarts a
    client's read timeout, so only a deadline of the sender's own ends it)."""

    def __init__(self, mode: str, delay: float) -> None:
        self.bodies: list[bytes] = []
        self.started: list[float] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.bodies.append(body)
                hook.started.append(time.monotonic())
                try:
                    if mode == "slow":
                        time.sleep(delay)
                    self.send_response(200)
                    self.send_header("Content-Length", "120")
                    self.end_headers()
                    for _ in range(120):
                        self.wfile.write(b"o")
                        self.wfile.flush()
                        time.sleep(delay if mode == "trickle" else 0)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up: that is what the test wants

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def __enter__(self) -> SlowHook:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"


def write_config(tmp_path: Path, site, db: Path, notify: str = "", extra: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    text = CONFIG.format(db=db, base=site.base_url, notify=notify, extra=extra)
    path.write_text(text)
    return path


def seed_alerts(db_path: Path, count: int, tag: str = "newsroom") -> list[str]:
    """`count` pending alerts, each a headline change of its own article; their URLs."""
    db = open_db(db_path)
    now = datetime.now(UTC).isoformat()
    urls = []
    try:
        with db.atomic():
            for n in range(count):
                url = f"https://wire.example/politics/item-{n:04d}"
                article = db["articles"].insert({"source": "wire", "url": url, "headline": "h"})
                change = db["changes"].insert(
                    {
                        "article_id": article.last_pk,
                        "source": "wire",
                        "detected_at": now,
                        "kind": "headline",
                        "categories": json.dumps(["headline"]),
                        "headline": f"Talks resume, round {n}",
                        "evaluated_at": now,
                    }
                )
                db["alerts"].insert(
                    {
                        **{"key": f"seed:{n}", "kind": "change", "rule": "edits"},
                        **{"change_id": change.last_pk, "article_id": article.last_pk},
                        **{"source": "wire", "tag": tag, "status": "pending", "attempts": 0},
                        **{"matched": "[]", "created_at": now, "not_before": now},
                    }
                )
                urls.append(url)
    finally:
        db.close()
    return urls


def start(config: Path, log: Path, **env: str) -> subprocess.Popen:
    with log.open("w") as err:
        return start_newsmon(
            "--config", str(config), "run", env=env, stdout=subprocess.DEVNULL, stderr=err
        )


def crawl(config: Path, **env: str) -> subprocess.Popen:
    return start_newsmon(
        "--config", str(config), "crawl", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def runs_since(db: Path, since: str) -> dict[str, int]:
    found = rows(
        db, "select source, count(*) as n from crawl_runs where started_at >= ? group by 1", [since]
    )
    return {r["source"]: r["n"] for r in found}


def poll(condition, within: float):
    """`condition()`'s first true value within `within` s, else None (the asserts say what)."""
    deadline = time.monotonic() + within
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return value or None


def stop(proc: subprocess.Popen, within: float) -> float:
    """SIGTERM; the seconds it took to exit (killed and failed past `within`)."""
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"still running {within} s after SIGTERM") from None
    return time.monotonic() - began


def test_a_target_answering_in_3_5_s_holds_up_no_crawl(site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, site, db)
    seed_alerts(db, 10)  # ten messages: 35 s of sending to this target
    with SlowHook("slow", 3.5) as hook:
        proc = start(config, tmp_path / "daemon.log", NEWSMON_APPRISE_URLS=f"newsroom={hook.url()}")
        try:
            wait_for(lambda: hook.bodies, 30, "a first send")
            since, began = datetime.now(UTC).isoformat(), time.monotonic()

            def busy_and_crawling() -> tuple[dict[str, int], int] | None:
                counts, sent = runs_since(db, since), len(hook.bodies)
                done = sent >= 5 and min(counts.get(s, 0) for s in ("zdf", "world")) >= 5
                return (counts, sent) if done else None

            # The window measured, at most 21 s: crawls every 3 s while the target crawls along.
            # Ended as soon as both are seen; a crawl waiting on a send would make 1 or 2 runs.
            found = poll(busy_and_crawling, 21)
            counts, sent = found or (runs_since(db, since), len(hook.bodies))
            took = stop(proc, 15)
        finally:
            if proc.poll() is None:
                proc.kill()
    window = time.monotonic() - began
    print(
        f"\nslow target: {counts} crawl runs and {sent} sends in {window:.0f} s; stop {took:.1f} s"
    )
    assert proc.returncode == 0
    assert sent >= 5  # the dispatcher was busy with the slow target all through the window
    # Every 3 s: about 7 runs per source in 21 s; a crawl waiting on a send would make 1 or 2.
    assert counts.get("zdf", 0) >= 5 and counts.get("world", 0) >= 5, counts


def test_a_trickling_target_costs_newsmon_crawl_one_deadline_and_no_attempt(site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, site, db)
    seed_alerts(db, 3)
    with SlowHook("trickle", 0.5) as hook:  # 120 bytes: a minute per answer
        began = time.monotonic()
        proc = crawl(config, NEWSMON_APPRISE_URLS=f"newsroom={hook.url()}")
        out, err = proc.communicate(timeout=90)
        took = time.monotonic() - began
    print(f"\ntrickling target: newsmon crawl exited after {took:.1f} s")
    assert proc.returncode == 0, err[-2000:]
    assert b"1 not sent (the target did not answer in time)" in out  # said, then the end
    assert took < 45  # the crawl (a few s) + one 10 s deadline, not a minute per alert
    assert len(hook.bodies) == 1  # after one abandoned send the target gets nothing more
    alerts = rows(db, "select * from alerts")
    assert {a["status"] for a in alerts} == {"pending"}
    assert {a["attempts"] for a in alerts} == {0}  # not sent is not a failed attempt
    assert sum("no answer within 10 s" in (a["last_error"] or "") for a in alerts) == 1


def test_sigterm_during_a_hanging_send_exits_at_once_and_the_alert_stays_unsent(site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, site, db)
    seed_alerts(db, 1)
    with HttpReceiver() as receiver:
        receiver.refuse("hang")
        proc = start(config, tmp_path / "d.log", NEWSMON_APPRISE_URLS=f"newsroom={receiver.url()}")
        try:
            assert receiver.hanging.wait(30), "no send began"
            took = stop(proc, 15)
        finally:
            if proc.poll() is None:
                proc.kill()
            receiver.recover()
    print(f"\nSIGTERM during a hanging send: exit after {took:.1f} s")
    assert proc.returncode == 0
    alert = rows(db, "select * from alerts")[0]
    assert (alert["status"], alert["attempts"]) == ("pending", 0)
    assert "not sent" in alert["last_error"] and "stopped" in alert["last_error"]


def test_a_burst_of_1000_alerts_folds_into_a_few_messages_naming_every_article(site, tmp_path):
    db = tmp_path / "monitor.db"
    config = write_config(tmp_path, site, db)
    urls = seed_alerts(db, 1000)
    with HttpReceiver() as receiver:
        began = time.monotonic()
        proc = crawl(config, NEWSMON_APPRISE_URLS=f"newsroom={receiver.url()}")
        _, err = proc.communicate(timeout=120)
        took = time.monotonic() - began
        bodies = [r.json()["message"] for r in receiver.requests]
    named = set(re.findall(r"https://wire\.example/politics/item-\d{4}", "\n".join(bodies)))
    print(f"\nburst: 1000 alerts in {len(bodies)} messages, crawl {took:.1f} s")
    assert proc.returncode == 0, err[-2000:]
    assert 1 <= len(bodies) <= 20
    assert named == set(urls)  # every alert's article is in a message
    assert max(len(b) for b in bodies) <= 20000
    assert {r["status"] for r in rows(db, "select status from alerts")} == {"sent"}


def test_sighup_with_a_broken_apprise_file_is_refused_and_the_old_targets_still_alert(
    site, tmp_path
):
    db = tmp_path / "monitor.db"
    targets = tmp_path / "apprise.yml"
    notify = f'[notify]\napprise_config = "{targets}"'
    config = write_config(tmp_path, site, db, notify, GONE.format(base=site.base_url))
    log = tmp_path / "daemon.log"
    with HttpReceiver() as receiver:
        targets.write_text(f"version: 1\nurls:\n  - {receiver.url()}:\n    - tag: newsroom\n")
        proc = start(config, log)
        try:
            open_gone = "select * from source_health where source = 'gone' and cleared_at is null"
            wait_for(lambda: db.exists() and rows(db, open_gone), 60, "the gone source failing")
            targets.write_text("version: 1\nurls: [unclosed\n")
            proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "reload refused" in log.read_text(), 30, "the reload refused")
            refused = [ln for ln in log.read_text().splitlines() if "reload refused" in ln]
            assert len(refused) == 1 and str(targets) in refused[0], refused
            assert proc.poll() is None  # still running, on the old targets
            seed_alerts(db, 1)
            wait_for(lambda: receiver.requests, 30, "an alert sent to the old target")
            # A reload that drops a source closes its open health episodes.
            targets.write_text(f"version: 1\nurls:\n  - {receiver.url()}:\n    - tag: newsroom\n")
            write_config(tmp_path, site, db, notify)  # without the source "gone"
            proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "config reloaded" in log.read_text(), 30, "the next reload")
            wait_for(lambda: not rows(db, open_gone), 30, "the gone source's episodes closed")
            took = stop(proc, 15)
        finally:
            if proc.poll() is None:
                proc.kill()
    print(
        f"\nSIGHUP: refused in one line, {len(receiver.requests)} sent after it; stop {took:.1f} s"
    )
    assert proc.returncode == 0
    assert rows(db, "select count(*) as n from source_health where source = 'gone'")[0]["n"] >= 1
