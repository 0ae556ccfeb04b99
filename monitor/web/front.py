"""newsmon's front page in Datasette, and what makes its tables readable.

The front page (`/`, templates/overrides/index.html with the variables `front_variables`
gives it): the stories and their newest events, the latest edits as tracked changes, the
alerts waiting or dead, the sources with problems, and the way in to the tables and SQL.
Datasette's own index stays for any other database it serves.

The tables: `versions` opens without its hashes and stored page, `changes` without its
plain-text diff (`hidden_columns`); the version ids of `changes` show as the numbers people
count (1 → 2), its kind and JSON lists as words (`readable_cell`: categories as "headline
changed", an alert's words as "Verhandlungstag, Genf"), and a canned query's parameter with
a known set of values is a drop-down (`choices_script`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup, escape

from monitor.diff.tracked import stored_diff_html
from monitor.notify.messages import label
from monitor.rules.words import alert_line, shown
from monitor.store import story_views
from monitor.store import views as reads
from monitor.store.versions import VersionPlace

EVENTS_PER_STORY = 3
EDITS = 8
ALERTS = 10

# Columns a table page leaves out unless the address names columns itself (`_col`/`_nocol`)
# or asks for all of them with `_nm_cols=all`: hashes and the stored page of `versions` (and of
# `version_rows`, the table under that view), the plain-text diff of `changes` (its `ops`
# shows the same as tracked changes).
_VERSION_BULK = ("fingerprint", "raw_hash", "noise")
HIDDEN = {
    "versions": _VERSION_BULK,
    "version_rows": (*_VERSION_BULK, "raw_html"),
    "changes": ("diff",),
}
ALL_COLUMNS = "_nm_cols"

# JSON lists shown as words: categories as the alerts name them (a canned query's `change` is
# its change's categories), the rest comma-separated.
CATEGORIES = frozenset({"categories", "change"})
JSON_LISTS = CATEGORIES | {"matched", "terms", "matched_terms", "words"}


@dataclass
class Edit:
    change: dict
    label: str
    diff: Markup
    versions: str  # "1 → 2"


@dataclass
class FrontView:
    stories: list[dict] = field(default_factory=list)  # each with its "latest" events
    edits: list[Edit] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)


def load_front(conn: sqlite3.Connection) -> FrontView:
    """Everything the front page shows; every read is bounded."""
    stories = story_views.stories(conn)
    for story in stories:
        story["latest"] = reads.latest_events(conn, story["story"], EVENTS_PER_STORY)
    alerts = reads.waiting_alerts(conn, ALERTS)
    for alert in alerts:
        alert["words"] = alert_words(alert)
    return FrontView(
        stories=stories,
        edits=[_edit(c) for c in reads.latest_edits(conn, EDITS)],
        alerts=alerts,
        waiting=reads.waiting_counts(conn),
        problems=[p for p in reads.source_problems(conn) if p["problems"] or p["errors"]],
    )


def _edit(change: dict) -> Edit:
    html = stored_diff_html(change["ops"])
    before, after = change["from_number"], change["to_number"]
    # A takedown has no version after it, a restore the same one before and after.
    numbers = " → ".join(str(n) for n in dict.fromkeys((before, after)) if n is not None)
    return Edit(change, label(_words(change["categories"])), Markup(html), numbers)


def alert_words(alert: dict) -> str:
    """What an alert matched as one line (monitor.rules.words.alert_line)."""
    return alert_line(alert.get("words"), alert.get("matched"))


def _words(value: Any) -> list[str]:
    """A stored JSON list as its strings; anything else as one word, or none."""
    if not isinstance(value, str) or not value:
        return []
    try:
        found = json.loads(value)
    except ValueError:
        return [value]
    return [str(v) for v in found] if isinstance(found, list) else [value]


# --- readable tables ------------------------------------------------------------------------


def hidden_columns(path: str, query_string: str, database: str) -> str | None:
    """The query string that hides a table's bulky columns, or None to leave it as it is.

    Applied to the HTML table page only: JSON and CSV keep every column (blobs as links)."""
    prefix = f"/{database}/"
    if not path.startswith(prefix):
        return None
    columns = HIDDEN.get(path[len(prefix) :])
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if not columns or any(k in ("_col", "_nocol", ALL_COLUMNS) for k, _ in pairs):
        return None
    return urlencode([*pairs, *(("_nocol", c) for c in columns)])


def readable_cell(column: str, value: Any, table: str | None) -> Markup | None:
    """A JSON list cell of newsmon's as words ("headline changed, paragraph added")."""
    if column == "kind" and table == "changes" and isinstance(value, str) and value:
        return Markup(f'<span class="nm-words">{escape(label([value]))}</span>')
    if column not in JSON_LISTS or table not in (None, "changes", "alerts", "story_members"):
        return None
    if not isinstance(value, str) or not value.startswith("["):
        return None
    words = _words(value)
    if column in CATEGORIES:
        text = label(words)
    else:  # a story's alert may have matched dozens of words: the first few say why
        text = shown(words) if column == "words" else ", ".join(words)
    return Markup(f'<span class="nm-words">{escape(text)}</span>')


