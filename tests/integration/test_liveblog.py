"""Live blogs as streams: entries read from JSON-LD or markup, each new entry one change and
one alert, and nothing from reordering, pinning or teaser churn."""

from __future__ import annotations

import json
import urllib.request

from conftest import SAMPLE_CONFIG, rows
from liveblog_site import LiveBlogSite, Post, crawl_blog

from monitor.config import load_config
from monitor.crawl.record import Extracted, record_page
from monitor.errors import ExtractionError
from monitor.extract.page import extract_page
from monitor.items import Entry, Page
from monitor.rules.evaluate import evaluate
from monitor.sample_site.liveblogs import TS_TICKER, ZDF_LIVEBLOG
from monitor.sample_site.script import LIVE_ENTRY, TICKER_ENTRY

URL = "https://www.example.org/ukraine-liveblog-100.html"


def ld_blog(updates: list[dict], description: str = "Alle Entwicklungen im Überblick.") -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Verhandlungen im Liveblog",
        "description": description,
        "liveBlogUpdate": updates,
    }
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def update(ident: str, when: str, headline: str, text: str) -> dict:
    return {
        "@type": "BlogPosting",
        "@id": f"{URL}#{ident}",
        "datePublished": when,
        "headline": headline,
        "articleBody": text,
    }


UPDATES = [
    update(
        "e3",
        "2026-11-21T11:30:00+01:00",
        "Dritter Eintrag",
        "Die Gastgeber laden am Abend zu einer Erklärung ein.",
    ),
    update(
        "e1",
        "2026-11-21T08:10:00+01:00",
        "Erster Eintrag",
        "Die Delegationen sind am Morgen in Genf angekommen.",
    ),
    update(
        "e2",
        "2026-11-21T09:45:00+01:00",
        "Zweiter Eintrag",
        "Kiew erwartet heute noch keine Unterschrift unter ein Papier.",
    ),
]


def page_html(head: str, main: str) -> bytes:
    return (
        f"<html><head><title>Liveblog</title>{head}</head><body><nav><ul><li><a href='/'>Start"
        f"</a></li></ul></nav><main><h1>Verhandlungen im Liveblog</h1>{main}</main></body></html>"
    ).encode()


def markup_entry(ident: str, when: str, headline: str, text: str) -> str:
    return (
        f'<div id="{ident}"><time datetime="{when}">{when[11:16]} Uhr</time>'
        f"<h2>{headline}</h2><p>{text}</p><a href='#'>Teilen</a></div>"
    )


def test_entries_come_from_json_ld_oldest_first_with_their_own_ids_and_times():
    article = extract_page(page_html(ld_blog(UPDATES), ""), URL)
    assert [e.key for e in article.entries] == ["e1", "e2", "e3"]
    assert article.entries[0].published == "2026-11-21T08:10:00+01:00"
    assert article.entries[1].headline == "Zweiter Eintrag"
    assert (
        article.body[0]
        == "08:10 · Erster Eintrag · Die Delegationen sind am Morgen in Genf angekommen."
    )
    assert article.lead == "Alle Entwicklungen im Überblick."


def test_entries_come_from_markup_when_json_ld_lists_none():
    main = "".join(
        markup_entry(u["@id"].rsplit("#")[1], u["datePublished"], u["headline"], u["articleBody"])
        for u in UPDATES
    )
    article = extract_page(page_html(ld_blog([]), f"<section>{main}</section>"), URL)
    assert [e.key for e in article.entries] == ["e1", "e2", "e3"]
    assert article.entries[2].text == "Die Gastgeber laden am Abend zu einer Erklärung ein."


def test_a_page_listed_as_live_blog_is_read_as_a_stream_without_any_json_ld():
    main = "".join(
        markup_entry(
            f"x{i}",
            f"2026-11-21T0{i}:00:00+01:00",
            f"Titel {i}",
            "Ein Eintrag mit genug Wörtern für die Erkennung.",
        )
        for i in range(1, 4)
    )
    data = page_html("", f"<div>{main}</div>")
    assert [e.key for e in extract_page(data, URL, live=True).entries] == ["x1", "x2", "x3"]
    # Not listed: no stream. Whether its few lines make an article or a stub is another matter.
    try:
        entries = extract_page(data, URL, live=False).entries
    except ExtractionError:
        entries = []
    assert entries == []


def test_an_entry_without_an_id_keeps_its_key_when_its_text_is_edited():
    def blog(text: str) -> bytes:
        one = {
            "@type": "BlogPosting",
            "datePublished": "2026-11-21T08:10:00+01:00",
            "headline": "Ankunft",
            "articleBody": text,
        }
        return page_html(ld_blog([one, UPDATES[2]]), "")

    opening = "Die Delegationen sind am Morgen mit dem Zug in Genf"
    first = extract_page(blog(f"{opening} angekommen."), URL).entries[0]
    second = extract_page(blog(f"{opening} eingetroffen, früher als geplant."), URL).entries[0]
    assert first.key == second.key and first.key.startswith("h:")
    assert first.text != second.text


