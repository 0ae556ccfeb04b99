"""The store on a real SQLite file: versions only on real change, one change row per transition."""

from __future__ import annotations

import json

import pytest

from monitor import store
from monitor.crawl.record import Extracted, record_page
from monitor.items import Article, Page
from monitor.store.migrations import migrations

URL = "https://www.zdfheute.de/politik/ausland/genf-gespraeche-100.html"


def article(**changes) -> Article:
    base = {
        "url": URL,
        "canonical_url": URL,
        "kicker": "Ukraine-Gespräche",
        "headline": "Delegationen treffen sich erneut in Genf",
        "lead": "Die zweite Runde beginnt am Montag.",
        "body": ["Erster Absatz über die Gespräche.", "Zweiter Absatz mit Details zur Agenda."],
        "noise": ["22.11.2026 | 2:31 min"],
    }
    base.update(changes)
    return Article(**base)


def page(
    art: Article | None, status: int = 200, url: str = URL, body: bytes = b"<html>v</html>"
) -> Extracted:
    fetched = Page(
        url=url,
        source="zdf",
        status=status,
        body=body,
        etag='"e1"',
        last_modified="Mon, 23 Nov 2026 10:00:00 GMT",
    )
    return Extracted(fetched, article=art)


@pytest.fixture
def db_path(tmp_path):
    """Where conftest's `db` fixture opens the database: in a folder open_db must create."""
    return tmp_path / "data" / "monitor.db"


def test_a_new_article_gets_version_one_and_a_new_change(db):
    outcome = record_page(db, page(article()))
    assert outcome.kind == "new"
    assert db["versions"].count == 1
    change = next(db["changes"].rows)
    assert change["kind"] == "new" and json.loads(change["categories"]) == ["new"]
    row = db["articles"].get(outcome.article_id)
    assert row["etag"] == '"e1"' and row["versions"] == 1 and row["status"] == "live"


def test_noise_alone_does_not_make_a_version(db):
    record_page(db, page(article()))
    outcome = record_page(
        db,
        page(
            article(noise=["23.11.2026 | 4:10 min", "vor 3 Minuten"]),
            body=b"<html>other bytes</html>",
        ),
    )
    assert outcome.kind == "unchanged"
    assert db["versions"].count == 1 and db["changes"].count == 1


def test_an_edit_makes_a_version_and_a_change_with_its_diff(db):
    record_page(db, page(article()))
    edited = article(
        body=["Erster Absatz über die Gespräche.", "Zweiter Absatz mit neuen Details zur Agenda."]
    )
    outcome = record_page(db, page(edited, body=b"<html>v2</html>"))
    assert outcome.kind == "changed" and outcome.categories == ["body_edited"]
    change = db["changes"].get(outcome.change_id)
    assert change["words_added"] == 1 and change["words_removed"] == 0
    assert "{+neuen+}" in change["diff"]
    assert json.loads(change["ops"])
    versions = list(
        db["versions"].rows_where("article_id = ?", [outcome.article_id], order_by="number")
    )
    assert [v["number"] for v in versions] == [1, 2]
    assert change["from_version"] == versions[0]["id"] and change["to_version"] == versions[1]["id"]


def test_raw_html_is_kept_compressed_for_every_version(db):
    html = "<html><body>" + "Verhandlungen " * 2000 + "</body></html>"
    record_page(db, page(article(), body=html.encode()))
    version = next(db["version_rows"].rows)  # the stored page is the table's, not the view's
    assert version["raw_size"] == len(html)
    assert len(version["raw_html"]) < len(html) / 10
    assert store.raw_html(version).decode() == html


def test_a_takedown_and_a_return_are_changes_without_losing_versions(db):
    first = record_page(db, page(article()))
    gone = record_page(db, page(None, status=410))
    assert gone.kind == "removed" and db["articles"].get(first.article_id)["status"] == "removed"
    again = record_page(db, page(None, status=404))
    assert again.kind == "not_modified"  # still gone: no second change
    back = record_page(db, page(article()))
    assert back.kind == "restored" and back.categories == ["restored"]
    assert [c["kind"] for c in db["changes"].rows] == ["new", "removed", "restored"]
    assert db["versions"].count == 1


def test_a_304_counts_as_a_check(db):
    first = record_page(db, page(article()))
    outcome = record_page(db, page(None, status=304))
    assert outcome.kind == "not_modified"
    assert db["articles"].get(first.article_id)["checks"] == 2  # the first fetch and the 304


def test_other_urls_of_the_same_article_map_to_it(db):
    first = record_page(db, page(article()))
    alias = "https://www.zdf.de/nachrichten/politik/ausland/genf-gespraeche-100.html?utm_source=rss"
    outcome = record_page(db, page(article(), url=alias))
    assert outcome.article_id == first.article_id
    assert store.lookup(db, alias)["id"] == first.article_id
    assert store.validators(db, alias) == {
        "If-None-Match": '"e1"',
        "If-Modified-Since": "Mon, 23 Nov 2026 10:00:00 GMT",
    }


def test_full_text_search_finds_versions_by_words(db):
    record_page(db, page(article()))
    hits = store.search_versions(db, "Genf")
    assert len(hits) == 1
    assert "Genf" in hits[0]["headline"] + hits[0]["body"]
    assert store.search_versions(db, "Nirgendwowort") == []
    (in_body,) = store.search_versions(db, "Agenda")  # a word of a body paragraph only
    assert in_body["body"].endswith("Details zur Agenda.")


