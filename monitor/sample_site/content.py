"""The sample site's content: article files loaded into dataclasses, the video-teaser pool,
and the mutable state the script edits.

Everything is read from disk once, when a site is built; the server never touches a file
while answering, so benchmarks measure the crawler and not this module.
"""

from __future__ import annotations

import copy
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
ARTICLES_DIR = HERE / "articles"
TEASERS_FILE = HERE / "teasers.toml"

OUTLETS = ("zdf", "tagesschau", "world")
LANGS = ("de", "en")
TOPICS = ("ukraine", "other")
BLOCK_TYPES = ("p", "h2", "quote")

_REQUIRED = {
    "slug": str,
    "outlet": str,
    "lang": str,
    "section": str,
    "topic": str,
    "kicker": str,
    "headline": str,
    "lead": str,
    "byline": str,
    "published": str,
    "caption": str,
    "source_line": str,
    "blocks": list,
}


@dataclass
class Block:
    """One body element: a paragraph, a subheading or a quote box (quote plus speaker line)."""

    type: str
    text: str
    speaker: str = ""


@dataclass
class ArticleDoc:
    """One article as the site holds it: the file's fields plus what the script changes."""

    slug: str
    outlet: str
    lang: str
    section: str
    topic: str
    kicker: str
    headline: str
    lead: str
    byline: str
    published: datetime
    caption: str
    source_line: str
    blocks: list[Block]
    path: str
    modified: datetime
    corrections: list[str] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        """The text of the body's plain paragraphs, in order."""
        return [b.text for b in self.blocks if b.type == "p"]


@dataclass(frozen=True)
class Teaser:
    """An embedded video teaser: noise around the article that churns between requests."""

    title: str
    description: str
    day: date
    duration: str  # "m:ss"


def article_path(outlet: str, section: str, slug: str) -> str:
    """The URL path of an article, in the shape of its outlet."""
    if outlet == "world":
        return f"/world/{section}/{slug}"
    return f"/{outlet}/{section}/{slug}-100.html"


def _parse_time(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{where}: 'published' is not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"{where}: 'published' needs a UTC offset: {value!r}")
    return parsed


def parse_article(data: dict, where: str) -> ArticleDoc:
    """Validate one article file's table and build the article; every problem names the file."""
    problems = [f"missing key {k!r}" for k in _REQUIRED if k not in data]
    problems += [f"unknown key {k!r}" for k in data if k not in _REQUIRED]
    problems += [
        f"{k!r} should be a {t.__name__}"
        for k, t in _REQUIRED.items()
        if k in data and not isinstance(data[k], t)
    ]
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
    for key, allowed in (("outlet", OUTLETS), ("lang", LANGS), ("topic", TOPICS)):
        if data[key] not in allowed:
            raise ValueError(f"{where}: {key} {data[key]!r} is not one of {', '.join(allowed)}")
    blocks = []
    for i, raw in enumerate(data["blocks"]):
        kind = raw.get("type")
        if kind not in BLOCK_TYPES or not raw.get("text"):
            raise ValueError(f"{where}: blocks[{i}] needs type in {BLOCK_TYPES} and a text")
        if kind == "quote" and not raw.get("speaker"):
            raise ValueError(f"{where}: blocks[{i}] is a quote without a speaker")
        blocks.append(Block(kind, raw["text"], raw.get("speaker", "")))
    published = _parse_time(data["published"], where)
    section = data["section"].strip("/")
    texts = {k: data[k] for k in _REQUIRED if k not in ("section", "published", "blocks")}
    return ArticleDoc(
        **texts,
        section=section,
        published=published,
        blocks=blocks,
        path=article_path(data["outlet"], section, data["slug"]),
        modified=published,
    )


def load_articles(directory: Path = ARTICLES_DIR) -> list[ArticleDoc]:
    """All article files in `directory`, oldest first; duplicate slugs or paths are an error."""
    docs: list[ArticleDoc] = []
    seen: dict[str, str] = {}
    for file in sorted(directory.glob("*.toml")):
        with file.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{file}: {exc}") from exc
        doc = parse_article(data, str(file))
        for key in (doc.slug, doc.path):
            if key in seen:
                raise ValueError(f"{file}: {key!r} is already used by {seen[key]}")
            seen[key] = file.name
        docs.append(doc)
    docs.sort(key=lambda d: (d.published, d.path))
    return docs


