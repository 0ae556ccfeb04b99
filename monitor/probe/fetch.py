"""Plain HTTP for a one-off probe: the project's user agent, a timeout, a size limit, and only
the site that was named (a redirect elsewhere is refused, not followed)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.errors import NewsmonError
from monitor.urls import same_site


class ProbeError(NewsmonError):
    """The page to probe cannot be used; the message names its URL."""


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    charset: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def is_html(self) -> bool:
        return "html" in self.content_type or (
            not self.content_type and b"<html" in self.body[:2048].lower()
        )


class _SameSite(urllib.request.HTTPRedirectHandler):
    def __init__(self, start: str) -> None:
        self.start = start

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not same_site(self.start, newurl):
            raise urllib.error.HTTPError(
                newurl, code, f"redirects to another site: {newurl}", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Fetcher:
    """GETs on the site of `start` only; everything else is refused without a request."""

    def __init__(self, start: str, user_agent: str, timeout: float, max_bytes: int) -> None:
        self.start = start
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.requests = 0

    def allowed(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and same_site(self.start, url)

    def get(self, url: str) -> Fetched:
        """The answer for `url`, an HTTP error status included; ProbeError when none came."""
        if not self.allowed(url):
            raise ProbeError(f"{url}: not on the site of {self.start}; not fetched")
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        opener = urllib.request.build_opener(_SameSite(self.start))
        self.requests += 1
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return self._read(response, response.status)
        except urllib.error.HTTPError as exc:
            return Fetched(exc.geturl() or url, exc.code, "", b"")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ProbeError(f"{url}: unreachable ({reason})") from None

    def _read(self, response, status: int) -> Fetched:
        body = response.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise ProbeError(f"{response.geturl()}: larger than {self.max_bytes} bytes")
        headers = response.headers
        return Fetched(
            response.geturl(),
            status,
            headers.get_content_type() if headers.get("Content-Type") else "",
            body,
            headers.get_content_charset(),
        )
