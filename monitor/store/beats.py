"""The daemon's heartbeat as stored: a row per `newsmon run` process (host, pid), its start,
its latest beat and its clean stop. Written by monitor.daemon.heartbeat; read by `newsmon
status` through monitor.store.cli_reads.daemon_beats."""

from __future__ import annotations

from sqlite_utils import Database


def started(db: Database, host: str, pid: int, at: str, stale_before: str) -> None:
    """A daemon's first beat. The ended daemons of this host go (stopped, or silent since
    `stale_before`): the table holds the daemons that run and the last one that ran."""
    with db.atomic():
        db.execute(
            "delete from daemon_beats where host = ? and pid != ? "
            "and (stopped_at is not null or beat_at < ?)",
            [host, pid, stale_before],
        )
        db.execute(
            "insert or replace into daemon_beats (host, pid, started_at, beat_at, stopped_at) "
            "values (?, ?, ?, ?, null)",
            [host, pid, at, at],
        )


def beat(db: Database, host: str, pid: int, started_at: str, at: str) -> None:
    """A beat; the row is made again when it is missing (the first write failed)."""
    with db.atomic():
        db.execute(
            "insert into daemon_beats (host, pid, started_at, beat_at) values (?, ?, ?, ?) "
            "on conflict (host, pid) do update set beat_at = excluded.beat_at",
            [host, pid, started_at, at],
        )


def stopped(db: Database, host: str, pid: int, at: str) -> None:
    with db.atomic():
        db.execute(
            "update daemon_beats set beat_at = ?, stopped_at = ? where host = ? and pid = ?",
            [at, at, host, pid],
        )
