"""No statement the store runs for one page does a full scan of a big table.

The pipeline of one page (storing it new and edited, choosing the due revisits, scheduling
the next check, evaluating rules and stories, the status counts), traced on a small database
and each statement EXPLAINed: a year of data (tests/bench/year.py) must cost what a day does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import yaml

from monitor import clock, store
from monitor.config import load_config
from monitor.crawl.record import Extracted, record_page, schedule_next
from monitor.items import Article, Page
from monitor.rules.evaluate import evaluate
from monitor.store import reads
from monitor.web.stories import load_story_page

ROOT = Path(__file__).resolve().parents[2]
BIG = ("articles", "version_rows", "paragraphs", "version_paragraphs", "changes", "alerts")
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _page(n: int, words: str) -> Extracted:
    url = f"https://zdf.example/a/{n}.html"
    body = [f"Absatz {i} über {words} und die Verhandlung in Genf." for i in range(6)]
    article = Article(url=url, canonical_url=url, headline=f"Bericht {n}: {words}",
                      lead=body[0], body=body, language="de")  # fmt: skip
    html = ("<html><body>" + "".join(f"<p>{p}</p>" for p in body) + "</body></html>").encode()
    return Extracted(Page(url, "zdf", 200, html), article=article)


def _traced_statements(db_path: Path) -> dict[str, str]:
    config = load_config(ROOT / "config" / "monitor.toml")
    db = store.open_db(db_path)
    for n in range(5):
        record_page(db, _page(n, "Waffenruhe"))
    evaluate(db, config, NOW)
    seen: dict[str, str] = {}

    def trace(statement: str) -> None:
        head = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else ""
        if head in ("select", "update", "delete", "with", "insert"):
            seen.setdefault(re.sub(r"\d+|'[^']*'", "?", statement), statement)

    db.conn.set_trace_callback(trace)
    try:
        record_page(db, _page(99, "Waffenruhe"))  # new
        record_page(db, _page(2, "Feuerpause"))  # edited
        at = clock.iso(NOW)
        for source in reads.sources_due(db, at):
            store.articles_to_revisit(db, source, at=at, limit=30)
        schedule_next(db, 1, config.revisit, NOW)
        evaluate(db, config, NOW)
        reads.watched_schedules(db)
        reads.stopped_count(db)
    finally:
        db.conn.set_trace_callback(None)
        db.close()
    return seen


def _full_scans(db_path: Path, statements: dict[str, str]) -> list[str]:
    """Plan lines that read every row of a big table (or of an index over one)."""
    db = store.open_db(db_path)
    found = []
    try:
        for sql in statements.values():
            # An insert into a parent table plans a look-up of its foreign-key children
            # (changes.from_version, to_version) that SQLite runs only while a constraint is
            # violated (OP_FkIfZero), never for the pipeline's valid rows.
            if sql.lstrip().lower().startswith("insert into [version_rows]"):
                continue
            for row in db.conn.execute(f"explain query plan {sql}"):
                detail = row[-1]
                table = re.match(r"SCAN (\w+)", detail)
                if table and table.group(1) in BIG:
                    found.append(f"{detail}  <- {sql[:100]}")
    finally:
        db.close()
    return found


def test_no_statement_of_one_page_scans_a_big_table(db_path):
    statements = _traced_statements(db_path)
    assert any("from articles" in s for s in statements.values())  # the trace caught the reads
    assert any("from changes" in s for s in statements.values())
    assert _full_scans(db_path, statements) == []


def test_the_status_counts_leave_the_stopped_articles_to_the_index(db_path):
    db = store.open_db(db_path)
    try:
        for n in range(3):
            record_page(db, _page(n, "Waffenruhe"))
        db.execute("update articles set next_check_at = 'never' where id = 1")
        db.execute("update articles set next_check_at = null where id = 2")
        assert reads.stopped_count(db) == 1
        assert len(reads.watched_schedules(db)) == 2  # a time and no decision yet
        plan = [r[-1] for r in db.conn.execute(
            "explain query plan select count(*) from articles "
            "where next_check_at = 'never' and status = 'live'")]  # fmt: skip
        assert any("idx_articles_next_check_at_status_source" in line for line in plan)
    finally:
        db.close()


def test_a_sources_latest_crawl_is_read_along_the_index_without_sorting(db_path):
    db = store.open_db(db_path)
    try:
        for n, started in enumerate(["2026-03-01T10:00:00", "2026-03-01T12:00:00",
                                     "2026-03-01T11:00:00"]):  # fmt: skip
            db["crawl_runs"].insert({"run_id": f"r{n}", "source": "zdf", "started_at": started})
        db["crawl_runs"].insert({"run_id": "other", "source": "bbc",
                                 "started_at": "2026-03-01T13:00:00"})  # fmt: skip
        assert [r["run_id"] for r in reads.latest_runs(db, "zdf", 2)] == ["r1", "r2"]
        traced: list[str] = []
        db.conn.set_trace_callback(traced.append)
        reads.latest_runs(db, "zdf", 1)
        db.conn.set_trace_callback(None)
        plan = [r[-1] for r in db.conn.execute(f"explain query plan {traced[-1]}")]
        assert any("idx_crawl_runs_source_started_at" in line for line in plan)
        assert not any("TEMP B-TREE" in line for line in plan)  # no sort of every crawl
    finally:
        db.close()


def _canned(name: str) -> str:
    spec = yaml.safe_load((ROOT / "deploy" / "datasette.yml").read_text())
    return spec["databases"]["monitor"]["queries"][name]["sql"]


def _canned_plan(db_path: Path, name: str, params: dict) -> list[str]:
    sql = _canned(name)
    db = store.open_db(db_path)
    try:
        return [r[-1] for r in db.conn.execute(f"explain query plan {sql}", params)]
    finally:
        db.close()


def test_the_change_lists_walk_their_index_newest_first(db_path):
    store.open_db(db_path).close()
    for name, index in (("headline_edits", "idx_changes_headline"),
                        ("corrections", "idx_changes_correction"),
                        ("takedowns", "idx_changes_kind")):  # fmt: skip
        plan = _canned_plan(db_path, name, {})
        assert any(index in line for line in plan), (name, plan)
        assert not any(line in ("SCAN c", "SCAN changes") for line in plan), (name, plan)
        assert not any("TEMP B-TREE FOR ORDER BY" in line for line in plan), (name, plan)


def test_search_text_reads_no_big_table_whole(db_path):
    store.open_db(db_path).close()
    plan = _canned_plan(db_path, "search_text", {"q": "Genf"})
    scans = [line for line in plan if re.match(r"SCAN (\w+)$", line)]
    assert not [s for s in scans if s.split()[1] in BIG], plan
    assert any("version_paragraphs USING PRIMARY KEY (version_id>?)" in line for line in plan)


def test_search_text_finds_an_old_paragraph_in_the_newest_version(db_path):
    db = store.open_db(db_path)
    try:
        for n in range(3):
            record_page(db, _page(n, "Waffenruhe"))
        record_page(db, _page(0, "Feuerpause"))  # an edit: paragraphs it keeps are old
        newest = db.execute("select max(id) from version_rows").fetchone()[0]
    finally:
        db.close()
    db = store.open_db(db_path)
    try:
        rows = db.conn.execute(_canned("search_text"), {"q": "Verhandlung"}).fetchall()
        numbers = [(r[5], r[1]) for r in rows]
    finally:
        db.close()
    assert len(rows) == 4 and rows[0][3]  # every version, the newest first, with its paragraph
    assert numbers[0][1] == 2 and newest


def test_due_revisits_stop_at_the_limit_along_the_index(db_path):
    db = store.open_db(db_path)
    try:
        for n in range(4):
            record_page(db, _page(n, "Waffenruhe"))
        db.execute("update articles set next_check_at = 'never' where id = 1")
        db.execute("update articles set next_check_at = null where id = 2")
        db.execute("update articles set next_check_at = '2026-03-02T10:00:00+00:00' where id = 3")
        db.execute("update articles set next_check_at = '2026-03-02T13:00:00+00:00' where id = 4")
        due = store.articles_to_revisit(db, "zdf", at="2026-03-02T12:00:00+00:00", limit=30)
        assert [r["id"] for r in due] == [2, 3]
        traced: list[str] = []
        db.conn.set_trace_callback(traced.append)
        store.articles_to_revisit(db, "zdf", at="2026-03-02T12:00:00+00:00", limit=1)
        db.conn.set_trace_callback(None)
        sql = next(s for s in traced if "from articles" in s)
        plan = [r[-1] for r in db.conn.execute(f"explain query plan {sql}")]
        assert any("idx_articles_source_due" in line for line in plan), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan
    finally:
        db.close()


def _story(db) -> None:
    """Five articles of story "s": 1 and 2 in an event first seen 10:00+01:00 (09:00 UTC), 3 in
    one first seen 09:30 UTC (later, though its text sorts first), 4 and 5 in none; 2 edited."""
    for n in range(1, 6):
        record_page(db, _page(n, "Waffenruhe"))
    for n in range(1, 6):
        change = db.execute("select id from changes where article_id = ?", [n]).fetchone()[0]
        joined = f"2026-03-01T1{n}:00:00+00:00"
        db["story_members"].insert({"story": "s", "article_id": n, "source": "zdf",
                                    "joined_at": joined, "change_id": change})  # fmt: skip
    for event, seen in ((1, "2026-03-01T10:00:00+01:00"), (2, "2026-03-01T09:30:00+00:00")):
        db["events"].insert({"id": event, "story": "s", "headline": f"E{event}",
                             "first_seen": seen, "first_article_id": event * 2 - 1})  # fmt: skip
    for article, event in ((1, 1), (2, 1), (3, 2)):
        db["event_articles"].insert({"event_id": event, "story": "s", "article_id": article,
                                     "source": "zdf", "seen": "2026-03-01T09:00:00+00:00",
                                     "role": "report"})  # fmt: skip
    record_page(db, _page(2, "Feuerpause"))


def test_the_story_page_reads_what_it_shows_along_its_indexes(db_path):
    db = store.open_db(db_path)
    try:
        _story(db)
        traced: list[str] = []
        db.conn.set_trace_callback(traced.append)
        page = load_story_page(db.conn, "s")
        db.conn.set_trace_callback(None)
        plans = {sql: [r[-1] for r in db.conn.execute(f"explain query plan {sql}")]
                 for sql in traced}  # fmt: skip
    finally:
        db.close()
    assert page is not None
    assert [e.id for e in page.events] == [2, 1]  # by time, not by text
    assert [a.id for a in page.others] == [5, 4] and page.hidden_others == 0
    assert (page.members, page.changes, page.hidden_events) == (5, 6, 0)
    edited = next(a for a in page.events[1].articles if a.id == 2)
    assert [e.kind != "new" for e in edited.edits] == [True] and page.days == 1 and page.chart
    lines = [line for plan in plans.values() for line in plan]
    scans = [line for line in lines if re.match(r"SCAN (\w+)", line)]
    assert not [s for s in scans if s.split()[1] in (*BIG, "story_members", "event_articles",
                                                     "events", "m", "c", "ea", "a")], plans  # fmt: skip
    for index in ("idx_events_story_first_seen", "idx_story_members_story_joined_at",
                  "idx_changes_article_id_detected_at"):  # fmt: skip
        assert any(index in line for line in lines), (index, plans)
