"""A live blog on 127.0.0.1 whose entries carry no ids, as many outlets publish them: a JSON-LD
`LiveBlogPosting` whose `liveBlogUpdate` entries have a time, maybe a title and a text, and
neither `@id` nor `url`. The page may show only its newest `shown` entries while the JSON-LD
lists them all, as tickers do. A test sets `entries` (and `headline`) and crawls it with a
real `newsmon crawl` under a config (`config`) with a rule and a story that every entry here
would alert.
"""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import ROOT, newsmon_argv, newsmon_env, rows

PATH = "/politik/genf-verhandlungen-liveblog.html"

CONFIG = """
[newsmon]
database = "{db}"
[crawl]
user_agent = "newsmon-liveblog/0.1 (+http://127.0.0.1/)"
download_delay = 0
autothrottle = false
timeout = 5
retries = 0
[[sources]]
name = "blog"
live_blogs = ["{base}{path}"]
[[rules]]
name = "genf"
any = ["Genf"]
events = ["new", "changed", "entry", "headline", "correction", "removed"]
notify = ["newsroom"]
[[stories]]
name = "genf-talks"
terms = ["Genf"]
notify = ["newsroom"]
"""


@dataclass
class Post:
    """One entry as the page lists it: no id, its time, maybe a title, its text."""

    at: str  # ISO 8601 with offset
    text: str
    title: str = ""

    def json_ld(self) -> dict:
        update = {"@type": "BlogPosting", "datePublished": self.at, "articleBody": self.text}
        return update | ({"headline": self.title} if self.title else {})


class LiveBlogSite(ThreadingHTTPServer):
    """Serves the blog at PATH, newest entry first; 404 elsewhere."""

    daemon_threads = True

    def __init__(self, entries: list[Post], shown: int | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.entries = list(entries)
        # The page shows its newest `shown` entries; the JSON-LD lists them all.
        self.shown = shown
        self.headline = "Verhandlungen in Genf: der Tag im Überblick"
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.url = self.base + PATH
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> LiveBlogSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def config(self, tmp: Path, db: Path) -> Path:
        path = tmp / "liveblog.toml"
        path.write_text(CONFIG.format(db=db, base=self.base, path=PATH))
        return path

    def page(self) -> bytes:
        newest_first = sorted(self.entries, key=lambda p: p.at, reverse=True)
        data = {
            "@context": "https://schema.org",
            "@type": "LiveBlogPosting",
            "headline": self.headline,
            "description": "Was die Delegationen in Genf heute sagen und tun.",
            "datePublished": "2026-11-21T07:30:00+01:00",
            "liveBlogUpdate": [p.json_ld() for p in newest_first],
        }
        stream = "".join(
            f"<article><p>{p.title} {p.text}</p></article>" for p in newest_first[: self.shown]
        )
        return (
            "<html><head><title>Liveblog Genf</title>"
            f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
            f"<body><main><h1>{self.headline}</h1>"
            f"{stream}</main></body></html>"
        ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: LiveBlogSite

    def do_GET(self) -> None:
        if self.path != PATH:
            self.send_error(404)
            return
        data = self.server.page()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def crawl_blog(tmp_path, db_path, blog: LiveBlogSite) -> list[str]:
    """One `newsmon crawl` of the blog: the kinds of the change rows it wrote, then
    `alerts:N`, the alerts it queued."""
    before = rows(db_path, "select max(id) as n from changes")[0]["n"] if db_path.exists() else 0
    alerts = rows(db_path, "select count(*) as n from alerts")[0]["n"] if db_path.exists() else 0
    proc = subprocess.run(
        newsmon_argv("--config", str(blog.config(tmp_path, db_path)), "crawl"),
        cwd=ROOT,
        env=newsmon_env(NEWSMON_DB=str(db_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    changes = rows(db_path, "select kind from changes where id > ? order by id", [before or 0])
    added = rows(db_path, "select count(*) as n from alerts")[0]["n"] - alerts
    return [c["kind"] for c in changes] + [f"alerts:{added}"]
