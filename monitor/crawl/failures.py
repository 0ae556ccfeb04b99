"""What a person needs to hear of a crawl that failed: one line per source with errors."""

from __future__ import annotations

from pathlib import Path

from monitor import store
from monitor.store import reads


def failure_lines(db_path: str | Path, runs: list[dict]) -> list[str]:
    """One line per source whose crawl had errors: how many, and the first URL with its reason."""
    lines = []
    if not any(r["errors"] for r in runs):
        return lines
    db = store.open_db(db_path)
    try:
        for run in runs:
            if not run["errors"]:
                continue
            first = reads.first_error(db, run["run_id"], run["source"])
            what = "could not be reached" if not run["responses"] else "had errors"
            detail = f"; first: {first['url']}: {first['reason']}" if first else ""
            lines.append(f"{run['source']}: {what} ({run['errors']} failed request(s)){detail}")
    finally:
        db.close()
    return lines
