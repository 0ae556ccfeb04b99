"""Schema of the store, as append-only migrations.

Never edit a migration that has shipped: add a new function below the last
one. sqlite-utils records each applied migration in `_sqlite_migrations`, so
an old database is brought forward with its data intact.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from monitor.store import paragraphs

migrations = Migrations("newsmon")


@migrations()
def m001_initial(db: Database) -> None:
    db["sources"].create(
        {"name": str, "spider": str, "settings": str, "first_seen": str, "last_run": str},
        pk="name",
    )
    db["articles"].create(
        {
            "id": int,
            "source": str,
            "url": str,
            "status": str,  # live | removed
            "headline": str,
            "published": str,
            "modified": str,
            "first_seen": str,
            "last_checked": str,
            "last_changed": str,
            "checks": int,
            "versions": int,
            "current_version": int,
            "etag": str,
            "last_modified": str,
            "raw_hash": str,
            "next_check_at": str,
        },
        pk="id",
        not_null={"source", "url", "status"},
        defaults={"status": "live", "checks": 0, "versions": 0},
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["source", "status"])
    db["articles"].create_index(["next_check_at"])
    db["article_urls"].create({"url": str, "article_id": int}, pk="url")
    db["versions"].create(
        {
            "id": int,
            "article_id": int,
            "number": int,
            "fetched_at": str,
            "fingerprint": str,
            "headline": str,
            "kicker": str,
            "lead": str,
            "body": str,
            "byline": str,
            "published": str,
            "modified": str,
            "language": str,
            "canonical_url": str,
            "noise": str,
            "http_status": int,
            "raw_hash": str,
            "raw_size": int,
            "raw_html": bytes,  # zlib-compressed page as fetched
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["versions"].create_index(["article_id", "number"], unique=True)
    db["changes"].create(
        {
            "id": int,
            "article_id": int,
            "source": str,
            "from_version": int,
            "to_version": int,
            "detected_at": str,
            "kind": str,
            "categories": str,  # JSON list
            "headline": str,
            "diff": str,  # readable
            "ops": str,  # JSON, see monitor.diff.core.Diff.to_json
            "words_added": int,
            "words_removed": int,
            "evaluated_at": str,
        },
        pk="id",
        foreign_keys=[
            ("article_id", "articles", "id"),
            ("from_version", "versions", "id"),
            ("to_version", "versions", "id"),
        ],
    )
    db["changes"].create_index(["article_id"])
    db["changes"].create_index(["evaluated_at"])
    db["feeds"].create(
        {"url": str, "source": str, "etag": str, "last_modified": str, "last_checked": str},
        pk="url",
    )
    db["crawl_runs"].create(
        {
            "id": int,
            "run_id": str,
            "source": str,
            "started_at": str,
            "finished_at": str,
            "seconds": float,
            "requests": int,
            "responses": int,
            "fetched": int,
            "not_modified": int,
            "new": int,
            "changed": int,
            "unchanged": int,
            "removed": int,
            "restored": int,
            "dropped": str,  # JSON {reason: count}
            "errors": int,
            "statuses": str,  # JSON {status: count}
            "finish_reason": str,
        },
        pk="id",
    )
    db["crawl_runs"].create_index(["source", "started_at"])
    db["crawl_errors"].create(
        {"id": int, "run_id": str, "source": str, "url": str, "at": str, "reason": str},
        pk="id",
    )
    db["versions"].enable_fts(
        ["headline", "body"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )


@migrations()
def m002_alerts(db: Database) -> None:
    # The outbox: one row per (rule, change, target tag). `key` makes evaluation replay-safe.
    db["alerts"].create(
        {
            "id": int,
            # "<rule>:<change_id>:<tag>", or "health:<source>:<problem>:<since>:<state>:<tag>"
            "key": str,
            "kind": str,  # change | health | test
            "rule": str,
            "change_id": int,
            "article_id": int,
            "version_id": int,
            "source": str,
            "tag": str,
            "digest": str,  # immediate | hourly | daily
            "status": str,  # pending | sent | dead
            "matched": str,  # JSON list of the terms that matched
            "message": str,  # health alerts: the text to send (change alerts render from changes)
            "created_at": str,
            "not_before": str,  # earliest send: rate limit, digest period or retry backoff
            "attempts": int,
            "last_error": str,  # never holds a target URL
            "delivered_to": str,  # JSON list of target ids (hashes) that already have it
            "sent_at": str,
        },
        pk="id",
        not_null={"key", "kind", "tag", "status"},
        defaults={"status": "pending", "attempts": 0, "digest": "immediate", "delivered_to": "[]"},
        foreign_keys=[("change_id", "changes", "id"), ("article_id", "articles", "id")],
    )
    db["alerts"].create_index(["key"], unique=True)
    db["alerts"].create_index(["status", "tag", "not_before"])
    db["alerts"].create_index(["article_id", "rule", "tag"])
    # Source health: one row per problem episode, so an alert goes out when it starts and clears.
    db["source_health"].create(
        {"id": int, "source": str, "problem": str, "since": str, "cleared_at": str, "detail": str},
        pk="id",
    )
    db["source_health"].create_index(["source", "problem", "cleared_at"])


@migrations()
def m003_live_blogs(db: Database) -> None:
    # A live blog is one articles row (kind "liveblog") whose entries are events of their own.
    db["articles"].add_column("kind", str, not_null_default="article")
    db["entries"].create(
        {
            "id": int,
            "article_id": int,
            "key": str,  # the page's id for the entry, else a hash of its time and title
            "published": str,  # the entry's own time, as the page gives it
            "headline": str,
            "text": str,
            "first_seen": str,
            "last_seen": str,
            "change_id": int,  # the change that reported it (null: there on the first visit)
            "edits": int,
        },
        pk="id",
        defaults={"edits": 0},
        foreign_keys=[("article_id", "articles", "id"), ("change_id", "changes", "id")],
    )
    db["entries"].create_index(["article_id", "key"], unique=True)
    db["entries"].create_index(["change_id"])


@migrations()
def m004_dispatch_lease(db: Database) -> None:
    # Who may send from the outbox right now: one row per outbox, held by one process at a time
    # (monitor.notify.lease.Lease), so a `newsmon crawl` beside the daemon never sends an alert
    # twice.
    db["dispatch_lease"].create(
        {"name": str, "owner": str, "host": str, "pid": int, "since": str, "until": str},
        pk="name",
    )


@migrations()
def m005_page_signature(db: Database) -> None:
    # The last fetched page's signature (monitor.extract.signature): a page whose bytes change on
    # every request but whose signature does not is checked without extracting it.
    db["articles"].add_column("signature", str)


@migrations()
def m006_stories(db: Database) -> None:
    # Which articles belong to which story (monitor.stories): one row per (story, article), written
    # when a version first matches the story's terms, never removed by a later edit.
    db["story_members"].create(
        {
            "id": int,
            "story": str,
            "article_id": int,
            "source": str,
            "joined_at": str,  # when newsmon saw the matching version
            "version_id": int,  # the version that matched first
            "change_id": int,  # the change that carried that version (null: none yet)
            "score": float,
            "terms": str,  # JSON list of the distinct terms that matched
            "fields": str,  # JSON {field: [terms]}: where they stood
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("version_id", "versions", "id")],
    )
    db["story_members"].create_index(["story", "article_id"], unique=True)
    db["story_members"].create_index(["article_id"])
    # Inside a story, the articles of different outlets that report one happening.
    db["events"].create(
        {
            "id": int,
            "story": str,
            "headline": str,  # the first article's headline
            "first_seen": str,  # the earliest member's publication (or first sight)
            "first_article_id": int,
            "first_source": str,
            "updated_at": str,
            "articles": int,
            "outlets": int,
        },
        pk="id",
        defaults={"articles": 0, "outlets": 0},
    )
    db["events"].create_index(["story", "first_seen"])
    db["event_articles"].create(
        {
            "id": int,
            "event_id": int,
            "story": str,
            "article_id": int,
            "source": str,
            "seen": str,  # the article's publication (or first sight): orders the outlets
            "joined_at": str,
            "role": str,  # first | agency (agency text verbatim) | rewrite | report
            "agency": str,  # the agency credited (dpa, AFP, Reuters, AP, epd, KNA), or ""
            "evidence": str,  # JSON: how it was grouped, with which article, how strongly
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id"), ("article_id", "articles", "id")],
    )
    db["event_articles"].create_index(["story", "article_id"], unique=True)
    db["event_articles"].create_index(["event_id"])
    db["event_articles"].create_index(["story", "seen"])
    # Story alerts name their story and event (monitor.stories.alerts); rule alerts leave both null
    db["alerts"].add_column("story", str)
    db["alerts"].add_column("event_id", int)


@migrations()
def m007_moves(db: Database) -> None:
    # Article identity over time. A redirect the crawl followed (or was refused as a request
    # already made) is a fact about URLs, kept before the page it leads to is stored, so every
    # URL of a chain becomes an alias of the article the chain ends at.
    db["redirects"].create({"url": str, "to_url": str, "at": str}, pk="url")
    db["redirects"].create_index(["to_url"])
    # An article answering at another URL than before: when, from where, to where, and how its
    # identity was kept (redirect, canonical, alias).
    db["article_moves"].create(
        {"id": int, "article_id": int, "from_url": str, "to_url": str, "at": str, "how": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_moves"].create_index(["article_id", "from_url", "to_url"], unique=True)
    # The URL that last answered 200: revisits go there, and only its failure is a takedown.
    db["articles"].add_column("answered_url", str)
    # A live-blog entry gone from the page (entry_removed): when; null again once it is back.
    db["entries"].add_column("removed_at", str)


@migrations()
def m008_alert_words(db: Database) -> None:
    # The words an alert's terms hit in its version's text (JSON list, monitor.rules.words), what
    # the pages show instead of the terms ("Verhandlungstag" for "Verhandlung*"). Written when
    # the alert is made; rows from before stay null and are shown by their terms.
    db["alerts"].add_column("words", str)


@migrations()
def m009_year_indexes(db: Database) -> None:
    # A year of data (tests/bench/year.py) must not make the per-page reads slower: each of these
    # turns a scan of a big table into a walk along an index that stops early.
    # reads.sources_due: the due articles only ("never" sorts after every ISO time), covered.
    db["articles"].create_index(["next_check_at", "status", "source"])
    # The source_health query's newest article and latest change per source.
    db["articles"].create_index(["source", "first_seen"])
    db["articles"].create_index(["source", "last_changed"])
    # The "Articles of a story" query, newest member first.
    db["story_members"].create_index(["story", "joined_at"])
    db["story_members"].create_index(["joined_at"])
    # "Alerts by status" and "Articles matching a rule or story", newest first.
    db["alerts"].create_index(["status"])  # newest first: (status, rowid)
    db["alerts"].create_index(["rule", "created_at"])
    db["alerts"].create_index(["story", "created_at"])
    # The hourly raw-HTML prune looks only at versions that still hold a page.
    db.execute(
        "create index if not exists idx_versions_raw_fetched_at on versions(fetched_at) "
        "where raw_html is not null"
    )


@migrations()
def m010_paragraphs_once(db: Database) -> None:
    # A paragraph an edit left alone is stored once (monitor.store.paragraphs): the rows keep
    # every column but the body, and the view `versions` gives the body back as text, so every
    # reader, canned query and Datasette user reads `versions.body` as before.
    db["versions"].disable_fts()
    db.execute("alter table versions rename to version_rows")  # references follow the rename
    paragraphs.create_schema(db)
    paragraphs.convert(db)
    db.execute("alter table version_rows drop column body")
    db.execute(paragraphs.VIEW_SQL)
    # Searched once each: every distinct paragraph, and each version's headline.
    fts = {"create_triggers": True, "tokenize": "unicode61 remove_diacritics 2"}
    db["paragraphs"].enable_fts(["text"], **fts)
    db["version_rows"].enable_fts(["headline"], **fts)


@migrations()
def m011_daemon_beats(db: Database) -> None:
    # A heartbeat per `newsmon run` process (monitor.daemon.heartbeat): written at start, every
    # BEAT_EVERY seconds and at a clean stop, so `newsmon status` knows whether the daemon runs
    # rather than guess it from crawls (a `newsmon crawl` by hand looked like the daemon).
    db["daemon_beats"].create(
        {"host": str, "pid": int, "started_at": str, "beat_at": str, "stopped_at": str},
        pk=("host", "pid"),
    )
    db["daemon_beats"].create_index(["beat_at"])


@migrations()
def m012_growth_indexes(db: Database) -> None:
    # More reads that must not grow with a year of data (tests/bench/year.py, issue 18).
    # "Takedowns": the removals newest first, (kind, rowid), not every change.
    db["changes"].create_index(["kind"])
    # "Headline edits" and "Corrections": a few changes among a year of body edits, newest
    # first; the canned queries repeat each condition so the planner takes these.
    for name in ("headline", "correction"):
        db.execute(
            f"create index if not exists idx_changes_{name} on changes(id) "
            f"where instr(categories, '\"{name}\"') > 0"
        )
    # articles_to_revisit: a source's due articles, most overdue first, stopping at the limit
    # (by source alone it sorted all of a source's articles).
    db.execute(
        "create index if not exists idx_articles_source_due "
        "on articles(source, coalesce(next_check_at, ''))"
    )


@migrations()
def m013_story_page_index(db: Database) -> None:
    # The story page (monitor.web.stories) counts its members' changes since each joined and
    # charts those of its last days: one walk of each member's changes by time, from this index
    # alone, instead of reading every change of a story that grows all year.
    db["changes"].create_index(["article_id", "detected_at"])
