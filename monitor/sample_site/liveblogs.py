"""The sample site's live blogs: streams of short entries, newest first, in two shapes.

- The ZDF-like blog is a Next.js-style page like the articles (generated class names, a
  nonce, a relative time, video teasers between entries) whose JSON-LD `LiveBlogPosting`
  lists every entry in `liveBlogUpdate`; one entry is pinned to the top.
- The tagesschau-like ticker names itself a `LiveBlogPosting` without listing entries; its
  entries are only in the markup, each an element with an `id` and a `<time>`.

All text is written for this project.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

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
from monitor.sample_site.zdf_page import Template, _Builder

TS_TICKER = "/tagesschau/ausland/europa/ukraine-verhandlungen-liveblog-100.html"
_CET = timezone(timedelta(hours=1))


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


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=_CET)


def default_liveblogs() -> dict[str, LiveBlog]:
    zdf = LiveBlog(
        outlet="zdf",
        path=ZDF_LIVEBLOG,
        kicker="Verhandlungen in Genf",
        headline="Alle Entwicklungen zu den Friedensgesprächen",
        description="Gespräche, Reaktionen aus Kiew und Moskau, die Lage an der Front: "
        "Wir halten Sie auf dem Laufenden.",
        published=_at(17, 6, 0),
        modified=_at(21, 11, 30),
        entries=[
            LiveEntry(
                "p-4101",
                _at(21, 8, 10),
                "Delegationen in Genf eingetroffen",
                [
                    "Die Verhandlungsteams aus Kiew und Moskau sind am Morgen zum dritten "
                    "Gesprächstag im Tagungshotel am See angekommen. Beobachter rechnen mit "
                    "langen Sitzungen bis in den Abend."
                ],
            ),
            LiveEntry(
                "p-4102",
                _at(21, 9, 45),
                "Kiew dämpft Erwartungen",
                [
                    "Aus dem Präsidialamt in Kiew heißt es, eine Unterschrift sei heute nicht "
                    "zu erwarten. Man wolle zuerst klären, wer eine Waffenruhe überwachen soll."
                ],
            ),
            LiveEntry(
                "p-4103",
                _at(21, 11, 30),
                "Gastgeber kündigen Erklärung an",
                [
                    "Die Schweizer Gastgeber wollen am Abend eine kurze gemeinsame Erklärung "
                    "vorlesen. Fragen der Presse sind dabei nicht vorgesehen."
                ],
            ),
        ],
        pinned="p-4102",
    )
    ticker = LiveBlog(
        outlet="tagesschau",
        path=TS_TICKER,
        kicker="Liveblog",
        headline="Ukraine-Verhandlungen: Der Tag in Genf",
        description="Die Gespräche über eine Waffenruhe gehen weiter. Alle Entwicklungen im "
        "Liveblog.",
        published=_at(21, 7, 0),
        modified=_at(21, 10, 5),
        entries=[
            LiveEntry(
                "entry-2001",
                _at(21, 7, 30),
                "Außenministerin äußert sich vorsichtig",
                [
                    "Die Außenministerin sagte im Morgenmagazin, jeder Tag am Verhandlungstisch "
                    "sei ein gewonnener Tag. Für Prognosen sei es zu früh."
                ],
            ),
            LiveEntry(
                "entry-2002",
                _at(21, 10, 5),
                "Moskau nennt Bedingungen",
                [
                    "Ein Sprecher des Kreml erklärte, Russland sei zu einer befristeten "
                    "Waffenruhe bereit, wenn westliche Waffenlieferungen ausgesetzt würden.",
                    "Die ukrainische Seite wies das als bekannte Maximalforderung zurück.",
                ],
            ),
        ],
    )
    return {zdf.path: zdf, ticker.path: ticker}


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
    b = _Builder()
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
