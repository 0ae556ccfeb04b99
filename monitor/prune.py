"""Clean a parsed news page before the content extractor reads it.

`prune()` removes boxes whose *shape* says they are not the article: embedded
video teasers (a `DD.MM.YYYY | m:ss min` line), pictures with their captions,
consent placeholders for embeds, teaser cards that link elsewhere, lists of
links, asides of links, share bars, and site chrome. It builds on elements,
roles, data-testid values and link density, never on generated CSS class
names (ZDF's change with every deploy).

It also repairs what would garble the text: quote boxes (`<figure>` around a
`<blockquote>`) become plain paragraphs, because they are article text; a
drop cap is glued back to its word; empty spacer elements between sentences
become line breaks.
"""

from __future__ import annotations

import re

from lxml import etree, html

from monitor.noise import MEDIA_LINE, is_noise
from monitor.text import normalize

# data-testid / data-component values that name a box around the text. People
# write these, unlike hashed class names, so they survive deploys.
_NOISE_TESTID = re.compile(
    r"teaser|related|recommend|share|social|topic-?tags|newsletter|promo|paywall|comment"
    r"|breadcrumb|navigation|footer|advert|\bads?\b|banner|outbrain|taboola",
    re.IGNORECASE,
)
# Site chrome: removed without a trace in `Article.noise`.
_CHROME_ROLES = {"navigation", "contentinfo", "dialog", "search", "menu", "menubar", "banner"}
_CHROME_TAGS = ("nav", "footer", "dialog", "select", "template", "form")
_SILENT_TAGS = ("script", "style", "noscript", "svg", "video", "audio", "iframe", "source", "track")

# Placeholder boxes for embeds (charts, videos, posts) that load only after consent.
_CONSENT = re.compile(
    r"datenschutz|einwilligung|zustimmung|externe[nr]? inhalt|privacy|consent|cookie"
    r"|external content|third[- ]party content",
    re.IGNORECASE,
)
# Inline markup inside a line. A <span> is not among them: sites build boxes from spans.
_INLINE = {"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "mark", "q", "s", "small", "strong"}
_INLINE |= {"sub", "sup", "time", "u"}
_LINE_TAGS = {"p", "div", "span", "small", "h2", "h3", "h4", "h5", "h6"}
_TEXT_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "a", "td")

_MEDIA_HINT = re.compile(r"\d:\d\d|verfügbar", re.IGNORECASE)  # cheap test before MEDIA_LINE
_BOX_LIMIT = 700  # characters: a teaser or consent box is short; article sections are not
_CAPTION_LIMIT = 300  # characters: a caption with its credit line


def prune(root: html.HtmlElement, keep: html.HtmlElement | None = None) -> list[str]:
    """Remove what is not article text from `root`, in place; return the text of the boxes removed.

    `keep` (the headline element) and its ancestors are never removed. Site
    chrome (menus, footers) goes silently: `Article.noise` is for what stood
    around the article, not for the whole site.
    """
    protected = set() if keep is None else {keep, *keep.iterancestors()}
    noise: list[str] = []
    text_total = _paragraph_text_len(root)
    has_region = next(root.iter("main", "article"), None) is not None

    def drop(el: html.HtmlElement, record: bool = True) -> bool:
        if el in protected or not _attached(el, root):
            return False
        if _paragraph_text_len(el) > max(500, 0.3 * text_total):
            return False  # broken markup can put the whole article in an <aside>: keep the text
        in_region = not has_region or any(a.tag in ("main", "article") for a in el.iterancestors())
        if record and in_region:
            noise.extend(_block_texts(el))
        _remove_keep_tail(el)
        return True

    for el in list(root.iter(*_SILENT_TAGS)):
        _remove_keep_tail(el)
    _repair(root)
    for el in list(root.iter(*_CHROME_TAGS)):
        drop(el, record=False)
    for el in list(root.iter("figure", "figcaption")):
        drop(el)
    for el in _media_boxes(root, protected):
        drop(el)
    for el in list(root.iter("button")):
        box = _consent_box(el, protected)
        if box is None:
            drop(el, record=False)
        else:
            drop(box)
    # One walk in document order for the rest; a removed box is not entered.
    stack = [root]
    while stack:
        el = stack.pop()
        testid = el.get("data-testid") or el.get("data-component") or ""
        dropped = False
        if (el.get("role") or "").lower() in _CHROME_ROLES:
            dropped = drop(el, record=False)
        elif testid and _NOISE_TESTID.search(testid):
            dropped = drop(el)
        elif el.tag == "aside":
            if _is_prose_box(el):
                el.tag = "div"  # the content extractor drops every <aside>; this one is text
            else:
                dropped = drop(el)
        elif el.tag == "article" and keep is not None and _links_away(el):
            dropped = drop(el)  # a teaser card for another article
        elif el.tag in ("ul", "ol") and _is_link_list(el):
            # Without <main>/<article> to tell them apart, link lists are mostly site menus.
            label = el.getprevious()
            if label is not None and _is_label(label):
                drop(label, record=has_region)  # "Auf dieser Seite:", "Mehr zum Thema"
            dropped = drop(el, record=has_region)
        elif el.tag in _LINE_TAGS and _is_noise_line(el):
            dropped = drop(el)  # "Quelle: dpa", "vor 5 Minuten", a broadcast note: its words say so
        if not dropped:
            stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))
    return noise


