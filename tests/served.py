"""A real crawl of the sample site, served by a real `newsmon serve`: shared by the Datasette and
browser tests.

The script: Witkoff's trip to Moscow appears on three outlets at once (ZDF, the same dpa text on
tagesschau, an English rewrite on World Report: one event of the story, three outlets); the
Geneva ceasefire article gets its headline reworded and then a paragraph appended (one
article, two edits, three versions); the prisoner-exchange article gets a correction note; the
energy-moratorium article is taken down and restored. The appended paragraph carries markup
characters, so every page that shows it proves it escapes page text.

The crawl itself fills the story's members and events (config/sample.toml's `ukraine-talks`).
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
from monitor.sample_site.actions import both, publish
from monitor.sample_site.script import (
    AUSTAUSCH,
    GENF,
    HEADLINE_NEW,
    HEADLINE_OLD,
    MORATORIUM,
    SAME_EVENT,
    add_correction,
    append_paragraph,
    restore,
    set_field,
    take_down,
)

APPENDED = (
    "Am späten Abend teilte die Schweizer Vermittlung mit, die Gespräche über eine Waffenruhe "
    'würden am Montag in Genf fortgesetzt; ein Sprecher nannte das <script>alert("Genf")</script> '
    "& kein Durchbruch."
)
CORRECTION = (
    "In einer früheren Fassung hieß es, der Austausch sei in Istanbul vereinbart worden. "
    "Er wurde in Genf vereinbart."
)
# The outlets of SAME_EVENT's articles: the Witkoff event's.
WITKOFF_OUTLETS = {"zdf", "tagesschau", "world"}
STEPS = [
    Step(
        "publish",
        "Witkoff's trip to Moscow appears at once on ZDF, on tagesschau and on World Report.",
        both(*(publish(path) for path in SAME_EVENT)),
        [(path, "new") for path in SAME_EVENT],
    ),
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
    witkoff_event: int  # the story's event of three outlets (SAME_EVENT)

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
    with serve(db_path, port):
        yield Served(
            base=base,
            db_path=db_path,
            genf=_article_id(db_path, GENF),
            austausch=_article_id(db_path, AUSTAUSCH),
            moratorium=_article_id(db_path, MORATORIUM),
            crawl_output=output,
            story=_main_story(db_path),
            witkoff_event=_witkoff_event(db_path),
        )


def _main_story(db_path: Path) -> str:
    found = rows(
        db_path,
        "select story, count(*) as n from story_members group by story order by n desc, story",
    )
    assert found, "no story has members after the crawl"
    return found[0]["story"]


def _witkoff_event(db_path: Path) -> int:
    """The event the crawl made of SAME_EVENT's articles: one event, three outlets."""
    ids = [_article_id(db_path, path) for path in SAME_EVENT]
    found = rows(
        db_path,
        "select e.id, e.outlets, ea.article_id, ea.source from events e "
        "join event_articles ea on ea.event_id = e.id where e.id = (select event_id from "
        "event_articles where article_id = ?)",
        [ids[0]],
    )
    assert found, f"the crawl put the Witkoff article {ids[0]} in no event"
    assert sorted(r["article_id"] for r in found) == sorted(ids), found
    assert {r["source"] for r in found} == WITKOFF_OUTLETS, found
    assert found[0]["outlets"] == len(WITKOFF_OUTLETS), found
    return found[0]["id"]


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
