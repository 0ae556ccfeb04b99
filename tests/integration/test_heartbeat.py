"""The daemon's heartbeat (monitor.daemon.heartbeat): its row through start, beats and stop,
and a database it cannot write said once, never raised."""

from __future__ import annotations

import asyncio
import os

from conftest import rows

from monitor.daemon.heartbeat import Heartbeat


def test_start_beat_and_stop_keep_one_row_and_drop_ended_daemons(tmp_path):
    db = tmp_path / "monitor.db"
    heart = Heartbeat(lambda: db)
    asyncio.run(heart.start())
    heart.pid, first = os.getpid() + 1, heart.pid  # a later daemon of this host
    asyncio.run(heart.stop())  # no row of its own yet: nothing written
    heart.pid = first
    asyncio.run(heart.stop())
    (row,) = rows(db, "select * from daemon_beats")
    assert row["pid"] == first and row["stopped_at"] == row["beat_at"]

    later = Heartbeat(lambda: db)
    later.pid = first + 1
    asyncio.run(later.start())  # the stopped daemon's row goes
    asyncio.run(later.beat())
    (row,) = rows(db, "select * from daemon_beats")
    assert row["pid"] == first + 1 and row["stopped_at"] is None
    assert row["beat_at"] >= row["started_at"]


def test_a_failing_write_is_logged_once_and_never_raised(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    where = [blocker / "monitor.db"]  # its directory is a file: it cannot be opened
    heart = Heartbeat(lambda: where[0])
    with caplog.at_level("INFO", logger="newsmon.daemon"):
        asyncio.run(heart.start())
        asyncio.run(heart.beat())
        asyncio.run(heart.beat())
        where[0] = tmp_path / "monitor.db"
        asyncio.run(heart.beat())  # the row is made by the beat when the start failed
    said = [r.getMessage() for r in caplog.records if r.name == "newsmon.daemon"]
    assert len(said) == 2 and said[0].startswith("heartbeat not written (")
    assert said[1] == "heartbeat written again"
    (row,) = rows(tmp_path / "monitor.db", "select * from daemon_beats")
    assert row["started_at"] == heart.started_at and row["pid"] == os.getpid()
