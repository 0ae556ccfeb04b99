"""The daemon under a story, as the crash and storage-fault tests run it: the sample site's
scripted story, a config that crawls it every 3 s, a webhook that takes a moment to answer,
`newsmon run` started and stopped with its output kept in a log, and read-only looks at the
database it writes."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import start_newsmon

from monitor.sample_site import SampleSite
from monitor.sample_site.script import changes_of, default_steps

# The story of the articles; live blogs are streams with tests of their own (test_liveblog).
STEPS = [step for step in default_steps() if not step.name.startswith("live")]
# The change categories that come with a new version of the text.
TEXT_EDITS = {"headline", "lead", "body_added", "body_removed", "body_edited", "correction"}
ANSWER_DELAY = 0.15  # seconds the endpoint takes to answer: a send is in flight that long

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
[notify]
backoff = "1s"
max_attempts = 20
[[sources]]
name = "zdf"
spider = "zdf"
feeds = ["{base}/zdf/rss/nachrichten"]
sitemaps = ["{base}/zdf/news-sitemap.xml"]
sections = ["{base}/zdf/politik/ausland"]
link_pattern = '/zdf/(?!.*-blog-)[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "3s"
[[sources]]
name = "tagesschau"
feeds = ["{base}/tagesschau/index~atom.xml", "{base}/tagesschau/index~rss2.xml"]
link_pattern = '/tagesschau/[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "3s"
[[sources]]
name = "world"
feeds = ["{base}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
interval = "3s"
[[rules]]
name = "every-change"
events = ["new", "changed", "removed"]
notify = ["newsroom"]
"""


# --- the far end: a webhook that keeps every message with its arrival time -------------------


@dataclass
class Message:
    arrived: float  # time.monotonic() when the request had been read
    url: str  # the article's link, "" for a health message
    labels: list[str]  # one per alert in the message: "new article", "headline changed", ...


# A folded message (several alerts of one article) starts each alert with "25 Nov 10:03 UTC ·
# headline changed:"; a single alert says what happened in its first line, "zdf · new article".
_FOLDED = re.compile(r"^\d\d \w{3} \d\d:\d\d \w+ · (.+):$")


def parse(body: bytes, arrived: float) -> Message:
    text = json.loads(body)["message"]
    lines = text.splitlines()
    links = [line for line in lines if line.startswith("http")]
    labels = [m.group(1) for line in lines if (m := _FOLDED.match(line))]
    if not labels:
        labels = [lines[0].split(" · ", 1)[1]]
    return Message(arrived, links[-1] if links else "", labels)


class SlowHook:
    """A JSON webhook on 127.0.0.1 that reads each message, then takes ANSWER_DELAY to answer."""

    def __init__(self, path: str = "/hook") -> None:
        self.messages: list[Message] = []
        self.answering = 0  # requests read and not yet answered: a send in flight
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with hook.lock:
                    hook.messages.append(parse(body, time.monotonic()))
                    hook.answering += 1
                try:
                    time.sleep(ANSWER_DELAY)
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender was killed while it waited: that is the point
                finally:
                    with hook.lock:
                        hook.answering -= 1

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> SlowHook:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the daemon, started and stopped ---------------------------------------------------------


@dataclass
class Run:
    started: float
    killed: float | None = None  # None: the last run, stopped with SIGTERM
    phase: str = ""


@dataclass
class Daemon:
    """`newsmon run` on `config`, sending to `hook`; every run's output appended to `log`."""

    config: Path
    log: Path
    hook: SlowHook
    site: SampleSite
    runs: list[Run] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    copier: threading.Thread | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            log.write(f"\n=== run {len(self.runs) + 1}\n")
        self.runs.append(Run(time.monotonic()))
        # Through a pipe, as to journald: a file-size limit on the daemon (test_storage) must
        # not stop its log.
        self.proc = start_newsmon(
            "--config",
            str(self.config),
            "run",
            env={"NEWSMON_APPRISE_URLS": f"newsroom,admin={self.hook.url}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.copier = threading.Thread(target=self._copy, args=(self.proc.stdout,), daemon=True)
        self.copier.start()

    def _copy(self, pipe) -> None:
        with self.log.open("ab") as log:
            for line in pipe:
                log.write(line)
                log.flush()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.copier.join(10)
        return code


# --- the database, looked at -----------------------------------------------------------------


def in_flight_sends(hook: SlowHook, runs: list[Run]) -> set[int]:
    """The message each killed run sent last: the one send that may have been in flight."""
    last = set()
    for run, after in zip(runs, [*runs[1:], None], strict=True):
        if run.killed is None:
            continue
        end = after.started if after else float("inf")
        during = [m for m in hook.messages if run.started <= m.arrived < end]
        if during:
            last.add(id(during[-1]))
    return last


def all_sent(db: Path, expected: int) -> bool:
    """At least `expected` changes stored, every one evaluated and every alert sent."""
    found = query(
        db,
        "select (select count(*) from changes) as changes, "
        "(select count(*) from changes where evaluated_at is null) as unevaluated, "
        "(select count(*) from alerts where status != 'sent') as unsent",
    )[0]
    return found["changes"] >= expected and not found["unevaluated"] and not found["unsent"]


def query(db: Path, sql: str) -> list[dict]:
    """Read-only: the test looks, it never writes (nor creates the file before the daemon)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def seen(db: Path, site: SampleSite) -> bool:
    """Whether the changes the last applied step scripted are stored."""
    if not site.step_index:
        return True
    if not db.exists():
        return False
    try:
        stored = {(url_path(r["url"]), r["kind"]) for r in query(db, CHANGES)}
    except sqlite3.OperationalError:  # the schema is not there yet
        return False
    step = site.steps[site.step_index - 1]
    return {(path, categories[0]) for path, categories in changes_of(step)} <= stored


CHANGES = "select c.kind, a.url from changes c join articles a on a.id = c.article_id"


def url_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]
