"""Storage faults under the running daemon: a writer that holds the lock, a long reader, a full
disk, a read-only database. Each time: one clear error naming the database file and what to do
(no traceback, no secret), the daemon keeps running, nothing stored is damaged, and once the
fault ends the next cycles store everything, the article that appeared meanwhile included.

How the faults are made. The database lives on a small tmpfs of its own when the tests may
mount one (root with CAP_SYS_ADMIN, as in CI's container): filling it is a real full disk
(ENOSPC, SQLite's SQLITE_FULL), and a read-only bind mount over it is a real read-only
filesystem (EROFS; file modes would not do, root ignores them). Where mounting is not allowed,
the disk is "full" through the daemon's file-size limit (RLIMIT_FSIZE, set and lifted with
prlimit), and read-only is a file mode (chmod 0444: the tests then do not run as root).
NEWSMON_TEST_NO_MOUNT=1 forces that second way.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import sqlite3
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, newsmon_argv, wait_for
from harness import CONFIG, STEPS, TEXT_EDITS, Daemon, SlowHook, query, seen, url_path

from monitor.sample_site import SampleSite
from monitor.sample_site.script import WITKOFF, changes_of
from monitor.store import open_db

SECRET = "St0rage-H00k-Secret"


# --- where the database lives ---------------------------------------------------------------


def _can_mount() -> bool:
    if os.environ.get("NEWSMON_TEST_NO_MOUNT"):
        return False
    probe = Path(f"/tmp/newsmon-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        mounted = _run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe))
        return mounted and _run("umount", str(probe))
    finally:
        probe.rmdir()


def _run(*command: str) -> bool:
    return subprocess.run(command, capture_output=True).returncode == 0


MOUNT = _can_mount()


class Disk:
    """The database's own small disk: a tmpfs, or a plain directory (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"
        self.limited: int | None = None  # the daemon's pid while its file size is limited
        path.mkdir()
        if MOUNT:
            assert _run("mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs", str(path))

    def close(self) -> None:
        # Lazy, and until nothing is left: a read-only bind mount may still be stacked on top.
        while MOUNT and _run("umount", "-l", str(self.path)):
            pass

    def fill(self, pid: int) -> None:
        """No room for one more page of the database."""
        if not MOUNT:
            # Past this size no file of the daemon grows; the WAL is empty (checkpointed).
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
            self.limited = pid
            return
        with contextlib.suppress(OSError), self.filler.open("wb") as out:
            while True:
                out.write(b"\0" * 65536)
                out.flush()

    def free(self) -> None:
        if self.limited is not None:
            unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
            resource.prlimit(self.limited, resource.RLIMIT_FSIZE, unlimited)
            self.limited = None
        self.filler.unlink(missing_ok=True)

    def read_only(self, db: Path) -> None:
        if MOUNT:  # the filesystem: the -wal and -shm files cannot be written either
            assert _run("mount", "--bind", str(self.path), str(self.path))
            # The kernel refuses ("mount point is busy") while a file opened through the new
            # mount is open for writing: a daemon job may have opened the database just then.
            remount = ("mount", "-o", "remount,bind,ro", str(self.path))
            wait_for(lambda: _run(*remount), 30, what="a read-only remount")
        else:
            assert os.geteuid() != 0, "as root, read-only needs a mount (root ignores modes)"
            db.chmod(0o444)

    def writable(self, db: Path) -> None:
        if MOUNT:
            assert _run("umount", "-l", str(self.path))  # the read-only bind mount
        else:
            db.chmod(0o644)


@pytest.fixture
def disk(tmp_path):
    place = Disk(tmp_path / "disk")
    yield place
    place.close()


# --- the daemon ------------------------------------------------------------------------------


def start(tmp_path: Path, db: Path, site: SampleSite, hook: SlowHook) -> Daemon:
    config = tmp_path / "monitor.toml"
    config.write_text(CONFIG.format(db=db, base=site.base_url))
    harness = Daemon(config, tmp_path / "daemon.log", hook, site)
    harness.start()
    return harness


def settled(db: Path, articles: int) -> bool:
    """Every article stored, every change evaluated and its alert sent."""
    if not db.exists():
        return False
    with contextlib.suppress(sqlite3.OperationalError):  # no schema yet
        found = query(
            db,
            "select (select count(*) from articles) as articles, "
            "(select count(*) from changes where evaluated_at is null) as unevaluated, "
            "(select count(*) from alerts where status != 'sent') as unsent",
        )[0]
        return found["articles"] >= articles and not found["unevaluated"] and not found["unsent"]
    return False


def recovered(db: Path, site: SampleSite) -> bool:
    return seen(db, site) and settled(db, len(site.published_paths()))


def logged(harness: Daemon, pattern: str) -> bool:
    return re.search(pattern, harness.log.read_text(errors="replace")) is not None


