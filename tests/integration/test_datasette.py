"""Datasette over a real crawl: canned queries, the timeline and story pages, read-only, links.

One crawl of the sample site through tests/served.py's script, served by a real `newsmon
serve` subprocess, shared by the tests that read it.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, rows
from served import APPENDED, CORRECTION, Served, crawled_and_served, marks

from monitor.clock import parse_time
from monitor.config import parse_config
from monitor.diff.core import Diff
from monitor.diff.tracked import CELL, diff_html
from monitor.errors import ConfigError
from monitor.notify.formats import FORMATS
from monitor.notify.messages import AlertContent, render
from monitor.rules.words import shown
from monitor.sample_site.script import HEADLINE_NEW, HEADLINE_OLD
from monitor.store import open_db
from monitor.web.serve import ServeError, build, load_metadata
from monitor.web.stories import ROLE_LABELS

METADATA = ROOT / "deploy" / "datasette.yml"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    with crawled_and_served(tmp_path_factory.mktemp("datasette")) as running:
        yield running


# --- canned queries -------------------------------------------------------------------------


def query(served: Served, name: str, **params: str) -> list[dict]:
    args = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in params.items())
    return served.json(f"/monitor/{name}.json?_shape=array" + (f"&{args}" if args else ""))


def categories(row: dict) -> list[str]:
    return json.loads(row["categories"])


def test_the_metadata_names_every_canned_query_this_module_checks():
    queries = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["monitor"][
        "queries"
    ]
    assert set(queries) == {
        "latest_changes",
        "headline_edits",
        "corrections",
        "takedowns",
        "article_history",
        "alerts_by_status",
        "source_health",
        "rule_matches",
        "story_articles",
        "search_text",
    }
    for name, spec in queries.items():
        assert spec.get("title") and spec.get("description"), name
        assert not spec.get("write"), name


def test_latest_changes_lists_every_kind_newest_first_and_filters_by_source(served):
    latest = query(served, "latest_changes")
    kinds = [categories(row)[0] for row in latest]  # the first category is the change's kind
    assert "kind" not in latest[0]  # the categories say it, as words on the page
    for kind in ("new", "headline", "body_added", "correction", "removed", "restored"):
        assert kind in kinds, kind
    assert kinds[0] == "restored"  # the last step of the script
    assert [r["detected_at"] for r in latest] == sorted(
        (r["detected_at"] for r in latest), reverse=True
    )
    assert all(isinstance(row["timeline"], int) for row in latest)
    zdf = query(served, "latest_changes", source="zdf")
    assert zdf and {row["source"] for row in zdf} == {"zdf"}


def test_headline_edits_show_the_old_headline_beside_the_new(served):
    (edit,) = query(served, "headline_edits")
    assert (edit["old_headline"], edit["new_headline"]) == (HEADLINE_OLD, HEADLINE_NEW)
    assert edit["timeline"] == served.genf
    assert Diff.from_json(edit["ops"]).categories == ["headline"]


def test_corrections_list_the_editors_note(served):
    (note,) = query(served, "corrections")
    assert note["timeline"] == served.austausch
    assert "früheren Fassung" in note["ops"]
    assert CORRECTION.split()[-1] in note["ops"]


def test_takedowns_say_when_the_article_came_back(served):
    (gone,) = query(served, "takedowns")
    assert gone["timeline"] == served.moratorium
    assert gone["restored_at"] > gone["taken_down_at"]
    assert gone["status_now"] == "live"


def test_one_article_over_time_by_id_or_by_url(served):
    history = query(served, "article_history", article=str(served.genf))
    assert [categories(r) for r in history] == [["new"], ["headline"], ["body_added"]]
    assert [(r["from_version"], r["to_version"]) for r in history] == [(None, 1), (1, 2), (2, 3)]
    assert all(r["alerts"] >= 1 for r in history)  # the rule fired on each
    url = rows(served.db_path, "select url from articles where id = ?", [served.genf])[0]["url"]
    assert query(served, "article_history", article=url) == history
    assert query(served, "article_history", article="999999") == []


def test_alerts_by_status_returns_only_that_status(served):
    sent = query(served, "alerts_by_status", status="sent")
    assert sent and {row["status"] for row in sent} == {"sent"}
    pending = query(served, "alerts_by_status", status="pending")
    assert pending and {row["status"] for row in pending} == {"pending"}
    assert query(served, "alerts_by_status", status="dead") == []
    every = query(served, "alerts_by_status")
    assert len(every) == rows(served.db_path, "select count(*) as n from alerts")[0]["n"]
    assert len(every) == len(sent) + len(pending)
    # The story's edits wait out its rate limit (15 minutes) to go as one message; the crawls
    # of the script take seconds, so the Geneva headline's alert is still pending.
    headline = [r for r in pending if json.loads(r["change"] or "[]") == ["headline"]]
    assert len(headline) == 1 and headline[0]["about"] == HEADLINE_NEW
    assert (headline[0]["story"], headline[0]["rule"]) == (served.story, None)
    assert headline[0]["not_before"] > headline[0]["created_at"]
    # The articles that arrived were sent at once: the keyword rule's alerts and the story's.
    assert {(r["rule"], r["story"]) for r in sent} == {("witkoff", None), (None, served.story)}
    assert {r["change"] for r in sent} == {'["new"]'}


def test_source_health_has_each_sources_last_run_and_no_failures(served):
    health = {row["source"]: row for row in query(served, "source_health")}
    assert set(health) == {"zdf", "tagesschau", "world"}
    for row in health.values():
        assert row["last_run"] and row["failures_in_a_row"] == 0 and row["errors_24h"] == 0
        assert row["last_new_article"] and row["hours_silent"] is not None
        assert row["open_problems"] is None
    assert health["zdf"]["last_change"] >= health["zdf"]["last_new_article"]


def test_articles_matching_a_rule_come_with_the_words_that_matched(served):
    witkoff = {row["timeline"]: row for row in query(served, "rule_matches", rule="witkoff")}
    alerted = rows(served.db_path, "select distinct article_id from alerts where rule = 'witkoff'")
    assert set(witkoff) == {r["article_id"] for r in alerted}
    assert witkoff_event_members(served) <= set(witkoff)  # the three reports of the trip
    assert served.genf in witkoff  # it names him in passing
    for row in witkoff.values():
        assert (row["rules"], row["stories"], row["matched_words"]) == ("witkoff", None, "Witkoff")
        assert row["changes_matched"] == 1  # the article as it arrived: no edit adds the name
    assert query(served, "rule_matches", rule="no-such-rule") == []


def test_a_storys_name_finds_the_articles_it_alerted_on(served):
    talks = {row["timeline"]: row for row in query(served, "rule_matches", rule=served.story)}
    assert {served.genf, served.austausch, served.moratorium} <= set(talks)
    genf = talks[served.genf]
    assert (genf["rules"], genf["stories"]) == (None, served.story)
    # The first twelve words of all its alerts, then how many more ("Witkoff" among them).
    assert genf["matched_words"].startswith("Waffenruhe, Verhandlungen, Verhandlungstag")
    assert re.search(r" and \d+ more$", genf["matched_words"])
    assert "*" not in genf["matched_words"]  # the words, not the story's terms
    assert genf["changes_matched"] == 3  # new, headline, the added paragraph
    assert talks[served.moratorium]["changes_matched"] == 3  # new, taken down, restored
    # Without a name: every rule and story beside each article.
    every = {row["timeline"]: row for row in query(served, "rule_matches")}
    assert (every[served.genf]["rules"], every[served.genf]["stories"]) == ("witkoff", served.story)
    assert every[served.genf]["changes_matched"] == 3


def test_canned_queries_show_the_words_an_alert_matched_not_its_terms(served):
    stored = rows(served.db_path, "select id, matched, words from alerts where kind = 'change'")
    stored = {r["id"]: (json.loads(r["matched"]), json.loads(r["words"])) for r in stored}
    by_id = {row["id"]: row for row in query(served, "alerts_by_status")}
    # A term ending in * found as the longer word it begins ("Verhandlung*": "Verhandlungen").
    widened = {}
    for alert_id, (terms, words) in stored.items():
        assert by_id[alert_id]["matched_words"] == shown(words)
        for term in (t for t in terms if t.endswith("*")):
            stem = term[:-1].casefold()
            widened |= {w: term for w in words if w.casefold().startswith(stem) and w != stem}
    assert widened, stored
    word, term = sorted(widened.items())[0]
    for name, params in (("alerts_by_status", ""), ("rule_matches", f"?rule={served.story}")):
        _, _, page = served.get(f"/monitor/{name}{params}")
        cells = re.findall(r'<td class="col-matched_words[^"]*">(.*?)</td>', page, re.DOTALL)
        assert cells and any(word in c for c in cells), name
        assert not any(term in c or "[&#34;" in c or '["' in c for c in cells), name
    # The change an alert is about, as the changes table words it.
    _, _, page = served.get("/monitor/alerts_by_status?status=pending")
    changes = re.findall(r'<td class="col-change[^"]*">(.*?)</td>', page, re.DOTALL)
    assert any("headline changed" in c for c in changes) and not any("[" in c for c in changes)


def witkoff_event_members(served: Served) -> set[int]:
    found = rows(
        served.db_path,
        "select article_id from event_articles where event_id = ?",
        [served.witkoff_event],
    )
    return {r["article_id"] for r in found}


def test_a_storys_articles_come_with_their_score_terms_and_event(served):
    members = query(served, "story_articles", story=served.story)
    stored = rows(
        served.db_path, "select article_id from story_members where story = ?", [served.story]
    )
    assert sorted(r["timeline"] for r in members) == sorted(r["article_id"] for r in stored)
    joined = [r["joined_at"] for r in members]
    assert joined == sorted(joined, reverse=True)
    genf = next(r for r in members if r["timeline"] == served.genf)
    assert genf["score"] >= 4 and "Waffenruhe*" in json.loads(genf["terms"])
    assert genf["edits_since"] == 2  # the headline reworded, the paragraph appended
    assert genf["alerts"] == 3  # arrival and both edits
    trip = [r for r in members if r["event"] == served.witkoff_event]
    assert {r["timeline"] for r in trip} == witkoff_event_members(served)
    assert {r["source"] for r in trip} == {"zdf", "tagesschau", "world"}
    assert {r["event_outlets"] for r in trip} == {3}
    # zdf and tagesschau ran the same dpa text; World Report wrote its own.
    assert sorted((r["source"], r["role"]) for r in trip) == [
        ("tagesschau", "agency"),
        ("world", "report"),
        ("zdf", "agency"),
    ]
    assert len(query(served, "story_articles")) == len(members)  # the sample has one story
    assert query(served, "story_articles", story="no-such-story") == []
    # On the page, the story and the event link to the story's page.
    status, _, html = served.get(
        f"/monitor/story_articles?story={urllib.parse.quote(served.story)}"
    )
    assert status == 200
    assert f'href="{story_path(served.story)}#event-{served.witkoff_event}"' in html
    assert f'<a href="{story_path(served.story)}">{served.story}</a>' in html


# --- pages ----------------------------------------------------------------------------------


def test_the_timeline_shows_every_version_and_the_words_that_changed(served):
    status, headers, html = served.get(f"/-/newsmon/article/{served.genf}")
    assert status == 200
    assert "default-src 'self'" in headers["content-security-policy"]
    found = marks(html)
    assert "Unterhändler ringen um" in found.deleted
    assert "Zähes Ringen in Genf: Noch kein" in found.inserted
    assert "eine" in found.inserted
    assert APPENDED in found.inserted  # the added paragraph, whole, as text
    for n in (1, 2, 3):
        assert f"version {n}" in html
    # The events in the order they happened (the chart's marks go lane by lane).
    events = html[html.index('<ol class="nm-timeline">') :]
    assert (
        events.index("new article")
        < events.index("headline changed")
        < events.index("paragraph added")
    )
    # The alerts each change caused, and a chart of when it changed.
    # A story alert names its story and links to its event on the story page.
    assert html.count("story <a") == 3 and html.count("<strong>ukraine-talks</strong></a>") == 3
    assert "<svg" in html and html.count('class="nm-mark"') == 3
    # The article on its outlet.
    url = rows(served.db_path, "select url from articles where id = ?", [served.genf])[0]["url"]
    assert url in found.links


def test_page_text_is_escaped_everywhere_it_is_shown(served):
    _, _, html = served.get(f"/-/newsmon/article/{served.genf}")
    assert '<script>alert("Genf")' not in html
    assert (
        "&lt;script&gt;alert(&#34;Genf&#34;)" in html
        or "&lt;script&gt;alert(&quot;Genf&quot;)" in html
    )
    _, _, cells = served.get("/monitor/changes?kind=body_added")
    assert '<script>alert("Genf")' not in cells and "&lt;script&gt;" in cells


def test_an_unknown_article_is_a_404(served):
    status, _, _ = served.get("/-/newsmon/article/999999")
    assert status == 404


def test_the_story_page_charts_changes_per_outlet_per_day(served):
    status, _, html = served.get("/-/newsmon/story")
    assert status == 200
    assert "<svg" in html and 'class="nm-bar"' in html
    counts = rows(
        served.db_path,
        "select source, substr(detected_at, 1, 10) as day, count(*) as n from changes group by 1, 2",
    )
    for row in counts:
        assert f"{row['source']}, {row['day']}: {row['n']} change" in html  # a bar's tooltip
    assert f"/-/newsmon/article/{served.genf}" in html  # among the most changed articles
    # Scoped to one rule: the articles it alerted on, their outlets only.
    alerted = rows(
        served.db_path,
        "select distinct a.id, a.source from alerts l join articles a on a.id = l.article_id "
        "where l.rule = 'witkoff'",
    )
    _, _, scoped = served.get("/-/newsmon/story?rule=witkoff&days=30")
    legend = set(re.findall(r'fill="#333">([^<]+)</text>', scoped))
    assert alerted and legend <= {row["source"] for row in alerted}
    assert f"/-/newsmon/article/{served.genf}" not in scoped or any(
        row["id"] == served.genf for row in alerted
    )


def test_table_cells_show_diffs_as_tracked_changes_and_pages_by_size(served):
    _, _, html = served.get("/monitor/changes?kind=headline")
    found = marks(html)
    assert "Unterhändler ringen um" in found.deleted and "eine" in found.inserted
    # The stored page is hidden from the versions page unless asked for (_nm_cols=all).
    _, _, versions = served.get(f"/monitor/version_rows?article_id={served.genf}&_nm_cols=all")
    assert "HTML page, " in versions and "bytes compressed" in versions
    assert "&lt;Binary" not in versions
    raw = re.search(r'href="(/-/newsmon/raw/\d+)"', versions).group(1)
    status, headers, text = served.get(raw)
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert "sandbox" in headers["content-security-policy"]
    assert "<html" in text.lower()


def test_every_article_links_to_its_timeline_from_the_tables(served):
    _, _, articles = served.get("/monitor/articles")
    assert f'href="/-/newsmon/article/{served.genf}"' in articles
    _, _, alerts = served.get("/monitor/alerts")
    assert f'href="/-/newsmon/article/{served.genf}"' in alerts
    _, _, story = served.get("/monitor/latest_changes")
    assert f'href="/-/newsmon/article/{served.genf}"' in story


def test_search_text_finds_a_version_by_its_paragraph_or_headline(served):
    # Each paragraph is indexed once (paragraphs_fts), each headline once (version_rows_fts).
    found = query(served, "search_text", q="Schweizer Vermittlung")
    assert found and {row["timeline"] for row in found} == {served.genf}
    assert all("Schweizer Vermittlung" in row["paragraph"] for row in found)
    versions = rows(
        served.db_path,
        "select number from versions where article_id = ? and body like ?",
        [served.genf, "%Schweizer Vermittlung%"],
    )
    assert sorted(row["number"] for row in found) == sorted(r["number"] for r in versions)
    headline = rows(served.db_path, "select headline from versions where id = 1")[0]["headline"]
    word = max(re.findall(r"\w+", headline), key=len)
    assert any(row["headline"] == headline for row in query(served, "search_text", q=word))
    assert query(served, "search_text", q="Quarkstrudelwort") == []


def test_a_version_in_the_changes_table_links_to_its_text_on_the_timeline(served):
    changes = rows(
        served.db_path,
        "select id, from_version, to_version from changes where article_id = ? "
        "and from_version is not null order by id limit 1",
        [served.genf],
    )[0]
    brought = rows(
        served.db_path,
        "select min(id) as id from changes where to_version = ?",
        [changes["from_version"]],
    )[0]["id"]
    _, _, html = served.get(f"/monitor/changes?article_id={served.genf}")
    timeline = f"/-/newsmon/article/{served.genf}"
    # to_version: this change itself; from_version: the change that brought that version.
    for change in (changes["id"], brought):
        link = f'href="{timeline}?before={change + 1}#change-{change}"'
        assert link in html
        status, _, page = served.get(f"{timeline}?before={change + 1}")
        assert status == 200 and f'id="change-{change}"' in page
    assert "/monitor/versions/" not in html  # a view has no row pages


# --- read-only ------------------------------------------------------------------------------


def post(served: Served, path: str, body: bytes, kind: str) -> int:
    request = urllib.request.Request(
        served.base + path, data=body, method="POST", headers={"Content-Type": kind}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_nothing_can_be_written_through_datasette(served):
    before = rows(served.db_path, "select count(*) as n from articles")[0]["n"]
    row = json.dumps({"row": {"source": "zdf", "url": "https://x.example/a", "status": "live"}})
    assert post(served, "/monitor/articles/-/insert", row.encode(), "application/json") == 405
    assert post(served, "/monitor/articles", row.encode(), "application/json") == 405
    form = b"source=zdf"
    assert post(served, "/monitor/latest_changes", form, "application/x-www-form-urlencoded") == 405
    assert post(served, f"/-/newsmon/article/{served.genf}", form, "text/plain") == 405
    for sql in (
        "delete from articles",
        "insert into articles (url) values ('x')",
        "drop table alerts",
    ):
        status, _, _ = served.get("/monitor.json?sql=" + urllib.request.quote(sql))
        assert status == 400, sql
    assert rows(served.db_path, "select count(*) as n from articles")[0]["n"] == before


def test_a_canned_query_that_writes_stops_datasette_from_starting(tmp_path):
    db_path = tmp_path / "monitor.db"
    open_db(db_path).close()
    metadata = tmp_path / "datasette.yml"
    metadata.write_text(
        "databases:\n  monitor:\n    queries:\n      wipe:\n"
        "        sql: delete from alerts\n        write: true\n",
        encoding="utf-8",
    )
    with pytest.raises(ServeError, match="monitor/wipe has write: true"):
        build(db_path, metadata)


def test_serve_says_what_to_do_when_the_database_is_missing(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--db", str(tmp_path / "none.db"), "serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and "run `newsmon crawl` first" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_serve_refuses_an_unknown_setting_and_names_the_known_ones(tmp_path):
    db_path = tmp_path / "monitor.db"
    open_db(db_path).close()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--db",
            str(db_path),
            "serve",
            "--setting",
            "sql_limit",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--setting sql_limit: not a Datasette setting" in result.stderr
    assert "sql_time_limit_ms" in result.stderr


def test_the_metadata_follows_the_database_whatever_its_file_is_called():
    metadata = load_metadata(METADATA, "sample")
    assert "latest_changes" in metadata["databases"]["sample"]["queries"]
    assert "monitor" not in metadata["databases"]
    assert load_metadata(METADATA, "monitor")["databases"].keys() == {"monitor"}


# --- links both ways ------------------------------------------------------------------------


def test_the_alerts_a_crawl_sends_link_to_the_timeline_and_the_link_works(served):
    links = set(
        re.findall(r"timeline (http://127\.0\.0\.1:\d+/-/newsmon/article/\d+)", served.crawl_output)
    )
    assert f"{served.base}/-/newsmon/article/{served.genf}" in links
    for link in links:
        status, _, _ = served.get(link.removeprefix(served.base))
        assert status == 200, link


TIMELINE = "http://127.0.0.1:8001/-/newsmon/article/14"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_message_format_carries_the_timeline_link(fmt):
    alert = AlertContent(
        "zdf",
        ["headline"],
        "Neue Schlagzeile",
        "https://www.zdfheute.de/a-100.html",
        None,
        ["Genf"],
        "ukraine-talks",
        "2026-11-24T10:00:00+00:00",
        timeline_url=TIMELINE,
    )
    _title, body = render([alert], fmt)
    assert TIMELINE in body
    assert "timeline" in body.replace(TIMELINE, "")
    without = render([AlertContent(**{**alert.__dict__, "timeline_url": ""})], fmt)[1]
    assert "/-/newsmon/" not in without


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_timeline_url_that_is_not_http_never_becomes_a_link(fmt):
    alert = AlertContent(
        "zdf",
        ["headline"],
        "H",
        "https://www.zdfheute.de/a-100.html",
        None,
        [],
        "r",
        "2026-11-24T10:00:00+00:00",
        timeline_url="javascript:alert(1)",
    )
    assert "javascript" not in render([alert], fmt)[1]


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("https://news.example.org/datasette/", "https://news.example.org/datasette"),
        ("127.0.0.1:8001", None),
        ("ftp://127.0.0.1/", None),
        ("http://127.0.0.1:8001/?x=1", None),
    ],
    ids=[
        "loopback",
        "a path behind a proxy, trailing slash dropped",
        "no scheme",
        "not http",
        "a query",
    ],
)
def test_datasette_url_must_be_an_http_base_url(value, accepted):
    raw = {
        "sources": [{"name": "zdf", "feeds": ["https://z.example/rss"]}],
        "notify": {"datasette_url": value},
    }
    if accepted:
        assert parse_config(raw, Path("t.toml")).notify.datasette_url == accepted
    else:
        with pytest.raises(ConfigError, match=r"At 'notify\.datasette_url'"):
            parse_config(raw, Path("t.toml"))


def test_a_cell_shows_a_long_diff_shortened():
    ops = [
        {
            "field": "body",
            "op": "added",
            "old_index": None,
            "new_index": i,
            "old": "",
            "new": f"Absatz {i}",
            "words": [{"op": "+", "text": f"Absatz {i} " + "Wort " * 100}],
            "old_count": 0,
            "new_count": 1,
        }
        for i in range(12)
    ]
    diff = Diff.from_json(json.dumps({"format": 1, "categories": ["body_added"], "ops": ops}))
    html = diff_html(diff, CELL)
    assert html.count("<ins>") == 8 and "… and 4 more changes" in html
    assert max(len(m.split()) for m in marks(html).inserted) <= 61


# --- the story pages ------------------------------------------------------------------------


def story_path(name: str) -> str:
    return "/-/newsmon/stories/" + urllib.parse.quote(name, safe="")


def events_on_page(html: str) -> list[tuple[int, list[int]]]:
    """(event id, the article ids it links in order) for each event, as the page lists them."""
    html = html.split("<h2>Other articles of the story</h2>")[0]
    found = []
    for block in html.split('<li class="nm-story-event" id="event-')[1:]:
        event_id = int(block.split('"', 1)[0])
        links = re.findall(r'class="nm-member-link" href="/-/newsmon/article/(\d+)"', block)
        found.append((event_id, [int(a) for a in links]))
    return found


def expected_events(db_path: Path, story: str) -> list[tuple[int, list[int]]]:
    """The story's events newest first, each with its articles in the order they were seen."""
    events = rows(db_path, "select id, first_seen from events where story = ?", [story])
    members = rows(
        db_path,
        "select event_id, article_id, seen from event_articles where story = ?",
        [story],
    )
    order = []
    for event in sorted(events, key=lambda e: (parse_time(e["first_seen"]), e["id"]), reverse=True):
        mine = [m for m in members if m["event_id"] == event["id"]]
        mine.sort(key=lambda m: (parse_time(m["seen"]), m["article_id"]))
        order.append((event["id"], [m["article_id"] for m in mine]))
    return order


