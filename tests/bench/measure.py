"""What `bench.py` measures of one case on one side (wall, CPU, memory, the site's CPU), and the
site's control calls (edit, reset, stats)."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field

from common import cpu_seconds, peak_rss_mb, peaks_by_process, reset_peak_rss


@dataclass
class Measure:
    """One case on one side."""

    case: str
    pages: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    server_cpu_s: float
    main_cpu_s: float  # this process alone: for newsmon, the reactor thread's process
    started: float = 0.0  # time.time() at the case's start and end, for the parent's samples
    ended: float = 0.0
    sampled_rss_mb: float = 0.0  # the most the tree held at once, sampled by the parent
    sampled_pss_mb: float = 0.0
    counts: dict = field(default_factory=dict)
    peaks: dict = field(default_factory=dict)  # each process's peak RSS (MB), by "pid role"
    connections: int = 0  # TCP connections the site accepted: keep-alive reuse shows as few

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "pages_per_s": round(self.pages_per_s, 2),
            "cpu_ms_per_page": round(self.cpu_ms_per_page, 2),
        }


class Meter:
    """Wall, CPU and peak memory of this process tree, and the server's CPU, over one case."""

    def __init__(self, server_pid: int, base: str) -> None:
        self.server_pid, self.base = server_pid, base

    def start(self) -> None:
        reset_peak_rss()
        self.started = time.time()
        self.wall = time.monotonic()
        self.cpu = cpu_seconds()
        self.main = _own_cpu()
        self.server = cpu_seconds(self.server_pid)
        self.connections = site_stats(self.base)["connections"]

    def stop(self, case: str, pages: int, counts: dict) -> Measure:
        return Measure(
            case=case,
            pages=pages,
            wall_s=round(time.monotonic() - self.wall, 3),
            cpu_s=round(cpu_seconds() - self.cpu, 3),
            peak_rss_mb=round(peak_rss_mb(), 1),
            peaks=peaks_by_process(),
            server_cpu_s=round(cpu_seconds(self.server_pid) - self.server, 3),
            main_cpu_s=round(_own_cpu() - self.main, 3),
            connections=site_stats(self.base)["connections"] - self.connections,
            started=self.started,
            ended=time.time(),
            counts=counts,
        )


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def site_stats(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/_control/stats", timeout=60) as response:
        return json.load(response)


def control(base: str, action: str, share: float = 0.1) -> list[str]:
    """Switch the site's edits on ("edit", returns the edited paths) or off ("reset")."""
    query = f"?share={share}" if action == "edit" else ""
    request = urllib.request.Request(f"{base}/_control/{action}{query}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response).get("edited", [])


def detection(edited: list[str], changed: list[str]) -> dict:
    """Edits found, edits missed and changes reported where nothing was edited."""
    want, got = set(edited), set(changed)
    return {
        "edited": len(want),
        "detected": len(want & got),
        "missed": sorted(want - got)[:10],
        "false_changes": len(got - want),
        "false_examples": sorted(got - want)[:5],
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
