"""The layout holds: every SQL statement of the program lives under monitor/store/.

Other packages call the store's named functions; they neither write SQL nor touch a table
themselves. Judged on the syntax tree, not the text: an SQL statement is a string literal
(an f-string's literal parts included) that reads as one, and a table access is a call of a
database API (`.execute(` and the like) or a subscript of a database handle (`db["alerts"]`).
Docstrings, comments and prose in messages ("update the config") do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("monitor", "spiders")
EXEMPT = Path("monitor") / "store"

# The statements, as they begin: a keyword and what must follow it in SQL (a table, a clause),
# so that a sentence starting with "select" or "update" is not one. A select's columns are one
# name (with its alias) or a list, a star or a call: "select a source from the list" is prose.
_SQL = re.compile(
    r"""^\s*\(?\s*(?:
        select\s+(?:distinct\s+)?
            (?:[\w."]+(?:\s+as\s+\w+)?|[^;]*?[*,(][^;]*?)\s+from\s+[\w"(]
      | insert\s+(?:or\s+\w+\s+)?into\s+[\w"]
      | replace\s+into\s+[\w"]
      | update\s+(?:or\s+\w+\s+)?[\w"]+\s+set\s+[\w"]+\s*=
      | delete\s+from\s+[\w"]
      | create\s+(?:unique\s+|temp\s+|temporary\s+|virtual\s+)?
            (?:table|index|view|trigger)\b
      | drop\s+(?:table|index|view|trigger)\b
      | alter\s+table\s+[\w"]
      | pragma\s+[\w.]+\s*(?:=|\(|$)
      | with\s+(?:recursive\s+)?\w+(?:\s*\([^)]*\))?\s+as\s*\(
    )""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
# Calls that run SQL or read a table: sqlite3's, sqlite-utils' and Datasette's.
_TABLE_CALLS = frozenset(
    {"execute", "executemany", "executescript", "query", "rows_where", "count_where"}
)
# What a database handle is called: db, conn, self.db, source_db …
_HANDLE = re.compile(r"^(?:db|conn|connection|database|cursor|\w+_db)$")


def _not_statements(tree: ast.AST) -> set[int]:
    """ids of the string constants that are not statements of their own: docstrings (and any
    string standing alone as a statement), and the literal parts of an f-string, which is
    judged whole."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr):
            found.update(id(part) for part in ast.walk(node.value))
        elif isinstance(node, ast.JoinedStr):
            found.update(id(part) for part in node.values)
    return found


def _literal(node: ast.AST) -> str | None:
    """The text of a string literal; an f-string's fields become a placeholder name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "x" for part in node.values
        )
    return None


def is_sql(text: str) -> bool:
    """Whether a string reads as an SQL statement. Its keyword is written all lower or all upper
    case, as SQL is: "Select a source" begins a sentence."""
    words = text.lstrip(" \t\n(").split(maxsplit=1)
    keyword = words[0] if words else ""
    return (keyword.islower() or keyword.isupper()) and _SQL.match(text) is not None


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def offences(source: str, filename: str = "<source>") -> list[str]:
    """Every SQL statement string and table access in one module, as "file:line: what"."""
    tree = ast.parse(source, filename)
    skip = _not_statements(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        text = None if id(node) in skip else _literal(node)
        if text is not None and is_sql(text):
            found.append((line, f"SQL: {' '.join(text.split())[:60]}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _TABLE_CALLS:
                found.append((line, f"table call .{node.func.attr}("))
        elif isinstance(node, ast.Subscript) and _HANDLE.match(_name(node.value)):
            found.append((line, f"table access {_name(node.value)}[...]"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(found)]


def _modules() -> list[Path]:
    paths = [p for top in CHECKED for p in sorted((ROOT / top).rglob("*.py"))]
    return [p for p in paths if not p.relative_to(ROOT).is_relative_to(EXEMPT)]


def test_no_sql_outside_the_store() -> None:
    found = [
        line
        for path in _modules()
        for line in offences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, "SQL outside monitor/store/ (call a named store function):\n" + "\n".join(
        found
    )


def test_the_check_sees_the_store() -> None:
    # The store itself must trip the check, or the check would pass on anything.
    store = ROOT / EXEMPT
    assert any(offences(p.read_text(encoding="utf-8")) for p in store.rglob("*.py"))


PLANTED = """
def pending(db, conn, now):
    rows = db.query("select * from alerts where status = 'pending' order by id")
    conn.execute(f"update changes set evaluated_at = ? where id = {now}")
    db["alerts"].update(1, {"status": "sent"})
    self.db["dispatch_lease"].rows_where("name = ?", ["outbox"])
    source_db.count_where("id = ?", [1])
    sql = (
        "select id, status from alerts "
        f"where status = ? limit {now}"
    )
    return "PRAGMA optimize", "delete from dispatch_lease where name = ?", sql
"""


@pytest.mark.parametrize(
    "expected",
    [
        ":3: SQL: select * from alerts where status = 'pending'",
        ":3: table call .query(",
        ":4: SQL: update changes set evaluated_at = ? where id = x",
        ":4: table call .execute(",
        ":5: table access db[...]",
        ":6: table access db[...]",
        ":6: table call .rows_where(",
        ":7: table call .count_where(",
        ":9: SQL: select id, status from alerts where status = ? limit x",
        ":12: SQL: PRAGMA optimize",
        ":12: SQL: delete from dispatch_lease where name = ?",
    ],
)
def test_a_planted_example_fails(expected: str) -> None:
    found = offences(PLANTED)
    assert any(expected in line for line in found), found


PROSE = '''
"""Select the articles from the feed; update the config, then delete from memory.

    select * from alerts   (an example in a docstring)
"""

def help_text(row, rows, settings):
    """Insert into the outbox what the rules decided; with a select of ...from the store."""
    # select * from alerts where id = 1: a comment
    click.echo("Update the config, then run: newsmon crawl")
    click.echo("Select a source from the list below")
    click.echo("drop the table of contents; create an index card")
    click.echo(f"update {row['id']} set aside for later")
    message = "with the alerts as they are (pending)"
    raise SystemExit(f"pragma: {settings}")
    return row["id"], rows[0], settings.query, dict(query=1)
'''


def test_prose_does_not_trip_it() -> None:
    assert offences(PROSE) == []
