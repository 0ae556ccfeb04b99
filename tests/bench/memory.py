"""Memory over many cycles: `make bench-memory` (or python tests/bench/memory.py [CYCLES]).

Runs crawl cycles in one process on one reactor, exactly as the daemon does (the same Cycle,
spiders, pipelines, worker pool and alert delivery), against the sample site with nothing
changing: every cycle re-checks all its articles. Prints the resident memory of the process
tree at cycle 30 and at the end, and the CPU seconds per idle cycle.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cpu_seconds, rss_mb

from monitor.config import load_config
from monitor.crawl import workers
from monitor.crawl.runner import Cycle, run_on_reactor
from monitor.rules.crawl_alerts import CrawlAlerts
from monitor.sample_site import SampleSite

ROOT = Path(__file__).resolve().parents[2]


def main(cycles: int = 300) -> None:
    workers.start()  # before the site's thread, as `newsmon run` starts them (monitor.cli.main)
    workdir = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    with SampleSite() as site:
        os.environ["NEWSMON_SAMPLE_URL"] = site.base_url
        config = load_config(ROOT / "config" / "sample.toml")
        config.database = workdir / "monitor.db"
        samples: dict[int, tuple[float, float]] = {}

        async def run() -> None:
            cycle = Cycle(config, NEWSMON_REVISIT_ALL=True)
            alerts = CrawlAlerts(config, targets=[])
            cycle.batch_listeners.append(alerts.stored)
            started = time.monotonic()
            for n in range(1, cycles + 1):
                runs = await cycle.run()
                await asyncio.to_thread(alerts.after)
                if n == 1:
                    print(f"cycle 1: {sum(r['new'] for r in runs)} articles stored", flush=True)
                if n in (2, 30, cycles) or n % 50 == 0:
                    samples[n] = (rss_mb(), cpu_seconds())
                    print(
                        f"cycle {n}: rss {samples[n][0]:.1f} MB, "
                        f"{time.monotonic() - started:.0f} s",
                        flush=True,
                    )

        run_on_reactor(run)
    (rss30, cpu30), (rss_end, cpu_end) = samples[30], samples[cycles]
    idle = (cpu_end - cpu30) / (cycles - 30)
    print(
        f"\nRSS at cycle 30: {rss30:.1f} MB; at cycle {cycles}: {rss_end:.1f} MB "
        f"({(rss_end / rss30 - 1) * 100:+.1f} %)"
    )
    print(
        f"CPU per idle cycle (every sample article re-checked, nothing changed): {idle * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
