"""A story as configured: `[[stories]]` blocks, validated like rules (monitor.rules.rules).

A story names its vocabulary (`terms`), the actors and places that make an article about THIS
story (`require`) and words that rule an article out (`none`), in the rules' term syntax.
Membership is judged on the whole article (monitor.stories.membership); what a member's
change sends is decided in monitor.stories.alerts. Errors name the story by its name once it
has a valid one: `At 'stories.ukraine-talks.terms[2]': ...`.

Pure: the standard library, monitor.clock and the rules' term compiler.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from monitor.clock import format_duration, parse_duration
from monitor.config_check import place
from monitor.rules.rules import DIGESTS, NAME, NAME_REQUIRED, TAG, Rule
from monitor.rules.terms import compile_term

# What a member's change can be, for `events`: a new article (or one that joins the story), an
# edited headline, lead or body, an editor's note, a takedown and its return, a live-blog entry.
EVENTS = ("new", "headline", "lead", "body", "correction", "removed", "restored", "entry")


@dataclass
class Story:
    """One story, validated by `parse_stories`; `rate_limit` and `window` are in seconds."""

    name: str
    terms: list[str] = dataclasses.field(default_factory=list)
    require: list[str] = dataclasses.field(default_factory=list)
    none: list[str] = dataclasses.field(default_factory=list)
    substring: bool = False
    min_score: float = 4.0
    events: list[str] = dataclasses.field(default_factory=lambda: list(EVENTS))
    sources: list[str] = dataclasses.field(default_factory=list)
    min_words: int = 3
    notify: list[str] = dataclasses.field(default_factory=lambda: ["default"])
    digest: str = "immediate"
    rate_limit: int = 0
    window: int = 172800

    def reads(self, source: str) -> bool:
        """Whether articles of `source` can belong to this story."""
        return not self.sources or source in self.sources


def parse_stories(raw: Any, errors: list[str], where: str = "stories") -> list[Story]:
    """The `[[stories]]` array as Stories, each problem in `errors` with its path. Only stories
    without problems are returned: a half-valid story never runs."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(f"At '{where}': must be an array of tables ([[{where}]])")
        return []
    stories: list[Story] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        before = len(errors)
        story = _parse_story(entry, where, i, errors, seen)
        if story is not None and story.name in seen:
            errors.append(f"At '{where}[{i}].name': duplicate story name {story.name!r}")
        if story is not None and len(errors) == before:
            story.origin = place(where, i, entry, seen)  # type: ignore[attr-defined]
            stories.append(story)
        seen.add(story.name if story else "")
    return stories


_NOT_DURATION = '{!r} is not a duration (write {}"90s", "30m", "1h" or "2d")'
_LISTS = {"terms", "require", "none", "events", "sources", "notify"}
_KINDS = {"min_score": (int, float)}


def _parse_story(
    entry: Any, where: str, i: int, errors: list[str], taken: set[str]
) -> Story | None:
    if not isinstance(entry, dict):
        errors.append(f"At '{where}[{i}]': must be a table")
        return None
    at = place(where, i, entry, taken)
    story = Story(name="")
    known = sorted(Story.__dataclass_fields__)
    substring = entry.get("substring") is True  # terms compile differently in substring mode
    for key, value in entry.items():
        problems, value = _check(key, value, known, substring)
        errors += [f"At '{at}.{key}{index}': {message}" for index, message in problems]
        if not problems:
            setattr(story, key, value)
    if "name" not in entry:
        errors.append(f"At '{at}.name': {NAME_REQUIRED}")
    if "terms" not in entry:
        errors.append(f"At '{at}.terms': required: the story's vocabulary, at least one term")
    return story if story.name else None


def _check(key: str, value: Any, known: list[str], substring: bool) -> tuple[list, Any]:
    """(problems as (index suffix, message) pairs, the value to keep) for one key."""
    if key not in known:
        return [("", f"unknown key (known: {', '.join(known)})")], value
    if key in ("rate_limit", "window"):
        seconds = parse_duration(value, zero=key == "rate_limit")
        example = "0, " if key == "rate_limit" else ""
        return (
            [] if seconds is not None else [("", _NOT_DURATION.format(value, example))]
        ), seconds
    kind = _KINDS.get(key) or type(getattr(Story(name=""), key))
    # bool is an int in Python, but `min_words = true` is a mistake, not 1.
    if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "number"
        return [("", f"expected {names}, got {type(value).__name__} {value!r}")], value
    if key == "min_score":
        value = float(value)
    return _problems(key, value, substring), value


