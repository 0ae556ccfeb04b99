"""newsmon's Datasette plugin: the story's changes as tracked changes, one click from any alert.

Registered through the `datasette` entry point in pyproject.toml, so installing newsmon
is enough: `datasette serve data/monitor.db` (or `newsmon serve`) loads it. It adds:

- `/`: newsmon's front page (monitor.web.front): the stories and their newest events, the
  latest edits as tracked changes, alerts waiting or dead, sources with problems, the way in
  to the tables and SQL;
- readable tables: `changes.ops` as a readable diff (<del>/<ins>, unchanged text shortened),
  `version_rows.raw_html` as its size with a link to the page as plain text, never the blob;
  `versions` without its hashes, `changes` with version numbers (1 → 2), JSON lists as words
  (categories as "headline changed", an alert's matched words), drop-downs for a canned
  query's parameters with known values;
- `.json` of newsmon's database (tables, rows, queries, every `_shape`): a BLOB cell is
  `{"$blob": <download URL>, "bytes": <size>}` instead of Datasette's base64 of it, the
  way Datasette's CSV already gives the download URL. A stored page is 10-100 kB
  compressed; a page of 100 versions must not become megabytes of base64. Whoever wants
  the page asks for it: that `.blob` URL (the stored zlib bytes), or
  `/-/newsmon/raw/<version id>` (the page as plain text);
  a `timeline` column of a canned query, an article's headline and every `article_id`
  link to the article's timeline; a canned query's `story` links to the story's page and
  its `event` (beside a `story`) to that event on it;
- `/-/newsmon/article/<id>`: every version of one article in order, the change between
  each pair, the alerts each change caused, a chart of when it changed, a link to the
  article on its outlet;
- `/-/newsmon/story`: changes per outlet per day, as a chart and a table, of every article
  or of one rule's (these pages are monitor.web.pages);
- `/-/newsmon/stories`: the configured stories the store has members of;
  `/-/newsmon/stories/<name>`: one story's events, newest first, each with its outlets in the
  order they reported, their roles (first, agency copy, rewrite) and their edits since, then
  its members in no event yet, and its changes per outlet per day;
  `/-/newsmon/stories/<name>.atom`: its new articles and edits as an Atom feed
  (monitor.web.story_pages);
- read-only: every request but GET, HEAD and OPTIONS is answered 405 before Datasette sees
  it, write actions are refused, and a canned query that writes stops start-up.

Settings, under `plugins: newsmon:` in the metadata: `database`, the name of newsmon's
database (default: the first attached one with `changes` and `versions` tables), and
`read_only` (default true; false lets other plugins' POST forms, such as a login, through).
"""

from __future__ import annotations

import hashlib
import inspect
import sqlite3
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils import (
    StartupError,
    call_with_supported_arguments,
    path_from_row_pks,
    path_with_format,
)
from datasette.utils.asgi import Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from markupsafe import Markup, escape

