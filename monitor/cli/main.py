"""The `newsmon` command: a thin Click layer over the modules that do the work."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from monitor import __version__, clock
from monitor.cli.alerts import alerts, notify, rules
from monitor.cli.context import check_source, config_of, store_of
from monitor.cli.options import hoist_globals
from monitor.cli.sources import sources
from monitor.cli.stories import stories
from monitor.config import DEFAULT_CONFIG
from monitor.errors import NewsmonError
from monitor.web.serve import serve


class _Group(click.Group):
    """Every NewsmonError, and every mistake on the command line, becomes one 'Error: ...'
    line and exit code 2; NEWSMON_DEBUG=1 shows the traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_globals(self, args))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            _one_line(exc, " ".join(filter(None, [ctx.command_path, ctx.invoked_subcommand])))
        except NewsmonError as exc:
            if os.environ.get("NEWSMON_DEBUG"):
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            _one_line(exc, "newsmon")


def _one_line(exc: click.UsageError, where: str) -> None:
    """Click's usage error without the usage block: the message and where help is."""
    where = exc.ctx.command_path if exc.ctx else where
    # Without a context Click prints the message alone; the exit code stays 2.
    raise click.UsageError(f"{exc.format_message()} (see: {where} --help)") from None


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=lambda: os.environ.get("NEWSMON_CONFIG", str(DEFAULT_CONFIG)),
    show_default="config/monitor.toml or $NEWSMON_CONFIG",
    help="Configuration file.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=None,
    help="SQLite database (default: newsmon.database in the config).",
)
@click.version_option(__version__, "--version", "-V", prog_name="newsmon")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, db_path: Path | None) -> None:
    """newsmon: watch how news stories are reported and re-reported.

    Example: newsmon crawl zdf
    """
    ctx.obj = {"config_path": config_path, "db_path": db_path}


@cli.command(short_help="One crawl cycle now, with alerts.")
@click.argument("sources", nargs=-1)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's own log lines.")
@click.option(
    "--all",
    "recheck_all",
    is_flag=True,
    help="Re-check every known article, not only those the revisit policy says are due.",
)
@click.pass_context
def crawl(ctx: click.Context, sources: tuple[str, ...], verbose: bool, recheck_all: bool) -> None:
    """Run one crawl cycle now over all enabled sources, or the named ones.

    Prints each change as it is found and a summary per source at the end.
    Exits 1 when a source could not be reached at all, or a page could not be stored.

    Example: newsmon crawl zdf tagesschau
    """
    config = config_of(ctx)
    _start_workers()
    from monitor.cli.report import ChangePrinter, Progress, alert_line, summary_table
    from monitor.cli.table import counted
    from monitor.crawl.failures import failure_lines
    from monitor.crawl.runner import Cycle, configure_logging, run_on_reactor
    from monitor.daemon.recovery import HideFaultTracebacks
    from monitor.rules.crawl_alerts import CrawlAlerts

    chosen = [config.source(name) for name in sources] or [s for s in config.sources if s.enabled]
    configure_logging(verbose)
    for handler in logging.getLogger().handlers:
        handler.addFilter(HideFaultTracebacks())  # said in one line at the end
    printer = ChangePrinter(color=sys.stdout.isatty())
    progress = Progress(enabled=sys.stderr.isatty() and not verbose)

    cycle_alerts: dict[str, int] = {}
    console: list[bool] = []  # no target configured: the alerts were printed
    since = clock.now()

    async def main() -> list[dict]:
        cycle = Cycle(config, NEWSMON_REVISIT_ALL=recheck_all)
        alerts = CrawlAlerts(config)
        console.append(not alerts.targets)
        cycle.listeners += [printer, progress]
        cycle.batch_listeners.append(alerts.stored)
        runs = await cycle.run(chosen)
        cycle_alerts.update(await asyncio.to_thread(alerts.after))
        return runs

    runs = run_on_reactor(main)
    progress.finish()
    click.echo(summary_table(runs))
    if cycle_alerts:
        click.echo(alert_line(cycle_alerts, config.database, since, any(console)))
    for line in failure_lines(config.database, runs):
        click.echo(f"Error: {line}", err=True)
    from monitor.store import FAULTS

    if FAULTS.last is not None:  # pages fetched but not stored: Scrapy only logged it
        failed = counted(FAULTS.count, "write")
        click.echo(f"Error: {failed} failed; the last: {FAULTS.last}", err=True)
    unreachable = [r for r in runs if r["errors"] and not r["responses"]]
    sys.exit(1 if unreachable or FAULTS.last or len(runs) < len(chosen) else 0)


