"""One fetched page in, one `Article` out: the extractor's single entry point.

A page is read as a live blog when its JSON-LD says it is one (a `LiveBlogPosting`) or the
config lists its URL, and it has entries (`monitor.extract.liveblog`); every other page, and a
listed page without entries, is read as an article (`monitor.extract.article`).
"""

from __future__ import annotations

import trafilatura.utils
from lxml import html

from monitor import text
from monitor.errors import ExtractionError
from monitor.extract import liveblog, noise, pagemeta
from monitor.extract.article import extract
from monitor.extract.decode import decode_html
from monitor.extract.unread import empty_unread
from monitor.items import Article
from monitor.text import tidy


def extract_page(data: bytes, url: str, encoding: str | None = None, live: bool = False) -> Article:
    """`extract`, and for a live blog (JSON-LD says so, or `live` because the config lists the
    URL) its entries as well. A listed page without entries is read as an article."""
    if not live and liveblog.MARKER not in data:
        return extract(data, url, encoding)
    try:
        root = html.document_fromstring(
            decode_html(empty_unread(data), encoding).encode("utf-8"),
            parser=html.HTMLParser(encoding="utf-8"),
        )
    except (ValueError, TypeError, html.etree.ParserError) as exc:
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}") from None
    blog = liveblog.blog_node(root)
    if blog is None and not live:
        return extract(data, url, encoding)
    entries = liveblog.page_entries(root, blog)
    if not entries:
        return extract(data, url, encoding)
    try:
        article = extract(data, url, encoding)
    except ExtractionError:  # a stream of short entries can look like no article at all
        article = Article(url=url, headline=_page_headline(root, blog))
    article.lead = pagemeta.clean((blog or {}).get("description"))
    article.entries = entries
    article.body = [e.line() for e in entries]
    return article


def _page_headline(root: html.HtmlElement, blog: dict | None) -> str:
    heading = next(root.iter("h1"), None)
    if heading is not None and tidy(heading.text_content()):
        return tidy(heading.text_content())
    return pagemeta.clean((blog or {}).get("headline")) or "Live blog"


# Caches of line-sized strings that pay off within a page, not across pages: a worker kept
# about 10 MB of them (and the heap around them) for no fewer instructions.
_PAGE_CACHES = (
    text._normalize_short,
    text._tidy_short,
    noise._is_noise_short,
    noise._is_call_label,
    trafilatura.utils.trim,
    trafilatura.utils.line_processing,
)


def forget() -> None:
    """Empty the caches that hold the last page's lines (a worker calls it after each page)."""
    for cache in _PAGE_CACHES:
        cache.cache_clear()
