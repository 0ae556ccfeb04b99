"""Keyword rules: which new articles and edits deserve an alert.

A rule is a `[[rules]]` table in config/monitor.toml. Its terms are words,
"quoted phrases", prefixes (`Verhandl*`) and `/regular expressions/`. Words,
phrases and prefixes match case- and diacritic-insensitively on word
boundaries (a hyphen is a boundary; `substring = true` also finds them inside
German compounds). Folding treats ß as ss and ä/ö/ü as a/o/u, and a term
written with an umlaut also matches its ae/oe/ue spelling ("Grünen" finds
"Gruenen" and "Grunen"; "Gruenen" finds "Grünen" but not "Grunen", so an ASCII
term never loses its "e"). Regular expressions run on the original text,
always case-insensitively; word boundaries are theirs to write.

On a change a rule sees only what changed (`build_view`): a changed headline
or kicker whole, added paragraphs whole, and in an edited paragraph or lead
only matches that touch an inserted word. Removed text never matches. On a
new article, a takedown or a return, it sees the whole article.

Pure: standard library and monitor's own text, diff and item modules only.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from monitor.diff import Diff
from monitor.items import Article
from monitor.text import normalize

FIELDS = ("headline", "lead", "body")
EVENTS = ("changed", "correction", "headline", "new", "removed")
DIGESTS = ("immediate", "hourly", "daily")
# Events judged on the whole article: there is no "before" to compare with.
WHOLE_ARTICLE_EVENTS = frozenset({"new", "removed"})
# Change categories (monitor.diff, monitor.store) → events. "restored" counts as a
# "removed" event: whoever was told an article vanished wants to hear it is back.
# "reordered" (paragraphs moved, no word changed) never alerts; nor does an unknown category.
_EVENTS_OF = {
    "new": {"new"},
    "headline": {"headline", "changed"},
    "lead": {"changed"},
    "body_added": {"changed"},
    "body_removed": {"changed"},
    "body_edited": {"changed"},
    "correction": {"correction", "changed"},
    "removed": {"removed"},
    "restored": {"removed"},
    "reordered": set(),
}
# A regular expression scans at most this many characters of one change, so a
# hostile or broken page (a megabyte in one paragraph) cannot stall a cycle.
REGEX_BUDGET = 100_000
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_TAG = re.compile(r"[^\s,]+")  # apprise splits tags on spaces and commas
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SEP = "\x00"  # joins folded segments: neither a word character nor whitespace


@dataclass
class Rule:
    """One alert rule, validated by `parse_rules`; `rate_limit` is in seconds (0 = off)."""

    name: str
    any: list[str] = dataclasses.field(default_factory=list)
    all: list[str] = dataclasses.field(default_factory=list)
    none: list[str] = dataclasses.field(default_factory=list)
    fields: list[str] = dataclasses.field(default_factory=lambda: list(FIELDS))
    events: list[str] = dataclasses.field(default_factory=lambda: ["new", "changed"])
    sources: list[str] = dataclasses.field(default_factory=list)
    substring: bool = False
    min_words: int = 0
    notify: list[str] = dataclasses.field(default_factory=lambda: ["default"])
    digest: str = "immediate"
    rate_limit: int = 0


@dataclass
class Segment:
    """Text a rule may look at. `field` is "headline", "kicker", "lead" or "body[i]"
    (i counts non-empty paragraphs of the new version from 0, as diff ops do).
    `spans` are the inserted words' character ranges in `text`; None: all of it is new."""

    field: str
    text: str
    spans: list[tuple[int, int]] | None = None


@dataclass
class ChangeView:
    """One change as rules see it. `changed_fields` ("headline", "lead", "body") had words
    added or removed, so a rule without terms can ask for "any change to the lead"."""

    source: str
    events: set[str]
    words_changed: int
    segments: list[Segment]
    article: Article
    changed_fields: set[str] = dataclasses.field(default_factory=set)
    # Folded text and term hits, computed once per view and shared by every rule.
    _texts: dict[str, _Text] = dataclasses.field(default_factory=dict, init=False, repr=False)


