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
user + system time of the child's process tree from /proc (newsmon's fork server and
extraction workers included); peak memory is the sum of each process's peak RSS (VmHWM, reset
before each case), an upper bound, and beside it the most RSS and PSS the tree held at once,
sampled every 0.1 s by this parent (so the sampling costs the child nothing). The server is a
third process; its CPU is read from /proc too and printed as a share of one core. The worker
pool is started before the first case, as a daemon starts it once. Prints a table and writes
the same numbers as JSON (--json, default tests/output/bench.json).

--profile adds a profiled pass on a fresh database: pyinstrument on the reactor thread for the
cold crawl and the re-check, and on one worker's job (`extract` over a sample of pages); each
prints its top functions by self time, its self time per package and the top of its call tree.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import realsite  # noqa: E402
from common import (  # noqa: E402
    cpu_seconds,
    peak_rss_mb,
    peaks_by_process,
    pss_mb,
    reset_peak_rss,
    rss_mb,
)

CASES = ("cold", "recheck", "edited")
LISTINGS = ("/zdf/news-sitemap.xml", "/tagesschau/news-sitemap.xml", "/world/rss.xml")
CONFIG = """
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

[[sources]]
name = "zdf"
spider = "zdf"
sitemaps = ["{base}/zdf/news-sitemap.xml"]
link_pattern = '/zdf/[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "2m"

[[sources]]
name = "tagesschau"
sitemaps = ["{base}/tagesschau/news-sitemap.xml"]
link_pattern = '/tagesschau/[a-z0-9/-]+-\\d{{3}}\\.html$'
interval = "2m"

[[sources]]
name = "world"
feeds = ["{base}/world/rss.xml"]
link_pattern = '/world/[a-z-]+/[a-z0-9-]+$'
interval = "2m"

[[rules]]
name = "ukraine-talks"
any = ["Waffenruhe", "Verhandlung*", "Sicherheitsgarantie*", "ceasefire", "negotiat*"]
all = ["/Ukrain|Kyiv|Kiew|Genf|Geneva/"]
substring = true
events = ["new", "changed"]
notify = ["newsroom"]
"""
# The shipped story's shape (left out with --no-stories, to measure what stories and event
# grouping cost the cold crawl).
STORY = """
[[stories]]
name = "ukraine-talks"
terms = ["Waffenruhe*", "Verhandlung*", "Sicherheitsgarantie*", "Gespräche", "ceasefire", "talks",
         "negotiat*"]
require = ["/Ukrain|Kyiv|Kiew|Genf|Geneva|Selenskyj|Zelensky|Kreml|Kremlin|Putin/"]
substring = true
notify = ["newsroom"]
"""


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


# --- the baseline --------------------------------------------------------------------------
class Baseline:
    """A plain sequential loop, as a user would script it without newsmon."""

    def __init__(self, base: str, db_path: Path, listings=LISTINGS) -> None:
        import sqlite3

        self.base, self.listings = base, listings
        split = urlsplit(base)
        self.http = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
        self.db = sqlite3.connect(db_path)
        self.db.execute("pragma journal_mode = wal")
        self.db.execute(
            "create table if not exists pages (url text primary key, hash text, checked text)"
        )

    def get(self, url: str) -> tuple[int, bytes]:
        self.http.request("GET", urlsplit(url).path)
        response = self.http.getresponse()
        return response.status, response.read()

    def urls(self) -> list[str]:
        from xml.etree import ElementTree

        urls = []
        for path in self.listings:
            _, body = self.get(self.base + path)
            root = ElementTree.fromstring(body)
            tags = ("{http://www.sitemaps.org/schemas/sitemap/0.9}loc", "link")
            urls += [e.text.strip() for e in root.iter() if e.tag in tags and e.text]
        # A feed's channel link is the section front, not an article.
        return [u for u in urls if u.startswith(self.base + "/") and not u.endswith("/")]

    def run(self) -> dict:
        import trafilatura

        counts = {"new": 0, "changed": 0, "unchanged": 0, "errors": 0}
        changed: list[str] = []
        for url in self.urls():
            status, body = self.get(url)
            if status != 200:
                counts["errors"] += 1
                continue
            text = trafilatura.extract(body) or ""
            digest = hashlib.sha256(text.encode()).hexdigest()
            row = self.db.execute("select hash from pages where url = ?", [url]).fetchone()
            now = datetime.now(UTC).isoformat()
            if row is None:
                counts["new"] += 1
            elif row[0] != digest:
                counts["changed"] += 1
                changed.append(urlsplit(url).path)
            else:
                counts["unchanged"] += 1
            self.db.execute("insert or replace into pages values (?, ?, ?)", [url, digest, now])
            self.db.commit()
        counts["changed_paths"] = changed
        return counts


