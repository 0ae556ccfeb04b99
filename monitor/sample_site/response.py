"""The sample site's answers as plain values, and the conditional-request check on them.

Routes and faults build `Response`s and the HTTP handler (server.py) sends them, so the value
lives apart from all three.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from monitor.clock import parse_http_date

HTML = "text/html; charset=utf-8"


@dataclass
class Response:
    """One answer. `action` names socket-level behaviour the handler must perform:
    "slow" (wait, then send), "truncated" (send half, close), "huge" (stream), "reset"."""

    status: int
    body: bytes = b""
    ctype: str = HTML
    etag: str | None = None
    last_modified: datetime | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    action: str | None = None


def etag_of(body: bytes) -> str:
    """A strong validator: a hash of the bytes sent."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def stable(body: bytes, ctype: str, modified: datetime | None) -> Response:
    """A 200 for a body that is the same on every request, with its ETag."""
    return Response(200, body, ctype, etag_of(body), modified)


def not_modified(resp: Response, headers) -> bool:
    """RFC 9110 order: If-None-Match decides when present; otherwise If-Modified-Since."""
    if resp.status != 200:
        return False
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return resp.etag is not None and ("*" in tags or resp.etag in tags)
    ims = headers.get("If-Modified-Since")
    if not ims or resp.last_modified is None:
        return False
    since = parse_http_date(ims)
    return since is not None and since >= resp.last_modified.replace(microsecond=0)
