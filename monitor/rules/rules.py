"""Keyword rules: which new articles and edits deserve an alert.

Terms are words, "quoted phrases", prefixes (`Verhandl*`) and `/regular
expressions/`. Words, phrases and prefixes match case- and diacritic-
insensitively on word boundaries (a hyphen is one; `substring = true` also
finds them inside German compounds). ß is ss; ä/ö/ü fold to ae/oe/ue, and a
term written with an umlaut also finds the bare vowel ("Grünen" finds Gruenen
and Grunen; "Gruenen" finds Grünen, not Grunen). Regular expressions run on
the original text, always case-insensitively; their word boundaries are theirs.
How terms compile and find text is `monitor.rules.terms`.

A regex term that runs out of time on a change (`monitor.rules.terms.REGEX_TIMEOUT`) counts as
not found there; `match` logs a warning naming the rule, where it is written and the
article, keeps the text in `ChangeView.problems`, and every other rule goes on as usual.

On a change a rule reads only what changed (`build_view`): a changed headline
or kicker whole, added paragraphs whole, and in an edited lead or paragraph
only matches that touch an inserted word; removed text never matches. On a
new article, a takedown or a return, it reads the whole article.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from typing import Any

from monitor.clock import parse_duration
from monitor.config_check import NAME, place
from monitor.diff.core import Diff
from monitor.diff.ops import WordOp
from monitor.items import Article
from monitor.rules.terms import REGEX_TIMEOUT, FoldedText, Hit, compile_term
from monitor.text import normalize

logger = logging.getLogger("newsmon.rules")

FIELDS = ("headline", "lead", "body")
EVENTS = ("changed", "correction", "entry", "headline", "new", "removed")
DIGESTS = ("immediate", "hourly", "daily")
# Events judged on the whole article: there is no "before" to compare with.
WHOLE_ARTICLE_EVENTS = frozenset({"new", "removed"})
# Change categories → events; lead and body_* are plain "changed". "restored" is a
# "removed" event: whoever was told an article vanished wants to hear it is back.
# "reordered" (paragraphs moved, not a word changed) and unknown categories never alert.
_EVENTS_OF = {"new": {"new"}, "removed": {"removed"}, "restored": {"removed"}}
_EVENTS_OF |= {"headline": {"headline", "changed"}, "correction": {"correction", "changed"}}
_EVENTS_OF |= {c: {"changed"} for c in ("lead", "body_added", "body_removed", "body_edited")}
# A new live-blog entry is an "entry" event; an edited entry is an edit like any other.
_EVENTS_OF |= {"entry": {"entry"}, "entry_edited": {"changed"}}
# An A/B test's first flip back is said once ("alternating"); later flips ("returned") are not.
_EVENTS_OF |= {"alternating": {"changed"}}
TAG = re.compile(r"[^\s,]+")  # apprise splits tags on spaces and commas


@dataclass
class Rule:
    """One alert rule, validated by `parse_rules`; `rate_limit` is in seconds (0 = off)."""

    name: str
    any: list[str] = dataclasses.field(default_factory=list)
    all: list[str] = dataclasses.field(default_factory=list)
    none: list[str] = dataclasses.field(default_factory=list)
    fields: list[str] = dataclasses.field(default_factory=lambda: list(FIELDS))
    events: list[str] = dataclasses.field(default_factory=lambda: ["new", "changed", "entry"])
    sources: list[str] = dataclasses.field(default_factory=list)
    substring: bool = False
    min_words: int = 0
    notify: list[str] = dataclasses.field(default_factory=lambda: ["default"])
    digest: str = "immediate"
    rate_limit: int = 0


@dataclass
class Segment:
    """Text a rule may read. `field`: "headline", "kicker", "lead" or "body[i]" (i counts
    non-empty paragraphs from 0, as diff ops do). `spans`: character ranges of the inserted
    words in `text`; None when all of it is new."""

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
    # What went wrong while rules read this change (a regex that ran out of time), one line each.
    problems: list[str] = dataclasses.field(default_factory=list)
    # Folded text and term hits, built once per view and shared by every rule.
    _texts: dict[bool, FoldedText] = dataclasses.field(default_factory=dict, init=False, repr=False)
    # True: `segments` is the whole article (whole_article's), so reading it whole reuses them.
    _whole: bool = dataclasses.field(default=False, init=False, repr=False)


@dataclass
class Match:
    """Why a rule fired: the terms that matched and where (field, start, end, matched text)."""

    rule: str
    terms: list[str]
    spans: list[tuple[str, int, int, str]]


def parse_rules(raw: Any, errors: list[str], where: str = "rules") -> list[Rule]:
    """The `[[rules]]` array as Rules, and each problem in `errors` with its path.
    Only rules without problems are returned: a half-valid rule never runs."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"At '{where}': must be an array of tables ([[{where}]])")
        return []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        before = len(errors)
        at = place(where, i, entry, seen)  # "rules.witkoff"; "rules[2]" without a usable name
        rule = _parse_rule(entry, at, errors)
        if rule is not None:
            # Where it is written, for reports ("config/monitor.toml: rules.witkoff" once the
            # config adds its path); an attribute, not a field, because every field is a key.
            rule.origin = at  # type: ignore[attr-defined]
        if rule is not None and rule.name in seen:  # by index: the name would not say which
            errors.append(f"At '{where}[{i}].name': duplicate rule name {rule.name!r}")
        if rule is not None and len(errors) == before:
            rules.append(rule)
        seen.add(rule.name if rule else "")
    return rules


