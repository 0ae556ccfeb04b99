"""trafilatura's XPath selectors, evaluated in Python with the same results.

trafilatura finds what to discard and where the text is with XPath expressions whose
`re:test()` calls go from libxml2 back into Python once per element and attribute: a fifth
of a worker's time on real pages went into them. The same test written as one Python
expression per element, over lxml's own iteration, takes a third of that.

`CompiledXPath` reads the part of XPath 1.0 these expressions use (one `.//` step, `self::`,
attributes, `contains`, `starts-with`, `translate`, `re:test`, `and`, `or`, `not`, `[1]`,
unions) and raises `Unsupported` on anything else; `install` puts the compiled form in place
of each of trafilatura's hot expressions that compiles, and leaves every other one as it
is, so a trafilatura release that changes an expression is still read right. The results are
the XPath's: the same elements in document order (tests/unit/test_extract_selectors.py
checks every installed expression against lxml's XPath).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'[^']*'|"[^"]*")
    | (?P<op>\.//|::|[()\[\],|=@*])
    | (?P<number>\d+)
    | (?P<name>[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)
    )""",
    re.VERBOSE,
)

# trafilatura's selectors that run on every page (trafilatura.xpaths lists, one expression
# in trafilatura.baseline): module, name.
HOT = (
    ("trafilatura.xpaths", "BODY_XPATH"),
    ("trafilatura.xpaths", "OVERALL_DISCARD_XPATH"),
    ("trafilatura.xpaths", "TEASER_DISCARD_XPATH"),
    ("trafilatura.xpaths", "DISCARD_IMAGE_ELEMENTS"),
    ("trafilatura.xpaths", "PRECISION_DISCARD_XPATH"),
    ("trafilatura.xpaths", "REMOVE_COMMENTS_XPATH"),
    ("trafilatura.xpaths", "REMOVE_COMMENTS_AND_LISTS_XPATH"),
    ("trafilatura.xpaths", "RAW_TREE_PRUNE_XPATH"),
    ("trafilatura.baseline", "BASIC_CLEAN_XPATH"),
)


class Unsupported(ValueError):
    """The expression uses XPath this module does not read."""


def _first(el: etree._Element, names: frozenset[str]) -> str:
    # A node-set's string value is its first node's: of two attributes, the one written first.
    return next((value for name, value in el.items() if name in names), "")


def _has(el: etree._Element, tag: str) -> bool:
    return next(el.iterdescendants(tag), None) is not None


