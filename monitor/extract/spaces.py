"""Give the body back the no-break spaces the page printed.

trafilatura turns U+00A0 (and the narrow and thin spaces of French and of numbers) into plain
spaces in the text it returns. What the outlet published is what newsmon stores ("10 km",
"« Oui »"), so the paragraphs of the page that held such spaces are read before extraction,
and a body paragraph that is one of them, or a part of one, takes its spaces back. Only those
paragraphs are looked at: most pages hold none, and cost one walk over the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree, html

from monitor.text import tidy

_SPACES = "\u00a0\u202f\u2009\u2007"  # no-break, narrow no-break, thin, figure space
_BLOCKS = {"p", "li", "dd", "dt", "td", "th", "blockquote", "figcaption", "caption"}
_BLOCKS |= {"h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "article", "body"}
_RUN = re.compile(r"\s{2,}")


def spaced_blocks(root: html.HtmlElement) -> dict[str, str]:
    """The page's paragraphs holding a no-break (or narrow) space: plain-spaced key → as printed."""
    found: dict[str, str] = {}
    if not _has_space(etree.tostring(root, method="text", encoding="unicode")):
        return found  # all of the page's text at once, in C: a page without one ends here
    seen: set[html.HtmlElement] = set()  # a paragraph with many such spaces is read once
    for start in _holders(root):
        block = start
        while block is not None and block.tag not in _BLOCKS:
            block = block.getparent()
        if block is None or block.tag == "body" or block in seen:
            continue
        seen.add(block)
        text = _RUN.sub(_keep_special, tidy(block.text_content()))
        found.setdefault(" ".join(text.split()), text)
    return found


def _holders(root: html.HtmlElement) -> Iterator[html.HtmlElement]:
    """In document order, the element holding each text with such a space: the element itself
    for its text, and (as lxml keeps it there) for the text after its end tag too."""
    for event, el in etree.iterwalk(root, events=("start", "end")):
        text = el.tail if event == "end" else el.text if isinstance(el.tag, str) else None
        if text and _has_space(text):
            yield el


def _has_space(text: str) -> bool:
    # Four substring tests beat a regular expression or an XPath over every text of the page.
    return "\u00a0" in text or "\u202f" in text or "\u2009" in text or "\u2007" in text


def restore(paragraphs: list[str], blocks: dict[str, str]) -> list[str]:
    """`paragraphs` with the page's no-break spaces back, where a paragraph is (part of) one of
    `blocks`; the words never change, only which space stands between them."""
    if not blocks:
        return paragraphs
    return [_restored(p, blocks) for p in paragraphs]


def _restored(paragraph: str, blocks: dict[str, str]) -> str:
    key = " ".join(paragraph.split())
    if key in blocks:
        return blocks[key]
    for plain, printed in blocks.items():
        at = plain.find(key) if len(plain) > len(key) else -1
        if at >= 0 and len(plain) == len(printed):  # one character for one: positions agree
            return printed[at : at + len(key)]
    return paragraph


def _keep_special(run: re.Match) -> str:
    """A run of spaces as one character, the no-break one if the run held one."""
    return next((c for c in run.group() if c in _SPACES), " ")
