"""A small process pool for extraction, so cleaning pages uses every core and never
blocks the event loop (timers, the systemd watchdog and other crawls keep running).

The crawling process forks its workers (`start`) while it has one thread: newsmon's commands
call it before they import the crawl (monitor.cli.main), run_on_reactor before the reactor
runs. A fork of a running reactor with threads and open SQLite handles could copy a lock
held by another thread. It imports the extractor and builds its stop lists first
(monitor.crawl.preload), so the workers share those pages with it, and no fork server or
semaphore tracker process is needed (about 25 MB of PSS). A pool started later, or replaced
after a worker died, while the process has threads, comes from a "forkserver" that preloads
the same. Workers are shared by every crawl of the process.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import multiprocessing
import os
import select
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from monitor.crawl.memory import release_large_buffers, trim
from monitor.items import Article

if TYPE_CHECKING:
    from monitor.diff.core import Diff

T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None


def pool_size() -> int:
    """One worker per core this process may run on, overridable with NEWSMON_WORKERS (0: extract
    in-process).

    The cores it may use, not the machine's: under systemd's CPUAffinity= or a container's
    cpuset, os.cpu_count() names cores the workers would only queue for.
    """
    configured = os.environ.get("NEWSMON_WORKERS")
    if configured is not None and configured.strip().isdigit():
        return int(configured)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _warm(owner: int) -> None:
    """Exit when the process that owns the pool dies, and import the extractor's
    dependencies before the first page arrives.

    A SIGKILLed daemon would otherwise leave its workers behind (and a fork server's workers
    keep the fork server alive), holding its pipes.
    """
    threading.Thread(target=_exit_with, args=(owner,), daemon=True).start()
    release_large_buffers()
    import monitor.extract.page
    import monitor.extract.signature  # noqa: F401

    # The modules came from the parent and their pages are shared with it and the other
    # workers until written: keep the garbage collector from walking (and writing) them.
    gc.freeze()


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


def start() -> None:
    """Start the workers now, if they are not yet: while this process has one thread, they are
    forked from it."""
    if _pool is None and (executor := pool()) is not None:
        executor.submit(os.getpid)  # with "fork", the first job forks every worker


def pool() -> ProcessPoolExecutor | None:
    global _pool
    if _pool is None and pool_size() > 0:
        if threading.active_count() == 1:  # nothing else holds a lock the workers would copy
            import monitor.crawl.preload  # noqa: F401

            context = multiprocessing.get_context("fork")
        else:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["monitor.crawl.preload"])
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


@dataclass
class Prepared:
    """What a worker made of one page (see prepare)."""

    article: Article
    packed: bytes = field(repr=False)  # the raw page, zlib-compressed for the versions table
    signature: str | None = None  # monitor.extract.signature, when asked or the text was the same
    diff: Diff | None = field(default=None, repr=False)  # from `previous`, when the text changed


def prepare(
    body: bytes,
    url: str,
    encoding: str | None,
    live: bool,
    sign: bool = False,
    previous: Article | None = None,
) -> Prepared:
    """Everything a page needs before it is stored, done in one trip to a worker: the article,
    the raw page compressed for the versions table (zlib is the next biggest cost), the diff
    from `previous` (the stored version) when the text changed, and the page's signature
    (monitor.extract.signature) when `sign` or when new bytes held the same text: such a page
    changes bytes on every request, and its signature spares the next extraction."""
    # Imported here: the crawling process never extracts itself and need not hold the extractor.
    from monitor.diff.core import diff_articles
    from monitor.extract.page import extract_page, forget
    from monitor.extract.signature import signature

    article = extract_page(body, url, encoding, live).seal()
    diff = None
    if previous is not None:
        if previous.fingerprint() == article.fingerprint():
            sign = True
        else:
            diff = diff_articles(previous, article)
    found = signature(body, url, encoding) if sign else None
    # Level 1: a third of level 6's time for pages about a fifth larger; raw pages are pruned.
    made = Prepared(article, zlib.compress(body, 1), found, diff)
    forget()
    trim()  # the parsed page's nodes are freed all over the heap
    return made


async def run_async(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker process, or in this one when the pool is off.

    For CPU-heavy steps that would otherwise hold the event loop; `func` and its arguments must
    pickle (a module-level function). Work under a millisecond costs more to ship than to do.
    """
    executor = pool()
    if executor is None:
        return func(*args)
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(executor, func, *args)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): start a fresh pool and try this job once more.
        shutdown()
        return await loop.run_in_executor(pool(), func, *args)
