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

from monitor.extract.boxes import (
    BIO_LIMIT,
    BOX_LIMIT,
    block_texts,
    consent_box,
    fits,
    is_ad_naming,
    is_bio_naming,
    is_label,
    is_labelled_ad,
    is_link_list,
    is_noise_line,
    is_prose_box,
    is_title_box,
    links_away,
    pull_quotes,
    small_box,
    stands_alone,
    teaser_runs,
    text_of,
    widget_boxes,
)
from monitor.extract.media import GALLERY_PICTURES, gallery_captions, media_boxes
from monitor.extract.noise import is_call_label, is_editor_note
from monitor.text import tidy

# data-testid, data-module (and the like) values naming a box: people write these, unlike hashed
# class names, so they survive deploys. A dialog or modal (a login, a share sheet) opens on request.
_NOISE_TESTID = re.compile(
    r"teaser|related|recommend|share|social|topic-?tags|newsletter|promo|paywall|comment"
    r"|breadcrumb|navigation|footer|advert|\bads?\b|banner|outbrain|taboola|sign-?up"
    r"|more-?(topic|stories|news|from)|read-?more|(?<![a-z])(dialog|modal|log-?in)",
    re.IGNORECASE,
)
_NAMING_ATTRS = {"data-testid", "data-component", "data-module", "data-aqa", "data-track-module"}
# Site chrome: removed without a trace in `Article.noise`.
_CHROME_ROLES = {"navigation", "contentinfo", "dialog", "search", "menu", "menubar", "banner"}
_CHROME_TAGS = ("nav", "footer", "dialog", "select", "template", "form")
# `rt`/`rp`: the reading aid printed over Japanese characters (ruby), not words of the text.
_SILENT_TAGS = ("script", "style", "noscript", "svg", "video", "audio", "iframe", "source", "track")
_SILENT_TAGS += ("rt", "rp")
# What a hidden element holds for machines: one value, a date, a time, an image address, a count.
_VALUE = re.compile(r"\S*(\d|/)\S*")
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# The names CMSs give the container of an article's text (the content extractor looks for them).
# Matched against the lowercased name: a case-blind search costs several times more.
_BODY_NAMING = re.compile(
    r"(article|story|entry|post|content)[-_]{0,2}(body|text|content)|\bbody-?text"
)
_AD_BOX_TAGS = {"div", "section", "aside", "ins"}
_LINE_TAGS = {"p", "div", "span", "small", "a", "h2", "h3", "h4", "h5", "h6"}
_SPLIT_LEVELS = 2  # wrappers around each part of a split body, as deep as they are looked for
_NOTE_LENGTH = 1000  # an update line is one paragraph; a box this long holds more than the line


def prune(
    root: html.HtmlElement, keep: html.HtmlElement | None = None, article: bool = False
) -> list[str]:
    """Remove what is not article text from `root`, in place; return the text of the boxes removed.

    `keep` (the headline element) and its ancestors are never removed. Site
    chrome (menus, footers) goes silently: `Article.noise` is for what stood
    around the article, not for the whole site. On a page that says it is an
    `article` (JSON-LD, og:type), runs of teaser cards after the headline go too;
    elsewhere they may be the page itself, a section front the caller tells by them.
    """
    boxes = _Removal(root, keep, article)
    for el in list(root.iter(*_SILENT_TAGS)):
        _remove_keep_tail(el)
    for el in pull_quotes(root):
        boxes.drop(el)
    _repair(root)
    _drop_by_shape(boxes)
    # One walk in document order for the rest; a removed box is not entered.
    stack = [root]
    while stack:
        el = stack.pop()
        if not _judge(boxes, el):
            stack.extend(el.iterchildren("*", reversed=True))
    return boxes.noise


class _Removal:
    """The boxes `prune` removes from one page, and the text of those that count as noise."""

    def __init__(
        self, root: html.HtmlElement, keep: html.HtmlElement | None, article: bool = False
    ) -> None:
        self.root, self.keep, self.article = root, keep, article
        self.protected = set() if keep is None else {keep, *keep.iterancestors()}
        self.noise: list[str] = []
        self.text_total = _paragraph_text_len(root)
        self.has_region = next(root.iter("main", "article"), None) is not None

    def drop(self, el: html.HtmlElement, record: bool = True) -> bool:
        """Remove `el` unless it is protected, already gone or holds the article's text;
        with `record`, keep its text as noise when it stood in the article's region."""
        if el in self.protected:
            return False
        ancestors = list(el.iterancestors())
        if not ancestors or ancestors[-1] is not self.root:
            return False  # no longer in the page: inside a box removed before
        if _paragraph_text_len(el) > max(500, 0.3 * self.text_total):
            return False  # broken markup can put the whole article in an <aside>: keep the text
        if _is_note(el):
            return False  # an update or correction line: the edit readers most want to see
        in_region = not self.has_region or any(a.tag in ("main", "article") for a in ancestors)
        if record and in_region:
            self.noise.extend(block_texts(el))
        _remove_keep_tail(el)
        return True


