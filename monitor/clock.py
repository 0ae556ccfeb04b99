"""Time as newsmon stores and writes it: UTC ISO 8601 in whole seconds, durations like "10m",
and how long to wait before trying again."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def now() -> str:
    """The present moment as stored."""
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """A timestamp as stored: UTC, ISO 8601, whole seconds."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(value: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime (UTC when it names no offset); None when absent
    or unreadable."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def parse_http_date(value: str) -> datetime | None:
    """An HTTP date (Retry-After, If-Modified-Since) as an aware datetime (UTC when it names no
    zone); None when unreadable."""
    # Imported here: email.utils brings socket and more, which most users of this module skip.
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_duration(value: Any, zero: bool = False) -> int | None:
    """Seconds from 90, "90s", "10m", "1.5h" or "2d"; None when it is not a duration.

    A zero duration is one only where `zero` allows it (a rule's "no limit"); a schedule's
    interval must be longer than nothing.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = int(value) if value >= 0 else None
    else:
        found = _DURATION.fullmatch(value) if isinstance(value, str) else None
        seconds = int(float(found.group(1)) * _UNITS[found.group(2)]) if found else None
    if seconds == 0 and not zero:
        return None
    return seconds


def format_duration(seconds: int | float | None) -> str:
    """90 -> "1m30s", 3600 -> "1h", 86400 -> "1d": the units the config is written in."""
    if seconds is None:
        return "-"
    rest = int(seconds)
    if rest <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts)


def backoff(attempt: int, base: float, cap: float) -> float:
    """The wait before try `attempt` + 1 after `attempt` failed ones (from 1): `base`, doubled
    with each further failure, at most `cap`. Crawl retries, alert deliveries and failing
    sources all back off this way; ints in give an int out."""
    return min(cap, base * 2 ** (attempt - 1))