def test_pinning_and_reordering_entries_leaves_the_fingerprint_alone():
    shuffled = [UPDATES[1], UPDATES[0], UPDATES[2]]
    a = extract_page(page_html(ld_blog(UPDATES), ""), URL)
    b = extract_page(page_html(ld_blog(shuffled), "<aside>Video 3:12 min</aside>"), URL)
    assert a.fingerprint() == b.fingerprint()


# --- the store and the rules -----------------------------------------------------------------


def blog_page(entries: list[dict], body: bytes | None = None) -> Extracted:
    data = page_html(ld_blog(entries), "")
    article = extract_page(data, URL)
    return Extracted(Page(url=URL, source="zdf", status=200, body=body or data), article=article)


NEW = update(
    "e4",
    "2026-11-21T12:00:00+01:00",
    "Entwurf übergeben",
    "Die Vermittler übergeben einen Entwurf für eine Waffenruhe in der Ukraine.",
)


def test_first_visit_stores_the_backlog_without_an_event_per_entry(db):
    outcome = record_page(db, blog_page(UPDATES))
    assert outcome.kind == "new" and outcome.categories == ["new"]
    assert db["articles"].get(outcome.article_id)["kind"] == "liveblog"
    assert db["entries"].count == 3
    assert [r["change_id"] for r in db["entries"].rows] == [None, None, None]


def test_each_new_entry_is_a_change_of_its_own_and_reordering_is_nothing(db):
    record_page(db, blog_page(UPDATES))
    outcome = record_page(db, blog_page([NEW, *UPDATES]))
    assert outcome.kind == "changed" and outcome.categories == ["entry"]
    change = db["changes"].get(outcome.change_id)
    assert change["kind"] == "entry" and change["headline"] == "Entwurf übergeben"
    assert "Vermittler übergeben einen Entwurf" in change["diff"]
    entry = next(db["entries"].rows_where("key = 'e4'"))
    assert entry["change_id"] == change["id"] and entry["published"] == "2026-11-21T12:00:00+01:00"

    versions = db["versions"].count
    again = record_page(db, blog_page([UPDATES[2], NEW, UPDATES[0], UPDATES[1]], b"other"))
    assert again.kind == "unchanged" and db["versions"].count == versions


def test_an_edited_entry_is_an_entry_edited_change_with_a_word_diff(db):
    record_page(db, blog_page(UPDATES))
    edited = dict(
        UPDATES[2], articleBody="Kiew erwartet heute doch eine Unterschrift unter ein Papier."
    )
    outcome = record_page(db, blog_page([UPDATES[0], UPDATES[1], edited]))
    assert outcome.categories == ["entry_edited"]
    change = db["changes"].get(outcome.change_id)
    assert "[-noch keine-]" in change["diff"] and "{+doch eine+}" in change["diff"]
    assert next(db["entries"].rows_where("key = 'e2'"))["edits"] == 1


def test_a_new_matching_entry_alerts_once_and_an_unrelated_entry_does_not(
    db, monkeypatch, tmp_path
):
    monkeypatch.setenv("NEWSMON_SAMPLE_URL", "http://127.0.0.1:9")
    config = load_config(SAMPLE_CONFIG)
    record_page(db, blog_page(UPDATES))
    evaluate(db, config)
    before = db["alerts"].count
    other = update(
        "e5", "2026-11-21T12:30:00+01:00", "Wetter", "In Genf regnet es seit dem Mittag ohne Pause."
    )
    record_page(db, blog_page([NEW, other, *UPDATES]))
    assert evaluate(db, config) == 1
    alert = list(db["alerts"].rows)[before]
    assert alert["story"] == "ukraine-talks"
    change = db["changes"].get(alert["change_id"])
    assert change["headline"] == "Entwurf übergeben"
    assert evaluate(db, config) == 0  # replay-safe


def test_entry_line_carries_the_entrys_own_time():
    assert (
        Entry("k", "2026-11-21T12:00:00+01:00", "Titel", "Text.").line() == "12:00 · Titel · Text."
    )


# --- on the sample site, through a real crawl ---------------------------------------------------


def test_the_sample_sites_live_blogs_follow_the_structure_the_extractor_reads(site):
    zdf = urllib.request.urlopen(site.url(ZDF_LIVEBLOG)).read()
    assert b'"@type":"LiveBlogPosting"' in zdf and b'"liveBlogUpdate"' in zdf
    assert b"Angeheftet" in zdf and b" min</span>" in zdf  # a pinned entry and a video box
    again = urllib.request.urlopen(site.url(ZDF_LIVEBLOG)).read()
    assert zdf != again  # nonce, relative time and teasers change on every request
    ticker = urllib.request.urlopen(site.url(TS_TICKER)).read()
    assert b"LiveBlogPosting" in ticker and b"liveBlogUpdate" not in ticker
    assert extract_page(zdf, site.url(ZDF_LIVEBLOG)).entries
    assert extract_page(ticker, site.url(TS_TICKER)).entries