def test_the_front_page_and_the_menu_link_to_the_stories(served):
    status, _, html = served.get("/")
    assert status == 200
    assert "nm-home" in html and 'href="/-/newsmon/stories"' in html
    _, _, table = served.get("/monitor/articles")
    assert '<a href="/-/newsmon/stories">newsmon: stories</a>' in table  # the menu


def test_the_stories_list_links_each_story_and_its_feed(served):
    status, _, html = served.get("/-/newsmon/stories")
    assert status == 200
    for row in rows(served.db_path, "select distinct story from story_members"):
        path = story_path(row["story"])
        assert f'href="{path}"' in html and f'href="{path}.atom"' in html


def test_the_story_page_lists_events_newest_first_with_outlets_in_the_order_they_reported(served):
    status, headers, html = served.get(story_path(served.story))
    assert status == 200 and "default-src 'self'" in headers["content-security-policy"]
    expected = expected_events(served.db_path, served.story)
    assert expected, "the story has no events"
    assert events_on_page(html) == expected
    assert html.count("first to report") == len(expected)  # one per event
    for role in rows(
        served.db_path, "select role, agency from event_articles where story = ?", [served.story]
    ):
        assert ROLE_LABELS[role["role"]] in html
        if role["agency"]:  # the agency named: whose copy it ran, or whom it credits
            named = "agency copy ({})" if role["role"] == "agency" else "credits {}"
            assert named.format(role["agency"]) in html
    # Members in no event are listed below the events.
    others = rows(
        served.db_path,
        "select article_id from story_members m where story = ? and not exists (select 1 from "
        "event_articles e where e.story = m.story and e.article_id = m.article_id)",
        [served.story],
    )
    rest = html.split("<h2>Other articles of the story</h2>")[1]
    for row in others:
        assert f'href="/-/newsmon/article/{row["article_id"]}"' in rest


