"""Boxes: the parts of a news page that layout sets around something that is not the article.

A box is an element, with everything inside it, that holds one unit of page furniture rather
than running article text: an embedded video teaser (a `DD.MM.YYYY | m:ss min` line), a
picture with its caption, a placeholder asking for consent before an embed loads, a poll or a
sign-up form, a promo pitch around a call to subscribe, a pull quote repeating the text, a
teaser card, a list of links and its title. The functions here find such boxes by their
shape (elements, form fields, text length, link density, words that mark noise); `prune()`
in `monitor.extract.prune` decides what to remove and records it.
"""

from __future__ import annotations

import re

from lxml import html

from monitor.extract.noise import AD_LABEL, MEDIA_LINE, is_noise, is_pitch
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
_TEXT_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "a", "td")

# Cheap tests before MEDIA_LINE: a media line holds a duration ("3:37") or "verfügbar".
_DURATION = re.compile(r"\d:\d\d")
_AVAILABLE = re.compile("verfügbar", re.IGNORECASE)
# A running time alone, and the name of a box that plays video.
_BARE_DURATION = re.compile(r"\s*\d{1,2}:\d{2}(:\d{2})?\s*$")
_DURATIONS = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
_VIDEO_NAMING = re.compile(r"video|player|clip|duration|playlist|media", re.IGNORECASE)
BOX_LIMIT = 700  # characters: a teaser or consent box is short; article sections are not
_CAPTION_LIMIT = 300  # characters: a caption with its credit line
_PROSE_WORDS = 15  # a sentence of an article's text, longer than a promo's pitch line
_LABEL_LIMIT = 150  # characters: what may stand beside a list of links in its box (a title)


def block_texts(el: html.HtmlElement) -> list[str]:
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
    for text in filter(None, map(tidy, lines)):
        if out and (len(text) <= 2 or not any(ch.isalnum() for ch in text)):
            out[-1] += text  # a colon, a pipe, a full stop: it belongs to the line before
        else:
            out.append(text)
    return out


def _text_len(el: html.HtmlElement) -> int:
    return len(" ".join(el.text_content().split()))


def _fits(text: str, limit: int) -> bool:
    """Whether `text` with its spaces collapsed is at most `limit` long (settled by its start
    mostly: collapsing only shortens a text, and no start collapses longer than the whole)."""
    if len(text) <= limit:
        return True
    if len(" ".join(text[: 2 * limit].split())) > limit:
        return False
    return len(" ".join(text.split())) <= limit


def _link_text_len(el: html.HtmlElement) -> int:
    return sum(_text_len(a) for a in el.iter("a"))


def media_boxes(root: html.HtmlElement, protected: set) -> list[html.HtmlElement]:
    """Boxes around embedded media: video teasers and pictures with their captions."""
    boxes = []
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str) or el in protected:
            continue
        if tag in ("img", "picture"):
            box = _caption_box(el, protected)
        elif _could_be_media(el.text) and MEDIA_LINE.search(_own_line(el)):
            box = _teaser_box(el, protected)
        elif _is_bare_duration(el):
            box = _video_card(el, protected)
        else:
            continue
        if box is not None:
            boxes.append(box)
    return boxes


def _could_be_media(text: str | None) -> bool:
    """Whether `text` holds a duration or "verfügbar"; a regular expression looks only at texts
    with the colon or the "ü" they need."""
    if not text:
        return False
    if ":" in text and _DURATION.search(text):
        return True
    return ("ü" in text or "Ü" in text) and _AVAILABLE.search(text) is not None


def _is_bare_duration(el: html.HtmlElement) -> bool:
    """An element holding only a running time, "02:31": the length a video card prints."""
    text = el.text
    return bool(text) and ":" in text and not len(el) and _BARE_DURATION.match(text) is not None


def _video_card(el: html.HtmlElement, protected: set) -> html.HtmlElement | None:
    """The card around a video's running time (title, duration, date), if a box on the way up
    is named for video: a bare "14:32" elsewhere is a time of day (a live blog's entry)."""
    box, named = el, False
    for node in (el, *el.iterancestors()):
        if node in protected or node.tag in ("body", "main", "article"):
            break
        if node is not el:
            text = node.text_content()
            if not _fits(text, BOX_LIMIT) or len(_DURATIONS.findall(text)) > 1:
                break
            box = node
        named = named or any(
            _VIDEO_NAMING.search(v)
            for k, v in node.items()
            if k in ("class", "id") or k.startswith("data-")
        )
    return box if named else None


