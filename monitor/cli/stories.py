"""`newsmon stories` and `newsmon stories test`: the stories as stored, and what a story would
make of the stored articles and their changes."""

from __future__ import annotations

import json

import click

from monitor.cli.context import check_article, config_of, store_of
from monitor.cli.table import counted, table, when
from monitor.errors import NewsmonError


@click.group(invoke_without_command=True, short_help="Stories: members, changes, alerts.")
@click.pass_context
def stories(ctx: click.Context) -> None:
    """List each story: its members per outlet, the last change of a member, alerts sent.

    Example: newsmon stories
    """
    if ctx.invoked_subcommand:
        return
    from monitor.store import stories as stored

    config = config_of(ctx)
    db = store_of(ctx)
    if not config.stories:
        click.echo(f"{config.path}: no [[stories]] configured")
    for i, story in enumerate(config.stories):
        if i:
            click.echo()
        counts = stored.story_alert_counts(db, story.name)
        alerts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no alerts yet"
        click.echo(f"{story.name}: {counted(len(story.terms), 'term')}, alerts: {alerts}")
        rows = [
            [r["source"], r["members"], when(r["last_change"]), r["sent"]]
            for r in stored.members_by_source(db, story.name)
        ]
        headers = ["source", "members", "last change (UTC)", "alerts sent"]
        click.echo(table(rows, headers, empty="no members yet"))


@stories.command("test", short_help="Whether articles belong to a story, and why.")
@click.argument("name")
@click.option("--article", "article_id", type=int, help="Only this article.")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every stored article (default: the articles of the last 50 changes).",
)
@click.pass_context
def stories_test(ctx: click.Context, name: str, article_id: int | None, everything: bool) -> None:
    """Show whether stored articles are members of a story and why (score, terms by field,
    threshold), and what each of their changes would send.

    Example: newsmon stories test ukraine-talks --article 12
    """
    from monitor.store import reads

    config = config_of(ctx)
    story = next((s for s in config.stories if s.name == name), None)
    if story is None:
        known = ", ".join(s.name for s in config.stories) or "none"
        raise NewsmonError(f"no story named {name!r} (known: {known})")
    db = store_of(ctx)
    if article_id is not None:
        check_article(db, article_id)
    limit = None if everything or article_id else 50
    changes = reads.changes_newest_first(db, article_id, limit)
    if article_id is not None and not changes:
        raise NewsmonError(f"no changes of article {article_id}; list them with: newsmon articles")
    members = sends = 0
    for article in sorted({c["article_id"] for c in changes}):
        member, sent = _test_article(db, story, article)
        members += member
        sends += sent
    articles = len({c["article_id"] for c in changes})
    click.echo(
        f"{counted(members, 'member')} of {counted(articles, 'article')}; "
        f"{counted(sends, 'change')} would alert"
    )


def _test_article(db, story, article_id: int) -> tuple[bool, int]:
    """Replay one article's changes through the story, oldest first, printing each verdict."""
    from monitor.store import reads
    from monitor.store import stories as stored
    from monitor.stories.alerts import StoredChange, qualify
    from monitor.stories.membership import score

    row = reads.article(db, article_id) or {}
    click.echo(f"article {article_id} ({row.get('source')}): {row.get('headline') or ''}")
    if not story.reads(row.get("source") or ""):
        click.echo(f"  not read: the story reads only {', '.join(story.sources)}")
        return False, 0
    member, sends = False, 0
    for change in reversed(reads.changes_newest_first(db, article_id, None)):
        seen = StoredChange(db, change)
        joined = False
        if not member and (text := seen.text()) is not None:
            verdict = score(story, text)
            joined = member = verdict.member
            click.echo(f"  change {change['id']}: {verdict.why}")
        if not member:
            continue
        sent = qualify(
            story, seen.categories, seen.words, joined, seen.entry_text(), seen.respelt()
        )
        sends += sent.event is not None
        what = f"sends {sent.event} ({sent.why})" if sent.event else f"nothing: {sent.why}"
        stored_alerts = stored.alerts_of_change(db, story.name, change["id"])
        done = ", ".join(f"{a['tag']} {a['status']}" for a in stored_alerts)
        click.echo(
            f"  change {change['id']} ({', '.join(json.loads(change['categories']))}): {what}"
            + (f"; stored: {done}" if done else "")
        )
    membership = stored.member(db, story.name, article_id)
    if membership:
        click.echo(f"  stored: member since change {membership['change_id']}")
    return member, sends