from monitor.diff.core import Diff
from monitor.diff.tracked import CELL, diff_html
from monitor.errors import StoreError
from monitor.store import views as store_views
from monitor.store.versions import version_place
from monitor.web import front, story_pages
from monitor.web.pages import (
    PREFIX,
    article_page,
    find_database,
    raw_page,
    story_page,
    story_path,
    stylesheet,
    when,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Templates that replace Datasette's own (its front page gets a link to the stories); a
# --template-dir of the user's still wins over them.
OVERRIDES = TEMPLATES / "overrides"

# Datasette 1.0's write actions; 0.65 has none of them, so refusing them costs nothing today
# and keeps the view read-only if the pin moves to 1.x (pyproject allows datasette < 2).
WRITE_ACTIONS = frozenset(
    {
        "insert-row",
        "delete-row",
        "update-row",
        "upsert-row",
        "create-table",
        "alter-table",
        "drop-table",
    }
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The longest string or blob a served query may make or read. Datasette's time limit checks
# between SQLite's steps, and one step of `zeroblob(9e8)` or `hex()` of a big blob allocates
# the whole value: seconds and gigabytes. A stored page is 10-100 kB compressed.
MAX_VALUE_BYTES = 50 * 2**20


# --- hooks ----------------------------------------------------------------------------------


@hookimpl
def prepare_jinja2_environment(env: Environment, datasette: Any) -> None:
    # Datasette finds a plugin's templates/ only when the plugin is a package; this one is a
    # module of the newsmon package, so its templates are added to the loader here.
    # Datasette 0.65 has no hook for the front page's content (1.0's top_homepage), so its
    # index.html is extended by ours, which comes before Datasette's templates but after the
    # user's --template-dir.
    mine = [FileSystemLoader(str(OVERRIDES)), env.loader, FileSystemLoader(str(TEMPLATES))]
    template_dir = getattr(datasette, "template_dir", None)
    env.loader = ChoiceLoader(([FileSystemLoader(template_dir)] if template_dir else []) + mine)


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    # Every connection Datasette serves: a bigger value fails at once, "string or blob too big".
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)


@hookimpl
def startup(datasette: Any) -> None:
    # Canned queries may write in Datasette ("write: true"); newsmon's view never does.
    for name, database in (datasette.metadata("databases") or {}).items():
        for query, spec in ((database or {}).get("queries") or {}).items():
            if isinstance(spec, dict) and spec.get("write"):
                raise StartupError(
                    f"canned query {name}/{query} has write: true; newsmon's Datasette is "
                    "read-only, remove it from the metadata"
                )


@hookimpl
def permission_allowed(datasette: Any, actor: Any, action: str, resource: Any) -> Any:
    if action in WRITE_ACTIONS:
        return False
    if action == "view-query" and resource:

        async def inner() -> bool | None:
            # Also canned queries from other plugins' canned_queries hooks, which start-up
            # cannot see: one that writes is not shown and cannot be run.
            query = await datasette.get_canned_query(resource[0], resource[1], actor)
            return False if query and query.get("write") else None

        return inner
    return None


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        enforced = (datasette.plugin_config("newsmon") or {}).get("read_only", True)

        async def read_only(scope: dict, receive: Any, send: Any) -> None:
            # One gate for every way in (table inserts, canned-query POSTs, plugins' forms):
            # Datasette 0.65 answers some of those with a 500 rather than a refusal.
            if scope["type"] == "http" and scope["path"].endswith(tuple(front.HIDDEN)):
                scope = await _hide_columns(datasette, scope)
            if enforced and scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
                refusal = Response.text(
                    "newsmon's Datasette is read-only: only GET, HEAD and OPTIONS.\n",
                    status=405,
                    headers={"Allow": ", ".join(sorted(SAFE_METHODS))},
                )
                await refusal.asgi_send(send)
                return
            await app(scope, receive, send)

        return read_only

    return wrap


async def _hide_columns(datasette: Any, scope: dict) -> dict:
    """`versions` without its hashes and stored page, unless the address names columns."""
    found = await find_database(datasette)
    if found is None:
        return scope
    query = scope.get("query_string", b"").decode("latin-1")
    hidden = front.hidden_columns(scope["path"], query, found.name)
    return scope if hidden is None else {**scope, "query_string": hidden.encode("latin-1")}


@hookimpl
def extra_template_vars(template: str, request: Any, datasette: Any) -> Any:
    if template != "index.html":
        return None

    async def inner() -> dict[str, Any]:
        # The front page: newsmon's when its database is here and the actor may see it.
        db = await find_database(datasette)
        actor = request.actor if request else None
        if db is None or not await datasette.permission_allowed(
            actor, "view-database", db.name, default=True
        ):
            return {}
        view = await db.execute_fn(front.load_front)
        return {"nm_front": view, "nm_db": db.name, "nm_when": when, "nm_story": story_path}

    return inner


@hookimpl
def extra_body_script(template: str, database: str | None, datasette: Any) -> Any:
    if not template.startswith("query") or not database:
        return None

    async def inner() -> str:
        # A canned query's parameters with a known set of values become drop-downs.
        db = await find_database(datasette)
        if db is None or db.name != database:
            return ""
        return front.choices_script(await db.execute_fn(store_views.choice_values))

    return inner


# What Datasette hands an output renderer, by name: the one this plugin puts in place of
# Datasette's .json renderer takes them all and hands on whichever that one takes.
RENDERER_ARGUMENTS = (
    *("datasette", "columns", "rows", "sql", "query_name", "database"),
    *("table", "request", "view_name", "args", "data"),
)


@hookimpl
def register_output_renderer(datasette: Any) -> dict[str, Any]:
    # Registered after Datasette's own renderers, so this one answers .json; it hands every
    # request to the renderer it replaces, after swapping newsmon's BLOB cells for links.
    builtin = datasette.renderers["json"][0]

    async def render_json(*values: Any) -> Any:
        given = dict(zip(RENDERER_ARGUMENTS, values, strict=True))
        ds, database, data = given["datasette"], given["database"], given["data"]
        if "rows" in data and await _is_newsmon(ds, database):
            request = given["request"]
            data["rows"] = [_blobs_as_links(ds, request, database, data, r) for r in given["rows"]]
        return call_with_supported_arguments(builtin, **{**given, "rows": data.get("rows") or []})

    # Datasette calls a renderer with the arguments its signature names, in that order.
    render_json.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in RENDERER_ARGUMENTS]
    )
    return {"extension": "json", "render": render_json, "can_render": lambda: True}