def _problems(key: str, value: Any, substring: bool) -> list[tuple[str, str]]:
    """What is wrong with one well-typed value, as (index suffix, message) pairs."""
    if key == "name" and not NAME.fullmatch(value):
        wrong = f"{value!r} must be lowercase letters, digits, - or _"
        return [("", wrong if value else NAME_REQUIRED)]
    if key in ("min_words", "min_score") and value < 0:
        return [("", f"must be 0 or more, got {value:g}")]
    if key == "digest" and value not in DIGESTS:
        return [("", f"unknown digest {value!r} (known: {', '.join(DIGESTS)})")]
    empty = {"terms": "name at least one term", "events": f"name at least one of {_known()}"}
    empty["notify"] = "name at least one apprise tag"
    found = [("", empty[key])] if value == [] and key in empty else []
    for j, item in enumerate(value if key in _LISTS else []):
        if not isinstance(item, str):
            found.append((f"[{j}]", f"expected str, got {type(item).__name__} {item!r}"))
        elif key in ("terms", "require", "none"):
            try:
                compile_term(item, substring)
            except ValueError as exc:
                found.append((f"[{j}]", str(exc)))
        elif key == "events" and item not in EVENTS:
            found.append((f"[{j}]", f"unknown event {item!r} (known: {_known()})"))
        elif key == "notify" and not TAG.fullmatch(item):
            found.append((f"[{j}]", f"{item!r} is not one apprise tag"))
    return found


def _known() -> str:
    return ", ".join(EVENTS)


# --- old configs: a rule written the way a story is meant ----------------------------------------


def story_hints(rules: list[Rule]) -> list[str]:
    """A hint for every rule that follows a topic (vocabulary AND actors, on new articles and
    edits): on an edit a rule reads only the added words, so most edits of the articles it is
    about never alert. The hint shows the [[stories]] block that follows every change of them."""
    return [_hint(rule) for rule in rules if _follows_a_topic(rule)]


def _follows_a_topic(rule: Rule) -> bool:
    return bool(rule.any and rule.all) and {"new", "changed"} <= set(rule.events)


def _hint(rule: Rule) -> str:
    origin = getattr(rule, "origin", "") or f"rule {rule.name!r}"
    lines = [
        f"hint: {origin} follows a topic.",
        "  A rule reads only the words an edit adds, so most edits of the articles about it",
        "  never alert; a story follows every change of the articles that are about it.",
        "  Write instead:",
        "",
        "  [[stories]]",
        f"  name = {_toml(rule.name)}",
        f"  terms = {_toml(rule.any)}",
        f"  require = {_toml(_split(rule.all) if rule.substring else rule.all)}",
    ]
    lines += [f"  none = {_toml(rule.none)}"] if rule.none else []
    lines += ["  substring = true"] if rule.substring else []
    lines += [f"  sources = {_toml(rule.sources)}"] if rule.sources else []
    lines += [f"  min_words = {rule.min_words}"] if rule.min_words else []
    lines += [f"  notify = {_toml(rule.notify)}"]
    lines += [f"  digest = {_toml(rule.digest)}"] if rule.digest != "immediate" else []
    lines += [f'  rate_limit = "{format_duration(rule.rate_limit)}"'] if rule.rate_limit else []
    lines += ["", "  and keep [[rules]] for a new mention of a word (a name, a place)."]
    return "\n".join(lines)


_WORDS = re.compile(r"/(\w+(?:\|\w+)*)/i?")


def _split(terms: list[str]) -> list[str]:
    """A regex that only lists words (/Kiew|Kyiv|Putin/) as one term per word: each actor
    then counts on its own. In substring mode a word finds what the regex found."""
    found: list[str] = []
    for term in terms:
        words = _WORDS.fullmatch(term)
        found += words.group(1).split("|") if words else [term]
    return list(dict.fromkeys(found))


def _toml(value: str | list[str]) -> str:
    """A TOML string or array of strings (JSON's string escapes are TOML's)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "[" + ", ".join(_toml(v) for v in value) + "]"
