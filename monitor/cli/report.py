"""What a person sees of a crawl: changes as they are found, progress, and the summary table."""

from __future__ import annotations

import json
import sys
from typing import TextIO

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
            print(f"\r  {self.changes} change(s) found…", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.enabled and self.changes:
            print(file=sys.stderr)


def summary_line(run: dict, first_error: dict | None = None) -> str:
    """One source's crawl in one line, from the table's numbers: the daemon's log per cycle.
    `first_error`: the first failed request (url, reason), named when the crawl had errors."""
    found = run["fetched"] + run["not_modified"]
    line = f"{run['source']}: {found} found, {run['new']} new, {run['changed']} changed"
    if run.get("removed"):
        line += f", {run['removed']} removed"
    line += f", {run['errors']} error(s)"
    if run["errors"]:
        line += " (could not be reached" if not run.get("responses") else " (first"
        line += f": {first_error['url']}: {first_error['reason']})" if first_error else ")"
    return line


COLUMNS = ("fetched", "not_modified", "new", "changed", "unchanged", "removed", "errors")


def summary_table(runs: list[dict]) -> str:
    """Per source: fetched, 304, new, changed, unchanged, removed, errors, drops by reason."""
    header = [
        "source",
        "fetched",
        "304",
        "new",
        "changed",
        "unchanged",
        "removed",
        "errors",
        "pages/s",
        "dropped",
    ]
    rows = []
    for run in runs:
        dropped = json.loads(run.get("dropped") or "{}")
        pages = run["fetched"] + run["not_modified"]
        rate = pages / run["seconds"] if run["seconds"] else 0.0
        rows.append(
            [
                run["source"],
                *(str(run[c]) for c in COLUMNS),
                f"{rate:.1f}",
                ", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) or "-",
            ]
        )
    if len(runs) > 1:
        totals = [str(sum(r[c] for r in runs)) for c in COLUMNS]
        # Sources are crawled side by side, so the cycle lasts as long as the slowest one.
        longest = max(r["seconds"] for r in runs) or 1.0
        pages = sum(r["fetched"] + r["not_modified"] for r in runs)
        rows.append(["total", *totals, f"{pages / longest:.1f}", ""])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def alert_line(counts: dict[str, int], db_path: str, since: str) -> str:
    """The crawl's alerts in one sentence: "alerts: 3 sent to newsroom, 1 waiting (target
    down: retry at 14:02)". `counts`: CrawlAlerts.after's; `since`: when the crawl began."""
    from monitor import store
    from monitor.clock import parse_time
    from monitor.store import outbox

    db = store.open_db(db_path)
    try:
        sent = [r for r in outbox.list_alerts(db, "sent", 500) if (r["sent_at"] or "") >= since]
        waiting = outbox.pending_alerts(db)
    finally:
        db.close()
    tags = sorted({r["tag"] for r in sent})
    parts = [f"{counts.get('sent', 0)} sent" + (f" to {', '.join(tags)}" if tags else "")]
    failing = [r for r in waiting if r["last_error"]]
    if waiting:
        part = f"{len(waiting)} waiting"
        if failing:
            times = [t for r in failing if (t := parse_time(r["not_before"]))]
            first = min(times, default=None)
            at = f": retry at {first.astimezone():%H:%M}" if first else ""
            part += f" (target down{at})"
        parts.append(part)
    if counts.get("dead"):
        parts.append(f"{counts['dead']} dead (newsmon alerts --status dead)")
    return "alerts: " + ", ".join(parts)
