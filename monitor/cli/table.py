"""The tables the `newsmon` commands print (articles, alerts, status, stories): one look,
aligned by `tabulate`, each row kept to one 100-column line.

A row wider than the line gives up width in the columns named `shorten`: a headline loses
its end ("Zähes Ringen in Genf: Noch…"), a URL its host and the middle of its path (the
start and the slug stay, which is what tells one article from another). No rows: the
`empty` line instead of a header over nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from tabulate import tabulate

from monitor import clock

WIDTH = 100
GAP = 2  # tabulate's "plain" format puts two spaces between columns
MIN_CELL = 12  # narrower than this a shortened headline or URL says nothing
Cut = Literal["end", "middle"]


def table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    *,
    empty: str = "nothing yet",
    shorten: Mapping[str, Cut] | None = None,
    width: int = WIDTH,
) -> str:
    """`rows` under `headers`, aligned (number columns to the right); `empty` alone when
    there are no rows. Columns named in `shorten` are cut (at the end or in the middle)
    until a row fits in `width` characters."""
    if not rows:
        return empty
    cells = [["" if cell is None else cell for cell in row] for row in rows]
    cuts = {headers.index(name): how for name, how in (shorten or {}).items()}
    if cuts:
        limits = _limits(cells, headers, cuts, width)
        cells = [
            [_cut(str(c), limits[i], cuts[i]) if i in limits else c for i, c in enumerate(row)]
            for row in cells
        ]
    numbers = [_numeric([row[i] for row in cells]) for i in range(len(headers))]
    # The header goes in as a row: tabulate pads a real header by two, which costs a narrow
    # column ("304", "new") most of its width. The rule under it is drawn here.
    lines = tabulate(
        [list(headers), *cells],
        tablefmt="plain",
        colalign=["right" if n else "left" for n in numbers],
        disable_numparse=True,  # "v2", "1.0" and ids stay as written
    ).splitlines()
    widths = [max(len(str(row[i])) for row in [headers, *cells]) for i in range(len(headers))]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def counted(n: int, word: str, many: str | None = None) -> str:
    """`n` and `word`, plural unless n is 1: "1 story", "2 stories", "0 errors". `many`: the
    plural when it is not `word` + "s" ("story" makes "stories" by itself)."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        many = (
            word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
        )
    return f"{n} {many}"


def _numeric(column: list[Any]) -> bool:
    """Whether a column holds numbers (and blanks), to be aligned on the right."""
    kinds = [isinstance(c, int | float) for c in column if c != ""]
    return bool(kinds) and all(kinds)


def when(moment: str | None) -> str:
    """A stored time as a table shows it: "2026-12-07 01:40" (UTC, said in the header)."""
    parsed = clock.parse_time(moment)
    return parsed.strftime("%Y-%m-%d %H:%M") if parsed else "-"


def _limits(
    cells: list[list[Any]], headers: Sequence[str], cuts: dict[int, Cut], width: int
) -> dict[int, int]:
    """The widest each shortened column may be: the widest ones give up width first, until
    the line fits (none goes below MIN_CELL, or its header's width)."""
    natural = [max(len(h), *(len(str(row[i])) for row in cells)) for i, h in enumerate(headers)]
    fixed = sum(w for i, w in enumerate(natural) if i not in cuts) + GAP * (len(headers) - 1)
    room = width - fixed
    limits = {i: natural[i] for i in cuts}
    while sum(limits.values()) > room:
        widest = max(limits, key=lambda i: limits[i])
        floor = max(MIN_CELL, len(headers[widest]))
        if limits[widest] <= floor:
            break  # as narrow as is useful: the line stays longer
        limits[widest] -= 1
    return limits


def _cut(text: str, limit: int, how: Cut) -> str:
    if len(text) <= limit:
        return text
    if how == "end":
        return text[: limit - 1].rstrip() + "…"
    # A cut URL is for reading, not for clicking: its path is what tells articles apart.
    text = urlsplit(text).path or text if "://" in text else text
    if len(text) <= limit:
        return text
    head = (limit - 1) // 3  # the end of a URL (its slug) tells one article from another
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]
