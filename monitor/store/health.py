"""Source health episodes as stored: one `source_health` row per problem, from its start
until it clears. Which problems a source has is decided by monitor.notify.health; these
writes run inside its transaction."""

from __future__ import annotations

from sqlite_utils import Database


def open_problems(db: Database, source: str) -> list[dict]:
    """The source's problems that have not cleared."""
    return list(db["source_health"].rows_where("source = ? and cleared_at is null", [source]))


def open_problem(db: Database, source: str, problem: str, since: str, detail: str) -> None:
    db["source_health"].insert(
        {"source": source, "problem": problem, "since": since, "detail": detail}
    )


def clear_problem(db: Database, row_id: int, at: str) -> None:
    db["source_health"].update(row_id, {"cleared_at": at})
