"""Bounds on discovery: a site whose sitemap indexes never end.

A local server answers /index/N with a sitemap index naming /index/N+1, for every N, and /wide
with an index naming 200 sitemaps. A real `newsmon crawl` follows indexes at most
NEWSMON_MAX_SITEMAP_DEPTH levels down and fetches at most NEWSMON_MAX_SITEMAP_FETCHES sitemaps
through indexes per crawl, says so in one line naming the limit and the source, and finishes.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ROOT, newsmon_argv, newsmon_env

INDEX = '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</sitemapindex>'
URLSET = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
WIDE = 200  # sitemaps named by /wide

CONFIG = """
[newsmon]
database = "{db}"
[crawl]
user_agent = "newsmon-bounds/0.1 (+http://127.0.0.1/)"
download_delay = 0
autothrottle = false
concurrent_per_domain = 8
timeout = 5
retries = 0
[[sources]]
name = "endless"
sitemaps = ["{base}/index/1"]
[[sources]]
name = "wide"
sitemaps = ["{base}/wide"]
"""


class Sitemaps(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.base = f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, prefix: str) -> int:
        return sum(n for path, n in self.hits.items() if path.startswith(prefix))


class _Handler(BaseHTTPRequestHandler):
    server: Sitemaps

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1
        base = self.server.base
        if match := re.fullmatch(r"/index/(\d+)", self.path):
            body = INDEX.format(f"<sitemap><loc>{base}/index/{int(match[1]) + 1}</loc></sitemap>")
        elif self.path == "/wide":
            body = INDEX.format(
                "".join(f"<sitemap><loc>{base}/leaf/{n}</loc></sitemap>" for n in range(WIDE))
            )
        elif self.path.startswith("/leaf/"):
            body = URLSET
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def sitemaps() -> Iterator[Sitemaps]:
    """One server for the module: each test reads the hits of its own paths only."""
    server = Sitemaps()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def crawl(tmp_path: Path, base: str, source: str) -> tuple[subprocess.CompletedProcess, float]:
    config = tmp_path / "bounds.toml"
    config.write_text(CONFIG.format(db=tmp_path / "monitor.db", base=base))
    began = time.monotonic()
    proc = subprocess.run(
        newsmon_argv("--config", str(config), "crawl", source),
        cwd=ROOT,
        env=newsmon_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc, time.monotonic() - began


@dataclass
class Endless:
    first: subprocess.CompletedProcess
    seconds: float  # the first crawl's
    hits: Counter[str]  # the server's hits right after the first crawl
    second: subprocess.CompletedProcess  # the next crawl of the source, same database


@pytest.fixture(scope="module")
def endless(sitemaps, tmp_path_factory) -> Endless:
    """The endless source crawled twice into one database: one scenario, two tests."""
    tmp = tmp_path_factory.mktemp("endless")
    first, seconds = crawl(tmp, sitemaps.base, "endless")
    hits = Counter(sitemaps.hits)
    second, _ = crawl(tmp, sitemaps.base, "endless")
    return Endless(first, seconds, hits, second)


def limit_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "NEWSMON_MAX_SITEMAP" in line]


def test_an_endless_chain_of_sitemap_indexes_ends_at_the_depth_bound(sitemaps, endless):
    proc, hits = endless.first, endless.hits
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert endless.seconds < 30
    # The configured index and three levels below it; /index/5 is never asked for.
    assert sum(n for path, n in hits.items() if path.startswith("/index/")) == 4, hits
    assert hits["/index/5"] == 0
    (line,) = limit_lines(proc.stderr)
    assert "endless" in line and f"{sitemaps.base}/index/4" in line
    assert "nested more than 3 deep (NEWSMON_MAX_SITEMAP_DEPTH)" in line


def test_a_wide_index_is_fetched_up_to_the_bound_of_the_crawl(tmp_path, sitemaps):
    proc, seconds = crawl(tmp_path, sitemaps.base, "wide")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert seconds < 30
    assert sitemaps.hits["/wide"] == 1
    assert sitemaps.count("/leaf/") == 50, sitemaps.count("/leaf/")
    (line,) = limit_lines(proc.stderr)
    assert "wide" in line and "(NEWSMON_MAX_SITEMAP_FETCHES)" in line
    assert f"{WIDE - 50} sitemap(s) it names not fetched" in line


def test_the_next_crawl_of_the_source_is_bounded_again(sitemaps, endless):
    # The first crawl's bound did not keep the source busy: the next one runs, bounded alike.
    for proc in (endless.first, endless.second):
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert len(limit_lines(proc.stderr)) == 1
    assert sitemaps.hits["/index/4"] == 2 and sitemaps.hits["/index/5"] == 0
