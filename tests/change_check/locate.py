"""A page parsed once, with what the variants need: the elements that hold the article's
paragraphs as newsmon extracted them, the box around them, the headline, and text helpers."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree, html

from monitor.extract.decode import decode_html
from monitor.items import Article
from monitor.text import normalize

# Tags that hold one paragraph; `div` and `span` only when no such tag held it.
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "dd", "pre", "figcaption")
_LOOSE = ("div", "span", "section")
_SKIP = {"script", "style", "noscript", "template"}
WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass
class Located:
    """A parsed page and the article newsmon extracted from it (never modified: fork it)."""

    root: html.HtmlElement
    article: Article
    lang: str
    paragraphs: list[html.HtmlElement] = field(default_factory=list)  # lead first, in order
    lead: html.HtmlElement | None = None
    container: html.HtmlElement | None = None
    h1: html.HtmlElement | None = None

    def fork(self) -> Fork:
        return Fork(self)

    def body_paragraphs(self) -> list[html.HtmlElement]:
        """The paragraph elements after the lead's."""
        return [p for p in self.paragraphs if p is not self.lead]

    def outside(self, el: html.HtmlElement) -> bool:
        """Whether `el` is outside the article body box (neither in it nor around it) and not
        in the headline: a date printed in the headline is the headline's, not page noise."""
        if self.h1 is not None and (el is self.h1 or self.h1 in el.iterancestors()):
            return False
        if self.container is None:
            return True
        if el is self.container or any(a is self.container for a in el.iterancestors()):
            return False
        return not any(a is el for a in self.container.iterancestors())


class Fork:
    """A copy of a located page's tree, with its elements found by the original's."""

    def __init__(self, located: Located) -> None:
        self._tree = located.root.getroottree()
        self.root = copy.deepcopy(located.root)

    def find(self, el: html.HtmlElement) -> html.HtmlElement:
        path = self._tree.getpath(el)
        return self.root.getroottree().xpath(path)[0]

    def body(self) -> html.HtmlElement:
        return self.root.find("body")


def parse(data: bytes) -> html.HtmlElement:
    parser = html.HTMLParser(encoding="utf-8")
    return html.document_fromstring(decode_html(data, None).encode("utf-8"), parser=parser)


def serialize(root: html.HtmlElement) -> bytes:
    return etree.tostring(root, method="html", encoding="utf-8", doctype="<!DOCTYPE html>")


def locate(root: html.HtmlElement, article: Article, lang: str) -> Located:
    """The page with its article's paragraphs found among its elements."""
    found = Located(root, article, lang)
    wanted = [normalize(p) for p in article.paragraphs() if normalize(p)]
    where = _by_text(root, set(wanted), _BLOCKS)
    missing = set(wanted) - set(where)
    if missing:
        where.update(_by_text(root, missing, _LOOSE))
    found.paragraphs = [where[t] for t in dict.fromkeys(wanted) if t in where]
    if article.lead and normalize(article.lead) in where:
        found.lead = where[normalize(article.lead)]
    found.container = _common_ancestor(found.paragraphs)
    found.h1 = _headline(root, article.headline)
    return found


def _by_text(root: html.HtmlElement, wanted: set[str], tags: tuple) -> dict:
    """The first element of `tags` in document order whose whole text is each of `wanted`, at
    its deepest (`<div><p>text</p></div>` gives the `<p>`). A later copy elsewhere (a teaser
    card, a caption, the footer repeating the lead) is not the article's."""
    where: dict[str, html.HtmlElement] = {}
    for el in root.iter(*tags):
        text = normalize(el.text_content())
        if text in wanted and (text not in where or where[text] in el.iterancestors()):
            where[text] = el
    return where


def _common_ancestor(elements: list[html.HtmlElement]) -> html.HtmlElement | None:
    if not elements:
        return None
    if len(elements) == 1:
        return elements[0].getparent()
    chains = [[el, *el.iterancestors()][::-1] for el in elements]
    common = None
    for level in zip(*chains, strict=False):
        if any(el is not level[0] for el in level):
            break
        common = level[0]
    return common


def _headline(root: html.HtmlElement, headline: str) -> html.HtmlElement | None:
    if not headline:
        return None
    for h1 in root.iter("h1"):
        if headline in normalize(h1.text_content()):
            return h1
    return None


def text_slots(el: html.HtmlElement) -> Iterator[tuple[html.HtmlElement, str]]:
    """(element, "text" or "tail") for every piece of text inside `el`, scripts aside."""
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag not in _SKIP and node.text:
            yield node, "text"
        if node is not el and node.tail:
            yield node, "tail"


def replace_in(el: html.HtmlElement, pattern: re.Pattern, change, pick: int = 0) -> bool:
    """Replace the `pick`-th match (counted over all of `el`'s text, wrapping around) of
    `pattern` with `change(match)`; False when there is none."""
    slots = [
        (node, attr, m) for node, attr in text_slots(el) for m in _matches(node, attr, pattern)
    ]
    if not slots:
        return False
    node, attr, m = slots[pick % len(slots)]
    text = getattr(node, attr)
    setattr(node, attr, text[: m.start()] + change(m) + text[m.end() :])
    return True


def _matches(node: html.HtmlElement, attr: str, pattern: re.Pattern) -> list[re.Match]:
    return list(pattern.finditer(getattr(node, attr)))
