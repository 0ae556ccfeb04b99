"""HTML and XML for the sample site: article pages in three outlet shapes, feeds, a news
sitemap, section pages and robots.txt.

The markup is written for this project; it imitates only the *structure* real outlets use
(where the kicker sits, which metadata exists, what noise surrounds the text), because that
structure is what newsmon's extraction has to cope with.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from html import escape

from monitor.sample_site.content import ArticleDoc, Block

ZDF_FEED = "/zdf/rss/nachrichten"
ZDF_SITEMAP = "/zdf/news-sitemap.xml"
ZDF_LIVEBLOG = "/zdf/politik/ausland/ukraine-russland-konflikt-blog-102.html"
TS_ATOM = "/tagesschau/index~atom.xml"
TS_RSS = "/tagesschau/index~rss2.xml"
WORLD_RSS = "/world/rss.xml"
DISCLAIMER_DE = "Beispielseite des Projekts newsmon. Alle Artikel sind für Testzwecke erfunden."
DISCLAIMER_EN = "A sample site of the newsmon project. Every article is invented for testing."
SITE_NAMES = {"zdf": "ZDFheute", "tagesschau": "tagesschau.de", "world": "World Report"}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=4096)
def css(role: str, deploy: str = "1") -> str:
    """A generated-looking class name, like a CSS-in-JS build emits. It means nothing, and a new
    `deploy` changes every one of them, which is exactly what broke real scrapers."""
    digest = hashlib.blake2b(f"{deploy}:{role}".encode(), digest_size=6).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    name = "".join(alphabet[b % 36] for b in digest)
    return "abcdefghijklmnopqrstuvwxyz"[digest[0] % 26] + name[1:] + str(digest[1] % 10)


def esc(text: str) -> str:
    return escape(text, quote=True)


def jsonld(data: dict) -> str:
    """A JSON-LD script element; "</" is escaped so text can never close the script early."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">{body}</script>'


def de_datetime(when: datetime, sep: str = " | ") -> str:
    """German page time, "20.11.2026 | 09:15"."""
    return when.strftime(f"%d.%m.%Y{sep}%H:%M")


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def en_datetime(when: datetime) -> str:
    """English page time, "Sat 21 Nov 2026 10.20 GMT"."""
    zone = "GMT" if when.utcoffset() == UTC.utcoffset(None) else "CET"
    return (
        f"{_WEEKDAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]} {when.year} "
        f"{when:%H.%M} {zone}"
    )


def seo_title(doc: ArticleDoc) -> str:
    """The longer search-engine title (og:title), "Kicker: Headline", unlike the on-page h1."""
    return f"{doc.kicker}: {doc.headline}" if doc.kicker else doc.headline


def meta_tags(doc: ArticleDoc, base: str, canonical: str, title: str, locale: str) -> str:
    image = f"{base}/{doc.outlet}/assets/{doc.slug}.jpg"
    site = SITE_NAMES[doc.outlet]
    return (
        f'<meta name="description" content="{esc(doc.lead)}"/>'
        f'<link rel="canonical" href="{esc(canonical)}"/>'
        f'<meta property="og:type" content="article"/>'
        f'<meta property="og:title" content="{esc(title)}"/>'
        f'<meta property="og:description" content="{esc(doc.lead)}"/>'
        f'<meta property="og:url" content="{esc(canonical)}"/>'
        f'<meta property="og:site_name" content="{site}"/>'
        f'<meta property="og:locale" content="{locale}"/>'
        f'<meta property="og:image" content="{esc(image)}"/>'
    )


def news_article_ld(doc: ArticleDoc, canonical: str, publisher: str) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "headline": doc.headline,
        "description": doc.lead,
        "datePublished": doc.published.isoformat(),
        "dateModified": doc.modified.isoformat(),
        "author": {"@type": "Person", "name": doc.byline},
        "publisher": {"@type": "Organization", "name": publisher},
        "inLanguage": doc.lang,
    }


def breadcrumbs_ld(doc: ArticleDoc, base: str, canonical: str) -> dict:
    parts = doc.section.split("/")
    crumbs = [("Startseite", f"{base}/{doc.outlet}/")]
    crumbs += [
        (p.capitalize(), f"{base}/{doc.outlet}/{'/'.join(parts[: i + 1])}")
        for i, p in enumerate(parts)
    ]
    crumbs.append((doc.headline, canonical))
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "item": {"@id": url, "name": name}}
            for i, (name, url) in enumerate(crumbs, 1)
        ],
    }


def correction_label(lang: str) -> str:
    return "Korrektur:" if lang == "de" else "Correction:"


