"""The outbox end to end: a process killed between evaluation and delivery loses no alert."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections import Counter

from conftest import SAMPLE_CONFIG, rows, start_newsmon, wait_for
from receivers import HttpReceiver

SECRET = "s3cr3tT0ken9Q"


def start_crawl(site, db_path, hook_url: str) -> subprocess.Popen:
    env = {
        "NEWSMON_SAMPLE_URL": site.base_url,
        "NEWSMON_DB": str(db_path),
        "NEWSMON_APPRISE_URLS": f"newsroom={hook_url}",
    }
    return start_newsmon(
        "--config",
        str(SAMPLE_CONFIG),
        "crawl",
        "--all",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def delivered(receiver: HttpReceiver) -> Counter:
    """Messages received per article link (a folded message links each outlet's article)."""
    return delivered_in(receiver.requests)


def delivered_in(requests: list) -> Counter:
    counts: Counter = Counter()
    for request in requests:
        body = request.json().get("message", "")
        counts.update(set(re.findall(r"https?://[^\s)>\]]+", body)))
    return counts


def test_killing_the_process_mid_delivery_loses_no_alert_and_repeats_at_most_the_send_in_flight(
    site, db_path
):
    with HttpReceiver() as receiver:
        receiver.refuse("hang")
        hook = receiver.url(f"/hook/{SECRET}")
        proc = start_crawl(site, db_path, hook)
        assert receiver.hanging.wait(60), "no alert was ever sent"
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        alerts = rows(db_path, "select * from alerts")
        assert len(alerts) >= 20  # the first crawl of the sample site matches many stories
        assert all(a["status"] == "pending" for a in alerts)
        assert (
            rows(db_path, "select count(*) as n from changes where evaluated_at is null")[0]["n"]
            == 0
        )

        receiver.recover()  # the send that was in flight completes now: it did arrive
        wait_for(lambda: not receiver.answering, 10, "the send in flight answered")
        again = start_crawl(site, db_path, hook)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err[-3000:]

        alerts = rows(db_path, "select * from alerts")
        assert {a["status"] for a in alerts} == {"sent"}
        per_article = delivered(receiver)
        articles = {
            r["url"]
            for r in rows(
                db_path,
                "select distinct ar.url from alerts al join articles ar on ar.id = al.article_id",
            )
        }
        assert set(per_article) == articles  # every alert arrived
        # Only the message in flight at the kill can repeat (a burst's fold: many articles),
        # once: its articles are the only ones received twice.
        in_flight = set(delivered_in(receiver.requests[:1]))
        repeated = {url for url, n in per_article.items() if n > 1}
        assert repeated <= in_flight and max(per_article.values()) <= 2
        print(
            f"\nkill test: {len(alerts)} alerts on {len(per_article)} articles, "
            f"{len(receiver.requests)} messages received, {len(repeated)} article(s) repeated "
            f"(the message in flight named {len(in_flight)})"
        )

        # The hook's secret path never reaches the database, the logs or the output.
        assert SECRET.encode() not in db_path.read_bytes()
        for name in ("-wal",):
            wal = db_path.with_name(db_path.name + name)
            assert not wal.exists() or SECRET.encode() not in wal.read_bytes()
        assert SECRET not in out and SECRET not in err


def test_alert_commands_list_retry_and_test_rules(site, db_path, newsmon):
    assert newsmon("crawl").code == 0
    listing = newsmon("alerts")
    assert listing.code == 0 and "sent" in listing.out
    checked = newsmon("rules", "check")
    assert checked.code == 0 and "1 rule OK" in checked.out
    tried = newsmon("rules", "test", "witkoff", "--all")
    assert tried.code == 0 and "fires witkoff" in tried.out and "»Witkoff«" in tried.out
    story = newsmon("stories", "test", "ukraine-talks", "--all")
    assert story.code == 0 and "sends new (new → new); stored: newsroom sent" in story.out
    first = rows(db_path, "select id from alerts order by id limit 1")[0]["id"]
    retried = newsmon("alerts", "retry", str(first), "--again")
    assert retried.code == 0 and "1 alert queued again" in retried.out
    assert (
        rows(db_path, "select status from alerts where id = ?", [first])[0]["status"] == "pending"
    )
    missing = newsmon("alerts", "retry", "999999")
    assert missing.code == 2 and "no alert 999999" in missing.err
    console = newsmon("notify", "test")  # no target configured: the console is the target
    assert console.code == 0 and "ok   console" in console.out


def test_notify_test_reports_each_target(newsmon, monkeypatch):
    with HttpReceiver() as up, HttpReceiver() as down:
        down.refuse("500")
        monkeypatch.setenv(
            "NEWSMON_APPRISE_URLS", f"newsroom={up.url('/a')} newsroom={down.url('/b')}"
        )
        result = newsmon("notify", "test", "newsroom")
        assert result.code == 1
        lines = [line for line in result.out.splitlines() if line.startswith(("ok", "FAIL"))]
        assert len(lines) == 2 and lines[0].startswith("ok") != lines[1].startswith("ok")
        assert len(up.requests) == 1 and json.loads(up.requests[0].body)
