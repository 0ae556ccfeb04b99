"""What a news page says about itself: JSON-LD, meta tags, `<time>`, `<link rel=canonical>`.

Publishers fill these for search engines, so they outlive markup changes; the
extractor trusts them first and the visible page second.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import html

from monitor.items import Article
from monitor.text import tidy
from monitor.urls import same_site

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ReviewNewsArticle",
    "LiveBlogPosting",
    "BlogPosting",
    "Report",
}

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date.issued",
    "dcterms.created",
    "date",
    "parsely-pub-date",
    "sailthru.date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "dc.date.modified",
    "dcterms.modified",
)
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class PageMeta:
    """Everything the page declares about the article, already cleaned."""

    article: dict = field(default_factory=dict)  # the JSON-LD article node, or {}
    meta: dict[str, str] = field(default_factory=dict)  # lowercased name/property → content
    headline: str = ""  # JSON-LD headline
    other_headlines: list[str] = field(default_factory=list)  # JSON-LD alternativeHeadline
    title: str = ""  # og:title, else <title>
    descriptions: list[str] = field(default_factory=list)
    article_body: str = ""  # JSON-LD articleBody
    is_article: bool = False  # JSON-LD or og:type says so
    # The article's metadata as the page declares it (byline, dates, canonical URL, language,
    # site name), in the Article the extractor fills with the text.
    declared: Article | None = None


def read(root: html.HtmlElement, url: str) -> PageMeta:
    """Collect the page's own statements about the article."""
    pm = PageMeta()
    for el in root.iter("meta"):
        names = (el.get(a) for a in ("property", "name", "itemprop", "http-equiv"))
        key = next((n.strip().lower() for n in names if n and n.strip()), "")
        content = el.get("content")
        if key and content and key not in pm.meta:
            pm.meta[key] = content.strip()  # the first of repeated tags is the page's own
    pm.article = _article_node(list(json_ld_nodes(root)), url)
    art = pm.article
    pm.headline = clean(art.get("headline"))
    alternative = art.get("alternativeHeadline")
    for value in alternative if isinstance(alternative, list) else [alternative]:
        if clean(value):
            pm.other_headlines.append(clean(value))
    title_el = root.find(".//title")
    pm.title = clean(pm.meta.get("og:title")) or clean(
        title_el.text_content() if title_el is not None else ""
    )
    for desc in (art.get("description"), pm.meta.get("og:description"), pm.meta.get("description")):
        text = clean(desc)
        if text and text not in pm.descriptions:
            pm.descriptions.append(text)
    pm.article_body = clean(art.get("articleBody"))
    pm.declared = _declared(root, url, art, pm.meta)
    pm.is_article = bool(art) or pm.meta.get("og:type", "").lower() == "article"
    pm.title = _without_site_name(pm.title, pm.declared.site_name)
    return pm


def _declared(root: html.HtmlElement, url: str, art: dict, meta: dict[str, str]) -> Article:
    """The article's metadata from its JSON-LD node `art` and the `meta` tags."""
    # The page's <time> elements only when JSON-LD and meta tags name no date: finding them
    # costs a search of the whole page.
    published = _first_date(
        [art.get("datePublished"), art.get("dateCreated")] + [meta.get(k) for k in _PUBLISHED_META]
    ) or _first_date(_time_values(root, "datePublished"))
    modified = _first_date(
        [art.get("dateModified")] + [meta.get(k) for k in _MODIFIED_META]
    ) or _first_date(_time_values(root, "dateModified", first=False))
    publisher = art.get("publisher")
    site_name = (
        clean(meta.get("og:site_name"))
        or (clean(publisher.get("name")) if isinstance(publisher, dict) else "")
        or clean(meta.get("application-name"))
    )
    return Article(
        url,
        byline=_authors(art.get("author")) or clean(meta.get("author")),
        published=published,
        modified=modified,
        canonical_url=_canonical(root, url, meta),
        language=_language(root, art, meta),
        site_name=site_name,
    )


def _without_site_name(title: str, site_name: str) -> str:
    """ "Headline - ZDFheute" → "Headline": titles often end with the site's name."""
    for sep in (" - ", " – ", " — ", " | ", " · ", ": "):
        head, found, tail = title.rpartition(sep)
        if found and head and site_name and tail.casefold() == site_name.casefold():
            return head
    return title


