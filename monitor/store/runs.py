"""The crawl log: sources, each crawl's numbers (crawl_runs), its failed requests
(crawl_errors), and what a spider found on its way (record_discovery).
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from monitor import clock
from monitor.items import FetchError, Listing
from monitor.store.articles import record_feed


def record_discovery(db: Database, fact: Listing | FetchError) -> None:
    """What a spider learned besides article pages: a listing's validators, or a failed request.
    One transaction each."""
    if isinstance(fact, Listing):
        record_feed(db, fact.url, fact.source, fact.etag, fact.last_modified)
    else:
        record_error(db, fact.run_id, fact.source, fact.url, fact.reason)


def record_error(db: Database, run_id: str, source: str, url: str, reason: str) -> None:
    with db.atomic():
        db["crawl_errors"].insert(
            {"run_id": run_id, "source": source, "url": url, "at": clock.now(), "reason": reason}
        )


def record_run(db: Database, run: dict) -> None:
    with db.atomic():
        db["crawl_runs"].insert(run)
        db["sources"].upsert({"name": run["source"], "last_run": run["finished_at"]}, pk="name")


def ensure_source(db: Database, name: str, spider: str, settings: dict) -> None:
    with db.atomic():
        existing = db["sources"].count_where("name = ?", [name])
        db["sources"].upsert(
            {
                "name": name,
                "spider": spider,
                "settings": json.dumps(settings, ensure_ascii=False),
                **({} if existing else {"first_seen": clock.now()}),
            },
            pk="name",
        )
