"""The ZDF-like article page: a Next.js-style page whose bytes change on every request.

The article is rendered once into a Template with holes (a script nonce, a "vor N Minuten"
line, video-teaser boxes); each request only fills the holes, so churn is cheap while the
article text stays put.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from monitor.sample_site.content import ArticleDoc, Block, Teaser
from monitor.sample_site.render import (
    DISCLAIMER_DE,
    ZDF_FEED,
    ZDF_LIVEBLOG,
    breadcrumbs_ld,
    correction_label,
    css,
    de_datetime,
    esc,
    jsonld,
    meta_tags,
    news_article_ld,
    seo_title,
)


@dataclass
class Template:
    """A page with holes. `chunks` has one more element than `slots`; each slot is "nonce",
    "reltime" or "teaser". Filling it is a join, so per-request churn costs almost nothing."""

    chunks: list[bytes]
    slots: list[str]

    @property
    def teaser_slots(self) -> int:
        return self.slots.count("teaser")

    def fill(self, nonce: str, reltime: str, teasers: list[bytes]) -> bytes:
        values = {"nonce": nonce.encode(), "reltime": reltime.encode()}
        out = [self.chunks[0]]
        pending = iter(teasers)
        for slot, chunk in zip(self.slots, self.chunks[1:], strict=True):
            out.append(next(pending, b"") if slot == "teaser" else values[slot])
            out.append(chunk)
        return b"".join(out)


class Builder:
    """Collects static text and slots into a Template."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.slots: list[str] = []
        self.current: list[str] = []

    def add(self, *text: str) -> None:
        self.current.extend(text)

    def slot(self, name: str) -> None:
        self.chunks.append("".join(self.current).encode())
        self.slots.append(name)
        self.current = []

    def build(self) -> Template:
        return Template([*self.chunks, "".join(self.current).encode()], self.slots)


def render_zdf_teaser(teaser: Teaser, deploy: str = "1") -> bytes:
    """One embedded video box: player, VideoObject, title, description, "DD.MM.YYYY | m:ss min"."""
    minutes, seconds = teaser.duration.split(":")
    video = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": teaser.title,
        "description": teaser.description,
        "uploadDate": f"{teaser.day.isoformat()}T19:00:00+01:00",
        "duration": f"PT{int(minutes)}M{int(seconds)}S",
    }
    key = hashlib.blake2b(teaser.title.encode(), digest_size=5).hexdigest()
    c = lambda role: css(f"zdf-video-{role}", deploy)  # noqa: E731 - a local shorthand
    return (
        f'<div class="{c("box")} {css("zdf-wrap", deploy)}">'
        f'<div class="{c("player")}" style="--aspect-ratio:16/9">'
        f'<img src="/zdf/assets/video-{key}~768x432.jpg" alt="" loading="lazy" class="{c("img")}"/>'
        f'<button aria-label="Video abspielen" class="{c("play")}"></button></div>'
        f"{jsonld(video)}"
        f'<span class="{c("title")}">{esc(teaser.title)}</span>'
        f'<span class="{c("desc")}">{esc(teaser.description)}</span>'
        f'<span class="{c("meta")}">{teaser.day:%d.%m.%Y} | {teaser.duration} min</span>'
        f'<hr class="{c("rule")}"/></div>'
    ).encode()


def _zdf_block(block: Block, c) -> str:
    if block.type == "h2":
        inner = f'<h2 class="{c("h2")}"><span>{esc(block.text)}</span></h2>'
    elif block.type == "quote":
        inner = (
            f'<figure class="{c("quote")}"><blockquote class="{c("bq")}">'
            f'<p class="{c("bq-text")}">{esc(block.text)}</p></blockquote>'
            f'<figcaption><p class="{c("bq-by")}">{esc(block.speaker)}</p></figcaption></figure>'
        )
    else:
        inner = f'<p class="{c("p")}">{esc(block.text)}</p>'
    return f'<div class="{c("wrap")}">{inner}</div>'