NAME_REQUIRED = "required (a short word such as 'ukraine-talks')"
_NOT_DURATION = '{!r} is not a duration (write 0, 90, "90s", "30m", "1h" or "1d")'
_CHOICES = {"fields": FIELDS, "events": EVENTS}
_NOT_EMPTY = {k: f"name at least one of {', '.join(sorted(v))}" for k, v in _CHOICES.items()}
_NOT_EMPTY["notify"] = "name at least one apprise tag"


def _parse_rule(entry: Any, where: str, errors: list[str]) -> Rule | None:
    if not isinstance(entry, dict):
        errors.append(f"At '{where}': must be a table")
        return None
    rule = Rule(name="")
    known = sorted(Rule.__dataclass_fields__)
    substring = entry.get("substring") is True  # terms compile differently in substring mode
    for key, value in entry.items():
        kind = type(getattr(rule, key, None))
        if key not in known:
            problems = [("", f"unknown key (known: {', '.join(known)})")]
        elif key == "rate_limit":
            value = parse_duration(value, zero=True)
            problems = [] if value is not None else [("", _NOT_DURATION.format(entry[key]))]
        # bool is an int in Python, but `min_words = true` is a mistake, not 1.
        elif isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
            problems = [("", f"expected {kind.__name__}, got {type(value).__name__} {value!r}")]
        else:
            problems = _problems(key, value, substring)
        errors += [f"At '{where}.{key}{at}': {message}" for at, message in problems]
        if not problems:
            setattr(rule, key, value)
    if "name" not in entry:
        errors.append(f"At '{where}.name': {NAME_REQUIRED}")
    return rule if rule.name else None


def _problems(key: str, value: Any, substring: bool) -> list[tuple[str, str]]:
    """What is wrong with one well-typed value, as (index suffix, message) pairs."""
    if key == "name" and not NAME.fullmatch(value):
        wrong = f"{value!r} must be lowercase letters, digits, - or _"
        return [("", wrong if value else NAME_REQUIRED)]
    if key == "min_words" and value < 0:
        return [("", f"must be 0 or more, got {value}")]
    if key == "digest" and value not in DIGESTS:
        return [("", f"unknown digest {value!r} (known: {', '.join(DIGESTS)})")]
    found = [("", _NOT_EMPTY[key])] if value == [] and key in _NOT_EMPTY else []
    for j, item in enumerate(value if isinstance(value, list) else []):
        if not isinstance(item, str):
            found.append((f"[{j}]", f"expected str, got {type(item).__name__} {item!r}"))
        elif key in ("any", "all", "none"):
            try:
                compile_term(item, substring)
            except ValueError as exc:
                found.append((f"[{j}]", str(exc)))
        elif key in _CHOICES and item not in _CHOICES[key]:
            known = ", ".join(sorted(_CHOICES[key]))
            found.append((f"[{j}]", f"unknown {key[:-1]} {item!r} (known: {known})"))
        elif key == "notify" and not TAG.fullmatch(item):
            found.append((f"[{j}]", f"{item!r} is not one apprise tag"))
    return found


def field_of(label: str) -> str:
    """The rule field a segment belongs to: the kicker is part of the headline."""
    name = label.split("[", 1)[0]
    return "headline" if name == "kicker" else name


def events_for(categories: list[str]) -> set[str]:
    """The rule events a change's categories raise (see _EVENTS_OF for the choices)."""
    return set().union(*(_EVENTS_OF.get(c, set()) for c in categories))


def whole_article(article: Article) -> list[Segment]:
    """Every non-empty field of an article, as segments that are new throughout."""
    segments = [Segment(f, getattr(article, f)) for f in ("headline", "kicker", "lead")]
    body = [p for p in article.body if normalize(p)]  # counted as the diff counts them
    segments += [Segment(f"body[{i}]", text) for i, text in enumerate(body)]
    return [s for s in segments if s.text.strip()]


