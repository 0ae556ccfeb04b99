"""Terms: how a rule's words, phrases, prefixes and /regexes/ compile and find text.

Words, phrases and prefixes match folded text: case and diacritics folded away,
ß as ss, ä/ö/ü as ae/oe/ue, any dash as "-", soft hyphens and zero-width
characters dropped. A term written with an umlaut also finds the bare vowel
("Grünen" finds Gruenen and Grunen; "Gruenen" finds Grünen, not Grunen). A match
on folded text is mapped back through an offset map, so its span points into the
original text however folding changed its length. Regular expressions run on the
original text, case-insensitively.

Hostile pages are bounded here: a regex that repeats a repeated group ((a+)+) is
refused when the rule loads, a regex reads at most REGEX_BUDGET characters of
one change, and a term keeps at most MAX_HITS spans per segment.

A module of its own because compiling and scanning are one concept that rules
only use: it is pure (the standard library and `monitor.text`, itself pure), so
the matching core tests in microseconds, and it knows nothing of rules, events
or diffs. `FoldedText` folds a change's segments once and scans each term once,
whatever the number of rules that use it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from monitor.text import normalize

# A regex scans at most this many characters of one change: a hostile or broken
# page (a megabyte in one paragraph) must not stall a cycle.
REGEX_BUDGET = 100_000


@dataclass(frozen=True, eq=False)  # one object per term (cached), so hashed by identity
class Term:
    """One compiled term; `compile_term` makes them."""

    pattern: re.Pattern[str]
    regex: bool  # True: runs on the original text; False: on folded text
    # Folded text every match contains: most terms are absent from most articles,
    # and `in` rules them out far faster than a regex scan.
    needle: str = ""


@functools.lru_cache(maxsize=4096)
def compile_term(term: str, substring: bool) -> Term:
    """A term compiled once and shared by every rule that uses it; ValueError says what is wrong."""
    raw = normalize(term)  # typographic quotes become ", so „a b“ is a phrase too
    regex = re.fullmatch(r"/(.+)/([a-z]*)", raw, re.DOTALL)
    if regex:
        if set(regex.group(2)) - {"i"}:
            raise ValueError(f"unknown regular expression flag in {raw!r} (only /…/i)")
        try:
            pattern = re.compile(regex.group(1), re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if _nested_quantifier(regex.group(1)):
            raise ValueError(
                f"regular expression {raw} repeats a repeated group, as (a+)+ or (\\w*)* do; "
                "that can take exponential time on a hostile page, so write it without the nesting"
            )
        if pattern.fullmatch(""):
            raise ValueError(f"regular expression {raw} matches empty text")
        return Term(pattern, True)
    if raw.startswith("/") and len(raw) > 1:
        raise ValueError(f"{raw!r} starts a regular expression but has no closing '/'")
    if raw.count('"') % 2:
        raise ValueError(f"unclosed quote in {raw!r}")
    # Quotes mark a phrase; unquoted words in a row are one too, the only sensible reading.
    words = [w for w in re.split(r"[\s\-]+", raw.replace('"', " ")) if w]
    if not words:
        raise ValueError("empty term")
    pieces, fixed = [], [""]
    for word in words:
        core = word.removesuffix("*")
        if "*" in core or not core.translate(_TABLE):
            raise ValueError(f"{term!r}: '*' may only end a word, after a letter")
        for char in unicodedata.normalize("NFC", core):
            folded = _fold_char(char)
            # A term's umlaut also finds the bare vowel: "Grünen" finds "Grunen".
            pieces.append(re.escape(folded[0]) + "e?" if _is_umlaut(char) else re.escape(folded))
            fixed[-1] += folded[0] if _is_umlaut(char) else folded
            fixed += [""] if _is_umlaut(char) else []
        pieces.append((r"\w*" if word != core else "") + r"[\s\-]+")  # any space or hyphen
        fixed.append("")
    body = "".join(pieces).removesuffix(r"[\s\-]+")
    pattern = re.compile(body if substring else rf"(?<!\w){body}(?!\w)")
    return Term(pattern, False, max(fixed, key=len))


def _nested_quantifier(pattern: str) -> bool:
    """Whether a repeat applies to a group that holds one: (a+)+, (\\w*)*, (x+){2,}."""
    stack = [False]  # per open group: does it hold a repeat?
    i = 0
    while i < len(pattern):
        char, inner = pattern[i], False
        if char == "(":
            stack.append(False)
            i += 2 if pattern[i + 1 : i + 2] == "?" else 1  # "(?" opens a group, not a quantifier
            continue
        if char == "[":  # a class is one atom: skip to its closing bracket
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char == "\\":
            i += 1
        elif char == ")" and len(stack) > 1:
            inner = stack.pop()
        i += 1
        repeat = re.match(r"[*+]|\{(\d*)(,?)(\d*)\}", pattern[i:])
        if repeat and repeat.group(0)[0] == "{":
            low, comma, high = repeat.groups()
            top = int(high) if high else (None if comma else int(low or 0))
            repeat = repeat if top is None or top > 1 else None
        if repeat and inner:
            return True
        stack[-1] = stack[-1] or inner or bool(repeat)
        i += repeat.end() if repeat else 0
    return False


_SPECIAL = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o"}
_SPECIAL |= {"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i"}


def _is_umlaut(char: str) -> bool:
    decomposed = unicodedata.normalize("NFD", char)
    return len(decomposed) == 2 and decomposed[0] in "aouAOU" and decomposed[1] == "\u0308"


@functools.cache
def _fold_char(char: str) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    if unicodedata.category(char) == "Pd":
        return "-"
    if unicodedata.category(char) == "Cf":  # soft hyphen, zero-width joiners: invisible
        return ""
    if char.isspace():
        return char if char.isascii() else " "
    if _is_umlaut(char):
        return unicodedata.normalize("NFD", char)[0].lower() + "e"  # ä → ae
    kept = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return kept.casefold()


class _FoldTable(dict):
    """A str.translate table that folds each character on first sight."""

    def __missing__(self, code: int) -> str:
        self[code] = value = _fold_char(chr(code))
        return value


_TABLE = _FoldTable({c: chr(c).lower() for c in range(128)})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# The way back to original offsets: (folded start, original index, folded end) of
# every character whose fold is not one character long (ß, ä, combining marks).
_Offsets = list[tuple[int, int, int]]


def _fold(text: str) -> tuple[str, _Offsets]:
    offsets: _Offsets = []
    shift = 0
    for found in _NON_ASCII.finditer(text):
        width = len(_TABLE[ord(found.group())])
        if width != 1:
            offsets.append((found.start() + shift, found.start(), found.start() + shift + width))
            shift += width - 1
    return text.translate(_TABLE), offsets


def _original(offsets: _Offsets, pos: int) -> int:
    k = bisect_right(offsets, pos, key=lambda o: o[0]) - 1
    if k < 0:
        return pos
    _, origin, end = offsets[k]
    return origin if pos < end else origin + 1 + pos - end


# Spans kept per term and segment: a rule needs one to fire and a few to show, and a
# page that repeats a word a million times must not cost a million spans.
MAX_HITS = 20
# (segment index, start, end, segment field, matched text), offsets into the original text.
Hit = tuple[int, int, int, str, str]


class Segment(Protocol):
    """Text to scan (monitor.rules.Segment): `spans`, the ranges of new words; None: all new."""

    field: str
    text: str
    spans: list[tuple[int, int]] | None


class FoldedText:
    """Segments folded into one string, so each term is one scan however many paragraphs.
    `fields` names each segment's field, the names `hits` filters on."""

    def __init__(self, segments: Sequence[Segment], fields: list[str]) -> None:
        self.segments = segments
        self.fields = fields
        self.folded = [_fold(s.text) for s in segments]
        self.starts = [0]
        for text, _ in self.folded:
            self.starts.append(self.starts[-1] + len(text) + 1)
        # "\0" between segments is neither a word character nor a space: no match spans two.
        self.doc = "\0".join(text for text, _ in self.folded)
        self.scans: dict[Term, list[Hit]] = {}
        self.cache: dict[tuple[Term, frozenset[str]], list[Hit]] = {}

    def hits(self, term: Term, fields: frozenset[str]) -> list[Hit]:
        """Where `term` matches new text in `fields`; scanned once, whatever the rule."""
        if (term, fields) not in self.cache:
            if term not in self.scans:
                self.scans[term] = self._scan(term)
            found = [h for h in self.scans[term] if self.fields[h[0]] in fields]
            self.cache[term, fields] = found
        return self.cache[term, fields]

    def _scan(self, term: Term) -> list[Hit]:
        found: list[Hit] = []
        counts = [0] * len(self.segments)
        if term.regex:
            budget = REGEX_BUDGET
            for k, segment in enumerate(self.segments):
                text = segment.text[: max(budget, 0)]
                budget -= len(text)
                for m in term.pattern.finditer(text):
                    if self._keep(found, counts, k, m.start(), m.end()):
                        break
            return found
        pos = 0 if term.needle in self.doc else len(self.doc)
        while m := term.pattern.search(self.doc, pos):
            k = bisect_right(self.starts, m.start()) - 1
            offsets, base = self.folded[k][1], self.starts[k]
            start = _original(offsets, m.start() - base)
            full = self._keep(found, counts, k, start, _original(offsets, m.end() - base - 1) + 1)
            pos = self.starts[k + 1] if full else m.end()
        return found

    def _keep(self, found: list[Hit], counts: list[int], k: int, start: int, end: int) -> bool:
        """Keep a hit that touches new text; True once segment k has MAX_HITS of them."""
        segment = self.segments[k]
        if segment.spans is None or any(s < end and start < e for s, e in segment.spans):
            found.append((k, start, end, segment.field, segment.text[start:end]))
            counts[k] += 1
        return counts[k] >= MAX_HITS
