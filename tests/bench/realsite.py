"""Real outlets' pages for `make bench-real`: ../shared/pages and ../shared/pages-more, cycled to
1,000 distinct URLs on 127.0.0.1, served as static files (bytes read once, ETag and
Last-Modified, 304s) by the server machinery of `bigsite.py`.

Each URL serves one real page, unchanged but for one thing: a canonical link or og:url that is
relative (or on 127.0.0.1) is made absolute on the outlet's host (the page's JSON `url`), as it
resolves on the outlet. Left relative, it would resolve to this site, and newsmon would key the
cycled copies of one page as one article (its canonical), as no outlet's 1,000 URLs would be.
A canonical on another host is not the site's own, so newsmon keys each URL by itself. Discovery as on the generated site: a news
sitemap for two thirds of the URLs, an RSS feed for the rest.

POST /_control/edit changes one word of a sentence of the article in a seeded 10 % of the URLs:
the sentence is found by the page's expected text (its `body` or its `with` snippets), so the
edit is in the article and not in a menu, and it must change the text a reader sees (not only a
script's copy); every occurrence of that run of words changes (the
visible paragraph and, where the page repeats it, its JSON-LD). POST /_control/reset undoes it.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import random
import re
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bigsite import Resource, _Handler, _Server, news_sitemap, rss  # noqa: E402
from common import CRAWL, RULE  # noqa: E402

SHARED = HERE.parents[2] / "shared"
OUTLETS = ("pages", "more", "world")
LISTINGS = {
    "/pages/news-sitemap.xml": ("pages", news_sitemap),
    "/more/news-sitemap.xml": ("more", news_sitemap),
    "/world/rss.xml": ("world", rss),
}
LOCAL_HOSTS = ("", "127.0.0.1", "localhost")
TAG = re.compile(rb"<(?:link|meta)\b[^>]*>", re.IGNORECASE)
TAG_URL = re.compile(rb"""((?:href|content)\s*=\s*["'])([^"']*)(["'])""", re.IGNORECASE)
WINDOW = 5  # words of the expected text that must stand in the HTML as they are
SWAP = {"de": "unterdessen", "fr": "cependant", "es": "mientras", "it": "intanto"}
CONFIG = (
    CRAWL
    + """
[[sources]]
name = "pages"
sitemaps = ["{base}/pages/news-sitemap.xml"]
link_pattern = '/pages/[a-z0-9-]+-\\d+\\.html$'
interval = "2m"

[[sources]]
name = "more"
sitemaps = ["{base}/more/news-sitemap.xml"]
link_pattern = '/more/[a-z0-9-]+-\\d+\\.html$'
interval = "2m"