def _drop_by_shape(boxes: _Removal) -> None:
    """The boxes found by their elements: widgets, chrome, figures, media, calls to act, buttons."""
    root, protected = boxes.root, boxes.protected
    for el in widget_boxes(root, protected):
        boxes.drop(el)  # a poll or a sign-up form, with its title
    for el in list(root.iter(*_CHROME_TAGS)):
        boxes.drop(el, record=False)
    _drop_pictures(boxes)
    if boxes.article and boxes.keep is not None:
        for el in teaser_runs(boxes.keep):
            boxes.drop(el)  # cards for other pages after the article: their text rotates
    for el in list(root.iter("button", "a")):
        if is_call_label(text_of(el)) and stands_alone(el):
            boxes.drop(small_box(el, protected, BOX_LIMIT))  # "Jetzt abonnieren" and its pitch
    for el in list(root.iter("button")):
        box = consent_box(el, protected)
        if box is None:
            boxes.drop(el, record=False)
        else:
            boxes.drop(box)


def _drop_pictures(boxes: _Removal) -> None:
    """Figures and pictures with their captions; a gallery's captions are its text and stay."""
    root, protected = boxes.root, boxes.protected
    figures = list(root.iter("figure", "figcaption"))
    kept: set[html.HtmlElement] = set()
    found = None
    # Cheap count first: the gallery test looks for media boxes once more.
    if len(figures) >= GALLERY_PICTURES or sum(1 for _ in root.iter("img")) >= GALLERY_PICTURES:
        found = media_boxes(root, protected)
        kept = gallery_captions([*figures, *found], boxes.text_total)
    for el in figures:
        if not kept or not any(a in kept for a in (el, *el.iterancestors())):
            boxes.drop(el)
    # Without a gallery, the boxes found before the figures went stand: a second walk over the
    # page (a sixth of pruning's cost) differed on 1 page of 700, in lines around a picture.
    if kept or found is None:
        found = media_boxes(root, protected | kept)
    for el in found:
        boxes.drop(el)


def _judge(boxes: _Removal, el: html.HtmlElement) -> bool:
    """Remove `el` when its role, naming, tag or words say it is not the article; True if it
    was removed."""
    tag = el.tag
    attrs = el.items()  # most elements have none: their naming is known without a look
    role, testid, hidden, ad, bio = _role_and_naming(attrs) if attrs else _NO_NAMING
    if hidden and _VALUE.fullmatch(el.text_content().strip()) and el not in boxes.protected:
        # A value kept for machines; hidden prose stays: scripts show it (a teaser's rest).
        _remove_keep_tail(el)
        return True
    if role in _CHROME_ROLES:
        return boxes.drop(el, record=False)
    if ad or (tag in _AD_BOX_TAGS and is_labelled_ad(el)):
        return boxes.drop(el, record=False)  # an ad: its copy rotates from one fetch to the next
    if bio and fits(el.text_content(), BIO_LIMIT):
        return boxes.drop(el)  # the author's bio: about the writer, not part of the article
    if testid and _NOISE_TESTID.search(testid):
        return boxes.drop(el)
    if tag == "aside":
        if is_prose_box(el):
            el.tag = "div"  # the content extractor drops every <aside>; this one is text
            return False
        return boxes.drop(el)
    if tag == "article" and boxes.keep is not None and links_away(el):
        return boxes.drop(el)  # a teaser card for another article
    if tag in ("ul", "ol") and is_link_list(el):
        return _drop_link_list(boxes, el)
    # A link counts only on a line of its own: inside a sentence, its words are the sentence's.
    if tag in _LINE_TAGS and is_noise_line(el) and (tag != "a" or stands_alone(el)):
        return boxes.drop(el)  # "Quelle: dpa", "vor 5 Minuten", a broadcast note: its words say so
    return False


def _drop_link_list(boxes: _Removal, el: html.HtmlElement) -> bool:
    """A list of links, with its label and the box around both when that holds nothing else."""
    # Without <main>/<article> to tell them apart, link lists are mostly site menus.
    record = boxes.has_region
    label, box = el.getprevious(), el.getparent()
    if label is not None and is_label(label):
        boxes.drop(label, record=record)  # "Auf dieser Seite:", "Mehr zum Thema"
    dropped = boxes.drop(el, record=record)
    if dropped and is_title_box(box, boxes.protected):
        boxes.drop(box, record=record)  # the box held the links and their title
    return dropped


_NO_NAMING = ("", "", False, False, False)


