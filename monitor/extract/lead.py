"""The lead: the paragraph under the headline that the page also declares as its
description, or else the first prose under the headline in its box. It is split off the body
and never repeated as its first paragraph.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from lxml import html

from monitor.extract import noise as noiselib
from monitor.extract.words import FULL_STOP, SENTENCE_END, overlap, squash, weight, word_set
from monitor.text import normalize, tidy

_LEAD_SEARCH = 1500  # elements from the top of the page in which a dropped lead is looked for
# Where an update line above a dropped lead is looked for: the lead's box and two boxes around
# it, three elements before each; a line longer than this is not one line.
_NOTE_LEVELS, _NOTE_SIBLINGS, _NOTE_LENGTH = 2, 3, 1000
_HEADING_WORDS = 6  # a subheading this long says something; a kicker or a label is shorter
# A dek (the subtitle under the headline) is looked for in this many elements after the `<h1>`,
# and only counts when the walk reaches the text's first paragraphs (`_DEK_STOPS` of them).
# It stands beside the `<h1>` or beside a box around it, in a box of its own at most
# (`_DEK_LEVELS`), and is one short paragraph: a caption or a teaser runs longer.
_DEK_SEARCH, _DEK_STOPS, _DEK_LEVELS, _DEK_LENGTH = 60, 4, 1, 300
_BLOCK_TAGS = {"p", "div", "section", "article", "header", "h2", "h3", "h4", "ul", "ol", "li"}
_DEK_TAGS = {"p", "div", "h2", "h3", "h4", "span", "strong"}


def split_lead(
    root: html.HtmlElement,
    h1: html.HtmlElement | None,
    body: list[str],
    descriptions: list[str],
    noise: list[str],
    titles: Sequence[str],
) -> tuple[str, list[str]]:
    """Split the lead off the body; it is never repeated as the first body paragraph.

    A subtitle under the headline (a dek, not one of `titles`) leads the text when the content
    extractor dropped it; a lead found below it then opens the body.
    """
    text, body = _declared_lead(root, body, descriptions, noise)
    if not text and h1 is not None:
        text, body = _header_lead(h1, body)
    if text and body and body[0].startswith(text) and len(body[0]) > len(text):
        # The extractor ran the lead and the first paragraph together.
        body = [p for p in [body[0][len(text) :].strip(), *body[1:]] if p]
    if h1 is not None and (dek := _dek(h1, [text, *body[:_DEK_STOPS]], titles)):
        # The subtitle under the headline leads the text; a lead found below it opens the body.
        key = squash(dek)
        noise[:] = [n for n in noise if squash(n) != key]
        return dek, [text, *body] if text else body
    return text, body


def _dek(h1: html.HtmlElement, first: list[str], titles: Sequence[str]) -> str:
    """The subtitle between the headline and the first paragraphs found (`first`), which the
    content extractor dropped with the header: a sentence, or a heading of several words.

    It is the first line of `_HEADING_WORDS` words or more after the `<h1>` (shorter ones are
    labels, dates, bylines), it stands near the `<h1>` (`_DEK_LEVELS`), and it counts only when
    the walk from there reaches one of those paragraphs within `_DEK_SEARCH` elements: a
    caption, a byline or a promo in that place is no dek, and nothing further down is taken.
    """
    stops = [k for k in map(squash, first) if len(k) > 20]
    if not stops:
        return ""
    found: str | None = None  # the first long line after the headline, once seen
    seen = 0
    node = h1
    for level in itertools.count():
        if node is None or node.tag == "body":
            return ""
        stack = [(el, 0) for el in reversed(list(node.itersiblings()))]
        while stack:
            el, depth = stack.pop()
            seen += 1
            if seen > _DEK_SEARCH:
                return ""
            if el.tag not in _DEK_TAGS or any(c.tag in _BLOCK_TAGS for c in el):
                stack.extend((c, depth + 1) for c in reversed(el) if isinstance(c.tag, str))
                continue
            text = tidy(el.text_content())
            key = squash(text)
            if len(key) > 20 and any(key in s or s in key for s in stops):
                return found or ""  # the text begins: the line before it is the dek
            if found is None and weight(text) >= _HEADING_WORDS:
                near = level <= _DEK_LEVELS and depth <= _DEK_LEVELS
                found = text if near and _is_dek(el, text, titles) else ""
        node = node.getparent()
    return ""


def _is_dek(el: html.HtmlElement, text: str, titles: Sequence[str]) -> bool:
    if len(text) > _DEK_LENGTH or el.getparent().tag == "a":
        return False
    if el.tag not in ("h2", "h3", "h4") and (weight(text) < 8 or not FULL_STOP.search(text)):
        return False
    words = text.split()
    if sum(any(ch.isdigit() for ch in w) for w in words) > 0.2 * len(words):
        return False  # a date line
    if sum(len(a.text_content()) for a in el.iter("a")) > 0.3 * len(text):
        return False  # a link to another page, a call to follow one
    heard = word_set(text)
    if any(overlap(heard, word_set(t)) >= 0.5 for t in titles):
        return False  # the headline again, or a variant of it
    return not (noiselib.is_noise(text) or noiselib.BYLINE_LINE.match(text))


def _declared_lead(
    root: html.HtmlElement, body: list[str], descriptions: list[str], noise: list[str]
) -> tuple[str, list[str]]:
    """The paragraph under the headline that the page also declares as its description."""
    if not descriptions:
        return "", body
    limit = 2 * max(len(d) for d in descriptions) + 100

    stems = [squash(d.rstrip(".… ")) for d in descriptions]
    described = [word_set(d) for d in descriptions]  # once: `matches` runs on many candidates

    def matches(text: str) -> bool:
        if not 20 <= len(text) <= limit:
            return False
        key = squash(text)
        if not any(len(s) > 30 and key.startswith(s) for s in stems):
            words = word_set(text)
            if not any(overlap(words, d) >= 0.7 for d in described):
                return False
        return not noiselib.is_noise(text)

    for i, text in enumerate(body[:3]):
        if matches(text):
            before = body[:i]
            if all(len(p.split()) < 15 for p in before):  # labels and captions above the lead
                # An update line above the lead stays: it is the edit readers look for; so does
                # a subheading that says something (a label or a kicker is a few words).
                headings = _subheadings(root)
                notes = [p for p in before if noiselib.is_editor_note(p) or squash(p) in headings]
                noise.extend(p for p in before if p not in notes)
                return text, notes + body[i + 1 :]
            return text, before + body[i + 1 :]
    # The extractor dropped the lead (it often sits in the header, apart from the text): find it
    # near the top of the page.
    candidates = root.find("body").iter("p", "div", "span", "h2", "strong")
    for el in itertools.islice(candidates, _LEAD_SEARCH):
        raw = el.text_content()
        if len(raw) > 4 * limit or not matches(normalize(raw)):
            continue
        while True:  # the smallest box that holds the lead, not a wrapper around the whole header
            inner = [
                c for c in el if isinstance(c.tag, str) and matches(normalize(c.text_content()))
            ]
            if not inner:
                break
            el = inner[0]
        text = _standfirst(el, body)
        if not matches(text) or any(squash(text) == squash(p) for p in body[3:]):
            break  # the description quotes a paragraph of the text: there is no separate lead
        rest = [p for p in body if squash(p) != squash(text)]
        return text, _notes_before(el, rest) + rest
    return "", body


def _subheadings(root: html.HtmlElement) -> set[str]:
    """The page's subheadings long enough to say something, squashed."""
    found = set()
    for el in root.iter("h2", "h3", "h4"):
        text = tidy(el.text_content())
        if weight(text) >= _HEADING_WORDS and not noiselib.is_noise(text):
            found.add(squash(text))
    return found


