"""The dispatcher on a real alerts table, sending through apprise to real local receivers.

E-mail goes to an SMTP server on 127.0.0.1, webhooks to an HTTP server on
127.0.0.1. Only Slack is intercepted, at the `requests` call its apprise plugin
makes, because Slack's servers are out of reach. Time is passed in as `now`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.diff.core import Diff, diff_articles
from monitor.errors import NotifyError
from monitor.items import Article
from monitor.notify.dispatch import DispatchSettings, dispatch
from monitor.notify.messages import AlertContent
from monitor.notify.probe import send_test
from monitor.notify.targets import ENV_VAR, load_targets

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SLACK = "slack://T0SECRET1/B0SECRET2/Sl4ckTokenSecretValue123"
HOOK_TOKEN = "Hook-Tok3n-Secret"
SECRETS = ("mail-S3cret-pw", HOOK_TOKEN, "T0SECRET1", "B0SECRET2", "Sl4ckTokenSecretValue123")


def targets_from(*entries: str):
    return load_targets(None, {ENV_VAR: " ".join(entries)})


# --- rows as the store and the rules would write them ------------------------------------

BASE = Article(url="", headline="Delegationen treffen sich in Genf", lead="Die Runde beginnt.")


def article(db, n: int) -> int:
    url = f"https://www.zdfheute.de/politik/genf-{n}-100.html"
    return db["articles"].insert({"source": "zdf", "url": url, "headline": "h"}).last_pk


def alert(db, article_id: int, headline: str, tag: str = "newsroom", at: datetime = T0, **row):
    """A change of the article's headline to `headline`, and its alert for `tag`."""
    diff = diff_articles(BASE, Article(url="", headline=headline, lead=BASE.lead))
    change_id = (
        db["changes"]
        .insert(
            {
                "article_id": article_id,
                "source": "zdf",
                "detected_at": at.isoformat(),
                "kind": diff.categories[0],
                "categories": json.dumps(diff.categories),
                "headline": headline,
                "diff": diff.readable(),
                "ops": diff.to_json(),
            }
        )
        .last_pk
    )
    values = {
        "key": f"ukraine-talks:{change_id}:{tag}",
        "kind": "change",
        "rule": "ukraine-talks",
        "change_id": change_id,
        "article_id": article_id,
        "source": "zdf",
        "tag": tag,
        "matched": json.dumps(["Genf"]),
        "created_at": at.isoformat(),
        "not_before": at.isoformat(),
        **row,
    }
    return db["alerts"].insert(values).last_pk


def contents(db):
    """What the lead's code does: an alert row and its change become an AlertContent."""

    def content_for(row: dict) -> AlertContent:
        change = db["changes"].get(row["change_id"])
        return AlertContent(
            source=row["source"],
            categories=json.loads(change["categories"]),
            headline=change["headline"],
            url=db["articles"].get(row["article_id"])["url"],
            diff=Diff.from_json(change["ops"]),
            matched=json.loads(row["matched"]),
            rule=row["rule"],
            detected_at=change["detected_at"],
        )

    return content_for


def run(db, targets, at: datetime = T0, **settings):
    return dispatch(db, targets, contents(db), DispatchSettings(**settings), now=at)


def row(db, alert_id: int) -> dict:
    return db["alerts"].get(alert_id)


# --- each kind of target ----------------------------------------------------------------


def test_an_email_alert_has_an_html_part_with_del_and_ins_and_a_text_part_with_markers(db, smtp):
    (target,) = targets_from(f"newsroom={smtp.url()}")
    a = alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf")
    report = run(db, [target])
    assert (report.sent, report.failed, report.held) == (1, 0, 0)
    assert smtp.logins == ["newsmon"]
    (mail,) = smtp.messages
    assert mail["Subject"] == "zdf: headline changed – Delegationen treffen sich erneut in Genf"
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert '<ins style="color:#070">erneut</ins>' in html
    assert "Headline: Delegationen treffen sich {+erneut+} in Genf" in text
    assert "Delegationen treffen sich erneut in Genf" in text.splitlines()
    assert "https://www.zdfheute.de/politik/genf-1-100.html" in text
    assert row(db, a)["status"] == "sent" and json.loads(row(db, a)["delivered_to"]) == [target.id]