def test_crawl_reports_new_entries_of_both_live_blogs_and_nothing_on_a_pin(site, newsmon, db_path):
    assert newsmon("crawl").code == 0
    while site.steps[site.step_index].name != "live-entry":
        site.advance()
    site.advance()  # live-entry
    newsmon("crawl")
    site.advance()  # live-pin
    newsmon("crawl")
    site.advance()  # live-ticker
    newsmon("crawl")
    entries = rows(
        db_path,
        "select c.kind, c.headline, a.url from changes c join articles a on a.id = c.article_id "
        "where a.kind = 'liveblog' and c.kind != 'new' order by c.id",
    )
    assert [(e["kind"], e["headline"]) for e in entries] == [
        ("entry", LIVE_ENTRY.headline),
        ("entry", TICKER_ENTRY.headline),
    ]
    alerts = rows(
        db_path,
        "select al.story from alerts al join changes c on c.id = al.change_id "
        "where c.kind = 'entry'",
    )
    assert [a["story"] for a in alerts] == ["ukraine-talks", "ukraine-talks"]


# --- a live blog without entry ids, through real crawls (tests/liveblog_site.py) --------------

MORNING = [
    Post("2026-11-21T08:10:00+01:00", "Die Delegationen sind am Morgen in Genf angekommen."),
    # Two untitled entries of one minute: a key of minute and position told them apart.
    Post(
        "2026-11-21T09:45:00+01:00", "In Genf beginnen die Gespräche mit einer Stunde Verspätung."
    ),
    Post("2026-11-21T09:45:00+01:00", "Vor dem Hotel in Genf warten Dutzende Reporter im Regen."),
    Post("2026-11-21T11:30:00+01:00", "Die Gastgeber in Genf laden am Abend zu einer Erklärung."),
]


def test_deleting_an_entry_without_an_id_is_one_entry_removed_and_no_alert(tmp_path, db_path):
    with LiveBlogSite(MORNING) as blog:
        first = crawl_blog(tmp_path, db_path, blog)
        assert first[0] == "new" and first[-1] != "alerts:0"  # the rule and story do alert
        del blog.entries[2]  # of the two 09:45 entries, the one a key by position named first
        assert crawl_blog(tmp_path, db_path, blog) == ["entry_removed", "alerts:0"]
        assert crawl_blog(tmp_path, db_path, blog) == ["alerts:0"]  # recorded once
    entries = rows(db_path, "select text, removed_at, last_seen, edits from entries order by id")
    assert len(entries) == 4 and sum(e["edits"] for e in entries) == 0
    assert [e["text"] for e in entries if e["removed_at"] is not None] == [MORNING[2].text]
    assert all(e["last_seen"] for e in entries)  # when each was last on the page stays known
    assert rows(db_path, "select versions from articles")[0]["versions"] == 2


def test_a_title_added_to_an_entry_is_an_edit_of_it_not_a_new_entry(tmp_path, db_path):
    with LiveBlogSite(MORNING) as blog:
        crawl_blog(tmp_path, db_path, blog)
        blog.entries[3] = Post(MORNING[3].at, MORNING[3].text, "Erklärung am Abend")
        assert crawl_blog(tmp_path, db_path, blog)[:-1] == ["entry_edited"]
    entries = rows(db_path, "select headline, edits from entries order by id")
    assert len(entries) == 4
    assert [(e["headline"], e["edits"]) for e in entries][3] == ("Erklärung am Abend", 1)


def test_of_two_entries_in_one_minute_the_edited_one_is_edited(tmp_path, db_path):
    with LiveBlogSite(MORNING) as blog:
        crawl_blog(tmp_path, db_path, blog)
        # Reworded from its first word: its key misses, its text finds it.
        reworded = "Erst jetzt beginnen in Genf die Gespräche mit einer Stunde Verspätung."
        blog.entries[1] = Post(MORNING[1].at, reworded)
        assert crawl_blog(tmp_path, db_path, blog)[:-1] == ["entry_edited"]
        assert crawl_blog(tmp_path, db_path, blog) == ["alerts:0"]
    diff = rows(db_path, "select diff from changes where kind = 'entry_edited'")[0]["diff"]
    assert "Erst jetzt" in diff
    entries = rows(db_path, "select text, edits from entries order by id")
    assert len(entries) == 4
    assert {(e["text"], e["edits"]) for e in entries if e["text"] != MORNING[0].text} == {
        (reworded, 1),
        (MORNING[2].text, 0),
        (MORNING[3].text, 0),
    }
