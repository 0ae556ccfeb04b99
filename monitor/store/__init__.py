"""The store: everything newsmon keeps, in one SQLite file, and every SQL statement it runs.

Other packages call the named functions re-exported here (or those of the store's other
modules: outbox, reads, views, health, maintenance); they never write SQL themselves. The store
writes what it is handed (a finished decision of the pipeline, a rule's alerts) in one
transaction; deciding what changed is the diff's business (monitor.diff.decide), when to look
again revisit's. So the store imports only sqlite-utils and newsmon's plain parts (items,
urls, clock, errors), never monitor.diff, monitor.revisit or anything that calls it.

db: the connection, open_db, transactions. articles: which article a URL is, validators,
what is due. versions: the stored texts. pages: writing one page's outcome. runs: the crawl
log and what spiders found. migrations: the schema. faults: storage faults.
"""

from sqlite_utils import Database

from monitor.errors import StoreError
from monitor.store.articles import (
    article_key,
    articles_to_revisit,
    conditional_headers,
    current_words,
    known_article,
    lookup,
    revisit_facts,
    set_next_check,
    validators,
)
from monitor.store.db import insert_new, open_db
from monitor.store.faults import FAULTS, DatabaseFault, fault
from monitor.store.pages import entries_of, write_page
from monitor.store.runs import ensure_source, record_discovery, record_error, record_run
from monitor.store.versions import (
    current_version,
    raw_html,
    search_versions,
    version_article,
    version_row,
)

__all__ = [
    "FAULTS",
    "Database",
    "DatabaseFault",
    "StoreError",
    "article_key",
    "articles_to_revisit",
    "conditional_headers",
    "current_version",
    "current_words",
    "ensure_source",
    "entries_of",
    "fault",
    "insert_new",
    "known_article",
    "lookup",
    "open_db",
    "raw_html",
    "record_discovery",
    "record_error",
    "record_run",
    "revisit_facts",
    "search_versions",
    "set_next_check",
    "validators",
    "version_article",
    "version_row",
    "write_page",
]