def _zdf_head(doc: ArticleDoc, base: str, canonical: str, charset: str, asset) -> list[str]:
    title = seo_title(doc)
    return [
        f'<!DOCTYPE html><html lang="de"><head><meta charset="{charset}"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f'<link rel="preload" href="/zdf/_next/static/media/{asset("font")}-s.p.woff2" ',
        'as="font" crossorigin="" type="font/woff2"/>',
        f'<link rel="stylesheet" href="/zdf/_next/static/css/{asset("css")}.css" ',
        'data-precedence="next"/><link rel="preload" as="script" fetchPriority="low" ',
        f'href="/zdf/_next/static/chunks/webpack-{asset("webpack")}.js"/>',
        f'<title>{esc(title)} - ZDFheute</title><meta name="application-name" content="ZDFheute"/>',
        meta_tags(doc, base, canonical, title, "de_DE"),
        '<link rel="alternate" type="application/rss+xml" title="ZDFheute Nachrichten" ',
        f'href="{base}{ZDF_FEED}"/>',
        jsonld(breadcrumbs_ld(doc, base, canonical)),
        jsonld(news_article_ld(doc, canonical, "ZDF")),
    ]


def _zdf_header(doc: ArticleDoc, c) -> list[str]:
    links = [
        ("/zdf/", "Startseite"),
        ("/zdf/politik", "Politik"),
        ("/zdf/politik/ausland", "Ausland"),
        ("/zdf/wirtschaft", "Wirtschaft"),
        ("/zdf/panorama", "Panorama"),
        (ZDF_LIVEBLOG, "Liveblog Ukraine"),
    ]
    items = "".join(f'<li class="{c("nav-li")}"><a href="{h}">{t}</a></li>' for h, t in links)
    parts = doc.section.split("/")
    crumbs = [("/zdf/", "Startseite")]
    crumbs += [(f"/zdf/{'/'.join(parts[: i + 1])}", p.capitalize()) for i, p in enumerate(parts)]
    return [
        f'<header class="{c("header")}"><a href="/zdf/" class="{c("logo")}" ',
        'aria-label="ZDFheute Startseite">ZDFheute</a><nav aria-label="Hauptnavigation" ',
        f'class="{c("nav")}"><ul class="{c("nav-ul")}">{items}</ul></nav></header>',
        f'<div role="region" aria-label="Pfadnavigation" class="{c("crumbs")}">',
        f'<ol class="{c("ol")}">',
        *(f'<li class="{c("crumb")}"><a href="{u}">{t}</a></li>' for u, t in crumbs),
        f'<li class="{c("crumb")}"><span aria-current="page">{esc(doc.headline)}</span></li>',
        "</ol></div>",
    ]


def _zdf_liveblog_promo(c) -> list[str]:
    return [
        f'<div class="{c("wrap")}"><p class="{c("p")}"><em>Aktuelle Meldungen zum Krieg in ',
        "der Ukraine finden Sie jederzeit in unserem Liveblog:</em></p></div>",
        f'<div data-testid="content-module" class="{c("wrap")}"><article class="{c("lb")}">',
        f'<h3 class="{c("lb-h")}"><span class="{c("lb-k")}">Verhandlungen in Genf</span>',
        f'<span class="{c("colon")}">:</span><a href="{ZDF_LIVEBLOG}" class="{c("lb-a")}">',
        "Alle Entwicklungen zu den Friedensgesprächen</a></h3>",
        f'<div class="{c("lb-d")}">Gespräche, Reaktionen aus Kiew und Moskau, die Lage an ',
        "der Front: Wir halten Sie auf dem Laufenden.</div>",
        f'<div class="{c("lb-l")}">Liveblog</div></article></div>',
    ]


def _zdf_after_text(doc: ArticleDoc, related: list[ArticleDoc], c) -> list[str]:
    """Source line, broadcast note, topic tag, "Mehr zum Thema", footer: all noise."""
    out = []
    if doc.source_line:
        out.append(f'<div class="{c("source")}">{esc(doc.source_line)}</div>')
    out += [
        f'<div class="{c("broadcast")}"><p class="{c("bc-p")}">Über dieses Thema berichtete ',
        f"das ZDFheute journal am {doc.published:%d.%m.%Y} ab 21:45 Uhr.</p></div></div>",
        f'<div data-testid="topic-tags" class="{c("tags")}">',
        f'<span class="{c("tag-l")}">Thema</span><a href="/zdf/{doc.section}" ',
        f'class="{c("tag")}">{doc.section.split("/")[-1].capitalize()}</a></div>',
    ]
    if related:
        out.append(f'<section class="{c("more")}"><h2 class="{c("more-h")}">Mehr zum Thema</h2>')
        for other in related:
            out += [
                f'<article class="{c("tsr")}" data-testid="s-teaser"><h3 class="{c("tsr-h")}">',
                f'<span class="{c("tsr-k")}">{esc(other.kicker)}</span><span>:</span>',
                f'<a href="{other.path}" class="{c("tsr-a")}">{esc(other.headline)}</a></h3>',
                f'<div class="{c("tsr-by")}">von {esc(other.byline)}</div></article>',
            ]
        out.append("</section>")
    footer_links = [("/zdf/impressum", "Impressum"), ("/zdf/datenschutz", "Datenschutz")]
    items = "".join(f'<a href="{h}" class="{c("foot-a")}">{t}</a>' for h, t in footer_links)
    out += [
        f'</main><footer class="{c("footer")}"><nav aria-label="Service">{items}</nav>',
        f'<p class="{c("foot-p")}">{DISCLAIMER_DE}</p></footer></div>',
    ]
    return out


