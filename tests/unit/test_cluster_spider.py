"""The pure parts of a cluster crawler: the outage line's rate, the page put on the stream, and
the requests the cluster spider makes (their source and lease travel in meta)."""

from __future__ import annotations

import logging

from monitor.cluster.pipelines import Outage, plain
from monitor.items import Page
from spiders.cluster import ClusterPage, ClusterSpider


def test_an_outage_is_said_once_per_interval_and_its_end_once(caplog):
    outage = Outage("redis://:secret@127.0.0.1:6390/0", interval=3600)
    with caplog.at_level(logging.WARNING, logger="newsmon.cluster"):
        for _ in range(50):
            outage.failed(ConnectionError("Connection refused"))
        outage.recovered()
        outage.recovered()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("redis at redis://:***@127.0.0.1:6390/0 unreachable")
    assert "secret" not in " ".join(lines) and "reachable again" in lines[1]


def test_the_stream_gets_a_plain_page_without_lease_or_known():
    page = ClusterPage("http://a/x", "s", 200, b"<html>", known={"article_id": 3}, lease="ab")
    sent = plain(page)
    assert type(sent) is Page and sent.body == b"<html>" and sent.url == "http://a/x"
    assert not hasattr(sent, "lease")


def test_listed_articles_go_through_the_duplicate_filter_and_sitemaps_do_not():
    spider = ClusterSpider()
    spider.source = type("S", (), {"name": "world"})()
    article = spider.article_request("http://a/world/x")
    sitemap = spider._listing("http://a/sitemap.xml", spider.parse_sitemap)
    assert article.meta["source"] == "world" and not article.dont_filter
    assert sitemap.meta["source"] == "world" and sitemap.dont_filter
    assert spider.requested == set()  # a crawler runs for days: it remembers no URLs
