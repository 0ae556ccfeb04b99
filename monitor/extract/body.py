"""The article's text: trafilatura's blocks sorted into body paragraphs and noise.

Each block of the main text (`monitor.extract.maintext`) is judged again: the headline
printed twice, bylines, labels above the text, source lists and link lines go to noise.
Repeats are dropped, text that JSON-LD `articleBody` holds but the main text missed is
rescued, and subheadings the main text dropped are put back. The lead is split off after
(`monitor.extract.lead`).
"""

from __future__ import annotations

import re

from lxml import html

from monitor.extract import noise as noiselib
from monitor.extract.maintext import Block
from monitor.extract.words import (
    FULL_STOP,
    SENTENCE_END,
    letters_and_digits,
    overlap,
    squash,
    trigrams,
    weight,
    word_set,
)
from monitor.text import tidy


def sort(found: list[Block], titles: list[str]) -> tuple[list[str], list[str], str]:
    """Split blocks into body paragraphs and noise; also return a byline if one was printed."""
    title_keys = {squash(t) for t in titles}
    title_words = [word_set(t) for t in titles]  # once, not once per paragraph
    body: list[tuple[Block, str]] = []
    noise: list[str] = []
    byline = ""
    started = False  # the first sentence-like paragraph has been seen
    source_group = -1
    for block in found:
        text = block.text
        words = weight(text)
        if squash(text) in title_keys:
            continue  # the headline, printed again
        if not started and _like_a_title(text, title_words):
            continue  # a variant of the headline above the text
        if noiselib.BYLINE_LINE.match(text) and words <= 10:
            byline = byline or noiselib.BYLINE_LINE.sub(r"\g<name>", text)
            continue
        if noiselib.SOURCES_LABEL.match(text):
            source_group = block.group + 1  # the list that follows names the sources
            noise.append(text)
            continue
        if (
            noiselib.is_noise(text)
            or (block.kind == "item" and block.group == source_group)
            or (block.link_share > 0.8 and block.kind in ("p", "item") and _is_teaser_line(text))
            or (not started and words <= 4 and not FULL_STOP.search(text))
        ):
            noise.append(text)
            continue
        started = started or words >= 8 or bool(SENTENCE_END.search(text))
        body.append((block, text))
    # A heading or label with nothing under it headed a box that was removed; a heading
    # that ends like a sentence is text.
    while body and _headed_removed_box(*body[-1]):
        noise.append(body.pop()[1])
    return drop_doubles([text for _, text in body], min_len=40), noise, byline


def _like_a_title(text: str, title_words: list[set[str]]) -> bool:
    """`similarity(text, title) >= 0.8` for a title, its word sets built beforehand."""
    if not title_words:
        return False
    words = word_set(text)
    return any(overlap(words, t) >= 0.8 for t in title_words)


def _headed_removed_box(block: Block, text: str) -> bool:
    if block.kind == "head":
        return not FULL_STOP.search(text)
    return _is_label(text)


def _is_teaser_line(text: str) -> bool:
    """A linked line that reads like a headline (no full stop) links to another article."""
    return len(text) < 250 and not FULL_STOP.search(text)


def _is_label(text: str) -> bool:
    return weight(text) <= 6 and not SENTENCE_END.search(text)


def drop_doubles(texts: list[str], min_len: int = 0) -> list[str]:
    """Drop a block printed twice in a row (one copy per screen size). A repeat further on is
    the text's own: an interview's recurring question, a recipe line in two menus."""
    out: list[str] = []
    previous = None
    for text in texts:
        key = squash(text)
        if key != previous or len(text) < min_len:
            out.append(text)
        previous = key
    return out


def dedupe(texts: list[str], min_len: int = 0) -> list[str]:
    """Drop repeats (responsive pages print some blocks twice); short lines may repeat rightly."""
    seen: set[str] = set()
    out = []
    for text in texts:
        key = squash(text)
        if key in seen and len(text) >= min_len:
            continue
        seen.add(key)
        out.append(text)
    return out


def rescue(root: html.HtmlElement, body: list[str], article_body: str) -> list[str]:
    """When JSON-LD `articleBody` holds far more text than was found, take the page's blocks in it.

    Some layouts split the text over several containers (ads between chunks);
    the content extractor then keeps only one of them.
    """
    found = sum(len(p) for p in body)
    if len(article_body) < 1.5 * found + 200:
        return body
    known = trigrams(article_body)
    rescued = []
    for el in root.iter("p", "h2", "h3", "h4", "li", "blockquote"):
        if any(a.tag in ("p", "li", "blockquote") for a in el.iterancestors()):
            continue
        text = tidy(el.text_content())
        grams = trigrams(text) or {tuple(re.findall(r"\w+", text.casefold()))}
        # Most of its word triples, not all: articleBody may inline link targets or differ a little.
        in_article_body = len(grams & known) >= 0.6 * len(grams)
        if weight(text) >= 2 and in_article_body and not noiselib.is_noise(text):
            rescued.append(text)
    if sum(len(p) for p in rescued) <= found:
        return body
    return dedupe(rescued, min_len=40)


def restore_headings(root: html.HtmlElement, body: list[str], titles: list[str]) -> list[str]:
    """Put back the subheadings the content extractor dropped between two paragraphs it kept.

    Without `<article>` or `<main>` around the text, trafilatura falls back to
    collecting paragraphs and loses the `<h2>`s between them.
    """
    headings = [
        h
        for h in root.iter("h2", "h3", "h4")
        if h.getprevious() is not None and h.getnext() is not None
    ]
    if not headings:
        return body

    def key(text: str) -> str:  # squash() without normalize(): this runs on every paragraph
        return letters_and_digits(text.casefold())[:200]

    where = {key(p): i for i, p in enumerate(body)}
    skip = {key(t) for t in titles}
    found = []
    for heading in headings:
        i = where.get(key(heading.getprevious().text_content()))
        if i is None or where.get(key(heading.getnext().text_content())) != i + 1:
            continue
        text = tidy(heading.text_content())
        new = key(text) not in where and key(text) not in skip
        if text and new and weight(text) <= 15 and not noiselib.is_noise(text):
            found.append((i + 1, text))
    for i, text in reversed(found):
        body.insert(i, text)
    return body
