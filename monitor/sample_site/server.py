"""The sample site's HTTP server: standard library only, one background thread per connection.

`SampleSite` is what tests, the demo and the benchmarks hold: start it, point a crawler at
`base_url`, advance the script, inject faults, count hits, stop it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import socket
import struct
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from monitor.sample_site.content import (
    ARTICLES_DIR,
    TEASERS_FILE,
    SiteState,
    load_articles,
    load_teasers,
)
from monitor.sample_site.faults import HUGE_SIZE, ON_DEMAND, answer
from monitor.sample_site.liveblogs import default_liveblogs
from monitor.sample_site.render import http_date
from monitor.sample_site.response import Response, not_modified
from monitor.sample_site.routes import Router
from monitor.sample_site.script import Step, apply_step, default_steps, held_back

_HUGE_HEAD = (
    b'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"/><title>Sehr lange Seite'
    b"</title></head><body><h1>Eine sehr lange Seite</h1>\n"
)
_HUGE_TAIL = b"</body></html>\n"
_HUGE_PARA = (
    "<p>Dieser Absatz wiederholt sich, bis die Seite zwanzig Megabyte groß ist. Ein Crawler "
    "sollte lange vorher aufhören zu lesen.</p>\n"
).encode()
_HUGE_CHUNK = _HUGE_PARA * (65536 // len(_HUGE_PARA))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default backlog of 5 drops the SYNs of a crawler's parallel connections, which then
    # wait a second for the retransmit: the site, not the crawler, would set the pace.
    request_queue_size = 256

    def __init__(self, address, handler, site: SampleSite) -> None:
        self.site = site
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up mid-answer (a crawler's size limit, a reset fault) is normal
        # here; anything else is a bug in the site and is printed.
        if not isinstance(sys.exc_info()[1], OSError):
            traceback.print_exc()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers use it
    server_version = "newsmon-sample-site/1.0"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out as two writes
    timeout = 30  # idle keep-alive connections end on their own

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the client may already be gone
            super().finish()
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)

    def log_request(self, code="-", size="-") -> None:
        pass  # SampleSite.log writes one richer line per request instead

    def log_message(self, format: str, *args) -> None:
        if self.server.site.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        site = self.server.site
        site.count(url.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        status, payload = 404, {"error": f"no control endpoint {url.path}"}
        if url.path == "/_control/advance":
            try:
                step = site.advance()
                status, payload = 200, {"number": site.step_index, **step.to_dict()}
                payload["steps_left"] = len(site.steps) - site.step_index
            except IndexError:
                status, payload = 409, {"error": "the timeline has no steps left"}
        elif url.path in ("/_control/fault", "/_control/clear-fault"):
            try:
                if url.path.endswith("clear-fault"):
                    site.clear_fault(query["path"])
                else:
                    site.set_fault(query["path"], query["name"])
                status, payload = 200, {"faults": dict(site.faults)}
            except (KeyError, ValueError) as exc:
                status, payload = 400, {"error": f"needs ?path= and a valid ?name=: {exc}"}
        body = json.dumps(payload).encode()
        self._send(Response(status, body, "application/json"), head=False, started=started)

    def _serve(self, head: bool) -> None:
        started = time.perf_counter()
        url = urlsplit(self.path)
        site = self.server.site
        site.count(url.path)
        resp = answer(site.router, url.path, site.faults.get(url.path))
        if resp.action == "reset":
            self._reset()
            site.log(self, 0, 0, started)
            return
        try:
            seconds = float(parse_qs(url.query)["seconds"][-1])
        except (KeyError, ValueError):
            seconds = site.slow_seconds
        self.fault_seconds = seconds  # how long "slow" waits and "drip" trickles
        if resp.action == "slow" and site.stopping.wait(seconds):
            return
        if not_modified(resp, self.headers):
            resp = Response(304, b"", resp.ctype, resp.etag, resp.last_modified, resp.headers)
        self._send(resp, head=head, started=started)

    def _send(self, resp: Response, head: bool, started: float) -> None:
        self.send_response(resp.status)
        if resp.status != 304:
            self.send_header("Content-Type", resp.ctype)
        length = HUGE_SIZE if resp.action == "huge" else len(resp.body)
        if resp.status != 304 and resp.action != "huge-unannounced":
            self.send_header("Content-Length", str(length))
        if resp.etag:
            self.send_header("ETag", resp.etag)
        if resp.last_modified:
            self.send_header("Last-Modified", http_date(resp.last_modified))
        for name, value in resp.headers:
            self.send_header(name, value)
        if resp.action in ("truncated", "huge-unannounced"):
            self.send_header("Connection", "close")  # the end of the body is the end of the stream
            self.close_connection = True
        self.end_headers()
        sent = 0
        if not head and resp.status != 304:
            if resp.action in ("huge", "huge-unannounced"):
                sent = self._stream_huge()
            elif resp.action == "drip":
                sent = self._drip(resp.body)
            elif resp.action == "truncated":
                sent = len(resp.body) // 2
                self.wfile.write(resp.body[:sent])
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.wfile.write(resp.body)
                sent = len(resp.body)
        self.server.site.log(self, resp.status, sent, started)

    def _stream_huge(self) -> int:
        """Send exactly HUGE_SIZE bytes of HTML in 64 KB writes; stop if the client leaves."""
        self.wfile.write(_HUGE_HEAD)
        left = HUGE_SIZE - len(_HUGE_HEAD) - len(_HUGE_TAIL)
        while left > 0:
            piece = _HUGE_CHUNK if left >= len(_HUGE_CHUNK) else b" " * left
            self.wfile.write(piece)
            left -= len(piece)
        self.wfile.write(_HUGE_TAIL)
        return HUGE_SIZE

    def _drip(self, body: bytes, pieces: int = 20) -> int:
        """Send the body in small pieces spread over `fault_seconds`: every piece arrives in
        time, the whole takes long. Stop early when the site stops or the client leaves."""
        size = -(-len(body) // pieces)
        sent = 0
        for start in range(0, len(body), size):
            if self.server.site.stopping.wait(self.fault_seconds / pieces):
                break
            self.wfile.write(body[start : start + size])
            self.wfile.flush()
            sent += len(body[start : start + size])
        return sent

    def _reset(self) -> None:
        """Close without a response; SO_LINGER 0 makes the kernel send RST, not FIN."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


