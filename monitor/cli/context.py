"""What the `newsmon` commands start from: the config the group's --config and --db name,
and the store it points at. Imported by every command module, importing none of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from monitor.config import Config, load_config

if TYPE_CHECKING:
    from sqlite_utils import Database


def config_of(ctx: click.Context) -> Config:
    """The config of --config (or $NEWSMON_CONFIG), with --db in place of its database."""
    config = load_config(ctx.obj["config_path"])
    if ctx.obj["db_path"]:
        config.database = ctx.obj["db_path"]
    return config


def store_of(ctx: click.Context) -> Database:
    """The database of the config (or --db), opened for the rest of the command."""
    from monitor import store  # on demand: `newsmon --help` need not load the store

    return store.open_db(config_of(ctx).database)
