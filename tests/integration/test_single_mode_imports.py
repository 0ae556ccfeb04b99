"""The single machine never loads a Redis client: `newsmon run`'s code path (the CLI, the
daemon, its crawl Cycle with every spider module loaded, `newsmon status`) on the default
config, in a fresh interpreter, leaves redis and scrapy_redis out of sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent(
    """
    import json, sys

    import monitor.cli.main
    import monitor.daemon.service
    from monitor.cli.status import status_report
    from monitor.config import DEFAULT_CONFIG, load_config
    from monitor.crawl.runner import Cycle

    config = load_config(DEFAULT_CONFIG)
    assert config.cluster is None
    Cycle(config)  # Scrapy's spider loader imports every module of spiders/
    monitor.daemon.service.Daemon(config)
    status_report(config)
    cluster = ("monitor.cluster", "monitor.cluster.settings")
    print(json.dumps({"loaded": sorted(
        name for name in sys.modules
        if name.split(".")[0] in ("redis", "scrapy_redis")
        or (name.startswith("monitor.cluster") and name not in cluster)
    ), "spiders": "spiders.news" in sys.modules}))
    """
)


def fresh_interpreter(program: str, db: Path) -> dict:
    """What `program` printed last (JSON), run in a fresh interpreter on the database `db`."""
    env = {"NEWSMON_DB": str(db), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_single_machine_mode_imports_no_redis(tmp_path):
    found = fresh_interpreter(PROGRAM, tmp_path / "monitor.db")
    assert found["loaded"] == []
    # The program really went the daemon's way: the spiders loaded, the store opened.
    assert found["spiders"] and (tmp_path / "monitor.db").exists()


def test_a_cluster_role_without_the_cluster_table_says_so_in_one_line(tmp_path):
    env = {"NEWSMON_DB": str(tmp_path / "monitor.db"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", "config/sample.toml", "run", "--role",
         "crawler"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "config/sample.toml" in line and "[cluster]" in line


CRAWL = textwrap.dedent(
    """
    import json, os, sys

    from monitor.config import load_config
    from monitor.crawl.runner import Cycle, run_on_reactor
    from monitor.sample_site import SampleSite

    with SampleSite() as site:
        os.environ["NEWSMON_SAMPLE_URL"] = site.base_url
        cycle = Cycle(load_config("config/sample.toml"))
        runs = run_on_reactor(cycle.run)
    print(json.dumps({"loaded": sorted(
        name for name in ("aiohttp", "tldextract", "requests", "scrapy.downloadermiddlewares.cookies")
        if name in sys.modules
    ), "fetched": sum(run.get("fetched", 0) for run in runs)}))
    """
)


def test_a_crawl_loads_none_of_the_scrapy_parts_newsmon_turns_off(tmp_path):
    """Scrapy imports every component its settings name, even one set to None: cookies (with
    tldextract and requests) and remote control (aiohttp's server) cost the crawling process
    about 20 MB. A real crawl of the sample site, in a fresh interpreter, loads none of them."""
    found = fresh_interpreter(CRAWL, tmp_path / "monitor.db")
    assert found["fetched"] > 5  # the crawl really ran: its downloader and pipelines were built
    assert found["loaded"] == []
