"""A real crawl of the sample site, served by a real `newsmon serve`: shared by the Datasette and
browser tests.

The script: the Geneva ceasefire article gets its headline reworded and then a paragraph
appended (one article, two edits, three versions); the prisoner-exchange article gets a
correction note; the energy-moratorium article is taken down and restored. The appended
paragraph carries markup characters, so every page that shows it proves it escapes page text.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from conftest import SAMPLE_CONFIG, answer, cli_runner, free_port, rows, start_newsmon

from monitor.sample_site import SampleSite, Step
from monitor.sample_site.content import article_path
from monitor.sample_site.script import (
    AUSTAUSCH,
    GENF,
    HEADLINE_NEW,
    HEADLINE_OLD,
    MORATORIUM,
    TRUCE,
    WITKOFF,
    add_correction,
    append_paragraph,
    restore,
    set_field,
    take_down,
)
from monitor.store import open_db

APPENDED = (
    "Am späten Abend teilte die Schweizer Vermittlung mit, die Gespräche über eine Waffenruhe "
    'würden am Montag in Genf fortgesetzt; ein Sprecher nannte das <script>alert("Genf")</script> '
    "& kein Durchbruch."
)
CORRECTION = (
    "In einer früheren Fassung hieß es, der Austausch sei in Istanbul vereinbart worden. "
    "Er wurde in Genf vereinbart."
)
STEPS = [
    Step(
        "headline",
        "The Geneva article's headline is reworded.",
        set_field(GENF, "headline", HEADLINE_OLD, HEADLINE_NEW),
        [(GENF, "headline")],
    ),
    Step(
        "append",
        "A paragraph is appended to the same Geneva article.",
        append_paragraph(GENF, APPENDED),
        [(GENF, "body_added")],
    ),
    Step(
        "correction",
        "A correction note on the prisoner-exchange article.",
        add_correction(AUSTAUSCH, CORRECTION),
        [(AUSTAUSCH, "correction")],
    ),
    Step(
        "takedown",
        "The energy-moratorium article answers 404.",
        take_down({MORATORIUM: 404}),
        [(MORATORIUM, "removed")],
    ),
    Step(
        "restore",
        "The energy-moratorium article is back.",
        restore(MORATORIUM),
        [(MORATORIUM, "restored")],
    ),
]


@dataclass
class Served:
    base: str  # http://127.0.0.1:<port>
    db_path: Path
    genf: int  # the article with a headline edit and an added paragraph
    austausch: int
    moratorium: int
    crawl_output: str  # what the crawls printed, alert messages included
    story: str  # the story with the most articles

    def get(self, path: str) -> tuple[int, dict, str]:
        """Status, headers (lower-case names) and body of a GET."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                return response.status, headers, response.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            headers = {k.lower(): v for k, v in err.headers.items()}
            return err.code, headers, err.read().decode("utf-8", "replace")

    def json(self, path: str) -> object:
        status, _headers, body = self.get(path)
        assert status == 200, f"{path}: HTTP {status}: {body[:500]}"
        return json.loads(body)


def _article_id(db_path: Path, path: str) -> int:
    found = rows(db_path, "select id from articles where url like ?", [f"%{path}"])
    assert len(found) == 1, (path, found)
    return found[0]["id"]


def crawl_story(tmp: Path, datasette_url: str) -> tuple[Path, str]:
    """A database filled by crawling the sample site through STEPS, one crawl per step.

    The config is config/sample.toml with [notify] datasette_url set, so the alert messages
    the crawls print (the console is the target when none is configured) carry timeline links.
    """
    db_path = tmp / "monitor.db"
    config = tmp / "sample.toml"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    assert "\n[notify]\n" in text
    text = text.replace("\n[notify]\n", f'\n[notify]\ndatasette_url = "{datasette_url}"\n')
    config.write_text(text, encoding="utf-8")
    output = []
    with SampleSite(steps=STEPS) as site:
        run = cli_runner(site, db_path)
        result = run("crawl", config=config)
        assert result.code == 0, result.err
        output.append(result.out)
        for _ in STEPS:
            site.advance()
            result = run("crawl", "--all", config=config)
            assert result.code == 0, result.err
            output.append(result.out)
    return db_path, "\n".join(output)


