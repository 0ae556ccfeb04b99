"""Extraction inside the crawl: the extract stage over a real store, and what importing the
extractor pulls in, seen from a fresh interpreter."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from churning import URL, page
from scrapy.utils.test import get_crawler

from monitor import store
from monitor.crawl.pipelines import ExtractPipeline
from monitor.crawl.record import Extracted, record_page
from monitor.extract.article import extract
from monitor.extract.signature import signature
from monitor.items import Page

BASE = signature(page(), URL, None)


def extract_stage(tmp_path, stored_signature: str):
    """The extract pipeline over a real store that knows the article, signed as given."""
    db = store.open_db(tmp_path / "monitor.db")
    first = Page(url=URL, source="zdf", status=200, body=page())
    with db.atomic():
        record_page(db, Extracted(first, article=extract(first.body, URL)))
    db.execute("update articles set signature = ?", [stored_signature])
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    crawler.spider = SimpleNamespace(db=db, source=SimpleNamespace(name="zdf"))
    stage = ExtractPipeline(crawler)

    def run(body: bytes) -> Extracted:
        fetched = Page(url=URL, source="zdf", status=200, body=body)
        return asyncio.run(stage.process_item(fetched))

    return run, crawler.stats


def test_a_churning_page_with_the_stored_signature_is_not_extracted(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_WORKERS", "0")  # extraction, if any, in this process
    run, stats = extract_stage(tmp_path, BASE)
    churned = run(page(nonce="n2", ago="vor 8 Minuten"))
    assert churned.article is None and churned.signature == BASE
    assert stats.get_value("newsmon/same_signature") == 1
    edited = run(page(headline="Neue Runde in Genf"))
    assert edited.article is not None and edited.article.headline == "Neue Runde in Genf"
    assert edited.signature not in (None, BASE)
    assert stats.get_value("newsmon/same_signature") == 1


def test_extraction_imports_neither_scrapy_nor_a_database_nor_apprise():
    code = (
        "import sys, monitor.extract.article; "
        "print(sorted(m for m in ('scrapy', 'twisted', 'sqlite3', 'sqlite_utils', 'apprise') "
        "if m in sys.modules))"
    )
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo
    )
    assert out.stdout.strip() == "[]"