def test_opening_an_existing_database_keeps_its_data_and_applies_nothing_twice(tmp_path):
    path = tmp_path / "monitor.db"
    db = store.open_db(path)
    record_page(db, page(article()))
    db.close()
    again = store.open_db(path)
    assert again["versions"].count == 1
    assert migrations.pending(again) == []
    assert again.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_an_unopenable_database_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(store.StoreError, match="cannot open the database"):
        store.open_db(blocker / "monitor.db")


# --- the store pipeline's batches ------------------------------------------------------------
def pipeline(db):
    from types import SimpleNamespace

    from scrapy.utils.reactor import install_reactor
    from scrapy.utils.test import get_crawler

    from monitor.crawl.pipelines import StorePipeline
    from monitor.crawl.settings import TWISTED_REACTOR

    install_reactor(TWISTED_REACTOR)  # the batch timer's, as in a crawl (not Twisted's default)
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    crawler.spider = SimpleNamespace(db=db, source=SimpleNamespace(name="zdf"))
    return StorePipeline(crawler), crawler.stats


def numbered(n: int, **changes) -> Extracted:
    url = f"https://www.zdfheute.de/politik/ausland/meldung-{n}-100.html"
    return page(article(url=url, canonical_url=url, **changes), url=url)


def test_pages_are_written_together_when_the_batch_is_full(db):
    store_pipeline, stats = pipeline(db)
    store_pipeline.BATCH_PAGES = 3
    for n in range(2):
        store_pipeline.process_item(numbered(n))
    assert db.execute("select count(*) from articles").fetchone()[0] == 0
    store_pipeline.process_item(numbered(2))
    assert db.execute("select count(*) from articles").fetchone()[0] == 3
    assert stats.get_value("newsmon/new") == 3
    assert store_pipeline.timer is None and not store_pipeline.pending


def test_a_page_the_store_cannot_take_costs_only_itself(db):
    store_pipeline, stats = pipeline(db)
    store_pipeline.BATCH_PAGES = 3
    store_pipeline.process_item(numbered(0))
    store_pipeline.process_item(numbered(1, body=[None]))  # cannot be joined into text
    store_pipeline.process_item(numbered(2))
    urls = [r[0] for r in db.execute("select url from articles order by id")]
    assert [u.split("meldung-")[1] for u in urls] == ["0-100.html", "2-100.html"]
    assert stats.get_value("newsmon/dropped/store_failed") == 1
    assert stats.get_value("newsmon/new") == 2


def test_a_waiting_page_keeps_its_compressed_copy_not_its_bytes(db):
    """A batch holds up to 2 MB of pages per crawl: the store needs each one's hash, size and
    compressed copy, not the page itself."""
    import hashlib
    import zlib

    store_pipeline, _ = pipeline(db)
    raw = b"<html><body>" + b"<p>Absatz</p>" * 500 + b"</body></html>"
    item = numbered(0)
    item.page.body, item.packed = raw, zlib.compress(raw, 1)
    store_pipeline.process_item(item)
    assert item.page.body == b"" and store_pipeline.pending_bytes == len(raw)
    store_pipeline.flush()
    row = db.execute("select raw_hash, raw_size, raw_html from version_rows").fetchone()
    assert row[0] == hashlib.sha256(raw).hexdigest() and row[1] == len(raw)
    assert zlib.decompress(row[2]) == raw


def test_a_page_waits_at_most_for_the_timer_or_the_spider_closing(db):
    store_pipeline, stats = pipeline(db)
    store_pipeline.process_item(numbered(0))
    assert db.execute("select count(*) from articles").fetchone()[0] == 0
    assert store_pipeline.timer.active()
    store_pipeline.flush()  # what the timer and close_spider call
    assert db.execute("select count(*) from articles").fetchone()[0] == 1
    assert stats.get_value("newsmon/new") == 1 and store_pipeline.timer is None


def test_the_worker_diffs_against_the_stored_version_and_the_store_keeps_its_diff(db):
    from dataclasses import replace

    from monitor.crawl.workers import prepare
    from monitor.diff.core import Diff, diff_articles

    html = "<html><head><title>t</title></head><body><article><h1>{}</h1>{}</article></body></html>"
    body = "".join(
        f"<p>Absatz {n} über die Gespräche in Genf und die Waffenruhe.</p>" for n in range(9)
    )
    original = html.format("Gespräche in Genf", body).encode()
    first = prepare(original, URL, None, False).article
    assert prepare(original, URL, None, False, False, first).diff is None  # same text: no diff
    edited = html.format("Gespräche in Genf vertagt", body).encode()
    made = prepare(edited, URL, None, False, False, first)
    second, diff = made.article, made.diff
    assert diff == diff_articles(first, second) and "headline" in diff.categories

    record_page(db, page(first))
    current = db.execute("select current_version from articles").fetchone()[0]
    marked = replace(diff, categories=["lead"])  # not what the store would compute itself
    later = page(second)
    later.diff, later.diff_base = marked, current
    outcome = record_page(db, later)
    assert outcome.categories == ["lead"]
    # A diff against another version than the stored one is not used.
    third = replace(second, headline="Gespräche in Genf abgesagt")
    stale = page(third)
    stale.diff, stale.diff_base = Diff(categories=["lead"]), current
    assert "headline" in record_page(db, stale).categories
