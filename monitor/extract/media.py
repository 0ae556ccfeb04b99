"""Media boxes: embedded video teasers and cards, and pictures with their captions.

Split from `monitor.extract.boxes` (the other kinds of page furniture); `prune()` in
`monitor.extract.prune` removes what `media_boxes` finds.
"""

from __future__ import annotations

import re

from lxml import etree, html

from monitor.extract.boxes import BOX_LIMIT, TEXT_BLOCKS, block_texts, fits, text_len, text_of
from monitor.extract.noise import MEDIA_LINE
from monitor.extract.words import FULL_STOP, weight
from monitor.text import normalize

# Cheap tests before MEDIA_LINE: a media line holds a duration ("3:37") or "verfügbar".
_DURATION = re.compile(r"\d:\d\d")
_AVAILABLE = re.compile("verfügbar", re.IGNORECASE)
# A running time alone, and the name of a box that plays video.
_BARE_DURATION = re.compile(r"\s*\d{1,2}:\d{2}(:\d{2})?\s*$")
_DURATIONS = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
_VIDEO_NAMING = re.compile(r"video|player|clip|duration|playlist|media", re.IGNORECASE)
_CAPTION_LIMIT = 300  # characters: a caption with its credit line
# A gallery: this many pictures whose captions say in sentences what the page has to say.
GALLERY_PICTURES = 3
_CAPTION_SENTENCE = 8  # words: a caption line this long, ending like a sentence, is prose


def media_boxes(root: html.HtmlElement, protected: set) -> list[html.HtmlElement]:
    """Boxes around embedded media: video teasers and pictures with their captions."""
    boxes = []
    for el in root.iter(etree.Element):
        tag = el.tag
        if tag == "img" or tag == "picture":
            box = None if el in protected else _caption_box(el, protected)
        else:
            text = el.text
            # Every other test needs a colon or "verfügbar": most elements are passed over here.
            if not text or ("ü" not in text and "Ü" not in text and ":" not in text):
                continue
            if el in protected:
                continue
            if _could_be_media(text) and MEDIA_LINE.search(_own_line(el)):
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
            if not fits(text, BOX_LIMIT) or len(_DURATIONS.findall(text)) > 1:
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
        if fits(line, 120):
            return normalize(line)
    return _normalized(el.text_content(), 120) or ""


def _teaser_box(el: html.HtmlElement, protected: set) -> html.HtmlElement:
    """The widest ancestor of a media line that is still a small box around that one line."""
    box = el
    for parent in el.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            break
        text = _normalized(parent.text_content(), BOX_LIMIT)
        if text is None or len(MEDIA_LINE.findall(text)) > 1:
            break
        box = parent
    return box


def _caption_box(img: html.HtmlElement, protected: set) -> html.HtmlElement | None:
    """A picture and its caption: the first ancestor holding text beside the picture, if short.

    A paragraph with an inline icon is not a caption box: the box must not be
    a paragraph, list item or heading itself, nor hold a headline or a list: a caption is a
    line or two; the text beside a picture may be the page's own.
    """
    if _is_icon(img):
        return None
    for parent in img.iterancestors():
        if parent in protected or parent.tag in ("body", "main", "article"):
            return None
        text = _normalized(parent.text_content(), _CAPTION_LIMIT)  # None: longer than that
        if text == "":
            continue
        if parent.tag in TEXT_BLOCKS:
            return parent if parent.tag == "p" and _is_picture_paragraph(parent) else None
        return None if text is None or _holds_text_parts(parent) else parent
    return None


def _is_icon(img: html.HtmlElement) -> bool:
    """A picture whose file is named an icon ("KI-Icon.png", "icon_uptodate.png"): the text
    beside it is a feature card's own, not a caption. Logos and banners are not exempt: the
    text beside them is a site's header, footer or an ad's label (scored on the real pages)."""
    return "icon" in (img.get("src") or "").rsplit("/", 1)[-1].lower()


def _normalized(text: str, limit: int) -> str | None:
    """`normalize(text)`, or None when that is longer than `limit`: a long text (a picture's
    box may be a whole page) is settled by its start. Cut before a space or a line break, the
    start normalizes as it does in the whole (nothing composes with either character), and no
    text normalizes shorter than its start does."""
    if len(text) > 4 * limit:
        cuts = [i for i in (text.find(" ", 2 * limit), text.find("\n", 2 * limit)) if i > 0]
        if cuts and len(normalize(text[: min(cuts)])) > limit:
            return None
    text = normalize(text)
    return text if len(text) <= limit else None


def _holds_text_parts(box: html.HtmlElement) -> bool:
    """A page's headline or a list: parts of a text, not of a picture's caption (a slide's
    title beside its picture is a caption's first line)."""
    if next(box.iter("h1"), None) is not None:
        return True
    return any(sum(1 for c in lst if c.tag == "li") >= 2 for lst in box.iter("ul", "ol"))


def _is_picture_paragraph(p: html.HtmlElement) -> bool:
    """`<p><img><br><em>Caption</em></p>`: a picture set in a paragraph, its caption one styled run.

    An icon in a sentence leaves loose words in the paragraph; a caption has none.
    """
    if text_len(p) > _CAPTION_LIMIT:
        return False
    loose = (p.text or "") + "".join(c.tail or "" for c in p)
    runs = [c for c in p if isinstance(c.tag, str) and c.text_content().strip()]
    return (
        not any(ch.isalnum() for ch in loose)
        and len(runs) == 1
        and runs[0].tag in ("em", "i", "small")
        and next(runs[0].iter("img"), None) is None
    )


def gallery_captions(boxes: list[html.HtmlElement], prose_total: int) -> set[html.HtmlElement]:
    """The picture boxes to keep because the page is a gallery: a slideshow or a list of
    pictures whose captions carry the text. Three or more of them are captioned in sentences,
    and those captions hold more `<p>` text than the rest of the page (`prose_total` in all);
    an article with a picture or two keeps its own text, not its captions."""
    among = set(boxes)  # a set: a gallery's many boxes each have many ancestors
    outer = [b for b in boxes if not any(a in among for a in b.iterancestors())]
    if len(outer) < GALLERY_PICTURES or _most_said(outer) <= prose_total:
        return set()  # too few, or all their text could not outweigh the page's: no gallery
    told = [b for b in outer if not _is_link(b) and _tells(block_texts(b))]
    if len(told) < GALLERY_PICTURES:
        return set()
    inside = sum(_paragraphs_len(b) for b in told)
    captions = sum(text_len(b) for b in told)
    return set(told) if captions > prose_total - inside else set()


def _most_said(boxes: list[html.HtmlElement]) -> int:
    """At least the captions plus the paragraph text that `gallery_captions` weighs for any
    of `boxes` (raw lengths: collapsing spaces only shortens a text)."""
    return sum(len(b.text_content()) + _paragraphs_len(b) for b in boxes)


def _paragraphs_len(box: html.HtmlElement) -> int:
    return sum(len(text_of(p)) for p in box.iter("p"))


def _is_link(box: html.HtmlElement) -> bool:
    """A teaser card: its text is mostly a link to another page, unlike a gallery's caption."""
    return sum(text_len(a) for a in box.iter("a")) > 0.5 * text_len(box)


def _tells(lines: list[str]) -> bool:
    """A caption in sentences; a video teaser's line ("21.04.2024 | 3:18 min") marks a teaser."""
    said = any(weight(t) >= _CAPTION_SENTENCE and FULL_STOP.search(t) is not None for t in lines)
    return said and not any(MEDIA_LINE.search(normalize(t)) for t in lines)
