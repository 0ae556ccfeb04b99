"""Events on a real store: grouping.place writes events and event_articles with evidence, keeps
the first report up to date, and decides the same after a restart (a new process's memory)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from monitor import clock
from monitor.crawl.record import Extracted, record_page
from monitor.items import Article, Page
from monitor.stories import grouping

NOW = datetime.now(UTC).replace(microsecond=0)

AGENCY_BODY = [
    "Die Delegationen aus Washington und Kyjiw trafen sich am Dienstag in Riad. Die "
    "amerikanische Seite führte Außenminister Marco Rubio, die ukrainische Verteidigungsminister "
    "Rustem Umerow. Zunächst solle über einen Stopp der Angriffe auf Häfen und Kraftwerke "
    "gesprochen werden, hieß es aus Diplomatenkreisen.",
    "Umerow kündigte einen Vorschlag mit 14 Punkten an, der auch den Austausch von Gefangenen "
    "und die Rückkehr verschleppter Kinder umfasse. Rubio sagte, Washington erwarte konkrete "
    "Zusagen.",
]
EXCHANGE_BODY = [
    "Russland und die Ukraine haben je 175 Kriegsgefangene ausgetauscht. Vermittelt hatten die "
    "Vereinigten Arabischen Emirate. Unter den Heimkehrern seien Verteidiger von Mariupol, "
    "schrieb Präsident Wolodymyr Selenskyj.",
]


@dataclass
class Story:
    name: str = "ukraine"
    window: int = 172800


def stored(db, slug: str, source: str, hours_ago: float, **text) -> int:
    """Store an article published `hours_ago`; returns its id."""
    url = f"https://{source}.example/{slug}.html"
    published = clock.iso(NOW - timedelta(hours=hours_ago))
    art = Article(url=url, canonical_url=url, published=published, **text)
    page = Page(url=url, source=source, status=200, body=f"<html>{slug}</html>".encode())
    return record_page(db, Extracted(page, article=art)).article_id


def talks(db, source: str, hours_ago: float, **changes) -> int:
    text = {
        "headline": "Gespräche in Riad über eine Waffenruhe",
        "lead": "Riad (dpa) - In Riad haben Gespräche über eine 30-tägige Waffenruhe begonnen.",
        "body": AGENCY_BODY,
        "byline": "",
        "noise": ["Quelle: dpa"],
    }
    return stored(db, f"talks-{source}", source, hours_ago, **{**text, **changes})


def exchange(db, source: str, hours_ago: float) -> int:
    headline = "Russland und Ukraine tauschen 175 Gefangene aus"
    return stored(
        db,
        f"exchange-{source}",
        source,
        hours_ago,
        headline=headline,
        lead="",
        body=EXCHANGE_BODY,
        noise=[],
    )


@pytest.fixture(autouse=True)
def fresh_memory():
    grouping.forget()
    yield
    grouping.forget()


def test_agency_copy_and_its_edit_make_one_event_with_evidence(db):
    first = talks(db, "zdf", 5)
    edit = talks(db, "ntv", 4, headline="Kiew bringt 14-Punkte-Plan nach Riad", noise=[])
    other = exchange(db, "spiegel", 3)
    story = Story()
    one = grouping.place(db, story, first, NOW)
    assert grouping.place(db, story, edit, NOW) == one
    assert grouping.place(db, story, other, NOW) not in (one, None)
    rows = {r["article_id"]: r for r in db["event_articles"].rows}
    # Both ran the dpa text; who reported first is the event's to say.
    assert rows[first]["role"] == "agency" and rows[first]["agency"] == "dpa"
    assert db["events"].get(one)["first_article_id"] == first
    assert rows[edit]["role"] == "agency" and rows[edit]["agency"] == "dpa"
    evidence = json.loads(rows[edit]["evidence"])
    assert evidence["kind"] == "verbatim" and evidence["article_id"] == first
    event = db["events"].get(one)
    assert (event["articles"], event["outlets"], event["first_source"]) == (2, 2, "zdf")
    assert event["headline"] == "Gespräche in Riad über eine Waffenruhe"
    # Placing again changes nothing.
    assert grouping.place(db, story, edit, NOW) == one and db["event_articles"].count == 3


def test_an_earlier_report_joining_later_becomes_the_first(db):
    story = Story()
    late = talks(db, "ntv", 2)
    event = grouping.place(db, story, late, NOW)
    early = talks(db, "zdf", 6, headline="Delegationen beraten in Riad")
    assert grouping.place(db, story, early, NOW) == event
    row = db["events"].get(event)
    assert row["first_article_id"] == early and row["first_source"] == "zdf"
    assert row["headline"] == "Delegationen beraten in Riad"
    assert row["first_seen"] == clock.iso(NOW - timedelta(hours=6))
    # The article that opened the event is not stored as "first": the event says who was.
    assert "first" not in {r["role"] for r in db["event_articles"].rows}


def test_a_restart_rebuilds_the_story_from_the_store_and_decides_the_same(db):
    story = Story()
    ids = [talks(db, "zdf", 8), exchange(db, "spiegel", 7), talks(db, "ntv", 6)]
    before = [grouping.place(db, story, a, NOW) for a in ids]
    later = [talks(db, "bbc", 1, noise=["Reuters"]), exchange(db, "dw", 1)]
    kept = [grouping.place(db, story, a, NOW) for a in later]
    with db.atomic():  # undo the last two placements, then decide them again after a restart
        db.execute("delete from event_articles where article_id in (?, ?)", later)
    grouping.forget()
    again = [grouping.place(db, story, a, NOW) for a in later]
    assert again == kept == [before[0], before[1]]


def test_a_rolled_back_placement_is_not_trusted(db):
    story = Story()
    first = talks(db, "zdf", 5)
    with pytest.raises(RuntimeError), db.atomic():
        grouping.place(db, story, first, NOW)
        raise RuntimeError("the caller's transaction fails")
    assert db["events"].count == 0
    second = talks(db, "ntv", 4)
    event = grouping.place(db, story, second, NOW)  # memory names an event that is gone
    assert db["events"].get(event)["first_article_id"] == second
    assert grouping.place(db, story, first, NOW) == event


def test_articles_weeks_old_at_their_first_crawl_are_grouped_as_they_were_published(db):
    # A first crawl finds articles published weeks ago: their publication, not the clock,
    # decides what they are compared with.
    story = Story(window=3600)
    old = talks(db, "zdf", 24 * 21)
    copy = talks(db, "ntv", 24 * 21 - 0.5)
    assert grouping.place(db, story, old, NOW) == grouping.place(db, story, copy, NOW)


def test_memory_keeps_the_newest_articles_of_a_story(db, monkeypatch):
    monkeypatch.setattr(grouping, "KEEP", 2)
    story = Story(window=3600)
    ids = [talks(db, source, hours) for source, hours in (("a", 9), ("b", 6), ("c", 3))]
    for article in ids:
        grouping.place(db, story, article, NOW)
    grouping.forget()
    newest = talks(db, "d", 0.5)
    grouping.place(db, story, newest, NOW)
    (grouper,) = grouping._GROUPERS.values()
    assert ids[0] not in grouper and ids[2] in grouper and newest in grouper
