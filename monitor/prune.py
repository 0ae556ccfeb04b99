"""Clean a parsed news page before the content extractor reads it.

`prune()` removes boxes whose *shape* says they are not the article: embedded
video teasers (a `DD.MM.YYYY | m:ss min` line), pictures with their captions,
consent placeholders for embeds, pull quotes that repeat the text, polls and
sign-up forms, promo boxes around a call to subscribe, teaser cards that link
elsewhere, lists of links with their titles, asides of links, share bars, and
site chrome. It builds on elements, roles, form fields, data-testid (and
similar naming) values and link density, never on generated CSS class names
(ZDF's change with every deploy).

It also repairs what would garble the text: quote boxes (`<figure>` around a
`<blockquote>`) said only once become plain paragraphs, because they are
article text; a drop cap is glued back to its word; empty spacer elements
between sentences or styled runs become line breaks.
"""

from __future__ import annotations

import re

from lxml import etree, html

from monitor.body import trigrams
from monitor.noise import MEDIA_LINE, is_call_to_act, is_noise
from monitor.text import normalize

# data-testid / data-component (and the like) values that name a box around the text.
# People write these, unlike hashed class names, so they survive deploys.
_NOISE_TESTID = re.compile(
    r"teaser|related|recommend|share|social|topic-?tags|newsletter|promo|paywall|comment"
    r"|breadcrumb|navigation|footer|advert|\bads?\b|banner|outbrain|taboola|sign-?up"
    r"|more-?(topic|stories|news|from)|read-?more",
    re.IGNORECASE,
)
_NAMING_ATTRS = ("data-testid", "data-component", "data-module", "data-aqa", "data-track-module")
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
_LABEL_LIMIT = 150  # characters: what may stand beside a list of links in its box (a title)


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
    for el in _pull_quotes(root):
        drop(el)
    _repair(root)
    for el in _widget_boxes(root, protected):
        drop(el)  # a poll or a sign-up form, with its title
    for el in list(root.iter(*_CHROME_TAGS)):
        drop(el, record=False)
    for el in list(root.iter("figure", "figcaption")):
        drop(el)
    for el in _media_boxes(root, protected):
        drop(el)
    for el in list(root.iter("button", "a")):
        label = el.text_content()
        if len(label) < 200 and is_call_to_act(normalize(label)) and _stands_alone(el):
            drop(_small_box(el, protected, _BOX_LIMIT))  # "Jetzt abonnieren" and its pitch
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
        testid = " ".join(filter(None, map(el.get, _NAMING_ATTRS))) if el.attrib else ""
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
            label, box = el.getprevious(), el.getparent()
            if label is not None and _is_label(label):
                drop(label, record=has_region)  # "Auf dieser Seite:", "Mehr zum Thema"
            dropped = drop(el, record=has_region)
            if dropped and _is_title_box(box, protected):
                drop(box, record=has_region)  # the box held the links and their title
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
    # Between two styled runs ("<b>Heading</b><span></span><i>Text</i>") any word may end the first.
    runs = prev is not None and not before and not after
    if runs:
        before = prev.text_content()
        after = next((t for t in (_text_after(sib) for sib in el.itersiblings()) if t), "")
    sentence_end = re.search(r"[.!?\"“”)]$", before) or (runs and re.search(r"\w$", before))
    if sentence_end and re.match(r"[A-ZÄÖÜ\"“„]", after):
        br = html.Element("br")
        br.tail = f" {el.tail or ''}"  # a space too: an extractor may drop a break in loose text
        el.getparent().replace(el, br)


def _text_after(el: html.HtmlElement) -> str:
    return el.text_content() + (el.tail or "") if isinstance(el.tag, str) else el.tail or ""


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
            return parent if parent.tag == "p" and _is_picture_paragraph(parent) else None
        return parent if len(text) <= _CAPTION_LIMIT else None
    return None


def _is_picture_paragraph(p: html.HtmlElement) -> bool:
    """`<p><img><br><em>Caption</em></p>`: a picture set in a paragraph, its caption one styled run.

    An icon in a sentence leaves loose words in the paragraph; a caption has none.
    """
    if _text_len(p) > _CAPTION_LIMIT:
        return False
    loose = (p.text or "") + "".join(c.tail or "" for c in p)
    runs = [c for c in p if isinstance(c.tag, str) and c.text_content().strip()]
    return (
        not any(ch.isalnum() for ch in loose)
        and len(runs) == 1
        and runs[0].tag in ("em", "i", "small")
        and next(runs[0].iter("img"), None) is None
    )


