"""Edit-to-alert delay: `make bench-latency` (or python tests/bench/latency.py [EDITS]).

Starts `newsmon run` as a subprocess against the sample site, with a webhook receiver on
127.0.0.1 as its only target, then makes EDITS scripted edits (a paragraph appended to a
different article each time) a few seconds apart and measures, for each, the time from the
edit to the alert's arrival. Revisits run every 10 s (the config below): the delay is bound
by that interval, plus the crawl and the send.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from receivers import HttpReceiver  # noqa: E402

from monitor.sample_site import SampleSite  # noqa: E402
from monitor.sample_site.script import Step, append_paragraph  # noqa: E402

ROOT = HERE.parents[1]
CONFIG = """
[newsmon]
database = "{db}"
[crawl]
download_delay = 0
autothrottle = false
timeout = 10
[revisit]
tiers = [["1d", "10s"], ["older", "stop"]]
[[sources]]
name = "tagesschau"
feeds = ["{base}/tagesschau/index~atom.xml"]
link_pattern = '/tagesschau/[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "1m"
[[sources]]
name = "world"
feeds = ["{base}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
interval = "1m"
[[rules]]
name = "edits"
events = ["changed"]
notify = ["desk"]
"""


def edits(paths: list[str], count: int) -> list[Step]:
    return [
        Step(
            f"edit-{i}",
            f"paragraph appended to {path}",
            append_paragraph(path, f"Nachtrag {i}: Die Gespräche wurden am Abend fortgesetzt."),
            [(path, "body_added")],
        )
        for i, path in zip(range(count), (paths * count)[:count], strict=True)
    ]


def main(count: int = 20) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="newsmon-latency-"))
    probe = SampleSite()
    paths = [p for p in probe.published_paths() if p.startswith(("/tagesschau/", "/world/"))]
    with SampleSite(steps=edits(paths, count)) as site, HttpReceiver() as hook:
        config = workdir / "monitor.toml"
        db = workdir / "monitor.db"
        config.write_text(CONFIG.format(db=db, base=site.base_url))
        env = {**os.environ, "NEWSMON_APPRISE_URLS": f"desk={hook.url('/desk')}"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while _stored(db) < len(paths):  # the first crawl stores every article
                if time.monotonic() > deadline:
                    raise SystemExit("the first crawl did not finish within 120 s")
                time.sleep(0.5)
            delays = []
            for i in range(count):
                seen = len(hook.requests)
                site.advance()
                began = time.monotonic()
                while len(hook.requests) == seen:
                    if time.monotonic() - began > 120:
                        raise SystemExit(f"edit {i}: no alert within 120 s")
                    time.sleep(0.05)
                delays.append(time.monotonic() - began)
                print(f"edit {i + 1:>2}: alert after {delays[-1]:.1f} s", flush=True)
                time.sleep(random.uniform(0.5, 3.0))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    delays.sort()
    p95 = delays[min(len(delays) - 1, round(0.95 * (len(delays) - 1)))]
    print(
        f"\n{count} edits: median {statistics.median(delays):.1f} s, 95th percentile {p95:.1f} s, "
        f"max {delays[-1]:.1f} s (revisit tier: every 10 s)"
    )


def _stored(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:
        return 0


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
