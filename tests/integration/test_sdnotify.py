"""The systemd notify client against a real Unix datagram socket standing in for systemd."""

import logging
import os
import socket
import time
from pathlib import Path

import pytest

from monitor.daemon.sdnotify import Notifier


@pytest.fixture
def systemd(tmp_path: Path):
    """A bound AF_UNIX datagram socket in tmp_path: what systemd listens on."""
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(2)
        yield str(path), sock


def received(sock: socket.socket) -> str:
    return sock.recv(4096).decode("utf-8")


def test_ready_status_watchdog_and_stopping_arrive_as_exact_datagrams(systemd):
    path, sock = systemd
    notifier = Notifier({"NOTIFY_SOCKET": path})
    assert notifier.enabled
    assert notifier.ready()
    assert received(sock) == "READY=1"
    assert notifier.ready("watching 9 sources")
    assert received(sock) == "READY=1\nSTATUS=watching 9 sources"
    assert notifier.status("crawling zdf")
    assert received(sock) == "STATUS=crawling zdf"
    assert notifier.watchdog()
    assert received(sock) == "WATCHDOG=1"
    assert notifier.stopping()
    assert received(sock) == "STOPPING=1"
    assert notifier.extend_timeout(30)
    assert received(sock) == "EXTEND_TIMEOUT_USEC=30000000"


def test_reloading_carries_the_monotonic_clock_in_microseconds(systemd):
    path, sock = systemd
    before = time.monotonic_ns() // 1000
    assert Notifier({"NOTIFY_SOCKET": path}).reloading()
    first, second = received(sock).split("\n")
    after = time.monotonic_ns() // 1000
    assert first == "RELOADING=1"
    key, value = second.split("=")
    assert key == "MONOTONIC_USEC"
    assert before <= int(value) <= after


def test_a_newline_in_a_status_cannot_forge_another_field(systemd):
    path, sock = systemd
    Notifier({"NOTIFY_SOCKET": path}).status("ok\nREADY=1")
    assert received(sock) == "STATUS=ok READY=1"


def test_an_abstract_socket_is_reached_through_its_at_sign_name():
    name = f"newsmon-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready("up")
        assert received(sock) == "READY=1\nSTATUS=up"


@pytest.mark.parametrize(
    "env",
    [{}, {"NOTIFY_SOCKET": ""}, {"NOTIFY_SOCKET": "vsock:2:1234"}],
    ids=["unset", "empty", "a transport it does not speak"],
)
def test_without_a_notify_socket_every_call_does_nothing(env):
    notifier = Notifier(env)
    assert not notifier.enabled
    assert notifier.ready("x") is False
    assert notifier.watchdog() is False
    assert notifier.stopping() is False
    assert notifier.watchdog_interval is None


def test_a_vanished_socket_is_logged_at_debug_and_never_raises(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="newsmon.sdnotify")
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert notifier.watchdog() is False
    assert "cannot notify systemd" in caplog.text
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


@pytest.mark.parametrize(
    ("env", "interval"),
    [
        ({"WATCHDOG_USEC": "120000000"}, 60.0),
        ({"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": str(os.getpid())}, 1.5),
        ({"WATCHDOG_USEC": "1"}, 0.0000005),
        ({"WATCHDOG_USEC": "120000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
    ids=[
        "half of WatchdogSec",
        "meant for this process",
        "microseconds are not rounded away",
        "meant for another process",
        "zero",
        "not a number",
        "no watchdog",
    ],
)
def test_the_watchdog_interval_is_half_of_watchdog_usec_for_this_process(env, interval):
    assert Notifier(env).watchdog_interval == interval