def load_teasers(file: Path = TEASERS_FILE) -> list[Teaser]:
    """The video-teaser pool, in file order."""
    with file.open("rb") as fh:
        data = tomllib.load(fh)
    return [
        Teaser(t["title"], t["description"], date.fromisoformat(t["date"]), t["duration"])
        for t in data["teaser"]
    ]


# A page that robots.txt forbids. It is a full article page so a crawler that ignores robots
# would happily extract it, which is what a test needs to notice.
SECRET = ArticleDoc(
    slug="secret",
    outlet="zdf",
    lang="de",
    section="private",
    topic="ukraine",
    kicker="Nur intern",
    headline="Diese Seite darf kein Crawler abrufen",
    lead="Die robots.txt der Beispielseite sperrt diesen Pfad. Wer ihn trotzdem lädt, hält sich "
    "nicht an die Regeln.",
    byline="Redaktion Beispielseite",
    published=datetime(2026, 11, 19, 12, 0, tzinfo=UTC),
    caption="Ein verschlossenes Tor, aufgenommen am 19.11.2026 in Mainz",
    source_line="Quelle: Beispielseite",
    blocks=[
        Block(
            "p",
            "Dieser Text existiert nur, damit ein Test prüfen kann, dass gesperrte Pfade "
            "niemals abgerufen werden.",
        ),
        Block("p", "Ein Crawler, der robots.txt beachtet, sieht diese Zeilen nie."),
    ],
    path="/private/secret-100.html",
    modified=datetime(2026, 11, 19, 12, 0, tzinfo=UTC),
)


class SiteState:
    """What one running site shows right now. The script mutates it; the server reads it.

    Mutations hold `lock` and bump `version`, so the server can cache renderings per version.
    """

    def __init__(
        self,
        articles: list[ArticleDoc],
        teasers: list[Teaser],
        hidden: set[str] = frozenset(),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        # Deep copies: several sites in one process must never share a mutable article.
        self.articles: dict[str, ArticleDoc] = {d.path: copy.deepcopy(d) for d in articles}
        self.teasers: list[Teaser] = list(teasers)
        self.teaser_offset = 0
        self.hidden: set[str] = set(hidden)
        self.status: dict[str, int] = {}
        self.liveblogs: dict = {}  # path -> liveblogs.LiveBlog, set by the server
        self.lock = threading.RLock()
        self.version = 0
        self._clock = clock or (lambda: datetime.now(UTC))
        newest = max((d.modified for d in articles), default=datetime(2026, 11, 1, tzinfo=UTC))
        self.last_change = newest.astimezone(UTC).replace(microsecond=0)
        missing = self.hidden - self.articles.keys()
        if missing:
            raise ValueError(f"held-back articles not found: {sorted(missing)}")

    def tick(self) -> datetime:
        """The time of a new change: now, but always at least a second after the last change,
        so Last-Modified strictly increases even when steps follow each other quickly."""
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        self.last_change = max(now, self.last_change + timedelta(seconds=1))
        return self.last_change

    def article(self, path: str) -> ArticleDoc:
        try:
            return self.articles[path]
        except KeyError:
            raise KeyError(f"no article at {path}") from None

    def status_of(self, path: str) -> int:
        """200 for a live article, 404 for one not yet published or taken down, 410 for gone."""
        if path in self.hidden:
            return 404
        return self.status.get(path, 200)

    def visible(self, outlet: str | None = None) -> list[ArticleDoc]:
        """Live articles, newest first, the order feeds and section pages list them in."""
        docs = [
            d
            for p, d in self.articles.items()
            if self.status_of(p) == 200 and (outlet is None or d.outlet == outlet)
        ]
        docs.sort(key=lambda d: (d.published, d.path), reverse=True)
        return docs

    def outlet_modified(self, outlet: str) -> datetime:
        """When anything an outlet's feeds list last changed. Taken-down articles count: the
        takedown bumped their time, and the feed lost an item then."""
        times = [
            d.modified
            for p, d in self.articles.items()
            if d.outlet == outlet and p not in self.hidden
        ]
        return max(times, default=self.last_change)

    def related(self, doc: ArticleDoc, limit: int = 3) -> list[ArticleDoc]:
        """Other live articles of the same outlet and topic, for "Mehr zum Thema" boxes."""
        return [d for d in self.visible(doc.outlet) if d.path != doc.path and d.topic == doc.topic][
            :limit
        ]
