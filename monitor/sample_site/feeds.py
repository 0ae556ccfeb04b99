"""Machine-readable listings of the sample site: RSS 2.0, Atom, a news sitemap, robots.txt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape

from monitor.sample_site.content import ArticleDoc


@dataclass
class FeedItem:
    """One entry of a feed or sitemap."""

    title: str
    url: str
    summary: str
    published: datetime
    updated: datetime
    author: str = ""
    category: str = ""


def x(text: str) -> str:
    """Text escaped for XML element content and attribute values."""
    return escape(text, quote=True)


def items_for(docs: list[ArticleDoc], base: str) -> list[FeedItem]:
    return [
        FeedItem(d.headline, base + d.path, d.lead, d.published, d.modified, d.byline, d.section)
        for d in docs
    ]


def rss(
    *,
    title: str,
    home: str,
    description: str,
    lang: str,
    self_url: str,
    items: list[FeedItem],
    updated: datetime,
) -> bytes:
    """An RSS 2.0 channel with an atom:link to itself and dc:creator per item."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" ',
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
        f"<title>{x(title)}</title><link>{x(home)}</link>",
        f"<description>{x(description)}</description><language>{lang}</language>",
        f'<atom:link href="{x(self_url)}" rel="self" type="application/rss+xml"/>',
        f"<lastBuildDate>{format_datetime(updated)}</lastBuildDate>",
    ]
    for item in items:
        out += [
            f"<item><title>{x(item.title)}</title><link>{x(item.url)}</link>",
            f'<guid isPermaLink="true">{x(item.url)}</guid>',
            f"<description>{x(item.summary)}</description>",
            f"<pubDate>{format_datetime(item.published)}</pubDate>",
        ]
        if item.author:
            out.append(f"<dc:creator>{x(item.author)}</dc:creator>")
        if item.category:
            out.append(f"<category>{x(item.category)}</category>")
        out.append("</item>")
    out.append("</channel></rss>\n")
    return "".join(out).encode()


def atom(
    *, title: str, home: str, lang: str, self_url: str, items: list[FeedItem], updated: datetime
) -> bytes:
    """An Atom 1.0 feed; entry ids are the article URLs."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">',
        f"<title>{x(title)}</title><id>{x(home)}</id>",
        f'<link rel="self" type="application/atom+xml" href="{x(self_url)}"/>',
        f'<link rel="alternate" type="text/html" href="{x(home)}"/>',
        f"<updated>{updated.isoformat()}</updated>",
    ]
    for item in items:
        out += [
            f"<entry><title>{x(item.title)}</title><id>{x(item.url)}</id>",
            f'<link rel="alternate" type="text/html" href="{x(item.url)}"/>',
            f"<published>{item.published.isoformat()}</published>",
            f"<updated>{item.updated.isoformat()}</updated>",
            f"<author><name>{x(item.author or title)}</name></author>",
            f'<summary type="text">{x(item.summary)}</summary></entry>',
        ]
    out.append("</feed>\n")
    return "".join(out).encode()


def news_sitemap(items: list[FeedItem], publication: str, lang: str) -> bytes:
    """A sitemaps.org urlset with Google News entries (publication, date, title) and lastmod."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" ',
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
    ]
    for item in items:
        out += [
            f"<url><loc>{x(item.url)}</loc><lastmod>{item.updated.isoformat()}</lastmod>",
            "<news:news><news:publication>",
            f"<news:name>{x(publication)}</news:name><news:language>{lang}</news:language>",
            "</news:publication>",
            f"<news:publication_date>{item.published.isoformat()}</news:publication_date>",
            f"<news:title>{x(item.title)}</news:title></news:news></url>",
        ]
    out.append("</urlset>\n")
    return "".join(out).encode()


def robots(base: str, sitemap_path: str) -> bytes:
    return (
        "# Sample site of the newsmon project\n"
        "User-agent: *\n"
        "Disallow: /private/\n"
        "\n"
        f"Sitemap: {base}{sitemap_path}\n"
    ).encode()