# --- tagesschau-like ----------------------------------------------------------------------------


_COL = "columns twelve m-ten m-offset-one"


def _ts_block(block: Block) -> str:
    if block.type == "h2":
        return f'<h2 class="meldung__subhead {_COL}">{esc(block.text)}</h2>'
    if block.type == "quote":
        return (
            f'<div class="zitat {_COL}"><blockquote class="zitat__text"><p>{esc(block.text)}</p>'
            f'</blockquote><p class="zitat__autor">{esc(block.speaker)}</p></div>'
        )
    return f'<p class="textabsatz {_COL}">{esc(block.text)}</p>'


def _ts_source(line: str) -> str:
    """The agency credit under the text ("Quelle: dpa"), as the ZDF-like page shows its own."""
    return f'<p class="meldung__quelle {_COL}">{esc(line)}</p>' if line else ""


def _ts_related(related: list[ArticleDoc]) -> list[str]:
    """The "Mehr zum Thema" list under the article, if there is anything to list."""
    if not related:
        return []
    parts = ['<aside class="container"><div class="trenner"><h2>Mehr zum Thema</h2>']
    parts.append('</div><ul class="list">')
    for other in related:
        parts += [
            f'<li class="teaser-xs"><a class="teaser-xs__link" href="{other.path}">',
            '<h3 class="teaser-xs__headline-wrapper">',
            f'<span class="teaser-xs__topline">{esc(other.kicker)}</span>',
            f'<span class="teaser-xs__headline">{esc(other.headline)}</span></h3></a></li>',
        ]
    parts.append("</ul></aside>")
    return parts


def render_tagesschau(doc: ArticleDoc, *, base: str, related: list[ArticleDoc]) -> bytes:
    """A tagesschau-like page: topline inside the h1, "Stand:" line, bold lead, author line."""
    canonical = base + doc.path
    title = seo_title(doc)
    feed_title = "tagesschau.de - Nachrichten"
    sections = [("inland", "Inland"), ("ausland", "Ausland"), ("wirtschaft", "Wirtschaft")]
    nav = "".join(
        f'<li class="navigation__item"><a href="/tagesschau/{u}">{t}</a></li>' for u, t in sections
    )
    topline = f'<span class="seitenkopf__topline">{esc(doc.kicker)}</span>' if doc.kicker else ""
    notes = [Block("p", f"{correction_label('de')} {n}") for n in doc.corrections]
    parts = [
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"/>',
        f"<title>{esc(title)} | tagesschau.de</title>",
        meta_tags(doc, base, canonical, title, "de_DE"),
        '<link rel="stylesheet" href="/tagesschau/resources/styles/main.css"/>',
        f'<link rel="alternate" type="application/rss+xml" title="{feed_title}" ',
        f'href="{base}{TS_RSS}"/><link rel="alternate" type="application/atom+xml" ',
        f'title="{feed_title}" href="{base}{TS_ATOM}"/>',
        jsonld(news_article_ld(doc, canonical, "tagesschau.de")),
        jsonld(breadcrumbs_ld(doc, base, canonical)),
        '</head><body class="page page--article"><header class="header">',
        '<a class="header__logo" href="/tagesschau/">tagesschau</a><nav class="navigation">',
        f'<ul class="navigation__list">{nav}</ul></nav></header>',
        '<main class="content-wrapper"><div class="layout-content" id="content">',
        '<article class="container content-wrapper__group"><div class="seitenkopf">',
        '<div class="seitenkopf__media"><figure class="ts-picture">',
        f'<img class="ts-image" src="/tagesschau/assets/{doc.slug}.jpg" alt="{esc(doc.caption)}"/>',
        f'<figcaption class="ts-picture__caption">{esc(doc.caption)}',
        '<span class="ts-picture__copyright">Bild: Beispielbild</span></figcaption></figure>',
        '</div><div class="seitenkopf__data"><div class="seitenkopf__title">',
        f'<h1 class="seitenkopf__headline">{topline}',
        f'<span class="seitenkopf__headline--text">{esc(doc.headline)}</span></h1>',
        f'<p class="metatextline">Stand: {de_datetime(doc.modified, " ")} Uhr</p>',
        "</div></div></div>",
        f'<p class="textabsatz {_COL}"><strong>{esc(doc.lead)}</strong></p>',
        '<div class="authorline"><div class="authorline__author">Von ',
        f'<span class="authorline__name">{esc(doc.byline)}</span>, ARD-Studio Genf</div></div>',
        *(_ts_block(block) for block in [*doc.blocks, *notes]),
        _ts_source(doc.source_line),
        '<div class="meldungsfooter columns twelve"><ul class="taglist">',
        f'<li class="taglist__element"><a class="tag-btn" href="/tagesschau/{doc.section}">',
        f"{doc.section.split('/')[-1].capitalize()}</a></li></ul>",
        '<div class="sendungsbezug"><p><span class="sendungsbezug--title">Dieses Thema im ',
        f"Programm:</span> Das Erste, tagesschau, {doc.published:%d.%m.%Y} 20:00 Uhr</p></div>",
        "</div></article>",
    ]
    parts += _ts_related(related)
    parts.append(f'</div></main><footer class="footer"><p>{DISCLAIMER_DE}</p></footer>')
    parts.append("</body></html>")
    return "".join(parts).encode()


