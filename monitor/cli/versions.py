"""`newsmon diff`: an article's headline, the two versions compared and when each was seen,
and the word diff between them."""

from __future__ import annotations

from datetime import UTC

from sqlite_utils import Database

from monitor import clock, store
from monitor.cli.context import check_article
from monitor.errors import NewsmonError
from monitor.store import reads


def article_row(db: Database, article: str) -> dict:
    """The article an id or URL names; an error naming the stored ids when there is none."""
    row = reads.article(db, int(article)) if article.isdigit() else None
    row = row or store.lookup(db, article)  # a URL, or no article has that id
    if row is None:
        if article.isdigit():
            check_article(db, int(article))
        raise NewsmonError(f"no article with the URL {article!r}; list them with: newsmon articles")
    return row


def diff_text(db: Database, row: dict, numbers: tuple[int | None, int | None], color: bool) -> str:
    """What `newsmon diff` prints for versions `numbers` (from, to; None: the usual ones)."""
    from monitor.diff.core import diff_articles
    from monitor.diff.terminal import render_terminal

    versions = {v["number"]: v for v in reads.versions_of(db, row["id"])}
    head = f"{row['headline'] or '(no headline)'}\n{row['url']}"
    if len(versions) == 1:
        only = next(iter(versions.values()))
        return (
            f"{head}\nonly one version, seen {_when(only)}: nothing to compare yet "
            "(a change shows up here once a check finds one)"
        )
    to_number = numbers[1] or max(versions)
    from_number = numbers[0] or max(to_number - 1, 1)
    for number in (from_number, to_number):
        if number not in versions:
            raise NewsmonError(
                f"article {row['id']} has versions 1 to {max(versions)}, not {number}"
            )
    old, new = versions[from_number], versions[to_number]
    lines = [
        head,
        f"version {from_number} (seen {_when(old)}) → version {to_number} (seen {_when(new)})",
    ]
    result = diff_articles(store.version_article(old), store.version_article(new))
    if result.is_empty():
        lines.append("(no difference in the article text)")
    else:
        lines.append(render_terminal(result, color=color))
    return "\n".join(lines)


def _when(version: dict) -> str:
    moment = clock.parse_time(version["fetched_at"])
    if moment is None:
        return str(version["fetched_at"])
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
