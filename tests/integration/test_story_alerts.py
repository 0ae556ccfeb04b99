"""A story's alerts on a real store, sent through apprise to real local receivers.

Three outlets' new articles of one event, pending together, arrive as one message
("3 outlets now report: …"); an edit of one of them pending with them rides in the same
message as a block of its own; rule alerts of different articles stay apart as before.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from monitor.crawl.record import Extracted, record_page
from monitor.items import Article, Page
from monitor.notify.dispatch import DispatchSettings, dispatch
from monitor.notify.targets import ENV_VAR, load_targets
from monitor.rules.evaluate import content_for

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8001"
EVENT = "Unterhändler kommen in Genf zur dritten Runde zusammen"
# (outlet, headline, role, agency, minutes after T0 it appeared): the texts are made up.
OUTLETS = [
    ("zdf", EVENT, "first", "", 0),
    ("ard", "Dritte Gesprächsrunde in Genf beginnt", "agency", "dpa", 20),
    ("spiegel", "Genf: Delegationen sitzen wieder am Tisch", "rewrite", "dpa", 40),
]


def url_of(source: str) -> str:
    return f"https://www.{source}.example/politik/genf-runde-100.html"


def record(db, source: str, headline: str, body: bytes = b"1"):
    article = Article(
        url=url_of(source),
        canonical_url=url_of(source),
        headline=headline,
        lead="Die Delegationen beraten erneut über eine Waffenruhe.",
        body=["Die Gespräche finden in einem Hotel statt.", "Ein Ergebnis wird nicht erwartet."],
    )
    page = Page(url=url_of(source), source=source, status=200, body=body)
    return record_page(db, Extracted(page, article=article))


def story_alert(db, outcome, source: str, event_id: int, tag: str = "newsroom") -> int:
    """The row the story's evaluator writes for a change of a member article."""
    row = {
        "key": f"story:ukraine-talks:{outcome.change_id}:{tag}",
        "kind": "change",
        "rule": None,
        "story": "ukraine-talks",
        "event_id": event_id,
        "change_id": outcome.change_id,
        "article_id": outcome.article_id,
        "source": source,
        "tag": tag,
        "digest": "immediate",
        "status": "pending",
        "matched": json.dumps(["Genf", "Waffenruhe"]),
        "created_at": T0.isoformat(),
        "not_before": (T0 + timedelta(minutes=45)).isoformat(),
    }
    return db["alerts"].insert(row).last_pk


def three_outlets(db) -> tuple[int, dict[str, int]]:
    """Three outlets' articles in one event of the story; their alerts, latest outlet first."""
    seen = {s: (T0 + timedelta(minutes=m)).isoformat() for s, _, _, _, m in OUTLETS}
    outcomes = {s: record(db, s, h) for s, h, _, _, _ in OUTLETS}
    event = {
        "story": "ukraine-talks",
        "headline": EVENT,
        "first_seen": seen["zdf"],
        "first_article_id": outcomes["zdf"].article_id,
        "first_source": "zdf",
        "updated_at": seen["spiegel"],
        "articles": 3,
        "outlets": 3,
    }
    event_id = db["events"].insert(event).last_pk
    for source, _, role, agency, _ in OUTLETS:
        db["event_articles"].insert(
            {
                "event_id": event_id,
                "story": "ukraine-talks",
                "article_id": outcomes[source].article_id,
                "source": source,
                "seen": seen[source],
                "joined_at": seen[source],
                "role": role,
                "agency": agency,
                "evidence": "{}",
            }
        )
    # Pending in the order the evaluator met them, which is not the order they appeared in.
    ids = {s: story_alert(db, outcomes[s], s, event_id) for s in ("spiegel", "ard", "zdf")}
    return event_id, ids


def run(db, targets, at: datetime = T0 + timedelta(hours=1)):
    return dispatch(db, targets, lambda row: content_for(db, row, BASE), DispatchSettings(), at)


def targets_from(*entries: str):
    return load_targets(None, {ENV_VAR: " ".join(entries)})


