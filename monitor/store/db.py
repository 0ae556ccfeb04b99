"""The connection: opening (and migrating) the file, transactions that take the write lock
when they begin, and the few SQL helpers every store module writes with.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from monitor.errors import StoreError
from monitor.store.faults import FAULTS, DatabaseFault, fault
from monitor.store.migrations import migrations

BUSY_TIMEOUT_MS = 10000  # how long a writer waits for another one's lock before it gives up
WAL_PAGES = 20_000  # pages in the write-ahead log before a checkpoint: 80 MB of 4 KB pages
IMPATIENT_MS = 100  # the same while the lock is stuck: a writer has waited BUSY_TIMEOUT_MS in vain

# The file (st_dev, st_ino) each database path named when this process first opened it. A
# file moved away or deleted under a running daemon would otherwise be recreated empty by the
# next open, and every article it finds then would be new again, and alerted again.
_FIRST_SEEN: dict[str, tuple[int, int]] = {}


class _Database(Database):
    """sqlite-utils' Database whose transactions take the write lock when they begin.

    Several connections write at once (the crawls of several sources, the dispatcher thread,
    a `newsmon crawl` beside the daemon). A plain BEGIN reads first and upgrades later; when
    another connection has written meanwhile, the upgrade fails at once with "database is
    locked", busy timeout or not. BEGIN IMMEDIATE waits for the lock instead.

    A storage fault rolls the transaction back, a failed COMMIT too (SQLite can leave the
    transaction open after a full disk: the connection would keep the write lock and fold every
    later write into a transaction nobody commits), and is raised as a DatabaseFault.
    sqlite-utils' own writes (insert, update, upsert) run inside atomic(), so they are covered.

    Once a writer of the process has waited the whole busy timeout in vain, every connection
    waits only a moment until a transaction commits again: the crawls' pipelines write on the
    event loop, and ten seconds for every page, and every source, while the lock stays taken
    would stall the daemon for minutes, for writes that are lost anyway (the next crawl
    fetches those pages again).
    """

    db_path = Path("?")  # set by open_db, for messages
    busy_ms = BUSY_TIMEOUT_MS  # the connection's busy timeout now

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        try:
            if self.conn.in_transaction:
                with super().atomic():
                    yield self
                return
            self._wait_at_most(IMPATIENT_MS if FAULTS.stuck else BUSY_TIMEOUT_MS)
            same_file(self.db_path)
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # keep the error that matters
                        self.conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            found = fault(self.db_path, exc)
            if found is None or found is exc:
                raise
            FAULTS.add(found)
            raise found from exc
        FAULTS.stuck = False

    def _wait_at_most(self, ms: int) -> None:
        if ms != self.busy_ms:
            self.conn.execute(f"PRAGMA busy_timeout = {ms}")
            self.busy_ms = ms

    def checkpoint(self) -> tuple[int, int, int]:
        """Copy the WAL into the database and truncate it, without holding up writers.

        A TRUNCATE checkpoint waits (the busy timeout) for readers still on older data, a slow
        Datasette query say, and every writer waits behind it meanwhile. So it waits only a
        moment here; what a reader still needs is left for the next checkpoint.
        Returns SQLite's (busy, WAL frames, frames checkpointed).
        """
        before = self.busy_ms
        self._wait_at_most(200)
        try:
            return tuple(self.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        finally:
            self._wait_at_most(before)


def open_db(path: str | Path) -> Database:
    """Open (creating and migrating as needed) the store at `path`, in WAL mode.

    Raises StoreError (a DatabaseFault for a storage fault) naming the file and what to do.
    """
    path = Path(path)
    same_file(path)
    db = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = _Database(path)
        db.db_path = path
        # Datasette and the CLI read while the daemon writes; wait instead of failing on a lock.
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.enable_wal()
        # In WAL mode NORMAL never corrupts and loses nothing when a process dies; only a power
        # cut may roll back the last commits. FULL would fsync on every page's commit.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        # A checkpoint every WAL_PAGES pages, not SQLite's 1,000: a crawl rewrites the same table
        # and index pages for every article, and a checkpoint copies each page once however often
        # it changed; the copy and its fsync run on the event loop. Maintenance truncates hourly.
        db.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
        if migrations.pending(db):
            # One write transaction around the whole check: two processes opening a new file
            # at the same moment must not both create the schema.
            with db.atomic():
                migrations.apply(db)
        _FIRST_SEEN.setdefault(os.path.abspath(path), _identity(path))
    except (OSError, sqlite3.Error) as exc:
        if db is not None:
            db.close()
        if found := fault(path, exc):
            raise found from None
        raise StoreError(
            f"{path}: cannot open the database ({exc}); check the path and its permissions"
        ) from None
    return db


def same_file(path: Path) -> None:
    """Raise a DatabaseFault ("replaced") when `path` is no longer the file this process first
    opened there: moved away and replaced, or deleted. A stat; writes check it as they begin."""
    first = _FIRST_SEEN.get(os.path.abspath(path))
    if first is None:
        return
    try:
        now: tuple[int, int] | None = _identity(path)
    except FileNotFoundError:
        now = None
    if now == first:
        return
    was = f"device {first[0]}, inode {first[1]}"
    detail = (
        f"the file was deleted (this process opened it as {was})"
        if now is None
        else f"another file took its place (device {now[0]}, inode {now[1]}; this process "
        f"opened {was})"
    )
    found = DatabaseFault(
        path,
        "replaced",
        detail,
        "newsmon stops rather than start an empty database and alert every article again as "
        "new: put the database back at that path (or restore a backup), then start newsmon "
        "again; to begin a new database on purpose, just start newsmon again",
    )
    FAULTS.add(found)
    raise found


def _identity(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def insert(db: Database, table: str, row: dict) -> int:
    """INSERT one row and return its id. Plain SQL: sqlite-utils' insert reads the table's
    schema on every call, which costs more than the insert on the per-page path."""
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"insert into [{table}] ({columns}) values ({marks})", list(row.values()))
    return cursor.lastrowid


def first(cursor: sqlite3.Cursor) -> dict | None:
    """A query's first row as a dict of its columns; None when it found nothing."""
    found = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], found, strict=True)) if found else None


def row_of(db: Database, table: str, row_id: int) -> dict | None:
    return first(db.execute(f"select * from [{table}] where id = ?", [row_id]))


def update(db: Database, table: str, row_id: int, values: dict) -> None:
    assignments = ", ".join(f"[{c}] = ?" for c in values)
    db.execute(f"update [{table}] set {assignments} where id = ?", [*values.values(), row_id])


def insert_new(db: Database, table: str, row: dict) -> int:
    """Insert unless a unique key already holds the row; 1 when inserted, 0 when it was there."""
    db[table].insert(row, ignore=True)
    return db.execute("select changes()").fetchone()[0]
