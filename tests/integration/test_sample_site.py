"""The sample news site itself: feeds, page shapes, conditional requests, faults, script."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html import escape

import pytest
from lxml import html as lxml_html

from monitor.sample_site import SampleSite
from monitor.sample_site.content import SiteState, load_articles
from monitor.sample_site.faults import FAULT_URLS, HUGE_SIZE
from monitor.sample_site.liveblogs import TS_TICKER, ZDF_LIVEBLOG
from monitor.sample_site.script import (
    AUSTAUSCH,
    CATEGORIES,
    GARANTIEN,
    GENF,
    HEADLINE_NEW,
    JOINS,
    LEAD_NEW,
    LIVE_ENTRY,
    LOSES_WORDS,
    MORATORIUM,
    NEW_TEASER,
    OFF_TOPIC,
    SAME_EVENT,
    STORY_TEXTS,
    TICKER_ENTRY,
    TRUCE,
    WITKOFF,
    changes_of,
    default_steps,
)

RSS_FEEDS = ["/zdf/rss/nachrichten", "/tagesschau/index~rss2.xml", "/world/rss.xml"]
ATOM = "{http://www.w3.org/2005/Atom}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict | None = None, method: str = "GET", data: bytes | None = None):
    """(status, headers, body) without following redirects and without raising on 4xx/5xx."""
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with _OPENER.open(request, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.fixture(scope="module")
def site():
    """One untouched site for the read-only tests."""
    with SampleSite() as running:
        yield running


@pytest.fixture
def fresh():
    """A site of its own, for tests that advance the script or set faults."""
    with SampleSite(slow_seconds=0.3) as running:
        yield running


def feed_links(site: SampleSite, path: str) -> list[str]:
    root = ET.fromstring(fetch(site.url(path))[2])
    if root.tag == f"{ATOM}feed":
        return [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]
    if root.tag == f"{SM}urlset":
        return [u.findtext(f"{SM}loc") for u in root.iter(f"{SM}url")]
    return [item.findtext("link") for item in root.iter("item")]


def page(site: SampleSite, path: str):
    status, _headers, body = fetch(site.url(path))
    assert status == 200, path
    return lxml_html.fromstring(body)


def json_ld(tree, kind: str) -> dict:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        data = json.loads(script.text)
        if data.get("@type") == kind:
            return data
    raise AssertionError(f"no {kind} JSON-LD")


# --- feeds, sitemap, robots, section pages -------------------------------------------------------


def test_every_feed_and_the_sitemap_parse_as_xml_and_list_live_articles(site):
    for outlet, feeds in [
        ("zdf", ["/zdf/rss/nachrichten", "/zdf/news-sitemap.xml"]),
        ("tagesschau", ["/tagesschau/index~rss2.xml", "/tagesschau/index~atom.xml"]),
        ("world", ["/world/rss.xml"]),
    ]:
        live = {site.url(path) for path in site.published_paths(outlet)}
        for feed in feeds:
            links = feed_links(site, feed)
            assert set(links) == live, feed
            assert not any("/_control" in link for link in links)


def test_news_sitemap_carries_publication_date_and_title(site):
    root = ET.fromstring(fetch(site.url("/zdf/news-sitemap.xml"))[2])
    entry = next(root.iter(f"{SM}url"))
    assert entry.find(f"{NEWS}news/{NEWS}publication/{NEWS}name").text == "ZDFheute"
    assert re.match(r"\d{4}-\d\d-\d\dT", entry.findtext(f"{NEWS}news/{NEWS}publication_date"))
    assert entry.findtext(f"{NEWS}news/{NEWS}title")


def test_robots_forbids_private_and_points_to_the_news_sitemap(site):
    status, headers, body = fetch(site.url("/robots.txt"))
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /private/" in text
    assert f"Sitemap: {site.base_url}/zdf/news-sitemap.xml" in text
    assert fetch(site.url("/private/secret-100.html"))[0] == 200


def test_section_page_links_articles_the_private_page_and_non_article_pages(site):
    tree = page(site, "/zdf/politik/ausland")
    hrefs = set(tree.xpath("//a/@href"))
    assert GENF in hrefs and "/private/secret-100.html" in hrefs and "/zdf/impressum" in hrefs
    assert WITKOFF not in hrefs  # held back until the script publishes it
    assert fetch(site.url("/zdf/impressum"))[0] == 200


def test_faults_feed_links_every_fault_url_and_the_forbidden_page(site):
    expected = [site.url(u) for u in (*FAULT_URLS, "/private/secret-100.html")]
    assert feed_links(site, "/faults/rss.xml") == expected


def test_hits_count_requests_per_path_ignoring_the_query(fresh):
    for _ in range(3):
        fetch(fresh.url("/world/rss.xml?x=1"))
    assert fresh.hits("/world/rss.xml") == 3
    assert fresh.hits("/private/secret-100.html") == 0


# --- page shapes -------------------------------------------------------------------------------


def test_zdf_page_has_kicker_h1_json_ld_metadata_and_the_usual_noise(site):
    doc = site.state.article(GENF)
    tree = page(site, GENF)
    spans = [s.text_content() for s in tree.xpath("//h1/span")]
    assert spans == [doc.kicker, ":", doc.headline]
    article = json_ld(tree, "NewsArticle")
    assert article["headline"] == doc.headline and article["description"] == doc.lead
    assert article["author"] == {"@type": "Person", "name": doc.byline}
    assert re.search(r"[+-]\d\d:\d\d$", article["dateModified"])
    assert json_ld(tree, "BreadcrumbList")["itemListElement"][-1]["item"]["name"] == doc.headline
    assert tree.xpath("//link[@rel='canonical']/@href") == [site.url(GENF)]
    og_title = tree.xpath("//meta[@property='og:title']/@content")[0]
    assert og_title != doc.headline and doc.headline in og_title
    assert tree.xpath("//link[@type='application/rss+xml']/@href")
    assert tree.xpath("//link[contains(@href, '/_next/')]")
    text = tree.text_content()
    assert f"von {doc.byline}" in text and tree.xpath("//time/@datetime")
    assert doc.caption in text and doc.source_line in text
    assert re.search(r"\d\d\.\d\d\.\d{4} \| \d+:\d\d min", text)
    assert "finden Sie jederzeit in unserem Liveblog:" in text and "Liveblog" in text
    assert "berichtete das ZDFheute journal am" in text and "Mehr zum Thema" in text
    quote = next(b for b in doc.blocks if b.type == "quote")
    assert tree.xpath("//blockquote")[0].text_content() == quote.text
    assert quote.speaker in text


def test_tagesschau_page_has_topline_in_h1_stand_line_and_related_list(site):
    doc = site.state.article(GARANTIEN)
    tree = page(site, GARANTIEN)
    assert [s.text_content() for s in tree.xpath("//h1/span")] == [doc.kicker, doc.headline]
    assert re.search(r"Stand: \d\d\.\d\d\.\d{4} \d\d:\d\d Uhr", tree.text_content())
    assert json_ld(tree, "NewsArticle")["headline"] == doc.headline
    assert "Mehr zum Thema" in tree.text_content()


def test_english_page_has_h1_standfirst_byline_and_related_but_no_kicker(site):
    doc = site.state.article(TRUCE)
    tree = page(site, TRUCE)
    assert tree.xpath("//article//h1")[0].text_content() == doc.headline
    assert doc.lead in tree.text_content() and f"By {doc.byline}" in tree.text_content()
    assert tree.xpath("//blockquote") and "Related" in tree.text_content()


def test_every_article_file_renders_with_all_its_text(site):
    for doc in site.state.visible():
        status, _headers, body = fetch(site.url(doc.path))
        text = body.decode()
        assert status == 200, doc.path
        for piece in [doc.headline, doc.lead, *(b.text for b in doc.blocks)]:
            assert escape(piece) in text, (doc.path, piece)


def test_a_new_deploy_renames_css_classes_but_keeps_the_text():
    with SampleSite() as a, SampleSite(deploy="2") as b:
        one, two = page(a, GENF), page(b, GENF)
    assert one.xpath("//h1/@class") != two.xpath("//h1/@class")
    assert one.xpath("//h1")[0].text_content() == two.xpath("//h1")[0].text_content()


# --- conditional requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [GARANTIEN, TRUCE, *RSS_FEEDS, "/tagesschau/index~atom.xml", "/zdf/news-sitemap.xml"]
)
def test_stable_resources_answer_304_to_their_etag_and_last_modified(site, path):
    status, headers, body = fetch(site.url(path))
    assert status == 200 and headers["ETag"].startswith('"') and headers["Last-Modified"]
    again = fetch(site.url(path))
    assert again[2] == body and again[1]["ETag"] == headers["ETag"]
    assert fetch(site.url(path), {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(site.url(path), {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(site.url(path), {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})[0] == 200


def test_if_none_match_wins_over_if_modified_since(site):
    headers = fetch(site.url(GARANTIEN))[1]
    both = {"If-None-Match": '"other"', "If-Modified-Since": headers["Last-Modified"]}
    assert fetch(site.url(GARANTIEN), both)[0] == 200


def test_zdf_pages_differ_on_every_request_while_their_text_does_not(site):
    pages = [fetch(site.url(AUSTAUSCH)) for _ in range(6)]
    bodies = [body for _status, _headers, body in pages]
    assert len(set(bodies)) == 6
    assert len({headers["ETag"] for _status, headers, _body in pages}) == 6
    assert fetch(site.url(AUSTAUSCH), {"If-None-Match": pages[-1][1]["ETag"]})[0] == 200

    def content(body: bytes) -> list[str]:
        tree = lxml_html.fromstring(body)
        return [e.text_content() for e in tree.xpath("//main//h1 | //main//p | //main//h2")]

    def noise(body: bytes) -> tuple:
        text = body.decode()
        return re.findall(r"vor \d+ Minuten?", text), re.findall(r"\| \d+:\d\d min", text)

    assert all(content(b) == content(bodies[0]) for b in bodies)
    assert len({noise(b)[0][0] for b in bodies}) > 1
    assert len({tuple(noise(b)[1]) for b in bodies}) > 1


# --- faults -------------------------------------------------------------------------------------


def raw_get(site: SampleSite, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    conn.request("GET", path)
    return conn.getresponse()


def test_fixed_faults_each_misbehave_as_named(fresh):
    assert fetch(fresh.url("/fault/500"))[0] == 500
    status, headers, _ = fetch(fresh.url("/fault/429"))
    assert status == 429 and headers["Retry-After"] == "1"
    status, headers, body = fetch(fresh.url("/fault/empty"))
    assert (status, headers["Content-Length"], body) == (200, "0", b"")
    garbage = fetch(fresh.url("/fault/garbage"))
    assert garbage[0] == 200 and garbage[1]["Content-Type"].startswith("text/html")
    assert garbage[2] == fetch(fresh.url("/fault/garbage"))[2]  # seeded
    with pytest.raises(UnicodeDecodeError):
        garbage[2].decode("utf-8")
    assert fetch(fresh.url("/fault/loop"))[1]["Location"] == "/fault/loop-2"
    assert fetch(fresh.url("/fault/loop-2"))[1]["Location"] == "/fault/loop"
    assert fetch(fresh.url("/fault/loop-self"))[1]["Location"] == "/fault/loop-self"
    status, headers, _ = fetch(fresh.url("/fault/offsite"))
    assert status == 302 and headers["Location"] == f"http://localhost:{fresh.port}{GENF}"


def test_slow_fault_waits_then_answers_an_article(fresh):
    started = time.monotonic()
    status, _headers, body = fetch(fresh.url("/fault/slow?seconds=0.4"))
    assert time.monotonic() - started >= 0.4
    assert status == 200 and b"<h1" in body


def test_truncated_fault_sends_less_than_it_declares(fresh):
    resp = raw_get(fresh, "/fault/truncated")
    declared = int(resp.headers["Content-Length"])
    with pytest.raises(http.client.IncompleteRead) as err:
        resp.read()
    assert len(err.value.partial) < declared


def test_huge_fault_streams_twenty_megabytes_of_html(fresh):
    resp = raw_get(fresh, "/fault/huge")
    assert int(resp.headers["Content-Length"]) == HUGE_SIZE
    first = resp.read(1024)
    total = len(first) + sum(len(chunk) for chunk in iter(lambda: resp.read(1 << 20), b""))
    assert first.startswith(b"<!DOCTYPE html>") and total == HUGE_SIZE


def test_wrong_encoding_fault_declares_latin1_but_sends_utf8(fresh):
    status, headers, body = fetch(fresh.url("/fault/wrong-encoding"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert b'<meta charset="iso-8859-1"/>' in body
    text = body.decode("utf-8")
    assert "Кирилл Дмитриев" in text and "größte" in text


def test_faults_on_demand_apply_to_any_path_and_clear_again(fresh):
    path = GARANTIEN
    expectations = {"500": 500, "429": 429, "garbage": 200}
    for name, status in expectations.items():
        fresh.set_fault(path, name)
        assert fetch(fresh.url(path))[0] == status
    fresh.set_fault(path, "slow")
    started = time.monotonic()
    assert fetch(fresh.url(path))[0] == 200 and time.monotonic() - started >= 0.3
    fresh.set_fault(path, "truncated")
    with pytest.raises(http.client.IncompleteRead):
        raw_get(fresh, path).read()
    fresh.set_fault(path, "reset")
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, socket.error)):
        raw_get(fresh, path)
    fresh.clear_fault(path)
    status, _headers, body = fetch(fresh.url(path))
    assert status == 200 and b"seitenkopf__topline" in body
    with pytest.raises(ValueError):
        fresh.set_fault(path, "meltdown")


# --- script --------------------------------------------------------------------------------------


def text_of(site: SampleSite, path: str) -> str:
    return page(site, path).text_content()


def test_steps_are_listed_in_order_with_expected_categories(site):
    names = [s.name for s in site.steps]
    assert names == [
        "publish", "headline", "append", "edit-sentence", "correction",
        "teasers", "lead", "remove-paragraph", "takedown", "restore",
        "off-topic-append", "joins-story", "loses-words",
        "live-entry", "live-pin", "live-ticker",
    ]  # fmt: skip
    for step in site.steps:
        assert all(category in CATEGORIES for _path, category in step.expected)
    joins = next(s for s in site.steps if s.name == "joins-story")
    assert changes_of(joins) == [(JOINS, ["headline", "lead", "body_added"])]  # one change
    assert site.step_index == 0


def test_each_step_changes_what_it_says(fresh):
    before = {p: fetch(fresh.url(p))[1]["Last-Modified"] for p in (GENF, GARANTIEN, TRUCE)}
    assert [fetch(fresh.url(p))[0] for p in SAME_EVENT] == [404] * 3

    fresh.advance()  # publish
    assert [fetch(fresh.url(p))[0] for p in SAME_EVENT] == [200] * 3
    assert fresh.url(WITKOFF) in feed_links(fresh, "/zdf/rss/nachrichten")
    assert fresh.url(WITKOFF) in feed_links(fresh, "/zdf/news-sitemap.xml")
    assert fresh.url(SAME_EVENT[1]) in feed_links(fresh, "/tagesschau/index~atom.xml")
    assert fresh.url(SAME_EVENT[2]) in feed_links(fresh, "/world/rss.xml")

    fresh.advance()  # headline
    assert page(fresh, GENF).xpath("//h1/span")[-1].text_content() == HEADLINE_NEW
    assert fetch(fresh.url(GENF))[1]["Last-Modified"] != before[GENF]

    fresh.advance()  # append
    assert "technical teams would stay in Geneva" in text_of(fresh, TRUCE)

    fresh.advance()  # edit-sentence
    assert "vierzehn Seiten lang" in text_of(fresh, GARANTIEN)
    assert "zwölf Seiten lang" not in text_of(fresh, GARANTIEN)

    fresh.advance()  # correction
    paragraphs = [p.text_content() for p in page(fresh, AUSTAUSCH).xpath("//main//p")]
    notes = [i for i, p in enumerate(paragraphs) if p.startswith("Korrektur:")]
    last_body = paragraphs.index(fresh.state.article(AUSTAUSCH).blocks[-1].text)
    assert len(notes) == 1 and notes[0] == last_body + 1

    modified = {p: d.modified for p, d in fresh.state.articles.items()}
    assert fresh.advance().expected == []  # teasers
    assert modified == {p: d.modified for p, d in fresh.state.articles.items()}
    assert any(NEW_TEASER.title in text_of(fresh, AUSTAUSCH) for _ in range(100))

    fresh.advance()  # lead
    assert json_ld(page(fresh, GENF), "NewsArticle")["description"] == LEAD_NEW

    fresh.advance()  # remove-paragraph
    assert "Offen ließen die Europäer" not in text_of(fresh, GARANTIEN)
    visible = "//main//h1 | //main//h2 | //main//p[not(@class='metatextline')]"
    restored_text = [e.text_content() for e in page(fresh, MORATORIUM).xpath(visible)]

    fresh.advance()  # takedown
    assert fetch(fresh.url(MORATORIUM))[0] == 404 and fetch(fresh.url(TRUCE))[0] == 410
    assert fresh.url(MORATORIUM) not in feed_links(fresh, "/tagesschau/index~atom.xml")
    assert fresh.url(TRUCE) not in feed_links(fresh, "/world/rss.xml")

    fresh.advance()  # restore
    assert fetch(fresh.url(MORATORIUM))[0] == 200
    assert [e.text_content() for e in page(fresh, MORATORIUM).xpath(visible)] == restored_text

    fresh.advance()  # off-topic-append
    assert STORY_TEXTS["off_topic"]["paragraph"] in text_of(fresh, OFF_TOPIC[0])
    fresh.advance()  # joins-story
    joins = STORY_TEXTS["joins"]
    assert page(fresh, JOINS).xpath("//h1/span")[-1].text_content() == joins["headline"]
    assert joins["lead"] in text_of(fresh, JOINS) and joins["paragraph"] in text_of(fresh, JOINS)
    fresh.advance()  # loses-words
    assert STORY_TEXTS["loses_words"]["starts_with"] not in text_of(fresh, LOSES_WORDS)

    zdf_blog, ticker = (page(fresh, p).text_content() for p in (ZDF_LIVEBLOG, TS_TICKER))
    fresh.advance()  # live-entry
    assert LIVE_ENTRY.headline in text_of(fresh, ZDF_LIVEBLOG)
    assert LIVE_ENTRY.headline not in zdf_blog
    fresh.advance()  # live-pin
    first = page(fresh, ZDF_LIVEBLOG).xpath("//section[@id]")[0]
    assert first.get("id") == "p-4103" and "Angeheftet" in first.text_content()
    fresh.advance()  # live-ticker
    assert TICKER_ENTRY.headline in text_of(fresh, TS_TICKER)
    assert TICKER_ENTRY.headline not in ticker

    with pytest.raises(IndexError):
        fresh.advance()
    assert fresh.step_index == len(fresh.steps) == 16


# --- the story steps: which articles belong to the talks, and one event across outlets -----------

ACTORS = re.compile(
    r"Selensk|Zelensk|Putin|Kreml|Kiew|Kyiv|Moskau|Moscow|Witkoff|Genf|Geneva|Ukrain"
)
TALKS = re.compile(
    r"Gespräch|Verhandl|Waffenruhe|Sicherheitsgarantie|Friedens"
    r"|\btalks\b|negotiat|ceasefire|truce|peace"
)


def head_and_body(state, path: str) -> tuple[str, str]:
    doc = state.article(path)
    return f"{doc.kicker} {doc.headline} {doc.lead}", " ".join(b.text for b in doc.blocks)


def run_steps(*names: str) -> SiteState:
    """The sample site's untouched state with the named steps applied, no server needed."""
    state = SiteState(load_articles(), [])
    for step in default_steps():
        if step.name in names:
            step.apply(state)
    return state