@dataclass
class Match:
    """Why a rule fired: the terms that matched and where (field, start, end, matched text)."""

    rule: str
    terms: list[str]
    spans: list[tuple[str, int, int, str]]


# --- configuration ------------------------------------------------------------------------


def parse_rules(raw: Any, errors: list[str], where: str = "rules") -> list[Rule]:
    """The `[[rules]]` array as Rules; every problem is appended to `errors` with its path.

    Only rules without problems are returned, so a half-valid rule never runs.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"At '{where}': must be an array of tables ([[{where}]])")
        return []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        before = len(errors)
        rule = _parse_rule(entry, f"{where}[{i}]", errors)
        if rule is None:
            continue
        if rule.name in seen:
            errors.append(f"At '{where}[{i}].name': duplicate rule name {rule.name!r}")
        seen.add(rule.name)
        if len(errors) == before:
            rules.append(rule)
    return rules


def _parse_rule(entry: Any, where: str, errors: list[str]) -> Rule | None:
    if not isinstance(entry, dict):
        errors.append(f"At '{where}': must be a table")
        return None
    known = sorted(Rule.__dataclass_fields__)
    for key in sorted(entry.keys() - set(known)):
        errors.append(f"At '{where}.{key}': unknown key (known: {', '.join(known)})")
    name = _typed(entry, "name", str, where, errors)
    if not name:
        errors.append(f"At '{where}.name': required (a short word such as 'ukraine-talks')")
        return None
    if not _NAME.fullmatch(name):
        errors.append(f"At '{where}.name': {name!r} must be lowercase letters, digits, - or _")
    rule = Rule(name=name)
    substring = _typed(entry, "substring", bool, where, errors)
    rule.substring = bool(substring)
    for key in ("any", "all", "none"):
        terms = _strings(entry, key, where, errors)
        for j, term in enumerate(terms or []):
            try:
                _term(term, rule.substring)
            except ValueError as exc:
                errors.append(f"At '{where}.{key}[{j}]': {exc}")
        setattr(rule, key, terms or [])
    for key, choices in (("fields", FIELDS), ("events", EVENTS)):
        values = _strings(entry, key, where, errors)
        if values is None:
            continue
        if not values:
            errors.append(f"At '{where}.{key}': name at least one of {', '.join(sorted(choices))}")
        for j, value in enumerate(values):
            if value not in choices:
                known_ones = ", ".join(sorted(choices))
                what = key[:-1]
                errors.append(
                    f"At '{where}.{key}[{j}]': unknown {what} {value!r} (known: {known_ones})"
                )
        setattr(rule, key, values)
    rule.sources = _strings(entry, "sources", where, errors) or []
    notify = _strings(entry, "notify", where, errors)
    if notify is not None:
        if not notify:
            errors.append(f"At '{where}.notify': name at least one apprise tag")
        for j, tag in enumerate(notify):
            if not _TAG.fullmatch(tag):
                errors.append(f"At '{where}.notify[{j}]': {tag!r} is not one apprise tag")
        rule.notify = notify
    min_words = _typed(entry, "min_words", int, where, errors)
    if min_words is not None and min_words < 0:
        errors.append(f"At '{where}.min_words': must be 0 or more, got {min_words}")
    rule.min_words = max(min_words or 0, 0)
    digest = _typed(entry, "digest", str, where, errors)
    if digest is not None and digest not in DIGESTS:
        errors.append(
            f"At '{where}.digest': unknown digest {digest!r} (known: {', '.join(DIGESTS)})"
        )
    rule.digest = digest if digest in DIGESTS else "immediate"
    if "rate_limit" in entry:
        seconds = _seconds(entry["rate_limit"])
        if seconds is None:
            errors.append(
                f"At '{where}.rate_limit': {entry['rate_limit']!r} is not a duration "
                '(write 0, 90, "90s", "30m", "1h" or "1d")'
            )
        rule.rate_limit = seconds or 0
    return rule


def _typed(table: dict, key: str, kind: type, where: str, errors: list[str]) -> Any:
    if key not in table:
        return None
    value = table[key]
    # bool is an int in Python, but `min_words = true` is a mistake, not 1.
    if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
        got = f"{type(value).__name__} {value!r}"
        errors.append(f"At '{where}.{key}': expected {kind.__name__}, got {got}")
        return None
    return value


def _strings(table: dict, key: str, where: str, errors: list[str]) -> list[str] | None:
    values = _typed(table, key, list, where, errors)
    if values is None:
        return None
    for j, value in enumerate(values):
        if not isinstance(value, str):
            got = f"{type(value).__name__} {value!r}"
            errors.append(f"At '{where}.{key}[{j}]': expected str, got {got}")
    return [v for v in values if isinstance(v, str)]


def _seconds(value: Any) -> int | None:
    """Seconds from 0, 90, "90s", "30m", "1.5h" or "1d"; None when it is not a duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value >= 0 else None
    found = _DURATION.fullmatch(value) if isinstance(value, str) else None
    return int(float(found.group(1)) * _UNITS[found.group(2)]) if found else None


