"""The writer role on a real Redis and a real SQLite store: each fact is written once however
often it is delivered, a dead writer's entries are taken over, and an alert from a new article
reaches a real local webhook exactly once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis
from receivers import HttpReceiver

from monitor.cluster import stream, writer
from monitor.cluster.keys import WRITERS, keys_of
from monitor.config import parse_config
from monitor.crawl.record import Extracted
from monitor.items import Article, FetchError, Listing, Page
from monitor.notify.targets import ENV_VAR, load_targets
from monitor.store import open_db

URL = "https://www.zdfheute.de/politik/ausland/genf-100.html"
RULE = {"name": "talks", "any": ["Waffenruhe"], "events": ["new"], "notify": ["newsroom"]}


def config_for(redis_url: str, db_path: Path, rules: list[dict] | None = None):
    raw = {
        "newsmon": {"database": str(db_path)},
        "sources": [{"name": "zdf", "feeds": ["https://www.zdfheute.de/rss"]}],
        "rules": rules or [],
        "cluster": {"redis": redis_url, "prefix": "t", "lease_seconds": 1},
    }
    return parse_config(raw, Path("test.toml"))


def page_fact(url: str = URL) -> Extracted:
    article = Article(
        url=url,
        canonical_url=url,
        headline="Delegationen treffen sich in Genf",
        lead="Die Gespräche gehen weiter.",
        body=["In Genf beraten Unterhändler über eine Waffenruhe in der Ukraine."],
    )
    return Extracted(Page(url=url, source="zdf", status=200, body=b"<html>x</html>"), None, article)


def rows(db_path: Path, sql: str) -> list[dict]:
    db = open_db(db_path)
    try:
        return list(db.query(sql))
    finally:
        db.close()


@pytest.fixture
def setup(redis_server, tmp_path):
    config = config_for(redis_server.url, tmp_path / "m.db")
    server = redis.Redis.from_url(redis_server.url)
    return config, server, keys_of(config.cluster)


def make_writer(config, server, consumer: str, targets=None) -> writer.Writer:
    made = writer.Writer(config, server, consumer, targets=targets if targets is not None else [])
    stream.ensure_group(server, made.keys)
    return made


def test_a_page_delivered_twice_is_written_once(setup):
    config, server, keys = setup
    stream.publish(server, keys, "page", page_fact())
    first = make_writer(config, server, "w")
    # Killed after its commit, before the acknowledgement: the entry stays pending.
    facts = stream.read(server, keys, "w", 10, 100, 60_000)
    assert [o.kind for o in writer.apply_batch(first.db, config, facts)] == ["new"]
    first.close()
    again = make_writer(config, server, "w")
    assert again.step(block_ms=100) == 1  # delivered again ...
    again.close()
    assert rows(config.database, "select count(*) as n from versions")[0]["n"] == 1  # ... once
    assert rows(config.database, "select count(*) as n from changes")[0]["n"] == 1
    assert server.xlen(keys.results) == 0
    assert rows(config.database, "select count(*) as n from cluster_applied")[0]["n"] == 0
    [run] = rows(config.database, "select * from crawl_runs")
    assert (run["source"], run["new"], run["fetched"], run["requests"]) == ("zdf", 1, 1, 1)
    assert run["run_id"].startswith("cluster ") and run["statuses"] == '{"200": 1}'
    assert rows(config.database, "select next_check_at from articles")[0]["next_check_at"]


def test_a_dead_writers_entries_are_taken_over_after_the_lease(setup):
    config, server, keys = setup
    stream.publish(server, keys, "page", page_fact())
    stream.ensure_group(server, keys)
    assert len(stream.read(server, keys, "dead", 10, 100, 1000)) == 1  # then SIGKILL
    heir = make_writer(config, server, "heir")
    assert heir.step(block_ms=100) == 0  # the dead writer's lease (1 s) still runs
    time.sleep(1.1)
    assert heir.step(block_ms=100) == 1
    heir.close()
    assert rows(config.database, "select count(*) as n from versions")[0]["n"] == 1
    assert server.xpending(keys.results, WRITERS)["pending"] == 0


def test_listings_errors_and_redirects_are_recorded_and_counted_per_minute(setup):
    config, server, keys = setup
    stream.publish(server, keys, "listing", Listing("https://www.zdfheute.de/rss", "zdf", '"e1"'))
    stream.publish(server, keys, "error", FetchError("r1", "zdf", URL + "?x", "HTTP 500"))
    stream.publish(server, keys, "redirect", [URL + "?old", URL])
    made = make_writer(config, server, "w")
    assert made.step(block_ms=100) == 3
    stream.publish(server, keys, "listing", Listing("https://www.zdfheute.de/rss", "zdf", '"e2"'))
    assert made.step(block_ms=100) == 1
    made.close()
    assert rows(config.database, "select etag from feeds")[0]["etag"] == '"e2"'
    assert rows(config.database, "select reason from crawl_errors")[0]["reason"] == "HTTP 500"
    assert rows(config.database, "select to_url from redirects")[0]["to_url"] == URL
    runs = rows(config.database, "select * from crawl_runs")
    # Both batches ran in one minute, mostly; a second row only when a minute turned between.
    assert sum(r["requests"] for r in runs) == 3 and sum(r["responses"] for r in runs) == 2


def test_an_alert_from_a_new_article_reaches_the_webhook_exactly_once(redis_server, tmp_path):
    config = config_for(redis_server.url, tmp_path / "m.db", [RULE])
    server = redis.Redis.from_url(redis_server.url)
    keys = keys_of(config.cluster)
    other = URL.replace("genf-100", "genf-200")
    with HttpReceiver() as http:
        targets = load_targets(None, {ENV_VAR: f"newsroom={http.url()}"})
        stream.publish(server, keys, "page", page_fact())
        dead = make_writer(config, server, "w", targets)
        # This writer dies after its commit, before the acknowledgement and the alerts.
        writer.apply_batch(dead.db, config, stream.read(server, keys, "w", 10, 100, 60_000))
        dead.close()
        made = make_writer(config, server, "w", targets)
        made.start()  # the change the dead writer stored becomes an alert here
        try:
            assert made.step(block_ms=100) == 1  # delivered again: written already
            stream.publish(server, keys, "page", page_fact(other))
            assert made.step(block_ms=100) == 1  # alerted as it is stored
            deadline = time.monotonic() + 20
            while len(http.requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            made.deliveries.wake()
            time.sleep(1.0)  # another round of the dispatcher sends nothing more
        finally:
            made.close()
    bodies = sorted(r.body.decode() for r in http.requests)
    assert len(bodies) == 2
    assert "genf-100" in bodies[0] and "genf-200" in bodies[1]
    alerts = rows(config.database, "select status, rule from alerts")
    assert alerts == [{"status": "sent", "rule": "talks"}] * 2


def test_stop_ends_the_loop_after_the_batch_in_hand(setup):
    config, server, _ = setup
    made = make_writer(config, server, "w")
    threading.Timer(0.3, made.stop).start()
    began = time.monotonic()
    writer.run(made)  # blocked in a read when stopped
    assert time.monotonic() - began < 5
    made.close()