def test_off_topic_articles_name_an_actor_once_in_passing(site):
    assert {site.state.article(p).outlet for p in OFF_TOPIC} == {"zdf", "tagesschau", "world"}
    for path in OFF_TOPIC:
        head, body = head_and_body(site.state, path)
        assert site.state.article(path).topic == "other", path
        assert not ACTORS.search(head) and not TALKS.search(head), path
        assert len(ACTORS.findall(body)) == 1 and len(TALKS.findall(body)) <= 1, path
    after = run_steps("off-topic-append")
    assert head_and_body(after, OFF_TOPIC[0]) != head_and_body(site.state, OFF_TOPIC[0])
    _head, body = head_and_body(after, OFF_TOPIC[0])
    assert len(ACTORS.findall(body)) == 1 and len(TALKS.findall(body)) <= 1


def test_the_joining_article_is_about_the_talks_only_in_its_second_version(site):
    head, body = head_and_body(site.state, JOINS)
    assert ACTORS.search(body) and not ACTORS.search(head)
    assert not TALKS.search(head + body)
    after = run_steps("joins-story")
    _head, body = head_and_body(after, JOINS)
    doc = after.article(JOINS)
    for field in (doc.headline, doc.lead):
        assert ACTORS.search(field) and TALKS.search(field), field
    assert len(set(TALKS.findall(body))) >= 3