def test_the_story_page_shows_the_trip_as_one_event_with_its_three_outlets_in_order(served):
    _, _, html = served.get(story_path(served.story))
    block = html.split(f'<li class="nm-story-event" id="event-{served.witkoff_event}">')[1]
    block = block.split('<li class="nm-story-event"')[0]
    reported = rows(
        served.db_path,
        "select source from event_articles where event_id = ? order by seen, article_id",
        [served.witkoff_event],
    )
    outlets = ", ".join(r["source"] for r in reported)
    assert f"from 3 outlets: {outlets}" in " ".join(block.split())
    links = re.findall(r'class="nm-member-link" href="/-/newsmon/article/(\d+)"', block)
    assert len(links) == 3 and {int(a) for a in links} == witkoff_event_members(served)


def test_a_members_edits_on_the_story_page_link_to_that_change_on_its_timeline(served):
    _, _, html = served.get(story_path(served.story))
    # Each link opens the page of the (paged) timeline that holds its change.
    edits = re.findall(r'href="(/-/newsmon/article/(\d+)\?before=\d+)#change-(\d+)"', html)
    genf = [e for e in edits if int(e[1]) == served.genf]
    assert len(genf) == 2  # the headline reworded, the paragraph appended
    assert "headline changed" in html and "paragraph added" in html
    timelines: dict[str, str] = {}
    for path, article_id, change_id in edits:
        if path not in timelines:
            timelines[path] = served.get(path)[2]
        assert f'id="change-{change_id}"' in timelines[path]
        change = rows(
            served.db_path, "select article_id, kind from changes where id = ?", [int(change_id)]
        )
        assert change[0]["article_id"] == int(article_id) and change[0]["kind"] != "new"
    assert '<script>alert("Genf")' not in html


