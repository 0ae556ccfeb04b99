"""The speed benchmark: `make bench` (or python tests/bench/bench.py [--json PATH] [--profile]).

`make bench-real` (--real): the same three cases over real outlets' pages (`realsite.py`:
../shared/pages and ../shared/pages-more cycled to 1,000 URLs), with issue 18's acceptance lines.

One run, side by side, against the generated 1,000-article site of `bigsite.py` on 127.0.0.1:

- baseline: what a user would script instead: read the sitemaps/feed, then a plain sequential
  loop of http.client GETs, `trafilatura.extract` and a sha256 of the text kept in SQLite
  (WAL, one commit per page, like newsmon); cold, re-check, re-check after the edits;
- newsmon: the daemon's code path (one `Cycle` on one reactor, the spiders, pipelines, worker
  pool, store and rules), with `--all` re-checks: a cold crawl of all articles (all new), a
  re-check with nothing changed, a re-check after the server edited 10 % of the articles.

Each side runs in its own child process of this script, so each measures only itself: CPU is
user + system time of the child's process tree from /proc (newsmon's extraction workers
included); peak memory is the sum of each process's peak RSS (VmHWM, reset
before each case), an upper bound, and beside it the most RSS and PSS the tree held at once,
sampled every 0.1 s by this parent (so the sampling costs the child nothing). The server is a
third process; its CPU is read from /proc too and printed as a share of one core. The worker
pool is started before the first case, as a daemon starts it once. Prints a table and writes
the same numbers as JSON (--json, default tests/output/bench.json).

--profile adds a profiled pass on a fresh database: pyinstrument on the reactor thread for the
cold crawl and both re-checks (nothing changed, 10 % edited), and on one worker's job
(`extract` over a sample of pages); each prints its top functions by self time, its self time
per package and the top of its call tree; a failed profiled pass costs its profiles, not the
table.

This file is the parent (server, children, memory sampling, JSON); the sides are in `sides.py`,
what a case measures in `measure.py`, the printed lines in `report.py`, the profiler in
`profiles.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import report  # noqa: E402
from common import pss_mb, rss_mb  # noqa: E402
from measure import Measure, log  # noqa: E402
from profiles import print_profiles, profile_extraction  # noqa: E402
from sides import run_baseline, run_newsmon, sample_pages  # noqa: E402


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str, str]:
    script = "realsite.py" if args.real else "bigsite.py"
    command = [sys.executable, str(HERE / script), "--articles", str(args.articles)]
    command += ["--seed", str(args.seed)] + ([] if args.real else ["--churn", str(args.churn)])
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().strip() if server.stdout else ""
    if not line.startswith("READY "):
        server.kill()
        raise SystemExit(f"the benchmark site did not start (said {line!r}); see its error above")
    _, base, details = line.split(" ", 2)
    return server, base, details


def run_side(role: str, args: argparse.Namespace, base: str, server_pid: int, workdir: Path):
    out = workdir / f"{role}.json"
    command = [sys.executable, __file__, "--role", role, "--base", base]
    command += ["--server-pid", str(server_pid), "--workdir", str(workdir), "--out", str(out)]
    command += ["--articles", str(args.articles), "--edit-share", str(args.edit_share)]
    command += ["--no-stories"] if args.no_stories else []
    command += ["--real"] if args.real else []
    with open(workdir / f"{role}.log", "w") as logfile:
        # Alerts without a target go to stdout, as for a user; they are not the benchmark's output.
        child = subprocess.Popen(command, cwd=ROOT, stdout=logfile, stderr=logfile)
        samples = sample_memory(child)
    if child.returncode != 0:
        tail = (workdir / f"{role}.log").read_text()[-3000:]
        raise SystemExit(f"the {role} run failed (exit {child.returncode}); its log ends:\n{tail}")
    results = [Measure(**row) for row in json.loads(out.read_text())] if out.exists() else []
    for m in results:
        during = [s for s in samples if m.started <= s[0] <= m.ended] or [(0, 0.0, 0.0)]
        m.sampled_rss_mb = round(max(s[1] for s in during), 1)
        m.sampled_pss_mb = round(max(s[2] for s in during), 1)
    return results


def run_profile(args: argparse.Namespace, base: str, server_pid: int, workdir: Path) -> list:
    """The profiled pass; a failure costs its profiles, not the measured table."""
    try:
        run_side("profile", args, base, server_pid, workdir)
    except SystemExit as failed:
        log(f"no profiles: {failed}")
    path = workdir / "profiles.json"
    return json.loads(path.read_text()) if path.exists() else []


def sample_memory(child: subprocess.Popen, every: float = 0.1) -> list[tuple[float, float, float]]:
    """(time, RSS, PSS) of the child's whole tree until it exits. This parent does the reading,
    so the child's CPU does not pay for it."""
    samples = []
    while child.poll() is None:
        # A process that ends while being read loses this one sample, nothing else.
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            samples.append((time.time(), rss_mb(child.pid), pss_mb(child.pid)))
        time.sleep(every)
    return samples


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="newsmon's speed benchmark against a baseline")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--churn",
        type=float,
        default=0.1,
        help="share of all articles whose bytes change on every request (ZDF-like nonce and "
        "relative time; default 0.1)",
    )
    parser.add_argument("--edit-share", type=float, default=0.1)
    parser.add_argument("--json", type=Path, help="default tests/output/bench[-real].json")
    parser.add_argument(
        "--real",
        action="store_true",
        help="real outlets' pages (../shared/pages, ../shared/pages-more) instead of generated",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the three cases (fresh database) and one worker's extraction",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--no-stories",
        action="store_true",
        help="leave the [[stories]] block out (what stories and event grouping cost)",
    )
    # Internal: one side of the benchmark, run as a child process of the parent.
    parser.add_argument(
        "--role", choices=["baseline", "newsmon", "profile"], help=argparse.SUPPRESS
    )
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    name = "bench-real.json" if args.real else "bench.json"
    args.json = args.json or ROOT / "tests" / "output" / name
    if args.role:
        return child(args)
    return parent(args)