def test_the_article_that_loses_the_story_words_keeps_none_of_them(site):
    head, body = head_and_body(site.state, LOSES_WORDS)
    assert len(set(TALKS.findall(body))) >= 3 and not TALKS.search(head)
    head, body = head_and_body(run_steps("loses-words"), LOSES_WORDS)
    assert not TALKS.search(head + body)
    assert not re.search(r"Selensk|Putin|Kreml|Kiew|Moskau|Witkoff|Genf", head + body)


def test_one_event_runs_in_three_outlets_agency_copy_and_rewrite(site):
    zdf, ts, world = (site.state.article(p) for p in SAME_EVENT)
    assert [zdf.outlet, ts.outlet, world.outlet] == ["zdf", "tagesschau", "world"]
    shared = set(zdf.paragraphs) & set(ts.paragraphs)
    assert len(shared) >= 3 and sum(len(p) for p in shared) > 500  # dpa's text, verbatim
    assert "dpa" in zdf.source_line and ts.source_line == "Quelle: dpa"
    assert not set(world.paragraphs) & set(zdf.paragraphs)  # rewritten, in English
    blocks = [f"{b.text} {b.speaker}" for b in world.blocks]
    english = " ".join([world.headline, world.lead, *blocks])
    for fact in ("Witkoff", "Putin", "Ushakov", "Rubio", "Bondar", "fourth", "Sunday", "Monday"):
        assert fact in english, fact