def _attached(el: html.HtmlElement, root: html.HtmlElement) -> bool:
    """Still in the page: not inside a box removed before."""
    ancestors = list(el.iterancestors())
    return el is not root and bool(ancestors) and ancestors[-1] is root


def _remove_keep_tail(el: html.HtmlElement) -> None:
    """Remove an element but keep the text after it (lxml stores that text on the element)."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _block_texts(el: html.HtmlElement) -> list[str]:
    """The text of a removed box, one entry per block: a teaser reads title / description / date."""
    lines: list[str] = [""]

    def walk(node: html.HtmlElement) -> None:
        block = node.tag not in _INLINE
        if block:
            lines.append("")
        lines[-1] += node.text or ""
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            lines[-1] += child.tail or ""
        if block:
            lines.append("")

    walk(el)
    out: list[str] = []
    for text in filter(None, map(normalize, lines)):
        if out and (len(text) <= 2 or not any(ch.isalnum() for ch in text)):
            out[-1] += text  # a colon, a pipe, a full stop: it belongs to the line before
        else:
            out.append(text)
    return out


# --- repairs ---------------------------------------------------------------------------------


def _repair(root: html.HtmlElement) -> None:
    _rewrite_quote_boxes(root)
    for el in list(root.iter("p", "span", "div", "i")):
        if el.getparent() is None:
            continue
        if el.tag == "p":
            _join_initial(el)
        elif not len(el) and not (el.text or "").strip():
            _spacer_to_break(el)


def _rewrite_quote_boxes(root: html.HtmlElement) -> None:
    """`<figure><blockquote>…</blockquote><figcaption>speaker</figcaption></figure>` → paragraphs.

    A quote box is part of the article: the quote, then the speaker line.
    """
    for fig in list(root.iter("figure")):
        quote = next(fig.iter("blockquote"), None)
        if quote is None:
            continue
        paragraphs = [normalize(p.text_content()) for p in quote.iter("p")]
        paragraphs = paragraphs or [normalize(quote.text_content())]
        caption = next(fig.iter("figcaption"), None)
        if caption is not None:
            paragraphs.append(normalize(caption.text_content()))
        box = html.Element("div")
        for text in filter(None, paragraphs):
            etree.SubElement(box, "p").text = text
        box.tail = fig.tail
        fig.getparent().replace(fig, box)


def _join_initial(p: html.HtmlElement) -> None:
    """Glue a drop cap to its word: `<span>N</span> <span>a endlich</span>` reads "Na endlich"."""
    if (p.text or "").strip() or not len(p) or not isinstance(p[0].tag, str):
        return
    first = p[0]
    letter = first.text_content().strip()
    rest = (first.tail or "") + "".join(
        sib.text_content() for sib in first.itersiblings() if isinstance(sib.tag, str)
    )
    if len(letter) == 1 and letter.isupper() and rest[:1].isspace() and rest.lstrip()[:1].islower():
        first.tail = (first.tail or "").lstrip()
        nxt = first.getnext()
        if not first.tail and nxt is not None and isinstance(nxt.tag, str):
            nxt.text = (nxt.text or "").lstrip()


def _spacer_to_break(el: html.HtmlElement) -> None:
    """An empty element glued between two sentences ("years.<span></span>A series") is a break.

    Some CMSs print it instead of `<br>`; read as text, the sentences would run together.
    """
    prev = el.getprevious()
    before = (prev.tail if prev is not None else el.getparent().text) or ""
    after = el.tail or ""
    if re.search(r"[.!?\"“”)]$", before) and re.match(r"[A-ZÄÖÜ\"“„]", after):
        br = html.Element("br")
        br.tail = el.tail
        el.getparent().replace(el, br)


# --- boxes -----------------------------------------------------------------------------------


def _paragraph_text_len(el: html.HtmlElement) -> int:
    """Characters of text in `<p>` elements: the measure of how much article a box holds."""
    return sum(len(p.text_content()) for p in el.iter("p"))


def _text_len(el: html.HtmlElement) -> int:
    return len(" ".join(el.text_content().split()))


def _link_text_len(el: html.HtmlElement) -> int:
    return sum(_text_len(a) for a in el.iter("a"))


def _media_boxes(root: html.HtmlElement, protected: set) -> list[html.HtmlElement]:
    """Boxes around embedded media: video teasers and pictures with their captions."""
    boxes = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el in protected:
            continue
        if el.tag in ("img", "picture"):
            box = _caption_box(el, protected)
        elif el.text and _MEDIA_HINT.search(el.text) and MEDIA_LINE.search(_own_line(el)):
            box = _teaser_box(el, protected)
        else:
            continue
        if box is not None:
            boxes.append(box)
    return boxes


def _own_line(el: html.HtmlElement) -> str:
    """The line a small element is part of: "02:57 Min. Verfügbar bis 06.05.2024" spans several."""
    parent = el.getparent()
    if parent is not None and _text_len(parent) <= 120:
        return normalize(parent.text_content())
    own = normalize(el.text_content())
    return own if len(own) <= 120 else ""


def _teaser_box(el: html.HtmlElement, protected: set) -> html.HtmlElement:
    """The widest ancestor of a media line that is still a small box around that one line."""
    box = el
    for parent in el.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            break
        text = normalize(parent.text_content())
        if len(text) > _BOX_LIMIT or len(MEDIA_LINE.findall(text)) > 1:
            break
        box = parent
    return box


def _caption_box(img: html.HtmlElement, protected: set) -> html.HtmlElement | None:
    """A picture and its caption: the first ancestor holding text beside the picture, if short.

    A paragraph with an inline icon is not a caption box: the box must not be
    a paragraph, list item or heading itself.
    """
    for parent in img.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            return None
        text = normalize(parent.text_content())
        if not text:
            continue
        if parent.tag in _TEXT_BLOCKS:
            return None
        return parent if len(text) <= _CAPTION_LIMIT else None
    return None


def _consent_box(button: html.HtmlElement, protected: set) -> html.HtmlElement | None:
    """The small box around a button that asks for consent before loading an embed."""
    found = None
    for parent in button.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            break
        text = parent.text_content()
        if len(text) > _BOX_LIMIT * 4 or _text_len(parent) > _BOX_LIMIT * 2:
            break
        if _CONSENT.search(text):
            found = parent
    return found


def _links_away(el: html.HtmlElement) -> bool:
    """An `<article>` whose heading is a link, or which is mostly links: a teaser card."""
    for heading in el.iter("h2", "h3", "h4"):
        if next(heading.iter("a"), None) is not None:
            return True
    total = _text_len(el)
    return total > 0 and _link_text_len(el) / total > 0.6


def _is_prose_box(el: html.HtmlElement) -> bool:
    """An info box set in the text ("Begriff: …"): paragraphs of prose, hardly any links.

    Such a box is the editor's text and stays; a box of teasers or links is noise.
    """
    prose = [p for p in el.iter("p") if len(p.text_content()) >= 100]
    return bool(prose) and _link_text_len(el) < 0.2 * _text_len(el) and not _links_away(el)


def _is_noise_line(el: html.HtmlElement) -> bool:
    """A small element holding one line whose words mark it as noise (see `monitor.noise`)."""
    if any(isinstance(c.tag, str) and c.tag not in _INLINE | {"span"} for c in el):
        return False  # a box of lines: its lines are judged one by one
    parent = el.getparent()
    loose = (parent.text or "") + "".join(sib.tail or "" for sib in parent)
    if parent.tag in _TEXT_BLOCKS or any(ch.isalnum() for ch in loose):
        return False  # part of a sentence, not a line of its own
    text = el.text_content()
    if len(text) > 400:
        return False
    text = normalize(text)
    return bool(text) and any(ch.isalnum() for ch in text) and is_noise(text)


def _is_label(el: html.HtmlElement) -> bool:
    """A heading, or a few words ending in a colon, that introduces what follows it."""
    text = normalize(el.text_content())
    if el.tag in ("h2", "h3", "h4", "h5", "h6"):
        return len(text.split()) <= 8
    return len(text.split()) <= 6 and text.endswith(":")


def _is_link_list(el: html.HtmlElement) -> bool:
    """A list whose items are links (related articles, section menus), not prose bullets."""
    if sum(1 for li in el if li.tag == "li") < 2:
        return False
    total = _text_len(el)
    return total > 0 and _link_text_len(el) / total > 0.8
