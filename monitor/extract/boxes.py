"""Boxes: the parts of a news page that layout sets around something that is not the article.

A box is an element, with everything inside it, that holds one unit of page furniture rather
than running article text: an embedded video teaser (a `DD.MM.YYYY | m:ss min` line), a
picture with its caption, a placeholder asking for consent before an embed loads, a poll or a
sign-up form, a promo pitch around a call to subscribe, a pull quote repeating the text, a
teaser card, a list of links and its title. The functions here find such boxes by their
shape (elements, form fields, text length, link density, words that mark noise); video
teasers and pictures are found in `monitor.extract.media`, and `prune()`
in `monitor.extract.prune` decides what to remove and records it.
"""

from __future__ import annotations

import re

from lxml import html

from monitor.extract.noise import AD_LABEL, is_noise, is_pitch
from monitor.extract.words import SENTENCE_END, trigrams, weight
from monitor.text import normalize, tidy

# Placeholder boxes for embeds (charts, videos, posts) that load only after consent.
_CONSENT = re.compile(
    r"datenschutz|einwilligung|zustimmung|externe[nr]? inhalt|privacy|consent|cookie"
    r"|external content|third[- ]party content",
    re.IGNORECASE,
)
# Inline markup inside a line. A <span> is not among them: sites build boxes from spans.
_INLINE = {"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "mark", "q", "s", "small", "strong"}
_INLINE |= {"sub", "sup", "time", "u"}
_LINE_PARTS = _INLINE | {"span"}  # what a line may be built of
TEXT_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "a", "td")

# A class or id token naming the container of the article's text.
_STORY_NAME = re.compile(
    r"(article|story|entry|post)([-_]?(body|text|content))?|articlebody|body-?text"
    r"|(main|page)?[-_]?content"
)
BOX_LIMIT = 700  # characters: a teaser or consent box is short; article sections are not
_PROSE_WORDS = 15  # a sentence of an article's text, longer than a promo's pitch line
_LABEL_LIMIT = 150  # characters: what may stand beside a list of links in its box (a title)


def block_texts(el: html.HtmlElement) -> list[str]:
    """The text of a removed box, one entry per block: a teaser reads title / description / date."""
    lines: list[str] = [""]
    _block_lines(el, lines)
    out: list[str] = []
    for text in filter(None, map(tidy, lines)):
        if out and (len(text) <= 2 or not any(ch.isalnum() for ch in text)):
            out[-1] += text  # a colon, a pipe, a full stop: it belongs to the line before
        else:
            out.append(text)
    return out


def _block_lines(node: html.HtmlElement, lines: list[str]) -> None:
    # A function of the module, not a closure: a recursive closure is a reference cycle, and it
    # would keep the page's whole tree alive until the garbage collector ran.
    block = node.tag not in _INLINE
    if block:
        lines.append("")
    lines[-1] += node.text or ""
    for child in node:
        if isinstance(child.tag, str):
            _block_lines(child, lines)
        lines[-1] += child.tail or ""
    if block:
        lines.append("")


def text_of(el: html.HtmlElement) -> str:
    """`el.text_content()`; an element without children (most links and spans) holds its
    own text only, read without the XPath call."""
    return el.text_content() if len(el) else el.text or ""


def text_len(el: html.HtmlElement) -> int:
    return len(" ".join(text_of(el).split()))


def fits(text: str, limit: int) -> bool:
    """Whether `text` with its spaces collapsed is at most `limit` long (settled by its start
    mostly: collapsing only shortens a text, and no start collapses longer than the whole)."""
    if len(text) <= limit:
        return True
    if len(" ".join(text[: 2 * limit].split())) > limit:
        return False
    return len(" ".join(text.split())) <= limit


def _link_text_len(el: html.HtmlElement) -> int:
    return sum(text_len(a) for a in el.iter("a"))


def small_box(el: html.HtmlElement, protected: set, limit: int) -> html.HtmlElement:
    """The widest ancestor of `el` (or `el`) whose text stays within `limit` characters and
    that holds no prose beside `el`'s box: a short post or a paywall's teaser is the article."""
    box = el
    for parent in el.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article") or _names_story(parent):
            break
        if not fits(parent.text_content(), limit) or _prose_beside(parent, box):
            break
        box = parent
    return box


def _names_story(el: html.HtmlElement) -> bool:
    """Whether `el`'s class or id names the container of the article's text ("story",
    "post-content"): a sign-up box inside it does not take a short post along."""
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return any(_STORY_NAME.fullmatch(token) for token in names.lower().split())