def run_baseline(args: argparse.Namespace) -> list[Measure]:
    import trafilatura

    trafilatura.extract("<html><body><p>warm up the imports and caches</p></body></html>")
    meter = Meter(args.server_pid, args.base)
    baseline = Baseline(args.base, Path(args.workdir) / "baseline.db", listings(args))
    results = []
    for case in CASES:
        edited = control(args.base, "edit", args.edit_share) if case == "edited" else []
        meter.start()
        counts = baseline.run()
        pages = sum(counts[k] for k in ("new", "changed", "unchanged"))
        counts.update(detection(edited, counts.pop("changed_paths")))
        results.append(meter.stop(case, pages, counts))
        log(f"baseline {case}: {results[-1].wall_s:.1f} s")
    control(args.base, "reset")
    return results


def listings(args: argparse.Namespace) -> tuple[str, ...]:
    """The site's sitemaps and feeds, as the baseline reads them."""
    return tuple(realsite.LISTINGS) if args.real else LISTINGS


def site_config(args: argparse.Namespace) -> str:
    return realsite.CONFIG if args.real else CONFIG


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


# --- newsmon ---------------------------------------------------------------------------------
def run_newsmon(args: argparse.Namespace, profile: bool = False) -> list[Measure]:
    from monitor import store
    from monitor.config import load_config
    from monitor.crawl import pipelines, workers
    from monitor.crawl.runner import Cycle, configure_logging, run_on_reactor
    from monitor.extract.article import extract
    from monitor.rules.crawl_alerts import CrawlAlerts

    workdir = Path(args.workdir)
    name = "profile" if profile else "newsmon"
    config_path = workdir / f"{name}.toml"
    text = site_config(args).format(db=workdir / f"{name}.db", base=args.base)
    config_path.write_text(text + ("" if args.no_stories else STORY))
    config = load_config(config_path)
    configure_logging()
    extracted = count_extractions(pipelines)
    meter = Meter(args.server_pid, args.base)
    results: list[Measure] = []

    async def main() -> None:
        cycle = Cycle(config, NEWSMON_REVISIT_ALL=True)
        alerts = CrawlAlerts(config, targets=[])  # the daemon's rule step, delivering nowhere
        cycle.batch_listeners.append(alerts.stored)
        # The pool starts once per daemon; start it (and its imports) outside the cases.
        executor = workers.pool()
        if executor is not None:
            page = "<html><body><h1>Warm</h1><p>" + "Wort " * 60 + "</p></body></html>"
            for future in [executor.submit(extract, page, "http://127.0.0.1/w") for _ in range(8)]:
                future.result()
        for case in CASES[:2] if profile else CASES:
            edited = control(args.base, "edit", args.edit_share) if case == "edited" else []
            db = store.open_db(config.database)
            last_change = db.execute("select coalesce(max(id), 0) from changes").fetchone()[0]
            db.close()
            extracted["n"] = 0
            profiler = start_profiler() if profile else None
            meter.start()
            runs = await cycle.run()
            await asyncio.to_thread(alerts.after)
            measure = meter.stop(case, 0, {})
            if profiler is not None:
                profiler.stop()
                title = f"main process, {case} (Scrapy, pipelines, store; wall time)"
                save_profile(profiler, title, workdir)
            measure.counts = crawl_counts(runs, extracted["n"])
            measure.pages = sum(measure.counts[k] for k in ("fetched", "not_modified"))
            db = store.open_db(config.database)
            changed = [
                urlsplit(row["url"]).path
                for row in db.query(
                    "select a.url from changes c join articles a on a.id = c.article_id "
                    "where c.id > ? and c.kind != 'new'",
                    [last_change],
                )
            ]
            db.close()
            measure.counts.update(detection(edited, changed))
            results.append(measure)
            log(f"newsmon {case}: {measure.wall_s:.1f} s")
        control(args.base, "reset")

    run_on_reactor(main)
    workers.shutdown()
    return results


