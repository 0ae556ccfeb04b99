"""The diff on a terminal, for `newsmon diff` and the demo's report: red removed, green added."""

from __future__ import annotations

from monitor.diff.core import Diff
from monitor.diff.render import PLAIN, TextStyle, render_text

# Colour alone marks the change on a terminal; no strikethrough, which many terminals lack.
_RED, _GREEN = "\x1b[31m{}\x1b[0m", "\x1b[32m{}\x1b[0m"
COLOR = TextStyle(minus=_RED, plus=_GREEN, old=_RED, new=_GREEN, label="\x1b[1m{}\x1b[0m")


def render_terminal(diff: Diff, color: bool = True) -> str:
    """The diff for `newsmon diff`: red removed, green added; plain markers without color."""
    words = (diff.words_added, diff.words_removed)
    return render_text(diff.categories, diff.ops, words, COLOR if color else PLAIN)
