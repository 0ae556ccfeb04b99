"""When an alert may go out: at once, after its rule's or story's rate-limit window, or at the
end of its digest period. Pure: the caller reads the last alert it counts from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def send_after(
    digest: str, rate_limit: int, last: dict | None, now: datetime, daily_at: str
) -> datetime:
    """The earliest send time of a new alert. `last`: the alert the rate limit counts from
    (status, not_before, sent_at), None when there is none; `rate_limit` in seconds."""
    if digest == "hourly":
        return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if digest == "daily":
        return next_daily(now, daily_at)
    if not rate_limit or last is None:
        return now
    if last["status"] == "pending":
        # Join the alert that is still waiting: the dispatcher folds them into one message.
        return max(now, datetime.fromisoformat(last["not_before"]))
    window = timedelta(seconds=rate_limit)
    if last["sent_at"] and datetime.fromisoformat(last["sent_at"]) + window > now:
        return datetime.fromisoformat(last["sent_at"]) + window
    return now


def next_daily(now: datetime, at: str) -> datetime:
    """The next local wall-clock time `at` ("07:00") after `now`."""
    hour, minute = (int(part) for part in at.split(":"))
    local = now.astimezone()
    target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return target.astimezone(UTC)