def test_three_outlets_new_articles_of_one_event_arrive_as_one_webhook_message(db, http):
    _, ids = three_outlets(db)
    report = run(db, targets_from(f"newsroom={http.url()}"))
    assert (report.sent, report.failed, report.held) == (3, 0, 0)
    (request,) = http.requests
    payload = request.json()
    assert payload["title"] == f"ukraine-talks: 3 outlets now report – {EVENT}"
    lines = payload["message"].splitlines()
    assert lines[0] == f"ukraine-talks · 3 outlets now report: {EVENT}"
    # One line per outlet, in the order they appeared, each with its link and timeline.
    assert [line.split(" · ")[0] for line in lines[1:4]] == ["zdf", "ard", "spiegel"]
    assert "(first to report, 23 Nov 09:00 UTC)" in lines[1]
    assert "(dpa copy, 23 Nov 09:20 UTC)" in lines[2] and "(rewrites dpa," in lines[3]
    for line, (source, headline, *_) in zip(lines[1:4], OUTLETS, strict=True):
        assert headline in line and url_of(source) in line
        assert f"{BASE}/-/newsmon/article/" in line
    assert lines[4].startswith("Matched: Genf, Waffenruhe · story ukraine-talks ·")
    assert {db["alerts"].get(i)["status"] for i in ids.values()} == {"sent"}


def test_the_mail_of_a_folded_event_names_every_outlet_in_both_parts(db, smtp):
    three_outlets(db)
    run(db, targets_from(f"newsroom={smtp.url()}"))
    (mail,) = smtp.messages
    assert mail["Subject"] == f"ukraine-talks: 3 outlets now report – {EVENT}"
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    for part in (html, text):
        assert "3 outlets now report:" in part
        assert [part.index(url_of(s)) for s, *_ in OUTLETS] == sorted(
            part.index(url_of(s)) for s, *_ in OUTLETS
        )
    assert f'<a href="{url_of("ard")}">' in html


def test_an_edit_pending_with_the_event_goes_in_the_same_message_as_its_own_block(db, http):
    event_id, _ = three_outlets(db)
    edited = record(db, "zdf", f"{EVENT}: erste Ergebnisse", b"2")
    story_alert(db, edited, "zdf", event_id)
    run(db, targets_from(f"newsroom={http.url()}"))
    (request,) = http.requests
    fold, edit = request.json()["message"].split("\n\n")
    assert fold.startswith("ukraine-talks · 3 outlets now report:")
    assert edit.startswith("zdf · headline changed")
    assert "{+zusammen: erste Ergebnisse+}" in edit
    assert f"story ukraine-talks · event: {EVENT} (first to report)" in edit


def test_alerts_of_one_event_not_yet_due_wait_and_rule_alerts_stay_per_article(db, http):
    _, ids = three_outlets(db)
    db["alerts"].update(ids["zdf"], {"not_before": (T0 + timedelta(hours=3)).isoformat()})
    for source in ("ard", "spiegel"):  # a rule's alerts on the same articles: no story, no event
        alert = db["alerts"].get(ids[source])
        rule_alert = {**alert, "key": f"talks:{alert['change_id']}:x", "rule": "talks"}
        del rule_alert["id"]
        db["alerts"].insert({**rule_alert, "story": None, "event_id": None, "tag": "desk"})
    targets = targets_from(f"newsroom={http.url('/newsroom')}", f"desk={http.url('/desk')}")
    run(db, targets)
    by_path = {}
    for request in http.requests:
        by_path.setdefault(request.path, []).append(request.json())
    # The two due outlets fold; zdf's alert waits for its time.
    (newsroom,) = by_path["/newsroom"]
    assert newsroom["title"].startswith("ukraine-talks: 2 outlets now report")
    assert url_of("zdf") not in newsroom["message"]
    assert db["alerts"].get(ids["zdf"])["status"] == "pending"
    # The rule's alerts: one message per article, as before.
    assert sorted(m["title"] for m in by_path["/desk"]) == [
        "ard: new article – Dritte Gesprächsrunde in Genf beginnt",
        "spiegel: new article – Genf: Delegationen sitzen wieder am Tisch",
    ]
