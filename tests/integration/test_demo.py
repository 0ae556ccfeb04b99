"""The demo runs the whole scripted timeline on one reactor and finds exactly what was scripted."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

from conftest import ROOT, SAMPLE_CONFIG, answer, free_port, newsmon_env, rows
from harness import url_path

from monitor.config import load_config
from monitor.sample_site.script import (
    CATEGORIES,
    JOINS,
    LOSES_WORDS,
    OFF_TOPIC,
    SAME_EVENT,
    changes_of,
    default_steps,
)

SHIPPED = ROOT / "config" / "monitor.toml"


def test_the_demo_finds_every_scripted_change_and_nothing_from_page_churn(tmp_path):
    db_path = tmp_path / "demo.db"
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--db", str(db_path), "--quiet-cycles", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "MISMATCH" not in out
    # Only newsmon's own lines: no Scrapy warning (the referer middleware is off by design).
    assert "RefererMiddleware" not in out + proc.stderr
    assert not re.search(r"WARNING scrapy", out + proc.stderr)
    cycles = re.findall(r"^== cycle (\d+): (.*)$", out, flags=re.M)
    assert len(cycles) == 1 + len(default_steps()) + 5
    assert sum(1 for _, title in cycles if title.startswith("quiet")) == 5
    for category in set(CATEGORIES) - {"new"}:  # every category the timeline scripts
        assert f"[{category}" in out or f", {category}" in out, category
    assert f"datasette {db_path}" in out
    found = rows(db_path, "select kind, categories from changes where kind != 'new'")
    got = sorted((r["kind"], json.loads(r["categories"])) for r in found)
    assert got == sorted(scripted_changes())
    assert [r["kind"] for r in found].count("entry") == 2  # one per live blog, none from the pin
    new = rows(db_path, "select count(*) as n from changes where kind = 'new'")[0]["n"]
    articles = rows(db_path, "select count(*) as n from articles")[0]["n"]
    assert new == articles == 41 + 2  # the articles and the two live blogs
    check_story(db_path, out)
    check_hints(out)


def check_story(db_path, out: str) -> None:
    """With the shipped story, every scripted edit of the story alerts (held by the rate limit
    and sent when it ends), the off-topic articles never do, and page noise never does."""
    alerts = rows(
        db_path,
        "select al.story, al.rule, al.status, c.kind, a.url from alerts al "
        "join changes c on c.id = al.change_id join articles a on a.id = al.article_id",
    )
    story_alerts = {(url_path(a["url"]), a["kind"]) for a in alerts if a["story"]}
    for step in default_steps():
        for path, categories in changes_of(step):
            if path not in OFF_TOPIC and categories != ["new"]:
                assert (path, categories[0]) in story_alerts, (step.name, path)
    assert not [a for a in alerts if url_path(a["url"]) in OFF_TOPIC]
    assert {a["status"] for a in alerts} == {"sent"}  # the held ones went out at the end
    # The article that joins in its second version joined with that change, not before; the
    # one whose edit removes the story's words stays a member and its edit alerted.
    members = {
        url_path(m["url"]): m
        for m in rows(
            db_path,
            "select a.url, m.change_id, c.kind from story_members m "
            "join articles a on a.id = m.article_id left join changes c on c.id = m.change_id",
        )
    }
    assert members[JOINS]["kind"] == "headline"
    assert members[LOSES_WORDS]["kind"] == "new"
    assert not set(OFF_TOPIC) & set(members)
    # Three outlets, one event, one message.
    events = rows(
        db_path,
        "select ea.event_id, a.url from event_articles ea join articles a on a.id = ea.article_id",
    )
    by_path = {url_path(e["url"]): e["event_id"] for e in events}
    assert len({by_path[p] for p in SAME_EVENT}) == 1
    assert out.count("3 outlets now report") == 1
    assert "joins the story" in out
    assert re.search(r"alert held until \d\d:\d\d by the rate limit", out)


def check_hints(out: str) -> None:
    """The commands the demo's last lines suggest work as printed (issue 17, item 4): each
    `newsmon` hint exits 0 and prints what it promises; `serve` answers the story page."""
    hints = [line.strip() for line in out.splitlines() if re.match(r"  \S*newsmon ", line)]
    assert len(hints) == 3, hints
    for hint in hints:
        argv = shlex.split(hint.split("   (")[0])
        if argv[-1] == "serve":
            port = free_port()
            server = subprocess.Popen([*argv, "--port", str(port)], cwd=ROOT, env=newsmon_env())
            try:
                url = f"http://127.0.0.1:{port}/-/newsmon/stories/ukraine-talks"
                assert b"ukraine-talks" in answer(url, server)
            finally:
                server.terminate()
                server.wait(timeout=10)
            continue
        proc = subprocess.run(argv, cwd=ROOT, env=newsmon_env(), capture_output=True, text=True)
        assert proc.returncode == 0, (hint, proc.stderr[-2000:])
        assert "[scrapy" not in proc.stdout + proc.stderr
        assert "member" in proc.stdout or "headline" in proc.stdout, (hint, proc.stdout[-500:])


def test_the_sample_config_follows_the_shipped_story_word_for_word():
    assert load_config(SAMPLE_CONFIG).stories == load_config(SHIPPED).stories


def scripted_changes() -> list[tuple[str, list[str]]]:
    """(kind, categories) of each change the script makes besides new articles."""
    changes = [cats for step in default_steps() for _path, cats in changes_of(step)]
    return [(cats[0], cats) for cats in changes if cats != ["new"]]