def _prose_beside(parent: html.HtmlElement, box: html.HtmlElement) -> bool:
    """Two paragraphs of sentences beside `box` (a pitch may have one), none a pitch: article."""
    kids = parent.iterchildren("*")
    texts = [(c is box, p.text_content().strip()) for c in kids for p in c.iter("p")]
    prose = [(own, t) for own, t in texts if weight(t) >= _PROSE_WORDS and SENTENCE_END.search(t)]
    return sum(not own for own, _ in prose) >= 2 and not any(is_pitch(t) for _, t in prose)


def stands_alone(el: html.HtmlElement) -> bool:
    """A button, or a link on a line of its own rather than inside a sentence."""
    if el.tag == "button":
        return True
    words = text_len(el)
    parent = el.getparent()
    while parent is not None and parent.tag not in ("body", "main") and text_len(parent) == words:
        parent = parent.getparent()  # a wrapper around the link alone, or its own paragraph
    if parent is None or parent.tag in TEXT_BLOCKS:
        return False
    loose = (parent.text or "") + "".join(sib.tail or "" for sib in parent)
    return not any(ch.isalnum() for ch in loose)


def widget_boxes(root: html.HtmlElement, protected: set) -> list[html.HtmlElement]:
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
    return [small_box(el, protected, BOX_LIMIT) for el in dict.fromkeys(starts)]


def pull_quotes(root: html.HtmlElement) -> list[html.HtmlElement]:
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
        grams = [g for line in block_texts(box) for g in trigrams(line)]
        if len(grams) >= 4 and sum(g in known for g in grams) >= 0.6 * len(grams):
            boxes.append(box)
    return boxes


def consent_box(button: html.HtmlElement, protected: set) -> html.HtmlElement | None:
    """The small box around a button that asks for consent before loading an embed."""
    found = None
    for parent in button.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            break
        text = parent.text_content()
        if len(text) > BOX_LIMIT * 4 or text_len(parent) > BOX_LIMIT * 2:
            break
        if _CONSENT.search(text):
            found = parent
    return found


def links_away(el: html.HtmlElement) -> bool:
    """An `<article>` whose heading is a link, or which is mostly links: a teaser card."""
    for heading in el.iter("h2", "h3", "h4"):
        if next(heading.iter("a"), None) is not None:
            return True
    total = text_len(el)
    return total > 0 and _link_text_len(el) / total > 0.6


def title_link(box: html.HtmlElement) -> html.HtmlElement | None:
    """The link of the title `box` opens with (its first element is a link, or a heading that
    holds one) when it reads as a title, three words or more: how a teaser card opens."""
    first = next(box.iterchildren("*"), None)
    if first is None:
        return None
    link = first if first.tag == "a" else None
    if first.tag in ("h2", "h3", "h4"):
        link = next(first.iter("a"), None)
    return link if link is not None and weight(text_of(link)) >= 3 else None


def teaser_runs(keep: html.HtmlElement) -> list[html.HtmlElement]:
    """Teaser cards for other pages that stand after the headline `keep`, in runs.

    A card opens with a heading whose link is a title (`title_link`) and stays short
    (a picture, a line of text, "read more"); a run is three or more sibling cards of one
    tag and class, linking to three or more other pages. A run inside the box the page names
    as its text ("story", "post-content") is the article's own sections (a roundup, a list
    of picks) and stays; so does a run of cards that link to places on the page (`#…`).
    Only what follows the headline is looked at: the article's text and what stands after it.
    """
    runs: dict[tuple, tuple[list[html.HtmlElement], set[str]]] = {}
    for start in (keep, *keep.iterancestors()):
        for sib in start.itersiblings("*"):
            for heading in sib.iter("h2", "h3", "h4"):
                card = heading.getparent()
                if next(card.iterchildren("*"), None) is not heading:
                    continue  # a heading inside a box, not a box that opens with one
                link = title_link(card)
                href = "" if link is None else (link.get("href") or "").strip()
                if not href or href.startswith("#"):
                    continue
                cards, hrefs = runs.setdefault(
                    (card.getparent(), card.tag, card.get("class")), ([], set())
                )
                cards.append(card)
                hrefs.add(href)
    found: list[html.HtmlElement] = []
    for (box, _, _), (cards, hrefs) in runs.items():
        if len(cards) < 3 or len(hrefs) < 3:
            continue
        if any(_names_story(a) for a in (box, *box.iterancestors())):
            continue
        if all(fits(card.text_content(), BOX_LIMIT) for card in cards):
            found.extend(cards)
    return found


def is_prose_box(el: html.HtmlElement) -> bool:
    """An info box set in the text ("Begriff: …"): paragraphs of prose, hardly any links.

    Such a box is the editor's text and stays; a box of teasers or links is noise.
    """
    prose = [p for p in el.iter("p") if len(p.text_content()) >= 100]
    return bool(prose) and _link_text_len(el) < 0.2 * text_len(el) and not links_away(el)


