"""`newsmon sources add` (issue 17, item 8), its pure parts: which links are articles, the link
pattern generalizing them, the feeds and sitemaps a page or robots.txt names, the block."""

from __future__ import annotations

import re
import tomllib

from monitor.probe import page as pagelib
from monitor.probe.block import default_name, render_block
from monitor.probe.pattern import infer_pattern, looks_like_article
from monitor.probe.probe import Listing, Proposal

SITE = "https://www.example.org"
ARTICLES = [
    f"{SITE}/politik/ausland/genf-runde-zwei-garantien-100.html",
    f"{SITE}/politik/ausland/waffenruhe-entwurf-liegt-vor-102.html",
    f"{SITE}/politik/deutschland/haushalt-streit-vertagt-100.html",
    f"{SITE}/politik/ukraine-gespraeche-am-abend-104.html",
]
NAV = [f"{SITE}/politik", f"{SITE}/politik/ausland", f"{SITE}/impressum", f"{SITE}/"]


def test_slugs_and_long_ids_are_articles_and_navigation_is_not():
    assert all(looks_like_article(u) for u in ARTICLES)
    assert looks_like_article(f"{SITE}/news/4711233")
    assert not any(looks_like_article(u) for u in NAV)
    assert not looks_like_article(f"{SITE}/assets/very-long-file-name.css")


def test_the_pattern_keeps_the_shared_prefix_and_the_slug_id_shape():
    inferred = infer_pattern(ARTICLES)
    assert inferred.pattern == r"/politik/(?:[a-z0-9-]+/)*[a-z0-9-]+-\d{3}\.html$"
    assert inferred.matched == ARTICLES and inferred.missed == []
    assert not any(re.search(inferred.pattern, u) for u in NAV)


def test_links_of_one_depth_give_a_fixed_number_of_segments():
    links = [
        f"{SITE}/world/europe/talks-resume-in-geneva",
        f"{SITE}/world/business/gas-price-falls-again",
    ]
    inferred = infer_pattern(links)
    assert inferred.pattern == "/world/[a-z0-9-]+/[a-z0-9-]+$"
    assert not re.search(inferred.pattern, f"{SITE}/world/europe")


def test_the_largest_shape_wins_and_the_others_are_reported_missed():
    odd = f"{SITE}/politik/dossier/special"
    inferred = infer_pattern([*ARTICLES, odd])
    assert inferred.missed == [odd]
    assert len(inferred.matched) == len(ARTICLES)


def test_numeric_ids_and_trailing_slashes():
    links = [f"{SITE}/article/123456/", f"{SITE}/article/98765/"]
    assert infer_pattern(links).pattern == r"/article/\d+/$"
    assert infer_pattern([]) is None


def test_announced_feeds_page_links_and_robots_sitemaps():
    doc = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss/all">'
        b'<link rel="alternate" type="text/html" href="/de"><link rel="stylesheet" href="/a.css">'
        b'</head><body><a href="/politik/a-b-c-1.html#top">x</a><a href="mailto:x@y">m</a>'
        b'<a href="/politik/a-b-c-1.html?utm_source=x">again</a></body></html>'
    )
    root = pagelib.parse_html(doc)
    assert pagelib.announced_feeds(root, SITE + "/politik") == [SITE + "/rss/all"]
    assert pagelib.page_links(root, SITE + "/politik") == [
        "https://www.example.org/politik/a-b-c-1.html"
    ]
    robots = "User-agent: *\nDisallow: /private/\nSitemap: https://x.org/news.xml\nsitemap:/b.xml\n"
    assert pagelib.robots_sitemaps(robots) == ["https://x.org/news.xml", "/b.xml"]


def test_guessed_listings_look_under_the_section_and_the_root():
    guesses = pagelib.guessed_listings(SITE + "/politik/ausland", ("rss",))
    assert guesses == [SITE + "/politik/ausland/rss", SITE + "/rss"]
    assert pagelib.guessed_listings(SITE + "/index.html", ("rss",)) == [SITE + "/rss"]


def test_listing_kinds():
    rss = (
        b'<rss version="2.0"><channel><item><link>https://e.org/a-b-c</link></item></channel></rss>'
    )
    news = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://e.org/x</loc>'
        b"<news:news><news:title>t</news:title></news:news></url></urlset>"
    )
    assert pagelib.listing_kind(rss) == "feed"
    assert pagelib.listing_links(rss, "feed") == ["https://e.org/a-b-c"]
    assert pagelib.listing_kind(news) == "news sitemap"
    assert pagelib.listing_links(news, "news sitemap") == ["https://e.org/x"]
    assert (
        pagelib.listing_kind(
            news.replace(b"<news:news><news:title>t</news:title></news:news>", b"")
        )
        == "sitemap"
    )
    assert pagelib.listing_kind(b"<html><body>no</body></html>") is None
    assert pagelib.listing_kind(b"not xml at all") is None


def test_default_names():
    assert default_name("https://www.spiegel.de/politik/") == "spiegel"
    assert default_name("https://www.bbc.co.uk/news/world") == "bbc"
    assert default_name("http://127.0.0.1:8800/world/") == "world"


def test_the_block_loads_as_toml_with_the_regex_unchanged():
    proposal = Proposal(SITE + "/politik/ausland")
    proposal.feeds = [Listing(SITE + "/rss/all", "feed"), Listing(SITE + "/other", None)]
    proposal.sitemaps = [Listing(SITE + "/news.xml", "news sitemap")]
    proposal.inferred = infer_pattern(ARTICLES)
    table = tomllib.loads(render_block(proposal, "example", relevance=True))["sources"][0]
    assert table["feeds"] == [SITE + "/rss/all"]
    assert table["sitemaps"] == [SITE + "/news.xml"]
    assert table["sections"] == [SITE + "/politik/ausland"]
    assert table["link_pattern"] == proposal.inferred.pattern
    assert table["allowed_domains"] == ["example.org"] and table["relevance"] == "rules"
