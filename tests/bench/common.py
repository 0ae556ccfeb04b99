"""Shared by the benchmark scripts: process-tree memory and CPU from /proc (Linux), and the
parts of their newsmon configs that must be the same in every bench: the crawl settings for
a local site, the rule and the story."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")

# `{db}` is filled in by the caller (str.format: braces of the sources' patterns doubled).
CRAWL = """
[newsmon]
database = "{db}"

[crawl]
# As config/sample.toml for a local site: no delay and no AutoThrottle (the defaults, 1 s and
# on, are politeness towards real outlets), 8 connections per host.
user_agent = "newsmon-bench/0.1 (+http://127.0.0.1/)"
download_delay = 0
autothrottle = false
concurrent_per_domain = 8
timeout = 30
retries = 1
"""
RULE = """
[[rules]]
name = "ukraine-talks"
any = ["Waffenruhe", "Verhandlung*", "Sicherheitsgarantie*", "ceasefire", "negotiat*"]
all = ["/Ukrain|Kyiv|Kiew|Genf|Geneva/"]
substring = true
events = ["new", "changed"]
notify = ["newsroom"]
"""
# The shipped story's shape (the bench leaves it out with --no-stories).
STORY = """
[[stories]]
name = "ukraine-talks"
terms = ["Waffenruhe*", "Verhandlung*", "Sicherheitsgarantie*", "Gespräche", "ceasefire", "talks",
         "negotiat*"]
require = ["/Ukrain|Kyiv|Kiew|Genf|Geneva|Selenskyj|Zelensky|Kreml|Kremlin|Putin/"]
substring = true
notify = ["newsroom"]
"""


def tree(pid: int | None = None) -> list[int]:
    """A process and all its descendants (the extraction workers; a fork server if one made
    them)."""
    pids = [pid or os.getpid()]
    for current in pids:
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split()
            pids.extend(int(c) for c in children)
    return pids


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of the whole process tree, in MB."""
    return sum(_status_kb(each, "VmRSS:") for each in tree(pid)) / 1024


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


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def peak_rss_mb(pid: int | None = None) -> float:
    """The sum over the process tree of each process's peak resident memory (VmHWM), in MB.

    An upper bound on the tree's peak: pages the workers share with the process that forked
    them count once per process, and the processes' peaks need not fall at the same moment.
    """
    return sum(_status_kb(each, "VmHWM:") for each in tree(pid)) / 1024


def peaks_by_process(pid: int | None = None) -> dict[str, float]:
    """Each process's peak resident memory (VmHWM) in MB, by "pid role" (what it runs)."""
    peaks = {}
    pids = tree(pid)
    main = None
    for each in pids:
        try:
            argv = Path(f"/proc/{each}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        command = b" ".join(argv).decode(errors="replace")
        if each == pids[0]:
            main, role = command, "main"
        else:  # a worker forked by the main process runs the main process's command
            role = (
                "worker"
                if command == main
                else next((name for key, name in _ROLES if key in command), "?")
            )
        peaks[f"{each} {role}"] = round(_status_kb(each, "VmHWM:") / 1024, 1)
    return peaks


_ROLES = [
    ("forkserver import main", "fork server or worker"),
    ("resource_tracker", "resource tracker"),
]


def reset_peak_rss(pid: int | None = None) -> None:
    """Start a new peak: VmHWM of every process in the tree drops to its current RSS (Linux 4.0+)."""
    for each in tree(pid):
        try:
            Path(f"/proc/{each}/clear_refs").write_text("5")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue


def pss_mb(pid: int | None = None) -> float:
    """Proportional set size of the process tree, in MB: each shared page split among its users.

    What the tree costs the machine; the sum of RSS counts a page once per process that maps it.
    """
    total = 0
    for each in tree(pid):
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024
