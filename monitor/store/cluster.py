"""What the cluster's writer keeps besides what a crawl stores: the stream entries it has
written (`cluster_applied`, so an entry delivered again after a crash is written once), and the
per-minute crawl_runs rows that stand for the crawls a single machine would log.

`cluster_applied` is created when the writer starts, not by a migration: the single-machine
mode never has it. Its rows go once their entries are acknowledged (gone from the stream).
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from monitor import clock
from monitor.store.db import first

RUN_COUNTS = (
    "requests",
    "responses",
    "fetched",
    "not_modified",
    "new",
    "changed",
    "unchanged",
    "removed",
    "restored",
    "errors",
)
RUN_MAPS = ("dropped", "statuses")  # JSON {name: count}


def ensure_tables(db: Database) -> None:
    with db.atomic():
        db.execute("create table if not exists cluster_applied (entry text primary key, at text)")


def applied(db: Database, entries: list[str]) -> set[str]:
    """Which of these stream entries are written already."""
    if not entries:
        return set()
    marks = ", ".join("?" for _ in entries)
    query = f"select entry from cluster_applied where entry in ({marks})"
    return {row[0] for row in db.execute(query, entries).fetchall()}


def mark_applied(db: Database, entries: list[str]) -> None:
    """Record entries as written; in the transaction that wrote them."""
    now = clock.now()
    db.conn.executemany(
        "insert or ignore into cluster_applied (entry, at) values (?, ?)",
        [(entry, now) for entry in entries],
    )


def forget_applied(db: Database, entries: list[str]) -> None:
    """The entries are off the stream: nobody can deliver them again."""
    if not entries:
        return
    with db.atomic():
        db.conn.executemany("delete from cluster_applied where entry = ?", [(e,) for e in entries])


def add_to_run(db: Database, run: dict) -> None:
    """Add a source's counts to its crawl_runs row of `run["run_id"]` (one per minute), creating
    it: the run's start stays, its end moves on. Also the source's last run."""
    query = "select * from crawl_runs where run_id = ? and source = ?"
    old = first(db.execute(query, [run["run_id"], run["source"]]))
    if old is None:
        db["crawl_runs"].insert(run)
    else:
        merged = _merged(old, run)
        assignments = ", ".join(f"[{c}] = ?" for c in merged)
        db.execute(
            f"update crawl_runs set {assignments} where id = ?", [*merged.values(), old["id"]]
        )
    db["sources"].upsert({"name": run["source"], "last_run": run["finished_at"]}, pk="name")


def _merged(old: dict, run: dict) -> dict:
    merged: dict = {c: (old[c] or 0) + run.get(c, 0) for c in RUN_COUNTS}
    for name in RUN_MAPS:
        counts = json.loads(old[name] or "{}")
        for key, value in json.loads(run.get(name) or "{}").items():
            counts[key] = counts.get(key, 0) + value
        merged[name] = json.dumps(counts, sort_keys=True)
    merged["finished_at"] = run["finished_at"]
    started, finished = clock.parse_time(old["started_at"]), clock.parse_time(run["finished_at"])
    if started and finished:
        merged["seconds"] = round((finished - started).total_seconds(), 3)
    return merged