# --- terms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    pattern: re.Pattern[str]
    regex: bool  # True: runs on the original text; False: on folded text
    # Folded text every match contains: most terms are absent from most articles,
    # and `in` rules them out far faster than a regex scan.
    needle: str = ""


@functools.lru_cache(maxsize=4096)
def _term(term: str, substring: bool) -> _Term:
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
        return _Term(pattern, True)
    if raw.startswith("/") and len(raw) > 1:
        raise ValueError(f"{raw!r} starts a regular expression but has no closing '/'")
    if raw.count('"') % 2:
        raise ValueError(f"unclosed quote in {raw!r}")
    # Quotes group a phrase; unquoted words are a phrase too, the only sensible reading.
    words = [w for w in re.split(r"[\s\-]+", raw.replace('"', " ")) if w]
    pieces, fixed = [], [""]
    for word in words:
        prefix = word.endswith("*")
        core = word.rstrip("*") if prefix else word
        if "*" in core or not _fold(core)[0]:
            raise ValueError(f"{term!r}: '*' may only end a word, after at least one letter")
        pattern, literals = _word_pattern(core)
        pieces.append(pattern + (r"\w*" if prefix else ""))
        fixed += literals
    if not pieces:
        raise ValueError("empty term")
    body = r"[\s\-]+".join(pieces)  # a phrase's words may be split by line breaks or hyphens
    pattern = re.compile(body if substring else rf"(?<!\w){body}(?!\w)")
    return _Term(pattern, False, max(fixed, key=len))


def _word_pattern(word: str) -> tuple[str, list[str]]:
    """The pattern of one folded word, and the fixed stretches of text it must contain."""
    out, fixed = [], [""]
    for char in unicodedata.normalize("NFC", word):
        folded = _fold_char(char)
        if _is_umlaut(char):
            # A term's umlaut also matches the plain vowel: "Grünen" finds "Grunen".
            out.append(re.escape(folded[0]) + "e?")
            fixed[-1] += folded[0]
            fixed.append("")
        else:
            out.append(re.escape(folded))
            fixed[-1] += folded
    return "".join(out), fixed


def _nested_quantifier(pattern: str) -> bool:
    """Whether a repeating quantifier applies to a group that holds one: (a+)+, (\\w*)*, (x+){2,}."""
    stack = [False]  # per open group: does it contain a repeat?
    i, n = 0, len(pattern)
    while i < n:
        char, inner = pattern[i], False
        if char == "(":
            stack.append(False)
            i += 2 if pattern[i + 1 : i + 2] == "?" else 1  # "(?" opens a group, not a quantifier
            continue
        if char == "\\":
            i += 2
        elif char == "[":  # a class is one atom: skip to its closing bracket
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
        else:
            if char == ")" and len(stack) > 1:
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
        if repeat:
            i += repeat.end()
    return False


# --- folding ----------------------------------------------------------------------------------