def test_tagesschau_page_shows_its_agency_credit_after_the_text(site):
    with SampleSite(steps=default_steps()[:1]) as s:
        s.advance()
        tree = page(s, SAME_EVENT[1])
    paragraphs = [p.text_content() for p in tree.xpath("//article//p")]
    last_text = site.state.article(SAME_EVENT[1]).blocks[-1].text
    assert paragraphs.index("Quelle: dpa") == paragraphs.index(last_text) + 1
    assert "Quelle:" not in text_of(site, GARANTIEN)  # no credit, no line


def test_a_step_invalidates_etags_and_last_modified_of_what_it_touched(fresh):
    _status, headers, _body = fetch(fresh.url("/tagesschau/index~rss2.xml"))
    _status, page_headers, _body = fetch(fresh.url(GARANTIEN))
    for _ in range(4):
        fresh.advance()  # up to edit-sentence, which touches GARANTIEN
    conditional = {"If-None-Match": page_headers["ETag"]}
    assert fetch(fresh.url(GARANTIEN), conditional)[0] == 200
    since = {"If-Modified-Since": page_headers["Last-Modified"]}
    assert fetch(fresh.url(GARANTIEN), since)[0] == 200
    feed_title_changed = fetch(fresh.url("/zdf/rss/nachrichten"))[2]
    assert HEADLINE_NEW.encode() in feed_title_changed
    feed = fetch(fresh.url("/tagesschau/index~rss2.xml"), {"If-None-Match": headers["ETag"]})
    assert feed[0] == 200 and feed[1]["Last-Modified"] != headers["Last-Modified"]


