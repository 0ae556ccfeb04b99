"""`newsmon run` says after each discovery one line per source (issue 17, item 2): what it
found, new, changed, errors with the first reason; no bare maintenance dicts."""

from __future__ import annotations

import logging
import re
import signal
from pathlib import Path

from conftest import free_port, start_newsmon, wait_for

from monitor.cli.report import summary_line
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

LINE = re.compile(r"(\w+): (\d+) found, (\d+) new, (\d+) changed, (\d+) error\(s\)(.*) \((\w+)\)$")


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
    assert int(world.group(2)) == int(world.group(3)) > 0  # a first crawl: all new
    assert (world.group(5), world.group(7)) == ("0", "discovery")
    assert " INFO " in world.string
    assert down.group(2) == "0" and int(down.group(5)) >= 1
    assert " WARNING " in down.string
    assert "could not be reached: http://127.0.0.1:" in down.group(6)
    assert "/down/rss.xml" in down.group(6)
    # The old per-crawl lines are gone: the failure is said once, in the summary line.
    assert "not modified" not in text and "failed request(s)" not in text
    assert "maintenance:" not in text


def _run(**counts) -> dict:
    base = {"source": "zdf", "fetched": 0, "not_modified": 0, "new": 0, "changed": 0}
    return {**base, "removed": 0, "errors": 0, "responses": 1, "run_id": "r1", **counts}


def test_the_line_reuses_the_summary_numbers_and_names_the_first_error():
    line = summary_line(_run(fetched=12, not_modified=3, new=2, changed=1, errors=2), None)
    assert line == "zdf: 15 found, 2 new, 1 changed, 2 error(s) (first)"
    first = {"url": "http://127.0.0.1:9/a", "reason": "HTTP 503"}
    line = summary_line(_run(fetched=1, errors=1, removed=1), first)
    assert line == (
        "zdf: 1 found, 0 new, 0 changed, 1 removed, 1 error(s) (first: http://127.0.0.1:9/a: HTTP 503)"
    )


def test_a_revisit_that_looked_at_nothing_says_nothing(tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG, logger="newsmon.daemon")
    cycle_log.log_crawl(tmp_path / "unused.db", [_run()], "revisit")
    assert caplog.records == []
    cycle_log.log_crawl(tmp_path / "unused.db", [_run(not_modified=4)], "revisit")
    assert [r.getMessage() for r in caplog.records] == [
        "zdf: 4 found, 0 new, 0 changed, 0 error(s) (revisit)"
    ]


def test_maintenance_speaks_only_when_it_pruned(caplog):
    caplog.set_level(logging.INFO, logger="newsmon.daemon")
    cycle_log.log_maintenance({"raw_pruned": 0})
    assert caplog.records == []
    cycle_log.log_maintenance({"raw_pruned": 7})
    assert [r.getMessage() for r in caplog.records] == [
        "maintenance: pruned 7 old raw page(s); versions and diffs stay"
    ]