@contextlib.contextmanager
def serve(db_path: Path, port: int, *args: str) -> Iterator[subprocess.Popen]:
    """`newsmon serve` as a user starts it, until it answers; stopped on exit."""
    proc = start_newsmon(
        "--db",
        str(db_path),
        "serve",
        "--port",
        str(port),
        *args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answer(f"http://127.0.0.1:{port}/-/versions.json", proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def crawled_and_served(tmp: Path) -> Iterator[Served]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db_path, output = crawl_story(tmp, base)
    fill_stories(db_path)  # TEMPORARY, see below
    with serve(db_path, port):
        yield Served(
            base=base,
            db_path=db_path,
            genf=_article_id(db_path, GENF),
            austausch=_article_id(db_path, AUSTAUSCH),
            moratorium=_article_id(db_path, MORATORIUM),
            crawl_output=output,
            story=_main_story(db_path),
        )


def _main_story(db_path: Path) -> str:
    found = rows(
        db_path,
        "select story, count(*) as n from story_members group by story order by n desc, story",
    )
    assert found, "no story has members after the crawl"
    return found[0]["story"]


# --- TEMPORARY: story rows until the crawl writes them -----------------------------------------
# Until the crawl fills story_members (monitor.stories membership) and events/event_articles
# (monitor.stories.grouping) itself, the fixture writes them as the design describes, so the
# story pages and feeds are tested on a real crawl's articles and changes. It writes nothing
# when the crawl has written members: remove this section (and its call) once it always does.

STORY = "ukraine-talks"
# Events of the sample site's script, each with its articles (path, role, agency credited):
# three outlets on Witkoff's trip, three on the Geneva talks, one outlet alone on the exchange.
TEMPORARY_EVENTS = [
    [
        (WITKOFF, "first", ""),
        (
            article_path("tagesschau", "ausland/europa", "witkoff-moskau-putin-treffen-montag"),
            "agency",
            "dpa",
        ),
        (article_path("world", "europe", "witkoff-to-meet-putin-moscow-monday"), "rewrite", ""),
    ],
    [(GENF, "first", ""), (MORATORIUM, "agency", "dpa"), (TRUCE, "rewrite", "")],
    [(AUSTAUSCH, "first", "")],
]
# Members in no event; and a second story whose only member is in none.
TEMPORARY_OTHERS = [
    (STORY, article_path("zdf", "politik/ausland", "donbas-knackpunkt-gebietsfrage-analyse")),
    ("energy-prices", article_path("tagesschau", "wirtschaft", "gaspreis-faellt-signale-aus-genf")),
]


def fill_stories(db_path: Path) -> None:
    """TEMPORARY: events and event_articles rows for the sample crawl, with the members they
    need (a member the crawl wrote is kept as it is)."""
    if rows(db_path, "select count(*) as n from events")[0]["n"]:
        return  # the crawl grouped its articles: nothing to stand in for
    db = open_db(db_path)
    try:
        with db.conn:
            for story, path in TEMPORARY_OTHERS:
                _member(db, story, _joined(db_path, path))
            for members in TEMPORARY_EVENTS:
                _event(
                    db, [(_joined(db_path, path), role, agency) for path, role, agency in members]
                )
    finally:
        db.close()


def _joined(db_path: Path, path: str) -> dict:
    """The article at `path` with its first version and the change that brought it."""
    found = rows(
        db_path,
        "select a.id as article_id, a.source, a.headline, coalesce(a.published, a.first_seen) "
        "as seen, v.id as version_id, c.id as change_id, c.detected_at as joined_at "
        "from articles a join versions v on v.article_id = a.id and v.number = 1 "
        "join changes c on c.to_version = v.id and c.kind = 'new' where a.url like ?",
        [f"%{path}"],
    )
    assert len(found) == 1, (path, found)
    return found[0]


def _member(db, story: str, joined: dict) -> None:
    # ignore: the unique (story, article_id) keeps a member the crawl wrote.
    db["story_members"].insert(
        {
            "story": story,
            "article_id": joined["article_id"],
            "source": joined["source"],
            "joined_at": joined["joined_at"],
            "version_id": joined["version_id"],
            "change_id": joined["change_id"],
            "score": 6.0,
            "terms": json.dumps(["Genf", "Waffenruhe"]),
            "fields": json.dumps({"headline": ["Genf"], "lead": ["Waffenruhe"]}),
        },
        ignore=True,
    )


def _event(db, members: list[tuple[dict, str, str]]) -> None:
    first = members[0][0]
    event_id = (
        db["events"]
        .insert(
            {
                "story": STORY,
                "headline": first["headline"],
                "first_seen": min(m["seen"] for m, _, _ in members),
                "first_article_id": first["article_id"],
                "first_source": first["source"],
                "updated_at": max(m["joined_at"] for m, _, _ in members),
                "articles": len(members),
                "outlets": len({m["source"] for m, _, _ in members}),
            }
        )
        .last_pk
    )
    for joined, role, agency in members:
        _member(db, STORY, joined)
        evidence = {"with": first["article_id"], "by": role, "score": 0.9}
        db["event_articles"].insert(
            {
                "event_id": event_id,
                "story": STORY,
                "article_id": joined["article_id"],
                "source": joined["source"],
                "seen": joined["seen"],
                "joined_at": joined["joined_at"],
                "role": role,
                "agency": agency,
                "evidence": json.dumps(evidence),
            }
        )


# --- end of TEMPORARY ------------------------------------------------------------------------------


class Marks(HTMLParser):
    """The text inside <del> and <ins>, and every link, of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.deleted: list[str] = []
        self.inserted: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("del", "ins"):
            self.open.append(tag)
            (self.deleted if tag == "del" else self.inserted).append("")
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag in ("del", "ins") and self.open:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            target = self.deleted if self.open[-1] == "del" else self.inserted
            target[-1] += data


def marks(html: str) -> Marks:
    parser = Marks()
    parser.feed(html)
    return parser
