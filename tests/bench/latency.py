"""Edit-to-alert delay with the shipped config: `make bench-latency`.

    python tests/bench/latency.py [EDITS] [--fast]

Starts `newsmon run` against the sample site's three outlets with what users get from
config/monitor.toml: its [revisit] tiers, its politeness ([crawl]: delay between requests per
site, parallel requests, AutoThrottle) and the daemon's own batching and dispatch, with a
webhook receiver on 127.0.0.1 as the only target. Every article is made under an hour old
(published a few minutes before the start). After the first crawl, EDITS edits (a paragraph
appended to a different article each time, spread over the three outlets and over a window of
a few minutes, so several sources have edits in flight at once) land at planned times; each
edit's delay is from the edit to the FIRST message about that article at the receiver.

Printed: median, 95th percentile and max of the delays, each split into the wait for the
revisit that fetched the edited page and the time from that fetch to the message; and the
requests per hour per outlet the revisits cost, counted from the site's requests and computed
from the tiers. `--fast` runs the old quick check: a 10 s tier and no politeness delay.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from receivers import HttpReceiver  # noqa: E402

from monitor.revisit import parse_revisit  # noqa: E402
from monitor.sample_site import SampleSite  # noqa: E402
from monitor.sample_site.script import Step, append_paragraph  # noqa: E402

ROOT = HERE.parents[1]
OUTLETS = ("zdf", "tagesschau", "world")
# Discovery intervals like the shipped sources' (5 and 10 minutes); --fast polls every minute.
INTERVALS = {"zdf": "5m", "tagesschau": "5m", "world": "10m"}
FAST_CRAWL = {"download_delay": 0, "autothrottle": False, "timeout": 10}
# No per-minute ceiling: at 10 s, 15 articles want 90 checks a minute, over the shipped 30.
FAST_REVISIT = {"tiers": [["1d", "10s"], ["older", "stop"]], "max_per_minute": 0}
POLITENESS = (
    "download_delay",
    "concurrent_per_domain",
    "autothrottle",
    "timeout",
    "retries",
    "max_page_bytes",
)
RULE = '[[rules]]\nname = "edits"\nevents = ["changed"]\nnotify = ["desk"]\n'


@dataclass
class Edit:
    path: str
    at: float  # seconds after the window opens
    done: float | None = None  # time.monotonic() of the edit
    fetched: float | None = None  # first request of the page after the edit
    alerted: float | None = None  # first message about the article at the receiver


def toml_value(value) -> str:
    """A TOML literal for the plain values config files hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def table(name: str, values: dict) -> str:
    lines = [f"[{name}]"] + [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def build_config(db: Path, fast: bool) -> tuple[str, dict]:
    """The bench's monitor.toml: the shipped [crawl] politeness and [revisit] (or --fast's),
    the sample config's three outlets at the shipped intervals, one rule on every change."""
    with (ROOT / "config" / "monitor.toml").open("rb") as fh:
        shipped = tomllib.load(fh)
    with (ROOT / "config" / "sample.toml").open("rb") as fh:
        sample = tomllib.load(fh)
    crawl = FAST_CRAWL if fast else {k: shipped["crawl"][k] for k in POLITENESS}
    revisit = FAST_REVISIT if fast else shipped["revisit"]
    parts = [table("newsmon", {"database": str(db)}), table("crawl", crawl)]
    parts.append(table("revisit", revisit))
    for source in sample["sources"]:
        if source["name"] in OUTLETS:
            interval = "1m" if fast else INTERVALS[source["name"]]
            parts.append(table("[sources]", {**source, "interval": interval}))
    return "\n".join(parts) + RULE, revisit


def make_young(site: SampleSite, rng: random.Random) -> None:
    """Every article published 2 to 20 minutes ago: all of them in the first tier."""
    now = datetime.now(UTC).replace(microsecond=0)
    for doc in site.state.articles.values():
        doc.published = doc.modified = now - timedelta(seconds=rng.uniform(120, 1200))
    site.state.last_change = now


def plan(site: SampleSite, count: int, window: float, rng: random.Random) -> list[Edit]:
    """`count` edits of distinct articles, round robin over the outlets, at random times."""
    pools = {o: rng.sample(site.published_paths(o), len(site.published_paths(o))) for o in OUTLETS}
    paths = [pools[OUTLETS[i % len(OUTLETS)]][i // len(OUTLETS)] for i in range(count)]
    return sorted((Edit(p, rng.uniform(0, window)) for p in paths), key=lambda e: e.at)


def steps(edits: list[Edit]) -> list[Step]:
    return [
        Step(
            f"edit-{i}",
            f"paragraph appended to {e.path}",
            append_paragraph(e.path, f"Nachtrag {i}: Die Gespräche wurden am Abend fortgesetzt."),
            [(e.path, "body_added")],
        )
        for i, e in enumerate(edits)
    ]


def hits_by_outlet(site: SampleSite) -> dict[str, int]:
    with site._hits_lock:  # the site's request log: path -> requests
        counts = dict(site._hits)
    return {o: sum(n for p, n in counts.items() if p.startswith(f"/{o}/")) for o in OUTLETS}


def wait_stored(db: Path, count: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while _stored(db) < count:  # the first crawl stores every article
        if time.monotonic() > deadline:
            raise SystemExit(f"the first crawl did not store {count} articles within {limit:.0f} s")
        time.sleep(0.5)


def watch(site: SampleSite, hook: HttpReceiver, edits: list[Edit], timeout: float) -> None:
    """Make each edit at its time; note its first fetch after it and its first message."""
    opened, seen = time.monotonic(), 0
    while True:
        now = time.monotonic()
        for edit in edits:
            if edit.done is None and now - opened >= edit.at:
                site.advance()
                edit.done = time.monotonic()
        for request in hook.requests[seen:]:
            body = request.body.decode("utf-8", "replace")
            for edit in edits:
                if edit.done is not None and edit.alerted is None and edit.path in body:
                    edit.alerted = time.monotonic()
            seen += 1
        for edit in edits:
            if edit.done is not None and edit.fetched is None:
                edit.fetched = next((t for t in site.hit_times(edit.path) if t > edit.done), None)
        waiting = [e for e in edits if e.alerted is None]
        if not waiting or all(e.done and now - e.done > timeout for e in waiting):
            return
        time.sleep(0.05)


def run(count: int, fast: bool, window: float, timeout: float) -> None:
    rng = random.Random(18)
    workdir = Path(tempfile.mkdtemp(prefix="newsmon-latency-"))
    db = workdir / "monitor.db"
    probe = SampleSite()
    edits = plan(probe, count, window, rng)
    with SampleSite(steps=steps(edits)) as site, HttpReceiver() as hook:
        make_young(site, rng)
        os.environ["NEWSMON_SAMPLE_URL"] = site.base_url
        text, revisit = build_config(db, fast)
        (workdir / "monitor.toml").write_text(text)
        env = {**os.environ, "NEWSMON_APPRISE_URLS": f"desk={hook.url('/desk')}"}
        command = [sys.executable, "-m", "monitor", "--config", str(workdir / "monitor.toml")]
        log = (workdir / "daemon.log").open("w")
        proc = subprocess.Popen([*command, "run"], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            known = sum(
                len(site.published_paths(o)) + len(site.live_blog_paths(o)) for o in OUTLETS
            )
            wait_stored(db, known, 300)
            before, began = hits_by_outlet(site), time.monotonic()
            watch(site, hook, edits, timeout)
            after, hours = hits_by_outlet(site), (time.monotonic() - began) / 3600
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    young = {o: len(probe.published_paths(o)) + len(probe.live_blog_paths(o)) for o in OUTLETS}
    report(edits, revisit, {o: (after[o] - before[o]) / hours for o in OUTLETS}, young, fast)
    print(f"(daemon log: {workdir / 'daemon.log'})")


def report(edits: list[Edit], revisit: dict, rates: dict, young: dict, fast: bool) -> None:
    for i, e in enumerate(sorted(edits, key=lambda e: e.done or 0)):
        took = f"{e.alerted - e.done:6.1f} s" if e.alerted else "  none"
        fetch = f"fetched after {e.fetched - e.done:5.1f} s" if e.fetched else "never fetched"
        print(f"edit {i + 1:>2}: alert after {took} ({fetch})  {e.path}")
    delays = sorted(e.alerted - e.done for e in edits if e.alerted)
    waits = sorted(e.fetched - e.done for e in edits if e.fetched and e.alerted)
    after_fetch = sorted(e.alerted - e.fetched for e in edits if e.fetched and e.alerted)
    missing = len(edits) - len(delays)
    print(f"\n{len(edits)} edits on {len(OUTLETS)} outlets at once, articles under an hour old")
    print(f"tiers {revisit['tiers'][:2]} ... ({'--fast' if fast else 'shipped config'})")
    for name, values in (
        ("edit to alert", delays),
        ("edit to fetch", waits),
        ("fetch to alert", after_fetch),
    ):
        if values:
            print(
                f"  {name:<15} median {statistics.median(values):6.1f} s   "
                f"p95 {percentile(values, 0.95):6.1f} s   max {values[-1]:6.1f} s"
            )
    if missing:
        print(f"  {missing} edit(s) sent no alert in time")
    print_costs(revisit, rates, young)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def print_costs(revisit: dict, rates: dict, young: dict) -> None:
    """Requests per hour per outlet: counted at the site, and what the tiers cost."""
    errors: list[str] = []
    tiers = parse_revisit(revisit, errors).tiers
    first = 3600 / tiers[0].every if tiers[0].every else 0
    life, low = 0.0, 0
    for tier in tiers:
        if tier.every and tier.max_age:
            life += (tier.max_age - low) / tier.every
        low = tier.max_age or low
    print("requests per hour per outlet (counted at the site, feeds included):")
    for outlet, rate in rates.items():
        print(
            f"  {outlet:<11} {rate:7.0f}/h   tiers: {young[outlet]} articles in the first tier "
            f"x {first:.0f}/h = {young[outlet] * first:.0f}/h"
        )
    ceiling = parse_revisit(revisit, errors).max_per_minute
    print(
        f"steady state: an article costs {life:.0f} checks over its life ({first:.0f} in its first hour):"
    )
    for rate in (2, 10):
        print(
            f"  an outlet whose kept articles come at {rate}/h: {rate * life:.0f} requests/h "
            f"({rate * life / 60:.1f}/min; ceiling max_per_minute {ceiling})"
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


def main(argv: list[str]) -> None:
    fast = "--fast" in argv
    numbers = [int(a) for a in argv if a.isdigit()]
    count = numbers[0] if numbers else 21
    window = 60.0 if fast else 240.0  # the edits land within this many seconds
    timeout = 120.0 if fast else 360.0
    run(count, fast, window, timeout)


if __name__ == "__main__":
    main(sys.argv[1:])