def test_a_removed_word_is_struck_in_the_html_part_and_marked_in_the_text_part(db, smtp):
    BASE_WITH = "Delegationen treffen sich heute in Genf"
    a_id = article(db, 1)
    alert(db, a_id, BASE_WITH)
    db["changes"].update(
        1, {"ops": diff_articles(Article("", BASE_WITH), Article("", BASE.headline)).to_json()}
    )
    run(db, targets_from(smtp.url()))
    (mail,) = smtp.messages
    assert '<del style="color:#a00">heute</del>' in mail.get_body(("html",)).get_content()
    assert "treffen sich [-heute-] in Genf" in mail.get_body(("plain",)).get_content()


def test_a_json_webhook_receives_title_and_the_plain_text_message(db, http):
    (target,) = targets_from(f"newsroom={http.url('/hook/' + HOOK_TOKEN)}")
    alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf")
    run(db, [target])
    (request,) = http.requests
    assert request.path == f"/hook/{HOOK_TOKEN}"
    payload = request.json()
    assert payload["title"] == "zdf: headline changed – Delegationen treffen sich erneut in Genf"
    assert (
        payload["message"].splitlines()[2]
        == "Headline: Delegationen treffen sich {+erneut+} in Genf"
    )
    assert payload["message"].endswith("https://www.zdfheute.de/politik/genf-1-100.html")
    assert payload["type"] == "info"


def test_a_form_webhook_receives_the_message_as_form_fields(db, http):
    targets = targets_from(f"form://127.0.0.1:{http.port}/form")
    alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf")
    run(db, targets)
    (request,) = http.requests
    assert "{+erneut+}" in request.form()["message"]


def test_a_slack_alert_posts_exactly_this_payload(db, slack_posts):
    targets = targets_from(f"newsroom={SLACK}?footer=no&image=no")
    alert(db, article(db, 1), "<!channel> Delegationen treffen sich *erneut* in Genf")
    run(db, targets)
    ((method, url, payload),) = slack_posts
    assert (method, url) == ("post", "https://hooks.slack.com/services/" + SLACK[8:])
    headline = "&lt;!channel&gt; Delegationen treffen sich ∗erneut∗ in Genf"
    link = "https://www.zdfheute.de/politik/genf-1-100.html"
    assert payload == {
        "attachments": [
            {
                "blocks": [
                    {
                        "type": "header",
                        "text": {
                            "type": "plain_text",
                            "text": "zdf: headline changed – &lt;!channel&gt; Delegationen treffen sich *erneut* in Genf",
                            "emoji": True,
                        },
                    },
                    {
                        "type": "section",
                        "text": {
                            "type": "mrkdwn",
                            "text": "*zdf* · headline changed\n"
                            f"*<{link}|{headline}>*\n"
                            "Headline: *&lt;!channel&gt;* Delegationen treffen sich *∗erneut∗* in Genf\n"
                            "Matched: Genf · rule ukraine-talks · 23 Nov 10:00 UTC",
                        },
                    },
                ],
                "color": "#3AA3E3",
            }
        ]
    }


def test_console_is_the_target_when_none_is_configured(db, capsys):
    assert load_targets(None, {}) == []
    a = alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf")
    assert run(db, []).sent == 1
    out = capsys.readouterr().out
    assert "Headline: Delegationen treffen sich {+erneut+} in Genf" in out
    assert row(db, a)["status"] == "sent" and row(db, a)["delivered_to"] == '["console"]'


# --- outage, retry, order, dead ---------------------------------------------------------