def count_extractions(pipelines) -> dict:
    """Count the pages that were extracted (the rest were 304s, same bytes or same signature)."""
    counter = {"n": 0}
    original = pipelines.run_async

    async def counting(*args, **kwargs):
        result = await original(*args, **kwargs)
        counter["n"] += result.article is not None
        return result

    pipelines.run_async = counting
    return counter


def crawl_counts(runs: list[dict], extracted: int) -> dict:
    keys = ("requests", "fetched", "not_modified", "new", "changed", "unchanged", "errors")
    counts = {k: sum(r[k] for r in runs) for k in keys}
    counts["extracted"] = extracted
    counts["dropped"] = {
        reason: sum(json.loads(r["dropped"]).get(reason, 0) for r in runs)
        for reason in {key for r in runs for key in json.loads(r["dropped"])}
    }
    return counts


# --- profiles ----------------------------------------------------------------------------------
def start_profiler():
    from pyinstrument import Profiler

    # The reactor's loop runs everything on this thread: sample it whole, awaits included.
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    return profiler


def save_profile(profiler, title: str, workdir: Path, top: int = 25) -> None:
    """Add a profile's top entries by self time, its self time per package, and the top of its
    call tree to profiles.json."""
    totals: dict[str, float] = {}
    packages: dict[str, float] = {}

    def walk(frame, package: str) -> None:
        if frame.function and not frame.is_synthetic:
            key = f"{frame.function}  {frame.file_path_short}:{frame.line_no}"
            totals[key] = totals.get(key, 0.0) + frame.total_self_time
            # A built-in counts for the package that called it (sqlite3 under sqlite_utils...).
            builtin = frame.file_path_short.startswith("<")
            package = f"{package} > {frame.function}" if builtin else _package(frame.file_path)
            packages[package] = packages.get(package, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child, package)

    session = profiler.last_session
    walk(session.root_frame(), "?")
    tree = profiler.output_text(unicode=False, color=False, show_all=False).splitlines()
    path = workdir / "profiles.json"
    profiles = json.loads(path.read_text()) if path.exists() else []
    profiles.append(
        {
            "title": title,
            "wall_s": round(session.duration, 2),
            "cpu_s": round(session.cpu_time, 2),
            "top": [
                [round(seconds, 3), key]
                for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:top]
            ],
            "packages": [
                [round(seconds, 3), name]
                for name, seconds in sorted(packages.items(), key=lambda kv: -kv[1])[:15]
            ],
            "tree": "\n".join(line for line in tree[:70] if line.strip()),
        }
    )
    path.write_text(json.dumps(profiles, indent=1))


def _package(path: str) -> str:
    """The library (or newsmon part, or stdlib module) a source file belongs to."""
    parts = Path(path).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    for own in ("monitor", "spiders", "bench"):
        if own in parts[-3:-1]:
            return f"newsmon {own}"
    return f"stdlib {Path(path).stem if parts[-2].startswith('python3') else parts[-2]}"


def print_profiles(profiles: list[dict]) -> None:
    for profile in profiles:
        wall = profile["wall_s"]
        print(
            f"\n=== profile: {profile['title']}: {wall:.1f} s sampled, {profile['cpu_s']:.1f} s CPU"
        )
        print(f"{'self s':>8} {'share':>6}  function (self time: in the function, not its callees)")
        for seconds, key in profile["top"]:
            print(f"{seconds:8.2f} {100 * seconds / wall:5.1f}%  {key}")
        print(f"{'self s':>8} {'share':>6}  package (> a built-in it called)")
        for seconds, name in profile["packages"]:
            print(f"{seconds:8.2f} {100 * seconds / wall:5.1f}%  {name}")
        print("--- call tree, library frames folded ---")
        print(profile["tree"])


