"""Variants that differ from the page by a real edit: each of them must alert.
Makers as in `noise`: (original, variant) roots, or None when the page cannot have the edit."""

from __future__ import annotations

import copy
import random
import re

from lxml import html

from change_check import wording
from change_check.locate import WORD, Located, replace_in
from monitor.text import normalize

Pair = tuple[html.HtmlElement, html.HtmlElement]
_NUMBER = re.compile(r"\d+")
_LONG_RUN = 15  # a run of letters this long is a script without spaces: change a few of them


def _change_word(m: re.Match, rng: random.Random) -> str:
    word = m.group(0)
    if len(word) > _LONG_RUN:
        middle = len(word) // 2
        return word[:middle] + wording.new_word("", rng) + word[middle + 3 :]
    return wording.new_word(word, rng)


def _middle(elements: list[html.HtmlElement]) -> html.HtmlElement | None:
    return elements[len(elements) // 2] if elements else None


def headline_word(loc: Located, rng: random.Random) -> Pair | None:
    """One word of the `<h1>`, and the same headline in the page's title and metadata."""
    if loc.h1 is None:
        return None
    fork = loc.fork()
    h1 = fork.find(loc.h1)
    old = normalize(h1.text_content())
    if not replace_in(h1, WORD, lambda m: _change_word(m, rng), pick=rng.randrange(99)):
        return None
    new = normalize(h1.text_content())
    for el in fork.root.iter("title", "meta", "script"):
        if el.tag == "meta" and old in (el.get("content") or ""):
            el.set("content", el.get("content").replace(old, new))
        elif el.tag == "title" or "ld+json" in (el.get("type") or ""):
            el.text = (el.text or "").replace(old, new)
    return loc.root, fork.root


def _edit_in_body(loc: Located, pattern: re.Pattern, change, rng: random.Random) -> Pair | None:
    body = loc.body_paragraphs()
    order = body[len(body) // 2 :] + body[: len(body) // 2]  # from the middle on
    for el in order:
        fork = loc.fork()
        if replace_in(fork.find(el), pattern, change, pick=rng.randrange(99)):
            return loc.root, fork.root
    return None


def sentence_word(loc: Located, rng: random.Random) -> Pair | None:
    return _edit_in_body(loc, WORD, lambda m: _change_word(m, rng), rng)


def number(loc: Located, rng: random.Random) -> Pair | None:
    return _edit_in_body(loc, _NUMBER, lambda m: str(int(m.group(0)) + 7), rng)


def paragraph_added(loc: Located, rng: random.Random) -> Pair | None:
    """A paragraph like the middle one (same tag, same attributes) after it."""
    after = _middle(loc.body_paragraphs())
    if after is None:
        return None
    fork = loc.fork()
    there = fork.find(after)
    added = copy.deepcopy(there)
    for child in list(added):
        added.remove(child)
    added.text, added.tail = wording.sentence(loc.lang, rng), None
    there.addnext(added)
    return loc.root, fork.root


def paragraph_removed(loc: Located, rng: random.Random) -> Pair | None:
    body = loc.body_paragraphs()
    if len(body) < 3:
        return None
    fork = loc.fork()
    fork.find(_middle(body)).drop_tree()  # drop_tree keeps the text that follows it
    return loc.root, fork.root


def update_line(loc: Located, rng: random.Random) -> Pair | None:
    """An editor's update line above the lead (the first paragraph when none is split off)."""
    first = loc.lead if loc.lead is not None else (loc.paragraphs or [None])[0]
    if first is None:
        return None
    when = "Update, 14:32 Uhr:" if wording.lang_of(loc.lang) == "de" else "Update, 2:32 p.m.:"
    line = html.fragment_fromstring(
        f"<p><strong>{when}</strong> {wording.sentence(loc.lang, rng)}</p>"
    )
    fork = loc.fork()
    fork.find(first).addprevious(line)
    return loc.root, fork.root