def _own_line(el: html.HtmlElement) -> str:
    """The line a small element is part of: "02:57 Min. Verfügbar bis 06.05.2024" spans several."""
    parent = el.getparent()
    if parent is not None:
        line = parent.text_content()
        if _fits(line, 120):
            return normalize(line)
    own = normalize(el.text_content())
    return own if len(own) <= 120 else ""


def _teaser_box(el: html.HtmlElement, protected: set) -> html.HtmlElement:
    """The widest ancestor of a media line that is still a small box around that one line."""
    box = el
    for parent in el.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            break
        text = normalize(parent.text_content())
        if len(text) > BOX_LIMIT or len(MEDIA_LINE.findall(text)) > 1:
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


def small_box(el: html.HtmlElement, protected: set, limit: int) -> html.HtmlElement:
    """The widest ancestor of `el` (or `el`) whose text stays within `limit` characters and
    that holds no prose beside `el`'s box: a short post or a paywall's teaser is the article."""
    box = el
    for parent in el.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            break
        if not _fits(parent.text_content(), limit) or _prose_beside(parent, box):
            break
        box = parent
    return box


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
    words = _text_len(el)
    parent = el.getparent()
    while parent is not None and parent.tag not in ("body", "main") and _text_len(parent) == words:
        parent = parent.getparent()  # a wrapper around the link alone, or its own paragraph
    if parent is None or parent.tag in _TEXT_BLOCKS:
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
        if len(text) > BOX_LIMIT * 4 or _text_len(parent) > BOX_LIMIT * 2:
            break
        if _CONSENT.search(text):
            found = parent
    return found


def links_away(el: html.HtmlElement) -> bool:
    """An `<article>` whose heading is a link, or which is mostly links: a teaser card."""
    for heading in el.iter("h2", "h3", "h4"):
        if next(heading.iter("a"), None) is not None:
            return True
    total = _text_len(el)
    return total > 0 and _link_text_len(el) / total > 0.6


def is_prose_box(el: html.HtmlElement) -> bool:
    """An info box set in the text ("Begriff: …"): paragraphs of prose, hardly any links.

    Such a box is the editor's text and stays; a box of teasers or links is noise.
    """
    prose = [p for p in el.iter("p") if len(p.text_content()) >= 100]
    return bool(prose) and _link_text_len(el) < 0.2 * _text_len(el) and not links_away(el)


def is_noise_line(el: html.HtmlElement) -> bool:
    """A small element holding one line whose words mark it as noise (monitor.extract.noise)."""
    if any(isinstance(c.tag, str) and c.tag not in _LINE_PARTS for c in el):
        return False  # a box of lines: its lines are judged one by one
    text = el.text_content()
    if len(text) > 400:
        return False
    text = normalize(text)
    if not (text and any(ch.isalnum() for ch in text) and is_noise(text)):
        return False
    # Last, as few lines are noise: the loose text around `el` costs a walk over its siblings.
    parent = el.getparent()
    loose = (parent.text or "") + "".join(sib.tail or "" for sib in parent)
    return parent.tag not in _TEXT_BLOCKS and not any(ch.isalnum() for ch in loose)


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
    return any(_AD_TOKEN.fullmatch(token) and not _AD_FLAG.search(token) for token in value.split())


def is_labelled_ad(el: html.HtmlElement) -> bool:
    """A small box that opens with an ad label: "Anzeige", "Advertisement", "Sponsored"."""
    first = (el.text or "").strip()
    if not first:
        child = next((c for c in el if isinstance(c.tag, str)), None)
        if child is None or any(isinstance(c.tag, str) for c in child):
            return False
        first = child.text_content().strip()
    return (
        0 < len(first) <= 40
        and AD_LABEL.match(first) is not None
        and _fits(el.text_content(), BOX_LIMIT)
    )


def is_title_box(box: html.HtmlElement, protected: set) -> bool:
    """What is left of a box after its list of links went: a title, a question, nothing more."""
    if box is None or box in protected or box.tag in ("html", "body", "main", "article"):
        return False
    if box.tag in _TEXT_BLOCKS:
        return False
    return _text_len(box) <= _LABEL_LIMIT


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
    total = _text_len(el)
    linked = _link_text_len(el)
    for li in el.iter("li"):
        if next(li.iter("a"), None) is not None:
            for label in li.iter("b", "strong"):
                in_link = any(a.tag == "a" for a in label.iterancestors())
                if not in_link and weight(label.text_content()) <= 5:
                    linked += _text_len(label)
    return total > 0 and linked / total > 0.8
