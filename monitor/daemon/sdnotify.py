"""Tell systemd how the daemon is doing: the sd_notify(3) protocol, without libsystemd.

Each message is one datagram of newline-separated KEY=VALUE lines sent to the
AF_UNIX socket named in $NOTIFY_SOCKET (a path, or an abstract name written with
a leading '@'). Outside systemd the variable is unset and every call does
nothing, so the daemon needs no "am I under systemd?" branches.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

logger = logging.getLogger("newsmon.sdnotify")


class Notifier:
    """READY, STATUS, WATCHDOG, RELOADING and STOPPING for a Type=notify service."""

    def __init__(self, env: Mapping[str, str] = os.environ) -> None:
        address = env.get("NOTIFY_SOCKET", "")
        self.address: str | None = None  # unset, or a transport we don't speak (vsock:...)
        if address.startswith("/"):
            self.address = address
        elif address.startswith("@"):
            # An abstract socket name: Linux spells the '@' as a leading NUL byte.
            self.address = "\0" + address[1:]
        self._watchdog_usec = _watchdog_usec(env)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between WATCHDOG=1 pings: half of WatchdogSec=, as sd_watchdog_enabled(3)
        advises, so one late ping is not a restart. None when no watchdog is asked for."""
        return self._watchdog_usec / 2_000_000 if self._watchdog_usec else None

    def ready(self, status: str = "") -> bool:
        """Start-up is done: systemd starts units ordered after this one."""
        return self.send(READY=1, STATUS=status) if status else self.send(READY=1)

    def status(self, text: str) -> bool:
        """A one-line status shown by `systemctl status`."""
        return self.send(STATUS=text)

    def watchdog(self) -> bool:
        """Still alive: resets the WatchdogSec= timer."""
        return self.send(WATCHDOG=1)

    def reloading(self) -> bool:
        """A configuration reload has begun; send ready() when it is done. systemd wants the
        CLOCK_MONOTONIC time with it, to tell this reload from an older one."""
        return self.send(RELOADING=1, MONOTONIC_USEC=time.monotonic_ns() // 1000)

    def stopping(self) -> bool:
        """Shutting down: systemd stops counting the watchdog and waits for the exit."""
        return self.send(STOPPING=1)

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more time to start or stop (a crawl finishing before the exit)."""
        return self.send(EXTEND_TIMEOUT_USEC=int(seconds * 1_000_000))

    def send(self, **fields: object) -> bool:
        """Send KEY=VALUE fields in one datagram; True when it was sent. A monitor must not
        die because systemd went away, so socket errors are logged and reported as False."""
        if self.address is None or not fields:
            return False
        # A newline inside a value would start a new field; a status line is one line anyway.
        message = "\n".join(f"{k}={str(v).replace(chr(10), ' ')}" for k, v in fields.items())
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message.encode("utf-8"), self.address)
        except OSError as exc:
            logger.debug("cannot notify systemd at %r: %s", self.address, exc)
            return False
        return True


def _watchdog_usec(env: Mapping[str, str]) -> int | None:
    """WATCHDOG_USEC when it is meant for this process: WATCHDOG_PID, when set, names the
    process the watchdog belongs to (a child that inherited the environment must not ping)."""
    pid = env.get("WATCHDOG_PID")
    if pid and pid.strip() != str(os.getpid()):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec if usec > 0 else None
