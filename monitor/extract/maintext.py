"""trafilatura's main text of a pruned page, as blocks: headings, paragraphs, list items,
quotes and table rows, each with the share of its text that is link text.

trafilatura finds the main text of a cleaned page (see `monitor.extract.prune`) and keeps
its structure; `monitor.extract.body` then judges each block again. Its fast mode is used
where its full mode provably agrees (`main_text`).
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import copy, deepcopy
from dataclasses import dataclass

import trafilatura
import trafilatura.core
import trafilatura.main_extractor
from lxml import etree, html
from trafilatura.external import SANITIZED_XPATH
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Document, Extractor

from monitor.extract import selectors, stopwords
from monitor.text import tidy

stopwords.install()
selectors.install()


@dataclass
class Block:
    """One paragraph-level piece of the main text."""

    kind: str  # p, head, item, quote, row
    text: str
    link_share: float  # share of the text that is link text
    group: int  # blocks from one list share a group


def blocks(root: html.HtmlElement) -> list[Block]:
    """trafilatura's main text as blocks, keeping headings, list items and quotes apart."""
    doc = main_text(root)
    if doc is None or doc.body is None:
        return []
    out: list[Block] = []
    for el in doc.body:
        _walk_blocks(el, out)
    return out


# The walks below are functions of the module, not closures: a recursive closure is a reference
# cycle, and it would keep the page's whole tree alive until the garbage collector ran.


def _emit(kind: str, el: etree._Element, out: list[Block]) -> None:
    for text, link_share in _lines(el):
        out.append(Block(kind, text, link_share, len(out) and out[-1].group + 1))


def _walk_blocks(el: etree._Element, out: list[Block]) -> None:
    if el.tag == "list":
        group = len(out) and out[-1].group + 1
        for item in el.iter("item"):
            out.extend(Block("item", t, s, group) for t, s in _lines(item))
    elif el.tag == "quote":
        for part in list(el.iter("p")) or [el]:
            _emit("quote", part, out)
    elif el.tag == "table":
        for row in el.iter("row"):
            _emit("row", row, out)
    elif el.tag in ("p", "head") or not any(c.tag in _CONTAINERS for c in el):
        _emit("head" if el.tag == "head" else "p", el, out)
    else:
        # A container (the fallback extractors return some): its blocks, and loose text
        # between them as paragraphs of their own.
        loose = etree.Element("p")
        loose.text = el.text
        for child in el:
            if child.tag in _CONTAINERS:
                _emit("p", loose, out)
                loose = etree.Element("p")
                _walk_blocks(child, out)
                loose.text = child.tail
            else:
                loose.append(_copy_inline(child))
        _emit("p", loose, out)


_CONTAINERS = {"p", "head", "list", "quote", "table", "div", "section", "article", "main"}


def _copy_inline(el: etree._Element) -> etree._Element:
    """A copy of an inline element (moving the original would disturb the walk over its parent)."""
    if not isinstance(el.tag, str):  # a comment or processing instruction: only its tail is text
        copy = etree.Element("hi")
        copy.tail = el.tail
        return copy
    copy = etree.Element(el.tag)
    copy.text, copy.tail = el.text, el.tail
    copy.extend(_copy_inline(c) for c in el)
    return copy


def _lines(el: etree._Element) -> list[tuple[str, float]]:
    """One block's text split at line breaks and inner paragraphs.

    Each line comes with the share of it that is link text.
    """
    lines: list[list[tuple[str, bool]]] = [[]]
    _walk_lines(el, el, False, lines)
    out = []
    for line in lines:
        text = tidy("".join(t for t, _ in line))
        if text:
            linked = sum(len(t.strip()) for t, link in line if link)
            out.append((text, min(1.0, linked / len(text))))
    return out


def _walk_lines(
    node: etree._Element, el: etree._Element, in_link: bool, lines: list[list[tuple[str, bool]]]
) -> None:
    """`node`'s text (within the block `el`) onto `lines`, with whether each piece is link text."""
    if node.tag == "list" and node is not el and el.tag != "row":
        return  # a nested list yields its own items; a list in a table cell is the cell's text
    inner_block = node is not el and node.tag in ("p", "head", "quote", "item")
    if inner_block:
        lines.append([])
    in_link = in_link or node.tag == "ref"
    if node.tag == "cell":
        lines[-1].append((" ", False))  # a row's cells read as words: "Preis 10 Euro"
    if node.tag == "lb":
        lines.append([])
    elif node.text:
        lines[-1].append((node.text, in_link))
    for child in node:
        _walk_lines(child, el, in_link, lines)
        if child.tail:
            lines[-1].append((child.tail, in_link))
    if inner_block:
        lines.append([])


# --- trafilatura's fast mode where its full mode would agree ---------------------------------

# `_full_agrees` follows trafilatura's cascade as this version runs it (core.py
# trafilatura_sequence, external.py compare_extraction); any other version gets the full mode.
_FAST_GATE = trafilatura.__version__ == "2.3.1"
_OPTIONS = {
    "output_format": "txt",  # "python" would also render the body as text, which goes unused
    "comments": False,
    "tables": True,
    "images": False,
    "formatting": False,
    "links": True,  # link share tells teaser lines from prose
    "dedup": False,
    "with_metadata": False,
    # No `url`: trafilatura would make every link's target absolute (courlan, urljoin), and
    # only the share of link text is read. The same text on the real pages, 1.3 % less work.
}


