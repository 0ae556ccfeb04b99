"""The words an alert matched, stored with the alert when it is made (alerts.words, migration
m008) and read back by the timeline and the front page: "Verhandlungstag" for the term
"Verhandlung*", never a rule's /regex/; an alert made before the column keeps it null and is
shown by its words found again (timeline) or its terms cut short (front page)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from monitor import store
from monitor.config import parse_config
from monitor.crawl.record import Extracted, record_page
from monitor.items import Article, Page
from monitor.rules.evaluate import evaluate
from monitor.web.front import load_front
from monitor.web.views import load_article

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = "https://www.zdf.de/genf-100.html"
REGEX = "/(?:Waffenruhe|Waffenstillstand|Feuerpause)(?:n)?(?:[ -](?:in|für|um)[ -]\\w+)?/"
STORY = {
    "name": "genf",
    "terms": ["Verhandlung*", "Unterhändler*", "Waffenruhe*", "Feuerpause"],
    "notify": ["desk", "archive"],
}


def config(db_path: Path, stories: bool = False):
    raw = {
        "newsmon": {"database": str(db_path)},
        "sources": [{"name": "zdf", "feeds": ["https://www.zdf.de/rss"]}],
        "rules": [
            {"name": "truce", "any": [REGEX], "events": ["new", "changed"], "notify": ["desk"]},
            {"name": "talks", "any": ["Verhandlung*"], "events": ["new"], "notify": ["desk"]},
            {"name": "gone", "any": [REGEX], "events": ["removed"], "notify": ["desk"]},
        ],
        "stories": [STORY] if stories else [],
    }
    return parse_config(raw, Path("test.toml"))


def record(db, body: list[str], raw: bytes, status: int = 200, lead: str = "Verhandlungstag"):
    article = Article(
        url=URL,
        headline="Unterhändler ringen um eine Waffenruhe",
        lead=f"Der {lead} in Genf endet.",
        body=body,
    )
    page = Page(url=URL, source="zdf", status=status, body=raw)
    return record_page(db, Extracted(page, article=article if status == 200 else None))


def one_article(db, db_path, stories: bool = False) -> int:
    """New, a paragraph added (and the lead's "Verhandlungstag" now "Verhandlungsrunde"),
    taken down; alerts evaluated after each."""
    cfg = config(db_path, stories)
    first = record(db, ["Die Gespräche dauern an."], b"1")
    evaluate(db, cfg, NOW)
    paragraphs = ["Die Gespräche dauern an.", "Eine Feuerpause für Charkiw gilt."]
    record(db, paragraphs, b"2", lead="Verhandlungsrunde")
    evaluate(db, cfg, NOW)
    record(db, [], b"", status=404)
    evaluate(db, cfg, NOW)
    return first.article_id


def stored_words(db) -> dict[tuple[str, str], list[list[str] | None]]:
    """{(rule or story, change kind): [its alerts' stored words]} in the order they were made."""
    found: dict[tuple[str, str], list[list[str] | None]] = {}
    for row in db.query(
        "select al.rule, al.story, al.words, c.kind from alerts al "
        "join changes c on c.id = al.change_id order by al.id"
    ):
        words = json.loads(row["words"]) if row["words"] is not None else None
        found.setdefault((row["rule"] or row["story"], row["kind"]), []).append(words)
    return found


def test_a_rules_alert_stores_the_words_its_terms_hit_in_the_version(db, db_path):
    one_article(db, db_path)
    words = stored_words(db)
    assert words["talks", "new"] == [["Verhandlungstag"]]  # the word, not "Verhandlung*"
    assert words["truce", "new"] == [["Waffenruhe"]]  # what the regex hit, not the regex
    assert words["truce", "lead"] == [["Waffenruhe", "Feuerpause für Charkiw"]]
    # A takedown has no version after it: the words come from the text that was taken down.
    assert words["gone", "removed"] == [["Waffenruhe", "Feuerpause für Charkiw"]]


def test_a_storys_alerts_store_the_words_of_the_version_they_are_about(db, db_path):
    one_article(db, db_path, stories=True)
    words = stored_words(db)
    # Two tags, one list each; the members' terms found as the words of each version.
    # The terms that made the article a member, as the words of the version each alert is
    # about: one list per tag.
    assert words["genf", "new"] == [["Verhandlungstag", "Unterhändler", "Waffenruhe"]] * 2
    assert words["genf", "lead"] == [["Verhandlungsrunde", "Unterhändler", "Waffenruhe"]] * 2
    assert words["genf", "removed"] == words["genf", "lead"]  # the text taken down
    assert all("*" not in w for lists in words.values() for ws in lists for w in ws or [])


def test_the_timeline_and_the_front_page_read_the_stored_words(db, db_path):
    article_id = one_article(db, db_path)
    # What the store holds is what the pages show, even where the text would say otherwise.
    db.execute("update alerts set words = ? where rule = 'talks'", ['["Verhandlungsrunde"]'])
    db.conn.commit()
    view = load_article(db.conn, article_id)
    assert [a["words"] for a in view.alerts if a["rule"] == "talks"] == ["Verhandlungsrunde"]
    front = {a["rule"]: a["words"] for a in load_front(db.conn).alerts}
    assert front["talks"] == "Verhandlungsrunde"
    assert front["gone"] == "Waffenruhe, Feuerpause für Charkiw"


def test_an_alert_made_before_words_were_stored_is_shown_without_its_regex(db, db_path):
    article_id = one_article(db, db_path)
    db.execute("update alerts set words = null")  # as migration m008 leaves older rows
    db.conn.commit()
    timeline = {a["id"]: a["words"] for a in load_article(db.conn, article_id).alerts}
    front = load_front(db.conn).alerts
    assert [w for w in timeline.values() if "Charkiw" in w]  # found again in the text
    gone = next(a["words"] for a in front if a["rule"] == "gone")
    assert gone.startswith("/(?:Waffenruhe|Waffen") and gone.endswith("…")  # the term, cut
    assert len(gone) == 40 and REGEX not in gone


def test_the_migration_adds_the_column_and_keeps_older_rows(db_path):
    db = store.open_db(db_path)
    try:
        assert "words" in db["alerts"].columns_dict
        applied = [r["name"] for r in db.query("select name from _sqlite_migrations")]
        assert "m008_alert_words" in applied
    finally:
        db.close()
