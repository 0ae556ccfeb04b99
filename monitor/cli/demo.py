"""`newsmon demo`: the whole pipeline, offline, against the bundled sample site.

It serves the sample site on 127.0.0.1, crawls it once, then advances the
site's scripted timeline one step per cycle and prints each change as it is
found, checked against what the step was scripted to do. Extra quiet cycles
show that page churn (rotating teasers, relative times) never becomes a change.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from monitor import store
from monitor.cli.report import ChangePrinter
from monitor.clock import parse_time
from monitor.config import Config, load_config
from monitor.crawl.record import Outcome
from monitor.crawl.runner import Cycle, configure_logging, run_on_reactor
from monitor.notify.messages import render
from monitor.notify.targets import BRIEF_CONSOLE
from monitor.rules.crawl_alerts import CrawlAlerts
from monitor.rules.evaluate import content_for, dispatch_only
from monitor.sample_site import SampleSite
from monitor.store import outbox

SAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "config" / "sample.toml"


def run_demo(db_path: Path, quiet_cycles: int = 5, out=None) -> int:
    """Run the demo; return 0 when every scripted change was found and nothing else."""
    out = out or sys.stdout
    started = time.monotonic()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    site = SampleSite()
    site.start()
    config = _config(db_path, site.base_url)
    printer = ChangePrinter(color=out.isatty(), out=out)
    found: list[Outcome] = []

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    async def main() -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]:
        cycle = Cycle(config, NEWSMON_REVISIT_ALL=True)
        alerts = CrawlAlerts(config, [BRIEF_CONSOLE])
        cycle.listeners.append(found.append)
        cycle.batch_listeners.append(alerts.stored)
        say(f"Sample site on {site.base_url}; database {db_path}\n")
        say("== cycle 0: first crawl (every article is new)")
        runs = await cycle.run()
        await asyncio.to_thread(alerts.after)
        seen = _held(db_path, 0, say)
        say(f"   {sum(r['new'] for r in runs)} new articles stored\n")
        results = []
        steps = [*site.steps[site.step_index :], *[None] * quiet_cycles]
        for n, _ in enumerate(steps, start=1):
            step = site.advance() if site.step_index < len(site.steps) else None
            title = f"{step.name}: {step.description}" if step else "quiet: only page churn"
            say(f"== cycle {n}: {title}")
            found.clear()
            cycle.listeners[-1] = _printing(found, printer)
            await cycle.run()
            await asyncio.to_thread(alerts.after)
            seen = _held(db_path, seen, say)
            got = sorted((urlsplit(o.url).path, c) for o in found for c in o.categories)
            expected = sorted(step.expected) if step else []
            mark = "ok" if got == expected else "MISMATCH"
            say(f"   expected {_fmt(expected)}; found {_fmt(got)}: {mark}\n")
            results.append((title, expected, got))
        await asyncio.to_thread(_send_held, config, say)
        return results

    try:
        results = run_on_reactor(main)
    finally:
        site.stop()
    bad = [r for r in results if r[1] != r[2]]
    say(
        f"{len(results)} cycles, {len(results) - len(bad)} as scripted, {len(bad)} not, "
        f"in {time.monotonic() - started:.1f} s."
    )
    say(_where_to_look(db_path))
    return 1 if bad else 0


def _config(db_path: Path, base_url: str) -> Config:
    os.environ["NEWSMON_SAMPLE_URL"] = base_url
    config = load_config(SAMPLE_CONFIG)
    config.database = db_path
    configure_logging()
    # The demo prints changes and alerts itself; the per-cycle counts would only repeat them.
    logging.getLogger("newsmon.alerts").setLevel(logging.WARNING)
    logging.getLogger("newsmon.stories").setLevel(logging.WARNING)  # joins show as alerts
    return config


def _where_to_look(db_path: Path) -> str:
    newsmon = f"{_bin_dir()}newsmon --config config/sample.toml --db {db_path}"
    return (
        f"\nThe database is {db_path}. See the story, its events and its feed in Datasette:\n"
        f"  {newsmon} serve   (then http://127.0.0.1:8001/-/newsmon/stories/ukraine-talks)\n"
        f"or plain Datasette: {_bin_dir()}datasette {db_path}\n"
        f"Which articles are about the story, and what each change sent:\n"
        f"  {newsmon} stories test ukraine-talks --all\n"
        f"or list what was stored with:\n  {newsmon} articles"
    )


def _held(db_path: Path, since: int, say) -> int:
    """Print the alerts made after alert `since` that a rate limit holds back (the daemon sends
    them when the window ends, folded per article); return the newest alert's id."""
    db = store.open_db(db_path)
    try:
        for alert in outbox.pending_after(db, since):
            title, _ = render([content_for(db, alert)], "text")
            until = parse_time(alert["not_before"]).astimezone().strftime("%H:%M")
            say(f"   alert held until {until} by the rate limit: {title}")
        return outbox.last_alert_id(db)
    finally:
        db.close()


def _send_held(config, say) -> None:
    """Send what the rate limits held back now, as the daemon would when their windows end."""
    db = store.open_db(config.database)
    try:
        pending = outbox.pending_alerts(db)
    finally:
        db.close()
    if not pending:
        return
    last = max(parse_time(a["not_before"]) for a in pending)
    say(f"== the rate limits' windows end ({len(pending)} alerts held): what the daemon sends then")
    dispatch_only(config, [BRIEF_CONSOLE], now=last + timedelta(seconds=1))
    say("")


def _printing(found: list[Outcome], printer: ChangePrinter):
    def listener(outcome: Outcome) -> None:
        found.append(outcome)
        printer(outcome)

    return listener


def _fmt(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{c} {p.rsplit('/', 1)[-1]}" for p, c in pairs) or "nothing"


def _bin_dir() -> str:
    """Where this interpreter's scripts are, as the user would type it (".venv/bin/")."""
    scripts = Path(sys.executable).parent
    try:
        return f"{scripts.relative_to(Path.cwd())}/"
    except ValueError:
        return f"{scripts}/"
