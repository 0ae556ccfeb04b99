"""Give the body back the no-break spaces the page printed.

trafilatura turns U+00A0 (and the narrow and thin spaces of French and of numbers) into plain
spaces in the text it returns. What the outlet published is what newsmon stores ("10 km",
"« Oui »"), so the paragraphs of the page that held such spaces are read before extraction,
and a body paragraph that is one of them, or a part of one, takes its spaces back. Only those
paragraphs are looked at: most pages hold none, and cost one walk over the tree.
"""

from __future__ import annotations

import bisect
import itertools
import re

from lxml import etree, html

from monitor.text import tidy

_SPACES = "\u00a0\u202f\u2009\u2007"  # no-break, narrow no-break, thin, figure space
_BLOCKS = {"p", "li", "dd", "dt", "td", "th", "blockquote", "figcaption", "caption"}
_BLOCKS |= {"h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "article", "body"}
_INNER = _BLOCKS - {"body"}  # a holder only counts inside one of these
_RUN = re.compile(r"\s{2,}")


def spaced_blocks(root: html.HtmlElement) -> dict[str, str]:
    """The page's paragraphs holding a no-break (or narrow) space: plain-spaced key → as printed."""
    found: dict[str, str] = {}
    seen: set[html.HtmlElement] = set()  # a paragraph with many such spaces is read once
    for start in _holders(root):
        block = start
        while block.tag not in _BLOCKS:  # a holder lies in a block other than body
            block = block.getparent()
        if block in seen:
            continue
        seen.add(block)
        text = _RUN.sub(_keep_special, tidy(block.text_content()))
        found.setdefault(" ".join(text.split()), text)
    return found


def _holders(root: html.HtmlElement) -> list[html.HtmlElement]:
    """In document order, the element holding each text with such a space: the element itself
    for its text, and (as lxml keeps it there) for the text after its end tag too. Only holders
    inside a block other than body count, and a subtree is entered only if its text, serialised
    at once in C, holds such a space: a walk over every element costs several times more."""
    found: list[html.HtmlElement] = []
    inside = root.tag in _INNER
    if not inside or _has_space(_text(root)):
        stack = [(root, iter(root), inside)]
        if inside and root.text and _has_space(root.text):
            found.append(root)
        while stack:
            parent, children, inside = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if inside and parent.tail and _has_space(parent.tail):
                    found.append(parent)
                continue
            inner = inside or child.tag in _INNER
            if len(child) and (not inner or _has_space(_text(child))):
                stack.append((child, iter(child), inner))
                if inner and child.text and _has_space(child.text):
                    found.append(child)
                continue
            if inner and isinstance(child.tag, str) and child.text and _has_space(child.text):
                found.append(child)
            if inner and child.tail and _has_space(child.tail):
                found.append(child)
    return found


def _text(el: html.HtmlElement) -> str:
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _has_space(text: str) -> bool:
    # Four substring tests beat a regular expression or an XPath over every text of the page.
    return "\u00a0" in text or "\u202f" in text or "\u2009" in text or "\u2007" in text


def restore(paragraphs: list[str], blocks: dict[str, str]) -> list[str]:
    """`paragraphs` with the page's no-break spaces back, where a paragraph is (part of) one of
    `blocks`; the words never change, only which space stands between them."""
    if not blocks:
        return paragraphs
    # One search in C over all the blocks, a line each, finds the block a paragraph is part of.
    lines = "\n".join(blocks)
    starts = list(itertools.accumulate((len(p) + 1 for p in blocks), initial=0))
    printed = list(blocks.values())
    return [_restored(p, blocks, lines, starts, printed) for p in paragraphs]


def _restored(
    paragraph: str, blocks: dict[str, str], lines: str, starts: list[int], printed: list[str]
) -> str:
    key = " ".join(paragraph.split())  # holds no line break: a match lies within one block
    if key in blocks:
        return blocks[key]
    at = lines.find(key)
    while at >= 0:
        i = bisect.bisect_right(starts, at) - 1
        offset, end = at - starts[i], starts[i + 1] - 1
        if end - starts[i] == len(printed[i]):  # one character for one: positions agree
            return printed[i][offset : offset + len(key)]
        at = lines.find(key, end + 1)
    return paragraph


def _keep_special(run: re.Match) -> str:
    """A run of spaces as one character, the no-break one if the run held one."""
    return next((c for c in run.group() if c in _SPACES), " ")
