"""What the sample site answers for each path of its pages, as plain Response values.

Pages are rendered once per state version and cached; only ZDF-like pages are filled per
request (nonce, relative time, teaser churn). The fault URLs and the faults set on demand
are answered by faults.py, which falls back on these routes.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from monitor.sample_site import render
from monitor.sample_site.content import OUTLETS, SECRET, ArticleDoc, SiteState
from monitor.sample_site.feeds import atom, items_for, news_sitemap, robots, rss
from monitor.sample_site.liveblogs import LiveBlog, render_ts_ticker, render_zdf_liveblog
from monitor.sample_site.render import (
    TS_ATOM,
    TS_RSS,
    WORLD_RSS,
    ZDF_FEED,
    ZDF_LIVEBLOG,
    ZDF_SITEMAP,
)
from monitor.sample_site.response import HTML, Response, etag_of, stable
from monitor.sample_site.script import Step
from monitor.sample_site.zdf_page import Template, relative_time, render_zdf, render_zdf_teaser

# Feeds and sitemap of the outlets: path -> (outlet, kind, title, language).
FEEDS = {
    ZDF_FEED: ("zdf", "rss", "ZDFheute Nachrichten", "de"),
    ZDF_SITEMAP: ("zdf", "sitemap", "ZDFheute", "de"),
    TS_RSS: ("tagesschau", "rss", "tagesschau.de - Nachrichten", "de"),
    TS_ATOM: ("tagesschau", "atom", "tagesschau.de - Nachrichten", "de"),
    WORLD_RSS: ("world", "rss", "World Report", "en-gb"),
}
_CONTENT_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "sitemap": "application/xml",
}
_LABELS = {"rss": "RSS feed", "atom": "Atom feed", "sitemap": "News sitemap"}
# Last-Modified of things that never change (robots.txt, static pages, the faults).
EPOCH = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
_STYLE = b"body{font-family:sans-serif;max-width:46rem;margin:auto;padding:1rem;line-height:1.5}"
T = TypeVar("T")


class Site(Protocol):
    """What the routes (and the faults) read of the site they answer for: a `SampleSite`."""

    state: SiteState
    deploy: str
    salt: str
    garbage: bytes
    port: int
    step_index: int
    steps: list[Step]

    @property
    def base_url(self) -> str: ...

    def next_request_number(self) -> int: ...

    def published_paths(self, outlet: str | None = None) -> list[str]: ...


class Router:
    """Maps a path to a Response for one SampleSite, with per-version caches."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.state = site.state
        self._cache: dict[str, tuple[int, object]] = {}

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """`build()`, kept under `key` until the state's next version."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.state.version:
            return hit[1]
        # Rendering holds the state lock so a scripted step can never be seen half-applied.
        with self.state.lock:
            value = build()
            self._cache[key] = (self.state.version, value)
        return value

    # --- ZDF-like pages, filled per request ---------------------------------------------------

    def _teasers(self) -> list[bytes]:
        deploy = self.site.deploy
        return self.cached(
            "#teasers", lambda: [render_zdf_teaser(t, deploy) for t in self.state.teasers]
        )

    def zdf_page(self, doc: ArticleDoc, key: str, **options) -> Response:
        base, deploy = self.site.base_url, self.site.deploy
        template: Template = self.cached(
            key,
            lambda: render_zdf(
                doc, base=base, related=self.state.related(doc), deploy=deploy, **options
            ),
        )
        return self._filled(template, doc.modified)

    def _filled(self, template: Template, modified: datetime) -> Response:
        n = self.site.next_request_number()
        pool = self._teasers()
        rng = random.Random(n * 7919 + self.state.teaser_offset)
        chosen = rng.sample(pool, min(template.teaser_slots, len(pool)))
        nonce = hashlib.blake2b(f"{self.site.salt}:{n}".encode(), digest_size=12).hexdigest()
        body = template.fill(nonce, relative_time(n), chosen)
        # The ETag is the hash of the bytes actually sent, as a CDN would compute it: with
        # churn on every request it practically never matches, which is the point.
        return Response(200, body, HTML, etag_of(body), modified)

    def liveblog(self, blog: LiveBlog) -> Response:
        base, deploy = self.site.base_url, self.site.deploy
        if blog.outlet == "zdf":
            template = self.cached(
                blog.path, lambda: render_zdf_liveblog(blog, base=base, deploy=deploy)
            )
            return self._filled(template, blog.modified)
        return self.cached(
            blog.path, lambda: stable(render_ts_ticker(blog, base=base), HTML, blog.modified)
        )

    def article(self, doc: ArticleDoc) -> Response:
        status = self.state.status_of(doc.path)
        if status != 200:
            return Response(status, render.error_page(status))
        if doc.outlet == "zdf":
            return self.zdf_page(doc, doc.path)
        base = self.site.base_url

        def build() -> Response:
            related = self.state.related(doc)
            if doc.outlet == "tagesschau":
                body = render.render_tagesschau(doc, base=base, related=related)
            else:
                body = render.render_world(doc, base=base, related=related, deploy=self.site.deploy)
            return stable(body, HTML, doc.modified)

        return self.cached(doc.path, build)

    # --- feeds -----------------------------------------------------------------------------------

    def feed(self, path: str) -> Response | None:
        if path not in FEEDS:
            return None
        outlet, kind, title, lang = FEEDS[path]
        base, state = self.site.base_url, self.state

        def build() -> Response:
            items = items_for(state.visible(outlet), base)
            updated = state.outlet_modified(outlet)
            channel = {
                "title": title,
                "home": f"{base}/{outlet}/",
                "lang": lang,
                "self_url": base + path,
                "items": items,
                "updated": updated,
            }
            if kind == "rss":
                body = rss(**channel, description=f"Neueste Artikel von {title} (Beispielseite)")
            elif kind == "atom":
                body = atom(**channel)
            else:
                body = news_sitemap(items, title, lang)
            return stable(body, f"{_CONTENT_TYPES[kind]}; charset=utf-8", updated)

        return self.cached(path, build)

    # --- everything else --------------------------------------------------------------------------

    def section(self, path: str) -> Response | None:
        parts = path.strip("/").split("/")
        outlet, section = parts[0], "/".join(parts[1:])
        if outlet not in OUTLETS:
            return None
        if section and section not in self.cached("#sections", self._sections)[outlet]:
            return None

        def build() -> Response:
            docs = [
                d
                for d in self.state.visible(outlet)
                if not section or d.section == section or d.section.startswith(section + "/")
            ]
            extra = []
            if outlet == "zdf" and section == "politik/ausland":
                extra = [
                    (SECRET.path, f"{SECRET.kicker}: {SECRET.headline}"),
                    (ZDF_LIVEBLOG, "Liveblog: Verhandlungen über die Ukraine"),
                ]
            default = "Home" if outlet == "world" else "Startseite"
            title = section.split("/")[-1].capitalize() if section else default
            body = render.section_page(outlet, title, docs, extra)
            return stable(body, HTML, self.state.outlet_modified(outlet))

        return self.cached("section:" + section + ":" + outlet, build)

    def _sections(self) -> dict[str, set[str]]:
        """Per outlet, every section with a page: navigation targets and article sections
        with all their prefixes ("politik" for "politik/ausland")."""
        known = {o: {u.strip("/").split("/", 1)[-1] for u, _ in render.NAV[o]} for o in OUTLETS}
        for doc in self.state.articles.values():
            pieces = doc.section.split("/")
            known[doc.outlet].update("/".join(pieces[: i + 1]) for i in range(len(pieces)))
        return known

    def index(self) -> Response:
        """The root: per outlet its front page, feeds, sections and live blogs; the script."""
        outlets = []
        for outlet in OUTLETS:
            links = [(f"/{outlet}/", "Front page")]
            links += [(p, _LABELS[f[1]]) for p, f in FEEDS.items() if f[0] == outlet]
            nav = render.NAV[outlet][1:]
            links += [(u, f"Section: {t}") for u, t in nav if u not in render.STATIC_PAGES]
            blogs = [b for b in self.state.liveblogs.values() if b.outlet == outlet]
            links += [(b.path, f"Live blog: {b.headline}") for b in blogs]
            outlets.append((render.SITE_NAMES[outlet], links))
        site = self.site
        done, steps = site.step_index, site.steps
        upcoming = f"next: {steps[done].name}" if done < len(steps) else "the script is finished"
        script = f"{done} of {len(steps)} scripted steps applied; {upcoming}."
        body = render.index_page(outlets, script)
        return Response(200, body, HTML, headers=[("Cache-Control", "no-store")])

    def control_state(self) -> dict:
        site = self.site
        return {
            "step_index": site.step_index,
            "steps_left": len(site.steps) - site.step_index,
            "steps": [s.name for s in site.steps],
            "base_url": site.base_url,
        }

    def get(self, path: str) -> Response:
        """The response for a GET (or HEAD) of `path`, before conditional handling."""
        state = self.state
        if path in state.articles:
            return self.article(state.articles[path])
        if path == "/robots.txt":
            return self.cached(
                path,
                lambda: stable(
                    robots(self.site.base_url, ZDF_SITEMAP),
                    "text/plain; charset=utf-8",
                    EPOCH,
                ),
            )
        found = self.feed(path)
        if found is not None:
            return found
        if path == SECRET.path:
            return self.zdf_page(SECRET, path)
        if path in state.liveblogs:
            return self.liveblog(state.liveblogs[path])
        if path in render.STATIC_PAGES:
            outlet, title, text = render.STATIC_PAGES[path]
            return self.cached(
                path,
                lambda: stable(
                    render.simple_page(outlet, title, f"<p>{render.esc(text)}</p>"), HTML, EPOCH
                ),
            )
        if path == "/":
            return self.index()
        if path == "/_control/state":
            body = json.dumps(self.control_state()).encode()
            return Response(200, body, "application/json", headers=[("Cache-Control", "no-store")])
        if "/_next/static/" in path or "/resources/" in path:
            kind = "text/css" if path.endswith(".css") else "application/javascript"
            return Response(200, _STYLE if path.endswith(".css") else b"", kind)
        return self.section(path) or Response(404, render.error_page(404))