def test_a_story_members_timeline_links_to_its_story_and_event(served):
    member = rows(
        served.db_path,
        "select event_id from event_articles where story = ? and article_id = ?",
        [served.story, served.genf],
    )
    _, _, html = served.get(f"/-/newsmon/article/{served.genf}")
    path = story_path(served.story)
    assert f'class="nm-story-link" href="{path}"' in html
    if member:
        assert f'href="{path}#event-{member[0]["event_id"]}"' in html
    status, _, story = served.get(path)
    assert status == 200 and (not member or f'id="event-{member[0]["event_id"]}"' in story)


def test_an_unknown_story_is_a_404(served):
    status, _, html = served.get(story_path("<i>none</i>"))
    assert status == 404 and "<i>none</i>" not in html


# Stories the sample crawl does not have: none with events, events of one and of two
# outlets, page text with markup. An in-process Datasette over a database written here.

EVIL = '<script>alert("x")</script> & Co'


def story_database(tmp_path: Path) -> Path:
    db_path = tmp_path / "monitor.db"
    db = open_db(db_path)
    for i, (source, published) in enumerate(
        [
            ("zdf", "2026-03-01T10:00:00+01:00"),
            ("world", "2026-03-01T09:30:00+00:00"),
            ("ntv", None),
        ],
        start=1,
    ):
        db["articles"].insert(
            {
                "id": i,
                "source": source,
                "url": f"https://example.org/{i}",
                "status": "live",
                "headline": f"{EVIL} {i}",
                "published": published,
                "first_seen": "2026-03-01T12:00:00+00:00",
            }
        )
        db["story_members"].insert(
            {
                "story": "s&<p>",
                "article_id": i,
                "source": source,
                "joined_at": "2026-03-01T12:00:00+00:00",
            }
        )
    db["story_members"].insert(
        {
            "story": "quiet",
            "article_id": 3,
            "source": "ntv",
            "joined_at": "2026-03-01T12:00:00+00:00",
        }
    )
    db["changes"].insert(
        {
            "id": 7,
            "article_id": 2,
            "source": "world",
            "kind": "headline",
            "categories": '["headline"]',
            "detected_at": "2026-03-01T13:00:00+00:00",
            "words_added": 2,
            "words_removed": 1,
        }
    )
    db["events"].insert_all(
        [
            {
                "id": 1,
                "story": "s&<p>",
                "headline": EVIL,
                "first_seen": "2026-03-01T09:00:00+00:00",
            },
            {
                "id": 2,
                "story": "s&<p>",
                "headline": "alone",
                "first_seen": "2026-02-01T09:00:00+00:00",
            },
        ]
    )
    for article_id, event_id, role, agency, seen in [
        (1, 1, "first", "", "2026-03-01T10:00:00+01:00"),  # 09:00 UTC: before world's 09:30
        (2, 1, "agency", "AFP", "2026-03-01T09:30:00+00:00"),
        (3, 2, "first", "", "2026-02-01T09:00:00+00:00"),
    ]:
        db["event_articles"].insert(
            {
                "event_id": event_id,
                "story": "s&<p>",
                "article_id": article_id,
                "seen": seen,
                "role": role,
                "agency": agency,
                "source": "x",
                "joined_at": seen,
            }
        )
    db.close()
    return db_path


