"""The sample site's live blogs: streams of short entries, newest first, in two shapes.

- The ZDF-like blog is a Next.js-style page like the articles (generated class names, a
  nonce, a relative time, video teasers between entries) whose JSON-LD `LiveBlogPosting`
  lists every entry in `liveBlogUpdate`; one entry is pinned to the top.
- The tagesschau-like ticker names itself a `LiveBlogPosting` without listing entries; its
  entries are only in the markup, each an element with an `id` and a `<time>`.

Their text is in liveblogs.toml, written for this project.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.sample_site.render import (
    DISCLAIMER_DE,
    NAV,
    SITE_NAMES,
    ZDF_LIVEBLOG,
    css,
    de_datetime,
    esc,
    jsonld,
)
from monitor.sample_site.zdf_page import Builder, Template

TS_TICKER = "/tagesschau/ausland/europa/ukraine-verhandlungen-liveblog-100.html"
LIVEBLOGS_FILE = Path(__file__).parent / "liveblogs.toml"
# The live blogs' outlets (the tables of LIVEBLOGS_FILE) and paths.
_PATHS = {"zdf": ZDF_LIVEBLOG, "tagesschau": TS_TICKER}


@dataclass
class LiveEntry:
    key: str
    at: datetime
    headline: str
    text: list[str]


@dataclass
class LiveBlog:
    outlet: str
    path: str
    kicker: str
    headline: str
    description: str
    published: datetime
    modified: datetime
    entries: list[LiveEntry] = field(default_factory=list)
    pinned: str | None = None  # key of the entry shown first, whatever its time

    def shown(self) -> list[LiveEntry]:
        """Newest first, the pinned entry on top."""
        order = sorted(self.entries, key=lambda e: e.at, reverse=True)
        top = [e for e in order if e.key == self.pinned]
        return top + [e for e in order if e.key != self.pinned]


def default_liveblogs(file: Path = LIVEBLOGS_FILE) -> dict[str, LiveBlog]:
    """The live blogs as the script finds them, by path, read anew from `file` for every site:
    sites never share a mutable blog."""
    with file.open("rb") as fh:
        data = tomllib.load(fh)
    blogs = [_blog(outlet, path, data[outlet]) for outlet, path in _PATHS.items()]
    return {blog.path: blog for blog in blogs}


def load_entries(file: Path) -> list[LiveEntry]:
    """The `[[entry]]` tables of `file`, in file order."""
    with file.open("rb") as fh:
        return [_entry(table) for table in tomllib.load(fh)["entry"]]


def _entry(table: dict) -> LiveEntry:
    """One entry from its TOML table: key, at (ISO 8601 with offset), headline, text."""
    at = datetime.fromisoformat(table["at"])
    return LiveEntry(table["key"], at, table["headline"], list(table["text"]))


def _blog(outlet: str, path: str, table: dict) -> LiveBlog:
    texts = {k: table[k] for k in ("kicker", "headline", "description")}
    times = {k: datetime.fromisoformat(table[k]) for k in ("published", "modified")}
    entries = [_entry(e) for e in table["entry"]]
    return LiveBlog(outlet, path, **texts, **times, entries=entries, pinned=table.get("pinned"))


def _ld(blog: LiveBlog, canonical: str, publisher: str, with_updates: bool) -> str:
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": canonical,
        "headline": blog.headline,
        "description": blog.description,
        "datePublished": blog.published.isoformat(),
        "dateModified": blog.modified.isoformat(),
        "coverageStartTime": blog.published.isoformat(),
        "publisher": {"@type": "Organization", "name": publisher},
    }
    if with_updates:
        data["liveBlogUpdate"] = [
            {
                "@type": "BlogPosting",
                "@id": f"{canonical}#{e.key}",
                "headline": e.headline,
                "datePublished": e.at.isoformat(),
                "articleBody": " ".join(e.text),
            }
            for e in blog.shown()
        ]
    return jsonld(data)


def render_zdf_liveblog(blog: LiveBlog, *, base: str, deploy: str = "1") -> Template:
    """The ZDF-like live blog, with slots for nonce, relative time and video teasers."""
    c = lambda role: css(f"zdf-{role}", deploy)  # noqa: E731 - a local shorthand
    canonical = base + blog.path
    b = Builder()
    b.add(
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"/>',
        f"<title>Liveblog: {esc(blog.headline)} - ZDFheute</title>",
        f'<link rel="canonical" href="{esc(canonical)}"/>',
        '<meta property="og:type" content="article"/>',
        f'<meta property="og:title" content="Ukraine-Krieg im Liveticker: {esc(blog.headline)}"/>',
        f'<meta property="og:description" content="{esc(blog.description)}"/>',
        f'<meta property="og:url" content="{esc(canonical)}"/>',
        '<meta property="og:site_name" content="ZDFheute"/>',
        _ld(blog, canonical, "ZDF", with_updates=True),
        '<script nonce="',
    )
    b.slot("nonce")
    b.add('">self.__next_f=self.__next_f||[];</script></head><body><div id="__next">')
    b.add(f'<header class="{c("header")}"><a href="/zdf/">ZDFheute</a></header>')
    b.add(f'<main id="main"><div class="{c("top")}"><div class="{c("lb-label")}">Liveblog</div>')
    b.add(
        f'<h1 class="{c("h1")}"><span class="{c("kicker")}">{esc(blog.kicker)}</span>',
        f'<span class="{c("colon")}">:</span><span class="{c("headline")}">',
        f"{esc(blog.headline)}</span></h1>",
        f'<div class="{c("meta")}"><span class="{c("ago")}">',
    )
    b.slot("reltime")
    b.add(
        f'</span></div><p class="{c("lead")}">{esc(blog.description)}</p></div>',
        f'<div data-testid="liveblog-stream" class="{c("stream")}">',
    )
    for n, entry in enumerate(blog.shown()):
        pin = f'<span class="{c("pin")}">Angeheftet</span>' if entry.key == blog.pinned else ""
        paragraphs = "".join(f'<p class="{c("p")}">{esc(t)}</p>' for t in entry.text)
        b.add(
            f'<section id="{entry.key}" class="{c("post")}">{pin}',
            f'<time dateTime="{entry.at.isoformat()}" class="{c("time")}">',
            f"{entry.at:%H:%M} Uhr</time>",
            f'<h3 class="{c("post-h")}">{esc(entry.headline)}</h3>{paragraphs}',
            f'<div class="{c("share")}"><button aria-label="Link kopieren"></button></div>',
            "</section>",
        )
        if n == 0:  # a video box after the first entry, different on every request
            b.slot("teaser")
    b.add(
        "</div></main>",
        f'<footer class="{c("footer")}"><p class="{c("foot-p")}">{DISCLAIMER_DE}</p></footer>',
        "</div></body></html>",
    )
    return b.build()


def render_ts_ticker(blog: LiveBlog, *, base: str) -> bytes:
    """The tagesschau-like ticker: entries only in the markup, newest first."""
    canonical = base + blog.path
    nav = "".join(f'<li><a href="{u}">{esc(t)}</a></li>' for u, t in NAV["tagesschau"])
    entries = []
    for entry in blog.shown():
        paragraphs = "".join(f'<p class="textabsatz">{esc(t)}</p>' for t in entry.text)
        entries.append(
            f'<div class="liveblog__entry" id="{entry.key}">'
            f'<time datetime="{entry.at.isoformat()}">{entry.at:%H:%M} Uhr</time>'
            f'<h2 class="liveblog__headline">{esc(entry.headline)}</h2>{paragraphs}'
            '<a class="liveblog__share" href="#">Teilen</a></div>'
        )
    stamp = hashlib.blake2b(canonical.encode(), digest_size=4).hexdigest()
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"/>'
        f"<title>{esc(blog.headline)} | {SITE_NAMES['tagesschau']}</title>"
        f'<link rel="canonical" href="{esc(canonical)}"/>'
        f'<meta property="og:title" content="{esc(blog.headline)}"/>'
        f'<meta name="description" content="{esc(blog.description)}"/>'
        f"{_ld(blog, canonical, 'tagesschau', with_updates=False)}</head>"
        f'<body><header class="header"><nav><ul>{nav}</ul></nav></header>'
        f'<main class="content" data-build="{stamp}"><article class="liveblog">'
        f'<h1 class="seitenkopf__headline"><span class="seitenkopf__topline">{esc(blog.kicker)}'
        f'</span> <span class="seitenkopf__headline--text">{esc(blog.headline)}</span></h1>'
        f'<p class="metatextline">Stand: {de_datetime(blog.modified, " ")} Uhr</p>'
        f'<p class="textabsatz"><strong>{esc(blog.description)}</strong></p>'
        f'<div class="liveblog__entries">{"".join(entries)}</div></article></main>'
        f"<footer><p>{DISCLAIMER_DE}</p></footer></body></html>"
    ).encode()
