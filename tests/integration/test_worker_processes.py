"""The crawling process forks its extraction workers itself before its reactor runs: no fork
server and no semaphore tracker beside them (about 25 MB of PSS), and the workers share the
extractor it preloaded. With other threads already running, a fork could copy a lock one of
them holds, so the pool comes from a fork server instead. Each case runs in a fresh
interpreter, as the daemon does."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from monitor.sample_site import SampleSite

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent(
    """
    import json, os, sys, threading, time

    from monitor.crawl import workers
    from monitor.crawl.runner import run_on_reactor
    from monitor.crawl.workers import prepare, run_async

    if sys.argv[1] == "thread":  # a thread that lives on, as a test's local server would
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()

    def children():
        found = []
        for task in os.listdir(f"/proc/{os.getpid()}/task"):
            with open(f"/proc/{os.getpid()}/task/{task}/children") as f:
                found += [int(pid) for pid in f.read().split()]
        return found

    def command(pid):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\\0", b" ").decode()

    async def main():
        page = b"<html><body><h1>Der Fahrplan</h1>" + b"<p>Die Linie 3 faehrt oefter. </p>" * 30
        made = await run_async(prepare, page, "http://127.0.0.1/a", None, False)
        parents = {await run_async(os.getppid) for _ in range(20)}
        return {
            "context": workers.pool()._mp_context.get_start_method(),
            "parents": sorted(parents),
            "me": os.getpid(),
            "children": [command(pid) for pid in children()],
            "headline": made.article.headline,
        }

    print(json.dumps(run_on_reactor(main)))
    """
)


def run(mode: str) -> dict:
    env = {"PATH": "/usr/bin:/bin", "NEWSMON_WORKERS": "2"}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_crawling_process_forks_its_workers_and_nothing_else():
    found = run("alone")
    assert found["context"] == "fork"
    assert found["parents"] == [found["me"]]  # the workers are its own children...
    assert len(found["children"]) == 2  # ...and its only ones: no fork server, no tracker
    assert not any("forkserver" in c or "resource_tracker" in c for c in found["children"])
    assert found["headline"] == "Der Fahrplan"  # and they extract


def test_with_threads_running_the_workers_come_from_a_fork_server():
    found = run("thread")
    assert found["context"] == "forkserver"
    assert found["me"] not in found["parents"]
    assert any("forkserver" in c for c in found["children"])
    assert found["headline"] == "Der Fahrplan"


# Run in every process the crawl forks: what that child holds at the moment it starts.
AT_FORK = textwrap.dedent(
    """
    import json, os, sys

    def _child():
        names = ("scrapy", "twisted", "trafilatura", "monitor.diff.core")
        loaded = {name: name in sys.modules for name in names}
        with open(os.environ["NEWSMON_TEST_FORKS"], "a") as log:
            log.write(json.dumps({"parent": os.getppid(), **loaded}) + "\\n")

    if os.environ.get("NEWSMON_TEST_FORKS"):
        os.register_at_fork(after_in_child=_child)
    """
)


def test_newsmon_crawl_forks_its_workers_before_it_loads_scrapy(tmp_path):
    """`newsmon crawl` (and run, demo) fork the workers before the crawl's imports: Scrapy
    and Twisted stay out of them, the extractor and the diff are in them, shared."""
    (tmp_path / "sitecustomize.py").write_text(AT_FORK)
    forks = tmp_path / "forks.jsonl"
    with SampleSite() as site:
        env = {
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(tmp_path),
            "NEWSMON_SAMPLE_URL": site.base_url,
            "NEWSMON_DB": str(tmp_path / "monitor.db"),
            "NEWSMON_WORKERS": "2",
            "NEWSMON_TEST_FORKS": str(forks),
        }
        command = [sys.executable, "-m", "monitor", "--config", "config/sample.toml", "crawl"]
        crawl = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        _, err = crawl.communicate(timeout=180)
    assert crawl.returncode == 0, err[-3000:]
    children = [json.loads(line) for line in forks.read_text().splitlines()]
    workers = [c for c in children if c["parent"] == crawl.pid]
    assert len(workers) == 2, children
    assert all(w["trafilatura"] and not w["scrapy"] and not w["twisted"] for w in workers)
    assert all(w["monitor.diff.core"] for w in workers)  # not imported by each on its first diff
    stored = sqlite3.connect(tmp_path / "monitor.db").execute("select count(*) from versions")
    assert stored.fetchone()[0] > 5  # and the crawl went through them
