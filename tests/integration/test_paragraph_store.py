"""Paragraphs stored once (monitor.store.paragraphs): the migration from whole bodies keeps every
character, an unchanged paragraph is one row however many versions hold it, and `versions.body`
still reads as text."""

from __future__ import annotations

import random
from dataclasses import replace

from sqlite_utils import Database

from monitor import store
from monitor.crawl.record import Extracted, record_page
from monitor.items import Article, Page
from monitor.store.migrations import migrations

URL = "https://www.zdf.de/nachrichten/politik/absatz-100.html"
# Bodies that a split and join could get wrong: empty, blank paragraphs, trailing separators,
# single newlines inside a paragraph, characters outside the BMP, a lone paragraph.
ODD = ["", "eins", "\n\n", "a\n\nb\n\n", "\n\n\n\nmitte\n\n\n", "Zeile\nund Zeile\n\nÄrger 🚀"]


def old_database(path) -> Database:
    """A database as the schema before paragraphs made it (every migration up to m009)."""
    db = Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db, stop_before="m010_paragraphs_once")
    return db


def fill(db: Database, versions: int) -> dict[int, str]:
    rng = random.Random(7)
    shared = [f"Absatz {n} über die Gespräche in Genf, Runde {n % 7}." for n in range(60)]
    db["articles"].insert({"id": 1, "source": "zdf", "url": URL, "status": "live"})
    bodies = {
        n: ODD[n - 1] if n <= len(ODD) else "\n\n".join(rng.sample(shared, 12))
        for n in range(1, versions + 1)
    }
    db["versions"].insert_all(
        {"id": n, "article_id": 1, "number": n, "headline": f"Fassung {n}", "body": body}
        for n, body in bodies.items()
    )
    db["changes"].insert(
        {"article_id": 1, "source": "zdf", "from_version": 1, "to_version": 2, "kind": "x"}
    )
    db.conn.commit()
    return bodies


def test_migration_keeps_every_body_character_for_character(tmp_path):
    path = tmp_path / "monitor.db"
    old = old_database(path)
    bodies = fill(old, 2300)  # more than one batch of the conversion
    old.close()
    db = store.open_db(path)
    after = dict(db.execute("select id, body from versions order by id").fetchall())
    assert after == bodies
    assert "body" not in db["version_rows"].columns_dict
    # 60 shared paragraphs and the odd ones' pieces: each text once, not 2300 x 12 times.
    assert db["paragraphs"].count < 80
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("select to_version from changes").fetchone()[0] == 2
    # Old text is found by the new search: a body paragraph and a headline.
    assert {r["id"] for r in store.search_versions(db, "mitte")} == {5}
    assert [r["id"] for r in store.search_versions(db, "Fassung 2299")] == [2299]


def test_an_edit_stores_only_the_paragraphs_it_changed(db_path):
    db = store.open_db(db_path)
    body = [f"Absatz {n} mit einem eigenen Satz über die Agenda." for n in range(12)]
    article = Article(url=URL, canonical_url=URL, headline="Genf", body=body)

    def stored(art: Article, raw: bytes) -> None:
        with db.atomic():
            record_page(db, Extracted(Page(URL, "zdf", 200, raw), article=art))

    stored(article, b"<html>1</html>")
    edited = replace(article, body=[*body[:5], "Ein neuer Absatz.", *body[6:]])
    stored(edited, b"<html>2</html>")
    assert db["paragraphs"].count == 13
    assert db["version_paragraphs"].count == 24
    bodies = [r["body"] for r in db.query("select body from versions order by number")]
    assert bodies == ["\n\n".join(body), "\n\n".join(edited.body)]
    row = store.version_row(db, db.execute("select max(id) from versions").fetchone()[0])
    assert store.version_article(row).body == edited.body


def test_a_version_of_many_new_paragraphs_is_stored_whole_and_searchable(db_path):
    # New paragraphs go in by statements of 500 rows: this body takes three, and repeats one.
    db = store.open_db(db_path)
    body = [f"Absatz {n} erzählt von Ort {n * 7}." for n in range(1100)] + [
        "Absatz 3 erzählt von Ort 21."
    ]
    article = Article(url=URL, canonical_url=URL, headline="Lang", body=body)
    with db.atomic():
        record_page(db, Extracted(Page(URL, "zdf", 200, b"<html>lang</html>"), article=article))
    assert db["paragraphs"].count == 1100
    assert db["version_paragraphs"].count == 1101
    row = store.version_row(db, db.execute("select max(id) from versions").fetchone()[0])
    assert store.version_article(row).body == body
    assert [r["headline"] for r in store.search_versions(db, '"Ort 7693"')] == ["Lang"]