@cli.command(short_help="Stored articles, newest change first.")
@click.option("--source", help="Only articles of this source.")
@click.option("--limit", default=50, show_default=True, help="How many, newest change first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def articles(ctx: click.Context, source: str | None, limit: int, as_json: bool) -> None:
    """List stored articles with their version count and status.

    Example: newsmon articles --source zdf
    """
    from monitor.store import reads

    db = store_of(ctx)
    if source:
        check_source(config_of(ctx), db, source)
    rows = reads.list_articles(db, source, limit)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    from monitor.cli.table import table

    shown = [
        [r["id"], r["source"], r["status"], r["versions"], r["headline"] or "-", r["url"]]
        for r in rows
    ]
    empty = f"no articles of {source} yet" if source else "no articles yet; run: newsmon crawl"
    headers = ["id", "source", "status", "versions", "headline", "url"]
    click.echo(table(shown, headers, empty=empty, shorten={"headline": "end", "url": "middle"}))


@cli.command(short_help="Word diff between versions of an article.")
@click.argument("article")
@click.option("--from", "from_number", type=int, help="Version number to compare from.")
@click.option("--to", "to_number", type=int, help="Version number to compare to (default: latest).")
@click.option(
    "--color/--no-color", default=None, help="Coloured word diff (default: on a terminal)."
)
@click.pass_context
def diff(
    ctx: click.Context,
    article: str,
    from_number: int | None,
    to_number: int | None,
    color: bool | None,
) -> None:
    """Show the word diff between two versions of an article (by id or URL).

    Example: newsmon diff 12 --from 1 --to 3
    """
    from monitor.cli.versions import article_row, diff_text

    db = store_of(ctx)
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(diff_text(db, article_row(db, article), (from_number, to_number), use_color))


@cli.group("config", short_help="Check the configuration.")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check", short_help="Validate the config; every problem.")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the config file and list every problem with its key.

    Example: newsmon --config config/monitor.toml config check
    """
    from monitor.cli.table import counted

    config = config_of(ctx)
    click.echo(
        f"{config.path}: OK, {counted(len(config.sources), 'source')}: "
        + ", ".join(s.name for s in config.sources)
    )
    for what, names in (("story", config.stories), ("keyword rule", config.rules)):
        if names:
            click.echo(f"  {counted(len(names), what)}: {', '.join(n.name for n in names)}")
    from monitor.stories.story import story_hints

    for hint in story_hints(config.rules):  # an old config's topic rule: how to write a story
        click.echo(hint)


@cli.command("sample-site", short_help="Serve the bundled sample news site.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8800, show_default=True, help="Port to listen on.")
def sample_site(host: str, port: int) -> None:
    """Serve the bundled sample news site (feeds, articles, faults) until interrupted.

    Advance its scripted timeline with: curl -X POST http://127.0.0.1:8800/_control/advance

    Example: newsmon sample-site --port 8800
    """
    from monitor.sample_site import serve

    serve(host, port)


@cli.command(short_help="The whole pipeline offline, on the sample site.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=Path("data/demo.db"),
    show_default=True,
    help="Where the demo's database goes (recreated).",
)
@click.option(
    "--quiet-cycles",
    default=5,
    show_default=True,
    help="Extra cycles with nothing but page churn, to show it never alerts.",
)
def demo(db_path: Path, quiet_cycles: int) -> None:
    """Run the whole pipeline offline against the sample site and print what it finds.

    Example: newsmon demo
    """
    _start_workers()
    from monitor.cli.demo import run_demo

    sys.exit(run_demo(db_path, quiet_cycles))


@cli.command(short_help="Daemon, sources, revisits, alerts at a glance.")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show each source's last run and problems, revisit tiers, alerts and the database size.

    Example: newsmon status
    """
    from monitor.cli.context import existing_database
    from monitor.cli.status import status_report

    config = config_of(ctx)
    existing_database(config.database)
    click.echo(status_report(config))


@cli.command(short_help="The monitor: crawl on schedule until stopped.")
@click.option(
    "--role",
    type=click.Choice(["single", "scheduler", "crawler", "writer"]),
    default="single",
    show_default=True,
    help="single: everything in one process; the others: one part of a cluster ([cluster]).",
)
@click.pass_context
def run(ctx: click.Context, role: str) -> None:
    """Run the monitor: crawl every source on its interval until stopped (Ctrl-C).

    With [cluster] in the config, --role runs one part of a cluster on Redis: one scheduler
    and one writer (on the database's machine), crawlers on any machine.

    Example: newsmon run --role crawler
    """
    config = config_of(ctx)
    if role == "single":
        _start_workers()
        from monitor.daemon.service import run_daemon

        sys.exit(run_daemon(config, ctx.obj["db_path"]))
    if config.cluster is None:
        raise NewsmonError(
            f"{config.path}: --role {role} needs a [cluster] table with "
            'redis = "redis://HOST:6379/0"; it has none'
        )
    if role == "crawler":
        _start_workers()
    sys.exit(_cluster_role(role)(config))


def _start_workers() -> None:
    """Fork the extraction workers now, before the crawl's imports (Scrapy, Twisted, the store:
    about 30 MB the workers never use) and while this process has one thread."""
    from monitor.crawl import workers

    workers.start()


def _cluster_role(role: str) -> Any:
    """The role's entry point, imported only now: the single machine never loads redis."""
    if role == "scheduler":
        from monitor.cluster.scheduler import run_scheduler

        return run_scheduler
    if role == "crawler":
        from monitor.cluster.crawler import run_crawler

        return run_crawler
    from monitor.cluster.writer import run_writer

    return run_writer


for group in (rules, stories, notify, alerts, serve):
    cli.add_command(group)
cli.add_command(sources)


def main() -> None:
    cli(prog_name="newsmon")