def _blobs_as_links(datasette: Any, request: Any, database: str, data: dict, row: Any) -> Any:
    """A row with each BLOB cell as its download link and size, as Datasette's CSV has it."""
    values = list(row)
    if not any(isinstance(v, bytes) for v in values):
        return row
    out = []
    for column, value in zip(data.get("columns") or [], values, strict=False):
        if not isinstance(value, bytes):
            out.append(value)
            continue
        if table := front.blob_table(data, row):
            pks = data.get("primary_keys") or []
            key = str(row["id"]) if table != data["table"] else path_from_row_pks(row, pks, not pks)
            path = datasette.urls.row_blob(database, table, key, column)
        else:  # a query: the link names the value by its hash, as Datasette's own do
            extra = {"_blob_column": column, "_blob_hash": hashlib.sha256(value).hexdigest()}
            path = path_with_format(
                request=request, format="blob", extra_qs=extra, replace_format="json"
            )
        out.append({"$blob": datasette.absolute_url(request, path), "bytes": len(value)})
    return out


async def _is_newsmon(datasette: Any, name: str) -> bool:
    found = await find_database(datasette)
    return found is not None and found.name == name


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    return [
        (rf"^{PREFIX}/article/(?P<article_id>[0-9]{{1,18}})$", article_page),
        (rf"^{PREFIX}/story$", story_page),
        (rf"^{PREFIX}/stories$", story_pages.stories_page),
        (rf"^{PREFIX}/stories/(?P<name>[^/]+)\.atom$", story_pages.feed_page),
        (rf"^{PREFIX}/stories/(?P<name>[^/]+)$", story_pages.story_page),
        (rf"^{PREFIX}/raw/(?P<version_id>[0-9]{{1,18}})$", raw_page),
        (rf"^{PREFIX}/newsmon\.css$", stylesheet),
    ]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    # On every page, so diffs rendered in table cells are styled too.
    return [datasette.urls.path(f"{PREFIX}/newsmon.css")]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": datasette.urls.path(f"{PREFIX}/stories"), "label": "newsmon: stories"},
        {"href": datasette.urls.path(f"{PREFIX}/story"), "label": "newsmon: changes per outlet"},
    ]


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if column == "ops" and table in (None, "changes") and _is_diff_json(value):
        try:
            return Markup(diff_html(Diff.from_json(value), CELL))
        except StoreError:
            return None
    if table == "changes" and column in ("from_version", "to_version"):
        # A foreign key Datasette may have expanded to {"value": id, "label": ...}.
        version_id = value.get("value") if isinstance(value, dict) else value
        if _is_id(version_id):
            return _version_cell(datasette, database, int(version_id))
    if (words := front.readable_cell(column, value, table)) is not None:
        return words
    if column == "raw_html" and isinstance(value, bytes):
        return front.raw_cell(row, value, table, datasette.urls.path(f"{PREFIX}/raw/"))
    if column == "timeline" and table is None and _is_id(value):
        return _timeline_link(datasette, int(value))
    if table is None and column in ("story", "event"):
        return _story_link(datasette, row, column, value)
    if column == "article_id" and isinstance(value, dict) and _is_id(value.get("value")):
        # A foreign key Datasette expanded to the article's headline: keep its link to the
        # row, add one to the timeline.
        article_id = int(value["value"])
        row_url = datasette.urls.row(database, "articles", str(article_id))
        shown = value.get("label") or article_id
        return Markup(
            f'<a href="{escape(row_url)}">{escape(shown)}</a> '
            f"{_timeline_link(datasette, article_id)}"
        )
    if table == "articles" and column == "headline" and front.has_column(row, "id"):
        return Markup(f"{escape(value or '')} {_timeline_link(datasette, row['id'])}")
    return None


def _version_cell(datasette: Any, database: str, version_id: int) -> Any:
    async def inner() -> Markup:
        # One lookup per cell (a version by its key, its change among its article's): a page
        # of 100 changes costs 200 of them.
        place = await datasette.get_database(database).execute_fn(
            lambda conn: version_place(conn, version_id)
        )
        timeline = datasette.urls.path(f"{PREFIX}/article/{place.article_id}") if place else ""
        return front.version_cell(place, version_id, timeline)

    return inner


def _is_diff_json(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{") and '"ops"' in value


def _is_id(value: Any) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _timeline_link(datasette: Any, article_id: int) -> Markup:
    url = datasette.urls.path(f"{PREFIX}/article/{int(article_id)}")
    return Markup(f'<a class="nm-timeline-link" href="{escape(url)}">timeline</a>')


def _story_link(datasette: Any, row: Any, column: str, value: Any) -> Markup | None:
    """A canned query's story name as a link to its page, its event id to the event there."""
    story = row["story"] if front.has_column(row, "story") else None
    if not isinstance(story, str) or not story:
        return None
    url = datasette.urls.path(story_path(story))
    if column == "story":
        return Markup(f'<a href="{escape(url)}">{escape(story)}</a>')
    if not _is_id(value):
        return None
    return Markup(f'<a href="{escape(url)}#event-{int(value)}">{int(value)}</a>')
