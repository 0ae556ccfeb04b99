"""What a fetched document offers a new source, read without the network: a page's links and
the feeds it announces, robots.txt's sitemaps, and whether a document is a feed or a sitemap."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree, html

from monitor.urls import normalize_url
from spiders.listings import feed_links

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# Where outlets put feeds and news sitemaps when no page links them (see ../shared/sites.md):
# at the root, and under a section ("/wirtschaft/index.rss", "/politik/rss").
FEED_PATHS = ("feed", "rss", "rss.xml", "index.rss", "feed.xml", "atom.xml", "index.xml")
SITEMAP_PATHS = ("news-sitemap.xml", "sitemap-news.xml", "sitemap_news.xml", "sitemaps/news.xml")
_SITEMAPS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def parse_html(body: bytes) -> html.HtmlElement | None:
    try:
        return html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return None


def page_links(root: html.HtmlElement, base: str) -> list[str]:
    """Every http(s) link of the page, absolute and normalized, in page order, once each."""
    seen: dict[str, None] = {}
    for href in root.xpath("//a/@href"):
        url = urljoin(base, str(href).strip())
        if urlsplit(url).scheme in ("http", "https"):
            seen.setdefault(normalize_url(url), None)
    return list(seen)


def announced_feeds(root: html.HtmlElement, base: str) -> list[str]:
    """The feeds a page names in `<link rel="alternate" type="application/rss+xml">`."""
    found: dict[str, None] = {}
    for link in root.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            found.setdefault(urljoin(base, link.get("href").strip()), None)
    return list(found)


def robots_sitemaps(text: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt, in order."""
    found = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            found.append(value.strip())
    return found


def guessed_listings(url: str, names: tuple[str, ...]) -> list[str]:
    """`names` under the page's own path (its section) and under the site's root."""
    parts = urlsplit(url)
    head, _, last = parts.path.rpartition("/")
    # "/politik/ausland" is a section; "/politik/index.html" is a page of the section "/politik/".
    section = (head if "." in last else parts.path.rstrip("/")) + "/"
    bases = dict.fromkeys([section, "/"])
    return [urlunsplit((parts.scheme, parts.netloc, b + n, "", "")) for b in bases for n in names]


def listing_kind(body: bytes) -> str | None:
    """ "feed", "news sitemap", "sitemap" or "sitemap index"; None for anything else."""
    try:
        root = etree.fromstring(
            body, parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError:
        return None
    if root is None or not isinstance(root.tag, str):
        return None
    local = etree.QName(root).localname
    if local in ("rss", "feed", "RDF"):
        return "feed" if feed_links(body) is not None else None
    if local == "sitemapindex":
        return "sitemap index"
    if local == "urlset":
        return "news sitemap" if root.find(f".//{{{_NEWS}}}news") is not None else "sitemap"
    return None


def listing_links(body: bytes, kind: str) -> list[str]:
    """The article links of a feed or a (news) sitemap."""
    if kind == "feed":
        return feed_links(body) or []
    root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return [(loc.text or "").strip() for loc in root.iter(f"{{{_SITEMAPS}}}loc") if loc.text]