def main_text(root: html.HtmlElement) -> Document | None:
    """trafilatura's main text of `root`, exactly as its full mode finds it.

    The full mode checks its result against readability's (and sometimes jusText's), which
    costs more than the extraction itself and on a pruned page hardly ever changes it. So
    the fast mode runs first, and its result stands when that check provably could not have
    replaced it (`_full_agrees`); otherwise the full mode runs.
    """
    if _FAST_GATE:
        probe = _FastProbe()
        try:
            doc = trafilatura.bare_extraction(root, options=probe)
        except Exception:  # an attempt only: the full mode decides what a failure is
            doc = None
        if _full_agrees(root, doc, probe):
            return doc
    return trafilatura.bare_extraction(root, options=Extractor(**_OPTIONS))


class _FastProbe(Extractor):
    """`_OPTIONS` in fast mode, counting how often trafilatura asks whether it is fast.

    Every branch where the fast and the full mode differ asks: the check against the other
    extractors (skipped in fast mode, asked once on every page), the rescue of "wild" text
    when the main pass found little, and the recall retry of a short text (asked only when
    they run).
    """

    __slots__ = ("asked",)

    def __init__(self) -> None:
        super().__init__(**_OPTIONS, fast=True)
        self.asked = 0

    @property
    def fast(self) -> bool:
        self.asked += 1
        return True

    @fast.setter
    def fast(self, value: bool) -> None:
        pass  # always fast


_prepare_tree = trafilatura.core._prepare_tree


def _prepare_without_backup(tree: html.HtmlElement, options: Extractor, url: str | None) -> tuple:
    """trafilatura 2.3.1's `_prepare_tree`, without its backup copy of the cleaned tree in our
    fast mode: only the full mode's check against the other extractors reads that copy (and
    the comments, which are off). On a page of 10,000 elements a tree is 6.5 MB, and this
    was the fourth one alive at once."""
    if not isinstance(options, _FastProbe):
        return _prepare_tree(tree, options, url)
    return convert_tags(tree_cleaning(copy(tree), options), options, url), None


_extract_content = trafilatura.core.extract_content
_uncopied: list[html.HtmlElement] = []  # the cleaned tree of the fast attempt running now


def _content_without_backup(cleaned_tree: html.HtmlElement, options: Extractor) -> tuple:
    """trafilatura 2.3.1's `extract_content`, without its copy of the whole cleaned tree in our
    fast mode. The copy feeds the rescue of "wild" text after a short main pass, and in the
    fast mode that rescue never stands: it asks whether the mode is fast, and a second
    question sends the page to the full mode (`_full_agrees`), which copies for itself. On a
    page of 7,000 table cells the copy was 5 MB, at a worker's peak."""
    if not isinstance(options, _FastProbe):
        return _extract_content(cleaned_tree, options)
    _uncopied.append(cleaned_tree)
    try:
        return _extract_content(cleaned_tree, options)
    finally:
        _uncopied.clear()


def _copy_but_backup(element: etree._Element, memo: dict | None = None) -> etree._Element:
    """`deepcopy` for trafilatura's main extractor, except of the cleaned tree named above: in
    its place a stand-in that ends the fast attempt if it is read, after a short main pass.
    Two threads extracting at once only cost each other the saving."""
    if _uncopied and element is _uncopied[0]:
        _uncopied.clear()
        return _NoBackup()
    return deepcopy(element, memo)


class _ShortMainPass(Exception):
    """The fast mode's main pass found too little: the full mode decides (`main_text`)."""


class _NoBackup(etree.ElementBase):
    def iter(self, *tags: object) -> Iterator[etree._Element]:
        raise _ShortMainPass


if _FAST_GATE:
    trafilatura.core._prepare_tree = _prepare_without_backup
    trafilatura.core.extract_content = _content_without_backup
    trafilatura.main_extractor.deepcopy = _copy_but_backup


def _full_agrees(root: html.HtmlElement, doc: Document | None, probe: _FastProbe) -> bool:
    """Whether trafilatura's full mode would have returned the fast mode's `doc` unchanged.

    Asked once, the fast mode ran neither the wild-text rescue nor the recall retry: its
    main pass found at least `min_extracted_size` (250) characters, so the baseline rescue
    did not run either, and `doc.body` is that pass's result, which the full mode finds
    too. The full mode's check then keeps it when jusText is not called (nothing "unclean"
    in the body: asides, figures, buttons, times…) and readability's text cannot win: the
    body holds paragraph text and no more tables than paragraphs, and readability, which
    returns a part of the page's text, cannot reach twice its length.
    """
    if doc is None or doc.body is None or probe.asked != 1:
        return False
    body = doc.body
    if body.xpath(SANITIZED_XPATH) or not _HAS_PARAGRAPH_TEXT(body):
        return False
    if len(body.findall(".//table")) > len(body.findall(".//p")):
        return False
    # The main pass's text is at least this long: its clean-up afterwards only removes.
    found = len(" ".join(body.itertext()).strip())
    # readability's text, measured after trafilatura's trim(), is at most the page's, trimmed.
    page = root.text_content()
    return len(page) <= 2 * found or len(" ".join(page.split())) <= 2 * found


_HAS_PARAGRAPH_TEXT = etree.XPath("boolean(.//p//text())")
