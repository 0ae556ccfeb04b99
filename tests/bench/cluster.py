"""`make bench-cluster`: what the cluster roles manage on this machine.

- crawlers: pages per second with one, two and three `newsmon run --role crawler` processes,
  fed from the frontier with N article URLs of realsite.py's static site of real outlets' pages
  (politeness delay 0, 32 requests per site in flight: the site is not the limit). Timed from
  the push until every page is a fact on the stream; the crawlers' CPU (whole process trees)
  over that time says how many cores they kept busy.
- writer: pages per second of Writer.step over the stream the last crawler run filled, until
  drained, into a fresh database.
- scheduler: one tick over a store of 5,000 sources x 3 due articles (discovery not due), in ms
  per due article; and a second tick with nothing due, in ms per source.

A redis-server on a free port in a temporary directory; the site in its own process.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import redis  # noqa: E402
from common import cpu_seconds  # noqa: E402
from realsite import CONFIG, load_sources, make_entries  # noqa: E402
from redis_server import RedisServer  # noqa: E402

from monitor import clock, store  # noqa: E402
from monitor.cluster import frontier  # noqa: E402
from monitor.cluster.keys import Keys, now_ms  # noqa: E402
from monitor.cluster.scheduler import CALLBACKS, article_request, redis_now, tick  # noqa: E402
from monitor.config import Config, load_config  # noqa: E402
from monitor.crawl.record import Extracted, record_page  # noqa: E402
from monitor.items import Article, Page  # noqa: E402

PREFIX = "bench"
KEYS = Keys(PREFIX)
CLUSTER = """
[cluster]
redis = "{url}"
prefix = "bench"
name = "{name}"
heartbeat_seconds = 1
"""
# A crawler as `newsmon run --role crawler` with the politeness margin at 0: with
# download_delay = 0 the middleware still spaces a host's requests NEWSMON_CLUSTER_MARGIN
# (0.2 s) apart, which caps the one local site at 5 pages/s for the whole cluster.
NO_MARGIN = """
import sys
from monitor.cluster import crawler
settings = crawler.cluster_crawler_settings
crawler.cluster_crawler_settings = lambda config: {**settings(config), "NEWSMON_CLUSTER_MARGIN": 0}
sys.argv[0] = "newsmon"
from monitor.cli.main import main
main()
"""


@dataclass
class Row:
    what: str
    count: int
    seconds: float
    rate: str  # the row's figure, formatted
    cores: str = ""


def write_config(tmp: Path, base: str, url: str, name: str, db: Path) -> Path:
    text = CONFIG.format(db=db, base=base).replace("concurrent_per_domain = 8", "")
    text = text.replace("[crawl]\n", "[crawl]\nconcurrent_per_domain = 32\n", 1)
    path = tmp / f"{name}.toml"
    path.write_text(text + CLUSTER.format(url=url, name=name))
    return path


def start_site(articles: int) -> tuple[subprocess.Popen, str]:
    site = subprocess.Popen(
        [sys.executable, str(HERE / "realsite.py"), "--articles", str(articles)],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = site.stdout.readline() if site.stdout else ""
    if not line.startswith("READY "):
        site.kill()
        raise SystemExit(f"realsite.py did not start: {line!r}")
    return site, line.split()[1]


def push_articles(server: redis.Redis, config: Config, base: str, count: int) -> None:
    """The site's article URLs on the frontier, as the scheduler encodes a first visit."""
    for entry in make_entries(load_sources(), count):
        source = config.source(entry.outlet)  # realsite's outlets are the config's sources
        request = article_request(source, base + entry.path, None, live=False)
        frontier.enqueue(server, KEYS, request, CALLBACKS)