class _Parser:
    """Recursive descent over the tokens; each predicate becomes Python source over `el`,
    whose constants (names, strings, compiled patterns) are variables, never inlined text."""

    def __init__(self, path: str) -> None:
        self.tokens: list[str] = []
        pos = 0
        while pos < len(path.rstrip()):
            match = _TOKEN.match(path, pos)
            if match is None or match.end() == pos:
                raise Unsupported(f"cannot read {path[pos : pos + 20]!r}")
            self.tokens.append(match.group(match.lastgroup or ""))
            pos = match.end()
        self.at = 0
        self.constants: dict[str, Any] = {"_first": _first, "_has": _has}

    def peek(self, ahead: int = 0) -> str | None:
        k = self.at + ahead
        return self.tokens[k] if k < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise Unsupported(f"expected {expected or 'more'}, found {token!r}")
        self.at += 1
        return token

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def string(self) -> str:
        token = self.take()
        if token[:1] not in "'\"":
            raise Unsupported(f"expected a string, found {token!r}")
        return token[1:-1]

    # --- paths ---------------------------------------------------------------------------
    def union(self) -> list[tuple[tuple[str, ...], str, bool, bool]]:
        branches = [self.path()]
        while self.peek() == "|":
            self.take("|")
            branches.append(self.path())
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek()!r}")
        return branches

    def path(self) -> tuple[tuple[str, ...], str, bool, bool]:
        """One `.//` step: (tags, predicate source, first per parent, first of all)."""
        if self.peek() == "(":
            self.take("(")
            tags, test, per_parent, _ = self.path()
            self.take(")")
            self.position()
            return tags, test, per_parent, True
        self.take(".//")
        node = self.take()
        tags: tuple[str, ...] = ()
        if node != "*":
            tags = (self.name(node),)
        tests: list[str] = []
        per_parent = False
        while self.peek() == "[":
            if self.peek(1) == "1" and self.peek(2) == "]":
                self.position()
                per_parent = True
                break
            self.take("[")
            start = self.at
            test = self.or_expr()
            self.take("]")
            kinds = self.self_tags(start)
            if not tags and not tests and kinds:
                tags = kinds  # the first predicate names the tags: lxml's iteration filters
            else:
                tests.append(test)
        return tags, " and ".join(f"({t})" for t in tests) or "True", per_parent, False

    def position(self) -> None:
        self.take("[")
        self.take("1")
        self.take("]")

    def self_tags(self, start: int) -> tuple[str, ...]:
        """The tags of a predicate made only of `self::x or self::y…`, else ()."""
        tokens = self.tokens[start : self.at - 1]
        parts = [tokens[k : k + 3] for k in range(0, len(tokens), 4)]
        joins = tokens[3::4]
        if all(len(p) == 3 and p[0] == "self" and p[1] == "::" for p in parts) and all(
            j == "or" for j in joins
        ):
            return tuple(p[2] for p in parts)
        return ()

    @staticmethod
    def name(token: str) -> str:
        if not re.fullmatch(r"[A-Za-z][\w-]*", token):
            raise Unsupported(f"not a tag name: {token!r}")
        return token

    # --- predicates ----------------------------------------------------------------------
    def or_expr(self) -> str:
        return self.joined("or", self.and_expr)

    def and_expr(self) -> str:
        return self.joined("and", self.unary)

    def joined(self, word: str, operand: Callable[[], str]) -> str:
        """Operands separated by `word` ("or", "and"), each in parentheses."""
        parts = [operand()]
        while self.peek() == word:
            self.take(word)
            parts.append(operand())
        return f" {word} ".join(f"({p})" for p in parts)

    def unary(self) -> str:
        token = self.peek()
        if token == "not" and self.peek(1) == "(":
            self.take("not")
            return f"not ({self.group()})"
        if token == "(":
            return self.group()
        if token == "self":
            self.take("self")
            self.take("::")
            return f"el.tag == {self.constant(self.name(self.take()))}"
        if token == ".//":
            self.take(".//")
            return f"_has(el, {self.constant(self.name(self.take()))})"
        if token == "@":
            names = self.attributes()
            if self.peek() == "=":
                self.take("=")
                value = self.constant(self.string())
                # A node-set equals a string when any of its nodes does.
                return " or ".join(f"el.get({self.constant(n)}) == {value}" for n in names)
            return " or ".join(f"el.get({self.constant(n)}) is not None" for n in names)
        if token in ("contains", "starts-with", "re:test"):
            self.take()
            self.take("(")
            text = self.string_argument()
            self.take(",")
            literal = self.string()
            flags = ""
            if token == "re:test" and self.peek() == ",":
                self.take(",")
                flags = self.string()
            self.take(")")
            if token == "contains":
                return f"{self.constant(literal)} in {text}"
            if token == "starts-with":
                return f"{text}.startswith({self.constant(literal)})"
            if set(flags) - {"i", "g"}:
                raise Unsupported(f"regular expression flags {flags!r}")
            # lxml's EXSLT re:test: re.search, ignoring case when the flags hold "i".
            pattern = re.compile(literal, re.IGNORECASE if "i" in flags else 0)
            return f"{self.constant(pattern)}.search({text}) is not None"
        raise Unsupported(f"unexpected {token!r}")

    def group(self) -> str:
        self.take("(")
        inner = self.or_expr()
        self.take(")")
        return inner

    def attributes(self) -> list[str]:
        names = []
        while True:
            self.take("@")
            names.append(self.name(self.take()))
            if self.peek() != "|" or self.peek(1) != "@":
                return names
            self.take("|")

    def string_argument(self) -> str:
        if self.peek() == "translate":
            self.take("translate")
            self.take("(")
            text = self.string_argument()
            self.take(",")
            old = self.string()
            self.take(",")
            new = self.string()
            self.take(")")
            # XPath's translate maps a character by its first place in `old`, and drops the
            # ones `new` has no partner for.
            table: dict[int, str | None] = {}
            for k, char in enumerate(old):
                table.setdefault(ord(char), new[k] if k < len(new) else None)
            return f"{text}.translate({self.constant(table)})"
        names = self.attributes()
        if len(names) == 1:
            return f"(el.get({self.constant(names[0])}) or '')"
        return f"_first(el, {self.constant(frozenset(names))})"


