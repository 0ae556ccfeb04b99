"""No statement the store runs for one page does a full scan of a big table.

The pipeline of one page (storing it new and edited, choosing the due revisits, scheduling
the next check, evaluating rules and stories, the status counts), traced on a small database
and each statement EXPLAINed: a year of data (tests/bench/year.py) must cost what a day does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from monitor import clock, store
from monitor.config import load_config
from monitor.crawl.record import Extracted, record_page, schedule_next
from monitor.items import Article, Page
from monitor.rules.evaluate import evaluate
from monitor.store import reads

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