def check_after(db: Path, site: SampleSite, harness: Daemon, kind: str) -> str:
    """What every fault test ends with: the database whole, every article once, every applied
    edit once, the fault said in one line per job naming the file (`kind`: a regex), its end
    said too, no traceback, no secret. Returns the log."""
    assert query(db, "pragma integrity_check")[0]["integrity_check"] == "ok"
    changes = query(
        db, "select c.kind, a.url from changes c join articles a on a.id = c.article_id"
    )
    steps = site.steps[: site.step_index]
    applied = [(path, cats[0]) for step in steps for path, cats in changes_of(step)]
    edits = sorted(pair for pair in applied if pair[1] != "new")
    assert sorted((url_path(c["url"]), c["kind"]) for c in changes if c["kind"] != "new") == edits
    news = sorted(url_path(c["url"]) for c in changes if c["kind"] == "new")
    assert news == sorted(site.published_paths()), "an article was lost or stored twice"
    versions = query(db, "select count(*) as n from versions")[0]["n"]
    assert versions == len(news) + sum(1 for _, category in edits if category in TEXT_EDITS)
    log = harness.log.read_text(errors="replace")
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert errors, log[-3000:]
    for line in errors:  # the file, what, and what to do, on one line each
        assert re.search(f"{re.escape(str(db))}: {kind}: .+; ", line), line
    assert "works again" in log
    assert "Traceback" not in log, log[log.index("Traceback") - 1000 :][:4000]
    assert SECRET not in log
    return log


ZDF_LISTINGS = ("/zdf/rss/nachrichten", "/zdf/news-sitemap.xml", "/zdf/politik/ausland")


def served_etags(site: SampleSite, paths: tuple[str, ...]) -> set[str]:
    """The ETags the site sends for `paths` now (stable while the site does not change)."""
    tags = set()
    for path in paths:
        with urllib.request.urlopen(site.url(path), timeout=10) as response:
            tags.add(response.headers["ETag"])
    return tags


def stored_etags(db: Path) -> set[str]:
    """The listings' ETags the store keeps for conditional requests."""
    return {row["etag"] for row in query(db, "select etag from feeds")}


def truncate_wal(db: Path) -> bool:
    """Empty the WAL (when no reader needs it): the next write must grow a file."""
    handle = open_db(db)
    try:
        return handle.checkpoint()[0] == 0
    finally:
        handle.close()


# --- a writer holding the lock ---------------------------------------------------------------


def test_a_writer_holding_the_lock_past_the_busy_timeout_costs_a_cycle_not_an_article(tmp_path):
    db = tmp_path / "monitor.db"
    with SampleSite(steps=STEPS, slow_seconds=3) as site, SlowHook(f"/hook/{SECRET}") as hook:
        harness = start(tmp_path, db, site, hook)
        try:
            wait_for(lambda: settled(db, len(site.published_paths())), 60)
            # A new article: the crawl reads its feed (and stores the feed's validators) before
            # it fetches the article, which answers slowly. The lock is taken in between: the
            # page cannot be stored, and the feed answers "not modified" from then on.
            site.set_fault(WITKOFF, "slow")
            assert site.advance().name == "publish"
            wait_for(lambda: site.hits(WITKOFF) > 0, 30, step=0.01)
            listings = served_etags(site, ZDF_LISTINGS)
            wait_for(lambda: listings <= stored_etags(db), 30, "zdf's listings stored", step=0.01)
            holder = sqlite3.connect(db, isolation_level=None, timeout=30)
            holder.execute("BEGIN IMMEDIATE")  # a sqlite3 shell, a VACUUM, a long write
            began = time.monotonic()
            try:
                wait_for(lambda: logged(harness, r"crawl of zdf .*failed.*: locked:"), 60)
                held = time.monotonic() - began
                assert harness.proc.poll() is None
            finally:
                holder.rollback()
                holder.close()
            site.clear_fault(WITKOFF)
            wait_for(lambda: recovered(db, site), 60)
            site.advance()  # the store works again: the next edit is found as usual
            wait_for(lambda: recovered(db, site), 60)
        finally:
            code = harness.stop()
    assert code == 0
    log = check_after(db, site, harness, "locked")
    assert re.search(r"\d listing\(s\) will be fetched in full", log.split(" ERROR ")[-1])
    print(f"\nlock held {held:.1f} s until the crawl of zdf gave up")


