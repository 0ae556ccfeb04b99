"""A year of data: python tests/bench/year.py [--scale 1.0] [--steps 0.1,0.25,0.5,1] [--keep DIR].

Grows a database the size of a year of watching the ten default outlets (tests/bench/yeardata.py,
straight into the schema `store.open_db` creates) and, at each step, times the real code paths
(median of RUNS calls): storing a page (record_page, new and edited), choosing the due revisits
(reads.sources_due + articles_to_revisit + schedule_next), evaluating rules and stories for one
change (rules.evaluate.evaluate), `newsmon status` (status_report), and over a real
`newsmon serve`: the front page, the story page, two timelines and every canned query. Prints a
step x operation table (ms), the query plans that SCAN a big table on those paths, bytes per
version and what fills the file (dbstat). `--scale 0.01` is the quick mode.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import yaml  # noqa: E402
import yeardata  # noqa: E402
from served import free_port, serve  # noqa: E402

from monitor import store  # noqa: E402
from monitor.cli.status import status_report  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.crawl.record import Extracted, record_page, schedule_next  # noqa: E402
from monitor.items import Article, Page  # noqa: E402
from monitor.rules.evaluate import evaluate  # noqa: E402
from monitor.store import reads  # noqa: E402
from monitor.store.maintenance import maintain  # noqa: E402

ROOT = HERE.parents[1]
RUNS = 5
BIG = ("articles", "versions", "changes", "alerts", "entries", "crawl_runs", "story_members",
       "event_articles", "paragraphs", "version_paragraphs", "version_rows_fts",
       "paragraphs_fts")  # fmt: skip
# What a stored version costs: its row, its paragraphs (each distinct text once), the links
# from versions to paragraphs, and both full-text indexes.
VERSION_TABLES = ("version_rows", "version_paragraphs", "paragraphs", "idx_version_paragraphs",
                  "sqlite_autoindex_paragraphs", "version_rows_fts", "paragraphs_fts")  # fmt: skip


class Traced:
    """The statements the real code runs, to EXPLAIN them afterwards."""

    def __init__(self) -> None:
        self.sql: dict[str, str] = {}

    def __call__(self, statement: str) -> None:
        head = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
        if head in ("select", "update", "delete", "with"):
            self.sql.setdefault(re.sub(r"\d+|'[^']*'", "?", statement)[:120], statement)


def timed(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def page(year: yeardata.Year, article_id: int | None, n: int) -> Extracted:
    """A fetched page: a new article (None) or an edit of a stored one, by its URL."""
    source = "zdf"
    url = (
        f"https://zdf.example/a/{article_id}.html" if article_id else f"https://zdf.example/new/{n}"
    )
    body = year.rng.sample(year.pool.paragraphs, 12)
    article = Article(url=url, canonical_url=url, headline=year.pool.sentence(8), lead=body[0],
                      body=body, language="de")  # fmt: skip
    html = ("<html><body><article>" + "".join(f"<p>{p}</p>" for p in body) + "</article>").encode()
    return Extracted(Page(url, source, 200, html), article=article)


def measure_store(db, config, year, traced: Traced) -> dict[str, float]:
    """The per-page paths on the grown database, with the SQL they ran traced."""
    counter = iter(range(10**9))
    now = year.now()
    at = now.isoformat()
    zdf = [r[0] for r in db.execute("select id from articles where source = 'zdf' limit 50")]
    db.conn.set_trace_callback(traced)
    try:
        out = {
            "store new page": timed(lambda: record_page(db, page(year, None, next(counter)))),
            "store edited page": timed(
                lambda: record_page(db, page(year, year.rng.choice(zdf), 0))
            ),
            "due revisits": timed(
                lambda: [
                    store.articles_to_revisit(db, s, at=at, limit=30)
                    for s in reads.sources_due(db, at)
                ]
            ),
            "schedule next": timed(lambda: schedule_next(db, zdf[0], config.revisit, now)),
        }

        def one_change() -> float:
            record_page(db, page(year, year.rng.choice(zdf), 0))
            began = time.perf_counter()
            evaluate(db, config, now)
            return (time.perf_counter() - began) * 1000

        evaluate(db, config, now)  # the changes the timings above stored
        out["evaluate 1 change"] = statistics.median(one_change() for _ in range(RUNS))
        out["newsmon status"] = timed(lambda: status_report(config, now), runs=3)
    finally:
        db.conn.set_trace_callback(None)
    return out


def canned(db_path: Path) -> dict[str, tuple[str, dict]]:
    """Each canned query of deploy/datasette.yml with parameters worth timing."""
    queries = yaml.safe_load((ROOT / "deploy" / "datasette.yml").read_text())["databases"]
    with sqlite3.connect(db_path) as conn:
        busiest = conn.execute(
            "select id from articles where kind = 'liveblog' order by versions desc limit 1"
        ).fetchone()[0]
    values = {"article": busiest, "status": "sent", "rule": "witkoff", "story": yeardata.STORY}
    values["q"] = yeardata.STORY_WORDS[2]  # search_text: a story word, in many versions
    out = {}
    for name, spec in queries["monitor"]["queries"].items():
        names = set(re.findall(r"(?<!:):([a-z_]+)", spec["sql"]))
        out[name] = (spec["sql"], {n: values.get(n, "") for n in names})
    return out


def measure_pages(db_path: Path, typical: int, busiest: int) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    targets = {
        "page /": "/",
        "page story": f"/-/newsmon/stories/{yeardata.STORY}",
        "page timeline (typical)": f"/-/newsmon/article/{typical}",
        "page timeline (live blog)": f"/-/newsmon/article/{busiest}",
    }
    for name, (_, params) in canned(db_path).items():
        targets[f"query {name}"] = f"/{db_path.stem}/{name}?{urllib.parse.urlencode(params)}"
    out = {}
    with serve(db_path, port):
        for name, path in targets.items():

            def get(url: str = base + path) -> None:
                with urllib.request.urlopen(url, timeout=120) as response:
                    response.read()

            get()  # warm-up
            out[name] = timed(get, runs=3)
    return out


def scans(db_path: Path, traced: Traced) -> list[str]:
    """Plan lines that SCAN a big table, for the traced store SQL and the canned queries."""
    conn = sqlite3.connect(db_path)
    found = []
    statements = [(k, v, ()) for k, v in traced.sql.items()]
    statements += [(f"query {n}", sql, p) for n, (sql, p) in canned(db_path).items()]
    for label, sql, params in statements:
        try:
            plan = conn.execute(f"explain query plan {sql}", params).fetchall()
        except sqlite3.Error:
            continue
        for row in plan:
            detail = row[-1]
            # Tables appear under their aliases: flag every scan but of a constant or a subquery.
            if detail.startswith("SCAN") and not detail.startswith(("SCAN CONSTANT", "SCAN (")):
                found.append(f"{detail}   <- {label.strip()[:110]}")
    conn.close()
    return sorted(set(found))


def sizes(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(db_path)
    rows = conn.execute("select name, sum(pgsize) from dbstat group by name order by 2 desc")
    out = dict(rows.fetchall())
    conn.close()
    return out


def _unjournaled(db, tries: int = 30) -> None:
    """Leave WAL for the build; the last step's server may hold the file a moment longer."""
    for _ in range(tries):
        try:
            db.execute("PRAGMA journal_mode = OFF")
            return
        except sqlite3.OperationalError:
            time.sleep(1)
    print("the file stays busy: building in WAL mode", flush=True)