_SPECIAL = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o"}
_SPECIAL |= {"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i"}


def _is_umlaut(char: str) -> bool:
    decomposed = unicodedata.normalize("NFD", char)
    return len(decomposed) == 2 and decomposed[0] in "aouAOU" and decomposed[1] == "\u0308"


@functools.cache
def _fold_char(char: str) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    category = unicodedata.category(char)
    if category == "Pd":
        return "-"
    if category == "Cf":  # soft hyphen, zero-width joiners: invisible, never part of a word
        return ""
    if char.isspace():
        return char if char.isascii() else " "
    if _is_umlaut(char):
        return unicodedata.normalize("NFD", char)[0].lower() + "e"  # ä → ae
    kept = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return kept.casefold()


class _FoldTable(dict):
    """str.translate table filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        self[code] = value = _fold_char(chr(code))
        return value


_TABLE = _FoldTable({c: chr(c).lower() for c in range(128)})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Offsets back from folded to original text: the folded start, original index and
# folded end of every character whose fold is not one character long (ß, ä, marks).
_OffsetMap = tuple[list[int], list[int], list[int]] | None


def _fold(text: str) -> tuple[str, _OffsetMap]:
    folded = text.translate(_TABLE)
    starts: list[int] = []
    origins: list[int] = []
    ends: list[int] = []
    shift = 0
    for found in _NON_ASCII.finditer(text):
        index = found.start()
        width = len(_TABLE[ord(text[index])])
        if width != 1:
            starts.append(index + shift)
            origins.append(index)
            ends.append(index + shift + width)
            shift += width - 1
    return folded, ((starts, origins, ends) if starts else None)


def _original(offsets: _OffsetMap, pos: int) -> int:
    if offsets is None:
        return pos
    starts, origins, ends = offsets
    k = bisect_right(starts, pos) - 1
    if k < 0:
        return pos
    return origins[k] if pos < ends[k] else origins[k] + 1 + pos - ends[k]


class _Text:
    """Segments folded once into one string, so each term is one scan however many paragraphs."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        self.fields = [_field_of(s.field) for s in segments]
        folded = [_fold(s.text) for s in segments]
        self.starts, pos = [], 0
        for text, _ in folded:
            self.starts.append(pos)
            pos += len(text) + 1
        self.offsets = [offsets for _, offsets in folded]
        self.doc = _SEP.join(text for text, _ in folded)
        self.cache: dict[_Term, list[tuple[int, int, int]]] = {}

    def hits(self, term: _Term, fields: set[str]) -> list[tuple[str, int, int, str]]:
        """(field, start, end, text) in the original text, inside `fields` and new text only."""
        if term not in self.cache:
            self.cache[term] = self._scan(term)
        found = []
        for k, start, end in self.cache[term]:
            segment = self.segments[k]
            if self.fields[k] not in fields:
                continue
            if segment.spans is None or any(s < end and start < e for s, e in segment.spans):
                found.append((segment.field, start, end, segment.text[start:end]))
        return found

    def _scan(self, term: _Term) -> list[tuple[int, int, int]]:
        if term.regex:
            found, budget = [], REGEX_BUDGET
            for k, segment in enumerate(self.segments):
                if budget <= 0:
                    break
                text = segment.text[:budget]
                budget -= len(text)
                found += [(k, m.start(), m.end()) for m in term.pattern.finditer(text)]
            return found
        if term.needle not in self.doc:
            return []
        found = []
        for m in term.pattern.finditer(self.doc):
            k = bisect_right(self.starts, m.start()) - 1
            start, end = m.start() - self.starts[k], m.end() - self.starts[k]
            offsets = self.offsets[k]
            found.append((k, _original(offsets, start), _original(offsets, end - 1) + 1))
        return found


def _field_of(label: str) -> str:
    """The rule field a segment belongs to: the kicker is part of the headline."""
    name = label.split("[", 1)[0]
    return "headline" if name == "kicker" else name


# --- views and matching -----------------------------------------------------------------------


