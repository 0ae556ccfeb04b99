"""The store: everything newsmon keeps, in one SQLite file, and every SQL statement it runs.

Other packages call the named functions re-exported here; they never write SQL themselves.
The store writes what it is handed (a finished decision of the pipeline, a rule's alerts) in
one transaction; deciding what changed is the diff's business, when to look again revisit's.
"""

from sqlite_utils import Database

from monitor.errors import StoreError
from monitor.store.faults import FAULTS, DatabaseFault, fault
from monitor.store.records import (
    Outcome,
    articles_to_revisit,
    conditional_headers,
    current_words,
    ensure_source,
    insert_new,
    lookup,
    open_db,
    raw_html,
    record_error,
    record_feed,
    record_page,
    record_run,
    schedule_next,
    validators,
    version_article,
    version_row,
)

__all__ = [
    "FAULTS",
    "Database",
    "DatabaseFault",
    "Outcome",
    "StoreError",
    "articles_to_revisit",
    "conditional_headers",
    "current_words",
    "ensure_source",
    "fault",
    "insert_new",
    "lookup",
    "open_db",
    "raw_html",
    "record_error",
    "record_feed",
    "record_page",
    "record_run",
    "schedule_next",
    "validators",
    "version_article",
    "version_row",
]
