"""The article's text: trafilatura's blocks sorted into lead, body paragraphs and noise.

trafilatura finds the main text of a cleaned page (see `monitor.extract.prune`) and
keeps its structure: headings, paragraphs, list items, quotes. Here each block
is judged again: the headline printed twice, bylines, labels above the text,
source lists and link lines go to noise; the lead is the paragraph the page
also declares as its description, or the first prose under the headline.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import trafilatura
from lxml import etree, html
from trafilatura.external import SANITIZED_XPATH
from trafilatura.settings import Document, Extractor

from monitor.extract import noise as noiselib
from monitor.text import normalize

_SENTENCE_END = re.compile(r"[.!?:\"')»“”]$")
_FULL_STOP = re.compile(r"[.!?\"')»“”]$")
_NOT_WORD = re.compile(r"[\W_]+")
_LEAD_SEARCH = 1500  # elements from the top of the page in which a dropped lead is looked for


def squash(text: str) -> str:
    """A key blind to case, spacing and punctuation: "Kicker:Headline" = "Kicker: Headline"."""
    return _letters_and_digits(normalize(text).casefold())


# The Latin-1 characters that are not letters or digits: `_NOT_WORD` matches them there.
_NOT_ALNUM_LATIN1 = bytes(b for b in range(256) if not chr(b).isalnum())


def _letters_and_digits(text: str) -> str:
    """`text` without what `_NOT_WORD` matches. Normalized text is almost always Latin-1, where
    deleting bytes is five times faster than the regular expression."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return _NOT_WORD.sub("", text)
    return raw.translate(None, _NOT_ALNUM_LATIN1).decode("latin-1")


def similarity(a: str, b: str) -> float:
    """Dice overlap of the word sets: 1.0 for the same words in any order."""
    ta, tb = _words(a), _words(b)
    return 2 * len(ta & tb) / (len(ta) + len(tb)) if ta and tb else 0.0


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", normalize(text).casefold()))


def trigrams(text: str) -> set[tuple[str, ...]]:
    """The word triples of a text: a cheap fingerprint of a sentence for finding it elsewhere."""
    words = re.findall(r"\w+", normalize(text).casefold())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


@dataclass
class Block:
    """One paragraph-level piece of the main text."""

    kind: str  # p, head, item, quote, row
    text: str
    link_share: float  # share of the text that is link text
    group: int  # blocks from one list share a group


def blocks(root: html.HtmlElement, url: str) -> list[Block]:
    """trafilatura's main text as blocks, keeping headings, list items and quotes apart."""
    doc = main_text(root, url)
    if doc is None or doc.body is None:
        return []
    out: list[Block] = []

    def emit(kind: str, el: etree._Element) -> None:
        for text, link_share in _lines(el):
            out.append(Block(kind, text, link_share, len(out) and out[-1].group + 1))

    def walk(el: etree._Element) -> None:
        if el.tag == "list":
            group = len(out) and out[-1].group + 1
            for item in el.iter("item"):
                out.extend(Block("item", t, s, group) for t, s in _lines(item))
        elif el.tag == "quote":
            for part in list(el.iter("p")) or [el]:
                emit("quote", part)
        elif el.tag == "table":
            for row in el.iter("row"):
                emit("row", row)
        elif el.tag in ("p", "head") or not any(c.tag in _CONTAINERS for c in el):
            emit("head" if el.tag == "head" else "p", el)
        else:
            # A container (the fallback extractors return some): its blocks, and loose text
            # between them as paragraphs of their own.
            loose = etree.Element("p")
            loose.text = el.text
            for child in el:
                if child.tag in _CONTAINERS:
                    emit("p", loose)
                    loose = etree.Element("p")
                    walk(child)
                    loose.text = child.tail
                else:
                    loose.append(_copy_inline(child))
            emit("p", loose)

    for el in doc.body:
        walk(el)
    return out


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

    def walk(node: etree._Element, in_link: bool) -> None:
        if node.tag == "list" and node is not el:
            return  # a nested list yields its own items
        inner_block = node is not el and node.tag in ("p", "head", "quote", "item")
        if inner_block:
            lines.append([])
        in_link = in_link or node.tag == "ref"
        if node.tag == "lb":
            lines.append([])
        elif node.text:
            lines[-1].append((node.text, in_link))
        for child in node:
            walk(child, in_link)
            if child.tail:
                lines[-1].append((child.tail, in_link))
        if inner_block:
            lines.append([])

    walk(el, False)
    out = []
    for line in lines:
        text = normalize("".join(t for t, _ in line))
        if text:
            linked = sum(len(t.strip()) for t, link in line if link)
            out.append((text, min(1.0, linked / len(text))))
    return out


# --- trafilatura's fast mode where its full mode would agree ---------------------------------

# `_full_agrees` follows trafilatura's cascade as this version runs it (core.py
# trafilatura_sequence, external.py compare_extraction); any other version gets the full mode.
_FAST_GATE = trafilatura.__version__ == "2.3.1"
_OPTIONS = {
    "output_format": "python",
    "comments": False,
    "tables": True,
    "images": False,
    "formatting": False,
    "links": True,  # link share tells teaser lines from prose
    "dedup": False,
    "with_metadata": False,
}