def profile_extraction(args: argparse.Namespace, sample: int = 120) -> None:
    """One worker's job: `extract` over a sample of the site's pages, in this process."""
    from pyinstrument import Profiler

    from monitor.extract.article import extract

    fetcher = Baseline(args.base, Path(args.workdir) / "profile-fetch.db", listings(args))
    pages = [
        (url, fetcher.get(url)[1]) for url in fetcher.urls()[:: max(1, args.articles // sample)]
    ]
    extract(pages[0][1], pages[0][0])  # imports and caches outside the profile
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for url, body in pages:
        extract(body, url)
    profiler.stop()
    save_profile(profiler, f"one worker's extraction of {len(pages)} pages", Path(args.workdir))


# --- the parent: server, both sides, table, JSON ------------------------------------------------
def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


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


def table(newsmon: list[Measure], baseline: list[Measure]) -> str:
    lines = [
        f"{'case':<22}{'wall s':>8}{'CPU s':>8}{'pages/s':>9}{'CPU ms/p':>10}{'peak MB':>9}"
        f"{'x pages/s':>11}{'x CPU':>8}{'server %':>10}{'conns':>7}"
    ]
    base = {m.case: m for m in baseline}
    for side, rows in (("newsmon", newsmon), ("baseline", baseline)):
        for m in rows:
            ref = base[m.case]
            speed = m.pages_per_s / ref.pages_per_s if ref.pages_per_s else 0
            cpu = m.cpu_s / ref.cpu_s if ref.cpu_s else 0
            share = 100 * m.server_cpu_s / m.wall_s if m.wall_s else 0
            lines.append(
                f"{side + ' ' + m.case:<22}{m.wall_s:8.1f}{m.cpu_s:8.1f}{m.pages_per_s:9.1f}"
                f"{m.cpu_ms_per_page:10.1f}{m.peak_rss_mb:9.0f}{speed:10.2f}x{cpu:7.2f}x{share:9.1f}%"
                f"{m.connections:7d}"
            )
    return "\n".join(lines)


def acceptance(newsmon: list[Measure], baseline: list[Measure]) -> list[tuple[str, bool]]:
    n = {m.case: m for m in newsmon}
    b = {m.case: m for m in baseline}
    cold = n["cold"]
    speed = cold.pages_per_s / b["cold"].pages_per_s
    edited = n["edited"].counts
    return [
        (f"cold crawl {speed:.2f}x the baseline's pages/s (>= 1.7x)", speed >= 1.7),
        (
            f"cold crawl stored {cold.counts['new']} of {cold.pages} pages, "
            f"{cold.counts['errors']} errors",
            cold.counts["new"] == cold.pages and not cold.counts["errors"],
        ),
        (
            f"re-check, nothing changed: {100 * n['recheck'].cpu_s / cold.cpu_s:.1f} % of the cold "
            f"crawl's CPU s (<= 10 %); {n['recheck'].counts['false_changes']} false changes",
            n["recheck"].cpu_s <= 0.10 * cold.cpu_s and not n["recheck"].counts["false_changes"],
        ),
        (
            f"re-check, 10 % edited: {100 * n['edited'].cpu_s / cold.cpu_s:.1f} % of the cold "
            f"crawl's CPU s (<= 20 %)",
            n["edited"].cpu_s <= 0.20 * cold.cpu_s,
        ),
        (
            f"edits detected: {edited['detected']} of {edited['edited']}, "
            f"{edited['false_changes']} changes where nothing was edited",
            edited["detected"] == edited["edited"] and not edited["false_changes"],
        ),
        (
            f"cold crawl peak memory {cold.peak_rss_mb:.0f} MB, summed per-process peaks "
            f"(< 300 MB; {cold.sampled_pss_mb:.0f} MB PSS at most at once)",
            cold.peak_rss_mb < 300,
        ),
    ]


def real_acceptance(newsmon: list[Measure], baseline: list[Measure]) -> list[tuple[str, bool]]:
    """Issue 18's lines, on the real pages, in one run."""
    n = {m.case: m for m in newsmon}
    b = {m.case: m for m in baseline}
    cold, plain = n["cold"], b["cold"]
    speed = cold.pages_per_s / plain.pages_per_s
    checks = acceptance(newsmon, baseline)[1:5]  # stored all, re-check CPU shares, edits found
    return [
        (f"cold crawl {speed:.2f}x the plain loop's pages/s (>= 1.85x)", speed >= 1.85),
        (
            f"cold CPU per page {cold.cpu_ms_per_page:.1f} ms, the plain loop's "
            f"{plain.cpu_ms_per_page:.1f} ms (newsmon's at most the loop's)",
            cold.cpu_ms_per_page <= plain.cpu_ms_per_page,
        ),
        *checks,
        (
            f"cold crawl PSS {cold.sampled_pss_mb:.0f} MB at most at once, sampled (<= 150 MB); "
            f"RSS summed {cold.sampled_rss_mb:.0f} MB",
            0 < cold.sampled_pss_mb <= 150,
        ),
    ]


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
        help="also profile a cold crawl (fresh database) and one worker's extraction",
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
        profile_extraction(args)
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
            run_side("profile", args, base, server.pid, workdir)
            profiles = json.loads((workdir / "profiles.json").read_text())
    finally:
        server.terminate()
        server.wait(timeout=10)
    load_after = os.getloadavg()
    print_profiles(profiles)
    print(
        f"\nnewsmon speed benchmark: {args.articles} {'URLs of real pages' if args.real else 'articles'}"
        f" ({details}), "
        f"{os.cpu_count()} cores, load average {load_before[0]:.2f} before / "
        f"{load_after[0]:.2f} after, commit {git_commit()}"
    )
    print(table(newsmon, baseline))
    print(
        "x pages/s, x CPU: newsmon / baseline in the same case. server %: the site's CPU as a "
        "share of one core during the case. CPU: the whole process tree (newsmon: main process, "
        "fork server, extraction workers). peak MB: sum of each process's peak RSS (VmHWM), an "
        "upper bound. conns: TCP connections the site accepted (keep-alive reuses them)."
    )
    for m in newsmon:
        c = m.counts
        print(
            f"newsmon {m.case}: main process {m.main_cpu_s:.1f} CPU s "
            f"({100 * m.main_cpu_s / m.wall_s:.0f} % of its wall time), workers "
            f"{max(0.0, m.cpu_s - m.main_cpu_s):.1f}; {c['requests']} requests, {c['not_modified']} answered 304, "
            f"{c['extracted']} extracted (the rest: 304, same bytes or same signature), "
            f"{c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['errors']} errors, dropped {c['dropped'] or 'none'}"
        )
    for m in baseline:
        c = m.counts
        print(
            f"baseline {m.case}: {c['new']} new, {c['changed']} changed "
            f"({c['false_changes']} where nothing was edited), {c['unchanged']} unchanged"
        )
    for m in (*newsmon[:1], *baseline[:1]):
        side = "newsmon" if m in newsmon else "baseline"
        print(
            f"{side} cold memory: sum of per-process peaks {m.peak_rss_mb:.0f} MB; sampled every "
            f"0.1 s: at most {m.sampled_rss_mb:.0f} MB RSS, {m.sampled_pss_mb:.0f} MB PSS at once"
        )
        print("  per process: " + ", ".join(f"{k} {v:.0f}" for k, v in m.peaks.items()))
    for side, rows in (("newsmon", newsmon), ("baseline", baseline)):
        c = next(m for m in rows if m.case == "edited").counts
        print(
            f"{side} 10 % edited: found {c['detected']} of {c['edited']} edits, missed "
            f"{c['edited'] - c['detected']} {c['missed']}, false {c['false_changes']} "
            f"{c['false_examples']}"
        )
    checks = (real_acceptance if args.real else acceptance)(newsmon, baseline)
    print("\nacceptance:")
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    report = {
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
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.json} ({report['seconds']:.0f} s in all)")
    if not args.keep:
        for path in sorted(workdir.glob("*"), reverse=True):
            path.unlink()
        workdir.rmdir()
    else:
        print(f"work directory kept: {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