def clean(value: object) -> str:
    """Metadata text as a reader sees it: entities decoded, tags dropped, spaces tidied."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if not isinstance(value, str):
        return ""
    return tidy(_TAGS.sub(" ", htmllib.unescape(value)))


def json_ld_nodes(root: html.HtmlElement):
    """Every object in every JSON-LD block, flattening lists and `@graph`."""
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        raw = re.sub(r"^\s*(<!--|<!\[CDATA\[)|(-->|\]\]>)\s*$", "", raw)
        try:
            data = json.loads(
                raw, strict=False
            )  # strict=False: raw newlines inside strings are common
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                for key in ("@graph", "mainEntity"):
                    if isinstance(item.get(key), (list, dict)):
                        stack.append(item[key])


def node_types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _article_node(nodes: list[dict], url: str) -> dict:
    """The article among the JSON-LD objects: an article type with a headline, about this URL.

    Pages list related articles in JSON-LD too; the one whose address is the
    page's own wins, then the first with a headline.
    """
    candidates = [n for n in nodes if node_types(n) & ARTICLE_TYPES]
    here = _bare(url)

    def rank(node: dict) -> tuple[bool, bool]:
        page = node.get("mainEntityOfPage")
        ids = [
            node.get("url"),
            node.get("@id"),
            page.get("@id") if isinstance(page, dict) else page,
        ]
        return (
            any(isinstance(i, str) and _bare(i) == here for i in ids),
            bool(node.get("headline")),
        )

    return max(candidates, key=rank, default={})  # max() keeps the first of equals


def _bare(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{(parts.hostname or '').removeprefix('www.')}{parts.path.rstrip('/')}"


def _authors(value: object) -> str:
    """JSON-LD author(s) as one line: a string, a Person, or a list of either."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = clean(item.get("name")) if isinstance(item, dict) else clean(item)
        if name and name not in names:
            names.append(name)
    return ", ".join(names)


def iso_date(value: object) -> str | None:
    """An ISO 8601 string for a date in any of the forms pages use, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    candidate = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace(" ", "T", 1))
    try:
        return datetime.fromisoformat(candidate).isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).isoformat()  # RFC 2822, as in Last-Modified
    except (TypeError, ValueError, IndexError):
        pass
    match = re.search(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?", text)
    if match:
        try:
            return datetime.fromisoformat(match.group(0)).isoformat()
        except ValueError:
            return None
    return None


def _first_date(values: list[object]) -> str | None:
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else None
        date = iso_date(value)
        if date:
            return date
    return None


def _time_values(root: html.HtmlElement, itemprop: str, first: bool = True) -> list[str]:
    """`<time datetime>` values: the ones marked with `itemprop` first, then (if `first`) any."""
    marked = [
        t.get("datetime") or t.get("content") or ""
        for t in root.xpath(f'//*[@itemprop="{itemprop}"]')
    ]
    if not first:
        return marked
    plain = [t.get("datetime") for t in root.iter("time") if t.get("datetime")]
    return marked + plain[:1]


def _canonical(root: html.HtmlElement, url: str, meta: dict[str, str]) -> str | None:
    """`<link rel=canonical>`, else og:url; only on the page's own site and not its front page."""
    links = [
        el.get("href")
        for el in root.iter("link")
        if "canonical" in (el.get("rel") or "").lower().split() and el.get("href")
    ]
    for href in [*links, meta.get("og:url")]:
        if not href:
            continue
        absolute = urljoin(url, href.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not same_site(absolute, url):
            continue
        if parts.path in ("", "/") and urlsplit(url).path not in ("", "/"):
            continue  # a canonical pointing at the home page is a template error, not identity
        return absolute
    return None


def _language(root: html.HtmlElement, art: dict, meta: dict[str, str]) -> str | None:
    """The primary language subtag ("de", "en") from `<html lang>`, JSON-LD, or og:locale."""
    in_language = art.get("inLanguage")
    if isinstance(in_language, dict):
        in_language = in_language.get("alternateName") or in_language.get("name")
    for value in (
        root.get("lang"),
        root.get("xml:lang"),
        in_language,
        meta.get("og:locale"),
        meta.get("content-language"),
        meta.get("language"),
    ):
        if isinstance(value, str):
            match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value)
            if match:
                return match.group(1).lower()
    return None