class SampleSite:
    """A running sample news site on 127.0.0.1 with its own state of the script.

    Example:
        with SampleSite() as site:
            urllib.request.urlopen(site.url("/zdf/rss/nachrichten"))
            site.advance()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
        slow_seconds: float = 5.0,
        deploy: str = "1",
        steps: list[Step] | None = None,
        articles_dir: Path = ARTICLES_DIR,
        teasers_file: Path = TEASERS_FILE,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.verbose = verbose
        self.slow_seconds = slow_seconds
        self.deploy = deploy  # a new value renames every generated CSS class, like a redeploy
        self.steps: list[Step] = default_steps() if steps is None else list(steps)
        self.step_index = 0
        self.state = SiteState(
            load_articles(articles_dir), load_teasers(teasers_file), held_back(self.steps), clock
        )
        self.state.liveblogs = default_liveblogs()
        self.faults: dict[str, str] = {}
        self.garbage = random.Random(20261124).randbytes(48 * 1024)
        self.salt = f"{id(self):x}"
        self.stopping = threading.Event()
        self.router = Router(self)
        self._hits: Counter[str] = Counter()
        self._hit_times: dict[str, list[float]] = {}  # path -> time.monotonic() of each request
        self._hits_lock = threading.Lock()
        self._requests = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._log_lock = threading.Lock()

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> SampleSite:
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"sample-site-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, wake slow answers, cut open keep-alive connections, free the port."""
        if self._server is None:
            return
        self.stopping.set()
        self._server.shutdown()
        with self._server.connections_lock:
            for conn in list(self._server.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # --- script -----------------------------------------------------------------------------

    def advance(self) -> Step:
        """Apply the next scripted step and return it; IndexError when none is left."""
        with self.state.lock:
            if self.step_index >= len(self.steps):
                raise IndexError("the timeline has no steps left")
            step = self.steps[self.step_index]
            apply_step(self.state, step)
            self.step_index += 1
        return step

    def published_paths(self, outlet: str | None = None) -> list[str]:
        """Paths of the articles live right now (newest first): what a full crawl should store.
        Not included: held-back or taken-down articles, the robots-forbidden page, the live
        blog, section and static pages."""
        return [doc.path for doc in self.state.visible(outlet)]

    def live_blog_paths(self, outlet: str | None = None) -> list[str]:
        """Paths of the live blogs (streams, stored as one article each with its entries)."""
        return [p for p, b in self.state.liveblogs.items() if outlet in (None, b.outlet)]

    # --- faults and counters ----------------------------------------------------------------

    def set_fault(self, path: str, name: str) -> None:
        """Make `path` misbehave: one of faults.ON_DEMAND ("500", "429", "slow", "drip",
        "truncated", "huge", "garbage", "empty", "reset")."""
        if name not in ON_DEMAND:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(ON_DEMAND)}")
        self.faults[path] = name

    def clear_fault(self, path: str) -> None:
        self.faults.pop(path, None)

    def hits(self, path: str) -> int:
        """How many requests `path` (without query string) has received."""
        with self._hits_lock:
            return self._hits[path]

    def hit_times(self, path: str) -> list[float]:
        """When `path` was requested (time.monotonic()), oldest first: retry pauses show here."""
        with self._hits_lock:
            return list(self._hit_times.get(path, []))

    def count(self, path: str) -> None:
        with self._hits_lock:
            self._hits[path] += 1
            self._hit_times.setdefault(path, []).append(time.monotonic())

    def next_request_number(self) -> int:
        return next(self._requests)

    def log(self, handler: BaseHTTPRequestHandler, status: int, size: int, started: float) -> None:
        if not self.verbose:
            return
        ms = (time.perf_counter() - started) * 1000
        request = f"{handler.command} {handler.path}"
        line = f'{handler.client_address[0]} "{request}" {status} {size} {ms:.1f}ms\n'
        with self._log_lock:
            sys.stderr.write(line)


def serve(
    host: str = "127.0.0.1",
    port: int = 8800,
    *,
    verbose: bool = True,
    advance_every: float | None = None,
) -> None:
    """Run a sample site in the foreground until Ctrl-C, logging one line per request.
    With `advance_every`, apply the next scripted step every that many seconds."""
    site = SampleSite(host, port, verbose=verbose).start()
    print(f"Sample site serving on {site.base_url}/ (Ctrl-C stops it)", file=sys.stderr)
    try:
        while True:
            if advance_every is None or site.step_index >= len(site.steps):
                time.sleep(3600)
                continue
            time.sleep(advance_every)
            step = site.advance()
            print(f"timeline step {site.step_index}: {step.name}", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
