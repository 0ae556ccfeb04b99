"""What the daemon says after each crawl and each maintenance run: one line per source.

The numbers are those of `newsmon crawl`'s summary table (monitor.cli.report.run_counts);
a source with errors gets the reason of its first one, at WARNING. A revisit round that
looked at nothing says nothing, and maintenance speaks only when it pruned something.
"""

from __future__ import annotations

import logging
from pathlib import Path

from monitor import store
from monitor.cli.report import run_counts, summary_line
from monitor.store import reads

logger = logging.getLogger("newsmon.daemon")


def log_crawl(db_path: str | Path, runs: list[dict], mode: str) -> None:
    """One line per source of one crawl: pages, new, changed, errors and the first reason."""
    kind = "revisit" if mode == "revisit" else "discovery"
    shown = [r for r in runs if kind == "discovery" or _did_something(r)]
    firsts = _first_errors(db_path, [r for r in shown if r["errors"]])
    for run in shown:
        line = summary_line(run, firsts.get(run["source"]))
        logger.log(logging.WARNING if run["errors"] else logging.INFO, "%s (%s)", line, kind)


def log_maintenance(report: dict[str, int]) -> None:
    """A plain sentence when maintenance pruned something; the bare numbers at DEBUG."""
    logger.debug("maintenance: %s", report)
    if pruned := report.get("raw_pruned"):
        logger.info("maintenance: pruned %d old raw page(s); versions and diffs stay", pruned)


def _did_something(run: dict) -> bool:
    counts = run_counts(run)
    return bool(counts["pages"] + counts["removed"] + counts["errors"])


def _first_errors(db_path: str | Path, runs: list[dict]) -> dict[str, dict]:
    """Source -> its first failed request in its run (url, reason)."""
    if not runs:
        return {}
    db = store.open_db(db_path)
    try:
        found = {r["source"]: reads.first_error(db, r["run_id"], r["source"]) for r in runs}
    finally:
        db.close()
    return {source: row for source, row in found.items() if row}
