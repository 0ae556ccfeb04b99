"""Datasette over a real crawl: canned queries, the timeline and story pages, read-only, links.

One crawl of the sample site through tests/served.py's script, served by a real `newsmon
serve` subprocess, shared by the tests that read it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, rows
from served import APPENDED, CORRECTION, Served, crawled_and_served, marks

from monitor.config import parse_config
from monitor.diff.core import Diff
from monitor.diff.tracked import CELL, diff_html
from monitor.errors import ConfigError
from monitor.notify.formats import FORMATS
from monitor.notify.messages import AlertContent, render
from monitor.sample_site.script import HEADLINE_NEW, HEADLINE_OLD
from monitor.store import open_db
from monitor.web.serve import ServeError, build, load_metadata

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
    }
    for name, spec in queries.items():
        assert spec.get("title") and spec.get("description"), name
        assert not spec.get("write"), name


def test_latest_changes_lists_every_kind_newest_first_and_filters_by_source(served):
    latest = query(served, "latest_changes")
    kinds = [row["kind"] for row in latest]
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
    assert [r["kind"] for r in history] == ["new", "headline", "body_added"]
    assert [(r["from_version"], r["to_version"]) for r in history] == [(None, 1), (1, 2), (2, 3)]
    assert all(r["alerts"] >= 1 for r in history)  # the rule fired on each
    url = rows(served.db_path, "select url from articles where id = ?", [served.genf])[0]["url"]
    assert query(served, "article_history", article=url) == history
    assert query(served, "article_history", article="999999") == []


def test_alerts_by_status_returns_only_that_status(served):
    sent = query(served, "alerts_by_status", status="sent")
    assert sent and {row["status"] for row in sent} == {"sent"}
    assert query(served, "alerts_by_status", status="dead") == []
    every = query(served, "alerts_by_status")
    assert len(every) == rows(served.db_path, "select count(*) as n from alerts")[0]["n"]
    headline = [r for r in sent if r["change"] == "headline"]
    assert headline and headline[0]["about"] == HEADLINE_NEW


def test_source_health_has_each_sources_last_run_and_no_failures(served):
    health = {row["source"]: row for row in query(served, "source_health")}
    assert set(health) == {"zdf", "tagesschau", "world"}
    for row in health.values():
        assert row["last_run"] and row["failures_in_a_row"] == 0 and row["errors_24h"] == 0
        assert row["last_new_article"] and row["hours_silent"] is not None
        assert row["open_problems"] is None
    assert health["zdf"]["last_change"] >= health["zdf"]["last_new_article"]


def test_articles_matching_a_rule_come_with_the_terms_that_matched(served):
    talks = {row["timeline"]: row for row in query(served, "rule_matches", rule="ukraine-talks")}
    assert served.genf in talks
    assert "Waffenruhe" in talks[served.genf]["matched_terms"]
    assert talks[served.genf]["changes_matched"] == 3  # new, headline, the added paragraph
    notes = {
        row["timeline"] for row in query(served, "rule_matches", rule="corrections-and-takedowns")
    }
    assert notes == {served.austausch, served.moratorium}
    assert query(served, "rule_matches", rule="no-such-rule") == []


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
    assert (
        html.index("new article") < html.index("headline changed") < html.index("paragraph added")
    )
    # The alerts each change caused, and a chart of when it changed.
    assert html.count("rule <strong>ukraine-talks</strong>") == 3
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
    _, _, scoped = served.get("/-/newsmon/story?rule=corrections-and-takedowns&days=7")
    assert "tagesschau" in scoped and "world" not in re.sub(
        r"<select.*?</select>", "", scoped, flags=re.S
    )


def test_table_cells_show_diffs_as_tracked_changes_and_pages_by_size(served):
    _, _, html = served.get("/monitor/changes?kind=headline")
    found = marks(html)
    assert "Unterhändler ringen um" in found.deleted and "eine" in found.inserted
    _, _, versions = served.get(f"/monitor/versions?article_id={served.genf}")
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


def test_versions_have_full_text_search(served):
    found = served.json(
        "/monitor/versions.json?_search=Schweizer+Vermittlung&_shape=array&_col=article_id"
    )
    assert {row["article_id"] for row in found} == {served.genf}


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