def wait(condition, timeout: float, what: str, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(step)


def crawl_run(tmp: Path, base: str, url: str, crawlers: int, articles: int) -> Row:
    server = redis.Redis.from_url(url)
    server.flushall()
    names = [f"crawler-{crawlers}-{n}" for n in range(crawlers)]
    configs = [write_config(tmp, base, url, name, tmp / "unused.db") for name in names]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", NO_MARGIN, "--config", str(cfg), "run", "--role", "crawler"],
            cwd=ROOT,
            stdout=(tmp / f"{cfg.stem}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for cfg in configs
    ]
    try:
        wait(lambda: server.hlen(KEYS.crawlers) == crawlers, 120, f"{crawlers} heartbeats")
        config = load_config(configs[0])
        cpu = sum(cpu_seconds(p.pid) for p in processes)
        pushed = now_ms(server)
        push_articles(server, config, base, articles)
        wait(lambda: server.xlen(KEYS.results) >= articles, 600, f"{articles} facts", 0.01)
        cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu
        stamps = [int(entry.split(b"-")[0]) for entry, _ in server.xrange(KEYS.results)]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    # From the first fact to the last: an idle crawler's engine asks for work only every 5 s,
    # which a short run would otherwise count as crawling time.
    seconds = (stamps[-1] - stamps[0]) / 1000
    rate = f"{(len(stamps) - 1) / seconds:.1f} pages/s"
    first = f"first after {(stamps[0] - pushed) / 1000:.1f} s"
    cores = f"{cpu / seconds:.2f}"
    return Row(f"{crawlers} crawler(s) ({first})", articles, seconds, rate, cores)


def writer_run(tmp: Path, base: str, url: str, articles: int) -> Row:
    """The writer over the stream the last crawl left (pages only: each URL once)."""
    from monitor.cluster.writer import Writer

    config = load_config(write_config(tmp, base, url, "writer", tmp / "writer.db"))
    writer = Writer(config, redis.Redis.from_url(url), consumer="bench")
    alerts = (tmp / "writer-alerts.txt").open("w")  # the rule's console alerts, not the table
    try:
        with contextlib.redirect_stdout(alerts):
            writer.start()
            facts = redis.Redis.from_url(url).xlen(KEYS.results)
            began = time.monotonic()
            while writer.step(block_ms=1):
                pass
            seconds = time.monotonic() - began
    finally:
        writer.close()
        alerts.close()
    return Row("writer", facts, seconds, f"{facts / seconds:.1f} pages/s")


def scheduler_run(tmp: Path, url: str, sources: int, per_source: int) -> list[Row]:
    server = redis.Redis.from_url(url)
    server.flushall()
    config = load_config(scheduler_config(tmp, url, sources))
    db = store.open_db(config.database)
    try:
        fill_store(db, config, per_source)
        now = redis_now(server)
        # Discovery ran a moment ago for every source: the tick pushes revisits alone.
        at = int(now.timestamp() * 1000)
        server.hset(KEYS.discovered, mapping={s.name: at for s in config.sources})
        rows = []
        for what in ("due", "idle"):  # the second tick: the first one's articles are held
            began = time.monotonic()
            counts = tick(db, server, KEYS, config, now)
            seconds = time.monotonic() - began
            if what == "due":
                rate = f"{seconds * 1000 / max(counts.revisits, 1):.3f} ms/due article"
                what = f"scheduler tick, {sources} sources"
                rows.append(Row(what, counts.revisits, seconds, rate))
            else:
                rate = f"{seconds * 1000 / sources:.3f} ms/source"
                rows.append(Row("scheduler tick, nothing due", 0, seconds, rate))
        return rows
    finally:
        db.close()


def scheduler_config(tmp: Path, url: str, sources: int) -> Path:
    blocks = [
        f'[[sources]]\nname = "s{n:05d}"\nfeeds = ["http://s{n:05d}.example/rss.xml"]\n'
        f"link_pattern = '/news/'\ninterval = \"10m\"\n"
        for n in range(sources)
    ]
    path = tmp / "scheduler.toml"
    head = f'[newsmon]\ndatabase = "{tmp / "scheduler.db"}"\n'
    path.write_text(head + "\n".join(blocks) + CLUSTER.format(url=url, name="scheduler"))
    return path


def fill_store(db: store.Database, config: Config, per_source: int) -> None:
    """`per_source` stored articles per source, none with a next check yet: all due."""
    for source in config.sources:
        store.ensure_source(db, source.name, source.spider, {"feeds": source.feeds})
    with db.atomic():
        for source in config.sources:
            host = source.feeds[0].rsplit("/", 1)[0]
            for n in range(per_source):
                record_page(db, stored_page(source.name, f"{host}/news/story-{n}"))


def stored_page(source: str, url: str) -> Extracted:
    body = [f"Paragraph {i} of {url} about the talks in Geneva." for i in range(3)]
    article = Article(url=url, canonical_url=url, headline=url, lead=body[0], body=body)
    html = ("<html><body>" + "".join(f"<p>{p}</p>" for p in body) + "</body></html>").encode()
    return Extracted(Page(url, source, 200, html, etag='"v1"'), article=article)


def table(rows: list[Row]) -> str:
    lines = [f"{'what':<40} {'count':>6} {'seconds':>8} {'result':>24} {'cores':>6}"]
    for row in rows:
        lines.append(
            f"{row.what:<40} {row.count:>6} {row.seconds:>8.2f} {row.rate:>24} {row.cores:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="article URLs per crawl run")
    parser.add_argument("--sources", type=int, default=5000, help="scheduler: sources")
    parser.add_argument("--per-source", type=int, default=3, help="scheduler: due per source")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as name:
        tmp = Path(name)
        (tmp / "redis").mkdir()
        redis_server = RedisServer(free_port(), tmp / "redis")
        redis_server.start()
        site, base = start_site(args.articles)
        rows: list[Row] = []
        try:
            for crawlers in (1, 2, 3):
                rows.append(crawl_run(tmp, base, redis_server.url, crawlers, args.articles))
                print(table(rows[-1:]).splitlines()[-1], flush=True)
            rows.append(writer_run(tmp, base, redis_server.url, args.articles))
            rows += scheduler_run(tmp, redis_server.url, args.sources, args.per_source)
        finally:
            site.terminate()
            redis_server.stop()
    print(f"\n{clock.iso(datetime.now(UTC))}, {_cores()} cores")
    print(table(rows))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
