"""Checking the config's raw TOML tables: every problem collected, each with its path.

Helpers for `monitor.config`: a value of the right type or an error naming the key
(`At 'sources.zdf.interval': ...`; an entry is named by its `name`, see `place`), unknown
keys with the closest known one suggested, durations, `${VAR}` expansion, and error text
with any secret-bearing URL cut back.
Pure: the standard library and `monitor.clock` only.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from monitor.clock import parse_duration

# What a source, rule or story may be called, and so how an error can name it.
NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


def place(where: str, i: int, entry: Any, taken: Collection[str] = ()) -> str:
    """Where an entry of the array `where` is written: by its name when it has a usable one
    (`sources.tagesschau`), else by its index (`sources[1]`); by its index too when an
    earlier entry has the name (`taken`), which would not say which one."""
    name = entry.get("name") if isinstance(entry, dict) else None
    usable = isinstance(name, str) and NAME.fullmatch(name) and name not in taken
    return f"{where}.{name}" if usable else f"{where}[{i}]"


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def duration(value: Any, where: str, errors: list[str]) -> int | None:
    """Seconds from a duration (see `monitor.clock.parse_duration`); None, and an error, if not."""
    seconds = parse_duration(value)
    if seconds is None:
        errors.append(
            f'At \'{where}\': {value!r} is not a duration (write 90, "90s", "10m" or "1h")'
        )
    return seconds


def is_http(url: str) -> bool:
    """Whether `url` is an http(s) URL with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def table_at(raw: dict, key: str, errors: list[str]) -> dict:
    """The table `[key]` of `raw`, {} when it is absent or not a table (then with an error)."""
    value = raw.get(key, {})
    if not isinstance(value, dict):
        errors.append(f"At '{key}': must be a table ([{key}])")
        return {}
    return value


def typed(table: dict, key: str, kind: type, where: str, errors: list[str]) -> Any:
    """`table[key]` when it is a `kind` (an int does for a float, a bool never for an int);
    None when absent or of another type (then with an error)."""
    if key not in table:
        return None
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        errors.append(
            f"At '{where}.{key}': expected {kind.__name__}, got {type(value).__name__} {value!r}"
        )
        return None
    return value


def reject_unknown(table: dict, known: set[str], where: str, errors: list[str]) -> None:
    """An error for every key of `table` that is not in `known`, in the keys' order by name
    (the same file gives the same messages in the same order, run after run)."""
    for key in sorted(table.keys() - known):
        path = f"{where}.{key}" if where else key
        errors.append(f"At '{path}': unknown key (known: {', '.join(sorted(known))})")


# "At 'sources[0].feds': unknown key (known: …)": the key, then the list of known ones.
_UNKNOWN = re.compile(
    r"^(At '(?:[^']*\.)?([^'.\[]+)(?:\[\d+\])*': unknown key) (\(known: ([^)]*)\))"
)


def suggest(error: str) -> str:
    """An unknown-key error with the closest known key, when one is close: a typo is the
    likeliest cause. Done here, on the text, so every table's check gets it (rules and
    revisit parse their own tables)."""
    found = _UNKNOWN.match(error)
    if not found:
        return error
    close = difflib.get_close_matches(found.group(2), found.group(4).split(", "), n=1, cutoff=0.6)
    if not close:
        return error
    return f"{found.group(1)}; did you mean {close[0]!r}? {found.group(3)}" + error[found.end() :]


# Any URL in a message: notification URLs (mailto://user:pass@…, slack://T…/B…/token) carry
# secrets, and one pasted into the wrong key must not be echoed by the error about it.
_URL_IN_TEXT = re.compile(r"\b([a-z][a-z0-9+.-]*)://[^\s'\"]*", re.IGNORECASE)
_PASSWORD = re.compile(r"(//[^/@\s:]*):[^/@\s]*@")
_QUERY_VALUE = re.compile(r"([?&][^=&#\s]*=)[^&#\s]*")


def secret_free(text: str) -> str:
    """`text` with every URL that could hold a secret cut back: a non-web URL to its scheme,
    a web URL's password and query values masked. Its host and path stay, to find the typo."""

    def masked(found: re.Match[str]) -> str:
        if found.group(1).lower() not in ("http", "https"):
            return f"{found.group(1)}://…"
        return _QUERY_VALUE.sub(r"\1****", _PASSWORD.sub(r"\1:****@", found.group(0)))

    return _URL_IN_TEXT.sub(masked, text)


def expand_env(value: Any) -> Any:
    """${VAR} and ${VAR:-default} in strings: paths and addresses may come from the environment."""
    if isinstance(value, str):
        return _ENV.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, list):
        return [expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v) for k, v in value.items()}
    return value
