"""Storage faults: the SQLite errors that mean the database file or its disk failed, and their log.

A fault is not a bug in a statement: the file is locked, the disk full, the file read-only or
corrupt. `fault()` turns such an error into a DatabaseFault that names the file, what went
wrong and what to do; FAULTS counts the faults this process met, so the daemon and `newsmon
crawl` can tell whether a crawl lost writes. The store (`monitor.store`) raises them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from monitor.errors import StoreError

# SQLite's primary result codes that mean the storage is at fault, not the statement: what a
# person reads, and what to do about it. Any other error (a constraint, a bug) passes unchanged.
_RETRY = "what is stored is intact, and the next crawl tries again"
_FAULTS = {
    sqlite3.SQLITE_BUSY: (
        "locked",
        "another process held the write lock longer than the busy timeout (a long write, a "
        f"VACUUM, a sqlite3 shell with an open transaction); {_RETRY}",
    ),
    sqlite3.SQLITE_FULL: ("disk full", f"free space on its filesystem; {_RETRY}"),
    sqlite3.SQLITE_READONLY: (
        "read-only",
        "make the file, its directory and its -wal and -shm files writable for the user "
        f"newsmon runs as (and the filesystem read-write); {_RETRY}",
    ),
    sqlite3.SQLITE_IOERR: (
        "write failed",
        f"check its disk: disk full, over quota or failing (see dmesg); {_RETRY}",
    ),
    sqlite3.SQLITE_CORRUPT: (
        "corrupt",
        "stop newsmon, keep a copy of the file, then restore a backup or rebuild it with "
        "`sqlite3 FILE .recover`",
    ),
    sqlite3.SQLITE_NOTADB: (
        "not a database",
        "point [newsmon] database in the config (or --db) at newsmon's SQLite file, or at a new "
        "path to start one",
    ),
    sqlite3.SQLITE_CANTOPEN: (
        "cannot open",
        "check that its directory exists and is writable for the user newsmon runs as (and "
        f"that its filesystem is not read-only); {_RETRY}",
    ),
    sqlite3.SQLITE_PERM: ("permission denied", "check the file's owner and permissions"),
}
_FAULTS[sqlite3.SQLITE_LOCKED] = _FAULTS[sqlite3.SQLITE_BUSY]


class DatabaseFault(StoreError, sqlite3.OperationalError):
    """The storage failed (locked, disk full, read-only, ...): the file, what, and what to do.

    Also an OperationalError, so code that handles SQLite's own errors (sqlite-utils probing
    what the library supports) still does. The message holds no secret: it is a path and
    SQLite's own words.
    """

    def __init__(self, path: Path, kind: str, detail: str, remedy: str) -> None:
        super().__init__(f"{path}: {kind}: {detail}; {remedy}")
        self.path = path
        self.kind = kind


def fault(path: str | Path, exc: BaseException) -> DatabaseFault | None:
    """`exc` as a DatabaseFault when it is a storage fault of the database at `path`."""
    if isinstance(exc, DatabaseFault):
        return exc
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_IOERR and _no_room(Path(path)):
        primary = sqlite3.SQLITE_FULL  # SQLite says "disk I/O error" for some writes to a full disk
    known = _FAULTS.get(primary)
    if known is None:
        return None
    return DatabaseFault(Path(path), known[0], str(exc), known[1])


def _no_room(path: Path) -> bool:
    """Whether the filesystem of `path` has less than a megabyte left."""
    try:
        stat = os.statvfs(path.parent)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < 2**20


class FaultLog:
    """The storage faults this process met. A fault inside a Scrapy pipeline ends as a line in
    Scrapy's log (hidden without --verbose) and a lost item; the daemon and `newsmon crawl`
    look here to tell whether a crawl lost writes, and to say so."""

    def __init__(self) -> None:
        self.count = 0
        self.last: DatabaseFault | None = None
        # A writer waited BUSY_TIMEOUT_MS in vain: until a transaction commits again, every
        # connection of the process waits only IMPATIENT_MS (see monitor.store._Database).
        self.stuck = False
        self._lock = threading.Lock()

    def add(self, found: DatabaseFault) -> None:
        with self._lock:
            self.count += 1
            self.last = found
            self.stuck = self.stuck or found.kind == "locked"


FAULTS = FaultLog()
