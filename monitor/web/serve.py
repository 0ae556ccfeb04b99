"""`newsmon serve`: Datasette over the store, with newsmon's metadata and plugin, read-only.

The same thing `datasette serve` does, with the choices made for newsmon: loopback only by
default, the metadata of deploy/datasette.yml applied to whatever the database file is
called, time and row limits, and a refusal to start over a file that is not there (Datasette
would create nothing, but a typo in a path should say so, not serve an empty page).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from monitor.errors import NewsmonError

# deploy/ beside the package: there in a checkout and in an editable install. A regular
# install has no deploy/ and gets its metadata from /etc/newsmon (see deploy/install.sh).
DEFAULT_METADATA = Path(__file__).resolve().parents[2] / "deploy" / "datasette.yml"
# The database name deploy/datasette.yml is written for: data/monitor.db.
METADATA_DATABASE = "monitor"
# From the unit that ran `datasette serve` before this command: a query that runs away
# stops after 3 s, a page holds at most 1,000 rows, facets give up after 0.5 s.
# A version's body is thousands of characters: on a table page one row would fill the screen.
# The row's own page, JSON and CSV keep the whole text.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 1000,
    "facet_time_limit_ms": 500,
    "truncate_cells_html": 300,
}


class ServeError(NewsmonError):
    """Datasette cannot be started over this database or with this metadata."""


def load_metadata(path: Path | None, database: str) -> dict[str, Any]:
    """The metadata file as a dict, its "monitor" database block renamed to `database`."""
    import yaml  # Datasette's own metadata parser; YAML is also a superset of JSON

    if path is None:
        return {}
    try:
        metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ServeError(f"{path}: cannot read the Datasette metadata ({exc})") from None
    except yaml.YAMLError as exc:
        raise ServeError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(metadata, dict):
        raise ServeError(f"{path}: Datasette metadata must be a mapping at the top level")
    databases = metadata.get("databases") or {}
    if METADATA_DATABASE in databases and database not in databases:
        # Datasette names a database after its file; the queries are newsmon's whatever
        # the file is called (data/sample.db, data/demo.db …).
        databases = dict(databases)
        databases[database] = databases.pop(METADATA_DATABASE)
        metadata = {**metadata, "databases": databases}
    return metadata


def build(db_path: Path, metadata_path: Path | None, settings: dict[str, Any] | None = None) -> Any:
    """A Datasette instance over the store, started (plugins' startup hooks have run)."""
    from datasette.app import Datasette
    from datasette.utils import StartupError

    if not db_path.is_file():
        raise ServeError(
            f"{db_path}: no such database; run `newsmon crawl` first, or pass --db PATH"
        )
    metadata = load_metadata(metadata_path, db_path.stem)
    try:
        ds = Datasette(
            [str(db_path)],
            metadata=metadata,
            settings={**SETTINGS, **(settings or {})},
            cors=False,
        )
        asyncio.run(ds.invoke_startup())
    except StartupError as exc:
        raise ServeError(f"Datasette refused to start: {exc}") from None
    return ds


def _metadata_path(option: Path | None) -> Path | None:
    if option is not None:
        if not option.is_file():
            raise ServeError(f"{option}: no such metadata file")
        return option
    return DEFAULT_METADATA if DEFAULT_METADATA.is_file() else None


def _settings(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    from datasette.app import DEFAULT_SETTINGS

    settings: dict[str, Any] = {}
    for name, value in pairs:
        if name not in DEFAULT_SETTINGS:
            known = ", ".join(sorted(DEFAULT_SETTINGS))
            raise ServeError(f"--setting {name}: not a Datasette setting (known: {known})")
        default = DEFAULT_SETTINGS[name]
        try:
            if isinstance(default, bool):
                settings[name] = value.lower() in ("1", "true", "on", "yes")
            elif isinstance(default, int):
                settings[name] = int(value)
            else:
                settings[name] = value
        except ValueError:
            raise ServeError(f"--setting {name}: {value!r} is not a number") from None
    return settings


@click.command(short_help="Browse the database in Datasette.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Datasette metadata (default: deploy/datasette.yml of this checkout).",
)
@click.option(
    "--setting",
    "settings",
    type=(str, str),
    multiple=True,
    metavar="NAME VALUE",
    help="A Datasette setting, e.g. --setting sql_time_limit_ms 5000 (repeatable).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    metadata_path: Path | None,
    settings: tuple[tuple[str, str], ...],
) -> None:
    """Serve the database with Datasette, read-only: timelines, story overview, canned queries.

    Binds to 127.0.0.1 unless --host says otherwise; reach it from elsewhere through an SSH
    tunnel. Alert messages link to it when [notify] datasette_url is set.

    Example: newsmon serve --port 8001
    """
    import uvicorn

    # --db alone is enough: the Datasette unit runs without the monitor's config file.
    db_path = ctx.obj["db_path"]
    if db_path is None:
        from monitor.config import load_config

        db_path = load_config(ctx.obj["config_path"]).database
    metadata = _metadata_path(metadata_path)
    ds = build(Path(db_path), metadata, _settings(settings))
    click.echo(
        f"newsmon: Datasette over {db_path} with metadata {metadata or '(none)'} "
        f"on http://{host}:{port}/",
        err=True,
    )
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