def _notes_before(el: html.HtmlElement, body: list[str]) -> list[str]:
    """Update and correction lines printed just above a lead found outside the body.

    The content extractor dropped the lead's box, and with it the line the editor put above
    the lead ("Update, 14:32 Uhr: …"): the edit readers most want to see.
    """
    known = {squash(p) for p in body}
    notes: list[str] = []
    for level, box in enumerate((el, *el.iterancestors())):
        if level > _NOTE_LEVELS or box.tag in ("body", "main", "article"):
            break
        for sib in itertools.islice(box.itersiblings(preceding=True), _NOTE_SIBLINGS):
            if not isinstance(sib.tag, str):
                continue
            text = tidy(sib.text_content())
            key = squash(text)
            if len(text) <= _NOTE_LENGTH and key not in known and noiselib.is_editor_note(text):
                notes.insert(0, text)
                known.add(key)
    return notes


def _standfirst(el: html.HtmlElement, body: list[str]) -> str:
    """The text of a lead box up to the first body paragraph it holds ("" when it opens with one).

    Some pages put the caption and the whole text inside the standfirst's box: taking the
    box's text would store the article twice, as the lead and again as the body.
    """
    text = tidy(el.text_content())
    key = squash(text)
    inside = [p for p in body if len(p) >= 40 and squash(p) != key and squash(p) in key]
    if not inside:
        return text
    found = [text.find(p) for p in inside]
    return text[: min(found)].strip() if min(found) >= 0 else ""


def _header_lead(h1: html.HtmlElement, body: list[str]) -> tuple[str, list[str]]:
    """Without a declared description, the lead is the first prose under the `<h1>` in its box."""
    header = h1
    later = {squash(p) for p in body[1:]}
    for parent in h1.iterancestors():
        if parent.tag in ("body", "main", "article") or len(parent.text_content()) > 3000:
            break
        if any(squash(el.text_content()) in later for el in parent.iter("p")):
            break  # past the header: this box holds the article text itself
        header = parent
    after_h1 = False
    for el in header.iter():
        if el is h1:
            after_h1 = True
            continue
        if not after_h1 or el.tag not in ("p", "div") or h1 in el.iterancestors():
            continue
        text = tidy(el.text_content())
        if len(text.split()) < 12 or not SENTENCE_END.search(text) or noiselib.is_noise(text):
            continue
        if any(normalize(c.text_content()) for c in el.iter("p", "div") if c is not el):
            continue  # a wrapper: the lead is one of its children
        text = _standfirst(el, body)
        if len(text.split()) < 12 or not SENTENCE_END.search(text):
            return "", body  # the box holds the article text itself, not a standfirst above it
        if squash(text) in later:
            return "", body  # the first prose under the headline is ordinary body text
        return text, [p for p in body if squash(p) != squash(text)]
    return "", body
