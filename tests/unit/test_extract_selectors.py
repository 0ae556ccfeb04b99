"""The Python form of trafilatura's selectors finds what lxml's XPath finds."""

from __future__ import annotations

import importlib
import random
import re
from itertools import pairwise

import pytest
from lxml import etree, html

from monitor.extract import selectors
from monitor.extract.selectors import CompiledXPath, Unsupported

RE = {"re": "http://exslt.org/regular-expressions"}
TAGS = ["div", "p", "span", "section", "article", "main", "aside", "list", "item", "ul", "ol"]
TAGS += ["details", "h1", "footer", "head", "quote", "cite", "svg", "script", "figure"]


def _originals() -> list[tuple[str, etree.XPath]]:
    """Every selector `install` handles, as trafilatura ships it (its XPath text recompiled)."""
    found = []
    for module_name, name in selectors.HOT:
        value = getattr(importlib.import_module(module_name), name)
        for k, item in enumerate(value if isinstance(value, list) else [value]):
            found.append((f"{name}[{k}]", etree.XPath(item.path, namespaces=RE)))
    return found


def _values(path: str) -> list[str]:
    """Attribute values that hit and nearly hit the expression's tests: its quoted strings,
    the words of its patterns, their case and their neighbours."""
    words = {"", "x", "post", "main"}
    for literal in re.findall(r"'([^']*)'", path):
        words.add(literal)
        pieces = [w for w in re.split(r"[^\w-]+", literal) if w]
        words.update(pieces)
        words.update(a + b for a, b in pairwise(pieces))  # "add-(?:box"
    out = set(words)
    for w in words:
        out.update({w.upper(), w.capitalize(), f"x{w}", f"{w}x", f"a {w}", f"{w}-ad", f"{w}ary"})
    return sorted(out)


def _tree(rng: random.Random, values: list[str], tags: list[str]) -> html.HtmlElement:
    root = html.Element("body")
    nodes = [root]
    for _ in range(rng.randint(5, 40)):
        el = etree.SubElement(rng.choice(nodes), rng.choice(tags))
        names = rng.sample(["id", "class", "role", "style", "aria-hidden", "data-component"], 3)
        for name in names[: rng.randint(0, 3)]:  # in random order: the first one written counts
            el.set(name, rng.choice(values))
        if rng.random() < 0.05:
            el.set("data-lp-replacement-content", "")
        el.text = "text"
        nodes.append(el)
    return root


@pytest.mark.parametrize(
    ("name", "xpath"), _originals(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_selector_finds_what_the_xpath_finds(name: str, xpath: etree.XPath) -> None:
    compiled = CompiledXPath(xpath)
    rng = random.Random(name)
    values = _values(xpath.path)
    tags = sorted({*TAGS, *re.findall(r"(?:self::|\.//)(\w+)", xpath.path)})
    hits = 0
    for _ in range(300):
        root = _tree(rng, values, tags)
        for context in (root, *root[:1]):
            expected = xpath(context)
            assert compiled(context) == expected, (name, html.tostring(context))
            hits += bool(expected)
    assert hits > 20  # the trees reached the tests, not only their misses


def test_the_first_attribute_written_is_the_one_read() -> None:
    xpath = etree.XPath(".//*[re:test(@id|@class, 'cookie')]", namespaces=RE)
    compiled = CompiledXPath(xpath)
    for markup, found in [
        ('<div><p id="cookie" class="x">a</p></div>', 1),
        ('<div><p class="x" id="cookie">a</p></div>', 0),
    ]:
        root = html.fragment_fromstring(markup)
        assert len(compiled(root)) == len(xpath(root)) == found


def test_first_per_parent_and_first_of_all_keep_xpaths_positions() -> None:
    root = html.fragment_fromstring(
        '<div><section><p class="a">1</p><p class="a">2</p></section><p class="a">3</p></div>'
    )
    for path in [".//p[@class='a'][1]", "(.//p[@class='a'])[1]", "(.//p)[1]|(.//section)[1]"]:
        xpath = etree.XPath(path)
        assert [e.text for e in CompiledXPath(xpath)(root)] == [e.text for e in xpath(root)]


@pytest.mark.parametrize(
    "path", ["//p", ".//p[2]", ".//p[text()]", ".//p[@id != 'x']", ".//*[local-name()='a']"]
)
def test_xpath_it_does_not_read_is_refused(path: str) -> None:
    with pytest.raises(Unsupported):
        CompiledXPath(etree.XPath(path))


def test_a_document_is_handed_to_the_xpath_itself() -> None:
    doc = etree.ElementTree(html.fromstring("<html><body><main>x</main></body></html>"))
    compiled = CompiledXPath(etree.XPath(".//main"))
    assert [e.tag for e in compiled(doc)] == ["main"]


def test_every_hot_selector_of_this_trafilatura_is_compiled() -> None:
    import monitor.extract.maintext  # noqa: F401  (installs them)

    for module_name, name in selectors.HOT:
        value = getattr(importlib.import_module(module_name), name)
        for item in value if isinstance(value, list) else [value]:
            assert isinstance(item, selectors.CompiledXPath), name
