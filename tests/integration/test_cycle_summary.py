"""`newsmon run` says after each discovery one line per source (issue 17, item 2): what it
found, new, changed, errors with the first reason; no bare maintenance dicts."""

from __future__ import annotations

import json
import logging
import re
import signal
from pathlib import Path

from conftest import free_port, start_newsmon, wait_for

from monitor.cli.report import run_counts, summary_line, summary_table
from monitor.daemon import cycle_log

CONFIG = """
[newsmon]
database = "{db}"
[crawl]
download_delay = 0
autothrottle = false
timeout = 3
retries = 0
[[sources]]
name = "world"
feeds = ["{base}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
interval = "1h"
[[sources]]
name = "down"
feeds = ["http://127.0.0.1:{closed}/down/rss.xml"]
allowed_domains = ["127.0.0.1"]
interval = "1h"
"""

LINE = re.compile(
    r"(\w+): (\d+) pages? \((\d+) not modified\), (\d+) new, (\d+) changed, (\d+) errors?(.*)"
    r" \((\w+)\)$"
)


def _summaries(text: str) -> dict[str, list[re.Match]]:
    found: dict[str, list[re.Match]] = {}
    for line in text.splitlines():
        if match := LINE.search(line):
            found.setdefault(match.group(1), []).append(match)
    return found


def test_the_daemon_logs_one_line_per_source_after_its_discovery(site, tmp_path: Path):
    config = tmp_path / "monitor.toml"
    db = tmp_path / "monitor.db"
    config.write_text(CONFIG.format(db=db, base=site.base_url, closed=free_port()))
    log = tmp_path / "daemon.log"
    with log.open("w") as err:
        proc = start_newsmon("--config", str(config), "run", stdout=err, stderr=err, text=True)
        try:
            wait_for(lambda: len(_summaries(log.read_text())) == 2, 60, "both discoveries")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    text = log.read_text()
    lines = _summaries(text)
    assert sorted(lines) == ["down", "world"], text
    (world,), (down,) = lines["world"], lines["down"]
    # A first crawl: every article new, the feed a page too, nothing "not modified" yet.
    assert int(world.group(2)) > int(world.group(4)) > 0 and world.group(3) == "0"
    assert (world.group(6), world.group(8)) == ("0", "discovery")
    assert " INFO " in world.string
    assert down.group(2) == "0" and int(down.group(6)) >= 1
    assert " WARNING " in down.string
    assert "could not be reached: http://127.0.0.1:" in down.group(7)
    assert "/down/rss.xml" in down.group(7)
    # The old per-crawl lines are gone: the failure is said once, in the summary line.
    assert "failed request(s)" not in text
    assert "maintenance:" not in text


def _run(not_modified: int = 0, **counts) -> dict:
    """A crawl_runs row; `fetched` and `not_modified` as the store pipeline counts them (a
    404 of an article already gone counts as not modified there), which no summary shows."""
    base = {"source": "zdf", "fetched": 0, "not_modified": not_modified, "new": 0, "changed": 0}
    statuses = json.dumps({"304": not_modified} if not_modified else {})
    base |= {"statuses": statuses, "responses": not_modified}
    return {**base, "removed": 0, "errors": 0, "run_id": "r1", **counts}


def test_the_line_reuses_the_summary_numbers_and_names_the_first_error():
    run = _run(fetched=12, not_modified=4, responses=16, new=2, changed=1, errors=2)
    run["statuses"] = json.dumps({"200": 13, "304": 3})  # one of the 4 was a 404 of a gone page
    line = summary_line(run, None)
    assert line == "zdf: 16 pages (3 not modified), 2 new, 1 changed, 2 errors (first)"
    first = {"url": "http://127.0.0.1:9/a", "reason": "HTTP 503"}
    line = summary_line(_run(fetched=1, responses=1, errors=1, removed=1), first)
    assert line == (
        "zdf: 1 page (0 not modified), 0 new, 0 changed, 1 removed, 1 error"
        " (first: http://127.0.0.1:9/a: HTTP 503)"
    )


def test_the_crawl_table_and_status_count_the_same_columns():
    run = _run(not_modified=2, responses=5, new=1, changed=1, unchanged=1, seconds=2.0)
    other = {**_run(responses=3, new=3, seconds=1.0), "source": "world"}
    lines = summary_table([run, other]).splitlines()
    assert lines[0].split() == [
        "source", "pages", "304", "new", "changed", "unchanged", "removed", "errors", "pages/s",
        "dropped",
    ]  # fmt: skip
    assert set(lines[1]) <= {"-", " "}  # the table helper's rule under the header
    assert lines[2].split() == ["zdf", "5", "2", "1", "1", "1", "0", "0", "2.5", "0"]
    assert lines[4].split() == ["total", "8", "2", "4", "1", "1", "0", "0", "4.0", "0"]
    assert run_counts(run) == {
        "pages": 5, "304": 2, "new": 1, "changed": 1, "unchanged": 1, "removed": 0, "errors": 0
    }  # fmt: skip


def test_a_revisit_that_looked_at_nothing_says_nothing(tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG, logger="newsmon.daemon")
    cycle_log.log_crawl(tmp_path / "unused.db", [_run()], "revisit")
    assert caplog.records == []
    cycle_log.log_crawl(tmp_path / "unused.db", [_run(not_modified=4)], "revisit")
    assert [r.getMessage() for r in caplog.records] == [
        "zdf: 4 pages (4 not modified), 0 new, 0 changed, 0 errors (revisit)"
    ]


def test_maintenance_speaks_only_when_it_pruned(caplog):
    caplog.set_level(logging.INFO, logger="newsmon.daemon")
    cycle_log.log_maintenance({"raw_pruned": 0})
    assert caplog.records == []
    cycle_log.log_maintenance({"raw_pruned": 7})
    assert [r.getMessage() for r in caplog.records] == [
        "maintenance: pruned 7 old raw page(s); versions and diffs stay"
    ]
