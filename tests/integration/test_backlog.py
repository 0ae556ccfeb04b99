"""The pages all crawls of the process hold at once (monitor.crawl.backlog), in real crawls of
the sample site's three enabled sources over HTTP, with one extraction worker."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, SAMPLE_CONFIG

from monitor.sample_site import SampleSite

# Counts the pages waiting for, or in, the worker at every moment; the crawl's own code path.
PROGRAM = """
import asyncio, json, sys
from monitor.crawl import workers
workers.start()
from monitor.config import load_config
from monitor.crawl import pipelines
from monitor.crawl.runner import Cycle, run_on_reactor

config = load_config(sys.argv[1])
waiting = {"now": 0, "most": 0}
real = pipelines.run_async

async def counted(*args):
    waiting["now"] += 1
    waiting["most"] = max(waiting["most"], waiting["now"])
    try:
        return await real(*args)
    finally:
        waiting["now"] -= 1

pipelines.run_async = counted

async def main():
    runs = await Cycle(config, NEWSMON_PAGES_IN_FLIGHT=int(sys.argv[2])).run()
    return {"sources": len(runs), "new": sum(r["new"] for r in runs), "most": waiting["most"]}

print(json.dumps(run_on_reactor(main)))

"""


def crawl(site: SampleSite, tmp_path, limit: int) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "NEWSMON_WORKERS": "1",
        "NEWSMON_SAMPLE_URL": site.base_url,
        "NEWSMON_DB": str(tmp_path / f"monitor-{limit}.db"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(SAMPLE_CONFIG), str(limit)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_all_crawls_together_hold_at_most_the_bound_and_still_store_every_page(tmp_path):
    with SampleSite() as site:
        bounded = crawl(site, tmp_path, 3)
        unbounded = crawl(site, tmp_path, 0)
    assert bounded["sources"] == unbounded["sources"] == 3  # the enabled ones
    assert bounded["new"] == unbounded["new"] > 20
    # A crawl holding fewer than two pages may always start one: the bound plus two per crawl.
    assert bounded["most"] <= 3 + 2 * 3
    assert unbounded["most"] > 3 + 2 * 3