def get_in_process(db_path: Path, path: str) -> tuple[int, str]:
    ds = build(db_path, METADATA)
    response = asyncio.run(ds.client.get(path))
    return response.status_code, response.text


def test_a_story_page_escapes_page_text_and_orders_by_time_not_by_text(tmp_path):
    db_path = story_database(tmp_path)
    status, html = get_in_process(db_path, story_path("s&<p>"))
    assert status == 200
    assert "<script>alert(" not in html and "&lt;script&gt;" in html
    assert "<h1>Story: s&amp;&lt;p&gt;</h1>" in html
    assert events_on_page(html) == [(1, [1, 2]), (2, [3])]  # newest first; +01:00 parsed
    assert "agency copy (AFP)" in html
    assert "from 2 outlets: zdf, world" in html and "from 1 outlet: ntv" in html
    assert 'href="/-/newsmon/article/2?before=8#change-7"' in html
    assert "No events yet" not in html


def test_a_story_with_no_events_says_what_will_appear(tmp_path):
    db_path = story_database(tmp_path)
    status, html = get_in_process(db_path, story_path("quiet"))
    assert status == 200
    text = " ".join(html.split())
    assert "No events yet" in text and "in the order they reported" in text
    assert 'href="/-/newsmon/article/3"' in html.split("<h2>Other articles of the story</h2>")[1]
    status, listing = get_in_process(db_path, "/-/newsmon/stories")
    assert status == 200 and 'href="/-/newsmon/stories/s%26%3Cp%3E"' in listing
    assert ">s&amp;&lt;p&gt;</a>" in listing