def test_an_outage_delays_one_target_while_the_other_gets_each_alert_exactly_once(db, smtp, http):
    targets = targets_from(f"newsroom={smtp.url()}", f"newsroom={http.url()}")
    mail_id, hook_id = (t.id for t in targets)
    one, two = article(db, 1), article(db, 2)
    a1 = alert(db, one, "Delegationen treffen sich erneut in Genf")
    a2 = alert(db, one, "Delegationen treffen sich nochmals in Genf")
    b1 = alert(db, two, "Delegationen treffen sich morgen in Genf")

    http.refuse("500")
    report = run(db, targets, T0)
    assert (report.sent, report.failed, report.dead) == (0, 3, 0)
    assert len(smtp.messages) == 2  # a1 and a2 folded into one message, b1 in another
    assert len(http.refused) == 2 and not http.requests
    first = row(db, a1)
    assert first["attempts"] == 1 and "error=500" in first["last_error"]
    assert (
        first["last_error"].startswith(f"JSON {hook_id}: ")
        and "127.0.0.1:" not in first["last_error"]
    )
    assert json.loads(first["delivered_to"]) == [mail_id]
    retry = datetime.fromisoformat(first["not_before"]) - T0
    assert timedelta(seconds=24) <= retry <= timedelta(seconds=36)  # 30 s ± 20 %

    assert run(db, targets, T0 + timedelta(seconds=10)).held == 3  # backing off: nothing sent
    http.refuse("close")
    report = run(db, targets, T0 + timedelta(seconds=60))
    assert report.failed == 3 and row(db, a1)["attempts"] == 2
    assert "Connection error" in row(db, a1)["last_error"]
    retry = datetime.fromisoformat(row(db, a1)["not_before"]) - (T0 + timedelta(seconds=60))
    assert timedelta(seconds=48) <= retry <= timedelta(seconds=72)  # 60 s ± 20 %

    # A newer alert on the same article: mail gets it now; the webhook keeps the order.
    a3 = alert(db, one, "Delegationen treffen sich wieder in Genf", at=T0 + timedelta(seconds=70))
    run(db, targets, T0 + timedelta(seconds=80))
    assert len(smtp.messages) == 3 and not http.requests
    assert json.loads(row(db, a3)["delivered_to"]) == [mail_id]

    http.recover()
    report = run(db, targets, T0 + timedelta(minutes=30))
    assert report.sent == 4 and report.failed == 0
    assert len(smtp.messages) == 3  # never re-sent because the other target failed
    article_one, article_two = (r.json()["message"] for r in http.requests)
    order = [article_one.index("{+" + word + "+}") for word in ("erneut", "nochmals", "wieder")]
    assert order == sorted(order) and "{+morgen+}" in article_two
    for alert_id in (a1, a2, a3, b1):
        assert row(db, alert_id)["status"] == "sent"
        assert sorted(json.loads(row(db, alert_id)["delivered_to"])) == sorted([mail_id, hook_id])
    assert [row(db, i)["attempts"] for i in (a1, a2, b1, a3)] == [2, 2, 2, 0]
    mails = "\n".join(m.get_body(("plain",)).get_content() for m in smtp.messages)
    for word in ("erneut", "nochmals", "morgen", "wieder"):
        assert mails.count("{+" + word + "+}") == 1


