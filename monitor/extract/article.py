"""One news page in, one `Article` out: headline, kicker, lead, body paragraphs, metadata, noise.

A pure function: no Scrapy, no database, no network. The steps, each in the
module named for it:

1. decode the bytes (`monitor.extract.decode`), empty what is never read (`monitor.extract.unread`)
   and parse the rest with lxml;
2. read what the page says about itself: JSON-LD, meta tags (`monitor.extract.pagemeta`);
3. find the headline `<h1>` and split its kicker off (here);
4. remove boxes that are not the article (`monitor.extract.prune`);
5. let trafilatura find the main text (`monitor.extract.maintext`) and sort its blocks into
   body and noise (`monitor.extract.body`, with the line patterns of `monitor.extract.noise`);
6. split the lead off the body (`monitor.extract.lead`).
"""

from __future__ import annotations

import codecs
import dataclasses
import re

from lxml import etree, html

from monitor.errors import ExtractionError
from monitor.extract import body as bodylib
from monitor.extract import pagemeta, spaces
from monitor.extract.boxes import title_link
from monitor.extract.decode import decode_html
from monitor.extract.lead import split_lead
from monitor.extract.maintext import blocks
from monitor.extract.prune import prune
from monitor.extract.unread import empty_unread
from monitor.extract.words import similarity, weight
from monitor.items import Article
from monitor.text import normalize, tidy

__all__ = ["ExtractionError", "extract"]

# Magic numbers of formats that servers send as text/html by mistake.
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
_LEADING_SPACE = re.compile(rb"\s*")  # what bytes.lstrip() strips
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control characters and U+FFFD: many of them mean binary data was decoded as text.
_BINARY_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_SEPARATORS = " :|-–—·•/»›,"
_MIN_WORDS = 25  # below this, a page without article metadata is a stub, a gallery or an index

# The classes lxml.html gives a page's nodes, looked up in C. lxml.html's parser asks a Python
# method for a node's class whenever the node gets a Python object, thousands of times per
# page (by us and by trafilatura, whose copies of the tree inherit the parser): 5 % of the
# time extraction took. The classes are the same: lxml.html's own for form fields and labels,
# `HtmlElement` for every other element.
_ELEMENT_CLASSES = etree.ElementNamespaceClassLookup(
    etree.ElementDefaultClassLookup(
        element=html.HtmlElement,
        comment=html.HtmlComment,
        pi=html.HtmlProcessingInstruction,
        entity=html.HtmlEntity,
    )
)
_ELEMENT_CLASSES.get_namespace(None).update(
    getattr(html.HtmlElementClassLookup, "_default_element_classes", {})  # lxml.html's own
)


def extract(html_doc: bytes | str, url: str, encoding: str | None = None) -> Article:
    """Turn one article page into an `Article`; raise `ExtractionError` when it is not one.

    `encoding` is what the HTTP response declared; it is only used when the
    bytes are not valid UTF-8 (servers often declare iso-8859-1 for UTF-8 pages).
    """
    try:
        return _extract(html_doc, url, encoding)
    except ExtractionError:
        raise
    except Exception as exc:
        # Hostile markup can break any parser; the caller needs one error type and the reason.
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}") from exc


def _decode(data: bytes, encoding: str | None) -> tuple[str, bytes | None]:
    """`decode_html(data)`, and `data` itself when that is the text's UTF-8 already.

    Most pages are UTF-8 without a byte-order mark (or NUL bytes, which the text loses):
    decode_html() reads them as UTF-8, and encoding the text again would give `data`.
    """
    if not data.startswith(_BOMS) and b"\x00" not in data:
        try:
            return data.decode("utf-8"), data
        except UnicodeDecodeError:
            pass
    return decode_html(data, encoding), None


