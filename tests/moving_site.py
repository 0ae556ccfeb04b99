"""A small news site on 127.0.0.1 whose articles move as real outlets move them: a 301 to a new
slug, a chain of redirects, a feed that lists an article under another slug, a canonical URL
that answers 404 while the URL the article was found at answers 200.

The test sets what each path answers (`page`, `redirect`, `gone`) and which paths the feed lists
(`list`); the site records every request path, so a test can say what a crawl asked for.
"""

from __future__ import annotations

import subprocess
import threading
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import free_port, newsmon_argv, newsmon_env, rows

from monitor.clock import now, parse_time

ROOT = Path(__file__).resolve().parent.parent

# Original text, long enough to be an article (not a stub) for every check newsmon makes.
PARAGRAPHS = [
    "Die Delegationen beider Seiten sind am Vormittag in Genf erneut zusammengekommen, um über "
    "eine Waffenruhe entlang der gesamten Frontlinie zu verhandeln.",
    "Nach Angaben der Schweizer Vermittler dauerten die Gespräche mehr als sechs Stunden; beide "
    "Seiten hätten Vorschläge für einen Austausch von Gefangenen vorgelegt.",
    "Ein Sprecher der Vermittlung sagte am Abend, man sei vorsichtig zuversichtlich, dass noch "
    "in dieser Woche ein gemeinsames Papier zustande kommen könne.",
    "Beobachter verweisen darauf, dass frühere Runden ähnlich begonnen und ohne Ergebnis geendet "
    "hatten, weshalb niemand von einem Durchbruch sprechen wolle.",
]


def article_html(headline: str, canonical: str | None, paragraphs: list[str] = PARAGRAPHS) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{escape(headline)}</title>{link}"
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":'
        f'"{headline}","datePublished":"2026-11-24T10:00:00+01:00"}}</script></head>'
        f"<body><main><article><h1>{escape(headline)}</h1>"
        '<time datetime="2026-11-24T10:00:00+01:00">24.11.2026</time>'
        f"{body}</article></main></body></html>"
    ).encode()


class MovingSite:
    """The site: routes set by the test, a feed, a log of requested paths."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.listed: list[str] = []
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, headline: str, canonical: str | None = None) -> None:
        """`path` answers 200 with an article; `canonical` a path (default: none declared)."""
        html = article_html(headline, self.url(canonical) if canonical else None)
        self.routes[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, html)

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        self.routes[path] = (status, {"Location": self.url(to)}, b"")

    def gone(self, path: str, status: int = 404) -> None:
        self.routes[path] = (status, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")

    def list(self, *paths: str) -> None:
        """The feed lists exactly these paths."""
        self.listed = list(paths)

    def asked(self, path: str) -> int:
        return self.requests.count(path)

    def feed(self) -> bytes:
        date = format_datetime(parse_time(now()))
        items = "".join(
            f"<item><title>Artikel</title><link>{self.url(p)}</link><guid>{self.url(p)}</guid>"
            f"<pubDate>{date}</pubDate></item>"
            for p in self.listed
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Moving</title><link>{self.base}/</link>{items}</channel></rss>"
        ).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path == "/rss.xml":
                    status, headers, body = (
                        200,
                        {"Content-Type": "application/rss+xml"},
                        site.feed(),
                    )
                else:
                    status, headers, body = site.routes.get(self.path, (404, {}, b"no such page"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> MovingSite:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


CONFIG = """
[newsmon]
database = "{db}"
[crawl]
user_agent = "newsmon-moves/0.1 (+http://127.0.0.1/)"
download_delay = 0
autothrottle = false
timeout = 5
retries = 0
[[sources]]
name = "moving"
feeds = ["{base}/rss.xml"]
link_pattern = '/[a-z0-9-]+$'
interval = "2m"
[[rules]]
name = "genf"
any = ["Genf"]
events = ["new", "changed", "headline", "removed"]
notify = ["newsroom"]
"""


def crawler(site: MovingSite, tmp: Path):
    """`newsmon crawl` over the site into a fresh database; returns (crawl, db_path). A crawl
    rechecks every known article (`--all`) unless called with `due_only=True`."""
    db_path, config = tmp / "monitor.db", tmp / "moving.toml"
    config.write_text(CONFIG.format(db=db_path, base=site.base))

    def crawl(due_only: bool = False) -> subprocess.CompletedProcess:
        recheck = [] if due_only else ["--all"]
        done = subprocess.run(
            newsmon_argv("--config", str(config), "crawl", *recheck),
            cwd=ROOT,
            env=newsmon_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    return crawl, db_path


def count(db_path: Path, sql: str, params: list | None = None) -> int:
    return rows(db_path, sql, params)[0]["n"]
