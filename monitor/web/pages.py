"""newsmon's pages in Datasette: an article's timeline, the changes overview, a stored page
as plain text, and the stylesheet (the story pages and feeds: monitor.web.story_pages). Routed
by monitor.web.plugin's register_routes; what they show is built by monitor.web.views from
what monitor.store.views reads.
"""

from __future__ import annotations

import zlib
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from monitor.store import views as store_views
from monitor.web.stories import ROLE_LABELS
from monitor.web.views import load_article, load_story, parse_time

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/-/newsmon"
# A stored page larger than this is cut when shown as text: the limit of a sane news page.
RAW_LIMIT = 20 * 1024 * 1024

# Our pages load nothing from elsewhere: a page-derived string that slipped through as
# markup still could not fetch or post anywhere. Inline script and style stay allowed
# because Datasette's base template uses both. No referrer: an outlet whose link is
# followed does not learn the address of this Datasette.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def story_path(name: str) -> str:
    """A story's page, its name percent-encoded (a name may hold any character)."""
    return f"{PREFIX}/stories/{quote(name, safe='')}"


async def find_database(datasette: Any) -> Any:
    """newsmon's database: the one the settings name, else the first with its tables."""
    name = (datasette.plugin_config("newsmon") or {}).get("database")
    if name:
        return datasette.databases.get(name)
    for db in datasette.databases.values():
        if db.is_memory or db.name == "_internal":
            continue
        # `versions` is a view over version_rows since the paragraphs are stored once.
        versions = await db.table_exists("versions") or "versions" in await db.view_names()
        if versions and await db.table_exists("changes"):
            return db
    return None


async def database(datasette: Any, request: Any) -> Any:
    """newsmon's database, after checking the actor may see it."""
    found = await find_database(datasette)
    if found is None:
        raise NotFound("No newsmon database is attached (one with changes and versions tables).")
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (found.name, "articles")), ("view-database", found.name), "view-instance"],
    )
    return found


def when(value: str | None) -> str:
    """A stored ISO time as people read it, in UTC: "24 Nov 2026 14:05"."""
    moment = parse_time(value)
    # Outlets publish with their own offset (+01:00); the pages say UTC, so convert.
    return moment.astimezone(UTC).strftime("%d %b %Y %H:%M") if moment else (value or "")


def only_get(request: Any) -> Response | None:
    # Our pages only read, also when `read_only: false` turns the gate in asgi_wrapper off.
    if request.method in ("GET", "HEAD"):
        return None
    return Response.text("read-only: only GET", status=405, headers={"Allow": "GET, HEAD"})


async def article_page(datasette: Any, request: Any) -> Response:
    if refused := only_get(request):
        return refused
    article_id = int(request.url_vars["article_id"])
    before = _whole_number(request.args.get("before"))
    db = await database(datasette, request)
    view = await db.execute_fn(lambda conn: load_article(conn, article_id, before))
    if view is None:
        raise NotFound(f"No article {article_id} in {db.name}.")
    history = (
        datasette.urls.database(db.name) + "/article_history?" + urlencode({"article": article_id})
    )
    # Safe HTML built by monitor.diff.tracked and monitor.web.charts, which escape all page text.
    for event in view.events:
        event.diff = Markup(event.diff)
    context = {
        "article": view,
        "chart": Markup(view.chart),
        "outlet": urlsplit(view.link).hostname if view.link else "",
        "row_url": datasette.urls.row(db.name, "articles", str(article_id)),
        "history_url": history if _has_query(datasette, db.name, "article_history") else "",
        "raw_url": lambda version_id: datasette.urls.path(f"{PREFIX}/raw/{int(version_id)}"),
        "version_url": lambda version_id: datasette.urls.row(
            db.name, "version_rows", str(version_id)
        ),
        "story_url": datasette.urls.path(f"{PREFIX}/story"),
        "roles": ROLE_LABELS,
        "story_page_url": lambda name: datasette.urls.path(story_path(name)),
        "when": when,
        **_page_links(datasette.urls.path(f"{PREFIX}/article/{article_id}"), view),
    }
    html = await datasette.render_template("newsmon_article.html", context, request=request)
    return Response.html(html, headers=PAGE_HEADERS)


def _whole_number(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _page_links(path: str, view: Any) -> dict[str, str]:
    """The links to the timeline's older and newer changes ("" where there are none)."""
    page = view.page
    older = f"{path}?{urlencode({'before': page.older})}" if page.older else ""
    newer = ""
    if page.has_newer:
        newer = f"{path}?{urlencode({'before': page.newer})}" if page.newer else path
    return {"older_url": older, "newer_url": newer}


def _has_query(datasette: Any, database: str, name: str) -> bool:
    return name in (datasette.metadata("queries", database=database) or {})


async def story_page(datasette: Any, request: Any) -> Response:
    if refused := only_get(request):
        return refused
    db = await database(datasette, request)
    try:
        days = int(request.args["days"]) if request.args.get("days") else None
    except ValueError:
        days = None
    rule = (request.args.get("rule") or "").strip()
    story = await db.execute_fn(lambda conn: load_story(conn, days, rule))
    context = {
        "story": story,
        "chart": Markup(story.chart),
        "timeline_url": lambda article_id: datasette.urls.path(
            f"{PREFIX}/article/{int(article_id)}"
        ),
        "stories_url": datasette.urls.path(f"{PREFIX}/stories"),
        "when": when,
    }
    html = await datasette.render_template("newsmon_story.html", context, request=request)
    return Response.html(html, headers=PAGE_HEADERS)


async def raw_page(datasette: Any, request: Any) -> Response:
    """A stored page as plain text: readable, and inert (no outlet markup runs here)."""
    if refused := only_get(request):
        return refused
    version_id = int(request.url_vars["version_id"])
    db = await database(datasette, request)
    stored = await db.execute_fn(lambda conn: store_views.raw_page(conn, version_id))
    if stored is None:
        raise NotFound(f"No stored page for version {version_id} (pruned, or no such version).")
    try:
        body = zlib.decompressobj().decompress(stored, RAW_LIMIT)
    except zlib.error:
        return Response.text(f"version {version_id}: the stored page is damaged", status=500)
    headers = {**PAGE_HEADERS, "Content-Security-Policy": "sandbox; default-src 'none'"}
    return Response(body, headers=headers, content_type="text/plain; charset=utf-8")


_CSS: dict[str, str] = {}


async def stylesheet(datasette: Any, request: Any) -> Response:
    if "css" not in _CSS:
        _CSS["css"] = (STATIC / "newsmon.css").read_text(encoding="utf-8")
    headers = {"Cache-Control": "max-age=300"}
    return Response(_CSS["css"], content_type="text/css; charset=utf-8", headers=headers)