def _parse(data: bytes | str, encoding: str | None) -> html.HtmlElement:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, (bytes, str)):
        raise ExtractionError(f"expected the page as bytes or str, not {type(data).__name__}")
    utf8 = None  # the page as UTF-8 bytes, when `data` already is them
    if isinstance(data, bytes):
        if not data or data.isspace():
            raise ExtractionError("empty page")
        start = _LEADING_SPACE.match(data).end()
        if data.startswith(_BINARY_MAGIC, start) or b"\x00" in data[:1024]:
            raise ExtractionError("binary content served as HTML")
        # Most bytes of a page are scripts and style sheets: emptied first, neither the text nor
        # lxml's tree holds them (in the charsets pages use, their tags are ASCII bytes).
        text, utf8 = _decode(empty_unread(data), encoding)
    else:
        text = empty_unread(data)
    if utf8 is None:
        text = text.replace("\x00", "")
    if not text or text.isspace():
        raise ExtractionError("empty page")
    sample = text[:2048]
    if "<" not in text or len(_BINARY_CHARS.findall(sample)) > 0.05 * len(sample):
        raise ExtractionError("not HTML")
    # Hand lxml UTF-8 bytes and say so, so a stale <meta charset> cannot decode the text again.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    if utf8 is None:
        utf8 = text.encode("utf-8", "replace")
    try:
        root = html.document_fromstring(utf8, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unparseable HTML: {exc}") from None
    if root is None or root.find("body") is None:
        raise ExtractionError("no HTML body")
    _slim(root)
    # Ruby readings over Japanese characters are a reading aid, in the headline as in the text.
    if next(root.iter("rt", "rp"), None) is not None:  # lxml looks in C: a microsecond
        etree.strip_elements(root, "rt", "rp", with_tail=False)
    return root


# Presentational attributes that neither this extractor nor trafilatura reads. Dropped after
# parsing, with the blank text between a table's rows and cells: on a page of 7,000 table
# cells they were a third of each of the three trees alive at once (27 -> 19 MB at its peak).
_UNREAD_ATTRIBUTES = ("width", "height", "align", "valign", "bgcolor", "border", "cellpadding")
_UNREAD_ATTRIBUTES += ("cellspacing", "srcset", "sizes", "loading", "decoding")


def _slim(root: html.HtmlElement) -> None:
    etree.strip_attributes(root, *_UNREAD_ATTRIBUTES)
    for el in root.iter("table", "tbody", "thead", "tfoot", "tr"):
        if el.text is not None and el.text.isspace():
            el.text = None
        for child in el:
            if child.tail is not None and child.tail.isspace():
                child.tail = None


def _extract(data: bytes | str, url: str, encoding: str | None) -> Article:
    root = _parse(data, encoding)
    meta = pagemeta.read(root, url)
    h1, kicker, headline = _headline(root, meta)
    spaced = spaces.spaced_blocks(root)  # trafilatura loses no-break spaces: read them first
    noise = prune(root, keep=h1, article=meta.is_article)
    titles = [t for t in (headline, kicker, meta.headline, meta.title, *meta.other_headlines) if t]
    if h1 is not None:
        titles.append(tidy(h1.text_content()))
    if kicker:
        titles.append(f"{kicker} {headline}")
    teasers = [] if meta.is_article else _teasers(root)
    body, more_noise, byline = bodylib.sort(blocks(root), titles)
    if _is_index(teasers, body):
        raise ExtractionError("an index page: its text is teasers for other pages")
    noise += more_noise
    if meta.article_body:
        body = bodylib.rescue(root, body, meta.article_body)
    body = bodylib.restore_headings(root, body, titles)
    lead, body = split_lead(root, h1, body, meta.descriptions, noise, titles)
    body = spaces.restore(body, spaced)
    words = sum(weight(p) for p in [lead, *body])
    if not words:
        raise ExtractionError("no article text")
    if words < _MIN_WORDS and not meta.is_article:
        raise ExtractionError(f"not an article ({words} words of text)")
    return dataclasses.replace(
        meta.declared,
        headline=tidy(headline or meta.headline or meta.title),
        kicker=tidy(kicker),
        lead=lead,
        body=body,
        byline=meta.declared.byline or tidy(byline),
        noise=bodylib.dedupe(noise),
    )


def _teasers(root: html.HtmlElement) -> list[set[str]]:
    """The paragraphs of each box that opens with a linked title (a teaser), as keys."""
    found = []
    for box in root.iter("li", "article", "div", "section"):
        if title_link(box) is None:
            continue
        if keys := {_key(p.text_content()) for p in box.iter("p")} - {""}:
            found.append(keys)
    return found


def _is_index(teasers: list[set[str]], body: list[str]) -> bool:
    """Three or more teasers hold most of the text found: a section front. Judged on the text
    extraction kept, not on all of the page's paragraphs: an article whose text stands outside
    `<p>` beside a list of related teasers is still an article."""
    if len(teasers) < 3:
        return False
    inside = set().union(*teasers)
    total = sum(weight(p) for p in body)
    return total > 0 and sum(weight(p) for p in body if _key(p) in inside) >= 0.5 * total


def _key(text: str) -> str:
    return " ".join(normalize(text).casefold().split())


def _headline(root: html.HtmlElement, meta: pagemeta.PageMeta) -> tuple:
    """The on-page `<h1>` that is the visible main headline, as (element, kicker, headline).

    Pages print the headline two or three times (a hidden mobile header, a sticky bar, the
    article's header). The copies like the declared headline (JSON-LD `headline`, else
    og:title) are the candidates, and of those the one in the article, outside the site's
    chrome, wins: by where it stands, not by how close it is to the metadata, so the same
    copy is chosen after an edit to it. Without an `<h1>`, both are left to the caller.
    """
    h1s = [h for h in root.iter("h1") if normalize(h.text_content())]
    if not h1s:
        return None, "", ""
    h1s = [h for h in h1s if not _hidden(h)] or h1s
    hints = [t for t in (meta.headline, meta.title) if t]
    scores = {h: max((similarity(h.text_content(), t) for t in hints), default=0.0) for h in h1s}
    top = max(scores.values())
    like = [h for h in h1s if scores[h] >= 0.5 and scores[h] >= top - 0.3] or h1s
    best = min(like, key=lambda h: (_in_chrome(h), not _in_content(h)))  # first of equals
    kicker, headline = _split_kicker(best)
    return best, kicker, headline


_HIDDEN_CLASSES = {"hidden", "d-none", "is-hidden", "visually-hidden", "sr-only"}


def _hidden(el: html.HtmlElement) -> bool:
    """Hidden by its markup (a copy for another screen or for screen readers)."""
    for node in (el, *el.iterancestors()):
        style = (node.get("style") or "").replace(" ", "").lower()
        if node.get("hidden") is not None or node.get("aria-hidden") == "true":
            return True
        if "display:none" in style or "visibility:hidden" in style:
            return True
        if _HIDDEN_CLASSES & set((node.get("class") or "").lower().split()):
            return True
    return False


def _in_content(el: html.HtmlElement) -> bool:
    return any(a.tag in ("article", "main") or a.get("role") == "main" for a in el.iterancestors())


def _in_chrome(el: html.HtmlElement) -> bool:
    """In the site's navigation, sidebar or footer, or a page header outside the article."""
    for a in el.iterancestors():
        if a.tag in ("article", "main"):
            return False
        if a.tag in ("nav", "aside", "footer", "header"):
            return True
        if a.get("role") in ("banner", "navigation", "complementary", "contentinfo"):
            return True
    return False


def _split_kicker(h1: html.HtmlElement) -> tuple[str, str]:
    """(kicker, headline) from an `<h1>` built of parts, as ZDF, tagesschau and Bild print it.

    `<h1><span>Kicker</span><span>:</span><span>Headline</span></h1>`: the last
    part is the headline, the parts before it the kicker. Only element children
    count as parts, and only when no loose words sit between them, so
    `<h1><em>Not</em> a kicker</h1>` stays whole.
    """
    loose = (h1.text or "") + "".join(child.tail or "" for child in h1)
    children = [c for c in h1 if isinstance(c.tag, str) and c.tag not in ("br", "meta")]
    parts = [tidy(c.text_content()) for c in children]
    parts = [p for p in parts if any(ch.isalnum() for ch in p)]
    has_loose_words = any(ch.isalnum() for ch in loose)
    if len(children) == 1 and len(children[0]) and not has_loose_words:
        return _split_kicker(children[0])  # one wrapper around the parts
    if len(parts) >= 2 and not has_loose_words:
        if parts[-1][0].islower():  # a headline set over several lines continues a sentence
            return "", " ".join(parts)
        return " ".join(parts[:-1]).strip(_SEPARATORS), parts[-1]
    kicker = ""
    group = h1.getparent()
    if group is not None and group.tag == "hgroup":  # <hgroup><p>Kicker</p><h1>…</h1></hgroup>
        before = [tidy(el.text_content()) for el in group if el.tag == "p"]
        kicker = before[0] if before else ""
    return kicker.strip(_SEPARATORS), tidy(h1.text_content())
