"""When to look at a known article again: the revisit policy.

A news story is edited most in its first hours, so an article is checked
often while it is young and less often as it ages, until checking stops.
A change puts it back in a faster tier for a while, because an article that
has just been edited is likely to be edited again.

Pure functions over datetimes: no database, no Scrapy, no scheduler. The
daemon reads `next_check_at` rows and crawls what is due; the store pipeline
writes back what `next_check_at` returns for each stored page; `newsmon
status` counts articles per `tier_of`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.clock import format_duration, iso, parse_duration, parse_time
from monitor.config_check import reject_unknown

OLDER = "older"  # the word for an open-ended tier in config
STOP = "stop"  # the word for "stop checking" in config
MINUTE = timedelta(seconds=60)


@dataclass(frozen=True)
class Tier:
    """Articles younger than `max_age` seconds are checked every `every` seconds.

    `max_age` None: no upper bound (the last tier). `every` None: not checked at all.
    """

    max_age: int | None
    every: int | None


DEFAULT_TIERS = [
    Tier(3600, 60),
    Tier(6 * 3600, 300),
    Tier(86400, 900),
    Tier(3 * 86400, 3600),
    Tier(7 * 86400, 6 * 3600),
    Tier(None, None),
]


@dataclass
class RevisitSettings:
    """The `[revisit]` table of monitor.toml, validated."""

    tiers: list[Tier] = field(default_factory=lambda: list(DEFAULT_TIERS))
    # A change this recent makes the article count as old as the change (0: changes don't matter).
    change_boost: int = 6 * 3600
    # Ceiling on revisits per source per minute (0: no ceiling); see spread().
    max_per_minute: int = 30
    # Each interval is stretched or shrunk by up to this share, so checks don't march in step.
    jitter: float = 0.1


def birth(first_seen: datetime, published: datetime | None = None) -> datetime:
    """The moment an article's age counts from: when it was published, if that is known and
    earlier than when we first saw it (a monitor started late must not treat a three-day-old
    story as fresh), else when we first saw it (a published date in the future is a wrong
    time zone, not a fact)."""
    if published is not None and published < first_seen:
        return published
    return first_seen


def effective_age(
    now: datetime, first_seen: datetime, last_changed: datetime | None, settings: RevisitSettings
) -> timedelta:
    """How old the article counts as: its real age, or the time since a change within
    `change_boost`, whichever is less. Never negative, whatever the clocks say."""
    age = now - first_seen
    if last_changed is not None and settings.change_boost > 0:
        since_change = now - last_changed
        if since_change < timedelta(seconds=settings.change_boost):
            age = min(age, since_change)
    return max(age, timedelta(0))


def tier_of(
    now: datetime, first_seen: datetime, last_changed: datetime | None, settings: RevisitSettings
) -> int | None:
    """Index into `settings.tiers` of the tier the article is in; None if no tier takes it
    (only possible with hand-built settings whose last tier is bounded)."""
    seconds = effective_age(now, first_seen, last_changed, settings).total_seconds()
    for index, tier in enumerate(settings.tiers):
        if tier.max_age is None or seconds < tier.max_age:
            return index
    return None


def tier_name(settings: RevisitSettings, index: int | None) -> str:
    """A tier for people: "1h-6h: every 5m", "7d or older: stopped"."""
    if index is None or not 0 <= index < len(settings.tiers):
        return "outside every tier: stopped"
    tier = settings.tiers[index]
    low = settings.tiers[index - 1].max_age if index else 0
    if tier.max_age is None:
        span = f"{format_duration(low)} or older" if low else "any age"
    elif low:
        span = f"{format_duration(low)}-{format_duration(tier.max_age)}"
    else:
        span = f"under {format_duration(tier.max_age)}"
    how = f"every {format_duration(tier.every)}" if tier.every else "stopped"
    return f"{span}: {how}"


def next_check(
    now: datetime,
    first_seen: datetime,
    last_changed: datetime | None,
    settings: RevisitSettings,
    rng: random.Random | None = None,
) -> datetime | None:
    """When to check the article next (None: stop revisiting it).

    `first_seen` is when its age counts from (see `birth`), `last_changed` its latest
    change. The interval is that of the article's tier, with +/- `jitter` applied.
    """
    index = tier_of(now, first_seen, last_changed, settings)
    every = settings.tiers[index].every if index is not None else None
    if every is None:
        return None
    factor = 1.0 + (rng or _RNG).uniform(-settings.jitter, settings.jitter)
    return now + timedelta(seconds=max(every * factor, 1.0))


def next_check_at(
    at: datetime,
    first_seen: str,
    published: str | None,
    last_changed: str | None,
    settings: RevisitSettings,
) -> str:
    """`next_check` for an article as the store keeps it (ISO times): when to check it next, as
    an ISO time, or "never" once it stopped changing."""
    born = birth(datetime.fromisoformat(first_seen), parse_time(published))
    when = next_check(at, born, parse_time(last_changed), settings)
    return iso(when) if when else "never"


def spread(
    due: Sequence[tuple[int, datetime]], now: datetime, max_per_minute: int
) -> list[tuple[int, datetime]]:
    """Push checks of one source later so that no 60-second window holds more than
    `max_per_minute` of them; returns (article_id, when) in the order given.

    A check is never moved earlier (one already overdue counts as due `now`), and checks keep
    their order in time: a later-due article is never checked before an earlier-due one.
    `max_per_minute` 0 means no ceiling.
    """
    if max_per_minute <= 0:
        return [(article, when) for article, when in due]
    # Earliest first; ties keep the caller's order, so the result is repeatable.
    order = sorted(range(len(due)), key=lambda i: (max(due[i][1], now), i))
    slots: list[datetime] = []
    result: list[datetime] = [now] * len(due)
    for i in order:
        when = max(due[i][1], now)
        if slots:
            when = max(when, slots[-1])
        if len(slots) >= max_per_minute:
            # The check `max_per_minute` places back must be a full minute earlier: then any
            # window of 60 s holds at most `max_per_minute` checks, not just any clock minute.
            when = max(when, slots[-max_per_minute] + MINUTE)
        slots.append(when)
        result[i] = when
    return [(due[i][0], result[i]) for i in range(len(due))]


def look_every(settings: RevisitSettings, most: int = 60) -> int:
    """Seconds between the daemon's looks for due articles: a quarter of the fastest tier's
    interval (at most `most`), so a check is late by a quarter of its interval at worst.
    Looking is one query; a look that finds nothing due fetches nothing."""
    fastest = min((t.every for t in settings.tiers if t.every), default=4 * most)
    return max(1, min(most, fastest // 4))


def per_look(settings: RevisitSettings, every: int) -> int:
    """Most revisits of one source in one look every `every` seconds that keep it within
    `max_per_minute` (0: no ceiling); the rest wait for the next look."""
    if settings.max_per_minute <= 0:
        return 0
    return max(1, settings.max_per_minute * every // 60)


def parse_revisit(raw: Any, errors: list[str], where: str = "revisit") -> RevisitSettings:
    """The `[revisit]` table into RevisitSettings, appending "At 'path': problem" to `errors`.

    [revisit]
    tiers = [["1h", "1m"], ["6h", "5m"], ["1d", "15m"], ["3d", "1h"], ["7d", "6h"],
             ["older", "stop"]]
    change_boost = "6h"
    max_per_minute = 30
    jitter = 0.1
    """
    settings = RevisitSettings()
    if raw is None:
        return settings
    if not isinstance(raw, dict):
        errors.append(f"At '{where}': must be a table ([{where}])")
        return settings
    reject_unknown(raw, set(RevisitSettings.__dataclass_fields__), where, errors)

    if "tiers" in raw:
        tiers = _parse_tiers(raw["tiers"], errors, f"{where}.tiers")
        if tiers is not None:
            settings.tiers = tiers
    if "change_boost" in raw:
        value = raw["change_boost"]
        boost = 0 if value in (0, "0", "off") else parse_duration(value)
        if boost is None:
            errors.append(
                f"At '{where}.change_boost': {value!r} is not a duration "
                '(write "6h", or 0 to ignore changes)'
            )
        else:
            settings.change_boost = boost
    if "max_per_minute" in raw:
        value = raw["max_per_minute"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.append(
                f"At '{where}.max_per_minute': {value!r} must be a whole number, 0 for no ceiling"
            )
        else:
            settings.max_per_minute = value
    if "jitter" in raw:
        value = raw["jitter"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 0.5:
            errors.append(f"At '{where}.jitter': {value!r} must be a number from 0 to 0.5")
        else:
            settings.jitter = float(value)
    return settings


def _parse_tiers(raw: Any, errors: list[str], where: str) -> list[Tier] | None:
    """Tiers, or None when any is wrong (half a tier list would schedule nonsense)."""
    if not isinstance(raw, list) or not raw:
        errors.append(f'At \'{where}\': must be a list of [age, every] pairs like ["1h", "2m"]')
        return None
    count = len(errors)
    tiers: list[Tier] = []
    previous = 0
    for i, pair in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            errors.append(f'At \'{at}\': {pair!r} must be a pair [age, every] like ["1h", "2m"]')
            continue
        age_raw, every_raw = pair
        last = i == len(raw) - 1
        max_age: int | None = None
        if age_raw == OLDER:
            if not last:
                errors.append(f"At '{at}[0]': only the last tier may be {OLDER!r}")
        else:
            max_age = parse_duration(age_raw)
            if max_age is None:
                errors.append(f'At \'{at}[0]\': {age_raw!r} is not an age (write "6h" or "7d")')
            elif max_age <= previous:
                errors.append(
                    f"At '{at}[0]': {age_raw!r} must be older than the tier before it "
                    f"({format_duration(previous)})"
                )
            else:
                previous = max_age
            if last:
                errors.append(
                    f"At '{at}[0]': the last tier must be open-ended: write {OLDER!r} "
                    f'(for example ["{OLDER}", "{STOP}"])'
                )
        every: int | None = None
        if every_raw != STOP:
            every = parse_duration(every_raw)
            if every is None:
                errors.append(
                    f'At \'{at}[1]\': {every_raw!r} is not an interval (write "5m", or "{STOP}")'
                )
        tiers.append(Tier(max_age, every))
    return tiers if len(errors) == count else None


_RNG = random.Random()