def test_after_max_attempts_an_alert_is_dead_and_logged_at_error(db, http, caplog):
    targets = targets_from(http.url())
    a = alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf")
    http.refuse("500")
    reports = [run(db, targets, T0 + timedelta(hours=h), max_attempts=3) for h in range(3)]
    assert [(r.failed, r.dead) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    assert row(db, a)["status"] == "dead" and row(db, a)["attempts"] == 3
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(f"1 dead after 3 attempts ({a})" in e for e in errors), errors
    http.recover()
    assert run(db, targets, T0 + timedelta(hours=9)).sent == 0 and not http.requests


def test_alerts_for_a_tag_no_target_has_are_dead_with_a_warning(db, http, caplog):
    a = alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf", tag="admin")
    report = run(db, targets_from(f"newsroom={http.url()}"))
    assert report.dead == 1 and row(db, a)["last_error"] == "no target has tag admin"
    assert "No target has tag 'admin'" in caplog.text and not http.requests


def test_an_untagged_or_always_target_takes_every_tag(db, http):
    targets = targets_from(http.url("/all"), f"always={http.url('/always')}")
    alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf", tag="admin")
    assert run(db, targets).sent == 1
    assert sorted(r.path for r in http.requests) == ["/all", "/always"]


def test_a_round_sends_at_most_batch_limit_alerts_and_the_rest_next_round(db, http):
    targets = targets_from(http.url())
    for n in range(3):
        alert(db, article(db, n), f"Delegationen treffen sich {n}. Mal in Genf")
    report = run(db, targets, batch_limit=2)
    assert (report.sent, report.held) == (2, 1)
    assert run(db, targets, batch_limit=2).sent == 1 and len(http.requests) == 3


def test_an_alert_is_sent_once_the_target_it_was_waiting_for_leaves_the_config(db, smtp, http):
    mail, hook = targets_from(smtp.url(), http.url())
    a = alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf")
    http.refuse("500")
    run(db, [mail, hook])
    assert row(db, a)["status"] == "pending"
    assert run(db, [mail], T0 + timedelta(seconds=1)).sent == 1
    assert row(db, a)["status"] == "sent" and len(smtp.messages) == 1


# --- quiet hours and digests --------------------------------------------------------------


def test_quiet_hours_hold_a_tag_until_the_window_ends(db, http):
    targets = targets_from(f"newsroom={http.url()}")
    late = datetime(2026, 11, 23, 23, 0).astimezone()  # 23:00 local time
    a = alert(db, article(db, 1), "Delegationen treffen sich erneut in Genf", at=late)
    quiet = {"newsroom": ("22:00", "07:00")}
    report = run(db, targets, late, quiet_hours=quiet)
    assert report.held == 1 and not http.requests
    morning = datetime(2026, 11, 24, 7, 0).astimezone()
    assert datetime.fromisoformat(row(db, a)["not_before"]) == morning
    assert run(db, targets, morning - timedelta(minutes=1), quiet_hours=quiet).held == 1
    assert run(db, targets, morning, quiet_hours=quiet).sent == 1 and len(http.requests) == 1


def test_due_digest_alerts_of_a_tag_go_out_as_one_message(db, http):
    targets = targets_from(f"newsroom={http.url()}")
    period_end = T0 + timedelta(hours=1)
    one, two = article(db, 1), article(db, 2)
    for n, (about, word) in enumerate([(one, "erneut"), (two, "morgen"), (one, "wieder")]):
        at = T0 + timedelta(minutes=10 * n)
        alert(db, about, f"Delegationen treffen sich {word} in Genf", at=at, digest="hourly",
              not_before=period_end.isoformat())  # fmt: skip
    assert run(db, targets, T0 + timedelta(minutes=30)).held == 3 and not http.requests
    assert run(db, targets, period_end).sent == 3
    (request,) = http.requests
    payload = request.json()
    assert payload["title"] == "newsmon: 3 alerts on 2 stories (zdf)"
    message = payload["message"]
    order = [message.index("{+" + word + "+}") for word in ("erneut", "wieder", "morgen")]
    assert order == sorted(order)  # grouped by article, oldest first


# --- targets from config and environment --------------------------------------------------


def test_the_example_apprise_config_loads_with_its_tags():
    targets = load_targets(ROOT / "config" / "apprise.example.yml", {})
    assert [(t.service, t.tags, t.format) for t in targets] == [
        ("Slack", {"newsroom"}, "slack"),
        ("E-Mail", {"newsroom"}, "email"),
        ("JSON", {"admin"}, "text"),
    ]
    assert all(len(t.id) == 12 for t in targets)


def test_the_environment_takes_tags_and_space_or_comma_separated_urls(http):
    base = f"json://127.0.0.1:{http.port}"
    targets = targets_from(f"newsroom={base}/a,admin,ops={base}/b?to=x,y {base}/c")
    assert [t.tags for t in targets] == [{"newsroom"}, {"admin", "ops"}, set()]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nurls:\n  - json://127.0.0.1/ok\n  - bogus://Sl4ckTokenSecretValue123\n",
         ":4: apprise cannot use URL #2 (bogus://…)"),
        ("version: 1\nurls:\n  - json://h/Sl4ckTokenSecretValue123: {tag: [a\n",
         ":4: not valid YAML"),
        ("urls: json://h/Sl4ckTokenSecretValue123\n", ":1: `urls:` must be a list"),
        ("version: 1\ninclude: http://h/Sl4ckTokenSecretValue123\nurls: []\n",
         ":2: `include` is not supported"),
    ],
)  # fmt: skip
def test_a_bad_apprise_config_names_the_file_and_line_but_never_the_url(tmp_path, text, message):
    path = tmp_path / "apprise.yml"
    path.write_text(text)
    with pytest.raises(NotifyError) as error:
        load_targets(path, {})
    assert f"{path}{message}" in str(error.value)
    assert "Sl4ckTokenSecretValue123" not in str(error.value)


