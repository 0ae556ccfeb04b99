"""Paragraphs stored once: a version's body is a list of references, not a copy of its text.

An edit changes one to three paragraphs of a dozen; a live blog shows the same forty entries on
hundreds of versions. So each distinct paragraph is one `paragraphs` row (found again by a hash
of its text), and `version_paragraphs` says which paragraph stands at which position of which
version. The view `versions` joins them back into the "\\n\\n"-joined `body` every reader (and
every Datasette user) sees. Nothing here imports the rest of the store: the migration uses it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlite_utils import Database

SEPARATOR = "\n\n"

# The body of a version as stored before (one text, paragraphs joined by a blank line). The
# subquery's order is kept by group_concat (SQLite does not flatten an ordered subquery into
# an aggregate); tests/integration/test_paragraph_store.py checks it character for character.
BODY_SQL = (
    "coalesce((select group_concat(t.text, char(10, 10)) from (select p.text "
    "from version_paragraphs vp join paragraphs p on p.id = vp.paragraph_id "
    "where vp.version_id = v.id order by vp.position) t), '')"
)
# The stored page stays in version_rows: Datasette can link to a BLOB only in a table with a
# primary key (a view's CSV stops at the first one), and the text is what the view is for.
VIEW_SQL = (
    "create view versions as select v.id, v.article_id, v.number, v.fetched_at, v.fingerprint, "
    f"v.headline, v.kicker, v.lead, {BODY_SQL} as body, v.byline, v.published, v.modified, "
    "v.language, v.canonical_url, v.noise, v.http_status, v.raw_hash, v.raw_size, "
    "v.raw_html is not null as has_raw from version_rows v"
)


def digest(text: str) -> bytes:
    """The key a paragraph is found again by: 128 bits of SHA-256 (a collision among a year's
    few million paragraphs is about 1 in 10^25)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:16]


def paragraph_ids(db: Database, texts: Sequence[str]) -> list[int]:
    """The id of each text's paragraph, storing the ones not stored yet."""
    keys = [digest(t) for t in texts]
    known = _known(db, set(keys))
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
    if missing:
        _insert(db, list(missing.items()))
        known |= _known(db, set(missing))
    return [known[k] for k in keys]


def _insert(db: Database, rows: list[tuple[bytes, str]]) -> None:
    """The new paragraphs, in statements of many rows: the full-text index flushes its pending
    terms once per statement, and executemany (a statement a row) took half as much CPU again
    over the real pages of `make bench-real`."""
    for start in range(0, len(rows), 500):  # 1,000 bound parameters, under SQLite's limit
        chunk = rows[start : start + 500]
        marks = ", ".join(["(?, ?)"] * len(chunk))
        values = [value for row in chunk for value in row]
        db.conn.execute(f"insert or ignore into paragraphs (hash, text) values {marks}", values)


def _known(db: Database, keys: set[bytes]) -> dict[bytes, int]:
    found: dict[bytes, int] = {}
    pending = list(keys)
    for start in range(0, len(pending), 500):  # under SQLite's limit of bound parameters
        chunk = pending[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(f"select hash, id from paragraphs where hash in ({marks})", chunk)
        found.update(rows.fetchall())
    return found


def store_body(db: Database, version_id: int, paragraphs: Sequence[str]) -> None:
    """Link the version to its paragraphs, in order."""
    ids = paragraph_ids(db, paragraphs)
    db.conn.executemany(
        "insert into version_paragraphs (version_id, position, paragraph_id) values (?, ?, ?)",
        [(version_id, n, pid) for n, pid in enumerate(ids)],
    )


def body_paragraphs(body: str | None) -> list[str]:
    """A stored body's pieces, such that joining them gives the body back exactly."""
    return body.split(SEPARATOR) if body else []


def create_schema(db: Database) -> None:
    db.execute(
        "create table paragraphs (id integer primary key, hash blob not null unique, "
        "text text not null)"
    )
    db.execute(
        "create table version_paragraphs (version_id integer not null "
        "references version_rows(id), position integer not null, paragraph_id integer not null "
        "references paragraphs(id), primary key (version_id, position)) without rowid"
    )
    # Which versions hold a paragraph: the full-text search finds paragraphs, then these.
    db.execute("create index idx_version_paragraphs_paragraph on version_paragraphs(paragraph_id)")


def convert(db: Database, batch: int = 2000) -> int:
    """Move every version's `body` text into paragraphs, `batch` versions at a time; returns
    how many versions were converted."""
    done, last = 0, 0
    while True:
        rows = db.execute(
            "select id, body from version_rows where id > ? order by id limit ?", [last, batch]
        ).fetchall()
        if not rows:
            return done
        for version_id, body in rows:
            store_body(db, version_id, body_paragraphs(body))
        done += len(rows)
        last = rows[-1][0]