[[sources]]
name = "world"
feeds = ["{base}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
interval = "2m"
"""
)
CONFIG += RULE


@dataclass
class Source:
    """One saved real page and what its article says (for placing an edit)."""

    name: str
    html: bytes
    lang: str
    title: str
    expected: list[str]  # body paragraphs or `with` snippets


@dataclass
class Entry:
    """One URL of the site, as the listings of `bigsite.py` read it."""

    index: int
    outlet: str
    path: str
    lang: str
    headline: str
    lead: str
    published: datetime
    modified: datetime
    source: Source


def load_sources(shared: Path = SHARED) -> list[Source]:
    found = []
    files = [(p, p.read_bytes()) for p in sorted((shared / "pages").glob("*.html"))]
    more = sorted((shared / "pages-more").glob("*/*.html.gz"))
    files += [(p, gzip.decompress(p.read_bytes())) for p in more]
    for path, html in files:
        stem = path.name.removesuffix(".gz").removesuffix(".html")
        meta = json.loads(path.with_name(stem + ".json").read_text())
        expected = meta["body"].split("\n\n") if meta.get("body") else list(meta.get("with", []))
        html = outlet_links(html, meta["url"])
        found.append(
            Source(stem, html, meta.get("lang", "und"), meta.get("title") or stem, expected)
        )
    return found


def outlet_links(html: bytes, origin: str) -> bytes:
    """The page with its relative or local canonical link and og:url made absolute on `origin`,
    the URL the page was saved from."""

    def absolute(match: re.Match) -> bytes:
        value = match.group(2).decode("utf-8", "replace").strip()
        if (urlsplit(value).hostname or "") not in LOCAL_HOSTS:
            return match.group(0)
        # A local absolute URL keeps its path; a relative one resolves as on the outlet.
        resolved = urljoin(origin, urlsplit(value)._replace(scheme="", netloc="").geturl())
        return match.group(1) + resolved.encode() + match.group(3)

    def tag(match: re.Match) -> bytes:
        text = match.group(0)
        lower = text.lower()
        wanted = (lower.startswith(b"<link") and b"canonical" in lower) or b"og:url" in lower
        return TAG_URL.sub(absolute, text) if wanted else text

    return TAG.sub(tag, html)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "page"


def make_entries(sources: list[Source], count: int) -> list[Entry]:
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    entries = []
    for i in range(count):
        source = sources[i % len(sources)]
        outlet = OUTLETS[i % 3]
        name = slug(source.name)
        path = f"/world/news/{name}-{i}" if outlet == "world" else f"/{outlet}/{name}-{i:03d}.html"
        lead = " ".join(source.expected[0].split()[:30]) if source.expected else ""
        entries.append(
            Entry(i, outlet, path, source.lang, source.title, lead, published, published, source)
        )
    return entries


def edit_html(source: Source, seed: int) -> tuple[bytes, str] | None:
    """The page with one word of an article sentence changed, and that word; None when no run
    of the expected text stands verbatim in the HTML where a reader sees it."""
    rng = random.Random(seed)
    texts = [t.split() for t in source.expected]
    rng.shuffle(texts)
    for words in texts:
        for start in range(0, max(0, len(words) - WINDOW) + 1):
            window = words[start : start + WINDOW]
            run = " ".join(window).encode()
            if len(window) < WINDOW or run not in source.html:
                continue
            at = max(range(WINDOW), key=lambda k: (window[k].isalpha(), len(window[k])))
            swap = SWAP.get(source.lang, "meanwhile")
            new = " ".join(
                [*window[:at], swap if window[at] != swap else "notably", *window[at + 1 :]]
            )
            edited = source.html.replace(run, new.encode())
            # A reader sees the edit (not only a script's or a meta tag's copy), and no copy of
            # the old words is left in sight (one set in other markup than the run's bytes).
            seen = _visible_text(edited)
            if new in seen and " ".join(window) not in seen:
                return edited, window[at]
    return None


def _visible_text(page: bytes) -> str:
    """The page's text as a reader sees it, spaces collapsed: without head, scripts and styles."""
    root = lxml.html.document_fromstring(page)
    for el in list(root.iter("head", "script", "style", "noscript", "template")):
        if el.getparent() is not None:
            el.drop_tree()
    return " ".join(root.text_content().split())


class RealSite:
    """The site's state, with the interface `bigsite._Handler` serves: resources, lock, counter,
    stats, edit(share), reset()."""

    def __init__(self, base: str, count: int = 1000, seed: int = 1) -> None:
        self.base, self.seed = base, seed
        self.sources = load_sources()
        self.entries = make_entries(self.sources, count)
        self.lock = threading.Lock()
        self.counter = 0
        self.stats = {"requests": 0, "not_modified": 0, "bytes": 0, "connections": 0}
        self.resources: dict[str, Resource] = {}
        self.edits: dict[int, tuple[bytes, str] | None] = {}
        self.edited: list[int] = []
        for entry in self.entries:
            self._serve(entry, entry.source.html)
        self._listings()

    def _serve(self, entry: Entry, html: bytes) -> None:
        self.resources[entry.path] = Resource.static(html, "text/html", entry.modified)

    def _listings(self) -> None:
        for path, (outlet, make) in LISTINGS.items():
            chosen = [e for e in self.entries if e.outlet == outlet]
            newest = max(e.modified for e in chosen)
            self.resources[path] = Resource.static(
                make(chosen, self.base).encode(), "application/xml; charset=utf-8", newest
            )

    def editable(self) -> list[int]:
        """The URLs whose page has a run of its expected text verbatim in the HTML."""
        for entry in self.entries:
            if entry.index not in self.edits:
                self.edits[entry.index] = edit_html(entry.source, self.seed * 7919 + entry.index)
        return [i for i, edit in self.edits.items() if edit is not None]

    def edit(self, share: float = 0.1) -> list[str]:
        """Edit a seeded share of all URLs (chosen among the editable ones); returns their paths."""
        with self.lock:
            pool = self.editable()
            wanted = min(len(pool), round(share * len(self.entries)))
            self.edited = sorted(random.Random(self.seed * 104729).sample(pool, wanted))
            for i in self.edited:
                entry = self.entries[i]
                entry.modified = entry.published + timedelta(hours=1)
                self._serve(entry, self.edits[i][0])
            self._listings()
        return [self.entries[i].path for i in self.edited]

    def reset(self) -> None:
        with self.lock:
            for i in self.edited:
                entry = self.entries[i]
                entry.modified = entry.published
                self._serve(entry, entry.source.html)
            self.edited = []
            self._listings()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--articles", type=int, default=1000, help="distinct URLs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    server = _Server(("127.0.0.1", args.port), _Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    site = RealSite(base, args.articles, args.seed)
    server.site = site  # type: ignore[assignment]  # the same interface as BigSite
    sizes = sorted(len(s.html) for s in site.sources)
    print(
        f"READY {base} urls={len(site.entries)} real_pages={len(site.sources)} "
        f"kb_min={sizes[0] // 1024} kb_median={sizes[len(sizes) // 2] // 1024} "
        f"kb_max={sizes[-1] // 1024} editable_urls={len(site.editable())}",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.5)


if __name__ == "__main__":
    sys.exit(main())
