"""What a listing holds: the article links of a feed (RSS 2.0, RSS 1.0/RDF, Atom), and why a
document is not the XML it should be, and how far a crawl follows sitemap indexes. Sitemaps
are read with Scrapy's Sitemap, section pages with CSS selectors (spiders.news).
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

fetch_log = logging.getLogger("newsmon.fetch")

# Sitemaps this crawl fetched because an index named them (the crawler's stats are per crawl).
_FROM_INDEXES = "newsmon/sitemaps_from_indexes"


def feed_links(body: bytes, recover: bool = False) -> list[str] | None:
    """Article links of an RSS 2.0, RSS 1.0/RDF or Atom feed; None when it is not XML.
    With `recover`, the links lxml can still read from broken XML."""
    try:
        root = etree.fromstring(body, parser=_feed_parser(recover))
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    links: list[str] = []
    for entry in root.iter("{*}item", "{*}entry"):
        link = None
        for child in entry:
            if not isinstance(child.tag, str):
                continue
            local = etree.QName(child).localname
            if local == "link":
                rel = child.get("rel", "alternate")
                href = child.get("href") or (child.text or "").strip()
                if href and rel == "alternate":
                    link = href
                    break
            elif local == "guid" and child.get("isPermaLink", "true") == "true" and not link:
                link = (child.text or "").strip() or None
        if link is None and entry.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"):
            link = entry.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        if link:
            links.append(link)
    return links


def _feed_parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=recover
    )


def xml_problem(body: bytes) -> str:
    """Where and why a document is not well-formed XML, as lxml reports it first."""
    try:
        etree.fromstring(body, parser=_feed_parser(False))
    except etree.XMLSyntaxError as exc:
        return str(exc.msg)  # lxml names the line and column
    return "no root element"


def within_bounds(named: list[str], depth: int, crawler: Any, source: str, url: str) -> list[str]:
    """The sitemaps named by the index at `url` (`depth` levels below a configured sitemap) that
    this crawl fetches; the first refused says which limit in one log line of the crawl."""
    stats = crawler.stats
    for done, _ in enumerate(named):
        limit = sitemap_bound(crawler.settings, stats, depth)
        if limit is None:
            continue
        left = len(named) - done
        if not stats.get_value("newsmon/dropped/over_sitemap_limit"):
            fetch_log.warning(
                "%s: %s: %s; %d sitemap(s) it names not fetched", source, url, limit, left
            )
        stats.inc_value("newsmon/dropped/over_sitemap_limit", left)
        return named[:done]
    return named


def sitemap_bound(settings: Any, stats: Any, depth: int) -> str | None:
    """The limit that refuses one more sitemap named by an index `depth` levels below a
    configured sitemap, or None: then it counts against this crawl's NEWSMON_MAX_SITEMAP_FETCHES.
    """
    max_depth = settings.getint("NEWSMON_MAX_SITEMAP_DEPTH", 3)
    if 0 < max_depth < depth:
        return f"sitemap indexes nested more than {max_depth} deep (NEWSMON_MAX_SITEMAP_DEPTH)"
    max_fetches = settings.getint("NEWSMON_MAX_SITEMAP_FETCHES", 50)
    if 0 < max_fetches <= (stats.get_value(_FROM_INDEXES) or 0):
        return (
            f"{max_fetches} sitemaps fetched through indexes in this crawl "
            "(NEWSMON_MAX_SITEMAP_FETCHES)"
        )
    stats.inc_value(_FROM_INDEXES)
    return None
