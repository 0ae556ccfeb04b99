"""Pages that fool a change monitor, written for the tests (every word is ours): articles as
outlets mark them up, and the interstitials served at their address instead - consent walls,
paywall stubs, bot checks and "page not found" pages with status 200, in German and English."""

from __future__ import annotations

import html
import json
import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import ROOT, newsmon_argv, newsmon_env

SITE = "Beispiel-Kurier"
_STYLE = "<style>body{font-family:sans-serif}</style>"


def article(
    headline: str,
    paragraphs: list[str],
    url: str = "http://127.0.0.1/politik/genf-100.html",
    lang: str = "de",
    author: str = "Jana Berger",
) -> bytes:
    """An article page: JSON-LD, canonical, byline, time, a headline and its paragraphs."""
    meta = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "datePublished": "2026-11-24T10:00:00+01:00",
        "author": {"@type": "Person", "name": author},
        "publisher": {"@type": "Organization", "name": SITE},
    }
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return _page(
        lang,
        f"{html.escape(headline)} | {SITE}",
        f'<link rel="canonical" href="{url}"><meta property="og:type" content="article">'
        f'<meta property="og:title" content="{html.escape(headline)}">'
        f'<script type="application/ld+json">{json.dumps(meta)}</script>',
        f"<article><h1>{html.escape(headline)}</h1>"
        f'<p class="byline">Von {author}</p><time datetime="2026-11-24T10:00:00+01:00">'
        f"24.11.2026, 10:00 Uhr</time><div class='article-body'>{body}</div></article>",
    )


def _page(lang: str, title: str, head: str, main: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}{_STYLE}</head><body><header><a href='/'>{SITE}</a></header><main>{main}</main>"
        f"<footer><a href='/impressum'>Impressum</a></footer></body></html>"
    ).encode()


def _wall(lang: str, title: str, h1: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return _page(lang, html.escape(title), "", f"<div class='wall'><h1>{h1}</h1>{body}</div>")


# Every interstitial by name: (kind recognize() must give, page).
WALLS: dict[str, tuple[str, bytes]] = {
    "consent_de": (
        "consent",
        _wall(
            "de",
            SITE,
            "Wir brauchen Ihre Zustimmung",
            [
                "Wir und unsere Partner verwenden Cookies und ähnliche Technologien, um Inhalte "
                "zu personalisieren, Werbung auszuspielen und die Nutzung unseres Angebots zu "
                "messen. Dafür brauchen wir Ihre Einwilligung.",
                "Mit einem Klick auf „Alle akzeptieren“ stimmen Sie der Verarbeitung Ihrer Daten "
                "zu. Ihre Einwilligung können Sie jederzeit in den Datenschutz-Einstellungen "
                "widerrufen.",
                "Alle akzeptieren · Einstellungen verwalten · Ablehnen",
            ],
        ),
    ),
    "consent_en": (
        "consent",
        _wall(
            "en",
            "Privacy settings",
            "We value your privacy",
            [
                "We and our partners use cookies to store and access information on your "
                "device, to show you personalised ads and to measure how our pages are read.",
                "Click Accept all to agree, or Manage preferences to choose what you allow. "
                "You can withdraw your consent at any time.",
                "Accept all · Reject all · Manage preferences",
            ],
        ),
    ),
    "paywall_de": (
        "paywall",
        _wall(
            "de",
            f"Gespräche in Genf gehen weiter | {SITE}",
            "Gespräche in Genf gehen weiter",
            [
                "Die Delegationen verhandeln seit Montag über eine Waffenruhe.",
                "Jetzt weiterlesen mit Kurier Plus: Lesen Sie alle Artikel für 1 Euro im ersten "
                "Monat, danach monatlich kündbar.",
                "Sie haben bereits ein Abo? Hier anmelden.",
            ],
        ),
    ),
    "paywall_en": (
        "paywall",
        _wall(
            "en",
            "Subscribe to continue reading",
            "This article is for subscribers",
            [
                "Subscribe to continue reading and get unlimited access to every article, our "
                "newsletters and the archive.",
                "Already a subscriber? Sign in to keep reading.",
            ],
        ),
    ),
    "bot_en": (
        "bot_check",
        _wall(
            "en",
            "Just a moment...",
            "Checking your browser",
            [
                "Verifying you are human. This may take a few seconds.",
                "Enable JavaScript and cookies to continue. The site needs to review the "
                "security of your connection before proceeding.",
            ],
        ),
    ),
    "bot_de": (
        "bot_check",
        _wall(
            "de",
            "Sicherheitsüberprüfung",
            "Bitte bestätigen Sie, dass Sie kein Roboter sind",
            [
                "Wir haben ungewöhnlichen Datenverkehr aus Ihrem Netzwerk festgestellt.",
                "Bitte lösen Sie das Captcha, um fortzufahren.",
            ],
        ),
    ),
    "soft404_de": (
        "soft_404",
        _wall(
            "de",
            f"Seite nicht gefunden | {SITE}",
            "Diese Seite gibt es leider nicht",
            [
                "Fehler 404: Die angeforderte Seite wurde nicht gefunden. Vielleicht hat sich "
                "die Adresse geändert oder der Artikel ist nicht mehr verfügbar.",
                "Zur Startseite · Zur Suche",
            ],
        ),
    ),
    "soft404_en": (
        "soft_404",
        _wall(
            "en",
            "Page not found",
            "Sorry, we couldn't find that page",
            [
                "The page you are looking for may have been moved or deleted. Check the address "
                "or go back to the home page.",
                "Error 404",
            ],
        ),
    ),
}


# --- a site that serves them: each path answers by the number of times it was asked --------


class TrickySite:
    """An outlet on 127.0.0.1: `/rss` lists every path of `script`; `script[path](n)` gives the
    page for the n-th request of that path (from 0) as (status, body)."""

    def __init__(self, script: dict[str, Callable[[int], tuple[int, bytes]]]) -> None:
        self.script = script
        self.asked: Counter[str] = Counter()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> TrickySite:
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _feed(self) -> bytes:
        items = "".join(
            f"<item><title>{p}</title><link>{self.base_url}{p}</link></item>" for p in self.script
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{SITE}</title><link>{self.base_url}/</link>{items}</channel></rss>"
        ).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/rss":
                    status, body, kind = 200, site._feed(), "application/rss+xml"
                elif self.path in site.script:
                    n = site.asked[self.path]
                    site.asked[self.path] += 1
                    (status, body), kind = site.script[self.path](n), "text/html; charset=utf-8"
                else:
                    status, body, kind = 404, b"not here", "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler


CONFIG = """
[newsmon]
database = "{db}"
[crawl]
download_delay = 0
autothrottle = false
timeout = 10
retries = 0
[[sources]]
name = "kurier"
feeds = ["{base}/rss"]
link_pattern = '/[a-z0-9/-]+-\\d{{3}}\\.html$'
[[rules]]
name = "everything"
events = ["new", "changed", "removed"]
"""


def crawl(config: Path, db: Path) -> subprocess.CompletedProcess:
    """`newsmon crawl --all`, as a user runs it: every known article is checked again."""
    return subprocess.run(
        newsmon_argv("--config", str(config), "crawl", "--all"),
        cwd=ROOT,
        env=newsmon_env(NEWSMON_DB=str(db)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def config_for(site: TrickySite, tmp: Path) -> tuple[Path, Path]:
    db = tmp / "monitor.db"
    path = tmp / "monitor.toml"
    path.write_text(CONFIG.format(db=db, base=site.base_url))
    return path, db