def step(db_path: Path, year: yeardata.Year, until: float) -> tuple[dict, list[str], dict]:
    """Grow to `until` of the year, then measure everything."""
    db = store.open_db(db_path)
    # The build only (measurements reopen the file as the daemon does): no journal, no fsync and
    # no foreign-key look-ups; a WAL would hold a whole step (gigabytes at 100 %) and copy it.
    for pragma in ("synchronous = OFF", "foreign_keys = OFF", "cache_size = -1000000"):
        db.execute(f"PRAGMA {pragma}")
    _unjournaled(db)
    began, cpu = time.monotonic(), time.process_time()
    year.grow(db, until)
    built, cpu = time.monotonic() - began, time.process_time() - cpu
    db.execute("PRAGMA journal_mode = WAL")
    config = load_config(ROOT / "config" / "monitor.toml")
    db.close()
    began = time.monotonic()
    maintain(config, year.now())  # the hourly prune of raw HTML under the shipped [retention]
    row = {"build s": built, "build cpu s": cpu, "prune raw (s)": time.monotonic() - began}
    db = store.open_db(db_path)
    traced = Traced()
    row.update(measure_store(db, config, year, traced))
    counts = {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in BIG[:-2]}
    typical = db.execute(
        "select id from articles where kind = 'article' and versions = 4 limit 1"
    ).fetchone()[0]
    busiest = db.execute(
        "select id from articles where kind = 'liveblog' order by versions desc limit 1"
    ).fetchone()[0]
    db.close()
    row.update(measure_pages(db_path, typical, busiest))
    return row, scans(db_path, traced), counts


def report(db_path: Path, counts: dict[str, int]) -> None:
    stat = sizes(db_path)
    total = db_path.stat().st_size
    print(
        f"\n{db_path.name}: {total / 1e6:,.0f} MB; "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items())
    )
    versions = sum(v for k, v in stat.items() if k.startswith(VERSION_TABLES))
    per = versions / max(counts["versions"], 1)
    print(f"bytes per stored version (row with raw, paragraphs, links, FTS): {per:,.0f}")
    changes = sum(v for k, v in stat.items() if k.startswith(("changes", "idx_changes")))
    print(f"bytes per change: {changes / max(counts['versions'], 1):,.0f}")
    for name, size in list(stat.items())[:12]:
        print(f"  {name:<40} {size / 1e6:>10,.1f} MB  {size / total:>5.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of a year's articles")
    parser.add_argument("--steps", default="0.1,0.25,0.5,1")
    parser.add_argument("--keep", type=Path, help="build in DIR (kept)")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="newsmon-bench-year-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "monitor.db"
    db_path.unlink(missing_ok=True)
    os.environ["NEWSMON_DB"] = str(db_path)  # the shipped config's database
    year = yeardata.Year(scale=args.scale)
    table: dict[str, dict[str, float]] = {}
    for until in (float(s) for s in args.steps.split(",")):
        label = f"{until * args.scale:.1%}"
        print(f"step {until:.0%} of the year at scale {args.scale} ({label} of a year's data)")
        row, plan, counts = step(db_path, year, until)
        table[label] = row
        print(f"built in {row['build s']:,.0f} s ({row['build cpu s']:,.0f} s CPU)", flush=True)
        report(db_path, counts)
        print("plans that SCAN a big table:" if plan else "no SCAN of a big table")
        for line in plan:
            print("  " + line)
    ops = list(next(iter(table.values())))
    width = max(len(o) for o in ops)
    print("\n" + f"{'operation (ms, median)':<{width}}" + "".join(f"{s:>10}" for s in table))
    for op in ops:
        print(f"{op:<{width}}" + "".join(f"{table[s][op]:>10.1f}" for s in table))
    slow = [
        (s, o)
        for s, r in table.items()
        for o, ms in r.items()
        if o.startswith(("page", "query")) and ms > 300
    ]
    print(f"pages over 300 ms: {slow or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