def events_for(categories: list[str]) -> set[str]:
    """The rule events a change's categories raise (see _EVENTS_OF for the choices)."""
    return set().union(*(_EVENTS_OF.get(c, set()) for c in categories))


def whole_article(article: Article) -> list[Segment]:
    """Every non-empty field of an article, as segments that are new throughout."""
    segments = [Segment(f, getattr(article, f)) for f in ("headline", "kicker", "lead")]
    body = [p for p in article.body if p.strip()]
    segments += [Segment(f"body[{i}]", text) for i, text in enumerate(body)]
    return [s for s in segments if s.text.strip()]


def build_view(
    source: str, categories: list[str], article: Article, diff: Diff | None, words_changed: int = 0
) -> ChangeView:
    """What the rules may look at for one change; `article` is the new (or last) version."""
    events = events_for(categories)
    if diff is not None:
        words_changed = words_changed or diff.words_added + diff.words_removed
    # Without a diff there is nothing to narrow to; a missing diff must not silence a rule.
    if diff is None or "new" in categories:
        return ChangeView(source, events, words_changed, whole_article(article), article)
    segments: list[Segment] = []
    changed: set[str] = set()
    for op in diff.ops:
        if op.op == "moved" or not op.changes_words():
            continue
        changed.add(_field_of(op.field))
        label = f"body[{op.new_index}]" if op.field == "body" else op.field
        if op.op == "added" or (op.op == "edited" and op.field in ("headline", "kicker")):
            segments.append(Segment(label, op.new))
        elif op.op == "edited":
            segments.append(_edited(label, op.words))
    return ChangeView(source, events, words_changed, segments, article, changed)


def _edited(label: str, runs: list) -> Segment:
    """The new text of an edited paragraph, rebuilt from its word runs, with "+" runs as spans."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for run in runs:
        if run.op == "-":
            continue
        pos += 1 if parts else 0
        if run.op == "+":
            spans.append((pos, pos + len(run.text)))
        parts.append(run.text)
        pos += len(run.text)
    return Segment(label, " ".join(parts), spans)


def _text(view: ChangeView, whole: bool) -> _Text:
    key = "whole" if whole else "changes"
    if key not in view._texts:
        view._texts[key] = _Text(whole_article(view.article) if whole else view.segments)
    return view._texts[key]


def match(rule: Rule, view: ChangeView) -> Match | None:
    """Whether `rule` fires on `view`, and why; None when it does not."""
    fired = view.events & set(rule.events)
    if not fired or (rule.sources and view.source not in rule.sources):
        return None
    whole = bool(fired & WHOLE_ARTICLE_EVENTS)
    if not whole and view.words_changed < rule.min_words:
        return None  # a typo fix
    fields = set(rule.fields)
    text = _text(view, whole)
    terms: list[str] = []
    spans: list[tuple[str, int, int, str]] = []
    for group in (rule.all, rule.any):
        hit_any = False
        for term in group:
            hits = text.hits(_term(term, rule.substring), fields)
            if hits:
                hit_any = True
                terms.append(term)
                spans += hits
            elif group is rule.all:
                return None
        if group and not hit_any:
            return None
    if not (rule.all or rule.any) and not whole and not (view.changed_fields & fields):
        return None  # a rule without terms on a change still asks for a change in its fields
    if rule.none:
        everything = _text(view, True)
        if any(everything.hits(_term(t, rule.substring), fields) for t in rule.none):
            return None
    order = {s.field: k for k, s in enumerate(text.segments)}
    spans = sorted(set(spans), key=lambda s: (order.get(s[0], 0), s[1], s[2]))
    return Match(rule.name, terms, spans)


def highlight(text: str, spans: list[tuple[int, int]], color: bool) -> str:
    """`text` with each span marked: »…« in plain text, bold yellow on a terminal."""
    before, after = ("\x1b[1;33m", "\x1b[0m") if color else ("»", "«")
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out += [text[pos:start], before, text[start:end], after]
        pos = end
    return "".join([*out, text[pos:]])
