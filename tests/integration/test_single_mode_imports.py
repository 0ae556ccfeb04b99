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


def test_the_single_machine_mode_imports_no_redis(tmp_path):
    env = {"NEWSMON_DB": str(tmp_path / "monitor.db"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
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