def _small_box(el: html.HtmlElement, protected: set, limit: int) -> html.HtmlElement:
    """The widest ancestor of `el` (or `el`) whose text stays within `limit` characters."""
    box = el
    for parent in el.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            break
        if _text_len(parent) > limit:
            break
        box = parent
    return box


def _stands_alone(el: html.HtmlElement) -> bool:
    """A button, or a link on a line of its own rather than inside a sentence."""
    if el.tag == "button":
        return True
    words = _text_len(el)
    parent = el.getparent()
    while parent is not None and parent.tag not in ("body", "main") and _text_len(parent) == words:
        parent = parent.getparent()  # a wrapper around the link alone, or its own paragraph
    if parent is None or parent.tag in _TEXT_BLOCKS:
        return False
    loose = (parent.text or "") + "".join(sib.tail or "" for sib in parent)
    return not any(ch.isalnum() for ch in loose)


def _widget_boxes(root: html.HtmlElement, protected: set) -> list[html.HtmlElement]:
    """Polls (a group of radio buttons) and sign-up forms (an e-mail field), each with its title."""
    starts = [
        form
        for form in root.iter("form")
        for field in form.iter("input")
        if (field.get("type") or "").lower() == "email"
        or "mail" in f"{field.get('name')} {field.get('placeholder')}".lower()
    ]
    groups: dict[str, list[html.HtmlElement]] = {}
    for field in root.iter("input"):
        if (field.get("type") or "").lower() == "radio" and field.get("name"):
            groups.setdefault(field.get("name"), []).append(field)
    for fields in groups.values():
        if len(fields) >= 2:
            around_last = set(fields[-1].iterancestors())
            common = next((a for a in fields[0].iterancestors() if a in around_last), None)
            if common is not None:
                starts.append(common)
    return [_small_box(el, protected, _BOX_LIMIT) for el in dict.fromkeys(starts)]


def _pull_quotes(root: html.HtmlElement) -> list[html.HtmlElement]:
    """Quote boxes that repeat words of the text around them: layout that says a sentence twice.

    Most of the quote's word triples (and its speaker's) stand in the paragraphs
    outside the box. A quote box said only once is article text and stays.
    """
    quotes = list(root.iter("blockquote"))
    if not quotes:
        return []
    known: set[tuple[str, ...]] = set()
    for p in root.iter("p"):
        if not any(a.tag in ("blockquote", "figure") for a in p.iterancestors()):
            known |= trigrams(p.text_content())
    boxes = []
    for quote in quotes:
        box = quote.getparent() if quote.getparent().tag == "figure" else quote
        grams = [g for line in _block_texts(box) for g in trigrams(line)]
        if len(grams) >= 4 and sum(g in known for g in grams) >= 0.6 * len(grams):
            boxes.append(box)
    return boxes


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


def _is_title_box(box: html.HtmlElement, protected: set) -> bool:
    """What is left of a box after its list of links went: a title, a question, nothing more."""
    if box is None or box in protected or box.tag in ("html", "body", "main", "article"):
        return False
    if box.tag in _TEXT_BLOCKS:
        return False
    return _text_len(box) <= _LABEL_LIMIT


def _is_label(el: html.HtmlElement) -> bool:
    """A heading, or a few words ending in a colon, that introduces what follows it."""
    text = normalize(el.text_content())
    if el.tag in ("h2", "h3", "h4", "h5", "h6"):
        return len(text.split()) <= 8
    return len(text.split()) <= 6 and text.endswith(":")


def _is_link_list(el: html.HtmlElement) -> bool:
    """A list whose items are links (related articles, section menus), not prose bullets.

    A bold label before an item's link ("Neue Allianz? <a>…</a>") counts with the link.
    """
    if sum(1 for li in el if li.tag == "li") < 2:
        return False
    total = _text_len(el)
    linked = _link_text_len(el)
    for li in el.iter("li"):
        if next(li.iter("a"), None) is not None:
            for label in li.iter("b", "strong"):
                in_link = any(a.tag == "a" for a in label.iterancestors())
                if not in_link and len(label.text_content().split()) <= 5:
                    linked += _text_len(label)
    return total > 0 and linked / total > 0.8