def render_zdf(
    doc: ArticleDoc,
    *,
    base: str,
    related: list[ArticleDoc],
    deploy: str = "1",
    canonical_path: str | None = None,
    charset: str = "utf-8",
) -> Template:
    """A ZDF-like Next.js article page with slots for a nonce, a relative time and video
    teasers. `charset` is only what the page *declares*; the bytes are always UTF-8 text
    (the wrong-encoding fault relies on that)."""
    c = lambda role: css(f"zdf-{role}", deploy)  # noqa: E731 - a local shorthand
    asset = lambda name: hashlib.sha1(f"{deploy}{name}".encode()).hexdigest()[:16]  # noqa: E731
    canonical = base + (canonical_path or doc.path)
    b = Builder()
    b.add(*_zdf_head(doc, base, canonical, charset, asset), '<script nonce="')
    b.slot("nonce")
    b.add('">self.__next_f=self.__next_f||[];self.__next_f.push([0,"')
    b.slot("nonce")
    b.add('"])</script></head><body><div id="__next">', *_zdf_header(doc, c))
    b.add(f'<main id="main"><div class="{c("top")}"><h1 class="{c("h1")}">')
    if doc.kicker:
        b.add(f'<span class="{c("kicker")}">{esc(doc.kicker)}</span>')
        b.add(f'<span class="{c("colon")}">:</span>')
    b.add(
        f'<span class="{c("headline")}">{esc(doc.headline)}</span></h1>',
        f'<div class="{c("meta")}"><span class="{c("byline")}">von {esc(doc.byline)}</span>',
        f'<span class="{c("date")}"><time dateTime="{doc.published.isoformat()}">',
        f'{de_datetime(doc.published)}</time></span><span class="{c("ago")}">',
    )
    b.slot("reltime")
    b.add(
        f'</span><div class="{c("share")}"><button aria-label="Teilen" class="{c("btn")}">',
        f'</button><span>|</span><button aria-label="Merken" class="{c("btn")}"></button>',
        f'</div></div><p class="{c("lead")}">{esc(doc.lead)}</p></div>',
        f'<div data-testid="text-module" class="{c("text")}"><figure class="{c("fig")}">',
        f'<img src="/zdf/assets/{doc.slug}-100~1280x720.jpg" alt="{esc(doc.caption)}" ',
        f'loading="eager" class="{c("img")}"/><figcaption class="{c("cap")}">',
        f'<div class="{c("cap-text")}">{esc(doc.caption)}</div>',
        f'<div class="{c("cap-src")}">Foto: Beispielbild</div></figcaption></figure>',
    )
    # Video boxes sit after the 2nd, 5th and 8th paragraph, as on a long real page.
    seen_p = 0
    for block in doc.blocks:
        b.add(_zdf_block(block, c))
        if block.type == "p":
            seen_p += 1
            if seen_p in (2, 5, 8):
                b.slot("teaser")
    if seen_p < 2:
        b.slot("teaser")
    for note in doc.corrections:
        b.add(_zdf_block(Block("p", f"{correction_label('de')} {note}"), c))
    if doc.topic == "ukraine":
        b.add(*_zdf_liveblog_promo(c))
    b.add(*_zdf_after_text(doc, related, c))
    b.add(f'<script src="/zdf/_next/static/chunks/main-app-{asset("app")}.js" async=""></script>')
    b.add("</body></html>")
    return b.build()


def relative_time(counter: int) -> str:
    """A "vor N Minuten" line that moves with every request, like a page rendered per request."""
    n = counter % 59 + 1
    return "vor 1 Minute" if n == 1 else f"vor {n} Minuten"