def version_cell(place: VersionPlace | None, version_id: int, timeline: str) -> Markup:
    """A version id as its number, linked to where its article's timeline shows its text
    (the change that brought it, on the page of the timeline that holds that change)."""
    if place is None:  # no such version (any more): the id, linked nowhere
        return Markup(f"id {int(version_id)}")
    url = timeline
    if place.change_id is not None:
        # The timeline's page of changes below `before`, newest first: this change heads it.
        url += f"?{urlencode({'before': place.change_id + 1})}#change-{place.change_id}"
    title = f"version {place.number} on the article's timeline (versions row {version_id})"
    return Markup(
        f'<a href="{escape(url)}" title="{escape(title)}">version {int(place.number)}</a>'
    )


def choices_script(choices: dict[str, list[str]]) -> str:
    """JavaScript that turns a canned query's text input into a drop-down where its values
    are known. Without JavaScript the text input stays and works."""
    data = json.dumps(choices).replace("<", "\\u003c")
    return (
        f"const nmChoices = {data};\n"
        "document.querySelectorAll('form.sql input[type=text]').forEach((input) => {\n"
        "  const values = nmChoices[input.name];\n"
        "  if (!values) return;\n"
        "  const select = document.createElement('select');\n"
        "  select.name = input.name; select.id = input.id; select.className = 'nm-choice';\n"
        "  const all = ['', ...values];\n"
        "  if (!all.includes(input.value)) all.push(input.value);\n"
        "  for (const value of all) {\n"
        "    const chosen = value === input.value;\n"
        "    select.add(new Option(value === '' ? '(all)' : value, value, chosen, chosen));\n"
        "  }\n"
        "  input.replaceWith(select);\n"
        "});\n"
    )


def has_column(row: Any, key: str) -> bool:
    # sqlite3.Row has keys() but no __contains__ for column names.
    try:
        return key in row.keys()  # noqa: SIM118
    except AttributeError:
        return False


def blob_table(data: dict, row: Any) -> str | None:
    """The table a table page's BLOB is downloaded from: the view `versions` has no rows of
    its own (no row or blob page), its raw pages are `version_rows`' under the same id."""
    table = data.get("table")
    if table == "versions" and not data.get("primary_keys") and has_column(row, "id"):
        return "version_rows"
    return table


def raw_cell(row: Any, value: bytes, table: str | None, raw_prefix: str) -> Markup:
    """A stored page as its size, with a link to it as text (`raw_prefix` + the version id)."""
    stored = f"{len(value):,} bytes compressed"
    size = row["raw_size"] if has_column(row, "raw_size") else None
    text = f"HTML page, {size:,} bytes ({stored})" if isinstance(size, int) else stored
    if table in ("versions", "version_rows") and has_column(row, "id"):
        url = f"{raw_prefix}{int(row['id'])}"
        return Markup(f'{escape(text)} <a href="{escape(url)}">as text</a>')
    return Markup(escape(text))
