"""The alert outbox as stored: changes waiting for the rules, alert rows, the dispatch lease.

Plain reads and writes; what to send when, and who may, is decided by monitor.rules.evaluate,
monitor.notify.dispatch and monitor.notify.lease. Functions that write without a transaction
of their own run inside the caller's `db.atomic()`, which keeps a round's writes together.
"""

from __future__ import annotations

from sqlite_utils import Database

# --- changes the rules have not seen yet ------------------------------------------------------


def unevaluated_changes(db: Database) -> list[dict]:
    return list(db.query("select * from changes where evaluated_at is null order by id"))


def mark_evaluated(db: Database, change_id: int, at: str) -> None:
    db.execute("update changes set evaluated_at = ? where id = ?", [at, change_id])


def change_and_article(db: Database, change_id: int, article_id: int) -> tuple[dict, dict]:
    """The change an alert is about and its article (NotFoundError when either is gone)."""
    return db["changes"].get(change_id), db["articles"].get(article_id)


# --- alert rows -------------------------------------------------------------------------------


def last_alert(db: Database, rule: str, article_id: int, tag: str) -> dict | None:
    """The latest alert of a rule on one article for one tag: what its rate limit counts from."""
    rows = list(
        db.query(
            "select status, not_before, sent_at from alerts where rule = ? and article_id = ? "
            "and tag = ? order by id desc limit 1",
            [rule, article_id, tag],
        )
    )
    return rows[0] if rows else None


def pending_alerts(db: Database) -> list[dict]:
    return list(db.query("select * from alerts where status = 'pending' order by id"))


def pending_after(db: Database, alert_id: int) -> list[dict]:
    """The alerts still pending among those made after `alert_id`, oldest first."""
    return list(
        db.query("select * from alerts where id > ? and status = 'pending' order by id", [alert_id])
    )


def last_alert_id(db: Database) -> int:
    return db.execute("select coalesce(max(id), 0) from alerts").fetchone()[0]


def count_pending(db: Database) -> int:
    return db.execute("select count(*) from alerts where status = 'pending'").fetchone()[0]


def update_alert(db: Database, alert_id: int, values: dict) -> None:
    db["alerts"].update(alert_id, values)


def alert_counts(db: Database) -> dict[str, int]:
    """Alerts per status: {"pending": 2, "sent": 40}."""
    return dict(db.execute("select status, count(*) from alerts group by status").fetchall())


_LISTED = (
    "id, status, kind, rule, story, tag, source, attempts, last_error, created_at, sent_at, "
    "words, matched"
)


def list_alerts(db: Database, status: str | None, limit: int) -> list[dict]:
    """The latest alerts (of one status), newest first."""
    where, params = ("where status = ?", [status]) if status else ("", [])
    return list(
        db.query(f"select {_LISTED} from alerts {where} order by id desc limit ?", [*params, limit])
    )


def listed_alert(db: Database, alert_id: int) -> dict | None:
    """One alert as `list_alerts` shows it; None when there is none of that id."""
    return next(db.query(f"select {_LISTED} from alerts where id = ?", [alert_id]), None)


def dead_alerts(db: Database, limit: int) -> list[dict]:
    return list(
        db.query(
            "select id, tag, rule, last_error from alerts where status = 'dead' "
            "order by id desc limit ?",
            [limit],
        )
    )


def requeue(db: Database, alert_id: int | None, values: dict) -> list[int]:
    """Give one alert (None: every dead one) `values` in one transaction; the ids it changed,
    none when there is no such alert."""
    with db.atomic():
        if alert_id is None:
            ids = [r["id"] for r in db["alerts"].rows_where("status = 'dead'")]
        else:
            ids = [alert_id] if db["alerts"].count_where("id = ?", [alert_id]) else []
        for i in ids:
            db["alerts"].update(i, values)
    return ids


# --- the dispatch lease (monitor.notify.lease) --------------------------------------------------


def lease_row(db: Database, name: str) -> dict | None:
    rows = list(db["dispatch_lease"].rows_where("name = ?", [name]))
    return rows[0] if rows else None


def take_lease(db: Database, row: dict) -> None:
    db["dispatch_lease"].upsert(row, pk="name")


def renew_lease(db: Database, name: str, owner: str, until: str) -> bool:
    """Extend `owner`'s lease to `until`; False when it is no longer the owner's."""
    with db.atomic():
        cursor = db.execute(
            "update dispatch_lease set until = ? where name = ? and owner = ?",
            [until, name, owner],
        )
    return cursor.rowcount == 1


def release_lease(db: Database, name: str, owner: str) -> None:
    with db.atomic():
        db.execute("delete from dispatch_lease where name = ? and owner = ?", [name, owner])


# --- a story alert's event (monitor.stories) ----------------------------------------------------


def alert_event(db: Database, event_id: int | None, article_id: int | None) -> dict | None:
    """The event of a story alert and the article's place in it: {headline, role, agency, seen};
    None when the alert has no event or the event is gone."""
    if event_id is None:
        return None
    rows = list(
        db.query(
            # Who reported first is the event's to say: an earlier article may have joined later.
            "select e.headline, ea.agency, ea.seen, case when e.first_article_id = ea.article_id "
            "then 'first' else ea.role end as role "
            "from events e "
            "left join event_articles ea on ea.event_id = e.id and ea.article_id = ? "
            "where e.id = ?",
            [article_id, event_id],
        )
    )
    return rows[0] if rows else None