def test_a_bad_environment_entry_is_named_by_number_not_by_url():
    with pytest.raises(NotifyError, match=r"entry 2 \(bogus://…\)") as error:
        targets_from("json://127.0.0.1/a", "bogus://Sl4ckTokenSecretValue123")
    assert "Sl4ckTokenSecretValue123" not in str(error.value)


def test_notify_test_sends_a_real_message_and_reports_each_target(smtp, http):
    mail, hook = targets_from(f"newsroom={smtp.url()}", f"admin={http.url()}")
    http.refuse("500")
    assert send_test([mail, hook], None) == [
        (mail.id, "E-Mail", True, ""),
        (
            hook.id,
            "JSON",
            False,
            "Failed to send JSON POST notification: Internal server error., error=500.",
        ),
    ]
    assert "newsmon sends a test {+message+}" in smtp.messages[0].get_body(("plain",)).get_content()
    assert [r[0] for r in send_test([mail, hook], "newsroom")] == [mail.id]


# --- secrets --------------------------------------------------------------------------------


def test_target_secrets_reach_neither_database_nor_logs_nor_errors(
    db, smtp, http, slack_posts, caplog, tmp_path
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="apprise")  # apprise at its chattiest
    caplog.set_level(logging.DEBUG, logger="urllib3")
    hook = f"newsroom={http.url('/hook/' + HOOK_TOKEN)}"
    targets = targets_from(f"newsroom={smtp.url()}", hook, f"newsroom={SLACK}")
    alerts = [
        alert(db, article(db, n), f"Delegationen treffen sich {n}. Mal in Genf") for n in (1, 2)
    ]
    http.refuse("close")
    run(db, targets, T0)
    http.refuse("500")
    run(db, targets, T0 + timedelta(hours=1))
    http.recover()
    run(db, targets, T0 + timedelta(hours=2))
    assert all(row(db, a)["status"] == "sent" for a in alerts) and len(slack_posts) == 2
    # The test is only worth something if the loggers did talk about the requests.
    assert any(r.name == "apprise" and "JSON POST URL" in r.getMessage() for r in caplog.records)
    assert any(r.name == "urllib3.connectionpool" for r in caplog.records)
    errors = [row(db, a)["last_error"] or "" for a in alerts]
    assert any("error=500" in e for e in errors)
    described = " ".join(t.describe() for t in targets)
    db.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("monitor.db*"))
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for secret in SECRETS:
        assert secret.encode() not in stored, secret
        assert secret not in logged, secret
        assert not any(secret in e for e in errors), secret
        assert secret not in described, secret