def test_a_long_reader_blocks_no_writer(tmp_path):
    """A read transaction left open (a slow Datasette query, a sqlite3 shell): in WAL mode the
    crawl writes as usual, and newsmon's checkpoint leaves the reader's pages for later instead
    of holding up every writer until the reader ends."""
    db = tmp_path / "monitor.db"
    with SampleSite(steps=STEPS) as site, SlowHook() as hook:
        harness = start(tmp_path, db, site, hook)
        try:
            wait_for(lambda: settled(db, len(site.published_paths())), 60)
            reader = sqlite3.connect(db, isolation_level=None)
            reader.execute("BEGIN")
            before = reader.execute("select count(*) from articles").fetchone()[0]
            site.advance()
            site.advance()
            wait_for(lambda: recovered(db, site), 60)  # stored while the reader reads
            assert reader.execute("select count(*) from articles").fetchone()[0] == before
            writer = sqlite3.connect(db, isolation_level=None, timeout=1)
            try:
                outcome: list = []
                thread = threading.Thread(target=lambda: outcome.append(truncate_wal(db)))
                thread.start()
                time.sleep(0.05)  # the checkpoint is waiting for the reader now
                writer.execute("BEGIN IMMEDIATE")  # waits 1 s at most: fails if held up
                writer.execute("update sources set last_run = last_run")
                writer.execute("COMMIT")
                thread.join()
                assert outcome == [False]  # busy: the reader's pages stay in the WAL for now
            finally:
                writer.close()
                reader.rollback()
                reader.close()
            assert truncate_wal(db)  # the reader is gone: the WAL is emptied
        finally:
            code = harness.stop()
    assert code == 0
    assert query(db, "pragma integrity_check")[0]["integrity_check"] == "ok"
    log = harness.log.read_text(errors="replace")
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]


# --- a full disk -----------------------------------------------------------------------------


def test_a_full_disk_is_reported_and_every_page_is_stored_once_there_is_room(tmp_path, disk):
    db = disk.path / "monitor.db"
    with SampleSite(steps=STEPS) as site, SlowHook(f"/hook/{SECRET}") as hook:
        harness = start(tmp_path, db, site, hook)
        try:
            wait_for(lambda: settled(db, len(site.published_paths())), 60)
            # An empty WAL: the next write must grow a file, as on a disk that filled up.
            wait_for(lambda: truncate_wal(db), 30)
            disk.fill(harness.proc.pid)
            site.advance()  # a new article appears while there is no room
            wait_for(lambda: logged(harness, r" ERROR .*: disk full"), 60)
            time.sleep(1)  # another cycle on the full disk: still running, no crash loop
            assert harness.proc.poll() is None
            disk.free()
            wait_for(lambda: recovered(db, site), 60)
            site.advance()
            wait_for(lambda: recovered(db, site), 60)
        finally:
            disk.free()
            code = harness.stop()
    assert code == 0
    check_after(db, site, harness, "disk full" if MOUNT else "(disk full|write failed)")


# --- a read-only database --------------------------------------------------------------------


def test_a_read_only_database_is_reported_and_written_again_once_writable(tmp_path, disk):
    db = disk.path / "monitor.db"
    # With its -wal and -shm files gone (the last connection removes them) a WAL database on a
    # read-only filesystem cannot even be opened: SQLite says "cannot open".
    kind = "(read-only|cannot open)"
    with SampleSite(steps=STEPS) as site, SlowHook(f"/hook/{SECRET}") as hook:
        harness = start(tmp_path, db, site, hook)
        try:
            wait_for(lambda: settled(db, len(site.published_paths())), 60)
            disk.read_only(db)
            site.advance()
            wait_for(lambda: logged(harness, f" ERROR .*: {kind}:"), 60)
            # Restarted on a read-only database it runs (and says why nothing is stored)
            # instead of exiting and being restarted by systemd every few seconds.
            assert harness.stop() == 0
            harness.start()
            wait_for(lambda: logged(harness, f"=== run 2\n(.*\n)*.* ERROR .*: {kind}:"), 60)
            time.sleep(2)  # what is tested: still running 2 s later, not exiting to be restarted
            assert harness.proc.poll() is None
            # `newsmon crawl` meanwhile: one line that says why, and a failing exit code.
            by_hand = subprocess.run(
                newsmon_argv("--config", str(harness.config), "crawl"),
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert by_hand.returncode != 0
            said = [line for line in by_hand.stderr.splitlines() if line.startswith("Error: ")]
            assert said and re.search(f"{re.escape(str(db))}: {kind}: ", said[-1]), by_hand.stderr
            assert "Traceback" not in by_hand.stderr, by_hand.stderr[-3000:]
            disk.writable(db)
            wait_for(lambda: recovered(db, site), 60)
            site.advance()
            wait_for(lambda: recovered(db, site), 60)
        finally:
            code = harness.stop()
    assert code == 0
    check_after(db, site, harness, kind)


def test_a_database_that_cannot_be_opened_stops_the_daemon_with_one_clear_line(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    config = tmp_path / "monitor.toml"
    config.write_text(CONFIG.format(db=blocker / "monitor.db", base="http://127.0.0.1:9"))
    proc = subprocess.run(
        newsmon_argv("--config", str(config), "run"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert f"Error: {blocker / 'monitor.db'}: cannot open the database" in proc.stderr
    assert "Traceback" not in proc.stderr
