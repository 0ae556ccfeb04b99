"""Local stand-ins for the far ends of notifications: an SMTP server and an HTTP endpoint.

Both listen on 127.0.0.1 on a free port the OS picks, keep what they receive, and
are real servers: apprise talks to them over sockets exactly as it would to a
mail relay or a webhook.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Controller(Controller):
    """aiosmtpd's threaded controller, on the port the OS chose for port 0."""

    def _trigger_server(self) -> None:
        # The server is bound by now; read the real port before the controller connects to it.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SmtpReceiver:
    """A plain SMTP server (no TLS) that accepts one login and collects every message."""

    user: str = "newsmon"
    password: str = "mail-S3cret-pw"
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def __enter__(self) -> SmtpReceiver:
        self._controller = _Controller(
            self,
            hostname="127.0.0.1",
            port=0,
            authenticator=self._authenticate,
            auth_require_tls=False,  # a test server: apprise's mode=insecure logs in in plain
        )
        self._controller.start()
        self.port = self._controller.port
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (self.user, self.password)
        if ok:
            self.logins.append(self.user)
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 OK"

    def url(self, **query: str) -> str:
        # Addresses need a real-looking domain; the mail still only goes to 127.0.0.1.
        params = {"mode": "insecure", "from": "newsmon@example.com", "to": "desk@example.com"}
        params.update(query)
        joined = "&".join(f"{k}={v}" for k, v in params.items())
        return f"mailto://{self.user}:{self.password}@127.0.0.1:{self.port}/?{joined}"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


class HttpReceiver:
    """A threaded HTTP endpoint that keeps every POST; it can refuse, then recover.

    `refuse("500")` answers 500 to every request; `refuse("close")` reads the request
    and closes the socket without an answer; `refuse("hang")` keeps the request (it
    arrived) but answers only after `recover()`; `recover()` goes back to 200. Refused
    requests are kept apart in `refused`; `answering` counts requests not yet answered.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.refused: list[Request] = []
        self.mode = "ok"
        self.answering = 0
        self.hanging = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.path, dict(self.headers), self.rfile.read(length))
                with receiver._lock:
                    mode = receiver.mode
                    kept = receiver.requests if mode in ("ok", "hang") else receiver.refused
                    kept.append(request)
                    receiver.answering += 1
                try:
                    self.answer(mode)
                finally:
                    with receiver._lock:
                        receiver.answering -= 1

            def answer(self, mode: str) -> None:
                if mode == "hang":
                    # A send in flight: the client waits here until the test releases it.
                    receiver.hanging.set()
                    receiver.release.wait(60)
                if mode == "close":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status = 200 if mode in ("ok", "hang") else 500
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"no")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender was killed while its request hung: that is the test

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]

    def __enter__(self) -> HttpReceiver:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def refuse(self, how: str = "500") -> None:
        """ "500" answers 500, "close" hangs up, "hang" holds the request until recover()."""
        assert how in ("500", "close", "hang")
        self.mode = how

    def recover(self) -> None:
        self.mode = "ok"
        self.release.set()

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"