def is_noise_line(el: html.HtmlElement) -> bool:
    """A small element holding one line whose words mark it as noise (monitor.extract.noise)."""
    parent = el.getparent()
    if parent.tag in TEXT_BLOCKS:
        return False  # part of a paragraph's line (a link in a sentence), not a line of its own
    for child in el:
        if child.tag not in _LINE_PARTS and isinstance(child.tag, str):
            return False  # a box of lines: its lines are judged one by one
    text = text_of(el)
    if len(text) > 400:
        return False
    text = normalize(text)
    if not (text and any(ch.isalnum() for ch in text) and is_noise(text)):
        return False
    # Last, as few lines are noise: the loose text around `el` costs a walk over its siblings.
    loose = (parent.text or "") + "".join(sib.tail or "" for sib in parent)
    return not any(ch.isalnum() for ch in loose)


# A class or id token that names an ad slot: "ad", "ads", "ad-slot", "adunit", "inline-ad",
# "advertisement"; not a page's flag that it has or shows none ("no-ads", "ad-free").
_AD_TOKEN = re.compile(
    r"(ads?|adv|advert\w*|ad(slot|unit|box|zone|container|wrapper)s?|ads?[-_][\w-]+"
    r"|[\w-]+[-_]ads?|dfp[-_][\w-]+|gpt[-_]ad[\w-]*)",
    re.IGNORECASE,
)
_AD_FLAG = re.compile(r"^(no|has|without|hide|show|with)[-_]|[-_]?free$", re.IGNORECASE)


def is_ad_naming(name: str, value: str) -> bool:
    """Whether an attribute names an ad slot: `data-ad-*`, or a class or id token like "ad-slot"."""
    if name.startswith("data-ad"):
        rest = name[7:]
        return not rest or rest[0] in "-_" or rest.startswith(("slot", "unit", "zone"))
    if name not in ("class", "id") or "ad" not in value.lower():
        return False
    return any(
        _AD_TOKEN.fullmatch(token) and not _AD_FLAG.search(token)
        for token in value.split()
        if "ad" in (low := token.lower()) or "dfp" in low  # what every match holds: a cheap test
    )


_NAME_PARTS = re.compile(r"[-_]+")
BIO_LIMIT = 1500  # characters: an author's bio is a paragraph or two


def is_bio_naming(name: str, value: str) -> bool:
    """Whether a class or id names an author's bio box ("author-bio", "contrib-bio", "bio")."""
    if name not in ("class", "id") or "bio" not in value.lower():
        return False
    return any("bio" in _NAME_PARTS.split(token.lower()) for token in value.split())


def is_labelled_ad(el: html.HtmlElement) -> bool:
    """A small box that opens with an ad label: "Anzeige", "Advertisement", "Sponsored"."""
    first = (el.text or "").strip()
    if not first:
        child = next(el.iterchildren("*"), None)  # "*": elements, not comments
        if child is None:
            return False
        if len(child):  # comments too: their tails are text
            if next(child.iterchildren("*"), None) is not None:
                return False
            first = child.text_content().strip()
        else:
            first = (child.text or "").strip()  # its text_content(), without the XPath call
    return (
        0 < len(first) <= 40
        and AD_LABEL.match(first) is not None
        and fits(el.text_content(), BOX_LIMIT)
    )


def is_title_box(box: html.HtmlElement, protected: set) -> bool:
    """What is left of a box after its list of links went: a title, a question, nothing more."""
    if box is None or box in protected or box.tag in ("html", "body", "main", "article"):
        return False
    if box.tag in TEXT_BLOCKS:
        return False
    return text_len(box) <= _LABEL_LIMIT


def is_label(el: html.HtmlElement) -> bool:
    """A heading, or a few words ending in a colon, that introduces what follows it."""
    text = normalize(el.text_content())
    if el.tag in ("h2", "h3", "h4", "h5", "h6"):
        return weight(text) <= 8
    return weight(text) <= 6 and text.endswith((":", "："))


def is_link_list(el: html.HtmlElement) -> bool:
    """A list whose items are links (related articles, section menus), not prose bullets.

    A bold label before an item's link ("Neue Allianz? <a>…</a>") counts with the link.
    """
    if sum(1 for li in el if li.tag == "li") < 2:
        return False
    total = text_len(el)
    linked = _link_text_len(el)
    for li in el.iter("li"):
        if next(li.iter("a"), None) is not None:
            for label in li.iter("b", "strong"):
                in_link = any(a.tag == "a" for a in label.iterancestors())
                if not in_link and weight(label.text_content()) <= 5:
                    linked += text_len(label)
    return total > 0 and linked / total > 0.8
