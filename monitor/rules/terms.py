"""Terms: how a rule's words, phrases, prefixes and /regexes/ compile and find text.

Words, phrases and prefixes match folded text: case and diacritics folded away,
ß as ss, ä/ö/ü as ae/oe/ue, any dash as "-", soft hyphens and zero-width
characters dropped. A term written with an umlaut also finds the bare vowel
("Grünen" finds Gruenen and Grunen; "Gruenen" finds Grünen, not Grunen). A match
on folded text is mapped back through an offset map, so its span points into the
original text however folding changed its length. Regular expressions run on the
original text, case-insensitively, with the third-party `regex` engine (re-compatible
syntax), because the standard library's `re` cannot be stopped once it starts.

Hostile pages are bounded here: a regex reads at most REGEX_BUDGET characters of one
change and stops after REGEX_TIMEOUT seconds (`FoldedText.timed_out` says which term
gave up, and the caller reports it); a term keeps at most MAX_HITS spans per segment.
When a rule loads, its regex is tried on short repetitive texts made of its own
characters, and one that cannot finish those ((a|aa)+$ backtracks exponentially) is
refused there, with the reason, instead of timing out on every article later.

A module of its own because compiling and scanning are one concept that rules
only use: it is pure (the standard library, `regex` and `monitor.text`, itself
pure), so the matching core tests in microseconds, and it knows nothing of rules, events
or diffs. `FoldedText` folds a change's segments once and scans each term once,
whatever the number of rules that use it.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import regex

from monitor.text import normalize, typographic

# A regex scans at most this many characters of one change: a hostile or broken
# page (a megabyte in one paragraph) must not stall a cycle.
REGEX_BUDGET = 100_000
# Seconds one regex term may spend on one change, whatever the pattern: past it the term
# counts as not found there, and the rule that uses it is reported (monitor.rules.rules).
REGEX_TIMEOUT = 0.5
# The load-time trial: texts of this many characters, and the time a pattern gets for each.
# A pattern that backtracks exponentially cannot finish 100 characters in a lifetime; any
# other takes microseconds there, so the verdict does not depend on how busy the machine is.
PROBE_LENGTH = 100
PROBE_TIMEOUT = 0.2


@dataclass(frozen=True, eq=False)  # one object per term (cached), so hashed by identity
class Term:
    """One compiled term; `compile_term` makes them."""

    pattern: Any  # re.Pattern for folded terms, regex.Pattern (it takes a timeout) for /…/
    regex: bool  # True: runs on the original text; False: on folded text
    # Folded text every match contains: most terms are absent from most articles,
    # and `in` rules them out far faster than a regex scan.
    needle: str = ""
    text: str = ""  # the term as written, for reports


@functools.lru_cache(maxsize=4096)
def compile_term(term: str, substring: bool) -> Term:
    """A term compiled once and shared by every rule that uses it; ValueError says what is wrong."""
    raw = normalize(term)  # typographic quotes become ", so „a b“ is a phrase too
    written = re.fullmatch(r"/(.+)/([a-z]*)", raw, re.DOTALL)
    if written:
        if set(written.group(2)) - {"i"}:
            raise ValueError(f"unknown regular expression flag in {raw!r} (only /…/i)")
        try:
            pattern = regex.compile(written.group(1), regex.IGNORECASE)
        except regex.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if pattern.fullmatch(""):
            raise ValueError(f"regular expression {raw} matches empty text")
        if slow := _backtracks(pattern, written.group(1)):
            raise ValueError(
                f"regular expression {raw} did not finish within {PROBE_TIMEOUT} s on {slow}: "
                "it backtracks catastrophically, as (a|aa)+$ does, and would stall on a hostile "
                "page; write it so that each part of a text can match only one way"
            )
        return Term(pattern, True, text=raw)
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
    return Term(pattern, False, max(fixed, key=len), raw)


def _backtracks(pattern: Any, body: str) -> str:
    """The trial text a regex could not finish in PROBE_TIMEOUT, described; "" when none.

    Catastrophic backtracking needs a long run of characters that a repeated part can
    match in many ways, followed by something that makes the match fail. The trial texts
    are such runs of the pattern's own letters and words (and of letters, digits, spaces
    and hyphens), each ended by a NUL that no sensible pattern expects."""
    literal = re.sub(r"\\.", " ", body)  # \w, \s, \. … are classes or escapes, not letters
    words = re.findall(r"[^\W_]+", literal)
    seeds = ["a", "1", " ", "a ", "-", *sorted({c for w in words for c in w}), *words]
    seeds += [f"{w} " for w in words]
    for seed in list(dict.fromkeys(seeds))[:40]:
        text = (seed * PROBE_LENGTH)[:PROBE_LENGTH] + "\0"
        try:
            for _ in pattern.finditer(text, timeout=PROBE_TIMEOUT):
                pass
        except TimeoutError:
            return f"{PROBE_LENGTH} characters of {seed!r} repeated"
    return ""


_SPECIAL = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o"}
_SPECIAL |= {"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i"}


def _is_umlaut(char: str) -> bool:
    decomposed = unicodedata.normalize("NFD", char)
    return len(decomposed) == 2 and decomposed[0] in "aouAOU" and decomposed[1] == "\u0308"


@functools.cache
def _fold_char(char: str) -> str:
    # Stored text keeps its typography; terms are `normalize`d, so quotes fold the same way.
    if (plain := typographic(char)) is not None:
        return plain
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


_TABLE = _FoldTable({c: _fold_char(chr(c)) if c == 96 else chr(c).lower() for c in range(128)})
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
    """Text to scan (monitor.rules.rules.Segment): `spans`, the new words' ranges; None: all new."""

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
        self.timed_out: set[Term] = set()  # regex terms that ran out of time on this text
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
            deadline = time.monotonic() + REGEX_TIMEOUT
            try:
                for k, segment in enumerate(self.segments):
                    text = segment.text[: max(budget, 0)]
                    budget -= len(text)
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    for m in term.pattern.finditer(text, timeout=left):
                        if self._keep(found, counts, k, m.start(), m.end()):
                            break
            except TimeoutError:
                # What was found before the time ran out is real; what was not is unknown.
                self.timed_out.add(term)
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
