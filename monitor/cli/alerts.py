"""`newsmon rules ...`, `newsmon notify ...` and `newsmon alerts ...`: the alert side of the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable

import click

from monitor.cli.context import check_article, config_of, store_of
from monitor.cli.table import counted, table, when
from monitor.errors import NewsmonError


@click.group(short_help="Check and try out the keyword rules.")
def rules() -> None:
    """Check and try out the keyword rules."""


@rules.command("check", short_help="Validate the rules; every problem.")
@click.pass_context
def rules_check(ctx: click.Context) -> None:
    """Validate the rules of the config; every problem with its key.

    Example: newsmon rules check
    """
    config = config_of(ctx)
    for rule in config.rules:
        terms = len(rule.any) + len(rule.all)
        click.echo(
            f"{rule.name}: {terms} term(s), events {', '.join(rule.events)}, "
            f"notify {', '.join(rule.notify)}, digest {rule.digest}"
        )
    click.echo(f"{config.path}: {counted(len(config.rules), 'rule')} OK")


@rules.command("test", short_help="Which stored changes would fire a rule.")
@click.argument("rule", required=False)
@click.option("--article", "article_id", type=int, help="Only the changes of this article.")
@click.option("--all", "everything", is_flag=True, help="Every stored change (default: last 50).")
@click.pass_context
def rules_test(
    ctx: click.Context, rule: str | None, article_id: int | None, everything: bool
) -> None:
    """Show which stored changes would fire which rules, with the matched words marked.

    Example: newsmon rules test witkoff --article 12
    """
    from monitor.rules.evaluate import change_view
    from monitor.rules.rules import highlight, match
    from monitor.store import reads

    config = config_of(ctx)
    chosen = [r for r in config.rules if rule in (None, r.name)]
    if rule and not chosen:
        if rule in {s.name for s in config.stories}:
            raise NewsmonError(f"{rule!r} is a story: newsmon stories test {rule}")
        known = ", ".join(r.name for r in config.rules) or "none"
        raise NewsmonError(f"no rule named {rule!r} (known: {known})")
    db = store_of(ctx)
    if article_id is not None:
        check_article(db, article_id)
    limit = None if everything or article_id else 50
    changes = reads.changes_newest_first(db, article_id, limit)
    color = sys.stdout.isatty()
    fired = 0
    for change in reversed(changes):
        view = change_view(db, change)
        if view is None:
            continue
        for candidate in chosen:
            result = match(candidate, view)
            if result is None:
                continue
            fired += 1
            click.echo(
                f"change {change['id']} ({', '.join(json.loads(change['categories']))}) "
                f"fires {candidate.name}: {', '.join(result.terms)}\n  {change['headline']}"
            )
            texts = {s.field: s.text for s in view.segments}
            for field, start, end, _ in result.spans[:5]:
                text = texts.get(field, "")
                lo, hi = max(0, start - 60), min(len(text), end + 60)
                snippet = highlight(text[lo:hi], [(start - lo, end - lo)], color)
                click.echo(f"    {field}: …{snippet}…")
    click.echo(f"{counted(fired, 'alert')} from {counted(len(changes), 'change')}")


@click.group(short_help="Try the alert targets.")
def notify() -> None:
    """Try the alert targets."""


@notify.command("test", short_help="Send a test message to each target.")
@click.argument("tag", required=False)
@click.option("--tag", "tag_option", help="The same as TAG.")
@click.pass_context
def notify_test(ctx: click.Context, tag: str | None, tag_option: str | None) -> None:
    """Send a real test message to every target (or those with TAG) and report each one.

    Example: newsmon notify test newsroom
    """
    from monitor.notify.probe import advice, probe
    from monitor.notify.targets import ENV_VAR, load_targets, mask

    config = config_of(ctx)
    targets = load_targets(config.notify.apprise_config, os.environ)
    tag = tag or tag_option
    if tag:
        _check_tag(config, targets, tag)
    results = probe(targets, tag)
    if not results:
        raise NewsmonError(
            f"no target{' with tag ' + repr(tag) if tag else ''}; set notify.apprise_config "
            f"or {ENV_VAR}"
        )
    where = config.notify.apprise_config or ENV_VAR
    for result in results:
        target = result.target
        if target.plugin is None:
            click.echo(
                f"{'ok  ' if result.ok else 'FAIL'} console: no target set, alerts go to stdout"
            )
            continue
        # Named by schema, id and apprise's privacy rendering; the error masked once more.
        line = f"{'ok  ' if result.ok else 'FAIL'} {target.schema} {target.id} ({result.tags})"
        line += f" {target.describe()}"
        if not result.ok:
            reason = mask(result.error).rstrip(". ")
            line += f": {reason}. In {where}: {advice(result.error)}"
        click.echo(line)
    sys.exit(0 if all(r.ok for r in results) else 1)


def _check_tag(config, targets: list, tag: str) -> None:
    """Refuse a tag no target, rule or story names: a misspelt tag would test the targets
    that take every tag and report success."""
    known = {t for target in targets for t in target.tags} - {"always"}
    known |= {t for rule in [*config.rules, *config.stories] for t in rule.notify}
    known.add(config.notify.admin_tag)
    if tag not in known:
        raise NewsmonError(f"no tag {tag!r} (known: {', '.join(sorted(known))})")


@click.group(invoke_without_command=True, short_help="The alert outbox; retry alerts.")
@click.option(
    "--status", type=click.Choice(["pending", "sent", "dead"]), help="Only alerts with this status."
)
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@click.pass_context
def alerts(ctx: click.Context, status: str | None, limit: int) -> None:
    """List alerts, newest first, by status.

    Example: newsmon alerts --status dead
    """
    if ctx.invoked_subcommand:
        return
    from monitor.rules.words import alert_line
    from monitor.store import outbox

    db = store_of(ctx)
    rows = outbox.list_alerts(db, status, limit)
    counts = outbox.alert_counts(db)
    mask = _masking(ctx)
    shown = [
        [
            row["id"],
            row["status"],
            row["tag"],
            _raised_by(row),
            row["source"] or "-",
            when(row["created_at"]),
            alert_line(row["words"], row["matched"]) or "-",
            f"{counted(row['attempts'], 'attempt')}: {mask(row['last_error'])}"
            if row["last_error"]
            else "",
        ]
        for row in rows
    ]
    headers = ["id", "status", "tag", "rule or story", "source", "created (UTC)", "words"]
    headers.append("last error")
    empty = f"no {status} alerts" if status else "no alerts yet"
    click.echo(table(shown, headers, empty=empty, shorten={"words": "end", "last error": "end"}))
    if rows:
        click.echo(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _raised_by(row: dict) -> str:
    """The rule or story behind an alert; a health alert says so. A story's alert has no rule,
    and its story is named when the listing's row carries it."""
    if row["rule"]:
        return row["rule"]
    if row.get("story"):
        return f"story {row['story']}"
    return "a story" if row["kind"] == "change" else row["kind"]


