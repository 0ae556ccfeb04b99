"""The story pages in Datasette: `/-/newsmon/stories` (every story), `/-/newsmon/stories/<name>`
(its events and members) and `/-/newsmon/stories/<name>.atom` (its feed). Routed by
monitor.web.plugin; built by monitor.web.stories and monitor.web.feed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from monitor.store import story_views
from monitor.web.feed import FEED_ENTRIES, story_feed
from monitor.web.pages import PAGE_HEADERS, PREFIX, database, only_get, story_path, when
from monitor.web.stories import load_stories, load_story_page

NAME_LIMIT = 200  # a story's name in a URL: config names are short


def feed_path(name: str) -> str:
    return story_path(name) + ".atom"


def _name(request: Any) -> str:
    # Datasette matches routes on the raw path: the name arrives percent-encoded.
    name = unquote(request.url_vars["name"])
    if not name or len(name) > NAME_LIMIT:
        raise NotFound("No such story.")
    return name


def _urls(datasette: Any) -> dict[str, Any]:
    return {
        "story_url": lambda name: datasette.urls.path(story_path(name)),
        "feed_url": lambda name: datasette.urls.path(feed_path(name)),
        "timeline_url": lambda article_id: datasette.urls.path(
            f"{PREFIX}/article/{int(article_id)}"
        ),
        "stories_url": datasette.urls.path(f"{PREFIX}/stories"),
        "overview_url": datasette.urls.path(f"{PREFIX}/story"),
        "when": when,
    }


async def stories_page(datasette: Any, request: Any) -> Response:
    if refused := only_get(request):
        return refused
    db = await database(datasette, request)
    stories = await db.execute_fn(load_stories)
    context = {"stories": stories, **_urls(datasette)}
    html = await datasette.render_template("newsmon_stories.html", context, request=request)
    return Response.html(html, headers=PAGE_HEADERS)


async def story_page(datasette: Any, request: Any) -> Response:
    if refused := only_get(request):
        return refused
    name = _name(request)
    db = await database(datasette, request)
    page = await db.execute_fn(lambda conn: load_story_page(conn, name))
    if page is None:
        raise NotFound(f"No story {name!r} in {db.name}: no article has joined it yet.")
    context = {"story": page, "chart": Markup(page.chart), **_urls(datasette)}
    html = await datasette.render_template("newsmon_story_page.html", context, request=request)
    return Response.html(html, headers=PAGE_HEADERS)


async def feed_page(datasette: Any, request: Any) -> Response:
    if refused := only_get(request):
        return refused
    name = _name(request)
    db = await database(datasette, request)

    def read(conn: Any) -> list[dict] | None:
        rows = story_views.feed_changes(conn, name, FEED_ENTRIES)
        return rows if rows or story_views.is_story(conn, name) else None

    rows = await db.execute_fn(read)
    if rows is None:
        raise NotFound(f"No story {name!r} in {db.name}.")
    body = story_feed(
        name,
        rows,
        page_url=datasette.absolute_url(request, datasette.urls.path(story_path(name))),
        feed_url=datasette.absolute_url(request, datasette.urls.path(feed_path(name))),
        timeline_url=lambda article_id: datasette.absolute_url(
            request, datasette.urls.path(f"{PREFIX}/article/{int(article_id)}")
        ),
    )
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=60"}
    return Response(body, content_type="application/atom+xml; charset=utf-8", headers=headers)