# --- English ("World Report") -------------------------------------------------------------------


def _world_block(block: Block, c) -> str:
    if block.type == "quote":
        return (
            f'<blockquote class="{c("bq")}"><p>{esc(block.text)}</p>'
            f"<footer><cite>{esc(block.speaker)}</cite></footer></blockquote>"
        )
    tag = "h2" if block.type == "h2" else "p"
    return f'<{tag} class="{c(tag)}">{esc(block.text)}</{tag}>'


def render_world(
    doc: ArticleDoc, *, base: str, related: list[ArticleDoc], deploy: str = "1"
) -> bytes:
    """An English page: h1, standfirst, byline, body with subheads and blockquotes, Related.
    It carries no JSON-LD, only meta tags, like several real outlets."""
    c = lambda role: css(f"world-{role}", deploy)  # noqa: E731 - a local shorthand
    canonical = base + doc.path
    section = doc.section.split("/")[-1].capitalize()
    notes = [Block("p", f"{correction_label('en')} {n}") for n in doc.corrections]
    body = "".join(_world_block(block, c) for block in [*doc.blocks, *notes])
    modified = ""
    if doc.modified != doc.published:
        modified = f'<div class="{c("mod")}">Last modified on {en_datetime(doc.modified)}</div>'
    related_box = ""
    if related:
        links = "".join(
            f'<li class="{c("rel-li")}"><a href="{o.path}">{esc(o.headline)}</a></li>'
            for o in related
        )
        related_box = (
            f'<aside data-component="related" class="{c("rel")}"><h2>Related</h2>'
            f"<ul>{links}</ul></aside>"
        )
    nav = "".join(
        f'<li><a href="/world/{s}">{s.capitalize()}</a></li>' for s in ("world", "europe", "sport")
    )
    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>',
            f"<title>{esc(doc.headline)} | World Report</title>",
            meta_tags(doc, base, canonical, doc.headline, "en_GB"),
            f'<meta property="article:published_time" content="{doc.published.isoformat()}"/>',
            f'<meta property="article:modified_time" content="{doc.modified.isoformat()}"/>',
            f'<meta property="article:section" content="{section}"/>',
            f'<meta name="author" content="{esc(doc.byline)}"/>',
            '<link rel="alternate" type="application/rss+xml" title="World Report" ',
            f'href="{base}{WORLD_RSS}"/></head><body><header class="{c("header")}">',
            f'<a href="/world/">World Report</a><nav class="{c("nav")}"><ul>{nav}</ul></nav>',
            f'</header><main><article class="{c("article")}">',
            f'<div data-component="media" class="{c("media")}"><figure class="{c("fig")}">',
            f'<img src="/world/assets/{doc.slug}.jpg" alt="{esc(doc.caption)}"/>',
            f'<figcaption class="{c("cap")}"><span>{esc(doc.caption)}</span> ',
            "<span>Photograph: Sample Image</span></figcaption></figure></div>",
            f'<div data-component="section-label" class="{c("label")}">',
            f'<a href="/world/{doc.section}">{section}</a></div>',
            f'<div data-component="headline" class="{c("hl")}">',
            f'<h1 class="{c("h1")}">{esc(doc.headline)}</h1></div>',
            f'<div data-component="standfirst" class="{c("sf")}"><p>{esc(doc.lead)}</p></div>',
            f'<aside data-component="meta" class="{c("meta")}"><address class="{c("by")}">By ',
            f'<span rel="author">{esc(doc.byline)}</span></address><div class="{c("date")}">',
            f'<time datetime="{doc.published.isoformat()}">{en_datetime(doc.published)}</time>',
            f'</div>{modified}</aside><div data-component="body" class="{c("body")}">',
            f'<div id="maincontent" class="{c("main")}">{body}</div></div>{related_box}',
            f'</article></main><footer class="{c("footer")}"><p>{DISCLAIMER_EN}</p></footer>',
            "</body></html>",
        ]
    ).encode()


