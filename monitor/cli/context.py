"""What the `newsmon` commands start from: the config the group's --config and --db name,
and the store it points at. Imported by every command module, importing none of them.

Only `run` and `crawl` create a database; every other command reads one, and a path that
names nothing is a typo to report, not an empty database to create.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.config import Config, load_config
from monitor.errors import NewsmonError

if TYPE_CHECKING:
    from sqlite_utils import Database


def config_of(ctx: click.Context) -> Config:
    """The config of --config (or $NEWSMON_CONFIG), with --db in place of its database."""
    config = load_config(ctx.obj["config_path"])
    if ctx.obj["db_path"]:
        config.database = ctx.obj["db_path"]
    return config


def existing_database(path: Path) -> Path:
    """`path`, when a database file is there; else the one-line error a read command gives."""
    if not Path(path).is_file():
        raise NewsmonError(
            f"{path}: no such database; `newsmon crawl` or `newsmon run` creates it "
            "(or pass --db PATH to an existing one)"
        )
    return Path(path)


def store_of(ctx: click.Context) -> Database:
    """The database of the config (or --db), opened for the rest of the command; it must
    exist already."""
    from monitor import store  # on demand: `newsmon --help` need not load the store

    return store.open_db(existing_database(config_of(ctx).database))


def check_source(config: Config, db: Database, name: str) -> None:
    """Refuse a source name that is neither configured nor stored, listing the known ones."""
    from monitor.store import cli_reads

    known = sorted({s.name for s in config.sources} | set(cli_reads.stored_sources(db)))
    if name not in known:
        raise NewsmonError(f"no source named {name!r} (known: {', '.join(known) or 'none'})")


def check_article(db: Database, article_id: int) -> None:
    """Refuse an article id that is not stored, saying which ids are."""
    from monitor.store import cli_reads, reads

    if reads.article(db, article_id) is not None:
        return
    ids = cli_reads.article_ids(db)
    known = f"{ids[0]} stored, ids {ids[1]} to {ids[2]}" if ids else "none stored yet"
    raise NewsmonError(f"no article {article_id} ({known}); list them with: newsmon articles")
