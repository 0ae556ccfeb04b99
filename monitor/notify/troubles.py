"""A target's failures in one dispatch round, said in one log line.

A dead or unreachable target fails every alert it is sent; one line per round and target
(its reason, how many alerts wait and until when, which died) keeps the log readable.
apprise's own complaint goes to DEBUG (monitor.notify.targets), so it does not repeat it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.notify.targets import Target


@dataclass
class Trouble:
    """A target's failures in one round: its first reason, which alerts wait and which died."""

    target: Target
    error: str
    waiting: int = 0
    next_try: datetime | None = None
    dead: list[int] = field(default_factory=list)

    def retry(self, when: datetime) -> None:
        self.waiting += 1
        self.next_try = min(self.next_try or when, when)

    def line(self, max_attempts: int) -> str:
        target = self.target
        tags = ", ".join(sorted(target.tags)) or "every tag"
        parts = []
        if self.waiting:
            at = self.next_try.astimezone().strftime("%H:%M") if self.next_try else "?"
            parts.append(f"{self.waiting} alert(s) wait, retry at {at}")
        if self.dead:
            ids = ", ".join(map(str, self.dead[:5])) + (" …" if len(self.dead) > 5 else "")
            parts.append(f"{len(self.dead)} dead after {max_attempts} attempts ({ids})")
        said = f"Sending to {target.schema} {target.id} ({tags}) failed: {self.error}"
        return "; ".join([said, *parts])
