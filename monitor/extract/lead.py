"""The lead: the paragraph under the headline that the page also declares as its
description, or else the first prose under the headline in its box. It is split off the body
and never repeated as its first paragraph.
"""

from __future__ import annotations

import itertools

from lxml import html

from monitor.extract import noise as noiselib
from monitor.extract.words import SENTENCE_END, overlap, squash, weight, word_set
from monitor.text import normalize, tidy

_LEAD_SEARCH = 1500  # elements from the top of the page in which a dropped lead is looked for
# Where an update line above a dropped lead is looked for: the lead's box and two boxes around
# it, three elements before each; a line longer than this is not one line.
_NOTE_LEVELS, _NOTE_SIBLINGS, _NOTE_LENGTH = 2, 3, 1000
_HEADING_WORDS = 6  # a subheading this long says something; a kicker or a label is shorter


def split_lead(
    root: html.HtmlElement,
    h1: html.HtmlElement | None,
    body: list[str],
    descriptions: list[str],
    noise: list[str],
) -> tuple[str, list[str]]:
    """Split the lead off the body; it is never repeated as the first body paragraph."""
    text, body = _declared_lead(root, body, descriptions, noise)
    if not text and h1 is not None:
        text, body = _header_lead(h1, body)
    if text and body and body[0].startswith(text) and len(body[0]) > len(text):
        # The extractor ran the lead and the first paragraph together.
        body = [p for p in [body[0][len(text) :].strip(), *body[1:]] if p]
    return text, body


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
