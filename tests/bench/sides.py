"""The two sides of `bench.py`, each run in its own child process: the plain loop a user would
script (`Baseline`) and newsmon's daemon code path (`run_newsmon`)."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.client
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import realsite
from common import CRAWL, RULE, STORY
from measure import Measure, Meter, control, detection, log
from profiles import save_profile, start_profiler

CASES = ("cold", "recheck", "edited")
LISTINGS = ("/zdf/news-sitemap.xml", "/tagesschau/news-sitemap.xml", "/world/rss.xml")
CONFIG = (
    CRAWL
    + """
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
"""
)
CONFIG += RULE


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
        new: list[str] = []  # to set the pages newsmon refuses apart, like with like
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
                new.append(urlsplit(url).path)
            elif row[0] != digest:
                counts["changed"] += 1
                changed.append(urlsplit(url).path)
            else:
                counts["unchanged"] += 1
            self.db.execute("insert or replace into pages values (?, ?, ?)", [url, digest, now])
            self.db.commit()
        counts["changed_paths"], counts["new_paths"] = changed, new
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


# --- newsmon ---------------------------------------------------------------------------------
def run_newsmon(args: argparse.Namespace, profile: bool = False) -> list[Measure]:
    from monitor.crawl import workers

    workers.start()  # first, as `newsmon run` and `newsmon crawl` do (monitor.cli.main)
    from monitor import store
    from monitor.config import load_config
    from monitor.crawl import pipelines
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
        for case in CASES:
            edited = control(args.base, "edit", args.edit_share) if case == "edited" else []
            db = store.open_db(config.database)
            last_change = db.execute("select coalesce(max(id), 0) from changes").fetchone()[0]
            db.close()
            extracted["n"], extracted["refused"] = 0, []
            profiler = start_profiler() if profile else None
            meter.start()
            runs = await cycle.run()
            await asyncio.to_thread(alerts.after)
            measure = meter.stop(case, 0, {})
            if profiler is not None:
                profiler.stop()
                title = f"main process, {case} (Scrapy, pipelines, store; wall time)"
                save_profile(profiler, title, workdir)
            measure.counts = crawl_counts(runs, extracted["n"], extracted["refused"])
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
    """Count the pages that were extracted (the rest were 304s, same bytes or same signature),
    and list the paths of those the extractor refused as index pages."""
    from monitor.errors import ExtractionError

    counter: dict = {"n": 0, "refused": []}
    original = pipelines.run_async

    async def counting(function, body, url, *args, **kwargs):
        try:
            result = await original(function, body, url, *args, **kwargs)
        except ExtractionError as exc:
            if str(exc).startswith("an index page"):
                counter["refused"].append(urlsplit(url).path)
            raise
        counter["n"] += result.article is not None
        return result

    pipelines.run_async = counting
    return counter


def crawl_counts(runs: list[dict], extracted: int, refused: list[str]) -> dict:
    keys = ("requests", "fetched", "not_modified", "new", "changed", "unchanged", "errors")
    counts = {k: sum(r[k] for r in runs) for k in keys}
    counts["extracted"] = extracted
    counts["refused"] = sorted(refused)
    counts["dropped"] = {
        reason: sum(json.loads(r["dropped"]).get(reason, 0) for r in runs)
        for reason in {key for r in runs for key in json.loads(r["dropped"])}
    }
    return counts


def sample_pages(args: argparse.Namespace, sample: int = 120) -> list[tuple[str, bytes]]:
    """Every n-th page of the site (URL, body), for profiling one worker's job."""
    fetcher = Baseline(args.base, Path(args.workdir) / "profile-fetch.db", listings(args))
    urls = fetcher.urls()[:: max(1, args.articles // sample)]
    return [(url, fetcher.get(url)[1]) for url in urls]
