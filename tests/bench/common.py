"""Shared by the benchmark scripts: process-tree memory and CPU from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int | None = None) -> list[int]:
    """A process and all its descendants (the extraction workers, the fork server)."""
    pids = [pid or os.getpid()]
    for current in pids:
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split()
            pids.extend(int(c) for c in children)
    return pids


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of the whole process tree, in MB."""
    total = 0
    for each in tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of the whole process tree (living members), in seconds."""
    total = 0
    for each in tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS
