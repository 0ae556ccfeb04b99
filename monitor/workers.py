"""A small process pool for extraction, so cleaning pages uses every core and never
blocks the event loop (timers, the systemd watchdog and other crawls keep running).

The pool starts workers with "forkserver": a fork of a process that runs the
Twisted reactor and open SQLite handles would copy both. Workers are started
on first use and shared by every crawl of the process.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import select
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from monitor.extract import extract
from monitor.items import Article

_pool: ProcessPoolExecutor | None = None


def pool_size() -> int:
    """One worker per core, overridable with NEWSMON_WORKERS (0: extract in-process)."""
    configured = os.environ.get("NEWSMON_WORKERS")
    if configured is not None and configured.strip().isdigit():
        return int(configured)
    return os.cpu_count() or 1


def _warm(owner: int) -> None:
    """Exit when the process that owns the pool dies, and import the extractor's
    dependencies before the first page arrives.

    Workers are children of the fork server, not of the daemon, and keep the fork server
    alive; without this a SIGKILLed daemon would leave both behind, holding its pipes.
    """
    threading.Thread(target=_exit_with, args=(owner,), daemon=True).start()
    import trafilatura  # noqa: F401


def _exit_with(owner: int) -> None:
    try:
        handle = os.pidfd_open(owner)
    except (AttributeError, OSError):  # not Linux 5.3+: poll instead
        while True:
            time.sleep(2)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
    select.select([handle], [], [])  # readable once the owner has exited
    os._exit(0)


def pool() -> ProcessPoolExecutor | None:
    global _pool
    if _pool is None and pool_size() > 0:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["monitor.extract"])
        _pool = ProcessPoolExecutor(
            max_workers=pool_size(),
            mp_context=context,
            initializer=_warm,
            initargs=(os.getpid(),),
        )
        atexit.register(shutdown)
    return _pool


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


async def extract_async(body: bytes, url: str, encoding: str | None) -> Article:
    """`extract` in a worker process (or in this one when the pool is off)."""
    executor = pool()
    if executor is None:
        return extract(body, url, encoding)
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(executor, extract, body, url, encoding)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): start a fresh pool and try this page once more.
        shutdown()
        return await loop.run_in_executor(pool(), extract, body, url, encoding)
