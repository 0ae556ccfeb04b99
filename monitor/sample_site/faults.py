"""Everything the sample site does wrong on purpose.

Three kinds of fault:

- Fixed article URLs (`FAULT_URLS`), each misbehaving one way: HTTP errors, rate limits,
  timeouts, resets, truncated and huge bodies, binary data, wrong or missing charsets, invalid
  HTML, empty pages, redirect loops and redirects off the site or to other schemes. The faults
  feed (`FAULTS_FEED`) lists them all, so one crawl meets every one.
- Listing faults (`LISTING_FAULTS`): a malformed feed, a feed of 10,000 entries, sitemap
  indexes that list themselves or each other, a rate-limited feed. Each is the listing URL of
  a source of its own.
- Faults on demand (`ON_DEMAND`): `SampleSite.set_fault(path, name)` makes any path misbehave.

`answer` is what the HTTP handler asks for every path: a fault when there is one, else the
site's own page (routes.py).

Faults that need the socket (slow, drip, truncated, huge, unannounced huge, reset) come back as
a Response `action` the HTTP handler carries out (see server.py). The articles here are
written for this project; the names in them are invented.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from monitor.sample_site import render
from monitor.sample_site.content import SECRET
from monitor.sample_site.feeds import FeedItem, news_sitemap, rss, x
from monitor.sample_site.response import HTML, Response, stable
from monitor.sample_site.routes import EPOCH, Router, Site
from monitor.sample_site.script import AUSTAUSCH, GENF

FAULTS_FEED = "/faults/rss.xml"
# Every fixed article-level fault, listed by the faults feed so that one crawl meets all of them.
FAULT_URLS = (
    "/fault/500",
    "/fault/429",
    "/fault/503-date",
    "/fault/slow",
    "/fault/drip",
    "/fault/reset",
    "/fault/truncated",
    "/fault/huge",
    "/fault/huge-unannounced",
    "/fault/wrong-encoding",
    "/fault/latin1-no-charset",
    "/fault/utf8-no-charset",
    "/fault/cp1251",
    "/fault/cp1251-as-latin1",
    "/fault/cp1251-as-utf8",
    "/fault/invalid-html",
    "/fault/loop",
    "/fault/loop-self",
    "/fault/offsite",
    "/fault/redirect-ftp",
    "/fault/redirect-javascript",
    "/fault/redirect-file",
    "/fault/redirect-no-location",
    "/fault/garbage",
    "/fault/pdf",
    "/fault/empty",
)
# Listings that misbehave; each is a feed or sitemap URL of a source of its own.
MALFORMED_FEED = "/fault/feed-malformed.xml"
BIG_FEED = "/fault/feed-10000.xml"
SITEMAP_SELF = "/fault/sitemap-self.xml"
SITEMAP_CHILD = "/fault/sitemap-child.xml"
SITEMAP_LOOP_A = "/fault/sitemap-loop-a.xml"
SITEMAP_LOOP_B = "/fault/sitemap-loop-b.xml"
SITEMAP_SLOW = "/fault/sitemap-slow.xml"  # the child sitemap, answered after ?seconds=
RATE_LIMITED_FEED = "/fault/feed-rate-limited.xml"  # 429 with Retry-After: 3600
LISTING_FAULTS = (
    MALFORMED_FEED,
    BIG_FEED,
    SITEMAP_SELF,
    SITEMAP_CHILD,
    SITEMAP_LOOP_A,
    SITEMAP_LOOP_B,
    SITEMAP_SLOW,
    RATE_LIMITED_FEED,
)
BIG_FEED_ENTRIES = 10_000
BIG_FEED_ITEM = "/fault/many/item-{:05d}.html"  # answered 404: they only have to be counted
# What `SampleSite.set_fault(path, name)` accepts.
ON_DEMAND = ("500", "429", "slow", "drip", "truncated", "huge", "garbage", "empty", "reset")
HUGE_SIZE = 20 * 1024 * 1024
LONG_RETRY_AFTER = 3600

# --- article pages in particular encodings ------------------------------------------------------

# German with umlauts and ß (every character exists in Latin-1), and Cyrillic names.
GERMAN_HEADLINE = "Gespräche über Gefangenenaustausch: Größere Fortschritte als erwartet"
GERMAN_LEAD = "Die Unterhändler äußern sich vorsichtig; über Einzelheiten schweigen beide Seiten."
GERMAN_BODY = (
    "Nach Angaben aus Verhandlungskreisen dauerte das Treffen in einem Hotel an der Straße "
    "zum Flughafen fast neun Stunden. Frühere Runden waren schon nach wenigen Stunden "
    "ergebnislos zu Ende gegangen.",
    "Die Gespräche sollen in der kommenden Woche weitergehen, heißt es. Über mögliche "
    "Grenzfragen sei noch nicht gesprochen worden; zunächst gehe es um die Rückkehr von "
    "Gefangenen und um Zugänge für Hilfsorganisationen.",
    "Für die Menschen in den umkämpften Gebieten ändert sich vorerst wenig. Eine Waffenruhe "
    "gilt weiterhin nicht, und beide Seiten melden nächtliche Angriffe.",
)
CYRILLIC_NAMES = ("Олена Коваленко", "Дмитрий Соколов")
CYRILLIC_PARAGRAPH = (
    f"Für die Delegationen sprachen {CYRILLIC_NAMES[0]} und {CYRILLIC_NAMES[1]}; beide "
    "lehnten Interviews nach dem Treffen ab."
)
# Russian only: windows-1251 has no umlauts.
RUSSIAN_HEADLINE = "Переговоры в Женеве: делегации встретились снова"
RUSSIAN_LEAD = f"{CYRILLIC_NAMES[0]} и {CYRILLIC_NAMES[1]} провели ещё один раунд консультаций."
RUSSIAN_BODY = (
    "По словам участников, встреча продолжалась почти девять часов. Стороны обсуждали обмен "
    "пленными и гуманитарные коридоры для мирного населения.",
    "Следующий раунд запланирован на конец месяца. Подробности договорённостей пока не "
    "раскрываются, сообщили в обеих делегациях.",
    "Наблюдатели называют атмосферу переговоров деловой, но напряжённой. Прежние встречи "
    "заканчивались без результата уже через несколько часов.",
)
# Invalid HTML: unclosed and misnested tags, stray end tags, raw & and <, NUL bytes in the text
# (after the first kilobyte, where a sniffer would take them for binary data).
INVALID_HEADLINE = "Verhandlungen gehen weiter, trotz kaputtem Markup"
INVALID_PARAGRAPHS = (
    "Erster Absatz: Die Unterhändler trafen sich am Morgen erneut, diesmal ohne Beobachter "
    "und ohne Kameras vor dem Eingang.",
    "Zweiter Absatz: Beide Seiten sprachen anschließend von einem sachlichen Gespräch über "
    "Gefangene, Strom und Getreide.",
    "Dritter Absatz: Ein weiteres Treffen ist für den Donnerstag geplant, heißt es aus "
    "diplomatischen Kreisen in Genf.",
)


DISCLAIMER_RU = "Пример страницы проекта newsmon. Все статьи придуманы для тестов."


def article_page(
    headline: str, lead: str, paragraphs: tuple[str, ...], lang: str, meta_charset: str | None
) -> str:
    """A plain article page; `meta_charset=None` leaves the charset undeclared in the HTML."""
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    disclaimer = DISCLAIMER_RU if lang == "ru" else render.DISCLAIMER_DE
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}<title>{escape(headline)}</title>'
        '<meta property="og:type" content="article">'
        f"</head><body><article><h1>{escape(headline)}</h1>"
        f'<p class="lead"><strong>{escape(lead)}</strong></p>\n{body}'
        f"<footer>{escape(disclaimer)}</footer></article></body></html>\n"
    )


def _german(meta_charset: str | None, cyrillic: bool) -> str:
    paragraphs = (*GERMAN_BODY, CYRILLIC_PARAGRAPH) if cyrillic else GERMAN_BODY
    return article_page(GERMAN_HEADLINE, GERMAN_LEAD, paragraphs, "de", meta_charset)


def _russian(meta_charset: str) -> str:
    return article_page(RUSSIAN_HEADLINE, RUSSIAN_LEAD, RUSSIAN_BODY, "ru", meta_charset)


def invalid_html() -> bytes:
    first, second, third = (escape(p) for p in INVALID_PARAGRAPHS)
    second = second.replace("Gefangene", "Gefangene\x00").replace("Strom", "St\x00rom")
    padding = "<!-- " + "Platzhalter " * 100 + "-->"  # the NULs come after the first kilobyte
    page = (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8"><title>Kaputt'
        f"</title>{padding}<body><div class=main><article><h1>{INVALID_HEADLINE}</h2>"
        f"<p>{first}<p><b><i>{second}</b></i></span></div>"
        f"<p>{third} A & B < C <div><p>{escape(render.DISCLAIMER_DE)}"
        "<table><tr><td>Zelle ohne Ende"
    )
    return page.encode("utf-8")


# --- the fixed faults --------------------------------------------------------------------------


def _response(status: int, body: bytes = b"", ctype: str | None = None, **kwargs) -> Response:
    return Response(status, body, ctype or HTML, **kwargs)


def _redirect(location: str) -> Response:
    return _response(302, b"", headers=[("Location", location)])


def fixed_fault(router: Router, path: str) -> Response | None:
    """The answer of a fixed fault URL, or None when `path` is no fault."""
    name = path.removeprefix("/fault/")
    site = router.site
    if path in LISTING_FAULTS or name.startswith("many/"):
        return _listing_fault(router, path)
    if name == "500":
        return _response(500, render.error_page(500))
    if name == "429":
        return _response(429, render.error_page(429), headers=[("Retry-After", "1")])
    if name == "503-date":
        # Retry-After as an HTTP date 2-3 s ahead (RFC 9110 allows seconds or a date).
        when = datetime.now(UTC).timestamp() + 3
        date = format_datetime(datetime.fromtimestamp(when, UTC), usegmt=True)
        return _response(503, render.error_page(503), headers=[("Retry-After", date)])
    if name in ("slow", "drip", "truncated"):
        resp = router.zdf_page(router.state.article(GENF), path, canonical_path=path)
        resp.action = name
        return resp
    if name in ("huge", "huge-unannounced", "reset"):
        return _response(200, b"", action=name)
    if name == "wrong-encoding":
        # The bytes are UTF-8; header and meta both claim Latin-1.
        resp = router.zdf_page(
            router.state.article(AUSTAUSCH), path, canonical_path=path, charset="iso-8859-1"
        )
        resp.ctype = "text/html; charset=iso-8859-1"
        return resp
    encoded = _encoded_page(name)
    if encoded is not None:
        return encoded
    if name == "invalid-html":
        return _response(200, invalid_html())
    redirects = {
        "loop": "/fault/loop-2",
        "loop-2": "/fault/loop",
        "loop-self": "/fault/loop-self",
        "offsite": f"http://localhost:{site.port}{GENF}",
        "redirect-ftp": f"ftp://127.0.0.1:{site.port}/pub/artikel.html",
        "redirect-javascript": "javascript:alert(document.cookie)",
        "redirect-file": "file:///etc/passwd",
    }
    if name in redirects:
        return _redirect(redirects[name])
    if name == "redirect-no-location":
        return _response(302, b"")
    if name == "garbage":
        return _response(200, site.garbage)
    if name == "pdf":
        return _response(200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + site.garbage[:4096])
    if name == "empty":
        return _response(200, b"")
    return None


def _encoded_page(name: str) -> Response | None:
    """Pages whose bytes and declared charset disagree, or whose charset is not declared."""
    pages = {
        # (text, bytes encoding, Content-Type header)
        "latin1-no-charset": (_german(None, cyrillic=False), "latin-1", "text/html"),
        "utf8-no-charset": (_german(None, cyrillic=True), "utf-8", "text/html"),
        "cp1251": (_russian("windows-1251"), "cp1251", "text/html; charset=windows-1251"),
        # A server default (Latin-1) in the header, the page's own meta says windows-1251.
        "cp1251-as-latin1": (
            _russian("windows-1251"),
            "cp1251",
            "text/html; charset=iso-8859-1",
        ),
        # Both header and meta claim UTF-8; the bytes are windows-1251.
        "cp1251-as-utf8": (_russian("utf-8"), "cp1251", "text/html; charset=utf-8"),
    }
    if name not in pages:
        return None
    text, encoding, ctype = pages[name]
    return _response(200, text.encode(encoding), ctype, last_modified=EPOCH)


# --- listings ----------------------------------------------------------------------------------


def _xml(body: bytes, ctype: str = "application/xml") -> Response:
    return _response(200, body, f"{ctype}; charset=utf-8", last_modified=EPOCH)


def listed_articles(site: Site) -> list[str]:
    """The articles the broken feed and the sitemaps link: the two oldest of the English outlet,
    which no scripted step touches."""
    return site.published_paths("world")[-2:]


def _listing_fault(router: Router, path: str) -> Response | None:
    base = router.site.base_url
    if path == MALFORMED_FEED:
        return _xml(malformed_feed(base, listed_articles(router.site)), "application/rss+xml")
    if path == BIG_FEED:
        return router.cached(path, lambda: _xml(big_feed(base), "application/rss+xml"))
    if path in (SITEMAP_SELF, SITEMAP_LOOP_A, SITEMAP_LOOP_B):
        children = {
            SITEMAP_SELF: [SITEMAP_SELF, SITEMAP_CHILD],
            SITEMAP_LOOP_A: [SITEMAP_LOOP_B, SITEMAP_CHILD],
            SITEMAP_LOOP_B: [SITEMAP_LOOP_A],
        }[path]
        return _xml(sitemap_index([base + c for c in children]))
    if path in (SITEMAP_CHILD, SITEMAP_SLOW):
        items = [
            FeedItem(f"Artikel {p}", base + p, "", EPOCH, EPOCH)
            for p in listed_articles(router.site)
        ]
        resp = _xml(news_sitemap(items, "Fehlerfälle", "de"))
        resp.action = "slow" if path == SITEMAP_SLOW else None
        return resp
    if path == RATE_LIMITED_FEED:
        return _response(
            429, render.error_page(429), headers=[("Retry-After", str(LONG_RETRY_AFTER))]
        )
    return _response(404, render.error_page(404))  # the big feed's entries


def malformed_feed(base: str, paths: list[str]) -> bytes:
    """An RSS feed broken halfway: a raw `&`, then an item whose tags never close."""
    items = "".join(
        f"<item><title>Eintrag {i}</title><link>{x(base + p)}</link></item>"
        for i, p in enumerate(paths)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Kaputter Feed</title><link>{x(base)}/</link>{items}"
        "<item><title>Krieg & Frieden<title><link>" + x(base) + "/fault/kaputt</link>"
        "</channel>\n"
    ).encode()


def big_feed(base: str, entries: int = BIG_FEED_ENTRIES) -> bytes:
    """A valid RSS feed with `entries` items of a title and a link each, newest first
    (about 1 MB for 10,000)."""
    items = "".join(
        f"<item><title>Meldung {n}</title><link>{x(base + BIG_FEED_ITEM.format(n))}</link></item>"
        for n in range(1, entries + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Zehntausend Meldungen</title><link>{x(base)}/</link>"
        f"<description>Ein Feed mit sehr vielen Einträgen</description>{items}"
        "</channel></rss>\n"
    ).encode()


def sitemap_index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{x(u)}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
        "</sitemapindex>\n"
    ).encode()


def faults_feed(router: Router) -> Response:
    """An RSS feed linking every fixed fault URL and the page robots.txt forbids."""
    base = router.site.base_url
    items = [
        FeedItem(
            f"Fehlerfall {url.rsplit('/', 1)[1]}",
            base + url,
            f"Die Adresse {url} antwortet absichtlich fehlerhaft.",
            EPOCH,
            EPOCH,
        )
        for url in FAULT_URLS
    ]
    items.append(FeedItem(SECRET.headline, base + SECRET.path, SECRET.lead, EPOCH, EPOCH))
    body = rss(
        title="Fehlerfälle",
        home=f"{base}/",
        description="Jede Adresse ein Fehler",
        lang="de",
        self_url=base + FAULTS_FEED,
        items=items,
        updated=EPOCH,
    )
    return stable(body, "application/rss+xml; charset=utf-8", EPOCH)


# --- what a path answers ------------------------------------------------------------------------


def answer(router: Router, path: str, fault: str | None = None) -> Response:
    """What `path` answers: the on-demand `fault` set on it, a fixed fault, or the site's page."""
    if fault:
        return on_demand(router, path, fault)
    if path == FAULTS_FEED:
        return router.cached(path, lambda: faults_feed(router))
    found = fixed_fault(router, path) if path.startswith("/fault/") else None
    return found if found is not None else router.get(path)


def on_demand(router: Router, path: str, name: str) -> Response:
    """What `path` answers while the on-demand fault `name` is set on it.

    Validators are dropped, so a conditional request cannot turn the fault into a 304.
    """
    if name in ("500", "429"):
        return fixed_fault(router, f"/fault/{name}")
    if name in ("garbage", "empty", "huge", "reset"):
        return fixed_fault(router, f"/fault/{name}")
    resp = answer(router, path)
    return dataclasses.replace(resp, action=name, etag=None, last_modified=None)
