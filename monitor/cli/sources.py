"""`newsmon sources add URL`: propose a [[sources]] block for an outlet from one of its pages."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.cli.context import config_of
from monitor.config import DEFAULT_CONFIG
from monitor.errors import NewsmonError

if TYPE_CHECKING:
    from monitor.probe.probe import Proposal, Trial

_FIRST_WORDS = 14
_SHOWN = 5  # links listed per kind; the rest are counted


@click.group("sources", short_help="Add a source from an outlet's page.")
def sources() -> None:
    """Add sources to the configuration."""


@sources.command("add", short_help="Find feeds and sitemaps; print the block.")
@click.argument("url")
@click.option("--name", help="The source's name (default: from the outlet's host).")
@click.option("--write", is_flag=True, help="Append the block to the config file.")
@click.option("--articles", "trials", default=3, show_default=True, help="Articles to test-crawl.")
@click.pass_context
def add(ctx: click.Context, url: str, name: str | None, write: bool, trials: int) -> None:
    """Find an outlet's feeds, news sitemaps and article links from its home or section page,
    test-crawl a few articles, and print the [[sources]] block (--write: add it to the config).

    Example: newsmon sources add https://www.example.org/politik --write
    """
    # On demand: extraction loads trafilatura, which `newsmon --help` need not wait for.
    from monitor.probe.block import append_block, default_name, render_block
    from monitor.probe.fetch import Fetcher
    from monitor.probe.probe import probe

    config = config_of(ctx)
    if not re.match(r"https?://[^/]+", url):
        raise NewsmonError(f"{url}: not an http(s) address")
    name = name or default_name(url)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise NewsmonError(f"{name!r}: a source name is lowercase letters, digits, - or _")
    known = [s.name for s in config.sources]
    if write and name in known:
        raise NewsmonError(
            f"{config.path}: a source named {name!r} exists already (known: {', '.join(known)});"
            " pick another with --name"
        )
    crawl = config.crawl
    fetcher = Fetcher(url, crawl.user_agent, min(crawl.timeout, 15.0), crawl.max_page_bytes)
    proposal = probe(url, fetcher, trials)
    click.echo(report(proposal))
    block = render_block(proposal, name, relevance=bool(config.stories or config.rules))
    click.echo("\n" + block, nl=False)
    if write:
        append_block(config.path, block, name)
        again = (
            "newsmon"
            if ctx.obj["config_path"] == _default_config()
            else f"newsmon --config {config.path}"
        )
        click.echo(f"\nAdded to {config.path}. Crawl it once: {again} crawl {name}")
    click.echo(f"({fetcher.requests} request(s) to {proposal.allowed_domains[0]})", err=True)


def _default_config() -> Path:
    """The config a bare `newsmon` reads: a hint needs --config only for another one."""
    return Path(os.environ.get("NEWSMON_CONFIG", str(DEFAULT_CONFIG)))


def report(proposal: Proposal) -> str:
    """What the probe found, a few lines per kind."""
    lines = [f"Probed {proposal.url}"]
    for title, listings in (("Feeds", proposal.feeds), ("Sitemaps", proposal.sitemaps)):
        lines.append(f"{title}:" if listings else f"{title}: none found")
        for x in listings:
            what = f"{x.kind}, {len(x.links)} link(s)" if x.kind else x.note
            lines.append(f"  {x.url}  ({what})")
    lines.append(f"Article links: {len(proposal.articles)}")
    lines += [f"  {u}" for u in proposal.articles[:_SHOWN]]
    if proposal.forbidden:
        lines.append(f"  robots.txt forbids {len(proposal.forbidden)}: {proposal.forbidden[0]}")
    lines += _pattern_lines(proposal)
    lines.append("Test crawl:" if proposal.trials else "Test crawl: no article to try")
    lines += [_trial_line(t) for t in proposal.trials]
    return "\n".join(lines)


def _pattern_lines(proposal: Proposal) -> list[str]:
    inferred = proposal.inferred
    if inferred is None:
        return ["link_pattern: none (no article link to generalize)"]
    lines = [
        f"link_pattern: {inferred.pattern}",
        f"  matches {len(inferred.matched)} of {len(proposal.articles)} article link(s)",
    ]
    lines += [f"  not matched: {u}" for u in inferred.missed[:_SHOWN]]
    wrong = proposal.false_matches
    lines.append(
        f"  and {len(wrong)} of the page's {len(proposal.others)} other link(s)"
        + (f", e.g. {wrong[0]} (narrow it by hand)" if wrong else "")
    )
    return lines


def _trial_line(trial: Trial) -> str:
    article = trial.article
    if article is None:
        return f"  REFUSED {trial.url}: {trial.reason}"
    text = " ".join([article.lead, *article.body]).split()
    words = " ".join(text[:_FIRST_WORDS]) + (" …" if len(text) > _FIRST_WORDS else "")
    headline = f"{article.kicker}: {article.headline}" if article.kicker else article.headline
    return f"  ok {trial.url}\n     {headline!r}, {len(text)} words: {words}"
