"""What a person sees of a crawl: changes as they are found, progress, and the summary table."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import TextIO

from monitor.cli.table import counted, table
from monitor.clock import parse_time
from monitor.crawl.record import Outcome

_COLORS = {"new": "32", "removed": "31", "restored": "36", "correction": "35"}


class ChangePrinter:
    """Prints one line per stored change (and the word diff for edits) as it happens."""

    def __init__(self, color: bool = False, out: TextIO | None = None, diffs: bool = True) -> None:
        self.color = color
        self.out = out or sys.stdout
        self.diffs = diffs

    def __call__(self, outcome: Outcome) -> None:
        from monitor.diff.terminal import render_terminal

        label = ", ".join(outcome.categories)
        if self.color:
            code = _COLORS.get(outcome.categories[0], "33")
            label = f"\033[{code}m{label}\033[0m"
        print(f"[{label}] {outcome.headline}\n    {outcome.url}", file=self.out, flush=True)
        for line in outcome.entries:
            print(f"    + {line}", file=self.out, flush=True)
        if self.diffs and outcome.diff is not None and not outcome.diff.is_empty():
            text = render_terminal(outcome.diff, color=self.color)
            print("    " + text.replace("\n", "\n    "), file=self.out, flush=True)


class Progress:
    """A one-line counter on a terminal; silent when output is a file or a pipe."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.changes = 0

    def __call__(self, outcome: Outcome) -> None:
        self.changes += 1
        if self.enabled:
            print(
                f"\r  {counted(self.changes, 'change')} found…", end="", file=sys.stderr, flush=True
            )

    def finish(self) -> None:
        if self.enabled and self.changes:
            print(file=sys.stderr)


def run_counts(run: dict) -> dict[str, int]:
    """A crawl_runs row's numbers as every summary shows them, each counting one thing:
    `pages` every HTTP response (listings, robots.txt and articles, whatever their status),
    `304` those of them that said "not modified"; `new`, `changed`, `unchanged` (the same
    text again, after a 200), `removed` articles; `errors` failed requests and pages."""
    statuses = run.get("statuses") or "{}"
    statuses = json.loads(statuses) if isinstance(statuses, str) else statuses
    return {
        "pages": run.get("responses") or 0,
        "304": statuses.get("304", 0),
        "new": run["new"],
        "changed": run["changed"] + (run.get("restored") or 0),
        "unchanged": run.get("unchanged") or 0,
        "removed": run.get("removed") or 0,
        "errors": run["errors"],
    }


def summary_line(run: dict, first_error: dict | None = None) -> str:
    """One source's crawl in one line, from the table's numbers: the daemon's log per cycle.
    `first_error`: the first failed request (url, reason), named when the crawl had errors."""
    n = run_counts(run)
    line = f"{run['source']}: {counted(n['pages'], 'page')} ({n['304']} not modified), "
    line += f"{n['new']} new, {n['changed']} changed"
    if n["removed"]:
        line += f", {n['removed']} removed"
    line += f", {counted(n['errors'], 'error')}"
    if n["errors"]:
        line += " (could not be reached" if not n["pages"] else " (first"
        line += f": {first_error['url']}: {first_error['reason']})" if first_error else ")"
    return line


COLUMNS = ("pages", "304", "new", "changed", "unchanged", "removed", "errors")


def summary_table(runs: list[dict]) -> str:
    """Per source: the run_counts columns, pages per second, pages dropped; a total row when
    more than one source was crawled; under the table, each source's drops by reason (whole:
    a cell would cut them)."""
    rows, reasons = [], []
    for run in runs:
        n = run_counts(run)
        dropped = json.loads(run.get("dropped") or "{}")
        rate = n["pages"] / run["seconds"] if run["seconds"] else 0.0
        rows.append(
            [run["source"], *(n[c] for c in COLUMNS), round(rate, 1), sum(dropped.values())]
        )
        if dropped:
            why = ", ".join(f"{k} {v}" for k, v in sorted(dropped.items()))
            reasons.append(f"{run['source']} dropped: {why}")
    if len(runs) > 1:
        totals = [sum(row[1 + i] for row in rows) for i in range(len(COLUMNS))]
        # Sources are crawled side by side, so the cycle lasts as long as the slowest one.
        longest = max(r["seconds"] for r in runs) or 1.0
        rows.append(["total", *totals, round(totals[0] / longest, 1), sum(r[-1] for r in rows)])
    headers = ["source", *COLUMNS, "pages/s", "dropped"]
    return "\n".join([table(rows, headers, empty="no source crawled"), *reasons])


def alert_line(counts: dict[str, int], db_path: str, since: str, console: bool = False) -> str:
    """The crawl's alerts in one sentence: "alerts: 3 sent to newsroom, 1 waiting (target
    down: retry at 14:02), 1 held by the rate limit until 14:05". `counts`: CrawlAlerts.after's;
    `since`: when the crawl began; `console`: no target is configured, alerts were printed."""
    from monitor import store
    from monitor.store import outbox

    db = store.open_db(db_path)
    try:
        sent = [r for r in outbox.list_alerts(db, "sent", 500) if (r["sent_at"] or "") >= since]
        pending = outbox.pending_alerts(db)
    finally:
        db.close()
    count = counts.get("sent", 0)
    if console and count:
        parts = [f"{count} printed above (no target configured)"]
    else:
        tags = sorted({r["tag"] for r in sent})
        parts = [f"{count} sent" + (f" to {', '.join(tags)}" if tags else "")]
    held = [r for r in pending if _held_until(r)]
    waiting = [r for r in pending if not _held_until(r)]
    if waiting:
        parts.append(f"{len(waiting)} waiting" + _retry_at(waiting))
    parts += _held(held)
    if counts.get("not sent"):  # a send cut at its deadline: no attempt counted, sent again
        parts.append(f"{counts['not sent']} not sent (the target did not answer in time)")
    if counts.get("dead"):
        parts.append(f"{counts['dead']} dead (newsmon alerts --status dead)")
    return "alerts: " + ", ".join(parts)


def _held_until(row: dict) -> datetime | None:
    """When an alert that has not failed may go out, if that is later: the rate limit or its
    digest holds it."""
    when = parse_time(row["not_before"])
    return when if not row["last_error"] and when and when > datetime.now(UTC) else None


def _retry_at(waiting: list[dict]) -> str:
    """ " (target down: retry at 14:02)" when a send failed; nothing when they are only due."""
    failing = [r for r in waiting if r["last_error"]]
    if not failing:
        return ""
    times = [t for r in failing if (t := parse_time(r["not_before"]))]
    first = min(times, default=None)
    return f" (target down{f': retry at {first.astimezone():%H:%M}' if first else ''})"


def _held(held: list[dict]) -> list[str]:
    """ "1 held by the rate limit until 14:02", "2 held for the daily digest until 08:00"."""
    groups: dict[str, list[datetime]] = {}
    for row in held:
        digest = row.get("digest") or "immediate"
        why = "by the rate limit" if digest == "immediate" else f"for the {digest} digest"
        groups.setdefault(why, []).append(_held_until(row))
    return [
        f"{len(times)} held {why} until {min(times).astimezone():%H:%M}"
        for why, times in sorted(groups.items())
    ]