def _masking(ctx: click.Context) -> Callable[[str], str]:
    """The targets' mask, for errors stored before newsmon masked them as it does now; a
    listing still works when the targets do not load."""
    from monitor.notify.targets import load_targets, mask

    with contextlib.suppress(NewsmonError):  # what was learned before a failure still masks
        load_targets(config_of(ctx).notify.apprise_config, os.environ)
    return mask


@alerts.command("retry", short_help="Queue dead alerts (or one) again.")
@click.argument("alert_id", type=int, required=False)
@click.option("--dead", "all_dead", is_flag=True, help="Every dead alert.")
@click.option("--again", is_flag=True, help="Send an alert that was sent already once more.")
@click.pass_context
def alerts_retry(ctx: click.Context, alert_id: int | None, all_dead: bool, again: bool) -> None:
    """Put a dead (or any) alert back in the queue with a fresh attempt count. An alert that
    was sent goes out again only with --again; no dead alerts is no error (for cron).

    Example: newsmon alerts retry --dead
    """
    from monitor.clock import now
    from monitor.store import outbox

    if alert_id is None and not all_dead:
        raise click.UsageError("give an alert id or --dead")
    db = store_of(ctx)
    fields = {"status": "pending", "attempts": 0, "last_error": None, "not_before": now()}
    if not all_dead:
        row = _alert(db, alert_id)
        if row["status"] == "sent" and not again:
            raise NewsmonError(
                f"alert {alert_id} was sent already; to send it once more: "
                f"newsmon alerts retry {alert_id} --again"
            )
        if row["status"] == "sent":
            fields["delivered_to"] = "[]"  # every target gets it again
    ids = outbox.requeue(db, None if all_dead else alert_id, fields)
    if not ids:
        click.echo("no dead alerts to retry")
        return
    click.echo(f"{counted(len(ids), 'alert')} queued again; they go out with the next dispatch")


def _alert(db, alert_id: int) -> dict:
    """One alert's listing row; an unknown id is an error."""
    from monitor.store import outbox

    row = outbox.listed_alert(db, alert_id)
    if row is None:
        raise NewsmonError(f"no alert {alert_id}; list them with: newsmon alerts")
    return row