class CompiledXPath:
    """Stands for an lxml XPath object: called with an element, returns what it would.
    Raises `Unsupported` for XPath it does not read."""

    def __init__(self, xpath: etree.XPath) -> None:
        self.xpath = xpath
        self.path = xpath.path
        parser = _Parser(xpath.path)
        branches = parser.union()
        self.branches = []
        for tags, test, per_parent, first in branches:
            accepts = eval(f"lambda el: {test}", parser.constants)
            self.branches.append((tags, accepts, per_parent, first))
        # Branches without a position are one pass over the page, in document order.
        if len(branches) > 1 and not any(b[2] or b[3] for b in branches):
            kinds = [parser.constant(frozenset(b[0])) if b[0] else None for b in branches]
            tests = [
                f"({f'el.tag in {kind} and ' if kind else ''}({b[1]}))"
                for kind, b in zip(kinds, branches, strict=True)
            ]
            accepts = eval(f"lambda el: {' or '.join(tests)}", parser.constants)
            tags = (
                ()
                if any(not b[0] for b in branches)
                else tuple({t for b in branches for t in b[0]})
            )
            self.branches = [(tags, accepts, False, False)]

    def __call__(self, tree: Any, **variables: Any) -> list:
        if variables or not isinstance(tree, etree._Element):
            return self.xpath(tree, **variables)
        if len(self.branches) == 1:
            return _run(tree, *self.branches[0])
        found = {el for branch in self.branches for el in _run(tree, *branch)}
        ordered = []
        for el in tree.iterdescendants(etree.Element):
            if el in found:
                ordered.append(el)
                if len(ordered) == len(found):
                    break
        return ordered


def _run(
    tree: etree._Element,
    tags: tuple[str, ...],
    accepts: Callable[[etree._Element], bool],
    per_parent: bool,
    first: bool,
) -> list:
    elements = tree.iterdescendants(*tags) if tags else tree.iterdescendants(etree.Element)
    if first:
        found = next((el for el in elements if accepts(el)), None)
        return [] if found is None else [found]
    if not per_parent:
        return [el for el in elements if accepts(el)]
    # `[1]` on the step: of each parent's children that pass, the first.
    parents: set = set()
    out = []
    for el in elements:
        if accepts(el) and (parent := el.getparent()) not in parents:
            parents.add(parent)
            out.append(el)
    return out


def install() -> None:
    """Put the compiled form in place of each of trafilatura's hot selectors that compiles
    (lists are changed in place, so every module that imported them sees it); the others stay
    XPath."""
    import importlib

    for module_name, name in HOT:
        module = importlib.import_module(module_name)
        value = getattr(module, name, None)
        items = value if isinstance(value, list) else [value]
        for k, xpath in enumerate(items):
            if not isinstance(xpath, etree.XPath):
                continue
            try:
                compiled = CompiledXPath(xpath)
            except Unsupported:
                continue
            if isinstance(value, list):
                value[k] = compiled
            else:
                setattr(module, name, compiled)
