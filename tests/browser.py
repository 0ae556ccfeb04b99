"""Headless Chromium for the browser tests (Debian's `chromium` package): the DOM a page
builds (--dump-dom) and a screenshot of it (--screenshot), copied to tests/output/ (ignored by
git) where a person or CI can look at them after the run.

Without Chromium the tests skip, unless NEWSMON_REQUIRE_BROWSER=1 (set by .ci/run), when they
fail: CI must not pass without having looked at the pages in a browser.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

OUTPUT = Path(__file__).resolve().parent / "output"
WINDOW = (1280, 2000)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium is missing: apt-get install chromium (Debian's package)"
    if os.environ.get("NEWSMON_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; NEWSMON_REQUIRE_BROWSER=1 requires the browser tests to run")
    pytest.skip(message)


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    argv = [
        browser,
        "--headless",
        "--no-sandbox",  # as root in a container; the pages are our own, on 127.0.0.1
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-default-browser-check",
        # Names other than 127.0.0.1 do not resolve: the pages must work with no internet,
        # and the browser must not reach out on its own.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def dump_dom(browser: str, tmp_path: Path, url: str) -> str:
    result = run_chromium(browser, tmp_path / "profile", "--dump-dom", url)
    assert result.returncode == 0 and "</html>" in result.stdout, result.stderr[-3000:]
    return result.stdout


def screenshot(browser: str, tmp_path: Path, url: str, name: str) -> Path:
    path = tmp_path / name
    result = run_chromium(
        browser,
        tmp_path / "profile",
        f"--screenshot={path}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--hide-scrollbars",
        url,
    )
    assert result.returncode == 0 and path.is_file(), result.stderr[-3000:]
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == WINDOW  # the PNG header's width and height
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(path, OUTPUT / name)
    return path