# --- the front page and readable tables (monitor.web.front) ---------------------------------


def test_the_front_page_is_newsmons_with_the_latest_edits_and_waiting_alerts(served):
    status, _, html = served.get("/")
    assert status == 200 and "nm-front" in html
    assert f'href="/-/newsmon/article/{served.genf}?before=' in html
    pending = rows(served.db_path, "select count(*) as n from alerts where status = 'pending'")
    assert f"{pending[0]['n']} pending" in html
    assert "first_article_id" not in html  # rows are shown, not their Python repr


def test_versions_hide_hashes_in_html_but_json_keeps_every_column(served):
    _, _, html = served.get("/monitor/versions")
    shown = set(re.findall(r'<th [^>]*data-column="([a-z_]+)"', html))
    assert "headline" in shown and not shown & {"raw_html", "raw_hash", "fingerprint"}
    data = served.json("/monitor/versions.json?_shape=array&_size=1")
    assert {"raw_hash", "fingerprint", "body", "has_raw"} <= set(data[0])
    assert "raw_html" not in data[0]  # the view is the text; the page is version_rows'
    data = served.json(f"/monitor/version_rows.json?_shape=array&id={data[0]['id']}")
    blob = data[0]["raw_html"]["$blob"]
    assert f"/monitor/version_rows/{data[0]['id']}.blob?" in blob
    with urllib.request.urlopen(blob, timeout=30) as response:
        stored = response.read()
    sql = "select raw_html from version_rows where id = ?"
    assert stored == rows(served.db_path, sql, [data[0]["id"]])[0]["raw_html"]
    # The table under the view: hashes hidden too, its stored page linked as text.
    _, _, under = served.get("/monitor/version_rows")
    shown = set(re.findall(r'<th [^>]*data-column="([a-z_]+)"', under))
    assert "headline" in shown and not shown & {"raw_html", "raw_hash", "fingerprint"}
    _, _, whole = served.get("/monitor/version_rows?_nm_cols=all")
    assert re.search(r'href="/-/newsmon/raw/\d+">as text</a>', whole)