def _role_and_naming(attrs: list[tuple[str, str]]) -> tuple[str, str, bool, bool, bool]:
    """From an element's attributes: its role, lowercased, its naming attributes' values joined
    by spaces (in the page's order: `_NOISE_TESTID` matches within one value, so the order is
    moot), whether the page hides it (`hidden`, `aria-hidden`, a style of `display: none`), and
    whether they name an ad slot, and an author's bio box."""
    role = testid = ""
    hidden = ad = bio = False
    for name, value in attrs:  # one look at the few attributes, not six lookups
        if name in _NAMING_ATTRS:
            if value:
                testid = f"{testid} {value}" if testid else value
        elif name == "role":
            role = value.lower()
        elif name in ("hidden", "aria-hidden", "style"):
            hidden = hidden or _is_hiding(name, value)
        elif name in ("class", "id"):
            low = value.lower()  # most names hold neither word: no call for them
            ad = ad or ("ad" in low and is_ad_naming(name, value))
            bio = bio or ("bio" in low and is_bio_naming(name, value))
        elif name.startswith("data-ad"):
            ad = ad or is_ad_naming(name, value)
    return role, testid, hidden, ad, bio


def _is_hiding(name: str, value: str) -> bool:
    if name == "style":
        return ("none" in value or "hidden" in value) and bool(_HIDING_STYLE.search(value))
    return name == "hidden" or value == "true"


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


def _is_note(el: html.HtmlElement) -> bool:
    text = text_of(el)
    return len(text) <= _NOTE_LENGTH and ":" in text and is_editor_note(text)


def _paragraph_text_len(el: html.HtmlElement) -> int:
    """Characters of text in `<p>` elements: the measure of how much article a box holds."""
    return sum(len(text_of(p)) for p in el.iter("p"))


# --- repairs ---------------------------------------------------------------------------------


def _repair(root: html.HtmlElement) -> None:
    _rewrite_quote_boxes(root)
    _join_split_body(root)
    for el in list(root.iter("p", "span", "div", "i")):
        if el.tag == "p":
            _join_initial(el)  # only a spacer is ever removed here, and a <p> holds none
        elif not len(el):
            text = el.text
            if (not text or text.isspace()) and el.getparent() is not None:
                _spacer_to_break(el)


def _rewrite_quote_boxes(root: html.HtmlElement) -> None:
    """`<figure><blockquote>…</blockquote><figcaption>speaker</figcaption></figure>` → paragraphs.

    A quote box is part of the article: the quote, then the speaker line.
    """
    for fig in list(root.iter("figure")):
        quote = next(fig.iter("blockquote"), None)
        if quote is None:
            continue
        paragraphs = [tidy(p.text_content()) for p in quote.iter("p")]
        paragraphs = paragraphs or [tidy(quote.text_content())]
        caption = next(fig.iter("figcaption"), None)
        if caption is not None:
            paragraphs.append(tidy(caption.text_content()))
        box = html.Element("div")
        for text in filter(None, paragraphs):
            etree.SubElement(box, "p").text = text
        box.tail = fig.tail
        fig.getparent().replace(fig, box)


def _join_split_body(root: html.HtmlElement) -> None:
    """Join the parts of a body split over sibling containers (`div.article-body` twice, an ad
    or a picture between them) into the first: the content extractor keeps only one part.

    A part may sit in wrappers of its own (`div.module > div.text > div.article-text`, one
    module per section, pictures between the modules): when the wrappers are alike, up to two
    levels above the named boxes, the outer ones are joined, then the inner ones that now
    stand side by side. The boxes around the named ones stay apart: they hold the sections'
    headings beside the named boxes.
    """
    groups: dict[tuple, list[tuple[html.HtmlElement, ...]]] = {}
    for el in _PARAGRAPH_PARENTS(root):  # a body holds a <p> of its own; most boxes hold none
        if el.tag != "div" and el.tag != "section":
            continue
        name = el.get("class") or el.get("itemprop")
        if not name:
            continue
        chain = [el]  # the named box, then its wrappers
        for level in range(_SPLIT_LEVELS + 1):
            part, parent = chain[-1], chain[-1].getparent()
            if parent is None:
                break
            key = (level, parent, part.tag, part.get("class"), name)
            groups.setdefault(key, []).append(tuple(chain))
            chain.append(parent)
    joined: set[html.HtmlElement] = set()
    for (level, _, _, _, name), chains in sorted(groups.items(), key=lambda item: item[0][0]):
        # Most boxes have no sibling of their name: the name is read only for those that do.
        if len(chains) < 2 or not _BODY_NAMING.search(name.lower()):
            continue
        chains = list({c[level]: c for c in chains}.values())  # one per part
        if len(chains) < 2 or any(c[level] in joined for c in chains):
            continue  # joined at a lower level already
        for depth in range(level, 0 if level else -1, -1):
            parts = list(dict.fromkeys(c[depth] for c in chains))
            for part in parts[1:]:
                parts[0].extend(part)  # moves the children, in order
                _remove_keep_tail(part)
        joined.update(c[level] for c in chains)


# The elements with a `<p>` child, each once and in document order (a walk over the
# paragraphs in C: cheaper than looking into every `<div>` from Python).
_PARAGRAPH_PARENTS = etree.XPath(".//p/..")


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
