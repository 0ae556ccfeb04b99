"""What a failed request was, in one line a person can act on (the log and crawl_errors), and
the response headers the spiders read."""

from __future__ import annotations

from scrapy.http import Response
from twisted.python.failure import Failure


def describe_failure(failure: Failure, max_bytes: int = 0) -> str:
    """One line a person can act on, for the log and the crawl_errors table."""
    from scrapy.exceptions import (
        DownloadCancelledError,
        DownloadTimeoutError,
        IgnoreRequest,
        ResponseDataLossError,
    )
    from scrapy.spidermiddlewares.httperror import HttpError

    from monitor.crawl.middlewares import REFUSED_WAIT

    exc = failure.value
    meta = failure.request.meta if failure.request is not None else {}
    tries = 1 + meta.get("retry_times", 0)
    attempts = f" ({tries} attempts)" if tries > 1 else ""
    if isinstance(exc, HttpError):
        response = exc.response
        retry_after = header(response, b"Retry-After")
        hint = f" (Retry-After: {retry_after})" if retry_after else ""
        if REFUSED_WAIT in meta:
            return (
                f"HTTP {response.status}{hint}: the site asks for a longer pause than a crawl "
                "waits; not retried, the next crawl tries again"
            )
        return f"HTTP {response.status}{hint}{attempts}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if robots_forbidden(exc):
            return "forbidden by robots.txt; not requested (remove it from the source)"
        if text == "max redirections reached":
            return "too many redirects (REDIRECT_MAX_TIMES); not followed"
        return text or "request dropped: filtered (offsite, robots.txt or redirect limit)"
    if isinstance(exc, DownloadTimeoutError):
        seconds = meta.get("download_timeout")
        limit = f"{seconds:g} s" if seconds else "the time limit"
        return f"timed out: no complete answer within {limit} ([crawl] timeout){attempts}"
    if isinstance(exc, ResponseDataLossError):
        return f"truncated: the connection closed before the whole body arrived{attempts}"
    if isinstance(exc, DownloadCancelledError):
        size = f" of {max_bytes / 2**20:g} MB" if max_bytes else ""
        return f"page larger than the download limit{size} ([crawl] max_page_bytes); not downloaded"
    cause = _root_cause(exc)
    name = type(cause).__name__
    text = str(cause).strip() or name
    if name in ("ConnectionLost", "ConnectionDone", "ConnectionAborted"):
        return f"connection closed by the site before a complete answer ({name}){attempts}"
    return f"{name}: {text}{attempts}"[:300]


def _root_cause(exc: BaseException) -> BaseException:
    """The twisted error inside Scrapy's download exceptions (ConnectionLost, ...)."""
    for _ in range(5):
        reasons = getattr(exc, "reasons", None)  # ResponseNeverReceived / ResponseFailed
        if reasons:
            exc = getattr(reasons[0], "value", exc)
        elif exc.__cause__ is not None:
            exc = exc.__cause__
        else:
            break
    return exc


def robots_forbidden(exc: BaseException) -> bool:
    from scrapy.exceptions import IgnoreRequest

    # The message Scrapy's RobotsTxtMiddleware raises with; it has no exception type of its own.
    return isinstance(exc, IgnoreRequest) and str(exc) == "Forbidden by robots.txt"


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