def main_text(root: html.HtmlElement, url: str) -> Document | None:
    """trafilatura's main text of `root`, exactly as its full mode finds it.

    The full mode checks its result against readability's (and sometimes jusText's), which
    costs more than the extraction itself and on a pruned page hardly ever changes it. So
    the fast mode runs first, and its result stands when that check provably could not have
    replaced it (`_full_agrees`); otherwise the full mode runs.
    """
    if _FAST_GATE:
        probe = _FastProbe(url)
        try:
            doc = trafilatura.bare_extraction(root, options=probe)
        except Exception:  # an attempt only: the full mode decides what a failure is
            doc = None
        if _full_agrees(root, doc, probe):
            return doc
    return trafilatura.bare_extraction(root, options=Extractor(**_OPTIONS, url=url))


class _FastProbe(Extractor):
    """`_OPTIONS` in fast mode, counting how often trafilatura asks whether it is fast.

    Every branch where the fast and the full mode differ asks: the check against the other
    extractors (skipped in fast mode, asked once on every page), the rescue of "wild" text
    when the main pass found little, and the recall retry of a short text (asked only when
    they run).
    """

    __slots__ = ("asked",)

    def __init__(self, url: str) -> None:
        super().__init__(**_OPTIONS, url=url, fast=True)
        self.asked = 0

    @property
    def fast(self) -> bool:
        self.asked += 1
        return True

    @fast.setter
    def fast(self, value: bool) -> None:
        pass  # always fast


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


def sort(found: list[Block], titles: list[str]) -> tuple[list[str], list[str], str]:
    """Split blocks into body paragraphs and noise; also return a byline if one was printed."""
    title_keys = {squash(t) for t in titles}
    body: list[tuple[Block, str]] = []
    noise: list[str] = []
    byline = ""
    started = False  # the first sentence-like paragraph has been seen
    source_group = -1
    for block in found:
        text = block.text
        words = len(text.split())
        if squash(text) in title_keys:
            continue  # the headline, printed again
        if not started and any(similarity(text, t) >= 0.8 for t in titles):
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
            or (not started and words <= 4 and not _FULL_STOP.search(text))
        ):
            noise.append(text)
            continue
        started = started or words >= 8 or bool(_SENTENCE_END.search(text))
        body.append((block, text))
    # A heading or label with nothing under it headed a box that was removed.
    while body and (body[-1][0].kind == "head" or _is_label(body[-1][1])):
        noise.append(body.pop()[1])
    return dedupe([text for _, text in body], min_len=40), noise, byline


def _is_teaser_line(text: str) -> bool:
    """A linked line that reads like a headline (no full stop) links to another article."""
    return len(text) < 250 and not _FULL_STOP.search(text)


def _is_label(text: str) -> bool:
    return len(text.split()) <= 6 and not _SENTENCE_END.search(text)


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
        text = normalize(el.text_content())
        grams = trigrams(text) or {tuple(re.findall(r"\w+", text.casefold()))}
        # Most of its word triples, not all: articleBody may inline link targets or differ a little.
        in_article_body = len(grams & known) >= 0.6 * len(grams)
        if len(text.split()) >= 2 and in_article_body and not noiselib.is_noise(text):
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
        return _letters_and_digits(text.casefold())[:200]

    where = {key(p): i for i, p in enumerate(body)}
    skip = {key(t) for t in titles}
    found = []
    for heading in headings:
        i = where.get(key(heading.getprevious().text_content()))
        if i is None or where.get(key(heading.getnext().text_content())) != i + 1:
            continue
        text = normalize(heading.text_content())
        new = key(text) not in where and key(text) not in skip
        if text and new and len(text.split()) <= 15 and not noiselib.is_noise(text):
            found.append((i + 1, text))
    for i, text in reversed(found):
        body.insert(i, text)
    return body


def lead(
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

    def matches(text: str) -> bool:
        if not 20 <= len(text) <= limit:
            return False
        key = squash(text)
        similar = any(len(s) > 30 and key.startswith(s) for s in stems) or any(
            similarity(text, d) >= 0.7 for d in descriptions
        )
        return similar and not noiselib.is_noise(text)

    for i, text in enumerate(body[:3]):
        if matches(text):
            before = body[:i]
            if all(len(p.split()) < 15 for p in before):  # labels and captions above the lead
                noise.extend(before)
                return text, body[i + 1 :]
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
        text = normalize(el.text_content())
        if any(squash(text) == squash(p) for p in body[3:]):
            break  # the description quotes a later paragraph: there is no separate lead
        return text, [p for p in body if squash(p) != squash(text)]
    return "", body


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
        text = normalize(el.text_content())
        if len(text.split()) < 12 or not _SENTENCE_END.search(text) or noiselib.is_noise(text):
            continue
        if any(normalize(c.text_content()) for c in el.iter("p", "div") if c is not el):
            continue  # a wrapper: the lead is one of its children
        if squash(text) in later:
            return "", body  # the first prose under the headline is ordinary body text
        return text, [p for p in body if squash(p) != squash(text)]
    return "", body