def build_view(
    source: str, categories: list[str], article: Article, diff: Diff | None, words_changed: int = 0
) -> ChangeView:
    """What rules may read of one change; `article` is the new version (the last, if removed)."""
    events = events_for(categories)
    if diff is not None:
        words_changed = words_changed or diff.words_added + diff.words_removed
    # Without a diff there is nothing to narrow to, and a missing diff must not silence a rule.
    if diff is None or "new" in categories:
        everything = whole_article(article)
        view = ChangeView(source, events, words_changed, everything, article, set(FIELDS))
        view._whole = True
        return view
    segments: list[Segment] = []
    changed: set[str] = set()
    for op in diff.ops:
        if op.op == "moved" or not op.changes_words():
            continue
        changed.add(field_of(op.field))
        label = f"body[{op.new_index}]" if op.field == "body" else op.field
        if op.op == "added" or (op.op == "edited" and op.field in ("headline", "kicker")):
            segments.append(Segment(label, op.new))
        elif op.op == "edited" and any(run.op == "+" for run in op.words):
            segments.append(_inserted(label, op.words))  # words only removed: nothing to read
    return ChangeView(source, events, words_changed, segments, article, changed)


def _inserted(label: str, runs: list[WordOp]) -> Segment:
    """An edited paragraph's new text, rebuilt from its word runs, with the "+" runs as spans."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = -1
    for run in (r for r in runs if r.op != "-"):
        pos += 1  # the space before this run
        spans += [(pos, pos + len(run.text))] if run.op == "+" else []
        parts.append(run.text)
        pos += len(run.text)
    return Segment(label, " ".join(parts), spans)


def _text(view: ChangeView, whole: bool) -> FoldedText:
    if whole not in view._texts:
        # Each paragraph normalized once: a new article's segments are already the whole.
        segments = whole_article(view.article) if whole and not view._whole else view.segments
        view._texts[whole] = FoldedText(segments, [field_of(s.field) for s in segments])
    return view._texts[whole]


def whole_text(view: ChangeView) -> FoldedText:
    """The whole article of a change, folded once for every rule and story that reads it."""
    return _text(view, True)


def match(rule: Rule, view: ChangeView) -> Match | None:
    """Whether `rule` fires on `view`, and why; None when it does not. A regex term that ran
    out of time counts as not found, and is reported (see the module docstring)."""
    found = _match(rule, view)
    _report_timeouts(rule, view)
    return found


def _report_timeouts(rule: Rule, view: ChangeView) -> None:
    terms = {*rule.any, *rule.all, *rule.none}
    for text in view._texts.values():
        for term in text.timed_out:
            if term.text not in terms:
                continue
            origin = getattr(rule, "origin", "")
            where = f" ({origin})" if origin else ""
            page = view.article.url or f"an article of {view.source}"
            problem = (
                f"rule {rule.name!r}{where}: regular expression {term.text} gave up after "
                f"{REGEX_TIMEOUT:g} s on {page} and counted as not found there; simplify it "
                "(`newsmon rules test` tries it on stored changes)"
            )
            if problem not in view.problems:  # once per rule and change, however many texts
                view.problems.append(problem)
                logger.warning("%s", problem)


def _match(rule: Rule, view: ChangeView) -> Match | None:
    fired = view.events & set(rule.events)
    if not fired or (rule.sources and view.source not in rule.sources):
        return None
    whole = bool(fired & WHOLE_ARTICLE_EVENTS)
    if not whole and view.words_changed < rule.min_words:
        return None  # a typo fix
    fields = frozenset(rule.fields)
    text = _text(view, whole)
    terms: list[str] = []
    spans: list[Hit] = []
    for every, group in ((True, rule.all), (False, rule.any)):
        matched = [(t, text.hits(compile_term(t, rule.substring), fields)) for t in group]
        hit = [(t, h) for t, h in matched if h]
        if (every and len(hit) < len(group)) or (group and not hit):
            return None
        terms += [t for t, _ in hit]
        spans += [s for _, h in hit for s in h]
    if not (rule.all or rule.any) and not whole and not view.changed_fields & fields:
        return None  # a rule without terms still wants a change in one of its fields
    everything = _text(view, True) if rule.none else text
    if any(everything.hits(compile_term(t, rule.substring), fields) for t in rule.none):
        return None
    return Match(rule.name, terms, [(f, s, e, t) for _, s, e, f, t in sorted(set(spans))])


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
