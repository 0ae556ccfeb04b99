"""The demo runs the whole scripted timeline on one reactor and finds exactly what was scripted."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import ROOT, rows

from monitor.sample_site.script import CATEGORIES, changes_of, default_steps


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


def scripted_changes() -> list[tuple[str, list[str]]]:
    """(kind, categories) of each change the script makes besides new articles."""
    changes = [cats for step in default_steps() for _path, cats in changes_of(step)]
    return [(cats[0], cats) for cats in changes if cats != ["new"]]