def test_sites_keep_their_own_script_state(fresh, site):
    fresh.advance()
    assert fetch(fresh.url(WITKOFF))[0] == 200
    assert fetch(site.url(WITKOFF))[0] == 404


def test_control_endpoints_advance_and_report_state():
    with SampleSite(steps=default_steps()[:1]) as s:
        state = json.loads(fetch(s.url("/_control/state"))[2])
        assert state["step_index"] == 0 and state["steps_left"] == 1
        status, _headers, body = fetch(s.url("/_control/advance"), method="POST", data=b"")
        step = json.loads(body)
        assert status == 200 and step["name"] == "publish"
        assert step["expected"] == [[path, "new"] for path in SAME_EVENT]
        assert fetch(s.url("/_control/advance"), method="POST", data=b"")[0] == 409
        assert json.loads(fetch(s.url("/_control/state"))[2])["steps_left"] == 0


def test_the_site_is_quiet_unless_verbose(site, capfd):
    fetch(site.url(GENF))
    fetch(site.url("/no/such/page"))
    assert capfd.readouterr().err == ""


def test_the_root_is_an_index_of_the_outlets_their_feeds_live_blogs_and_the_script():
    with SampleSite(steps=default_steps()[:2]) as s:
        status, headers, body = fetch(s.url("/"))
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        tree = lxml_html.fromstring(body)
        assert tree.xpath("//h2/text()") == ["ZDFheute", "tagesschau.de", "World Report", "Script"]
        links = tree.xpath("//a/@href")
        assert set(RSS_FEEDS) | {"/tagesschau/index~atom.xml", "/zdf/news-sitemap.xml"} <= set(
            links
        )
        assert {"/zdf/", "/tagesschau/", "/world/", "/zdf/politik/ausland"} <= set(links)
        assert {ZDF_LIVEBLOG, TS_TICKER, "/_control/state"} <= set(links)
        # Every link answers: the index names nothing the site does not serve.
        assert {link: fetch(s.url(link))[0] for link in links} == {link: 200 for link in links}
        assert "0 of 2 scripted steps applied; next: publish." in tree.text_content()
        fetch(s.url("/_control/advance"), method="POST", data=b"")
        after = lxml_html.fromstring(fetch(s.url("/"))[2]).text_content()
        assert "1 of 2 scripted steps applied" in after