def child(args: argparse.Namespace) -> int:
    if args.role == "baseline":
        results = run_baseline(args)
    elif args.role == "newsmon":
        results = run_newsmon(args)
    else:
        run_newsmon(args, profile=True)
        profile_extraction(sample_pages(args), Path(args.workdir))
        results = []
    Path(args.out).write_text(json.dumps([asdict(m) for m in results]))
    return 0


def parent(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    profiles: list[dict] = []
    load_before = os.getloadavg()
    started = time.monotonic()
    log(f"rendering {args.articles} articles and starting the site (work dir {workdir})")
    server, base, details = start_server(args)
    try:
        log(f"site at {base}: {details}")
        baseline = run_side("baseline", args, base, server.pid, workdir)
        newsmon = run_side("newsmon", args, base, server.pid, workdir)
        if args.profile:
            profiles = run_profile(args, base, server.pid, workdir)
    finally:
        server.terminate()
        server.wait(timeout=10)
    load_after = os.getloadavg()
    print_profiles(profiles)
    print(
        f"\nnewsmon speed benchmark: {args.articles} "
        f"{'URLs of real pages' if args.real else 'articles'} ({details}), "
        f"{os.cpu_count()} cores, load average {load_before[0]:.2f} before / "
        f"{load_after[0]:.2f} after, commit {git_commit()}"
    )
    checks = report.print_results(newsmon, baseline, real=args.real)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "cores": os.cpu_count(),
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "site": {
            "articles": args.articles,
            "real": args.real,
            "churn": None if args.real else args.churn,
            "details": details,
        },
        "edit_share": args.edit_share,
        "newsmon": [m.to_dict() for m in newsmon],
        "baseline": [m.to_dict() for m in baseline],
        "acceptance": [{"check": t, "pass": ok} for t, ok in checks],
        "profiles": [{k: v for k, v in p.items() if k != "tree"} for p in profiles],
        "seconds": round(time.monotonic() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.json} ({results['seconds']:.0f} s in all)")
    if not args.keep:
        for path in sorted(workdir.glob("*"), reverse=True):
            path.unlink()
        workdir.rmdir()
    else:
        print(f"work directory kept: {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
