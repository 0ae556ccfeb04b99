"""What a listing holds: the article links of a feed (RSS 2.0, RSS 1.0/RDF, Atom), and why a
document is not the XML it should be. Sitemaps are read with Scrapy's Sitemap, section pages
with CSS selectors (spiders.news).
"""

from __future__ import annotations

from lxml import etree


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