# --- pages around the articles ---------------------------------------------------------------

NAV = {
    "zdf": [
        ("/zdf/", "Startseite"),
        ("/zdf/politik", "Politik"),
        ("/zdf/politik/ausland", "Ausland"),
        ("/zdf/impressum", "Impressum"),
        ("/zdf/datenschutz", "Datenschutz"),
    ],
    "tagesschau": [
        ("/tagesschau/", "Startseite"),
        ("/tagesschau/inland", "Inland"),
        ("/tagesschau/ausland", "Ausland"),
        ("/tagesschau/wirtschaft", "Wirtschaft"),
        ("/tagesschau/impressum", "Impressum"),
    ],
    "world": [
        ("/world/", "Home"),
        ("/world/world", "World"),
        ("/world/europe", "Europe"),
        ("/world/about", "About us"),
    ],
}

# Non-article pages that section pages link to: a crawler following every link must learn to
# skip them.
STATIC_PAGES = {
    "/zdf/impressum": (
        "zdf",
        "Impressum",
        "Verantwortlich für diese Beispielseite ist das "
        "Projekt newsmon. Es gibt keine Redaktion und keine Postanschrift.",
    ),
    "/zdf/datenschutz": (
        "zdf",
        "Datenschutz",
        "Diese Beispielseite speichert nur, wie oft "
        "jede Adresse abgerufen wurde, und vergisst es beim Beenden.",
    ),
    "/tagesschau/impressum": (
        "tagesschau",
        "Impressum",
        "Eine Beispielseite für Tests. Alle Inhalte sind erfunden.",
    ),
    "/world/about": (
        "world",
        "About us",
        "World Report is a sample site for tests. Nothing on it is real news.",
    ),
}


def simple_page(outlet: str, title: str, content: str) -> bytes:
    """A plain page in an outlet's frame: navigation, one heading, some HTML, footer."""
    lang = "en" if outlet == "world" else "de"
    site = SITE_NAMES[outlet]
    nav = "".join(f'<li><a href="{u}">{esc(t)}</a></li>' for u, t in NAV[outlet])
    disclaimer = DISCLAIMER_EN if lang == "en" else DISCLAIMER_DE
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"/>'
        f'<title>{esc(title)} - {site}</title></head><body><header><a href="/{outlet}/">{site}'
        f"</a><nav><ul>{nav}</ul></nav></header><main><h1>{esc(title)}</h1>{content}</main>"
        f"<footer><p>{disclaimer}</p></footer></body></html>"
    ).encode()


def section_page(
    outlet: str, title: str, docs: list[ArticleDoc], extra: list[tuple[str, str]]
) -> bytes:
    """A section front: a list of article teasers (links with kicker and lead)."""
    items = []
    for doc in docs:
        label = f"{doc.kicker}: {doc.headline}" if doc.kicker else doc.headline
        items.append(f'<li><a href="{doc.path}">{esc(label)}</a><p>{esc(doc.lead)}</p></li>')
    items += [f'<li><a href="{url}">{esc(label)}</a></li>' for url, label in extra]
    return simple_page(outlet, title, f'<ul class="teaser-list">{"".join(items)}</ul>')


def index_page(outlets: list[tuple[str, list[tuple[str, str]]]], script: str) -> bytes:
    """The site's root: each outlet with the links a source can name, and the script's state."""
    parts = []
    for name, links in outlets:
        items = "".join(f'<li><a href="{url}">{esc(text)}</a></li>' for url, text in links)
        parts.append(f"<h2>{esc(name)}</h2><ul>{items}</ul>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>newsmon sample site'
        "</title></head><body><h1>newsmon sample site</h1><p>Three made-up outlets served on this "
        "machine for newsmon's tests and demo; config/sample.toml watches them. None of it is news."
        f'</p>{"".join(parts)}<h2>Script</h2><p>{esc(script)} <a href="/_control/state">State '
        "(JSON)</a>; a POST to /_control/advance applies the next step.</p></body></html>"
    ).encode()


def error_page(status: int) -> bytes:
    reason = {404: "Seite nicht gefunden", 410: "Dieser Inhalt ist nicht mehr verfügbar"}
    text = reason.get(status, "Fehler")
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"/><title>{status} {text}'
        f"</title></head><body><h1>{text}</h1><p>{DISCLAIMER_DE}</p></body></html>"
    ).encode()
