"""Keys of live-blog entries without ids, and which stored entry a fetched one is: keys that
survive a deleted neighbour and an added title, text that finds an entry whose opening was
reworded, and a deletion told from an entry scrolled off the page."""

from __future__ import annotations

import json

from lxml import html

from monitor.diff.entries import entries_decision, match_entries, removed_entries
from monitor.extract.liveblog import blog_node, entries_from_json_ld, page_entries, text_key
from monitor.items import Article, Entry

AT = "2026-11-21T09:45:00+01:00"
ONE = "In Genf beginnen die Gespräche mit einer Stunde Verspätung."
TWO = "Vor dem Hotel in Genf warten Dutzende Reporter im Regen."


def update(at: str, text: str, title: str = "", **more: str) -> dict:
    return {"datePublished": at, "articleBody": text, "headline": title, **more}


def keys(updates: list[dict]) -> list[str]:
    return [e.key for e in entries_from_json_ld({"liveBlogUpdate": updates})]


def stored(entries: list[Entry], removed: frozenset[str] = frozenset()) -> dict[str, dict]:
    return {
        e.key: {
            "id": n,
            "key": e.key,
            "published": e.published,
            "headline": e.headline,
            "text": e.text,
            "removed": e.key in removed,
        }
        for n, e in enumerate(entries, 1)
    }


def test_a_key_is_the_minute_and_opening_words_and_ignores_a_title():
    assert keys([update(AT, ONE)]) == keys([update(AT, ONE, "Verspätung")])
    assert keys([update(AT, ONE)]) != keys([update("2026-11-21T09:46:00+01:00", ONE)])
    appended = ONE + " Die Schweizer Vermittler bitten um Geduld."
    assert keys([update(AT, ONE)]) == keys([update(AT, appended)])


def test_deleting_a_neighbour_of_the_same_minute_leaves_the_others_key_alone():
    both = keys([update(AT, TWO), update(AT, ONE)])
    assert len(set(both)) == 2 and not any("#" in k for k in both)
    assert keys([update(AT, TWO)]) == [both[1]]


def test_an_id_every_entry_shares_names_none_and_a_pinned_entry_listed_twice_is_one():
    page = "https://www.example.org/blog.html"
    shared = keys([update(AT, TWO, url=page), update(AT, ONE, url=page)])
    assert all(k.startswith("h:") for k in shared) and len(set(shared)) == 2
    pinned = update(AT, ONE, **{"@id": f"{page}#p7"})
    assert sorted(keys([pinned, update(AT, TWO, **{"@id": f"{page}#p8"}), pinned])) == ["p7", "p8"]


def test_a_reworded_opening_misses_the_key_and_the_text_finds_the_entry():
    old = [Entry(text_key(Entry("", AT, "", t)), AT, "", t) for t in (ONE, TWO)]
    reworded = Entry("", AT, "", "Erst jetzt beginnen in Genf die Gespräche, eine Stunde zu spät.")
    reworded.key = text_key(reworded)
    fetched = [Entry(old[1].key, AT, "", TWO), reworded]
    match_entries(fetched, stored(old))
    assert [e.key for e in fetched] == [old[1].key, old[0].key]


def test_an_unrelated_entry_of_the_same_minute_is_new_not_an_edit():
    old = Entry(text_key(Entry("", AT, "", ONE)), AT, "", ONE)
    other = Entry("x", AT, "", "Der Wetterdienst erwartet für den Nachmittag starken Wind.")
    article = Article(url="u", headline="Blog", entries=[other])
    decision = entries_decision({"status": "live"}, article, stored([old]))
    assert [c.categories for c in decision.changes] == [["entry"], ["entry_removed"]]
    assert decision.changes[1].edited is not None and decision.changes[1].edited.removed


def test_an_entry_older_than_the_page_shows_has_scrolled_off_not_been_deleted():
    early = Entry("a", "2026-11-21T07:00:00+01:00", "", ONE)
    middle = Entry("b", "2026-11-21T08:00:00+01:00", "", TWO)
    late = Entry("c", "2026-11-21T09:00:00+01:00", "", "Ein dritter Eintrag über Genf.")
    known = stored([early, middle, late])
    assert removed_entries([middle, late], known) == []
    gone = removed_entries([early, late], known)
    assert [(e.key, e.removed) for e in gone] == [("b", True)]
    assert removed_entries([early, late], stored([early, middle, late], frozenset("b"))) == []


def test_a_title_added_is_an_edit_and_nothing_else():
    old = Entry(text_key(Entry("", AT, "", ONE)), AT, "", ONE)
    titled = entries_from_json_ld({"liveBlogUpdate": [update(AT, ONE, "Später Beginn")]})
    decision = entries_decision({"status": "live"}, Article(url="u", entries=titled), stored([old]))
    assert [c.categories for c in decision.changes] == [["entry_edited"]]
    assert json.loads(decision.changes[0].ops or "[]")  # a word diff of the entry


def shown_page(updates: list[dict], stream: str) -> list[Entry]:
    blog = {"@type": "LiveBlogPosting", "liveBlogUpdate": updates}
    page = (
        f'<html><head><script type="application/ld+json">{json.dumps(blog)}</script></head>'
        f"<body><main><h1>Genf im Liveblog</h1>{stream}</main></body></html>"
    )
    root = html.document_fromstring(page)
    return page_entries(root, blog_node(root))


def test_the_entries_are_the_ones_the_page_shows_keyed_and_dated_by_the_json_ld():
    listed = [
        update(f"2026-11-21T{h:02d}:00:00+01:00", f"Meldung {h} aus Genf: {TWO}")
        for h in range(6, 18)
    ]
    shown = listed[-3:]
    stream = "".join(f"<article><p>{u['articleBody']}</p></article>" for u in reversed(shown))
    stream += "<article><p>Ein Eintrag, den nur die Seite zeigt, ohne Zeit.</p></article>"
    entries = shown_page(listed, stream)
    assert len(entries) == 4
    dated = [e for e in entries if e.published]
    assert [(e.published, e.text) for e in dated] == [
        (u["datePublished"], u["articleBody"]) for u in shown
    ]
    assert [e.key for e in dated] == keys(shown)  # the keys the JSON-LD alone gave them
    assert [e.text for e in entries if not e.published] == [
        "Ein Eintrag, den nur die Seite zeigt, ohne Zeit."
    ]


def test_the_page_text_is_stored_and_an_id_or_a_title_finds_the_json_ld_entry():
    page = "https://www.example.org/blog.html"
    by_id = update(AT, "Eine andere Fassung im JSON-LD.", **{"@id": f"{page}#p1"})
    by_title = update(
        "2026-11-21T10:00:00+01:00", "Ganz anderer Text im JSON-LD.", "Ankunft in Genf"
    )
    stream = (  # entries anchored by an id and a time: the run the page shows
        f'<div id="p1"><time datetime="{AT}">9:45</time><p>{ONE}</p></div>'
        f'<div id="p2"><time datetime="{AT}">9:45</time><h3>Ankunft in Genf</h3><p>{TWO}</p></div>'
    )
    entries = shown_page([by_id, by_title], stream)
    assert [(e.key, e.published, e.text) for e in entries] == [
        ("p1", AT, ONE),
        (keys([update(by_title["datePublished"], TWO)])[0], by_title["datePublished"], TWO),
    ]


def test_a_page_that_shows_no_json_ld_entry_is_read_from_its_json_ld():
    assert [e.text for e in shown_page([update(AT, ONE)], "<p>Laden …</p>")] == [ONE]
